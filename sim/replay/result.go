package replay

import (
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/blackbox"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/world"
)

// Which expectations a run asserted (Result.Expectations); see the package doc.
const (
	ExpectFile       = "file"
	ExpectByPolicy   = "expect_by_policy" // rendered as "expect_by_policy.<policy>"
	ExpectInvariants = "invariants"
	ExpectNone       = "none"
)

// Result is one replay: every step's answer with its verdict, the final state, the checker's
// report and the failed expectations. Its JSON field names are stable (they are what
// `bookingharness replay --json` prints); durations are in milliseconds.
type Result struct {
	File        string `json:"file"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Policy and Layers are what ran (after overrides and core.Policy.Effective).
	Policy string `json:"policy"`
	Layers string `json:"layers"`
	// FilePolicy and FileLayers are what the file says.
	FilePolicy string `json:"file_policy"`
	FileLayers string `json:"file_layers"`
	// Expectations says which expectations were asserted: file, expect_by_policy.<policy>,
	// invariants or none.
	Expectations string `json:"expectations"`
	// Start is the virtual start (clock.start) and AppSkew the application clock's offset.
	Start   time.Time `json:"start"`
	AppSkew string    `json:"app_skew"`
	Steps   []Step    `json:"steps"`
	Final   Final     `json:"final"`
	// Violations is the checker's report: every violated invariant with what is involved.
	Violations []Violation `json:"violations"`
	// Failures lists every failed expectation, one sentence each; empty when OK.
	Failures []string `json:"failures"`
	// FixedByHardened lists the violations the file declares (expect.violations: it
	// reproduces a bug of its own policy) when the run overrode that policy to hardened and
	// no invariant was violated: the hardened design fixes what the file reproduces. The
	// timeline then says "fixed by hardened". Empty otherwise (and left out of the JSON).
	FixedByHardened []string `json:"fixed_by_hardened,omitempty"`
	// SetupMS is building the world (database clone, fake, core); RunMS the steps; CheckMS
	// reading the final state and checking it; TotalMS all of it, teardown included.
	SetupMS float64 `json:"setup_ms"`
	RunMS   float64 `json:"run_ms"`
	CheckMS float64 `json:"check_ms"`
	TotalMS float64 `json:"total_ms"`

	// Service is the black-box service the file was replayed against (Options.BlackBox);
	// nil for the reference core.
	Service *Service `json:"service,omitempty"`
	// Skipped says why the file was not replayed at all ("" when it ran): something it
	// needs cannot be done to a black-box service. A skipped file has no steps, asserts
	// nothing and is never OK.
	Skipped string `json:"skipped,omitempty"`
	// SkipDeclared is true when the service itself declared the file skipped (sut.yaml
	// skip:), false when the harness found the reason.
	SkipDeclared bool `json:"skip_declared,omitempty"`
	// Unavailable lists what a run could not judge, one sentence each with the reason
	// (black-box: the policy, the layer decisions, waits inside a request, …).
	Unavailable []string `json:"unavailable,omitempty"`
	// ContractViolations are the black-box service's answers that broke the contract; each
	// is also a failure.
	ContractViolations []blackbox.Finding `json:"contract_violations,omitempty"`
	// ServiceLog is the end of the black-box service's output when the replay failed.
	ServiceLog string `json:"service_log,omitempty"`
	// Concurrency is what the concurrent steps showed of the requests that raced inside a
	// black-box service (world.Contention); nil for the core or a file without one.
	Concurrency *world.Contention `json:"concurrency,omitempty"`
	// Inconclusive says why a black-box run proved nothing about a race it was meant to
	// test (a concurrent step whose requests the service serialised); such a run is not OK.
	Inconclusive string `json:"inconclusive,omitempty"`
	// Attempts is how many times the file ran (more than 1 only when earlier black-box runs
	// were inconclusive: MaxAttempts); InconclusiveAttempts say why each earlier one was.
	Attempts             int      `json:"attempts"`
	InconclusiveAttempts []string `json:"inconclusive_attempts,omitempty"`

	kept *kept // Options.KeepHistory: for a history file
}

// OK reports whether the file ran, every asserted expectation held and every race it was
// meant to test reached the system.
func (r *Result) OK() bool { return len(r.Failures) == 0 && r.Skipped == "" && r.Inconclusive == "" }

// Service describes the black-box service a replay ran against.
type Service struct {
	// SUT is the sut.yaml; BaseURL where the started service answered.
	SUT     string `json:"sut"`
	BaseURL string `json:"base_url,omitempty"`
	// TimeMode is sut.yaml's time: (age, header, faketime); TimeShift how far every slot
	// was moved to the service's today (age mode), "" for none.
	TimeMode  string `json:"time_mode"`
	TimeShift string `json:"time_shift,omitempty"`
	// Layers are the layers the service reports (capabilities); empty when none.
	Layers []string `json:"layers"`
	// JudgedAs is the policy whose expectations judged the service.
	JudgedAs string `json:"judged_as"`
	// Webhooks is the service's own receiver the fake delivered to ("" for none); Proxy
	// whether its database was reached through the harness's proxy.
	Webhooks string `json:"webhooks,omitempty"`
	Proxy    bool   `json:"proxy,omitempty"`
	// Restarts counts the times the harness killed and restarted it (crash:).
	Restarts int `json:"restarts,omitempty"`
}

// Step is one booking attempt, cancel or host action of the timeline. A concurrent step yields one Step
// per entry, all with Concurrent set and the same At.
type Step struct {
	// Path is the step's place in the file (steps[1], steps[2].concurrent[0]); Line its line.
	Path string `json:"path"`
	Line int    `json:"line"`
	// At is the offset from clock.start the step was scheduled at; Time the virtual time
	// (Cal.com's clock) it actually started.
	At   string    `json:"at"`
	Time time.Time `json:"time"`
	// Kind is book, cancel, host, or restart (KindRestart: the core restarted after a crash
	// and swept; Sweep says what the sweep did).
	Kind string `json:"kind"`
	// Action is a host step's action: cancel, reschedule, confirm or decline.
	Action     string `json:"action,omitempty"`
	Call       string `json:"call"`
	Concurrent bool   `json:"concurrent,omitempty"`
	// EventType, SlotStart and AttendeeEmail describe a booking attempt.
	EventType     int64     `json:"event_type,omitempty"`
	SlotStart     time.Time `json:"slot_start,omitzero"`
	AttendeeEmail string    `json:"attendee_email,omitempty"`
	// Fault is every injection as written, "; "-separated ("reset: after_commit; db_fault
	// reset: after_commit; crash: before_settle"); a db_fault or crash the attempt never
	// reached is marked "(not reached)". "" for none.
	Fault string `json:"fault,omitempty"`
	// WebhookFault is the step's webhook fault as written ("duplicate: true"), "" for none.
	WebhookFault string `json:"webhook_fault,omitempty"`
	// Outcome is the core's answer (booked, already_booked, slot_taken, error, unknown); for a
	// cancel, cancelled / error / unknown; for a host step, what the host did (cancelled,
	// moved, confirmed, declined) or error when Cal.com refused or the call held no booking.
	Outcome string `json:"outcome"`
	// Layer is the deciding layer, "calcom" when Cal.com's own answer decided, "" when
	// nothing stopped the booking.
	Layer         string `json:"layer,omitempty"`
	Reason        string `json:"reason,omitempty"`
	AppointmentID int64  `json:"appointment_id,omitempty"`
	BookingUID    string `json:"booking_uid,omitempty"`
	// NewBookingUID is the booking a host reschedule created (SlotStart is its start).
	NewBookingUID string `json:"new_booking_uid,omitempty"`
	Recovered     bool   `json:"recovered,omitempty"`
	Error         string `json:"error,omitempty"`
	// Decisions is every layer decision of the attempt, in order.
	Decisions []Decision `json:"decisions"`
	// Expect is the asserted expectation (nil when none was asserted for this step).
	Expect *Expect `json:"expect,omitempty"`
	// Pass is false when Expect did not hold; Message says why.
	Pass    bool   `json:"pass"`
	Message string `json:"message,omitempty"`
	// Sweep is what the restarted core's Sweep did with each pending claim (restart steps).
	Sweep []SweepItem `json:"sweep,omitempty"`
	// ElapsedMS is the wall time of the attempt.
	ElapsedMS float64 `json:"elapsed_ms"`
	// ServiceLog is what a black-box service wrote while a failed (or unknown) step ran.
	ServiceLog string `json:"service_log,omitempty"`
}

// KindRestart is the Step.Kind of a restart after a crash.
const KindRestart = "restart"

// SweepItem is one pending claim the sweep after a restart looked at (core.SweepItem).
type SweepItem struct {
	Call string `json:"call"`
	// Action is settled, released, kept or failed (core.SweepAction).
	Action     string `json:"action"`
	BookingUID string `json:"booking_uid,omitempty"`
	Reason     string `json:"reason"`
}

// Expect is a step expectation as asserted.
type Expect struct {
	Outcome string `json:"outcome"`
	Layer   string `json:"layer,omitempty"`
}

// Decision is one layer's verdict (core.Decision with stable JSON names).
type Decision struct {
	Layer                 string   `json:"layer"`
	Verdict               string   `json:"verdict"`
	Reason                string   `json:"reason"`
	BookingUID            string   `json:"booking_uid,omitempty"`
	AgeSeconds            *float64 `json:"age_seconds,omitempty"`
	CreatedAt             string   `json:"created_at,omitempty"`
	ReceivedCallID        string   `json:"received_call_id,omitempty"`
	ExistingAppointmentID int64    `json:"existing_appointment_id,omitempty"`
}

func decisionsOf(ds []core.Decision) []Decision {
	out := make([]Decision, 0, len(ds))
	for _, d := range ds {
		x := Decision{Layer: string(d.Layer), Verdict: string(d.Verdict), Reason: d.Reason, BookingUID: d.BookingUID,
			CreatedAt: d.CreatedAt, ReceivedCallID: d.ReceivedCallID, ExistingAppointmentID: d.ExistingAppointmentID}
		if d.AgeKnown {
			age := d.Age.Seconds()
			x.AgeSeconds = &age
		}
		out = append(out, x)
	}
	return out
}

// Final is the end state against the final expectations.
type Final struct {
	// Appointments is the number of live appointments; CalcomBookings the number of accepted
	// bookings in the fake's ledger.
	Appointments   int `json:"appointments"`
	CalcomBookings int `json:"calcom_bookings"`
	// ExpectAppointments and ExpectCalcomBookings are the asserted counts (nil = not asserted).
	ExpectAppointments   *int `json:"expect_appointments,omitempty"`
	ExpectCalcomBookings *int `json:"expect_calcom_bookings,omitempty"`
	// ExpectViolations are the invariants that had to be violated; nil when violations were
	// not asserted at all (Expectations "none").
	ExpectViolations []string `json:"expect_violations"`
	// Violated is the sorted list of violated invariant names.
	Violated []string `json:"violated"`
}

// Violation is one violated invariant, marked expected when the file lists it.
type Violation struct {
	check.Violation
	// Expected is true when the file lists this invariant in expect.violations.
	Expected bool `json:"expected"`
}

func violationsOf(r check.Report, expected []string) []Violation {
	out := make([]Violation, 0, len(r.Violations))
	for _, v := range r.Violations {
		exp := false
		for _, e := range expected {
			exp = exp || e == v.Invariant
		}
		out = append(out, Violation{Violation: v, Expected: exp})
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
