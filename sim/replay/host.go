package replay

import (
	"context"
	"fmt"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/history"
	"github.com/bookingharness/bookingharness/sim/incident"
)

// Outcomes of a host step (Step.Outcome); a host action Cal.com refused is "error".
const (
	HostCancelled = "cancelled"
	HostMoved     = "moved"
	HostConfirmed = "confirmed"
	HostDeclined  = "declined"
	// NoBooking: the call held no booking for the host to act on; nothing was done.
	NoBooking = "no_booking"
)

// host runs a host step: what the host does to the call's booking in Cal.com itself, through
// the fake (world.World.HostCancel and friends), which records it in the history and waits for
// the webhooks it causes. The call's booking is the uid its latest book step was told it holds
// (booked or already_booked); when that step's answer was lost, the call's live booking in the
// fake's ledger at that slot. With neither, nothing is done (outcome no_booking): the step
// fails when the file's own expectations are asserted (they presumed a booking), and is shown
// as not executed under an override that changed the premise. When Cal.com refuses the action
// the step fails and says why: the run did not do what the file says.
func (r *runner) host(ctx context.Context, path string, st incident.Step) error {
	h := st.Host
	undo, err := r.armWebhookFault(path, h.Call, h.WebhookFault)
	defer undo()
	if err != nil {
		return fmt.Errorf("replay: %s: %w", r.inc.File, err)
	}
	s := Step{Path: path, Line: h.Line, At: st.At.String(), Time: r.w.Now(), Kind: "host", Action: h.Action, Call: h.Call,
		WebhookFault: describeWebhookFault(h.WebhookFault), Decisions: []Decision{}, Pass: true}
	t0 := time.Now()
	defer func() {
		s.ElapsedMS = ms(time.Since(t0))
		if !s.Pass {
			r.res.Failures = append(r.res.Failures, s.Message)
		}
		r.res.Steps = append(r.res.Steps, s)
	}()
	slot := r.slots[h.Call]
	uid, err := r.bookingOf(h.Call, slot)
	if err != nil {
		// The file's own expectations presumed the booking: a failure. Under an override the
		// premise may not hold (the hardened core turned the call away before Cal.com): the
		// step is shown as not executed, and what is asserted is asserted.
		s.Outcome, s.Error, s.Pass = NoBooking, err.Error(), !r.plan.assertSteps
		s.Message = fmt.Sprintf("%s.host (line %d) %s %s: %v; the host has nothing to %s", path, h.Line, h.Action, h.Call, err, h.Action)
		return nil
	}
	s.BookingUID = uid
	var b fakecalcom.Booking
	switch h.Action {
	case incident.HostCancel:
		s.Outcome = HostCancelled
		b, err = r.w.HostCancel(ctx, h.Call, slot, uid)
	case incident.HostDecline:
		s.Outcome = HostDeclined
		b, err = r.w.HostDecline(ctx, h.Call, slot, uid)
	case incident.HostConfirm:
		s.Outcome = HostConfirmed
		b, err = r.w.HostConfirm(ctx, uid)
	case incident.HostReschedule:
		s.Outcome, s.SlotStart = HostMoved, h.To
		if h.By == incident.HostByAttendee {
			b, err = r.w.AttendeeReschedule(ctx, h.Call, slot, uid, h.To)
		} else {
			b, err = r.w.HostReschedule(ctx, h.Call, slot, uid, h.To)
		}
		if err == nil {
			s.NewBookingUID = b.UID
			r.uids[h.Call] = b.UID
			moved := slot
			moved.Start = b.Start.UTC()
			r.slots[h.Call] = moved
		}
	}
	if err != nil {
		s.Outcome, s.Error, s.Pass = history.OutcomeError, err.Error(), false
		s.Message = fmt.Sprintf("%s.host (line %d) %s %s: Cal.com refused: %v", path, h.Line, h.Action, h.Call, err)
	}
	return nil
}

// bookingOf names the booking a host action on call acts on (see host).
func (r *runner) bookingOf(call string, slot history.SlotKey) (string, error) {
	if uid := r.uids[call]; uid != "" {
		return uid, nil
	}
	b, err := r.w.CallBooking(call, slot)
	if err != nil {
		return "", fmt.Errorf("its latest book step was not told it holds a booking, and the fake holds no live booking of the call at %s",
			slot.Start.UTC().Format(time.RFC3339))
	}
	return b.UID, nil
}

// heldUID is the booking uid a book step's outcome says the call holds, "" when it holds none
// by that answer (slot_taken may carry another call's uid; unknown and error carry none the
// call is known to hold).
func heldUID(o core.Outcome) string {
	if o.Kind == core.Booked || o.Kind == core.AlreadyBooked {
		return o.BookingUID
	}
	return ""
}
