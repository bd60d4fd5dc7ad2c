package blackbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/check"
)

// CheckStatus is one conformance check's result.
type CheckStatus string

// The statuses.
const (
	Pass CheckStatus = "pass"
	Fail CheckStatus = "fail"
	// Skip: the check could not run (an optional route is absent, or an earlier check it
	// needs failed); never counted as passed.
	Skip CheckStatus = "skip"
)

// CheckResult is one row of `bookingharness sut check`.
type CheckResult struct {
	Name   string
	Status CheckStatus
	// Detail says what was seen.
	Detail string
	// Fix says what to change in the service or sut.yaml when Status is Fail (or Skip).
	Fix string
}

// Probe is where the conformance run books: a free slot of an event type the fake Cal.com
// serves as round robin with one host (so a retry of the same call is answered with the
// call's own booking, and a second caller is refused), and the fake's ledger.
type Probe struct {
	EventTypeID int64
	HostID      int64
	Start       time.Time
	// Ledger reads the fake's bookings (to see a cancel reach Cal.com); nil skips that part.
	Ledger func(context.Context) ([]check.Booking, error)
}

// Passed reports whether no check failed (skips allowed).
func Passed(results []CheckResult) bool {
	for _, r := range results {
		if r.Status == Fail {
			return false
		}
	}
	return true
}

// conformance holds one run's state; each step appends its row.
type conformance struct {
	t       *Target
	p       Probe
	results []CheckResult
	first   Outcome // call A's booking
}

func (c *conformance) add(name string, st CheckStatus, detail, fix string) {
	c.results = append(c.results, CheckResult{Name: name, Status: st, Detail: detail, Fix: fix})
}

// Conform runs the conformance checks against an opened Target, in order: health,
// capabilities, reset, one booking, the same call again, a second call on the same slot, a
// cancel and a second cancel, a refused request, the layers switch, and finally whether any
// answer broke the schema. Later checks that need an earlier one's booking are skipped when
// it failed. The service's data is changed (and reset at the end when it can be).
func Conform(ctx context.Context, t *Target, p Probe) []CheckResult {
	c := &conformance{t: t, p: p}
	c.add("health", Pass, fmt.Sprintf("%s answered 200", t.sut.Paths.Health), "")
	c.capabilities()
	c.reset(ctx, "reset")
	if c.book(ctx) {
		c.retry(ctx)
		c.secondCaller(ctx)
		c.cancel(ctx)
	} else {
		for _, name := range []string{"same call again", "second call, same slot", "cancel", "cancel again"} {
			c.add(name, Skip, "needs the first booking", "fix the booking check first")
		}
	}
	c.refused(ctx)
	c.layers(ctx)
	if t.CanReset() {
		_ = t.Reset(ctx)
	}
	c.schema()
	return c.results
}

func (c *conformance) capabilities() {
	caps, err := c.t.Capabilities()
	switch {
	case err != nil:
		c.add("capabilities", Fail, err.Error(), "answer GET "+c.t.sut.Paths.Capabilities+" as the schema says, or 404 if you offer none")
	case !caps.Offered:
		c.add("capabilities", Skip, "no capabilities route (404): no time travel, no layer switches, no reset route",
			"optional: answer GET "+c.t.sut.Paths.Capabilities+" with {time_travel, layers, reset}")
	default:
		c.add("capabilities", Pass, fmt.Sprintf("time_travel=%v layers=%v reset=%v", caps.TimeTravel, caps.Layers, caps.Reset), "")
	}
}

// live returns the live appointments database.appointments sees.
func (c *conformance) live(ctx context.Context) ([]check.Appointment, error) {
	apps, err := c.t.Appointments(ctx)
	if err != nil {
		return nil, err
	}
	var out []check.Appointment
	for _, a := range apps {
		if a.Live {
			out = append(out, a)
		}
	}
	return out, nil
}

func (c *conformance) reset(ctx context.Context, name string) {
	if !c.t.CanReset() {
		c.add(name, Skip, "no reset route and no database.reset", "add POST "+c.t.sut.Paths.Reset+" (and reset: true in capabilities) or database.reset in sut.yaml, so runs start clean")
		return
	}
	if err := c.t.Reset(ctx); err != nil {
		c.add(name, Fail, err.Error(), "the reset route must answer 200 or 204; database.reset must run")
		return
	}
	apps, err := c.t.Appointments(ctx)
	switch {
	case err != nil:
		c.add(name, Fail, "reading appointments after the reset: "+err.Error(), "check database.appointments")
	case len(apps) > 0:
		c.add(name, Fail, fmt.Sprintf("%d appointment rows remain after the reset", len(apps)), "the reset must delete every appointment (e.g. TRUNCATE appointments, calls RESTART IDENTITY CASCADE)")
	default:
		c.add(name, Pass, "no appointment rows afterwards", "")
	}
}

