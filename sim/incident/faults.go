package incident

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/bookingharness/bookingharness/internal/strictyaml"
	"github.com/bookingharness/bookingharness/sim/fault"
)

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

// fault reads {on: ENDPOINT, <exactly one fault key>}; on defaults to create. The keys,
// their values and the endpoints each fault may hit are the fault catalogue's (sim/fault).
func (p *parser) fault(n *yaml.Node, path string) (Fault, error) {
	f := Fault{On: OnCreate}
	keys := fault.Keys(fault.Calcom)
	m, err := p.Mapping(n, path, p.keys.calcomFault...)
	if err != nil {
		return f, err
	}
	if on := m["on"]; !strictyaml.IsNull(on) {
		if f.On, err = p.OneOf(on, strictyaml.Join(path, "on"), fault.Endpoints()...); err != nil {
			return f, err
		}
		if f.On != OnCreate {
			p.use(on, strictyaml.Join(path, "on"), "fault.on")
		}
	}
	given := strictyaml.Present(m, keys)
	switch {
	case len(given) == 0:
		return f, p.ErrAt(n, path, "needs one of: %s", strings.Join(keys, ", "))
	case len(given) > 1:
		return f, p.ErrAt(n, path, "has %s; give exactly one fault kind per fault (a list holds several: fault: [{…}, {on: lookup, …}])", strings.Join(given, " and "))
	}
	key := given[0]
	v, vpath := m[key], strictyaml.Join(path, key)
	entry, val, err := p.faultValue(fault.Calcom, key, v, vpath)
	if err != nil {
		return f, err
	}
	if entry.Endpoints != nil && !slices.Contains(entry.Endpoints, f.On) {
		return f, p.ErrAt(v, vpath, "%s", entry.EndpointNote)
	}
	return entry.Calcom(val, f.On), nil
}

// faultValue reads the value of a fault key of fam by its shape in the fault catalogue and
// returns the catalogue's fault and its parameter.
func (p *parser) faultValue(fam fault.Family, key string, v *yaml.Node, vpath string) (fault.Fault, fault.Value, error) {
	ks, _ := fault.ShapeOf(fam, key)
	if strictyaml.IsNull(v) {
		return fault.Fault{}, fault.Value{}, p.ErrAt(v, vpath, "needs a value")
	}
	var word string
	var val fault.Value
	var err error
	switch ks.Shape {
	case fault.ShapeTrue:
		err = p.mustBeTrue(v, vpath, fam.StepKey()+" key")
	case fault.ShapeStatus:
		val.Status, err = p.status(v, vpath, int64(ks.MinStatus), ks.Want)
		word = strconv.Itoa(val.Status)
	case fault.ShapeDuration:
		val.Duration, err = p.positiveDuration(v, vpath)
	default: // a word each fault of the key owns
		word, err = p.OneOf(v, vpath, ks.Words...)
	}
	if err != nil {
		return fault.Fault{}, fault.Value{}, err
	}
	entry, val, err := fault.Lookup(fam, key, word, val)
	if err != nil {
		return entry, val, p.ErrAt(v, vpath, "%v", err)
	}
	return entry, val, nil
}

// webhookFault reads {drop|duplicate|reorder: true, delay: D, subscriber_status: N} (the
// fault catalogue's webhook keys): at most one of drop, duplicate and reorder; drop stands
// alone; at least one key. A form with two keys parses (the runner refuses it, naming the
// step: the fake applies one action per delivery).
func (p *parser) webhookFault(n *yaml.Node, path string) (*WebhookFault, error) {
	keys := p.keys.webhookFault
	m, err := p.Mapping(n, path, keys...)
	if err != nil {
		return nil, err
	}
	var w WebhookFault
	var modes []string
	for _, k := range strictyaml.Present(m, keys) {
		entry, val, err := p.faultValue(fault.Webhook, k, m[k], strictyaml.Join(path, k))
		if err != nil {
			return nil, err
		}
		one := entry.Webhook(val)
		if one.Mode != "" {
			modes = append(modes, k)
			w.Mode = one.Mode
		}
		w.Delay = max(w.Delay, one.Delay)
		w.SubscriberStatus = max(w.SubscriberStatus, one.SubscriberStatus)
	}
	if len(modes) > 1 {
		return nil, p.ErrAt(n, path, "has %s; give at most one of drop, duplicate and reorder", strings.Join(modes, " and "))
	}
	switch {
	case w.Mode == "" && w.Delay == 0 && w.SubscriberStatus == 0:
		return nil, p.ErrAt(n, path, "needs one of: %s", strings.Join(keys, ", "))
	case w.Mode == fault.KeyDrop && (w.Delay != 0 || w.SubscriberStatus != 0):
		return nil, p.ErrAt(n, path, "a dropped webhook is never delivered; drop stands alone")
	}
	return &w, nil
}

// dbFault reads exactly one of the fault catalogue's db keys: {reset:
// before_commit|after_commit}, {latency: D}, {refuse: D}.
func (p *parser) dbFault(n *yaml.Node, path string) (*DBFault, error) {
	keys := p.keys.dbFault
	m, err := p.Mapping(n, path, keys...)
	if err != nil {
		return nil, err
	}
	key, err := p.ExactlyOne(n, m, path, keys)
	if err != nil {
		return nil, err
	}
	entry, val, err := p.faultValue(fault.DB, key, m[key], strictyaml.Join(path, key))
	if err != nil {
		return nil, err
	}
	f := entry.DB(val)
	return &f, nil
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
