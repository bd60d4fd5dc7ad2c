package replay

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/incident"
)

// WebhookRule turns a step's webhook_fault into a fake Cal.com rule for the next webhook about
// call's booking (metadata.call_id in the payload): the first delivery the step causes for
// the call — the create's BOOKING_CREATED or _REQUESTED, the cancel's BOOKING_CANCELLED, the
// host action's trigger — is dropped, duplicated, reordered (delivered after the next
// delivery, which may be a later step's), delayed on the virtual clock, or answered with
// subscriber_status by the subscriber (so the core never sees it). The fake applies one
// action per delivery, so a fault combining two of them (duplicate with a delay, say) is
// refused; split it over two steps.
func WebhookRule(name, call string, wf incident.WebhookFault) (fakecalcom.Rule, error) {
	var actions []fakecalcom.Action
	if wf.Drop {
		actions = append(actions, fakecalcom.Action{Kind: fakecalcom.ActionDrop})
	}
	if wf.Duplicate {
		actions = append(actions, fakecalcom.Action{Kind: fakecalcom.ActionDuplicate})
	}
	if wf.Reorder {
		actions = append(actions, fakecalcom.Action{Kind: fakecalcom.ActionReorder})
	}
	if wf.Delay > 0 {
		actions = append(actions, fakecalcom.Action{Kind: fakecalcom.ActionDelay, Delay: fakecalcom.Duration(wf.Delay)})
	}
	if wf.SubscriberStatus != 0 {
		actions = append(actions, fakecalcom.Action{Kind: fakecalcom.ActionStatus, Status: wf.SubscriberStatus})
	}
	switch {
	case len(actions) == 0:
		return fakecalcom.Rule{}, fmt.Errorf("replay: webhook_fault: nothing to do")
	case len(actions) > 1:
		return fakecalcom.Rule{}, fmt.Errorf("replay: webhook_fault %s combines %d actions; the fake applies one per delivery, so give each its own step",
			describeWebhookFault(&wf), len(actions))
	case wf.SubscriberStatus != 0 && wf.SubscriberStatus < 400:
		return fakecalcom.Rule{}, fmt.Errorf("replay: webhook_fault subscriber_status %d: the fake answers for the subscriber with a 4xx or 5xx only", wf.SubscriberStatus)
	}
	r := fakecalcom.Rule{Name: name, Method: fakecalcom.MethodWebhook, CallID: call, Times: 1, Action: actions[0]}
	return r, r.Validate()
}

// armWebhook installs a booking entry's webhook fault for the step.
func (r *runner) armWebhook(path string, b incident.Book) (func(), error) {
	return r.armWebhookFault(path, b.Call, b.WebhookFault)
}

// armWebhookFault installs wf (nil: nothing) as a rule on the webhooks about call's booking,
// removed when the step ends.
func (r *runner) armWebhookFault(path, call string, wf *incident.WebhookFault) (func(), error) {
	if wf == nil {
		return func() {}, nil
	}
	name := path + ".webhook_fault"
	rule, err := WebhookRule(name, call, *wf)
	if err == nil {
		err = r.w.Fake.Fake.AddFault(rule)
	}
	if err != nil {
		return func() {}, fmt.Errorf("%s: %w", name, err)
	}
	return func() { r.w.Fake.Fake.RemoveFault(name) }, nil
}

// describeWebhookFault renders a webhook fault as the file writes it ("duplicate: true,
// delay: 30s"); "" for none.
func describeWebhookFault(wf *incident.WebhookFault) string {
	if wf == nil {
		return ""
	}
	var parts []string
	for _, f := range []struct {
		on   bool
		name string
	}{{wf.Drop, "drop"}, {wf.Duplicate, "duplicate"}, {wf.Reorder, "reorder"}} {
		if f.on {
			parts = append(parts, f.name+": true")
		}
	}
	if wf.Delay > 0 {
		parts = append(parts, "delay: "+wf.Delay.String())
	}
	if wf.SubscriberStatus != 0 {
		parts = append(parts, "subscriber_status: "+strconv.Itoa(wf.SubscriberStatus))
	}
	return strings.Join(parts, ", ")
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
		if _, err := WebhookRule(u.Field, "", *wf); err != nil {
			return &incident.Error{File: inc.File, Line: u.Line, Column: u.Column, Field: u.Field, Msg: strings.TrimPrefix(err.Error(), "replay: ")}
		}
	}
	return nil
}
