package load

import (
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/history"
	"github.com/bookingharness/bookingharness/sim/pgproxy"
)

// Evidence is what a load run keeps, when Config.KeepEvidence is set, so that each of its
// violations can be turned into an incident file (sim/shrink, `load --shrink`): the whole
// history, every violation unabridged (the Result lists a bounded number), the faults that
// fired with their calls and attempts, and each call's real-time span. It is kept only on
// request because a 100 000-attempt history is most of a run's memory.
type Evidence struct {
	// Seed, Policy, Layers, Faults and FaultDelay are the run's settings.
	Seed       int64
	Policy     core.Policy
	Layers     core.Layers
	Faults     []Fault
	FaultDelay time.Duration
	// Attempts is how many calls were issued.
	Attempts int
	// Rules are the fake's fault rules of the run (Fault.Rule, WebhookFault.Rule); a fired
	// journal entry or a struck delivery names its rule, and the rule says what the action
	// did exactly (a status, a field, a delay).
	Rules []fakecalcom.Rule
	// VirtualTime is true when the core and the fake ran on the world's virtual clock (the
	// in-process fake): Operations' Call and Return are then virtual readings, which stand
	// still except where a delay fault advanced them. False against an external fake, whose
	// clock is real.
	VirtualTime bool
	// Layout places the run's slots on event types and times.
	Layout Layout
	// Operations is the recorded history, in Seq order.
	Operations []history.Operation
	// Violations is every violation the invariant checker found.
	Violations []check.Violation
	// Fired lists the fake's journal entries a fault rule fired on (rule name, action, call
	// id, attempt number), in arrival order.
	Fired []fakecalcom.JournalEntry
	// Webhooks is true when the run delivered Cal.com's webhooks (async, signed, to the
	// core's handler: --webhook-faults); Struck lists the deliveries a webhook rule (in
	// Rules) struck, first attempts, in the fake's order.
	Webhooks bool
	Struck   []fakecalcom.WebhookDelivery
	// DBRules are the wire proxy's rules of the run (--db-faults) and DBFired the proxy's
	// journal entries of their firings (rule, action, call key, the call's statement
	// number).
	DBRules []pgproxy.Rule
	DBFired []pgproxy.Entry

	spans map[int]callSpan // by CallIndex, issued calls only
}

// callSpan is a call's real-time start and end since the start barrier, in microseconds.
type callSpan struct{ startUS, endUS int64 }

// Attendee is the attendee a load call books for (every load call books with the front
// desk's address, see FrontDeskEmail).
func (e *Evidence) Attendee(callID string) core.Attendee {
	return e.Layout.Call(max(CallIndex(callID), 0), 0).Attendee
}

// RealSpan returns when callID's attempt started and ended in real time, measured from the
// start barrier; ok is false for a call the run did not issue.
func (e *Evidence) RealSpan(callID string) (start, end time.Duration, ok bool) {
	s, ok := e.spans[CallIndex(callID)]
	if !ok {
		return 0, 0, false
	}
	return time.Duration(s.startUS) * time.Microsecond, time.Duration(s.endUS) * time.Microsecond, true
}

// Evidence returns what the run kept for sim/shrink; nil unless Config.KeepEvidence was set.
func (r *Result) Evidence() *Evidence { return r.evidence }

// firings is what the run's injectors report having fired: the fake's journal entries on
// requests, the webhook deliveries a rule struck, and the proxy's fault entries.
type firings struct {
	journal []fakecalcom.JournalEntry
	struck  []fakecalcom.WebhookDelivery
	db      []pgproxy.Entry
}

// keepEvidence fills r.evidence when cfg asks for it (a no-op otherwise); rep is the
// checker's full report.
func (r *Result) keepEvidence(cfg Config, layout Layout, seen firings, log *attemptLog, rep check.Report) {
	if !cfg.KeepEvidence {
		return
	}
	ev := &Evidence{
		Seed: cfg.Seed, Policy: cfg.Policy, Layers: cfg.Layers, Faults: append([]Fault{}, cfg.Faults...), FaultDelay: cfg.FaultDelay,
		Attempts: r.Attempts, Rules: rules(cfg.Faults, cfg.FaultDelay), VirtualTime: cfg.CalcomURL == "", Layout: layout,
		Operations: r.ops, Violations: rep.Violations, spans: make(map[int]callSpan, r.Attempts),
		Webhooks: len(cfg.WebhookFaults) > 0, Struck: seen.struck, DBRules: cfg.DBFaults, DBFired: seen.db,
	}
	for _, f := range cfg.WebhookFaults {
		ev.Rules = append(ev.Rules, f.Rule(cfg.FaultDelay))
	}
	for _, e := range seen.journal {
		if e.Rule != "" {
			ev.Fired = append(ev.Fired, e)
		}
	}
	log.each(func(i int, a *attempt) { ev.spans[i] = callSpan{a.startUS, a.endUS} })
	r.evidence = ev
}
