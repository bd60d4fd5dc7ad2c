package scenarios_test

import (
	"fmt"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/blackbox"
	"github.com/bookingharness/bookingharness/sim/blackbox/bbtest"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/replay"
	"github.com/bookingharness/bookingharness/sim/world"
)

// serveCoreMode is how the black-box family moves serve-core's time: it honours
// X-Harness-Now, so its clock is exactly the world's application clock.
const serveCoreMode = blackbox.TimeHeader

// The black-box family (label blackbox): every catalogue file, under every policy it states
// expectations for, is replayed twice — in-process against the core, and black-box against
// the same core behind the contract (servecore, started as its own process with its own
// database and time by X-Harness-Now) — and the two must agree: each step's outcome and
// deciding layer, the final counts and the violated invariants; and the black-box run meets
// the file's expectations exactly as the in-process one does. A file that needs what no
// black-box service can give is skipped with its reason (replay.BlackBoxBlocker), and the
// skip is asserted, never passed silently. The describe text contains "Incident replay" so
// the necessity runs skip it with the other incident specs.
var _ = Describe("Incident replay against serve-core (black box)", Label("blackbox"), func() {
	DescribeTable("gives the in-process answers",
		func(ctx SpecContext, file, policy string, loadErr error) {
			Expect(loadErr).NotTo(HaveOccurred(), "invalid incident file")
			inc, err := incident.Load(file)
			Expect(err).NotTo(HaveOccurred())
			opts := replay.Options{Policy: core.Policy(policy)}
			in, err := replay.Run(ctx, pg, inc, opts)
			Expect(err).NotTo(HaveOccurred())

			sut, err := bbtest.NewSUT(core.Policy(policy), serveCoreMode, false)
			Expect(err).NotTo(HaveOccurred())
			opts.BlackBox = &world.BlackBox{SUT: sut}
			bb, err := replay.Run(ctx, pg, inc, opts)
			Expect(err).NotTo(HaveOccurred())
			if want := replay.BlackBoxBlocker(inc, sut); want != "" {
				Expect(bb.Skipped).To(Equal(want))
				Expect(bb.OK()).To(BeFalse(), "a skipped file is never a pass")
				AddReportEntry("skipped black-box", bb.Skipped)
				return
			}
			Expect(bb.Skipped).To(BeEmpty())
			Expect(replay.Compare(in, bb)).To(BeEmpty(), "in-process:\n%s\nblack-box:\n%s", in.Timeline(), bb.Timeline())
			Expect(bb.Expectations).To(Equal(in.Expectations))
			Expect(bb.Failures).To(BeEmpty(), "black-box:\n%s", bb.Timeline())
			Expect(bb.ContractViolations).To(BeEmpty())
		},
		blackBoxEntries(),
	)

	It("skips only the files that need what no black-box service gives", func() {
		files, err := filepath.Glob("incidents/*.yaml")
		Expect(err).NotTo(HaveOccurred())
		var skipped []string
		for _, f := range files {
			inc, err := incident.Load(f)
			Expect(err).NotTo(HaveOccurred())
			if replay.BlackBoxBlocker(inc, &blackbox.SUT{File: "serve-core", Time: serveCoreMode}) != "" {
				skipped = append(skipped, filepath.Base(f))
			}
		}
		// Each skip is deliberate, with the reason BlackBoxBlocker gives: app_skew under time:
		// age (clock-skew); the process crash and the database faults need the service to run
		// in the harness's process or behind its proxy (crash-*, db-*); host actions and webhook
		// faults need a webhook receiver the contract does not have (host-*, webhook-*,
		// confirm-two-pending, and the round-three files whose point is a webhook:
		// cancel-webhook-before-update, requires-confirmation-attendee-reschedule,
		// round-robin-lucky-host); Cal.com's check/insert gap is time inside one request
		// (prod-400-race).
		Expect(skipped).To(Equal([]string{
			"cancel-webhook-before-update.yaml",
			"clock-skew-fast-app.yaml", "confirm-two-pending.yaml", "crash-after-calcom.yaml", "crash-before-settle-round-robin.yaml",
			"db-commit-ack-lost.yaml", "db-latency.yaml", "db-refused-connections.yaml", "db-reset-before-commit.yaml",
			"host-cancel.yaml", "host-reschedule.yaml", "prod-400-race.yaml",
			"requires-confirmation-attendee-reschedule.yaml", "round-robin-lucky-host.yaml",
			"webhook-duplicate-cancel.yaml", "webhook-late-cancel.yaml", "webhook-reorder.yaml",
		}), "a file newly skipped black-box must be a deliberate choice")
	})
})

// blackBoxEntries is one entry per catalogue file and policy it states expectations for.
func blackBoxEntries() []TableEntry {
	files, err := filepath.Glob("incidents/*.yaml")
	if err != nil {
		panic(err)
	}
	var entries []TableEntry
	for _, file := range files {
		inc, err := incident.Load(file)
		if err != nil {
			entries = append(entries, Entry(file, file, "", err))
			continue
		}
		for _, policy := range inc.Policies() {
			entries = append(entries, Entry(fmt.Sprintf("%s under %s", filepath.Base(file), policy), Label("policy:"+policy), file, policy, nil))
		}
	}
	return entries
}
