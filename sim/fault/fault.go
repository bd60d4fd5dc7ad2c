package fault

import (
	"time"

	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/pgproxy"
)

// Family is where a fault strikes, and so which injector applies it, which load flag mixes
// it and which key of an incident step writes it.
type Family string

// The families.
const (
	// Calcom faults spoil an answer of Cal.com's API: a fake Cal.com rule. Load: --faults;
	// step: fault:.
	Calcom Family = "calcom"
	// Webhook faults disturb the delivery of a Cal.com webhook: a fake Cal.com rule on
	// deliveries. Load: --webhook-faults; step: webhook_fault:.
	Webhook Family = "webhook"
	// DB faults disturb a statement between the system under test and Postgres: a wire
	// proxy rule. Load: --db-faults; step: db_fault:.
	DB Family = "db"
	// Crash faults kill the system under test's process at a point of a booking and start
	// it again. Step: crash:.
	Crash Family = "crash"
)

// Families lists the families in catalogue order.
func Families() []Family { return []Family{Calcom, Webhook, DB, Crash} }

// Flag is the load flag that mixes the family's faults; "" when a load cannot inject them.
func (f Family) Flag() string {
	switch f {
	case Calcom:
		return "--faults"
	case Webhook:
		return "--webhook-faults"
	case DB:
		return "--db-faults"
	}
	return ""
}

// StepKey is the key of an incident step (a book step or a concurrent entry; for webhook
// faults also a cancel or host step) that writes a fault of the family.
func (f Family) StepKey() string {
	switch f {
	case Calcom:
		return "fault"
	case Webhook:
		return "webhook_fault"
	case DB:
		return "db_fault"
	}
	return "crash"
}

// noun names a fault of the family in messages ("webhook fault").
func (f Family) noun() string {
	if f == Calcom {
		return "fault"
	}
	return string(f) + " fault"
}

// rulePrefix starts the name of every rule a load adds for the family ("load:status_500"),
// so the fake's and the proxy's journals say which fault of the mix fired.
func (f Family) rulePrefix() string {
	switch f {
	case Webhook:
		return "webhook:"
	case DB:
		return "db:"
	}
	return "load:"
}

// Shape is the kind of value a fault's YAML key takes.
type Shape string

// The shapes. Phase, Field and Point are words: each fault of a key owns one (reset:
// before_commit and reset: after_commit are two faults).
const (
	// ShapeTrue is KEY: true.
	ShapeTrue Shape = "true"
	// ShapePhase is KEY: before_commit | after_commit.
	ShapePhase Shape = "phase"
	// ShapeField is KEY: a field of Cal.com's booking (createdAt, metadata).
	ShapeField Shape = "field"
	// ShapePoint is a point of the core's Book (crash: after_calcom).
	ShapePoint Shape = "point"
	// ShapeStatus is KEY: an HTTP status — the fault's parameter, or a status one fault
	// owns (status: 429 is Cal.com's rate limit).
	ShapeStatus Shape = "status"
	// ShapeDuration is KEY: a positive Go duration (12s), the fault's parameter.
	ShapeDuration Shape = "duration"
)

// word reports whether the shape's values are words owned by one fault each.
func (s Shape) word() bool { return s == ShapePhase || s == ShapeField || s == ShapePoint }

// Spec is the grammar of the value of a load flag item, KIND=SPEC.
type Spec string

// The specs. P is a probability in (0, 1] as a decimal (0.02) or a percentage (2%); D a
// positive Go duration.
const (
	// SpecRate is KIND=P. A duration-shaped fault with this spec takes its duration from
	// the load's --fault-delay.
	SpecRate Spec = "P"
	// SpecDuration is KIND=D or KIND=D@P (P defaults to 1: every statement).
	SpecDuration Spec = "D[@P]"
	// SpecDurationRate is KIND=D@P.
	SpecDurationRate Spec = "D@P"
)

