package scenarios_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/blackbox"
	"github.com/bookingharness/bookingharness/sim/fromhar"
	"github.com/bookingharness/bookingharness/sim/har"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/record"
	"github.com/bookingharness/bookingharness/sim/replay"
	"github.com/bookingharness/bookingharness/sim/world"
)

// recorded is one replay run with a recorder between the system under test and the fake.
type recorded struct {
	res *replay.Result
	log *har.Log
}

// replayRecorded replays inc with the recorder in front of the world's fake Cal.com.
func replayRecorded(ctx context.Context, inc *incident.Incident, opts replay.Options) recorded {
	path := filepath.Join(GinkgoT().TempDir(), "recording.har")
	wr, err := record.RecordWorld(path, record.Config{})
	Expect(err).NotTo(HaveOccurred())
	opts.Front = wr.Front
	res, err := replay.Run(ctx, pg, inc, opts)
	Expect(err).NotTo(HaveOccurred())
	Expect(wr.Close()).To(Succeed())
	log, err := har.ReadFile(path)
	Expect(err).NotTo(HaveOccurred())
	return recorded{res: res, log: log}
}

// deriveOptions asks for the policy the recording was made under and the file's layers.
func deriveOptions(inc *incident.Incident, policy string) fromhar.Options {
	o := fromhar.Options{Source: inc.Name + ".har", Name: inc.Name + "-derived", Policy: policy}
	switch inc.LayersSpec {
	case "none":
		o.Layers = []string{"none"}
	case "list":
		o.Layers = inc.Layers
	}
	return o
}

// roundTrip records inc, derives a file from the recording and replays that with the
// recorder too: both recordings must show the same Cal.com answers per call, and both runs
// the same violations.
func roundTrip(ctx context.Context, inc *incident.Incident, opts replay.Options) (first, second recorded, derived *fromhar.Derived) {
	first = replayRecorded(ctx, inc, opts)
	Expect(first.res.Skipped).To(BeEmpty())
	derived, err := fromhar.Derive(first.log, deriveOptions(inc, first.res.Policy))
	Expect(err).NotTo(HaveOccurred())
	text, err := derived.Marshal()
	Expect(err).NotTo(HaveOccurred())
	again, err := incident.Parse(inc.Name+"-derived.yaml", text)
	Expect(err).NotTo(HaveOccurred(), "the derived file must parse:\n%s", text)
	opts.Policy = "" // the derived file names the policy
	second = replayRecorded(ctx, again, opts)
	want, err := fromhar.Answers(first.log)
	Expect(err).NotTo(HaveOccurred())
	got, err := fromhar.Answers(second.log)
	Expect(err).NotTo(HaveOccurred())
	if slices.ContainsFunc(inc.Steps, func(st incident.Step) bool { return st.Concurrent != nil }) {
		// Which of the racing calls wins is the scheduler's choice, in the recorded run and in
		// its replay alike: the same answers must come back, not to the same calls.
		Expect(answerSet(got)).To(Equal(answerSet(want)), "Cal.com's answers differ\noriginal:\n%s\nderived file:\n%s\nits replay:\n%s", first.res.Timeline(), text, second.res.Timeline())
	} else {
		Expect(got).To(Equal(want), "Cal.com's answers per call differ\noriginal:\n%s\nderived file:\n%s\nits replay:\n%s", first.res.Timeline(), text, second.res.Timeline())
	}
	Expect([]int{second.res.Final.Appointments, second.res.Final.CalcomBookings}).To(Equal([]int{first.res.Final.Appointments, first.res.Final.CalcomBookings}),
		"final counts (appointments, Cal.com bookings) differ\noriginal:\n%s\nderived file:\n%s\nits replay:\n%s", first.res.Timeline(), text, second.res.Timeline())
	Expect(second.res.Final.Violated).To(Equal(first.res.Final.Violated), "violations differ\noriginal:\n%s\nderived file:\n%s\nits replay:\n%s", first.res.Timeline(), text, second.res.Timeline())
	return first, second, derived
}

