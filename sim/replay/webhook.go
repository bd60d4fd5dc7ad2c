package replay

import (
	"fmt"

	"github.com/bookingharness/bookingharness/sim/fault"
	"github.com/bookingharness/bookingharness/sim/incident"
)

// armWebhook installs a booking entry's webhook fault for the step.
func (r *runner) armWebhook(path string, b incident.Book) (func(), error) {
	return r.armWebhookFault(path, b.Call, b.WebhookFault)
}

// armWebhookFault installs wf (nil: nothing) as a rule on the next webhook about call's
// booking (fault.WebhookRule): the first delivery the step causes for the call — the
// create's BOOKING_CREATED or _REQUESTED, the cancel's BOOKING_CANCELLED, the host action's
// trigger — is dropped, duplicated, reordered (delivered after the next delivery, which may
// be a later step's), delayed on the virtual clock, or answered with subscriber_status by
// the subscriber (so the core never sees it); removed when the step ends.
func (r *runner) armWebhookFault(path, call string, wf *incident.WebhookFault) (func(), error) {
	if wf == nil {
		return func() {}, nil
	}
	name := path + ".webhook_fault"
	rule, err := fault.WebhookRule(name, call, *wf)
	if err == nil {
		err = r.w.Fake.Fake.AddFault(rule)
	}
	if err != nil {
		return func() {}, fmt.Errorf("%s: %w", name, err)
	}
	return func() { r.w.Fake.Fake.RemoveFault(name) }, nil
}

// checkWebhookFaults refuses, before a world is built, a webhook_fault the runner cannot map
// onto one fake rule, as an *incident.Error at the fault's place in the file.
func checkWebhookFaults(inc *incident.Incident) error {
	faults := map[string]*incident.WebhookFault{}
	for i, st := range inc.Steps {
		path := fmt.Sprintf("steps[%d]", i)
		switch {
		case st.Book != nil:
			faults[path+".webhook_fault"] = st.Book.WebhookFault
		case st.Cancel != nil:
			faults[path+".webhook_fault"] = st.Cancel.WebhookFault
		case st.Host != nil:
			faults[path+".webhook_fault"] = st.Host.WebhookFault
		}
		for j, b := range st.Concurrent {
			faults[fmt.Sprintf("%s.concurrent[%d].webhook_fault", path, j)] = b.WebhookFault
		}
	}
	for _, u := range inc.RoundTwo {
		wf := faults[u.Field]
		if u.Feature != "webhook_fault" || wf == nil {
			continue
		}
		if _, _, err := wf.Fault(); err != nil {
			return &incident.Error{File: inc.File, Line: u.Line, Column: u.Column, Field: u.Field, Msg: err.Error()}
		}
	}
	return nil
}

// describeWebhookFault renders a step's webhook fault as the file writes it ("duplicate:
// true"); "" for none.
func describeWebhookFault(wf *incident.WebhookFault) string {
	if wf == nil {
		return ""
	}
	return wf.String()
}