func (c *conformance) request(call, name, email string) BookRequest {
	return BookRequest{CallID: call, EventTypeID: c.p.EventTypeID, Start: c.p.Start,
		Attendee: core.Attendee{Name: name, Email: email, TimeZone: "Europe/Berlin"}}
}

const (
	callA = "call_harness_conformance_a"
	callB = "call_harness_conformance_b"
)

func (c *conformance) book(ctx context.Context) bool {
	o, err := c.t.Book(ctx, c.request(callA, "Hansi Sputer", "hansi.sputer@example.com"))
	if o.Kind != core.Booked {
		c.add("book", Fail, fmt.Sprintf("outcome %s: %v", o.Kind, err), "a first booking of a free slot must answer booked with appointment_id and booking_uid")
		return false
	}
	live, err := c.live(ctx)
	if err != nil {
		c.add("book", Fail, "reading appointments: "+err.Error(), "check database.appointments")
		return false
	}
	if p := c.ownsOne(live, callA, o); p != "" {
		c.add("book", Fail, p, "the row must carry the call id, the booking uid, the Cal.com host and the slot, as database.appointments reads them")
		return false
	}
	c.first = o
	c.add("book", Pass, fmt.Sprintf("booked: appointment %d, booking %s; database.appointments shows it live", o.AppointmentID, o.BookingUID), "")
	return true
}

// ownsOne checks live holds exactly one appointment, of call, matching o and the probe slot.
func (c *conformance) ownsOne(live []check.Appointment, call string, o Outcome) string {
	if len(live) != 1 {
		return fmt.Sprintf("database.appointments shows %d live appointments, want 1", len(live))
	}
	a := live[0]
	var bad []string
	if a.ID != o.AppointmentID {
		bad = append(bad, fmt.Sprintf("appointment_id %d (the answer said %d)", a.ID, o.AppointmentID))
	}
	if a.CallID != call {
		bad = append(bad, fmt.Sprintf("call_id %q (want %q)", a.CallID, call))
	}
	if a.BookingUID != o.BookingUID {
		bad = append(bad, fmt.Sprintf("booking_uid %q (the answer said %q)", a.BookingUID, o.BookingUID))
	}
	if a.StaffID != c.p.HostID {
		bad = append(bad, fmt.Sprintf("host_id %d (Cal.com's host is %d)", a.StaffID, c.p.HostID))
	}
	if !a.Start.Equal(c.p.Start) {
		bad = append(bad, fmt.Sprintf("starts_at %s (want %s)", a.Start.Format(time.RFC3339), c.p.Start.Format(time.RFC3339)))
	}
	if len(bad) > 0 {
		return "the live row has " + strings.Join(bad, ", ")
	}
	return ""
}

func (c *conformance) retry(ctx context.Context) {
	const name = "same call again"
	o, err := c.t.Book(ctx, c.request(callA, "Hansi Sputer", "hansi.sputer@example.com"))
	live, lerr := c.live(ctx)
	switch {
	case lerr != nil:
		c.add(name, Fail, "reading appointments: "+lerr.Error(), "check database.appointments")
	case o.Kind != core.AlreadyBooked && o.Kind != core.Booked:
		c.add(name, Fail, fmt.Sprintf("outcome %s: %v", o.Kind, err), "a call that already holds the slot (a platform retry) must answer already_booked")
	case c.ownsOne(live, callA, c.first) != "":
		c.add(name, Fail, c.ownsOne(live, callA, c.first), "a retry must not create a second appointment")
	case o.AppointmentID != c.first.AppointmentID || o.BookingUID != c.first.BookingUID:
		c.add(name, Fail, fmt.Sprintf("%s with appointment %d / booking %s, the first answer said %d / %s", o.Kind, o.AppointmentID, o.BookingUID, c.first.AppointmentID, c.first.BookingUID),
			"answer the retry with the call's own appointment")
	case o.Kind == core.Booked:
		c.add(name, Pass, fmt.Sprintf("booked again with the same appointment (layer %q); already_booked would be more precise", o.Layer), "")
	default:
		c.add(name, Pass, "already_booked, same appointment, still one live row", "")
	}
}

