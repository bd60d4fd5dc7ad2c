package incident

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"time"

	"github.com/bookingharness/bookingharness/internal/strictyaml"
	"go.yaml.in/yaml/v3"
)

// LoadCalcomFile reads and parses the configuration file of the standalone fake Cal.com
// (bookingharness fake-calcom --config FILE); see ParseCalcomFile.
func LoadCalcomFile(path string) (*Calcom, error) {
	data, err := readFile(path, "Cal.com config file")
	if err != nil {
		return nil, err
	}
	return ParseCalcomFile(path, data)
}

// ParseCalcomFile parses the configuration of the standalone fake Cal.com: a YAML file whose
// only top-level key is calcom: (plus x- keys), holding exactly the calcom block of an
// incident file, with the same strictness and the same *Error. One difference: a webhooks
// block needs url: here (there is no core whose handler it could default to). name is used
// in errors.
func ParseCalcomFile(name string, data []byte) (*Calcom, error) {
	if name == "" {
		name = "calcom config"
	}
	p := newParser(name)
	root, err := p.document(data, "Cal.com config file")
	if err != nil {
		return nil, err
	}
	m, err := p.Mapping(root, "", p.keys.calcomFile...)
	if err != nil {
		return nil, err
	}
	n, err := p.Required(m, root, "", "calcom")
	if err != nil {
		return nil, err
	}
	c, err := p.calcom(n, "calcom", true)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// calcom reads a calcom block at path; standalone requires webhooks.url.
func (p *parser) calcom(n *yaml.Node, path string, standalone bool) (Calcom, error) {
	var c Calcom
	m, err := p.Mapping(n, path, p.keys.calcom...)
	if err != nil {
		return c, err
	}
	for _, d := range []struct {
		key string
		dst *time.Duration
	}{{"latency", &c.Latency}, {"check_insert_gap", &c.CheckInsertGap}} {
		v := m[d.key]
		if strictyaml.IsNull(v) {
			continue
		}
		if *d.dst, err = p.Duration(v, strictyaml.Join(path, d.key)); err != nil {
			return c, err
		}
		if *d.dst < 0 {
			return c, p.ErrAt(v, strictyaml.Join(path, d.key), "must not be negative")
		}
		if d.key == "check_insert_gap" && *d.dst > 0 {
			p.use(v, strictyaml.Join(path, d.key), "calcom.check_insert_gap")
		}
	}
	if f := m["force_replay"]; !strictyaml.IsNull(f) {
		if c.ForceReplay, err = p.Boolean(f, strictyaml.Join(path, "force_replay")); err != nil {
			return c, err
		}
	}
	if a := m["conflict_answer"]; !strictyaml.IsNull(a) {
		if c.ConflictAnswer, err = p.OneOf(a, strictyaml.Join(path, "conflict_answer"), ConflictProd400, Conflict409, ConflictError500); err != nil {
			return c, err
		}
		p.use(a, strictyaml.Join(path, "conflict_answer"), "calcom.conflict_answer")
	}
	if h := m["hold"]; !strictyaml.IsNull(h) {
		if standalone {
			return c, p.ErrAt(h, strictyaml.Join(path, "hold"), "is for a harness run (replay, load): the hold needs to know which calls are in flight at the system under test, which the standalone fake cannot")
		}
		hold, err := p.hold(h, strictyaml.Join(path, "hold"))
		if err != nil {
			return c, err
		}
		c.Hold = &hold
		p.use(h, strictyaml.Join(path, "hold"), "calcom.hold")
	}
	if w := m["webhooks"]; !strictyaml.IsNull(w) {
		wh, err := p.webhooks(w, strictyaml.Join(path, "webhooks"), standalone)
		if err != nil {
			return c, err
		}
		c.Webhooks = &wh
		p.use(w, strictyaml.Join(path, "webhooks"), "calcom.webhooks")
	}
	ets := m["event_types"]
	if strictyaml.IsNull(ets) {
		return c, nil
	}
	items, err := p.Sequence(ets, strictyaml.Join(path, "event_types"))
	if err != nil {
		return c, err
	}
	for i, item := range items {
		epath := fmt.Sprintf("%s.event_types[%d]", path, i)
		et, err := p.eventType(item, epath)
		if err != nil {
			return c, err
		}
		if slices.ContainsFunc(c.EventTypes, func(x EventType) bool { return x.ID == et.ID }) {
			return c, p.ErrAt(item, strictyaml.Join(epath, "id"), "event type %d declared twice", et.ID)
		}
		c.EventTypes = append(c.EventTypes, et)
	}
	return c, nil
}

// hold reads {creates_per_slot: N, max: D}: N at least 2 (default 2), D positive (default 1s).
func (p *parser) hold(n *yaml.Node, path string) (Hold, error) {
	h := Hold{CreatesPerSlot: 2, Max: time.Second}
	m, err := p.Mapping(n, path, p.keys.hold...)
	if err != nil {
		return h, err
	}
	if v := m["creates_per_slot"]; !strictyaml.IsNull(v) {
		k, err := p.Integer(v, strictyaml.Join(path, "creates_per_slot"))
		if err != nil {
			return h, err
		}
		if k < 2 || k > 1000 {
			return h, p.ErrAt(v, strictyaml.Join(path, "creates_per_slot"), "must be between 2 and 1000 (creates answered together), got %d", k)
		}
		h.CreatesPerSlot = int(k)
	}
	if v := m["max"]; !strictyaml.IsNull(v) {
		if h.Max, err = p.Duration(v, strictyaml.Join(path, "max")); err != nil {
			return h, err
		}
		if h.Max <= 0 || h.Max > time.Minute {
			return h, p.ErrAt(v, strictyaml.Join(path, "max"), "must be a positive duration of at most 1m (real time a create may be held), got %s", h.Max)
		}
	}
	return h, nil
}

// webhooks reads {delivery: sync|async, secret: S, url: U}. The secret is never echoed in
// a message.
func (p *parser) webhooks(n *yaml.Node, path string, standalone bool) (Webhooks, error) {
	w := Webhooks{Line: n.Line}
	m, err := p.Mapping(n, path, p.keys.webhooks...)
	if err != nil {
		return w, err
	}
	d, err := p.Required(m, n, path, "delivery")
	if err != nil {
		return w, err
	}
	if w.Delivery, err = p.OneOf(d, strictyaml.Join(path, "delivery"), DeliverySync, DeliveryAsync); err != nil {
		return w, err
	}
	if s := m["secret"]; !strictyaml.IsNull(s) {
		if s.Kind != yaml.ScalarNode {
			return w, p.ErrAt(s, strictyaml.Join(path, "secret"), "must be a text value")
		}
		w.Secret = s.Value
	}
	u := m["url"]
	if strictyaml.IsNull(u) {
		if standalone {
			return w, p.ErrAt(n, strictyaml.Join(path, "url"), "is required for the standalone fake (a loopback subscriber such as http://127.0.0.1:8081/hook)")
		}
		return w, nil
	}
	if w.URL, err = p.Str(u, strictyaml.Join(path, "url")); err != nil {
		return w, err
	}
	if why := loopbackURL(w.URL); why != "" {
		return w, p.ErrAt(u, strictyaml.Join(path, "url"), "%q %s; webhooks go to loopback subscribers only (http://127.0.0.1:PORT/…, http://[::1]:PORT/…, http://localhost:PORT/…)", w.URL, why)
	}
	return w, nil
}

// loopbackURL says why raw is not an http(s) URL on a loopback host, "" when it is.
func loopbackURL(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "is not a URL"
	case u.Scheme != "http" && u.Scheme != "https":
		return "is not an http or https URL"
	case u.User != nil:
		return "carries credentials"
	case u.Hostname() == "":
		return "has no host"
	case u.Hostname() == "localhost":
		return ""
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		return "is not on a loopback address"
	}
	return ""
}

