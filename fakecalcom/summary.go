package fakecalcom

import "time"

// BookingSummary is the part of a ledger booking the invariant checker reads: who holds
// which interval in which status, and for which call. It carries no maps and, except for a
// seated booking's seats, no slices, so a walk over a large ledger (EachBooking) costs no
// deep copy of metadata and history.
type BookingSummary struct {
	ID          int
	UID         string
	EventTypeID int
	HostID      int
	Start       time.Time
	End         time.Time
	Status      Status
	// CallID is Metadata["call_id"] when that is a string, "" otherwise (a seated booking:
	// its first booker's).
	CallID string
	// Seats are a seated booking's seats, in the order they were taken; nil otherwise. Each
	// carries its own booker's call id, so a checker can judge every seat on its own.
	Seats []SeatSummary
}

// SeatSummary is one seat of a seated booking as the checker reads it.
type SeatSummary struct {
	UID    string
	CallID string
	Status Status // accepted while held, cancelled once its attendee left
}

// summaryChunk is how many bookings or journal entries a walk copies per critical section:
// big enough to make locking cheap, small enough that a walk never holds a large copy.
const summaryChunk = 512

func (b *Booking) summary() BookingSummary {
	callID, _ := b.Metadata["call_id"].(string)
	s := BookingSummary{
		ID: b.ID, UID: b.UID, EventTypeID: b.EventTypeID, HostID: b.HostID,
		Start: b.Start, End: b.End, Status: b.Status, CallID: callID,
	}
	if b.Seats != nil {
		s.Seats = make([]SeatSummary, len(b.Seats))
		for i, seat := range b.Seats {
			s.Seats[i] = SeatSummary{UID: seat.UID, CallID: seat.CallID(), Status: seat.Status}
		}
	}
	return s
}

// NumBookings returns how many bookings the ledger holds (cancelled ones included), so a
// caller of EachBooking can size its buffers once.
func (f *Fake) NumBookings() int {
	f.ledger.mu.Lock()
	defer f.ledger.mu.Unlock()
	return len(f.ledger.all)
}

// EachBooking calls fn with a summary of every booking in creation order until fn returns
// false. Unlike Bookings it copies no metadata or history, which is what a checker reading
// a 100 000-booking ledger needs. Summaries are taken in chunks under the ledger lock and fn
// runs outside it, so fn may call the Fake; bookings inserted during the walk may or may not
// be visited, and a Reset during the walk ends it.
func (f *Fake) EachBooking(fn func(BookingSummary) bool) {
	l := f.ledger
	var buf [summaryChunk]BookingSummary
	for i := 0; ; {
		l.mu.Lock()
		n := 0
		for ; n < len(buf) && i+n < len(l.all); n++ {
			buf[n] = l.all[i+n].summary()
		}
		l.mu.Unlock()
		if n == 0 {
			return
		}
		for _, s := range buf[:n] {
			if !fn(s) {
				return
			}
		}
		i += n
	}
}

// EachJournalEntry calls fn with a copy of every journal entry in arrival order until fn
// returns false. Unlike Journal it never copies the whole journal at once, so a caller that
// keeps only a few entries (the fired faults of a load run) needs no memory for the rest.
// Entries are copied in chunks under the journal lock and fn runs outside it.
func (f *Fake) EachJournalEntry(fn func(JournalEntry) bool) {
	j := &f.journal
	var buf [summaryChunk]JournalEntry
	for i := 0; ; {
		j.mu.Lock()
		n := 0
		for ; n < len(buf) && i+n < len(j.entries); n++ {
			buf[n] = j.entry(i + n)
		}
		j.mu.Unlock()
		if n == 0 {
			return
		}
		for _, e := range buf[:n] {
			if !fn(e) {
				return
			}
		}
		i += n
	}
}
