package incident

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/bookingharness/bookingharness/internal/strictyaml"
	"github.com/bookingharness/bookingharness/sim/fault"
)

// outcomes lists the values a step expect may name (the core's Outcome.Kind values).
func outcomes() []string {
	return []string{"booked", "already_booked", "slot_taken", "error", "unknown"}
}

// stepKinds are the keys of which a step has exactly one.
func stepKinds() []string { return []string{"book", "cancel", "concurrent", "host"} }

// steps parses the timeline; booked records the event type of each call's latest booking
// step, so a cancel or host action can only name a call that has something to act on.
func (p *parser) steps(n *yaml.Node, inc *Incident) error {
	items, err := p.Sequence(n, "steps")
	if err != nil {
		return err
	}
	booked := make(map[string]int64)
	for i, item := range items {
		path := fmt.Sprintf("steps[%d]", i)
		st, err := p.step(item, path, inc, booked)
		if err != nil {
			return err
		}
		if i > 0 && st.At < inc.Steps[i-1].At {
			return p.ErrAt(stepAtNode(item), strictyaml.Join(path, "at"), "%s is before the previous step's %s; steps must be in time order",
				st.At, inc.Steps[i-1].At)
		}
		inc.Steps = append(inc.Steps, st)
	}
	return nil
}

func stepAtNode(n *yaml.Node) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "at" {
			return n.Content[i+1]
		}
	}
	return n
}

func (p *parser) step(n *yaml.Node, path string, inc *Incident, booked map[string]int64) (Step, error) {
	st := Step{Line: n.Line}
	m, err := p.Mapping(n, path, p.keys.step...)
	if err != nil {
		return st, err
	}
	at, err := p.Required(m, n, path, "at")
	if err != nil {
		return st, err
	}
	if st.At, err = p.Duration(at, strictyaml.Join(path, "at")); err != nil {
		return st, err
	}
	if st.At < 0 {
		return st, p.ErrAt(at, strictyaml.Join(path, "at"), "must not be negative")
	}
	kinds := strictyaml.Present(m, stepKinds())
	if len(kinds) != 1 {
		what := "none"
		if len(kinds) > 1 {
			what = strings.Join(kinds, " and ")
		}
		return st, p.ErrAt(n, path, "a step needs exactly one of book, cancel, concurrent or host (got %s)", what)
	}
	switch kinds[0] {
	case "book":
		b, err := p.book(n, m, path, inc)
		if err != nil {
			return st, err
		}
		booked[b.Call] = b.EventType
		st.Book = &b
	case "cancel":
		if err := p.onlyWebhookFault(m, path, "a cancel step", "cancel: {call: …}"); err != nil {
			return st, err
		}
		c := Cancel{Line: m["cancel"].Line}
		if c.Call, err = p.callOf(m["cancel"], strictyaml.Join(path, "cancel"), booked, "cancel"); err != nil {
			return st, err
		}
		if c.WebhookFault, err = p.stepWebhookFault(m, path, inc); err != nil {
			return st, err
		}
		st.Cancel = &c
	case "host":
		if err := p.onlyWebhookFault(m, path, "a host step", "host: {cancel: CALL}"); err != nil {
			return st, err
		}
		h, err := p.hostAction(m["host"], strictyaml.Join(path, "host"), inc, booked)
		if err != nil {
			return st, err
		}
		if h.WebhookFault, err = p.stepWebhookFault(m, path, inc); err != nil {
			return st, err
		}
		p.use(m["host"], strictyaml.Join(path, "host"), "host")
		st.Host = &h
	case "concurrent":
		for _, k := range p.keys.attempt {
			if _, ok := m[k]; ok && k != "book" {
				return st, p.ErrAt(m[k], strictyaml.Join(path, k), "put call, book, expect and faults inside each concurrent entry")
			}
		}
		cpath := strictyaml.Join(path, "concurrent")
		items, err := p.Sequence(m["concurrent"], cpath)
		if err != nil {
			return st, err
		}
		if len(items) == 0 {
			return st, p.ErrAt(m["concurrent"], cpath, "needs at least one entry")
		}
		for i, item := range items {
			epath := fmt.Sprintf("%s[%d]", cpath, i)
			em, err := p.Mapping(item, epath, p.keys.attempt...)
			if err != nil {
				return st, err
			}
			b, err := p.book(item, em, epath, inc)
			if err != nil {
				return st, err
			}
			st.Concurrent = append(st.Concurrent, b)
		}
		for _, b := range st.Concurrent {
			booked[b.Call] = b.EventType
		}
	}
	return st, nil
}

// onlyWebhookFault refuses the attempt keys other than webhook_fault on a step of kind what.
func (p *parser) onlyWebhookFault(m map[string]*yaml.Node, path, what, form string) error {
	for _, k := range p.keys.attempt {
		if _, ok := m[k]; ok && k != "book" && k != "webhook_fault" {
			return p.ErrAt(m[k], strictyaml.Join(path, k), "not allowed on %s (write %s; only webhook_fault may go with it)", what, form)
		}
	}
	return nil
}

