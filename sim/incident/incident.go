// Package incident parses incident files (docs/incident-format.md): a YAML timeline of calls, Cal.com
// behaviour and faults, and what must or must not happen. The format is a public contract
// other teams write by hand, so:
//
//   - every field of the reference's Call 687/688 example works exactly as written (testdata/call-687-688.yaml);
//   - an unknown key anywhere is an error — with file:line:col, the field path and a
//     did-you-mean from the keys valid at that place — unless it starts with "x-", the
//     prefix left to users (x-ticket, x-note); a typo such as polcy: can never silently
//     change what runs;
//   - everything the harness interprets is validated strictly, and every error is an
//     *Error naming file, line, column and the field path (steps[1].book.start).
//
// Every mapping's keys come from one table of typed entries (Key: name, type, default,
// meaning; Format lists them all): the strict key check takes its names from there, and
// the reference for users, docs/incident-format.md, is generated from the same tables
// (Markdown; a test fails when the file is stale and parses every example in it).
//
// Layers are checked against the file's policy: a layer list naming a layer the policy does
// not have (slot_exclusion under seed) is an error naming the policy's layers; all means
// the policy's layers (Layers then holds all five names; the runner applies the policy);
// none is the only way to say none (an empty list is an error).
//
// Choices the format makes: name defaults to the file's base name without extension;
// clock.start is required (book starts are absolute, so the virtual start must be too);
// policy defaults to seed and layers to all; at is required on every step and must not
// decrease; durations use Go syntax (35m, 12s, -27s) and a plain 0 is accepted; times are
// RFC 3339 and converted to UTC; a cancel or host action must name a call booked by an
// earlier step; expect.layer accepts the five layer names and "calcom" (Cal.com itself
// decided); status faults take 400–599; timeouts exist only after_commit (a timeout before
// the booking exists is a delay). Attendee name and email must be present but their
// content is not validated: an incident may deliberately send input the system under test
// must reject.
//
// One extra field is interpreted: expect_by_policy, at the top level and on a booking step
// (or concurrent entry), states expectations for a run under another policy than the
// file's, e.g. expect_by_policy: {hardened: {outcome: booked}}. Its keys must be seed or
// hardened and not the file's own policy; the values are validated like expect.
//
// # Round two
//
// All optional; files without them mean what they always meant. They are parsed and
// validated into typed fields here; which of them a runner can execute is the runner's
// business (sim/replay refuses, naming the field, what it cannot run yet — see
// Incident.Unsupported).
//
//	calcom:
//	  conflict_answer: prod_400        # prod_400 | conflict_409 | error_500
//	  check_insert_gap: 50ms           # between Cal.com's availability check and insert
//	  hold: {creates_per_slot: 2, max: 2s}  # answer creates for one slot together (real time)
//	  webhooks: {delivery: sync, secret: s3cret, url: http://127.0.0.1:8081/hook}
//	  event_types:                     # delivery: sync | async; url optional (loopback only)
//	    - {id: 2, kind: round_robin, length: 30, hosts: [1, 2, 3]}   # host: or hosts:
//	    - {id: 3, kind: seated, length: 60, host: 4, seats: 3}        # seats only for seated
//	    - {id: 4, kind: requires_confirmation, length: 30, host: 5, block_slot: true}
//	steps:
//	  - {at: 1m, host: {cancel: call_a}}                   # what the host does in Cal.com
//	  - {at: 2m, host: {reschedule: {call: call_b, to: 2025-10-10T08:00:00Z}}}
//	  - {at: 3m, host: {confirm: call_c}}                  # confirm/decline: only for
//	  - {at: 4m, host: {decline: call_d}}                  # requires_confirmation bookings
//	  - at: 5m
//	    call: call_e
//	    book: {…}
//	    fault: {status: 500}                              # one fault on the create, or
//	    fault: [{status: 500}, {on: lookup, status: 500}] # a list: at most one per endpoint
//	    webhook_fault: {duplicate: true, delay: 30s}      # drop | duplicate | reorder, delay,
//	                                                      # subscriber_status (needs webhooks)
//	    db_fault: {reset: after_commit}                   # or {latency: 2s} or {refuse: 10s}
//	    crash: after_calcom                               # or before_settle
//
// The keys of fault:, webhook_fault: and db_fault: and the points of crash: are the fault
// catalogue's (sim/fault, docs/faults.md), which also maps them onto the fake's and the
// proxy's rules; beyond round two it adds fault: {status_after_commit: N} (the booking is
// created, then the status answered) and {empty: true} (created, then an empty body), so
// every fault a load injects has a form.
//
// fault.on names the Cal.com endpoint: create (the default), lookup (GET /v2/bookings),
// get (GET /v2/bookings/{uid}), cancel, reschedule, confirm, decline, reservation.
// force_replay exists only on create; drop_field not on reservation. webhook_fault may also
// sit on a cancel step and a host step (the webhook that action causes); fault, db_fault
// and crash only on book steps and concurrent entries.
package incident

