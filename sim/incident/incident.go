// Package incident parses incident files (DESIGN §6): a YAML timeline of calls, Cal.com
// behaviour and faults, and what must or must not happen. The format is a public contract
// other teams write by hand, so:
//
//   - every field of the §6 example works exactly as written (testdata/call-687-688.yaml);
//   - unknown keys are accepted ("extra fields are fine") and listed in Incident.Ignored so
//     a tool can warn about likely typos;
//   - everything the harness interprets is validated strictly, and every error is an
//     *Error naming file, line, column and the field path (steps[1].book.start).
//
// The parser resolves syntax only. It does not decide policy semantics: `layers: all`
// resolves to all five layer names even though the seed policy has no slot_exclusion
// layer; the runner decides what a layer means under a policy.
//
// Choices where §6 is silent: name defaults to the file's base name without extension;
// clock.start is required (book starts are absolute, so the virtual start must be too);
// policy defaults to seed and layers to all; at is required on every step and must not
// decrease; durations use Go syntax (35m, 12s, -27s) and a plain 0 is accepted; times are
// RFC 3339 and converted to UTC; a cancel must name a call booked by an earlier step;
// expect.layer accepts the five layer names and "calcom" (Cal.com itself decided); a
// fault has exactly one kind; status faults take 400–599; timeouts exist only
// after_commit (a timeout before the booking exists is a delay). Attendee name and email
// must be present but their content is not validated: an incident may deliberately send
// input the system under test must reject.
//
// One extra field is interpreted: expect_by_policy, at the top level and on a booking step
// (or concurrent entry), states expectations for a run under another policy than the
// file's, e.g. expect_by_policy: {hardened: {outcome: booked}}. Its keys must be seed or
// hardened and not the file's own policy; the values are validated like expect.
package incident

import "time"

// Policies.
const (
	PolicySeed     = "seed"
	PolicyHardened = "hardened"
)

// Layer names, as in the core's config (DESIGN §2.1, §2.2).
const (
	LayerFreshness     = "freshness"
	LayerCallID        = "call_id"
	LayerDBCheck       = "db_check"
	LayerUnique        = "unique"
	LayerSlotExclusion = "slot_exclusion"
)

// DecidedByCalcom is the expect.layer value for an outcome decided by Cal.com's own answer
// (a 400 or 409) rather than by a layer.
const DecidedByCalcom = "calcom"

// AllLayers returns the five layer names in canonical order (a fresh slice each call).
func AllLayers() []string {
	return []string{LayerFreshness, LayerCallID, LayerDBCheck, LayerUnique, LayerSlotExclusion}
}

// Event type kinds of the fake Cal.com (DESIGN §4).
const (
	KindStandard             = "standard"
	KindRoundRobin           = "round_robin"
	KindRequiresConfirmation = "requires_confirmation"
)

// Fault kinds a step can inject.
const (
	FaultDelay       = "delay"
	FaultStatus      = "status"
	FaultReset       = "reset"
	FaultTimeout     = "timeout"
	FaultDropField   = "drop_field"
	FaultMalformed   = "malformed"
	FaultForceReplay = "force_replay"
)

// Commit phases for reset and timeout faults: before or after Cal.com created the booking.
const (
	BeforeCommit = "before_commit"
	AfterCommit  = "after_commit"
)

// Incident is a parsed, validated incident file.
type Incident struct {
	// File is the name given to Parse (the path for Load); errors and reports use it.
	File        string
	Name        string
	Description string
	// Policy is seed or hardened.
	Policy string
	// Layers is the resolved layer list in canonical order; empty for none.
	Layers []string
	// LayersSpec is the raw form: "all", "none" or "list".
	LayersSpec string
	Clock      Clock
	Calcom     Calcom
	Steps      []Step
	Expect     FinalExpect
	// ExpectByPolicy holds final expectations for a run under another policy than Policy
	// (the extra field expect_by_policy: {hardened: {…}}); a field left out there falls back
	// to Expect. Nil when the file states none.
	ExpectByPolicy map[string]FinalExpect
	// Ignored lists the paths of keys the parser does not know (e.g. "steps[0].note").
	Ignored []string
}

