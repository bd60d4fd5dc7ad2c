package scenarios_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/world"
)

// The Call 687/688 incident's facts (seed report, FINAL_DEPLOYMENT_VERIFICATION.md): the
// round-robin event type, the slot both callers asked for, the shared fallback email, and the
// moment Cal.com created call 687's booking 8Fxv4pCqnb1Jva1w9wn5wX.
const (
	incidentEventType = 2563193
	fallbackEmail     = "termin@askproai.de"
	call687ID         = "call_927bf219b2cc20cd24dc97c9f0b"
	call688ID         = "call_39d2ade6f4fc16c51110ca49cdf"
	incidentUID       = "8Fxv4pCqnb1Jva1w9wn5wX" // the real uid; the fake generates its own
)

var (
	incidentSlot     = time.Date(2025, 10, 10, 6, 0, 0, 0, time.UTC)
	call687CreatedAt = time.Date(2025, 10, 6, 9, 5, 21, 2_000_000, time.UTC)
	call688At        = time.Date(2025, 10, 6, 9, 39, 27, 0, time.UTC) // 35 min after call 687 began
	call687          = world.BookCall{CallID: call687ID, EventTypeID: incidentEventType, Start: incidentSlot, Attendee: core.Attendee{Name: "Hansi Sputer", Email: fallbackEmail}}
	call688          = world.BookCall{CallID: call688ID, EventTypeID: incidentEventType, Start: incidentSlot, Attendee: core.Attendee{Name: "Hans Schuster", Email: fallbackEmail}}
)

// callNo is the nth caller of a race or a load: its own call id, the incident's slot and the
// incident's fallback attendee email (phone agents without an email all send the same one).
func callNo(n int) world.BookCall {
	c := call688
	c.CallID = fmt.Sprintf("call_race_%02d", n)
	return c
}

// newWorld is the ONE way a spec gets a world: a fresh database, fake and core (world.New),
// closed when the spec ends. It attaches this process's layer-decision collector to the
// core under the spec's full text (the hook the layer-coverage matrix builds on), fanned
// out with any observer the spec brings itself, and on failure attaches the fake's journal,
// its ledger, the appointment rows and the history to the spec report.
func newWorld(ctx context.Context, cfg world.Config) *world.World {
	GinkgoHelper()
	spec := CurrentSpecReport().FullText()
	cfg.Observer = fanOut(decisions.ForSpec(spec), cfg.Observer)
	cfg, collector, off := withEvidence(cfg)
	w, err := world.New(ctx, pg, cfg)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(w.Close)
	DeferCleanup(func(ctx SpecContext) { attachWorldEvidence(ctx, spec, w, collector, off) })
	DeferCleanup(func(ctx SpecContext) {
		if CurrentSpecReport().Failed() {
			attachEvidence(ctx, w)
		}
	})
	return w
}

// attachEvidence puts what a red CI run needs to explain itself into the spec report.
func attachEvidence(ctx context.Context, w *world.World) {
	AddReportEntry("fake Cal.com journal", ReportEntryVisibilityFailureOrVerbose, jsonText(w.Fake.Fake.Journal()))
	AddReportEntry("fake Cal.com ledger", ReportEntryVisibilityFailureOrVerbose, jsonText(w.Fake.Fake.Bookings()))
	if p := w.Core().Proxy(); p != nil {
		AddReportEntry("database proxy journal", ReportEntryVisibilityFailureOrVerbose, jsonText(p.Journal()))
	}
	rows, err := store.AllAppointments(ctx, w.Core().Store.Pool())
	if err != nil {
		AddReportEntry("appointments", ReportEntryVisibilityFailureOrVerbose, "reading appointments failed: "+err.Error())
	} else {
		AddReportEntry("appointments", ReportEntryVisibilityFailureOrVerbose, jsonText(rows))
	}
	var tl strings.Builder
	for _, op := range w.Recorder.Operations() {
		tl.WriteString(op.String())
		tl.WriteByte('\n')
	}
	AddReportEntry("history", ReportEntryVisibilityFailureOrVerbose, tl.String())
	if rep, err := w.Check(ctx); err == nil || !rep.Judged() {
		AddReportEntry("invariant check", ReportEntryVisibilityFailureOrVerbose, rep.String())
	}
}