// stepWebhookFault reads m's webhook_fault, which needs calcom.webhooks (without a
// subscription there is no webhook to disturb).
func (p *parser) stepWebhookFault(m map[string]*yaml.Node, path string, inc *Incident) (*WebhookFault, error) {
	n := m["webhook_fault"]
	if strictyaml.IsNull(n) {
		if n != nil {
			return nil, p.ErrAt(n, strictyaml.Join(path, "webhook_fault"), "needs a value (leave it out for none)")
		}
		return nil, nil
	}
	if inc.Calcom.Webhooks == nil {
		return nil, p.ErrAt(n, strictyaml.Join(path, "webhook_fault"), "needs calcom.webhooks: without a subscription no webhook is sent to disturb")
	}
	p.use(n, strictyaml.Join(path, "webhook_fault"), "webhook_fault")
	return p.webhookFault(n, strictyaml.Join(path, "webhook_fault"))
}

// callOf reads {call: CALL} and requires an earlier booking step of CALL.
func (p *parser) callOf(n *yaml.Node, path string, booked map[string]int64, action string) (string, error) {
	m, err := p.Mapping(n, path, p.keys.cancel...)
	if err != nil {
		return "", err
	}
	call, err := p.Required(m, n, path, "call")
	if err != nil {
		return "", err
	}
	return p.bookedCall(call, strictyaml.Join(path, "call"), booked, action)
}

// bookedCall reads a call id that must have a booking step before this action.
func (p *parser) bookedCall(n *yaml.Node, path string, booked map[string]int64, action string) (string, error) {
	call, err := p.Str(n, path)
	if err != nil {
		return "", err
	}
	if _, ok := booked[call]; !ok {
		return "", p.ErrAt(n, path, "call %q has no booking step before this %s", call, action)
	}
	return call, nil
}

// hostAction reads {cancel: CALL} | {reschedule: {call: CALL, to: TIME, by: host|attendee}}
// | {confirm: CALL} | {decline: CALL}. Confirm and decline need the call's booking to await confirmation.
func (p *parser) hostAction(n *yaml.Node, path string, inc *Incident, booked map[string]int64) (HostAction, error) {
	h := HostAction{Line: n.Line}
	actions := p.keys.host
	m, err := p.Mapping(n, path, actions...)
	if err != nil {
		return h, err
	}
	if h.Action, err = p.ExactlyOne(n, m, path, actions); err != nil {
		return h, err
	}
	v, vpath := m[h.Action], strictyaml.Join(path, h.Action)
	if strictyaml.IsNull(v) {
		return h, p.ErrAt(v, vpath, "needs a call")
	}
	if h.Action == HostReschedule {
		rm, err := p.Mapping(v, vpath, p.keys.reschedule...)
		if err != nil {
			return h, p.ErrAt(v, vpath, "must be {call: CALL, to: TIME, by: host|attendee}")
		}
		if by := rm["by"]; !strictyaml.IsNull(by) {
			if h.By, err = p.OneOf(by, strictyaml.Join(vpath, "by"), HostByHost, HostByAttendee); err != nil {
				return h, err
			}
		}
		call, err := p.Required(rm, v, vpath, "call")
		if err != nil {
			return h, err
		}
		if h.Call, err = p.bookedCall(call, strictyaml.Join(vpath, "call"), booked, "reschedule"); err != nil {
			return h, err
		}
		to, err := p.Required(rm, v, vpath, "to")
		if err != nil {
			return h, err
		}
		h.To, err = p.Timestamp(to, strictyaml.Join(vpath, "to"))
		return h, err
	}
	if h.Call, err = p.bookedCall(v, vpath, booked, h.Action); err != nil {
		return h, err
	}
	if h.Action == HostConfirm || h.Action == HostDecline {
		if et, _ := inc.EventType(booked[h.Call]); et.Kind != KindRequiresConfirmation {
			return h, p.ErrAt(v, vpath, "call %q booked event type %d (%s); only a requires_confirmation booking awaits the host's %s",
				h.Call, et.ID, et.Kind, h.Action)
		}
	}
	return h, nil
}

