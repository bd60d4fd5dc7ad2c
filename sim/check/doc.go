// Package check is the invariant checker of DESIGN §5: it compares the final state of a run
// (live appointments in Postgres, bookings in the fake Cal.com's ledger) with the recorded
// history of attempts and reports every violated invariant.
//
// It takes plain data (State, []history.Operation) so it does not depend on the store or
// the fake, and it indexes with maps so a 100 000-operation run checks in well under the
// 2 s budget (see BenchmarkCheck100k).
//
// # Semantics
//
// Hosts: the harness maps Cal.com host ids to staff ids 1:1, so Appointment.StaffID and
// Booking.HostID are compared as the same host key.
//
// A call's slot: an appointment belongs to a call's slot when its CallID is the call and
// its Start equals the slot's start (and its StaffID equals the slot's HostID when the
// operation knows the host).
//
// duplicate_booking_id: two or more live appointments carry the same non-empty uid; one
// violation per uid.
//
// double_booked_slot: live appointments of one host overlap as half-open intervals
// [Start, End); back-to-back appointments do not overlap. An appointment whose End is not
// after its Start occupies the single instant Start. One violation per connected group of
// overlapping appointments.
//
// untruthful_outcome: a call is judged by its last definite answer to a Book (by return
// order; unknown answers and operations that never returned are skipped: they claim
// nothing, so they are never untruthful and do not override a definite answer). Told
// booked/already_booked but holding no live appointment for that slot, or told
// slot_taken/error but holding one, is untruthful. A call with a Cancel after that answer
// whose result is ok or unknown is not judged (its appointment may rightly be gone).
// In addition, a call that was told booked/already_booked and later, with no cancel in
// between, slot_taken/error is untruthful whatever the final state: one of the two
// answers was a lie to the caller. A call gets at most one untruthful_outcome.
//
// orphan_booking: an accepted or pending Cal.com booking with no live appointment carrying
// its uid (the slot is blocked in Cal.com but nobody in the application owns it).
//
// phantom_appointment: a live appointment whose uid is empty, missing from the ledger, or
// whose booking is cancelled or rejected.
//
// lost_booking: a call that was ever told booked (not merely already_booked), with no
// ok/unknown Cancel after it, has no appointment at all, live or soft-deleted, for that
// slot at the end.
package check
