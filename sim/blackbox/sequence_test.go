package blackbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/blackbox"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/clock"
	"github.com/bookingharness/bookingharness/sim/history"
	"github.com/bookingharness/bookingharness/sim/world"
)

// incidentEventType is Call 687/688's round-robin event type with one host.
func incidentEventType() fakecalcom.EventType {
	return fakecalcom.EventType{ID: 2563193, Kind: fakecalcom.RoundRobin, LengthMinutes: 45, HostID: 1}
}

// sequenceResult is what the Call 687/688 sequence produced.
type sequenceResult struct {
	first, second blackbox.Outcome
	report        check.Report
	live          int
}

// call687688 runs the incident through a black-box target: call 687 books a slot, 35
// minutes pass, call 688 asks for the same slot with the same attendee email, and Cal.com
// answers with 687's booking. The history and the final state go to the invariant checker.
func call687688(t *testing.T, tgt *blackbox.Target, fake *fakecalcom.Server) sequenceResult {
	t.Helper()
	ctx := context.Background()
	et := incidentEventType()
	start := fake.Fake.Now().Add(96 * time.Hour).Truncate(time.Hour).UTC()
	slot := history.SlotKey{EventTypeID: int64(et.ID), HostID: int64(et.HostID), Start: start}
	rec := history.NewRecorder(clock.Real{}, 4)
	book := func(call, name string) blackbox.Outcome {
		tok := rec.Begin(call, history.KindBook, slot)
		o, err := tgt.Book(ctx, blackbox.BookRequest{CallID: call, EventTypeID: int64(et.ID), Start: start,
			Attendee: core.Attendee{Name: name, Email: "termin@askproai.de", TimeZone: "Europe/Berlin"}})
		if endErr := rec.End(tok, o.Response(err)); endErr != nil {
			t.Fatal(endErr)
		}
		return o
	}
	var r sequenceResult
	r.first = book("call_927bf219b2cc20cd24dc97c9f0b", "Hansi Sputer")
	if err := tgt.Advance(ctx, 35*time.Minute); err != nil {
		t.Fatal(err)
	}
	r.second = book("call_39d2ade6f4fc16c51110ca49cdf", "Hans Schuster")
	apps, err := tgt.Appointments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range apps {
		if a.Live {
			r.live++
		}
	}
	state := check.State{Appointments: apps, Bookings: world.StateOf(nil, fake.Fake.Bookings(), nil).Bookings}
	r.report = check.Check(rec.Operations(), state)
	if fs := tgt.Findings(); len(fs) > 0 {
		t.Fatalf("contract violations: %v", fs)
	}
	return r
}

// violated lists the report's invariant names in order, once each.
func violated(r check.Report) []string {
	var out []string
	for _, v := range r.Violations {
		if len(out) == 0 || out[len(out)-1] != v.Invariant {
			out = append(out, v.Invariant)
		}
	}
	return out
}

// wantSequence checks the two verdicts every seed implementation must reach: with all
// layers, 688 is refused by freshness and one appointment remains; with none, the original
// duplicate — two live appointments carrying one booking uid.
func wantSequence(t *testing.T, layers core.Layers, r sequenceResult) {
	t.Helper()
	if r.first.Kind != core.Booked {
		t.Fatalf("call 687: %+v", r.first)
	}
	if layers == core.All() {
		if r.second.Kind != core.SlotTaken || r.second.Layer != core.LayerFreshness || r.live != 1 || len(r.report.Violations) != 0 {
			t.Fatalf("all layers: call 688 %+v, %d live, violations %v; want slot_taken by freshness, 1 live, none", r.second, r.live, r.report.Violations)
		}
		return
	}
	got := violated(r.report)
	if r.second.Kind != core.Booked || r.second.BookingUID != r.first.BookingUID || r.live != 2 ||
		len(got) != 2 || got[0] != check.DuplicateBookingID || got[1] != check.DoubleBookedSlot {
		t.Fatalf("no layers: call 688 %+v, %d live, violations %v; want booked with 687's uid, 2 live, [duplicate_booking_id double_booked_slot]",
			r.second, r.live, r.report.Violations)
	}
}
