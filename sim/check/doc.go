// Package check is the invariant checker (docs/invariants.md): it compares the final state of
// a run (every appointment row in Postgres, every booking in the fake Cal.com's ledger) with
// the recorded history of operations and reports every violated invariant.
//
// It takes plain data (State, []history.Operation) so it does not depend on the store or
// the fake, and it indexes with maps so a 100 000-operation run checks in well under the
// 2 s budget (see BenchmarkCheck100k).
//
// # Assumptions first
//
// Like etcd's robustness validator (checkValidationAssumptions), Check refuses to judge a
// run that breaks the preconditions its rules are written for, and says why instead of
// reporting "no violation":
//
//   - the history is empty;
//   - operations were still pending (begun, never ended) when the final state was read;
//   - two operations share one Seq;
//   - an operation is malformed: an unknown kind, a finished operation without an outcome,
//     a host move without the slot it moved to;
//   - an appointment row belongs to no call, or to a call the history never saw (the state
//     is not this run's, or the run did something it did not record: record it, e.g. a web
//     booking as the web form's own call).
//
// Such a Report has NotJudged set and no violations; it is never OK, its Err is an
// *AssumptionsError and its String starts with "assumptions not met". Callers treat it as
// an error of the check, never as a clean run.
//
// # Terms
//
// Hosts: the harness maps Cal.com host ids to staff ids 1:1, so Appointment.StaffID and
// Booking.HostID are compared as the same host key.
//
// A call's slot: an appointment belongs to a call's slot when its CallID is the call and
// its Start equals the slot's start (and its StaffID equals the slot's HostID when the
// operation knows the host; a round robin whose host Cal.com picks does not). Slots are the
// same slot when history.SameSlot says so.
//
// Live: an appointment is live unless soft-deleted or cancelled; a booking or a seat holds
// its slot in Cal.com while accepted or pending (a seat only while its booking does too).
//
// Seated bookings: on a seated event type several attendees share one booking uid, one
// seat each (Booking.Seated, Booking.Seats). A live appointment holds the seat its SeatUID
// names or, when it names none, the seat its call took (Seat.CallID). A booking marked
// seated without seats is judged like any other booking.
//
// A call's hold in Cal.com on a slot: a live booking at the slot's start (on the slot's host
// when the slot knows it) whose metadata.call_id is the call — on a seated booking, a live
// seat the call took — or a live booking (seat) that one of the call's rows for the slot
// names, live or not.
//
// # One call, several appointments
//
// A call may end holding several live appointments — a caller may book more than one
// appointment in one call, and answers are judged per call and slot — but never two that
// overlap in time, on any host: a caller cannot keep two appointments at once, and every such
// pair is one request booked twice (a retry that reached another round-robin host, a second
// seat). That is double_booked_call. Rows of one call naming one booking (one seat) are one
// hold, not two: that is duplicate_booking_id.
//
// # The invariants
//
// Catalogue lists them, in report order; each is judged on its own.
//
// duplicate_booking_id: two or more live appointments carry the same non-empty uid; one
// violation per uid. On a seated booking: two or more live appointments hold the same seat;
// one violation per seat.
//
// double_booked_slot: live appointments of one host overlap as half-open intervals
// [Start, End); back-to-back appointments do not overlap. An appointment whose End is not
// after its Start occupies the single instant Start. The seats of one seated booking are
// one occupant, so they never double-book each other. One violation per connected group of
// overlapping appointments with two or more occupants.
//
// untruthful_outcome: answers are judged per call and slot. Every (call, slot) group of
// the history is walked in return order on its own: a truthful answer on one slot neither
// hides nor condemns an answer on another. Within a group, the last definite answer since
// the last reset is held against the final state:
//
//   - told booked or already_booked, the call must hold a live appointment for the slot;
//   - told slot_taken or error to a book, it must hold none;
//   - told cancelled, it must hold the slot on neither side: no live appointment for it, and
//     no hold in Cal.com (see Terms) — a row left live, or a booking or seat left accepted,
//     makes the answer untruthful;
//   - told error to a cancel (nothing was cancelled), it must still hold a live appointment
//     for the slot. Such an answer is the last definite one only when the call was expected
//     to hold the slot (its last definite answer was booked or already_booked, or the host
//     moved its booking here since): told error while it was in fact cancelled is untruthful;
//     a failed cancel of a slot the call did not hold says nothing.
//
// So is a contradiction between two answers to books since the last reset, whatever the final
// state: booked/already_booked followed by slot_taken/error (one of the two was a lie), and a
// definite fail (slot_taken/error) followed by already_booked with no booking of that call on
// that slot in between. "In between" is judged the way Jepsen judges concurrent histories: a
// book answered booked that had not returned before the fail was asked and was asked before
// the already_booked returned, or any book whose result is unknown (or pending) asked before
// the already_booked returned — it may take effect at any time after it was asked. unknown
// answers, to a book or a cancel, are never untruthful and do not override a definite answer.
// A group gets at most one untruthful_outcome.
//
// Resets: a cancel by the call answered cancelled or unknown, and the host ending the call's
// booking (history.KindHostEnd: a cancel or decline in Cal.com) or moving it away
// (history.KindHostMove, on the old slot), reset the group: earlier answers are not judged,
// because the booking may rightly be gone. A cancel answered cancelled is then itself the
// group's last answer (judged as above). A cancel answered error resets nothing. A host move
// also resets the group of the slot it moved the booking to (the host's act supersedes
// earlier answers there) and expects the call to hold that slot from then on (see
// lost_booking).
//
// orphan_booking: an accepted or pending Cal.com booking with no live appointment carrying
// its uid (the slot is blocked in Cal.com but nobody in the application owns it). On a
// seated booking: every held seat with no live appointment holding it.
//
// phantom_appointment: a live appointment whose uid is empty, missing from the ledger, or
// whose booking is cancelled or rejected. On a seated booking also: a live appointment that
// holds no seat of it, or whose seat is given up (cancelled).
//
// lost_booking: judged per call and slot too. In a group whose call was told booked (not
// merely already_booked), or onto whose slot the host moved the call's booking, with no
// reset after it, the call has no appointment at all, live or soft-deleted, for that slot
// at the end. A host move the application never followed is thus a lost booking on the new
// slot (and usually a phantom on the old one and an orphan of the moved booking).
//
// mismatched_appointment: a live appointment that names an accepted or pending booking (and,
// on a seated booking, a live seat of it: otherwise it is a phantom) but does not match it:
// its Start or End differs from the booking's, its host differs from the booking's host, or
// — on a seated booking — the seat it holds was taken by another call (Seat.CallID set and not
// the row's call). One violation per appointment, listing every difference. The row shows
// the caller something Cal.com does not hold: the requested host instead of the assigned one,
// a stale time, a neighbour's seat.
//
// double_booked_call: live appointments of one call overlap as half-open intervals (as in
// double_booked_slot), on any hosts, and belong to two or more different holds: distinct
// booking uids, or distinct seats of one seated booking; an appointment without a uid, or
// holding no seat of its seated booking, is a hold of its own. One violation per connected
// group of overlapping appointments of a call.
package check