func (c *conformance) secondCaller(ctx context.Context) {
	const name = "second call, same slot"
	o, err := c.t.Book(ctx, c.request(callB, "Hans Schuster", "hans.schuster@example.com"))
	live, lerr := c.live(ctx)
	switch {
	case lerr != nil:
		c.add(name, Fail, "reading appointments: "+lerr.Error(), "check database.appointments")
	case o.Kind != core.SlotTaken:
		c.add(name, Fail, fmt.Sprintf("outcome %s: %v", o.Kind, err), "another call asking for a taken slot must answer slot_taken")
	case c.ownsOne(live, callA, c.first) != "":
		c.add(name, Fail, c.ownsOne(live, callA, c.first), "a refused call must not leave an appointment")
	default:
		c.add(name, Pass, fmt.Sprintf("slot_taken (%s)", orNone(o.Reason)), "")
	}
}

func orNone(s string) string {
	if s == "" {
		return "no reason given"
	}
	return s
}

func (c *conformance) cancel(ctx context.Context) {
	o, err := c.t.Cancel(ctx, callA)
	live, lerr := c.live(ctx)
	switch {
	case lerr != nil:
		c.add("cancel", Fail, "reading appointments: "+lerr.Error(), "check database.appointments")
	case o.Kind != Cancelled:
		c.add("cancel", Fail, fmt.Sprintf("outcome %s: %v", o.Kind, err), "cancelling a call's booking must answer cancelled")
	case len(live) != 0:
		c.add("cancel", Fail, fmt.Sprintf("database.appointments still shows %d live appointments", len(live)), "a cancelled appointment must read live = false")
	default:
		detail := "cancelled; the row reads live = false"
		if c.p.Ledger != nil {
			if st := c.ledgerStatus(ctx); st != check.StatusCancelled {
				c.add("cancel", Fail, "the Cal.com booking is "+st+" after the cancel", "cancel the booking in Cal.com (POST /v2/bookings/{uid}/cancel)")
				break
			}
			detail += "; Cal.com's booking is cancelled"
		}
		c.add("cancel", Pass, detail, "")
	}
	o, err = c.t.Cancel(ctx, callA)
	if o.Kind != NothingToCancel {
		c.add("cancel again", Fail, fmt.Sprintf("outcome %s: %v", o.Kind, err), "a call with no live appointment must answer nothing_to_cancel")
		return
	}
	c.add("cancel again", Pass, "nothing_to_cancel", "")
}

func (c *conformance) ledgerStatus(ctx context.Context) string {
	ledger, err := c.p.Ledger(ctx)
	if err != nil {
		return "unreadable (" + err.Error() + ")"
	}
	for _, b := range ledger {
		if b.UID == c.first.BookingUID {
			return b.Status
		}
	}
	return "missing"
}

func (c *conformance) refused(ctx context.Context) {
	const name = "invalid request"
	req := c.request("", "Hansi Sputer", "hansi.sputer@example.com")
	o, err := c.t.Book(ctx, req)
	if o.Kind != core.Error {
		c.add(name, Fail, fmt.Sprintf("a booking with an empty call_id answered %s: %v", o.Kind, err), "refuse an invalid request with 200 {outcome: \"error\", reason}")
		return
	}
	c.add(name, Pass, "empty call_id answered error ("+orNone(o.Reason)+")", "")
}

func (c *conformance) layers(ctx context.Context) {
	const name = "layer switch"
	if len(c.t.caps.Layers) == 0 {
		c.add(name, Skip, "the service reports no layers", "optional: report layers in capabilities and accept POST "+c.t.sut.Paths.Layers+" so the layer matrices can run")
		return
	}
	err := c.t.SetLayers(ctx, 0)
	if err == nil {
		err = c.t.SetLayers(ctx, c.t.Layers())
	}
	if err != nil {
		if errors.Is(err, ErrNotOffered) {
			c.add(name, Fail, "capabilities list layers but POST "+c.t.sut.Paths.Layers+" answered 404", "accept POST "+c.t.sut.Paths.Layers+" {layers: […]} or report no layers")
			return
		}
		c.add(name, Fail, err.Error(), "answer POST "+c.t.sut.Paths.Layers+" with {layers: […]}, the set now running")
		return
	}
	c.add(name, Pass, fmt.Sprintf("switched to none and back to %v", c.t.caps.Layers), "")
}

func (c *conformance) schema() {
	fs := c.t.Findings()
	if len(fs) == 0 {
		c.add("schema of every answer", Pass, "no contract violation", "")
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d contract violations:\n", len(fs))
	for _, f := range fs {
		b.WriteString(f.String())
	}
	c.add("schema of every answer", Fail, strings.TrimRight(b.String(), "\n"), "make every answer match the expected schema printed above")
}