// Clock is the virtual clock's configuration.
type Clock struct {
	// Start is the virtual start on Cal.com's clock, UTC.
	Start time.Time
	// AppSkew is the application clock minus Cal.com's clock.
	AppSkew time.Duration
}

// Calcom is the fake Cal.com's configuration.
type Calcom struct {
	// Latency is added to every Cal.com response.
	Latency     time.Duration
	ForceReplay bool
	EventTypes  []EventType
}

// EventType is one event type of the fake Cal.com.
type EventType struct {
	ID int64
	// Kind is standard, round_robin or requires_confirmation.
	Kind string
	// Length is in minutes.
	Length int
	Host   int64
	Line   int
}

// Step is one point of the timeline: exactly one of Book, Cancel or Concurrent is set.
type Step struct {
	// At is the offset from Clock.Start on the virtual clock.
	At time.Duration
	// Line is the step's line in the file, for messages and timelines.
	Line       int
	Book       *Book
	Cancel     *Cancel
	Concurrent []Book
}

// Book is one booking attempt by one call.
type Book struct {
	Call      string
	EventType int64
	// Start is the slot's start, UTC.
	Start    time.Time
	Attendee Attendee
	// Expect is nil when the step states no expectation.
	Expect *Expect
	// ExpectByPolicy holds this step's expectation for a run under another policy than the
	// file's (expect_by_policy: {hardened: {outcome: …}}); nil when the file states none.
	ExpectByPolicy map[string]*Expect
	// Fault is nil when no fault is injected.
	Fault *Fault
	Line  int
}

// Attendee is the person the booking is for.
type Attendee struct {
	Name, Email, Phone, TimeZone string
}

// Expect is a step's expected outcome.
type Expect struct {
	// Outcome is booked, already_booked, slot_taken, error or unknown.
	Outcome string
	// Layer is the expected deciding layer (or "calcom"); empty means any.
	Layer string
}

// Fault is one injected Cal.com fault for a step's request.
type Fault struct {
	// Kind is one of the Fault* constants.
	Kind string
	// Delay is set for delay faults.
	Delay time.Duration
	// Status is set for status faults (e.g. 500, 429).
	Status int
	// Phase is before_commit or after_commit for reset and timeout faults.
	Phase string
	// Field is createdAt or metadata for drop_field faults.
	Field string
}

// Cancel cancels the booking of an earlier call.
type Cancel struct {
	Call string
	Line int
}

// FinalExpect is what must hold at the end of the run.
type FinalExpect struct {
	// Appointments is the expected number of live appointments; nil = not checked.
	Appointments *int
	// CalcomBookings is the expected number of accepted ledger bookings; nil = not checked.
	CalcomBookings *int
	// Violations are the invariants that MUST be violated; any other violation fails.
	Violations []string
}

// Policies lists the policies the file states expectations for: its own policy first,
// then the keys of every expect_by_policy (top level or per step), sorted.
func (inc *Incident) Policies() []string {
	extra := map[string]bool{}
	for p := range inc.ExpectByPolicy {
		extra[p] = true
	}
	for _, st := range inc.Steps {
		for _, b := range st.Books() {
			for p := range b.ExpectByPolicy {
				extra[p] = true
			}
		}
	}
	out := []string{inc.Policy}
	for _, p := range []string{PolicySeed, PolicyHardened} {
		if extra[p] && p != inc.Policy {
			out = append(out, p)
		}
	}
	return out
}

// Books returns the step's booking attempts: its Book, or its Concurrent entries.
func (st Step) Books() []Book {
	if st.Book != nil {
		return []Book{*st.Book}
	}
	return st.Concurrent
}

// EventType returns the event type with id, if the incident declares it.
func (inc *Incident) EventType(id int64) (EventType, bool) {
	for _, et := range inc.Calcom.EventTypes {
		if et.ID == id {
			return et, true
		}
	}
	return EventType{}, false
}
