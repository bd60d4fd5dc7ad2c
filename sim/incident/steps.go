package incident

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// outcomes lists the values a step expect may name (the core's Outcome.Kind values).
func outcomes() []string {
	return []string{"booked", "already_booked", "slot_taken", "error", "unknown"}
}

// steps parses the timeline; calls records which calls have booked so far, so a cancel can
// only name a call that has something to cancel.
func (p *parser) steps(n *yaml.Node, inc *Incident) error {
	items, err := p.sequence(n, "steps")
	if err != nil {
		return err
	}
	calls := make(map[string]bool)
	for i, item := range items {
		path := fmt.Sprintf("steps[%d]", i)
		st, err := p.step(item, path, inc, calls)
		if err != nil {
			return err
		}
		if i > 0 && st.At < inc.Steps[i-1].At {
			return p.errAt(stepAtNode(item), join(path, "at"), "%s is before the previous step's %s; steps must be in time order",
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

func (p *parser) step(n *yaml.Node, path string, inc *Incident, calls map[string]bool) (Step, error) {
	st := Step{Line: n.Line}
	m, err := p.mapping(n, path, "at", "call", "book", "expect", "expect_by_policy", "fault", "cancel", "concurrent")
	if err != nil {
		return st, err
	}
	at, err := p.required(m, n, path, "at")
	if err != nil {
		return st, err
	}
	if st.At, err = p.duration(at, join(path, "at")); err != nil {
		return st, err
	}
	if st.At < 0 {
		return st, p.errAt(at, join(path, "at"), "must not be negative")
	}
	var kinds []string
	for _, k := range []string{"book", "cancel", "concurrent"} {
		if _, ok := m[k]; ok {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) != 1 {
		what := "none"
		if len(kinds) > 1 {
			what = strings.Join(kinds, " and ")
		}
		return st, p.errAt(n, path, "a step needs exactly one of book, cancel or concurrent (got %s)", what)
	}
	switch kinds[0] {
	case "book":
		b, err := p.book(n, m, path, inc)
		if err != nil {
			return st, err
		}
		calls[b.Call] = true
		st.Book = &b
	case "cancel":
		for _, k := range []string{"call", "expect", "expect_by_policy", "fault"} {
			if _, ok := m[k]; ok {
				return st, p.errAt(m[k], join(path, k), "not allowed on a cancel step (write cancel: {call: …})")
			}
		}
		c, err := p.cancel(m["cancel"], join(path, "cancel"), calls)
		if err != nil {
			return st, err
		}
		st.Cancel = &c
	case "concurrent":
		for _, k := range []string{"call", "expect", "expect_by_policy", "fault"} {
			if _, ok := m[k]; ok {
				return st, p.errAt(m[k], join(path, k), "put call, book, expect and fault inside each concurrent entry")
			}
		}
		cpath := join(path, "concurrent")
		items, err := p.sequence(m["concurrent"], cpath)
		if err != nil {
			return st, err
		}
		if len(items) == 0 {
			return st, p.errAt(m["concurrent"], cpath, "needs at least one entry")
		}
		for i, item := range items {
			epath := fmt.Sprintf("%s[%d]", cpath, i)
			em, err := p.mapping(item, epath, "call", "book", "expect", "expect_by_policy", "fault")
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
			calls[b.Call] = true
		}
	}
	return st, nil
}

// book parses a booking attempt whose call, book, expect and fault keys are in m (a step
// or a concurrent entry at node n).
func (p *parser) book(n *yaml.Node, m map[string]*yaml.Node, path string, inc *Incident) (Book, error) {
	b := Book{Line: n.Line}
	call, err := p.required(m, n, path, "call")
	if err != nil {
		return b, err
	}
	if b.Call, err = p.str(call, join(path, "call")); err != nil {
		return b, err
	}
	bn, err := p.required(m, n, path, "book")
	if err != nil {
		return b, err
	}
	bpath := join(path, "book")
	bm, err := p.mapping(bn, bpath, "event_type", "start", "attendee")
	if err != nil {
		return b, err
	}
	et, err := p.required(bm, bn, bpath, "event_type")
	if err != nil {
		return b, err
	}
	if b.EventType, err = p.integer(et, join(bpath, "event_type")); err != nil {
		return b, err
	}
	if _, ok := inc.EventType(b.EventType); !ok {
		return b, p.errAt(et, join(bpath, "event_type"), "event type %d is not declared in calcom.event_types", b.EventType)
	}
	start, err := p.required(bm, bn, bpath, "start")
	if err != nil {
		return b, err
	}
	if b.Start, err = p.timestamp(start, join(bpath, "start")); err != nil {
		return b, err
	}
	att, err := p.required(bm, bn, bpath, "attendee")
	if err != nil {
		return b, err
	}
	if b.Attendee, err = p.attendee(att, join(bpath, "attendee")); err != nil {
		return b, err
	}
	if e := m["expect"]; !isNull(e) {
		ex, err := p.stepExpect(e, join(path, "expect"))
		if err != nil {
			return b, err
		}
		b.Expect = &ex
	}
	if e := m["expect_by_policy"]; !isNull(e) {
		if b.ExpectByPolicy, err = p.stepExpectByPolicy(e, join(path, "expect_by_policy"), inc.Policy); err != nil {
			return b, err
		}
	}
	if f := m["fault"]; !isNull(f) {
		ft, err := p.fault(f, join(path, "fault"))
		if err != nil {
			return b, err
		}
		b.Fault = &ft
	}
	return b, nil
}

func (p *parser) attendee(n *yaml.Node, path string) (Attendee, error) {
	var a Attendee
	m, err := p.mapping(n, path, "name", "email", "phone", "time_zone")
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
				return a, p.errAt(n, join(path, f.key), "is required")
			}
			continue
		}
		if isNull(v) {
			if f.required {
				return a, p.errAt(v, join(path, f.key), "must be a text value (quote it to send an empty one: \"\")")
			}
			continue
		}
		if *f.dst, err = p.str(v, join(path, f.key)); err != nil {
			return a, err
		}
	}
	return a, nil
}

func (p *parser) cancel(n *yaml.Node, path string, calls map[string]bool) (Cancel, error) {
	c := Cancel{Line: n.Line}
	m, err := p.mapping(n, path, "call")
	if err != nil {
		return c, err
	}
	call, err := p.required(m, n, path, "call")
	if err != nil {
		return c, err
	}
	if c.Call, err = p.str(call, join(path, "call")); err != nil {
		return c, err
	}
	if !calls[c.Call] {
		return c, p.errAt(call, join(path, "call"), "call %q has no booking step before this cancel", c.Call)
	}
	return c, nil
}

func (p *parser) stepExpect(n *yaml.Node, path string) (Expect, error) {
	var e Expect
	m, err := p.mapping(n, path, "outcome", "layer")
	if err != nil {
		return e, err
	}
	o, err := p.required(m, n, path, "outcome")
	if err != nil {
		return e, err
	}
	if e.Outcome, err = p.oneOf(o, join(path, "outcome"), outcomes()...); err != nil {
		return e, err
	}
	if l := m["layer"]; !isNull(l) {
		if e.Layer, err = p.oneOf(l, join(path, "layer"), append(AllLayers(), DecidedByCalcom)...); err != nil {
			return e, err
		}
	}
	return e, nil
}

// policyKeys reads the keys of an expect_by_policy mapping: policy names other than the
// file's own (whose expectations belong in expect).
func (p *parser) policyKeys(n *yaml.Node, path, filePolicy string) (map[string]*yaml.Node, error) {
	m, err := p.mapping(n, path, PolicySeed, PolicyHardened)
	if err != nil {
		return nil, err
	}
	n = deref(n)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		if k != PolicySeed && k != PolicyHardened {
			return nil, p.errAt(n.Content[i], join(path, k), "unknown policy %q (want %s or %s)", k, PolicySeed, PolicyHardened)
		}
	}
	if v, ok := m[filePolicy]; ok {
		return nil, p.errAt(v, join(path, filePolicy), "the file's own policy is %s; put its expectations in expect", filePolicy)
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
		if isNull(v) {
			return nil, p.errAt(v, join(path, policy), "needs {outcome: …}")
		}
		e, err := p.stepExpect(v, join(path, policy))
		if err != nil {
			return nil, err
		}
		out[policy] = &e
	}
	return out, nil
}

func faultKinds() []string {
	return []string{FaultDelay, FaultStatus, FaultReset, FaultTimeout, FaultDropField, FaultMalformed, FaultForceReplay}
}

func (p *parser) fault(n *yaml.Node, path string) (Fault, error) {
	var f Fault
	m, err := p.mapping(n, path, faultKinds()...)
	if err != nil {
		return f, err
	}
	var given []string
	for _, k := range faultKinds() {
		if _, ok := m[k]; ok {
			given = append(given, k)
		}
	}
	switch {
	case len(given) == 0:
		return f, p.errAt(n, path, "needs one of: %s", strings.Join(faultKinds(), ", "))
	case len(given) > 1:
		return f, p.errAt(n, path, "has %s; give exactly one fault per booking", strings.Join(given, " and "))
	}
	f.Kind = given[0]
	v, vpath := m[f.Kind], join(path, f.Kind)
	if isNull(v) {
		return f, p.errAt(v, vpath, "needs a value")
	}
	switch f.Kind {
	case FaultDelay:
		if f.Delay, err = p.duration(v, vpath); err == nil && f.Delay <= 0 {
			err = p.errAt(v, vpath, "must be greater than 0")
		}
	case FaultStatus:
		var s int64
		if s, err = p.integer(v, vpath); err == nil && (s < 400 || s > 599) {
			err = p.errAt(v, vpath, "HTTP status %d is not an error status (want 400–599, e.g. 500 or 429)", s)
		}
		f.Status = int(s)
	case FaultReset:
		f.Phase, err = p.oneOf(v, vpath, BeforeCommit, AfterCommit)
	case FaultTimeout:
		f.Phase, err = p.oneOf(v, vpath, AfterCommit)
	case FaultDropField:
		f.Field, err = p.oneOf(v, vpath, "createdAt", "metadata")
	case FaultMalformed, FaultForceReplay:
		var on bool
		if on, err = p.boolean(v, vpath); err == nil && !on {
			err = p.errAt(v, vpath, "must be true (leave the fault out for none)")
		}
	}
	return f, err
}