func jsonText(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return "marshal failed: " + err.Error()
	}
	return string(b)
}

// expectBroken ends a spec: it runs the invariant checker and asserts that exactly the
// named invariants are violated (none for a correct design).
func expectBroken(ctx context.Context, w *world.World, broken []string) check.Report {
	GinkgoHelper()
	rep, err := w.Check(ctx)
	Expect(err).NotTo(HaveOccurred())
	want := slices.Clone(broken)
	slices.Sort(want)
	declareExpected(w, want)
	if len(want) == 0 {
		want = nil
	}
	Expect(rep.Names()).To(Equal(want), "invariants broken:\n%s", rep)
	return rep
}

// book books c and returns the outcome; the error is part of the outcome (error/unknown).
func book(ctx context.Context, w *world.World, c world.BookCall) core.Outcome {
	GinkgoHelper()
	out, err := w.Book(ctx, c)
	if out.Kind == core.Error || out.Kind == core.Unknown {
		Expect(err).To(HaveOccurred(), "an %s outcome must carry its error", out.Kind)
	} else {
		Expect(err).NotTo(HaveOccurred())
	}
	return out
}

// mustBook books c and requires a plain "booked".
func mustBook(ctx context.Context, w *world.World, c world.BookCall) core.Outcome {
	GinkgoHelper()
	out := book(ctx, w, c)
	Expect(out.Kind).To(Equal(core.Booked), "call %s: %s", c.CallID, out.Reason)
	return out
}

// live returns the live appointment rows.
func live(ctx context.Context, w *world.World) []store.Appointment {
	GinkgoHelper()
	rows, err := store.LiveAppointments(ctx, w.Core().Store.Pool())
	Expect(err).NotTo(HaveOccurred())
	return rows
}

// accepted returns the ledger's accepted bookings.
func accepted(w *world.World) []fakecalcom.Booking {
	var out []fakecalcom.Booking
	for _, b := range w.Fake.Fake.Bookings() {
		if b.Status == fakecalcom.StatusAccepted {
			out = append(out, b)
		}
	}
	return out
}

// fault adds a rule to the world's fake.
func fault(w *world.World, r fakecalcom.Rule) {
	GinkgoHelper()
	Expect(w.Fake.Fake.AddFault(r)).To(Succeed())
}

// firstCreate matches the first POST /v2/bookings of one call.
func firstCreate(callID string, a fakecalcom.Action) fakecalcom.Rule {
	return fakecalcom.Rule{Name: string(a.Kind), Method: "POST", Path: "/v2/bookings", CallID: callID, Nth: 1, Action: a}
}

// verdicts renders an outcome's decisions as "layer=verdict ..." for compact assertions.
func verdicts(o core.Outcome) []string {
	out := make([]string, 0, len(o.Decisions))
	for _, d := range o.Decisions {
		out = append(out, string(d.Layer)+"="+string(d.Verdict))
	}
	return out
}

// layersOf builds a layer set.
func layersOf(ls ...core.Layer) core.Layers { return core.NewLayers(ls...) }

// labels gives every spec its policy, kind and layer labels so --label-filter picks any
// slice ("layer:db_check && policy:seed", "kind:race", …).
func labels(kind string, p core.Policy, ls core.Layers) Labels {
	out := Labels{"kind:" + kind, "policy:" + string(p)}
	eff := p.Effective(ls)
	if eff == 0 {
		return append(out, "layer:none")
	}
	for _, l := range eff.List() {
		out = append(out, "layer:"+string(l))
	}
	return out
}

// broken is the list of invariants an entry says the design breaks (data in the table).
func broken(names ...string) []string { return names }

func itoa(n int) string { return fmt.Sprint(n) }