import (
	"time"

	"github.com/bookingharness/bookingharness/sim/fault"
)

// Policies.
const (
	PolicySeed     = "seed"
	PolicyHardened = "hardened"
)

// Layer names, as in the core's config (docs/architecture.md, "the layers").
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

// Event type kinds of the fake Cal.com (docs/calcom.md §3).
const (
	KindStandard             = "standard"
	KindRoundRobin           = "round_robin"
	KindRequiresConfirmation = "requires_confirmation"
	KindSeated               = "seated"
)

// Answers of the fake Cal.com to the loser of a concurrent create (calcom.conflict_answer,
// docs/calcom.md §3): production's raw 400, the 409 envelope the code intends, or a 500.
const (
	ConflictProd400  = "prod_400"
	Conflict409      = "conflict_409"
	ConflictError500 = "error_500"
)

// Webhook deliveries (calcom.webhooks.delivery): before the response (the legacy path) or
// after it.
const (
	DeliverySync  = "sync"
	DeliveryAsync = "async"
)

// The Cal.com endpoints a fault can hit (fault.on); the fault catalogue's (sim/fault).
const (
	OnCreate      = fault.OnCreate
	OnLookup      = fault.OnLookup
	OnGet         = fault.OnGet
	OnCancel      = fault.OnCancel
	OnReschedule  = fault.OnReschedule
	OnConfirm     = fault.OnConfirm
	OnDecline     = fault.OnDecline
	OnReservation = fault.OnReservation
)

// Actions of the host in Cal.com (host: steps).
const (
	HostCancel     = "cancel"
	HostReschedule = "reschedule"
	HostConfirm    = "confirm"
	HostDecline    = "decline"
)

// Who moves a booking in a host reschedule step (by:).
const (
	HostByHost     = "host"
	HostByAttendee = "attendee"
)

// Database fault kinds (db_fault), between the core and Postgres: the fault catalogue's
// keys (sim/fault, docs/faults.md).
const (
	DBFaultReset   = fault.KeyReset
	DBFaultLatency = fault.KeyLatency
	DBFaultRefuse  = fault.KeyRefuse
)

// Crash points (crash:): the core's Book is abandoned right after Cal.com answered, or
// right before it settles its claim.
const (
	CrashAfterCalcom  = fault.AfterCalcom
	CrashBeforeSettle = fault.BeforeSettle
)

// Fault kinds a step can inject (the keys of fault:, from the fault catalogue).
const (
	FaultDelay             = fault.KeyDelay
	FaultStatus            = fault.KeyStatus
	FaultStatusAfterCommit = fault.KeyStatusAfterCommit
	FaultReset             = fault.KeyReset
	FaultTimeout           = fault.KeyTimeout
	FaultDropField         = fault.KeyDropField
	FaultMalformed         = fault.KeyMalformed
	FaultEmpty             = fault.KeyEmpty
	FaultForceReplay       = fault.KeyForceReplay
)

// Commit phases for reset and timeout faults: before or after Cal.com created the booking.
const (
	BeforeCommit = fault.BeforeCommit
	AfterCommit  = fault.AfterCommit
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
	// RoundTwo lists every use of the round-two vocabulary in file order, so a runner can
	// refuse, naming the field, what it cannot execute yet; nil when the file uses none.
	RoundTwo []Use
}

// Use is one use of the round-two vocabulary in a file (see "Round two" above).
// Values that mean what round one meant are not uses: hosts with one host, a zero
// check_insert_gap, a fault on create, a fault list of one.
type Use struct {
	// Feature names the vocabulary: calcom.conflict_answer, calcom.check_insert_gap,
	// calcom.webhooks, event_type.hosts, event_type.seats, event_type.block_slot, host,
	// fault.on, webhook_fault, db_fault or crash.
	Feature string
	// Field is the path of the use in the file (steps[2].crash); Line and Column its place.
	Field        string
	Line, Column int
}

// Clock is the virtual clock's configuration.
type Clock struct {
	// Start is the virtual start on Cal.com's clock, UTC.
	Start time.Time
	// AppSkew is the application clock minus Cal.com's clock.
	AppSkew time.Duration
}

// Calcom is the fake Cal.com's configuration: an incident's calcom block, or the whole of a
// file for the standalone fake (ParseCalcomFile).
type Calcom struct {
	// Latency is added to every Cal.com response.
	Latency     time.Duration
	ForceReplay bool
	// ConflictAnswer is prod_400, conflict_409 or error_500; "" when the file leaves it to
	// the fake's default (prod_400).
	ConflictAnswer string
	// CheckInsertGap is the time between Cal.com's availability check and its insert (0:
	// none), so check-then-insert races happen without a test hook.
	CheckInsertGap time.Duration
	// Hold, when set, makes the fake hold each create's answer until another create for the
	// same slot arrives (or the bound passes), so a check-then-insert window in the system
	// under test is open for every concurrent step; nil: the runner's default.
	Hold *Hold
	// Webhooks is the webhook subscription; nil when the file configures none.
	Webhooks   *Webhooks
	EventTypes []EventType
}