// eventType reads one event type: id, kind, length, exactly one of host and hosts (hosts
// only for round robin, each an id or {id, weight, priority}), seats (required for seated,
// refused elsewhere), block_slot (requires_confirmation only), seats_show_attendees (seated
// only), weights_enabled and reschedule_with_same_host (round robin only).
func (p *parser) eventType(n *yaml.Node, path string) (EventType, error) {
	et := EventType{Line: n.Line}
	m, err := p.Mapping(n, path, p.keys.eventType...)
	if err != nil {
		return et, err
	}
	for _, key := range []string{"id", "kind", "length"} {
		if _, err := p.Required(m, n, path, key); err != nil {
			return et, err
		}
	}
	if et.ID, err = p.positive(m["id"], strictyaml.Join(path, "id")); err != nil {
		return et, err
	}
	if et.Kind, err = p.OneOf(m["kind"], strictyaml.Join(path, "kind"), KindStandard, KindRoundRobin, KindRequiresConfirmation, KindSeated); err != nil {
		return et, err
	}
	length, err := p.positive(m["length"], strictyaml.Join(path, "length"))
	if err != nil {
		return et, err
	}
	if length > 24*60 {
		return et, p.ErrAt(m["length"], strictyaml.Join(path, "length"), "length %d minutes is longer than a day", length)
	}
	et.Length = int(length)
	if et.Hosts, et.HostWeights, et.HostPriorities, err = p.hosts(n, m, path, et.Kind); err != nil {
		return et, err
	}
	et.Host = et.Hosts[0]
	seats, hasSeats := m["seats"]
	switch {
	case et.Kind == KindSeated && !hasSeats:
		return et, p.ErrAt(n, strictyaml.Join(path, "seats"), "is required for a seated event type")
	case et.Kind != KindSeated && hasSeats:
		return et, p.ErrAt(seats, strictyaml.Join(path, "seats"), "only a seated event type has seats (kind: seated)")
	case hasSeats:
		s, err := p.positive(seats, strictyaml.Join(path, "seats"))
		if err != nil {
			return et, err
		}
		if s > 1000 {
			return et, p.ErrAt(seats, strictyaml.Join(path, "seats"), "%d seats is more than the harness models (at most 1000)", s)
		}
		et.Seats = int(s)
		p.use(seats, strictyaml.Join(path, "seats"), "event_type.seats")
	}
	if b, ok := m["block_slot"]; ok {
		if et.Kind != KindRequiresConfirmation {
			return et, p.ErrAt(b, strictyaml.Join(path, "block_slot"), "only a requires_confirmation event type has block_slot")
		}
		v, err := p.Boolean(b, strictyaml.Join(path, "block_slot"))
		if err != nil {
			return et, err
		}
		et.BlockSlot = &v
		p.use(b, strictyaml.Join(path, "block_slot"), "event_type.block_slot")
	}
	for _, o := range []struct {
		key, kind string
		dst       *bool
	}{{"seats_show_attendees", KindSeated, &et.SeatsShowAttendees}, {"weights_enabled", KindRoundRobin, &et.WeightsEnabled},
		{"reschedule_with_same_host", KindRoundRobin, &et.RescheduleWithSameHost}} {
		v, ok := m[o.key]
		if !ok {
			continue
		}
		if et.Kind != o.kind {
			return et, p.ErrAt(v, strictyaml.Join(path, o.key), "only a %s event type has %s", o.kind, o.key)
		}
		if *o.dst, err = p.Boolean(v, strictyaml.Join(path, o.key)); err != nil {
			return et, err
		}
	}
	return et, nil
}