// Value is a fault's parameter: the status or duration its YAML value or CLI item gives.
// Faults without a parameter have the zero Value.
type Value struct {
	Status   int
	Duration time.Duration
}

// Fault is one fault the harness can inject: one entry of the catalogue (All).
type Fault struct {
	// Name is unique within the family (calcom status_500 and webhook status_500 are two
	// faults); for the faults a load can inject it is the load flag's kind.
	Name   string
	Family Family
	// Does says what the fault does, for users (docs/faults.md, flag help).
	Does string

	// Key is the YAML key inside the family's step key (reset in fault: {reset:
	// after_commit}); for crashes, the step key itself (crash: after_calcom).
	Key   string
	Shape Shape
	// Word is the value the fault owns: its word (after_commit, createdAt, after_calcom),
	// or for ShapeStatus a status it owns ("429"). "" when the value is the fault's
	// parameter.
	Word string
	// MinStatus is the least status a ShapeStatus parameter takes (the most is 599); Want
	// describes the parameter in messages ("an error status (want 400–599, e.g. 500)").
	MinStatus int
	Want      string

	// CLI is the kind in the family's load flag ("" when no load can inject the fault),
	// CLISpec the grammar of its value and CLIValue the parameter the kind fixes
	// (status_500 answers 500).
	CLI      string
	CLISpec  Spec
	CLIValue Value

	// Fake is the fake Cal.com's action for the Calcom and Webhook families, its parameter
	// (status, delay) left zero; Proxy the wire proxy's action for the DB family.
	Fake  fakecalcom.Action
	Proxy pgproxy.Action

	// Endpoints are the Cal.com endpoints (fault.on) a Calcom fault may hit; nil for every
	// endpoint. EndpointNote says why the others are refused.
	Endpoints    []string
	EndpointNote string

	// Where says where the fault is available.
	Where Availability
}

// ID names the fault across families ("calcom/status_500").
func (f Fault) ID() string { return string(f.Family) + "/" + f.Name }

// Availability says where a fault can be injected. Every fault is available in process,
// where the harness owns the reference core's webhook handler, its pool and its process.
type Availability struct {
	// Needs is what a system under test must offer for the fault (see Need).
	Needs []Need
	// Modes are the black-box time modes (sut.yaml time:) the fault works in; nil for
	// every mode.
	Modes []string
	// Caveat says what a black-box run of the fault cannot judge; it is shown with the
	// result, not a reason to skip.
	Caveat string
}

// Need is something a system under test must offer for a fault beyond the black-box
// contract.
type Need string

// The needs.
const (
	// NeedWebhookReceiver: the fake delivers Cal.com's webhooks to the system's own
	// receiver.
	NeedWebhookReceiver Need = "webhook_receiver"
	// NeedProxy: the system's Postgres connections go through the harness's wire proxy.
	NeedProxy Need = "db_proxy"
	// NeedRestart: the harness can kill the system's process at a point of a booking and
	// start it again.
	NeedRestart Need = "restart"
)

// Needs lists every need, in the order docs name them.
func Needs() []Need { return []Need{NeedWebhookReceiver, NeedProxy, NeedRestart} }

// Reason says why a system that does not offer n cannot take a fault that needs it.
func (n Need) Reason() string {
	switch n {
	case NeedWebhookReceiver:
		return "needs a webhook receiver: the harness delivers Cal.com's webhooks to the system's own receiver, and this system under test offers none (a service declares its receiver in sut.yaml: webhooks: {path, secret_env})"
	case NeedProxy:
		return "needs the database proxy: the system's Postgres connections must go through the harness's wire proxy (sim/pgproxy), and this system's do not (a service's do unless sut.yaml says database.proxy: false or the harness did not start it)"
	case NeedRestart:
		return "needs a restart: the harness must kill the system's process at a point of a booking and start it again, and it cannot do that to this system (a service it did not start: sut.yaml has no command:)"
	}
	return "needs " + string(n)
}