// answerSet is every call's answers on one line, sorted: the answers without who got them.
func answerSet(byCall map[string][]string) []string {
	set := make([]string, 0, len(byCall))
	for _, answers := range byCall {
		set = append(set, strings.Join(answers, " → "))
	}
	slices.Sort(set)
	return set
}

// unseenByRecorder lists the catalogue files the recorder cannot see — what makes them
// what they are happens where no HTTP exchange with Cal.com shows it — each with why.
func unseenByRecorder() map[string]string {
	const (
		db    = "its fault is between the service and Postgres (db_fault): no exchange with Cal.com shows it"
		crash = "the service's process dies after Cal.com answered (crash): the recording shows a complete exchange and a retry, not the crash"
	)
	return map[string]string{
		"clock-skew-fast-app.yaml":             "its cause is the service's own clock running ahead (app_skew), which never travels to Cal.com",
		"crash-after-calcom.yaml":              crash,
		"crash-before-settle-round-robin.yaml": crash,
		"db-commit-ack-lost.yaml":              db,
		"db-latency.yaml":                      db,
		"db-refused-connections.yaml":          db,
		"db-reset-before-commit.yaml":          db,
	}
}

// seenCase is a catalogue file the recorder can see, under one policy it states
// expectations for; err is why the file does not load.
type seenCase struct {
	file, policy string
	err          error
}

// seenCases lists every catalogue file the recorder can see, per policy it states
// expectations for.
func seenCases() []seenCase {
	files, err := filepath.Glob("incidents/*.yaml")
	if err != nil {
		panic(err)
	}
	unseen := unseenByRecorder()
	var out []seenCase
	for _, file := range files {
		if unseen[filepath.Base(file)] != "" {
			continue
		}
		inc, err := incident.Load(file)
		if err != nil {
			out = append(out, seenCase{file: file, err: err})
			continue
		}
		for _, policy := range inc.Policies() {
			out = append(out, seenCase{file: file, policy: policy})
		}
	}
	return out
}

// roundTripEntries is one entry per seen case.
func roundTripEntries() []TableEntry {
	var entries []TableEntry
	for _, c := range seenCases() {
		entries = append(entries, Entry(fmt.Sprintf("%s under %s", filepath.Base(c.file), c.policy), c.file, c.policy, c.err))
	}
	return entries
}

// phpSUT is the PHP seed service's own sut.yaml (examples/php-seed-service): the black-box
// service of the round trip. It needs php-cli and php-pgsql (scripts/prepare-blackbox.sh).
const phpSUT = "../examples/php-seed-service/sut.yaml"

// phpEntries is one entry per catalogue file the recorder can see that a black-box service
// can run at all (replay.BlackBoxBlocker names why the others cannot: the black-box family
// asserts that list), without a concurrent step: against a service the harness holds each
// create until a racing one arrives (world.Hold), so the requests race for real and which
// call wins is not the same in the recorded and the derived run. Nor with a webhook held
// back (webhook_fault delay or reorder): the PHP service runs time: age, where the fake's
// clock is the wall clock and a held delivery goes out after the later steps, so the
// recording shows the host's action only when its webhook arrives — after them — and the
// derived file puts it there.
func phpEntries() []TableEntry {
	sut, err := blackbox.LoadSUT(phpSUT)
	if err != nil {
		panic(err)
	}
	var entries []TableEntry
	for _, c := range seenCases() {
		if c.err != nil || c.policy != incident.PolicySeed {
			continue // the PHP service is a seed; a broken file fails in-process
		}
		inc, err := incident.Load(c.file)
		held := func(st incident.Step) bool {
			for _, w := range []*incident.WebhookFault{bookFault(st.Book), cancelFault(st.Cancel), hostFault(st.Host)} {
				if w != nil && (w.Delay > 0 || w.Mode == "reorder") {
					return true
				}
			}
			return false
		}
		if err != nil || replay.BlackBoxBlocker(inc, sut) != "" || slices.ContainsFunc(inc.Steps, func(st incident.Step) bool { return st.Concurrent != nil || held(st) }) {
			continue
		}
		entries = append(entries, Entry(filepath.Base(c.file), c.file))
	}
	return entries
}

