package incident

import (
	"fmt"
	"strings"
	"time"

	"github.com/bookingharness/bookingharness/internal/strictyaml"
	"go.yaml.in/yaml/v3"
)

func faultKinds() []string {
	return []string{FaultDelay, FaultStatus, FaultReset, FaultTimeout, FaultDropField, FaultMalformed, FaultForceReplay}
}

func endpoints() []string {
	return []string{OnCreate, OnLookup, OnGet, OnCancel, OnReschedule, OnConfirm, OnDecline, OnReservation}
}

// faults reads a step's fault: one fault mapping, or a list of them with at most one per
// endpoint (so {status: 500} keeps meaning what it always meant).
func (p *parser) faults(n *yaml.Node, path string) ([]Fault, error) {
	if n.Kind != yaml.SequenceNode {
		f, err := p.fault(n, path)
		if err != nil {
			return nil, err
		}
		return []Fault{f}, nil
	}
	items, err := p.Sequence(n, path)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, p.ErrAt(n, path, "is an empty list; leave fault out for none")
	}
	out := make([]Fault, 0, len(items))
	for i, item := range items {
		ipath := fmt.Sprintf("%s[%d]", path, i)
		f, err := p.fault(item, ipath)
		if err != nil {
			return nil, err
		}
		for _, g := range out {
			if g.On == f.On {
				return nil, p.ErrAt(item, ipath, "a second fault on %s; give at most one fault per endpoint on a step", f.On)
			}
		}
		out = append(out, f)
	}
	return out, nil
}

// fault reads {on: ENDPOINT, <exactly one fault kind>}; on defaults to create.
func (p *parser) fault(n *yaml.Node, path string) (Fault, error) {
	f := Fault{On: OnCreate}
	m, err := p.Mapping(n, path, append([]string{"on"}, faultKinds()...)...)
	if err != nil {
		return f, err
	}
	if on := m["on"]; !strictyaml.IsNull(on) {
		if f.On, err = p.OneOf(on, strictyaml.Join(path, "on"), endpoints()...); err != nil {
			return f, err
		}
		if f.On != OnCreate {
			p.use(on, strictyaml.Join(path, "on"), "fault.on")
		}
	}
	given := strictyaml.Present(m, faultKinds())
	switch {
	case len(given) == 0:
		return f, p.ErrAt(n, path, "needs one of: %s", strings.Join(faultKinds(), ", "))
	case len(given) > 1:
		return f, p.ErrAt(n, path, "has %s; give exactly one fault kind per fault (a list holds several: fault: [{…}, {on: lookup, …}])", strings.Join(given, " and "))
	}
	f.Kind = given[0]
	v, vpath := m[f.Kind], strictyaml.Join(path, f.Kind)
	if strictyaml.IsNull(v) {
		return f, p.ErrAt(v, vpath, "needs a value")
	}
	switch f.Kind {
	case FaultDelay:
		f.Delay, err = p.positiveDuration(v, vpath)
	case FaultStatus:
		f.Status, err = p.status(v, vpath, 400, "an error status (want 400–599, e.g. 500 or 429)")
	case FaultReset:
		f.Phase, err = p.OneOf(v, vpath, BeforeCommit, AfterCommit)
	case FaultTimeout:
		f.Phase, err = p.OneOf(v, vpath, AfterCommit)
	case FaultDropField:
		if f.On == OnReservation {
			return f, p.ErrAt(v, vpath, "a reservation carries no createdAt or metadata to drop")
		}
		f.Field, err = p.OneOf(v, vpath, "createdAt", "metadata")
	case FaultMalformed, FaultForceReplay:
		if f.Kind == FaultForceReplay && f.On != OnCreate {
			return f, p.ErrAt(v, vpath, "only a create can be answered with a replay (on: create)")
		}
		err = p.mustBeTrue(v, vpath, "fault")
	}
	return f, err
}