// hosts reads exactly one of host: N and hosts: [N | {id: N, weight: W, priority: P}, …]
// (round robin only; distinct ids). weights and priorities are nil unless some host gives
// one; then every host has one (the default 100, 2 where a host gives none).
func (p *parser) hosts(n *yaml.Node, m map[string]*yaml.Node, path, kind string) (ids []int64, weights, priorities []int, err error) {
	host, hasHost := m["host"]
	list, hasList := m["hosts"]
	switch {
	case hasHost && hasList:
		return nil, nil, nil, p.ErrAt(list, strictyaml.Join(path, "hosts"), "give host or hosts, not both")
	case hasHost:
		h, err := p.positive(host, strictyaml.Join(path, "host"))
		return []int64{h}, nil, nil, err
	case !hasList:
		return nil, nil, nil, p.ErrAt(n, strictyaml.Join(path, "host"), "is required (or hosts: [..] for round robin)")
	case kind != KindRoundRobin:
		return nil, nil, nil, p.ErrAt(list, strictyaml.Join(path, "hosts"), "only a round_robin event type has several hosts; use host")
	}
	items, err := p.Sequence(list, strictyaml.Join(path, "hosts"))
	if err != nil {
		return nil, nil, nil, err
	}
	if len(items) == 0 {
		return nil, nil, nil, p.ErrAt(list, strictyaml.Join(path, "hosts"), "needs at least one host")
	}
	options := false
	for i, item := range items {
		ipath := fmt.Sprintf("%s.hosts[%d]", path, i)
		h, w, pr, named, err := p.roundRobinHost(item, ipath)
		if err != nil {
			return nil, nil, nil, err
		}
		if slices.Contains(ids, h) {
			return nil, nil, nil, p.ErrAt(item, ipath, "host %d listed twice", h)
		}
		ids, weights, priorities = append(ids, h), append(weights, w), append(priorities, pr)
		options = options || named
	}
	if len(ids) > 1 {
		p.use(list, strictyaml.Join(path, "hosts"), "event_type.hosts")
	}
	if !options {
		weights, priorities = nil, nil
	}
	return ids, weights, priorities, nil
}

