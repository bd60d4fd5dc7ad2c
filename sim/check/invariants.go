package check

// Invariant names, part of the public contract: incident files and reports use them.
const (
	DuplicateBookingID    = "duplicate_booking_id"
	DoubleBookedSlot      = "double_booked_slot"
	UntruthfulOutcome     = "untruthful_outcome"
	OrphanBooking         = "orphan_booking"
	PhantomAppointment    = "phantom_appointment"
	LostBooking           = "lost_booking"
	MismatchedAppointment = "mismatched_appointment"
	DoubleBookedCall      = "double_booked_call"
)

// Invariant is one rule of the checker: its public name, what it says, and the function that
// judges it. Each invariant is judged on its own, from the shared index, so one can be
// switched off (the harness's self-test does, to show a suite notices) by skipping its entry
// in Check's loop, without touching the others.
type Invariant struct {
	// Name is the invariant's public name (one of the constants above).
	Name string
	// Rule says in one sentence when the invariant is violated, as the code judges it (the
	// package doc and docs/invariants.md give the details).
	Rule string
	// judge returns every violation of the invariant, in a deterministic order.
	judge func(*index) []Violation
}

// Catalogue returns every invariant in report order: the order of docs/invariants.md, in
// which Report.Violations are listed. It returns a fresh slice each time.
func Catalogue() []Invariant {
	return []Invariant{
		{DuplicateBookingID, "two live appointments carry one Cal.com booking uid (on a seated booking: hold one seat)", (*index).duplicateBookingIDs},
		{DoubleBookedSlot, "live appointments of one host overlap in time (the seats of one seated booking count once)", (*index).doubleBookedSlots},
		{UntruthfulOutcome, "a call's last definite answer on a slot, to a book or a cancel, contradicts the final state, or two of its answers contradict each other", (*index).untruthfulOutcomes},
		{OrphanBooking, "an accepted or pending Cal.com booking (or seat) has no live appointment", (*index).orphanBookings},
		{PhantomAppointment, "a live appointment's booking (or seat) is missing, cancelled or rejected in Cal.com", (*index).phantomAppointments},
		{LostBooking, "a call told booked (or moved onto a slot by the host) has no appointment at all for that slot", (*index).lostBookings},
		{MismatchedAppointment, "a live appointment differs from the booking it names: start, end, host, or the seat its own call took", (*index).mismatchedAppointments},
		{DoubleBookedCall, "one call holds live appointments of two different bookings (or seats) that overlap in time", (*index).doubleBookedCalls},
	}
}

// Invariants returns the invariant names in Catalogue order. It returns a fresh slice each
// time.
func Invariants() []string {
	cat := Catalogue()
	out := make([]string, len(cat))
	for i, inv := range cat {
		out[i] = inv.Name
	}
	return out
}

// IsInvariant reports whether name is one of the invariant names.
func IsInvariant(name string) bool {
	for _, inv := range Catalogue() {
		if inv.Name == name {
			return true
		}
	}
	return false
}