// webhookFault reads {drop|duplicate|reorder: true, delay: D, subscriber_status: N}: at most
// one of drop, duplicate and reorder; drop stands alone; at least one key.
func (p *parser) webhookFault(n *yaml.Node, path string) (*WebhookFault, error) {
	m, err := p.Mapping(n, path, "drop", "duplicate", "reorder", "delay", "subscriber_status")
	if err != nil {
		return nil, err
	}
	var w WebhookFault
	var modes []string
	for _, k := range []struct {
		key string
		dst *bool
	}{{"drop", &w.Drop}, {"duplicate", &w.Duplicate}, {"reorder", &w.Reorder}} {
		v, ok := m[k.key]
		if !ok {
			continue
		}
		if err := p.mustBeTrue(v, strictyaml.Join(path, k.key), "webhook_fault key"); err != nil {
			return nil, err
		}
		*k.dst = true
		modes = append(modes, k.key)
	}
	if len(modes) > 1 {
		return nil, p.ErrAt(n, path, "has %s; give at most one of drop, duplicate and reorder", strings.Join(modes, " and "))
	}
	if v, ok := m["delay"]; ok {
		if w.Delay, err = p.positiveDuration(v, strictyaml.Join(path, "delay")); err != nil {
			return nil, err
		}
	}
	if v, ok := m["subscriber_status"]; ok {
		if w.SubscriberStatus, err = p.status(v, strictyaml.Join(path, "subscriber_status"), 300, "a failing subscriber answer (want 300–599, e.g. 500)"); err != nil {
			return nil, err
		}
	}
	switch {
	case len(modes) == 0 && w.Delay == 0 && w.SubscriberStatus == 0:
		return nil, p.ErrAt(n, path, "needs one of: drop, duplicate, reorder, delay, subscriber_status")
	case w.Drop && (w.Delay != 0 || w.SubscriberStatus != 0):
		return nil, p.ErrAt(n, path, "a dropped webhook is never delivered; drop stands alone")
	}
	return &w, nil
}

// dbFault reads exactly one of {reset: before_commit|after_commit}, {latency: D}, {refuse: D}.
func (p *parser) dbFault(n *yaml.Node, path string) (*DBFault, error) {
	kinds := []string{DBFaultReset, DBFaultLatency, DBFaultRefuse}
	m, err := p.Mapping(n, path, kinds...)
	if err != nil {
		return nil, err
	}
	kind, err := p.ExactlyOne(n, m, path, kinds)
	if err != nil {
		return nil, err
	}
	f := &DBFault{Kind: kind}
	v, vpath := m[f.Kind], strictyaml.Join(path, f.Kind)
	if f.Kind == DBFaultReset {
		f.Phase, err = p.OneOf(v, vpath, BeforeCommit, AfterCommit)
	} else {
		f.Duration, err = p.positiveDuration(v, vpath)
	}
	if err != nil {
		return nil, err
	}
	return f, nil
}

func (p *parser) positiveDuration(n *yaml.Node, path string) (time.Duration, error) {
	if strictyaml.IsNull(n) {
		return 0, p.ErrAt(n, path, "needs a duration such as 2s")
	}
	d, err := p.Duration(n, path)
	if err == nil && d <= 0 {
		err = p.ErrAt(n, path, "must be greater than 0")
	}
	return d, err
}

// status reads an HTTP status from least to 599; want describes the range for messages.
func (p *parser) status(n *yaml.Node, path string, least int64, want string) (int, error) {
	if strictyaml.IsNull(n) {
		return 0, p.ErrAt(n, path, "needs %s", want)
	}
	s, err := p.Integer(n, path)
	if err == nil && (s < least || s > 599) {
		err = p.ErrAt(n, path, "HTTP status %d is not %s", s, want)
	}
	return int(s), err
}

// mustBeTrue reads a flag that is either true or left out.
func (p *parser) mustBeTrue(n *yaml.Node, path, what string) error {
	if strictyaml.IsNull(n) {
		return p.ErrAt(n, path, "needs a value")
	}
	on, err := p.Boolean(n, path)
	if err == nil && !on {
		err = p.ErrAt(n, path, "must be true (leave the %s out for none)", what)
	}
	return err
}
