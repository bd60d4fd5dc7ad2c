package replay_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/replay"
	"github.com/bookingharness/bookingharness/sim/world"
)

// hostFile is a replay of the host's actions through webhooks: call a books, its
// BOOKING_CREATED is reordered behind the next delivery, the host moves the booking (the
// BOOKING_RESCHEDULED delivered twice) and then cancels it (BOOKING_CANCELLED delayed).
const hostFile = `
name: host-actions
policy: hardened
clock: {start: 2025-10-06T09:04:27Z}
calcom:
  webhooks: {delivery: %s, secret: s3cret}
  event_types: [{id: 7, kind: standard, length: 30, host: 1}]
steps:
  - at: 0s
    call: a
    book: {event_type: 7, start: 2025-10-10T06:00:00Z, attendee: {name: A, email: a@example.org}}
    webhook_fault: {reorder: true}
    expect: {outcome: booked}
  - at: 1m
    host: {reschedule: {call: a, to: 2025-10-10T08:00:00Z}}
    webhook_fault: {duplicate: true}
  - at: 2m
    host: {cancel: a}
    webhook_fault: {delay: 30s}
expect: {appointments: 0, calcom_bookings: 0, violations: []}
expect_by_policy:
  seed: {appointments: 1, violations: [phantom_appointment]}
`

// Host steps run through the fake's host actions and reach the hardened core by webhook,
// whatever the webhook faults; the seed keeps a phantom. The timeline and the JSON show the
// host steps and the webhook faults, and every delivery was made by the end of the run.
func TestReplayHostStepsThroughWebhooks(t *testing.T) {
	for _, mode := range []string{"sync", "async"} {
		for _, policy := range []string{"hardened", "seed"} {
			t.Run(mode+"/"+policy, func(t *testing.T) {
				inc := parse(t, "host-actions.yaml", fmt.Sprintf(hostFile, mode))
				var delivered []string
				opts := replay.Options{Policy: corePolicy(policy), AfterRun: afterRunDeliveries(&delivered)}
				res := run(t, inc, opts)
				if !res.OK() {
					t.Fatalf("failed:\n%s", res.Timeline())
				}
				if len(res.Steps) != 3 || res.Steps[1].Kind != "host" || res.Steps[1].Action != "reschedule" || res.Steps[1].Outcome != replay.HostMoved ||
					res.Steps[1].NewBookingUID == "" || res.Steps[1].BookingUID != res.Steps[0].BookingUID ||
					res.Steps[2].BookingUID != res.Steps[1].NewBookingUID || res.Steps[2].Outcome != replay.HostCancelled {
					t.Fatalf("steps %+v", res.Steps)
				}
				want := "BOOKING_RESCHEDULED/1 BOOKING_CREATED/1 BOOKING_RESCHEDULED/2 BOOKING_CANCELLED/1"
				if got := strings.Join(delivered, " "); got != want {
					t.Errorf("deliveries %s, want %s", got, want)
				}
				tl := res.Timeline()
				for _, s := range []string{"[webhook reorder: true] → booked ✓", "host reschedule to 2025-10-10T08:00Z [webhook duplicate: true] → moved ·",
					"host cancel [webhook delay: 30s] → cancelled ·"} {
					if !strings.Contains(tl, s) {
						t.Errorf("timeline lacks %q:\n%s", s, tl)
					}
				}
				js, _ := json.Marshal(res.Steps[1])
				for _, s := range []string{`"kind":"host"`, `"action":"reschedule"`, `"webhook_fault":"duplicate: true"`, `"new_booking_uid":"`} {
					if !strings.Contains(string(js), s) {
						t.Errorf("JSON step lacks %s: %s", s, js)
					}
				}
			})
		}
	}
}