// roundRobinHost reads one entry of hosts: an id, or {id, weight, priority}; named says the
// entry gave a weight or a priority.
func (p *parser) roundRobinHost(n *yaml.Node, path string) (id int64, weight, priority int, named bool, err error) {
	weight, priority = 100, 2
	if n.Kind != yaml.MappingNode {
		id, err = p.positive(n, path)
		return id, weight, priority, false, err
	}
	m, err := p.Mapping(n, path, p.keys.roundRobinHost...)
	if err != nil {
		return 0, 0, 0, false, err
	}
	idn, err := p.Required(m, n, path, "id")
	if err != nil {
		return 0, 0, 0, false, err
	}
	if id, err = p.positive(idn, strictyaml.Join(path, "id")); err != nil {
		return 0, 0, 0, false, err
	}
	if w, ok := m["weight"]; ok {
		v, err := p.Integer(w, strictyaml.Join(path, "weight"))
		if err != nil {
			return 0, 0, 0, false, err
		}
		if v < 0 || v > 1_000_000 {
			return 0, 0, 0, false, p.ErrAt(w, strictyaml.Join(path, "weight"), "must be 0 to 1000000, got %d", v)
		}
		weight, named = int(v), true
	}
	if pr, ok := m["priority"]; ok {
		v, err := p.Integer(pr, strictyaml.Join(path, "priority"))
		if err != nil {
			return 0, 0, 0, false, err
		}
		if v < 0 || v > 4 {
			return 0, 0, 0, false, p.ErrAt(pr, strictyaml.Join(path, "priority"), "must be 0 (lowest) to 4 (highest), got %d", v)
		}
		priority, named = int(v), true
	}
	return id, weight, priority, named, nil
}

func (p *parser) positive(n *yaml.Node, path string) (int64, error) {
	v, err := p.Integer(n, path)
	if err != nil {
		return 0, err
	}
	if v <= 0 {
		return 0, p.ErrAt(n, path, "must be greater than 0, got %d", v)
	}
	return v, nil
}