// book parses a booking attempt whose keys are in m (a step or a concurrent entry at node n).
func (p *parser) book(n *yaml.Node, m map[string]*yaml.Node, path string, inc *Incident) (Book, error) {
	b := Book{Line: n.Line}
	call, err := p.Required(m, n, path, "call")
	if err != nil {
		return b, err
	}
	if b.Call, err = p.Str(call, strictyaml.Join(path, "call")); err != nil {
		return b, err
	}
	bn, err := p.Required(m, n, path, "book")
	if err != nil {
		return b, err
	}
	bpath := strictyaml.Join(path, "book")
	bm, err := p.Mapping(bn, bpath, p.keys.book...)
	if err != nil {
		return b, err
	}
	et, err := p.Required(bm, bn, bpath, "event_type")
	if err != nil {
		return b, err
	}
	if b.EventType, err = p.Integer(et, strictyaml.Join(bpath, "event_type")); err != nil {
		return b, err
	}
	if _, ok := inc.EventType(b.EventType); !ok {
		return b, p.ErrAt(et, strictyaml.Join(bpath, "event_type"), "event type %d is not declared in calcom.event_types", b.EventType)
	}
	start, err := p.Required(bm, bn, bpath, "start")
	if err != nil {
		return b, err
	}
	if b.Start, err = p.Timestamp(start, strictyaml.Join(bpath, "start")); err != nil {
		return b, err
	}
	att, err := p.Required(bm, bn, bpath, "attendee")
	if err != nil {
		return b, err
	}
	if b.Attendee, err = p.attendee(att, strictyaml.Join(bpath, "attendee")); err != nil {
		return b, err
	}
	if e := m["expect"]; !strictyaml.IsNull(e) {
		ex, err := p.stepExpect(e, strictyaml.Join(path, "expect"))
		if err != nil {
			return b, err
		}
		b.Expect = &ex
	}
	if e := m["expect_by_policy"]; !strictyaml.IsNull(e) {
		if b.ExpectByPolicy, err = p.stepExpectByPolicy(e, strictyaml.Join(path, "expect_by_policy"), inc.Policy); err != nil {
			return b, err
		}
	}
	if f := m["fault"]; !strictyaml.IsNull(f) {
		if b.Faults, err = p.faults(f, strictyaml.Join(path, "fault")); err != nil {
			return b, err
		}
	}
	if b.WebhookFault, err = p.stepWebhookFault(m, path, inc); err != nil {
		return b, err
	}
	if f := m["db_fault"]; !strictyaml.IsNull(f) {
		if b.DBFault, err = p.dbFault(f, strictyaml.Join(path, "db_fault")); err != nil {
			return b, err
		}
		p.use(f, strictyaml.Join(path, "db_fault"), "db_fault")
	}
	if c := m["crash"]; !strictyaml.IsNull(c) {
		points, _ := fault.ShapeOf(fault.Crash, fault.KeyCrash)
		if b.Crash, err = p.OneOf(c, strictyaml.Join(path, "crash"), points.Words...); err != nil {
			return b, err
		}
		p.use(c, strictyaml.Join(path, "crash"), "crash")
	}
	return b, nil
}

func (p *parser) attendee(n *yaml.Node, path string) (Attendee, error) {
	var a Attendee
	m, err := p.Mapping(n, path, p.keys.attendee...)
	if err != nil {
		return a, err
	}
	fields := []struct {
		key      string
		dst      *string
		required bool
	}{{"name", &a.Name, true}, {"email", &a.Email, true}, {"phone", &a.Phone, false}, {"time_zone", &a.TimeZone, false}}
	for _, f := range fields {
		v, ok := m[f.key]
		if !ok {
			if f.required {
				return a, p.ErrAt(n, strictyaml.Join(path, f.key), "is required")
			}
			continue
		}
		if strictyaml.IsNull(v) {
			if f.required {
				return a, p.ErrAt(v, strictyaml.Join(path, f.key), "must be a text value (quote it to send an empty one: \"\")")
			}
			continue
		}
		if *f.dst, err = p.Str(v, strictyaml.Join(path, f.key)); err != nil {
			return a, err
		}
	}
	return a, nil
}

func (p *parser) stepExpect(n *yaml.Node, path string) (Expect, error) {
	var e Expect
	m, err := p.Mapping(n, path, p.keys.stepExpect...)
	if err != nil {
		return e, err
	}
	o, err := p.Required(m, n, path, "outcome")
	if err != nil {
		return e, err
	}
	if e.Outcome, err = p.OneOf(o, strictyaml.Join(path, "outcome"), outcomes()...); err != nil {
		return e, err
	}
	if l := m["layer"]; !strictyaml.IsNull(l) {
		if e.Layer, err = p.OneOf(l, strictyaml.Join(path, "layer"), append(AllLayers(), DecidedByCalcom)...); err != nil {
			return e, err
		}
	}
	return e, nil
}

// policyKeys reads the keys of an expect_by_policy mapping: policy names other than the
// file's own (whose expectations belong in expect).
func (p *parser) policyKeys(n *yaml.Node, path, filePolicy string) (map[string]*yaml.Node, error) {
	m, err := p.Mapping(n, path, p.keys.policy...)
	if err != nil {
		return nil, err
	}
	if v, ok := m[filePolicy]; ok {
		return nil, p.ErrAt(v, strictyaml.Join(path, filePolicy), "the file's own policy is %s; put its expectations in expect", filePolicy)
	}
	return m, nil
}

// stepExpectByPolicy reads a step's expect_by_policy: {hardened: {outcome, layer}}.
func (p *parser) stepExpectByPolicy(n *yaml.Node, path, filePolicy string) (map[string]*Expect, error) {
	m, err := p.policyKeys(n, path, filePolicy)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*Expect, len(m))
	for policy, v := range m {
		if strictyaml.IsNull(v) {
			return nil, p.ErrAt(v, strictyaml.Join(path, policy), "needs {outcome: …}")
		}
		e, err := p.stepExpect(v, strictyaml.Join(path, policy))
		if err != nil {
			return nil, err
		}
		out[policy] = &e
	}
	return out, nil
}