// Hold is calcom.hold: how many creates for one slot are answered together, and the most
// real time one create is held.
type Hold struct {
	CreatesPerSlot int
	Max            time.Duration
}

// Webhooks is calcom.webhooks: how the fake delivers BOOKING_* webhooks, and to whom.
type Webhooks struct {
	// Delivery is sync (before the response) or async (after it).
	Delivery string
	// Secret signs the payloads (X-Cal-Signature-256); "" for none. Never logged.
	Secret string
	// URL is the subscriber, an http(s) URL on a loopback address; "" in an incident file
	// means the core's webhook handler.
	URL  string
	Line int
}

// EventType is one event type of the fake Cal.com.
type EventType struct {
	ID int64
	// Kind is standard, round_robin, requires_confirmation or seated.
	Kind string
	// Length is in minutes.
	Length int
	// Host is the host (host:), or the first of Hosts.
	Host int64
	// Hosts lists every host: [Host] for host:, the list for hosts: (round robin only).
	Hosts []int64
	// Seats is the number of seats of a seated event type; 0 for every other kind.
	Seats int
	// BlockSlot says whether a pending booking of a requires_confirmation event type blocks
	// its slot; nil when the file does not say (the fake's default).
	BlockSlot *bool
	// SeatsShowAttendees (seated only): every caller sees a seated booking's attendees, not
	// only the event type's hosts.
	SeatsShowAttendees bool
	// HostWeights and HostPriorities (round robin only, one per host of Hosts, given as
	// hosts: [{id, weight, priority}, …]; nil when no host names one): Cal.com's weight
	// (default 100) and priority (0 lowest to 4 highest, default 2) of each host.
	HostWeights, HostPriorities []int
	// WeightsEnabled (round robin only) is isRRWeightsEnabled: the host furthest below its
	// weighted share of the month's bookings is chosen first.
	WeightsEnabled bool
	// RescheduleWithSameHost (round robin only) keeps the booking's host when it moves.
	RescheduleWithSameHost bool
	Line                   int
}

// Step is one point of the timeline: exactly one of Book, Cancel, Concurrent or Host is set.
type Step struct {
	// At is the offset from Clock.Start on the virtual clock.
	At time.Duration
	// Line is the step's line in the file, for messages and timelines.
	Line       int
	Book       *Book
	Cancel     *Cancel
	Concurrent []Book
	// Host is what the host does in Cal.com itself (not through the application).
	Host *HostAction
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
	// Faults are the Cal.com faults of this attempt, at most one per endpoint (Fault.On), in
	// file order; nil when none is injected.
	Faults []Fault
	// WebhookFault disturbs the webhooks this attempt causes; nil for none.
	WebhookFault *WebhookFault
	// DBFault disturbs this call's next matching statement to Postgres; nil for none.
	DBFault *DBFault
	// Crash is after_calcom or before_settle: where the core's Book is abandoned; "" for none.
	Crash string
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

// Fault is one injected Cal.com fault for a step's request: the fault catalogue's form
// (sim/fault), so what a step writes is what a load injects.
type Fault = fault.CalcomFault

// Cancel cancels the booking of an earlier call through the application.
type Cancel struct {
	Call string
	// WebhookFault disturbs the webhook the cancel causes; nil for none.
	WebhookFault *WebhookFault
	Line         int
}

// HostAction is what the host does to an earlier call's booking in Cal.com itself.
type HostAction struct {
	// Action is cancel, reschedule, confirm or decline (the Host* constants).
	Action string
	Call   string
	// To is a reschedule's new start, UTC; zero for the other actions.
	To time.Time
	// By says who moves the booking in Cal.com (reschedule only): "" or HostByHost for the
	// host, its owner; HostByAttendee for the attendee on Cal.com's booking page, which makes
	// a requires-confirmation booking pending again (BOOKING_REQUESTED with rescheduleUid).
	By string
	// WebhookFault disturbs the webhook the action causes; nil for none.
	WebhookFault *WebhookFault
	Line         int
}

// WebhookFault disturbs webhook deliveries: at most one of drop, duplicate and reorder
// (Mode), plus an optional Delay and SubscriberStatus (the subscriber answers with that
// failing status); drop stands alone. The fault catalogue's form (sim/fault).
type WebhookFault = fault.WebhookFault

// DBFault is one fault between the core and Postgres on the call's next matching
// statement: the fault catalogue's form (sim/fault).
type DBFault = fault.DBFault

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