// The describe text contains "Incident replay" so the necessity runs skip it with the other
// incident specs: a round trip compares two runs under one model, whatever its layers.
var _ = Describe("Incident replay through the recorder: from a recording to an incident file (round trip)", Label("record"), func() {
	DescribeTable("records a file's run, derives a file from the recording, and its replay gives the same Cal.com answers and violations",
		func(ctx SpecContext, file, policy string, loadErr error) {
			Expect(loadErr).NotTo(HaveOccurred())
			inc, err := incident.Load(file)
			Expect(err).NotTo(HaveOccurred())
			roundTrip(ctx, inc, replay.Options{Policy: core.Policy(policy)})
		},
		roundTripEntries(),
	)

	DescribeTable("against the PHP seed service (black box): the derived file's replay gives the same Cal.com answers and violations",
		Label("blackbox"),
		func(ctx SpecContext, file string) {
			inc, err := incident.Load(file)
			Expect(err).NotTo(HaveOccurred())
			sut, err := blackbox.LoadSUT(phpSUT)
			Expect(err).NotTo(HaveOccurred())
			roundTrip(ctx, inc, replay.Options{BlackBox: &world.BlackBox{SUT: sut}})
		},
		phpEntries(),
	)

	It("derives from a recording of Call 687/688 a file that reproduces the duplicate under no layers", func(ctx SpecContext) {
		inc, err := incident.Load("incidents/call-687-688.yaml")
		Expect(err).NotTo(HaveOccurred())
		none := core.Layers(0)
		first := replayRecorded(ctx, inc, replay.Options{Layers: &none})
		opts := deriveOptions(inc, incident.PolicySeed)
		opts.Layers = []string{"none"}
		derived, err := fromhar.Derive(first.log, opts)
		Expect(err).NotTo(HaveOccurred())
		Expect(derived.Incident.Calcom.EventTypes).To(HaveLen(1))
		Expect(derived.Incident.Calcom.EventTypes[0].Kind).To(Equal(incident.KindRoundRobin), "the second caller got the first booking back: round robin")
		Expect(derived.Incident.Steps).To(HaveLen(2))
		Expect(derived.Incident.Steps[1].At).To(Equal(35*time.Minute), "the real gap")
		j, err := fromhar.Judge(ctx, pg, derived.Incident, replay.Options{})
		Expect(err).NotTo(HaveOccurred())
		Expect(j.Violated).To(ContainElement("duplicate_booking_id"))
		derived.Annotate(j)
		text, err := derived.Marshal()
		Expect(err).NotTo(HaveOccurred())
		Expect(string(text)).To(ContainSubstring("the recorded run violates: double_booked_slot, duplicate_booking_id"))
		Expect(string(text)).NotTo(ContainSubstring("termin@askproai.de"), "attendee emails are pseudonymised")
		Expect(string(text)).NotTo(MatchRegexp(`(?m)^expect:`), "no expectation is invented")
	})

	It("names every catalogue file it does not round-trip, with why", func() {
		files, err := filepath.Glob("incidents/*.yaml")
		Expect(err).NotTo(HaveOccurred())
		var bases []string
		for _, f := range files {
			bases = append(bases, filepath.Base(f))
		}
		for name, why := range unseenByRecorder() {
			Expect(bases).To(ContainElement(name), "an unseen file that is not in the catalogue")
			Expect(why).NotTo(BeEmpty())
		}
		fmt.Fprintf(GinkgoWriter, "round trip: %d of %d files\n", len(bases)-len(unseenByRecorder()), len(bases))
	})
})

// bookFault, cancelFault and hostFault are a step's webhook fault, nil for none.
func bookFault(b *incident.Book) *incident.WebhookFault {
	if b == nil {
		return nil
	}
	return b.WebhookFault
}

func cancelFault(c *incident.Cancel) *incident.WebhookFault {
	if c == nil {
		return nil
	}
	return c.WebhookFault
}

func hostFault(h *incident.HostAction) *incident.WebhookFault {
	if h == nil {
		return nil
	}
	return h.WebhookFault
}
