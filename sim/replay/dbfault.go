package replay

import (
	"context"
	"slices"
	"sync/atomic"

	"fmt"
	"github.com/bookingharness/bookingharness/sim/fault"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/pgproxy"
	"github.com/bookingharness/bookingharness/sim/world"
)

// dbArm is one entry's armed db_fault, to say afterwards whether it acted.
type dbArm struct {
	rule    string      // the proxy rule's name; "" for a refusal
	refused atomic.Bool // a refusal started (set from the core's goroutine)
}

// armDB installs the entry's db_fault (docs/faults.md) on the system's proxy (the core's, or
// the one in front of a black-box service's database), scoped to its call:
//
//   - latency: every statement of the call is held for the duration on the virtual clock,
//     from now until the step ends;
//   - reset before_commit / after_commit: the call's first statement that commits after
//     Cal.com answered its create (world.CommitRule, armed at core.HookAfterCalcom — the
//     hardened settle's COMMIT, the seed's INSERT) is cut before it reaches Postgres, or
//     commits and loses its acknowledgement;
//   - refuse: once Cal.com answered, the core's connections are dropped and new ones refused
//     for the duration on the virtual clock (world.Core.RefuseDB). The window runs its course:
//     a later step inside it meets it too.
//
// What was not reached when the step ends is disarmed.
func (r *runner) armDB(path string, b incident.Book) (func(), error) {
	f := b.DBFault
	if f == nil {
		return nil, nil
	}
	entry, v, err := f.Fault()
	if err != nil {
		return nil, err
	}
	action := entry.ProxyAction(v) // the fault catalogue's mapping (docs/faults.md)
	p := r.w.SUT.DBProxy()
	if p == nil {
		return nil, fmt.Errorf("replay: %s: %s", r.inc.File, fault.NeedProxy.Reason())
	}
	arm := &dbArm{}
	r.db[path] = arm
	name := path + ".db_fault"
	switch action.Kind {
	case pgproxy.ActionLatency:
		arm.rule = name
		rule := pgproxy.Rule{Name: name, CallKey: b.Call, Action: action}
		if err := p.AddRule(rule); err != nil {
			return nil, err
		}
		return func() { p.RemoveRule(name) }, nil
	case pgproxy.ActionRefuse:
		return r.w.SUT.AfterCalcom(b.Call, func(context.Context) error {
			arm.refused.Store(true)
			return r.w.RefuseDB(action.For)
		}), nil
	default: // reset, commit_ack_lost: the call's commit after Cal.com answered
		arm.rule = name
		return r.w.DBFaultAfterCalcom(b.Call, world.CommitRule(name, b.Call, action))
	}
}

// dbFaultActed reports whether the db_fault armed at path acted: its rule fired (the proxy's
// journal says so) or its refusal started.
func (r *runner) dbFaultActed(path string) bool {
	arm := r.db[path]
	if arm == nil {
		return false
	}
	if arm.rule == "" {
		return arm.refused.Load()
	}
	// A rule was armed, so the system has a proxy.
	return slices.ContainsFunc(r.w.SUT.DBProxy().Journal(), func(e pgproxy.Entry) bool {
		return e.Rule == arm.rule && e.Event == pgproxy.EventFault
	})
}

// usesDBFaults reports whether any step of inc injects a db_fault: only then does the world
// get a database proxy.
func usesDBFaults(inc *incident.Incident) bool {
	for _, st := range inc.Steps {
		for _, b := range st.Books() {
			if b.DBFault != nil {
				return true
			}
		}
	}
	return false
}
