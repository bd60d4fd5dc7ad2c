package fakecalcom

import (
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"
)

// TestEachBookingMatchesBookings books more than one chunk of bookings (one cancelled, one
// without a call id, one pending) and checks that EachBooking yields exactly the summaries of
// Bookings, in order, that it stops when told, and that EachJournalEntry yields Journal.
func TestEachBookingMatchesBookings(t *testing.T) {
	tt := newTester(t, Config{})
	start := time.Date(2025, 10, 7, 8, 0, 0, 0, time.UTC)
	const n = summaryChunk + 37
	var uids []string
	for i := range n {
		body := createBody(1, start.Add(time.Duration(i)*time.Hour), fmt.Sprintf("call_%d", i), fmt.Sprintf("Caller %d", i), "desk@example.com")
		switch i {
		case 3:
			delete(body, "metadata")
		case 5:
			body["eventTypeId"] = 2 // requires confirmation: pending
		}
		r := tt.create(body)
		if r.status != 201 {
			t.Fatalf("create %d: status %d: %s", i, r.status, r.raw)
		}
		uids = append(uids, r.data()["uid"].(string))
	}
	tt.must("POST", "/v2/bookings/"+uids[7]+"/cancel", "2024-08-13", map[string]any{"cancellationReason": "ill"})

	f := tt.srv.Fake
	want := f.Bookings()
	if got := f.NumBookings(); got != len(want) || got != n {
		t.Fatalf("NumBookings = %d, want %d (= len(Bookings) %d)", got, n, len(want))
	}
	var got []BookingSummary
	f.EachBooking(func(s BookingSummary) bool { got = append(got, s); return true })
	if len(got) != len(want) {
		t.Fatalf("EachBooking yielded %d summaries, want %d", len(got), len(want))
	}
	for i, b := range want {
		callID, _ := b.Metadata["call_id"].(string)
		w := BookingSummary{ID: b.ID, UID: b.UID, EventTypeID: b.EventTypeID, HostID: b.HostID, Start: b.Start, End: b.End, Status: b.Status, CallID: callID}
		if !reflect.DeepEqual(got[i], w) {
			t.Fatalf("summary %d = %+v, want %+v", i, got[i], w)
		}
	}
	if got[3].CallID != "" || got[5].Status != StatusPending || got[7].Status != StatusCancelled || got[8].CallID != "call_8" {
		t.Fatalf("summaries lost a detail: %+v %+v %+v %+v", got[3], got[5], got[7], got[8])
	}

	for _, stop := range []int{1, summaryChunk, summaryChunk + 1} {
		seen := 0
		f.EachBooking(func(BookingSummary) bool { seen++; return seen < stop })
		if seen != stop {
			t.Fatalf("EachBooking stopping after %d visited %d", stop, seen)
		}
	}

	journal := f.Journal()
	var entries []JournalEntry
	f.EachJournalEntry(func(e JournalEntry) bool { entries = append(entries, e); return true })
	if len(entries) != len(journal) || len(journal) != n+1 {
		t.Fatalf("EachJournalEntry yielded %d entries, Journal %d, want %d", len(entries), len(journal), n+1)
	}
	for i := range journal {
		if entries[i] != journal[i] {
			t.Fatalf("journal entry %d = %+v, want %+v", i, entries[i], journal[i])
		}
	}
	seen := 0
	f.EachJournalEntry(func(JournalEntry) bool { seen++; return false })
	if seen != 1 {
		t.Fatalf("EachJournalEntry stopping at once visited %d", seen)
	}

	f.Reset()
	f.EachBooking(func(BookingSummary) bool { t.Fatal("EachBooking after Reset visited a booking"); return false })
	if f.NumBookings() != 0 {
		t.Fatalf("NumBookings after Reset = %d", f.NumBookings())
	}
}

// TestInternKeepsValuesAndBounds checks that interning never changes a stored value and that
// the table stops growing at maxInterned.
func TestInternKeepsValuesAndBounds(t *testing.T) {
	l := newLedger(1)
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := range maxInterned + 10 {
		s := fmt.Sprintf("v%d@example.com", i)
		if got := l.intern(s); got != s {
			t.Fatalf("intern(%q) = %q", s, got)
		}
	}
	if len(l.strs) != maxInterned {
		t.Fatalf("intern table holds %d values, want the bound %d", len(l.strs), maxInterned)
	}
	a, b := l.intern(string([]byte("Europe/Berlin"))), l.intern(string([]byte("Europe/Berlin")))
	if a != b || len(l.strs) != maxInterned {
		t.Fatalf("a full table must still answer known values unchanged: %q %q", a, b)
	}
}

// TestCompactMetadataIsEqual checks that interning metadata keeps every key and value, keeps
// nil and empty maps as they are, and never turns -0 into 0.
func TestCompactMetadataIsEqual(t *testing.T) {
	l := newLedger(1)
	l.mu.Lock()
	defer l.mu.Unlock()
	negZero := math.Copysign(0, -1)
	for _, m := range []map[string]any{
		nil, {},
		{"call_id": "call_1", "source": "bookingharness-core", "customer_id": 1.0, "service_id": 2.0},
		{"call_id": "call_2", "source": "bookingharness-core", "customer_id": 1.0, "flag": true, "zero": negZero},
	} {
		got := l.compactMetadata(m)
		if !reflect.DeepEqual(got, m) || (m == nil) != (got == nil) {
			t.Fatalf("compactMetadata(%v) = %v", m, got)
		}
		if z, ok := got["zero"].(float64); ok && !math.Signbit(z) {
			t.Fatalf("-0 became %v", z)
		}
	}
}
