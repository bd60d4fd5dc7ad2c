package world

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/history"
)

// What the host does in Cal.com itself — not through the application: the fake changes the
// booking and tells its subscribers by webhook, the history records the fact so the checker
// judges the call exactly (history.Recorder.HostEnded, HostMoved), and the world waits for
// the webhooks the action caused (AwaitWebhooks). callID and slot name the call whose booking
// uid is; the caller knows them (a replay: from the call's latest book step).

// HostCancel cancels booking uid as its host (BOOKING_CANCELLED); the call's hold on slot
// ended.
func (w *World) HostCancel(ctx context.Context, callID string, slot history.SlotKey, uid string) (fakecalcom.Booking, error) {
	return w.hostEnd(ctx, callID, slot, uid, func() (fakecalcom.Booking, error) {
		return w.Fake.Fake.HostCancel(ctx, uid, "cancelled by the host")
	})
}

// HostDecline declines booking uid, which awaits confirmation (BOOKING_REJECTED); the call's
// hold on slot ended.
func (w *World) HostDecline(ctx context.Context, callID string, slot history.SlotKey, uid string) (fakecalcom.Booking, error) {
	return w.hostEnd(ctx, callID, slot, uid, func() (fakecalcom.Booking, error) {
		return w.Fake.Fake.HostDecline(ctx, uid, "declined by the host")
	})
}

// hostEnd runs a host action that ends callID's booking uid on slot and records the end.
func (w *World) hostEnd(ctx context.Context, callID string, slot history.SlotKey, uid string, do func() (fakecalcom.Booking, error)) (fakecalcom.Booking, error) {
	return w.host(ctx, func() (fakecalcom.Booking, error) {
		b, err := do()
		if err == nil {
			w.Recorder.HostEnded(callID, slot, uid)
		}
		return b, err
	})
}

// HostConfirm confirms booking uid, which awaits confirmation (BOOKING_CREATED). Nothing is
// recorded: the call held the slot before and still does.
func (w *World) HostConfirm(ctx context.Context, uid string) (fakecalcom.Booking, error) {
	return w.host(ctx, func() (fakecalcom.Booking, error) { return w.Fake.Fake.HostConfirm(ctx, uid) })
}

// HostReschedule moves booking uid to start (on the incident's calendar, as a BookCall's: a
// black-box service under time: age has its slots moved by TimeShift) as its host
// (BOOKING_RESCHEDULED) and returns the new booking (a new uid); the call should now hold the
// slot at start on the same host and event type, and the history says so.
func (w *World) HostReschedule(ctx context.Context, callID string, slot history.SlotKey, uid string, start time.Time) (fakecalcom.Booking, error) {
	start = start.UTC().Add(w.TimeShift())
	return w.moveBooking(ctx, callID, slot, func() (fakecalcom.Booking, error) { return w.Fake.Fake.HostReschedule(ctx, uid, start) })
}

// AttendeeReschedule moves booking uid to start as its attendee does on Cal.com's booking
// page (a requires-confirmation booking is pending again: BOOKING_REQUESTED with
// rescheduleUid) and returns the new booking; the history records the move as for
// HostReschedule (start on the incident's calendar, as there).
func (w *World) AttendeeReschedule(ctx context.Context, callID string, slot history.SlotKey, uid string, start time.Time) (fakecalcom.Booking, error) {
	start = start.UTC().Add(w.TimeShift())
	return w.moveBooking(ctx, callID, slot, func() (fakecalcom.Booking, error) { return w.Fake.Fake.AttendeeReschedule(ctx, uid, start) })
}

// moveBooking runs a reschedule made in Cal.com itself and records that callID now holds the
// slot at the new booking's start.
func (w *World) moveBooking(ctx context.Context, callID string, slot history.SlotKey, move func() (fakecalcom.Booking, error)) (fakecalcom.Booking, error) {
	return w.host(ctx, func() (fakecalcom.Booking, error) {
		b, err := move()
		if err == nil {
			to := slot
			to.Start = b.Start.UTC()
			w.Recorder.HostMoved(callID, slot, to, b.UID)
		}
		return b, err
	})
}

// host runs one host action between two waits for webhooks.
func (w *World) host(ctx context.Context, do func() (fakecalcom.Booking, error)) (fakecalcom.Booking, error) {
	if err := w.AwaitWebhooks(ctx); err != nil {
		return fakecalcom.Booking{}, err
	}
	b, err := do()
	if err != nil {
		return b, fmt.Errorf("world: host action: %w", err)
	}
	return b, w.AwaitWebhooks(ctx)
}

// CallBooking finds the booking of callID on slot in the fake's ledger: the newest booking
// at the slot's start whose metadata.call_id is the call and that still holds its slot
// (accepted or pending). It is how a harness names "the call's booking" when the call never
// heard its uid (a lost answer).
func (w *World) CallBooking(callID string, slot history.SlotKey) (fakecalcom.Booking, error) {
	var found *fakecalcom.BookingSummary
	w.Fake.Fake.EachBooking(func(b fakecalcom.BookingSummary) bool {
		if b.CallID == callID && b.Start.Equal(slot.Start) && b.Status.Live() {
			found = &b
		}
		return true
	})
	if found == nil {
		return fakecalcom.Booking{}, errors.New("world: the fake holds no live booking of call " + callID + " at " + slot.Start.UTC().Format(time.RFC3339))
	}
	b, ok := w.Fake.Fake.Booking(found.UID)
	if !ok {
		return fakecalcom.Booking{}, errors.New("world: booking " + found.UID + " vanished from the ledger")
	}
	return b, nil
}
