package scenarios_test

import (
	"context"
	"fmt"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/fromhar"
	"github.com/bookingharness/bookingharness/sim/har"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/record"
	"github.com/bookingharness/bookingharness/sim/replay"
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
	Expect(got).To(Equal(want), "Cal.com's answers per call differ\noriginal:\n%s\nderived file:\n%s\nits replay:\n%s", first.res.Timeline(), text, second.res.Timeline())
	Expect([]int{second.res.Final.Appointments, second.res.Final.CalcomBookings}).To(Equal([]int{first.res.Final.Appointments, first.res.Final.CalcomBookings}),
		"final counts (appointments, Cal.com bookings) differ\noriginal:\n%s\nderived file:\n%s\nits replay:\n%s", first.res.Timeline(), text, second.res.Timeline())
	Expect(second.res.Final.Violated).To(Equal(first.res.Final.Violated), "violations differ\noriginal:\n%s\nderived file:\n%s\nits replay:\n%s", first.res.Timeline(), text, second.res.Timeline())
	return first, second, derived
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

// roundTripEntries is one entry per catalogue file the recorder can see and per policy the
// file states expectations for.
func roundTripEntries() []TableEntry {
	files, err := filepath.Glob("incidents/*.yaml")
	if err != nil {
		panic(err)
	}
	unseen := unseenByRecorder()
	var entries []TableEntry
	for _, file := range files {
		if unseen[filepath.Base(file)] != "" {
			continue
		}
		inc, err := incident.Load(file)
		if err != nil {
			entries = append(entries, Entry(filepath.Base(file), file, "", err))
			continue
		}
		for _, policy := range inc.Policies() {
			entries = append(entries, Entry(fmt.Sprintf("%s under %s", filepath.Base(file), policy), file, policy, nil))
		}
	}
	return entries
}

var _ = Describe("From a recording to an incident file (round trip)", Label("record"), func() {
	DescribeTable("records a file's run, derives a file from the recording, and its replay gives the same Cal.com answers and violations",
		func(ctx SpecContext, file, policy string, loadErr error) {
			Expect(loadErr).NotTo(HaveOccurred())
			inc, err := incident.Load(file)
			Expect(err).NotTo(HaveOccurred())
			roundTrip(ctx, inc, replay.Options{Policy: core.Policy(policy)})
		},
		roundTripEntries(),
	)

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
