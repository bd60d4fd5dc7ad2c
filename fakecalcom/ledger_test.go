package fakecalcom

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestLedgerIndexMatchesScan inserts bookings in random order over several days (two far
// ranges, as a two-thread load test does) and checks busy and sameSlot against a full scan.
func TestLedgerIndexMatchesScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2025, 10, 10, 0, 0, 0, 0, time.UTC)
	l := newLedger(1)
	l.mu.Lock()
	defer l.mu.Unlock()
	var all []*Booking
	for i := range 600 {
		off := time.Duration(rng.IntN(6*48)) * 30 * time.Minute
		if i%2 == 1 {
			off += 1000 * 24 * time.Hour
		}
		length := time.Duration(1+rng.IntN(24*60)) * time.Minute
		st := []Status{StatusAccepted, StatusPending, StatusCancelled}[rng.IntN(3)]
		b := &Booking{HostID: 1 + rng.IntN(2), Start: base.Add(off), End: base.Add(off + length), Status: st}
		l.insertLocked(b, base)
		all = append(all, b)
	}
	for range 2000 {
		host := 1 + rng.IntN(2)
		start := base.Add(time.Duration(rng.IntN(8*48*2)-48) * 15 * time.Minute)
		if rng.IntN(2) == 1 {
			start = start.Add(1000 * 24 * time.Hour)
		}
		end := start.Add(time.Duration(1+rng.IntN(120)) * time.Minute)
		var wantBusy bool
		var wantSame *Booking
		for _, b := range all {
			if b.HostID != host {
				continue
			}
			if b.Status == StatusAccepted && b.Start.Before(end) && b.End.After(start) {
				wantBusy = true
			}
			if b.Status.Live() && b.Start.Equal(start) && b.End.Equal(end) && (wantSame == nil || b.ID < wantSame.ID) {
				wantSame = b
			}
		}
		if got := l.busy(host, start, end, nil); got != wantBusy {
			t.Fatalf("busy(%d, %v, %v) = %v, want %v", host, start, end, got, wantBusy)
		}
		if got := l.sameSlot([]int{host}, start, end); got != wantSame {
			t.Fatalf("sameSlot(%d, %v, %v) = %v, want %v", host, start, end, got, wantSame)
		}
	}
}
