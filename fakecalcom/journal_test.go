package fakecalcom

import (
	"fmt"
	"reflect"
	"testing"
	"time"
)

// TestJournalCompactRoundTrip checks that the compact journal gives back exactly what was
// begun and finished: in-flight entries with their begin-time fields, finished ones with
// every field, entries that have no compact form (non-UTC times, a full name table) kept
// whole, and entries of a journal reset meanwhile no longer listed.
func TestJournalCompactRoundTrip(t *testing.T) {
	at := time.Date(2025, 10, 6, 9, 4, 27, 123456789, time.UTC)
	berlin := time.FixedZone("CEST", 2*60*60)
	mono := time.Now() // carries a monotonic reading
	var j journal
	type step struct {
		name  string
		final func(e JournalEntry) JournalEntry // nil: leave in flight
	}
	steps := []step{
		{"in flight", nil},
		{"created", func(e JournalEntry) JournalEntry {
			e.CallID, e.BookingUID, e.Status, e.Created = "call_1", "uid1", 201, true
			e.ResponseStarted, e.Completed = at.Add(time.Millisecond), at.Add(2*time.Millisecond)
			return e
		}},
		{"cut by a fault", func(e JournalEntry) JournalEntry {
			e.CallID, e.Rule, e.Action, e.Status, e.Cut = "call_2", "load:reset_after_commit", ActionResetAfterCommit, 201, true
			e.Completed = at.Add(time.Second)
			return e
		}},
		{"replayed", func(e JournalEntry) JournalEntry {
			e.Replayed, e.BookingUID, e.Status, e.Completed = true, "uid1", 201, at.Add(time.Hour)
			return e
		}},
		{"non-UTC time kept whole", func(e JournalEntry) JournalEntry {
			e.Status, e.Completed = 200, at.In(berlin)
			return e
		}},
		{"monotonic reading kept whole", func(e JournalEntry) JournalEntry {
			e.Status, e.Completed = 200, mono
			return e
		}},
	}
	var want []JournalEntry
	for i, st := range steps {
		e := j.begin("POST", fmt.Sprintf("/v2/bookings/%d", i%2), at.Add(time.Duration(i)*time.Minute))
		w := JournalEntry{Seq: int64(i + 1), Method: "POST", Path: fmt.Sprintf("/v2/bookings/%d", i%2), Received: at.Add(time.Duration(i) * time.Minute)}
		if st.final != nil {
			rec := *e
			j.finish(e, st.final(rec))
			w = st.final(w)
		}
		want = append(want, w)
	}
	got := j.snapshot()
	if len(got) != len(want) {
		t.Fatalf("journal has %d entries, want %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("%s: got %+v\nwant %+v", steps[i].name, got[i], want[i])
		}
	}
	if j.entries[4].extra == nil || j.entries[5].extra == nil || j.entries[1].extra != nil {
		t.Fatalf("compact forms: want entries 4 and 5 whole, 1 compact")
	}

	// A request begun before a reset finishes after it: it must not overwrite the new
	// journal's entry with the same Seq.
	old := j.begin("GET", "/v2/bookings/x", at)
	j.reset()
	fresh := j.begin("POST", "/v2/bookings", at)
	j.finish(old, JournalEntry{Seq: old.Seq, Method: "GET", Path: "/v2/bookings/x", Status: 404, gen: old.gen})
	if got := j.snapshot(); len(got) != 1 || got[0].Method != "POST" || got[0].Seq != fresh.Seq || got[0].Status != 0 {
		t.Fatalf("after reset: %+v", got)
	}
	if old.Status != 404 {
		t.Fatalf("the reset-away entry itself was not updated: %+v", old)
	}

	// A full name table keeps new names whole and still answers known ones compactly.
	var k journal
	for i := range maxJournalNames + 5 {
		k.finish(k.begin("GET", fmt.Sprintf("/v2/bookings/uid%d", i), at), JournalEntry{Seq: int64(i + 1), Method: "GET", Path: fmt.Sprintf("/v2/bookings/uid%d", i), Received: at, Status: 200})
	}
	snap := k.snapshot()
	for i, e := range snap {
		if e.Path != fmt.Sprintf("/v2/bookings/uid%d", i) || e.Seq != int64(i+1) || e.Status != 200 {
			t.Fatalf("entry %d = %+v", i, e)
		}
	}
	if len(k.names) != maxJournalNames || k.entries[len(k.entries)-1].extra == nil || k.entries[0].extra != nil {
		t.Fatalf("name table: %d names; last entry whole %v", len(k.names), k.entries[len(k.entries)-1].extra != nil)
	}
}
