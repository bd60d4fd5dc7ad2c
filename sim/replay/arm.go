package replay

import (
	"github.com/bookingharness/bookingharness/sim/fault"
	"github.com/bookingharness/bookingharness/sim/incident"
)

// arm installs everything a booking entry injects — Cal.com faults, webhook faults, database
// faults, a crash — scoped to the entry's call. It returns what undoes each of them when
// the step ends (also on error: what was armed is undone).
func (r *runner) arm(path string, b incident.Book) ([]func(), error) {
	var undo []func()
	for _, armer := range []func(string, incident.Book) (func(), error){r.armCalcom, r.armWebhook, r.armDB, r.armCrash} {
		u, err := armer(path, b)
		if u != nil {
			undo = append(undo, u)
		}
		if err != nil {
			return undo, err
		}
	}
	return undo, nil
}

// armCalcom installs the entry's Cal.com faults as fake rules that fire once, each on its
// endpoint (fault.CalcomRule).
func (r *runner) armCalcom(path string, b incident.Book) (func(), error) {
	var names []string
	undo := func() {
		for _, n := range names {
			r.w.Fake.Fake.RemoveFault(n)
		}
	}
	for i, f := range b.Faults {
		name := FaultName(path, i, len(b.Faults))
		rule, err := fault.CalcomRule(name, fault.Call{ID: b.Call, Email: b.Attendee.Email, EventTypeID: b.EventType, Start: b.Start.UTC().Add(r.w.TimeShift())}, f)
		if err == nil {
			err = r.w.Fake.Fake.AddFault(rule)
		}
		if err != nil {
			return undo, err
		}
		names = append(names, name)
	}
	return undo, nil
}
