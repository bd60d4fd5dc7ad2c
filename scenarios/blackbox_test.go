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
				Expect(bb.Skipped).To(ContainSubstring(want))
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
		sut, err := bbtest.NewSUT(core.PolicySeed, serveCoreMode, false)
		Expect(err).NotTo(HaveOccurred())
		var skipped []string
		for _, f := range files {
			inc, err := incident.Load(f)
			Expect(err).NotTo(HaveOccurred())
			if replay.BlackBoxBlocker(inc, sut) != "" {
				skipped = append(skipped, filepath.Base(f))
			}
		}
		// serve-core declares its webhook receiver, the harness starts it (so it can kill and
		// restart it) and puts its proxy in front of its database: webhooks, host actions,
		// crashes and database faults all run. The one skip is deliberate: under time: header
		// the service's clock for a request is fixed when it begins, so Cal.com's latency
		// (clock-skew-fast-app) cannot reach it (time: faketime follows it, and a Go binary
		// ignores libfaketime; see the replay package's TestLatencyUnderHeaderMustStaySkipped).
		Expect(skipped).To(Equal([]string{"clock-skew-fast-app.yaml"}), "a file newly skipped black-box must be a deliberate choice")
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