// A host action on a call that holds no booking fails the step and says why; the replay goes
// on and the history records nothing for it.
func TestReplayHostStepWithoutBooking(t *testing.T) {
	inc := parse(t, "nothing.yaml", `
clock: {start: 2025-10-06T09:04:27Z}
policy: hardened
calcom:
  webhooks: {delivery: sync}
  event_types: [{id: 7, kind: standard, length: 30, host: 1}]
steps:
  - at: 0s
    call: a
    book: {event_type: 7, start: 2025-10-10T06:00:00Z, attendee: {name: A, email: a@example.org}}
  - at: 0s
    call: b
    book: {event_type: 7, start: 2025-10-10T06:00:00Z, attendee: {name: B, email: b@example.org}}
    expect: {outcome: slot_taken}
  - at: 1m
    host: {cancel: b}
`)
	res := run(t, inc, replay.Options{})
	if res.OK() || len(res.Failures) != 1 || !strings.Contains(res.Failures[0], "steps[2].host (line 16) cancel b: its latest book step was not told it holds a booking") {
		t.Fatalf("failures %q\n%s", res.Failures, res.Timeline())
	}
	if s := res.Steps[2]; s.Pass || s.Outcome != replay.NoBooking || !strings.Contains(res.Timeline(), "host cancel → no_booking ✗ its latest book step") {
		t.Errorf("step %+v\n%s", s, res.Timeline())
	}
	// Under an override the file did not describe (seed, no expect_by_policy) the premise may
	// not hold: the step is shown as not executed, and nothing fails for it.
	res = run(t, inc, replay.Options{Policy: corePolicy("seed")})
	if s := res.Steps[2]; !res.OK() || s.Outcome != replay.NoBooking || !s.Pass || !strings.Contains(res.Timeline(), "host cancel → no_booking · not executed: its latest book step") {
		t.Errorf("under an override: step %+v\n%s", s, res.Timeline())
	}
}

func corePolicy(p string) core.Policy { return core.Policy(p) }

// afterRunDeliveries collects the fake's webhook journal as "TRIGGER/attempt" after the run,
// checking every delivery reached the core's handler.
func afterRunDeliveries(out *[]string) func(context.Context, *world.World) error {
	return func(_ context.Context, w *world.World) error {
		for _, d := range w.Fake.Fake.WebhookDeliveries() {
			if d.Status != 200 || d.URL != w.Core().WebhookURL() {
				return fmt.Errorf("delivery %+v did not reach the core's handler", d)
			}
			*out = append(*out, fmt.Sprintf("%s/%d", d.Trigger, d.Attempt))
		}
		return nil
	}
}

// The host declines a pending request and confirms another: BOOKING_REJECTED cancels the
// hardened row (the history records the end of the call's hold), BOOKING_CREATED for the
// confirmed one changes nothing; the seed keeps the declined row, a phantom.
func TestReplayHostDeclineAndConfirm(t *testing.T) {
	inc := parse(t, "decline.yaml", `
clock: {start: 2025-10-06T09:04:27Z}
policy: hardened
calcom:
  webhooks: {delivery: async}
  event_types: [{id: 8, kind: requires_confirmation, length: 30, host: 2}]
steps:
  - at: 0s
    call: a
    book: {event_type: 8, start: 2025-10-10T06:00:00Z, attendee: {name: A, email: a@example.org}}
  - at: 0s
    call: b
    book: {event_type: 8, start: 2025-10-10T07:00:00Z, attendee: {name: B, email: b@example.org}}
  - at: 1h
    host: {decline: a}
  - at: 1h
    host: {confirm: b}
expect: {appointments: 1, calcom_bookings: 1, violations: []}
expect_by_policy:
  seed: {appointments: 2, violations: [phantom_appointment]}
`)
	for _, policy := range []string{"hardened", "seed"} {
		res := run(t, inc, replay.Options{Policy: corePolicy(policy)})
		if !res.OK() || res.Steps[2].Outcome != replay.HostDeclined || res.Steps[3].Outcome != replay.HostConfirmed {
			t.Fatalf("%s:\n%s", policy, res.Timeline())
		}
	}
}
