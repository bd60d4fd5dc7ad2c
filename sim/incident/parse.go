package incident

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/bookingharness/bookingharness/sim/check"
)

// Load reads and parses the incident file at path. A file that cannot be read is an
// *Error at line 1 too, so callers have one error shape to print.
func Load(path string) (*Incident, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Line: 1, Column: 1, Msg: fmt.Sprintf("cannot read incident file: %v", err)}
	}
	return Parse(path, data)
}

// Parse parses and validates an incident. name is used in errors (a path, usually) and as
// the default incident name. Any returned error is an *Error (use errors.As).
func Parse(name string, data []byte) (*Incident, error) {
	file := name
	if file == "" {
		file = "incident"
	}
	p := &parser{file: file}
	inc, err := p.parse(data)
	if err != nil {
		return nil, err
	}
	if inc.Name == "" {
		inc.Name = strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
		if name == "" || inc.Name == "" || inc.Name == "." {
			return nil, p.errAt(nil, "name", "is required")
		}
	}
	inc.File = file
	inc.Ignored = p.ignored
	return inc, nil
}

func (p *parser) parse(data []byte) (*Incident, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, p.errAt(nil, "", "empty incident file")
		}
		return nil, p.syntaxError(err)
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, p.syntaxError(err)
		}
		return nil, p.errAt(&next, "", "the file holds more than one YAML document; put one incident per file")
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || isNull(deref(doc.Content[0])) {
		return nil, p.errAt(&doc, "", "empty incident file")
	}
	root := deref(doc.Content[0])
	m, err := p.mapping(root, "", "name", "description", "policy", "layers", "clock", "calcom", "steps", "expect", "expect_by_policy")
	if err != nil {
		return nil, err
	}
	inc := &Incident{Policy: PolicySeed, Layers: AllLayers(), LayersSpec: "all"}
	if n := m["name"]; !isNull(n) {
		if inc.Name, err = p.str(n, "name"); err != nil {
			return nil, err
		}
	}
	if n := m["description"]; !isNull(n) {
		if inc.Description, err = p.str(n, "description"); err != nil {
			return nil, err
		}
	}
	if n := m["policy"]; !isNull(n) {
		if inc.Policy, err = p.oneOf(n, "policy", PolicySeed, PolicyHardened); err != nil {
			return nil, err
		}
	}
	if n := m["layers"]; !isNull(n) {
		if err := p.layers(n, inc); err != nil {
			return nil, err
		}
	}
	if err := p.clock(m, root, inc); err != nil {
		return nil, err
	}
	if n := m["calcom"]; !isNull(n) {
		if err := p.calcom(n, inc); err != nil {
			return nil, err
		}
	}
	if n := m["steps"]; !isNull(n) {
		if err := p.steps(n, inc); err != nil {
			return nil, err
		}
	}
	if n := m["expect"]; !isNull(n) {
		if inc.Expect, err = p.finalExpect(n, "expect"); err != nil {
			return nil, err
		}
	}
	if n := m["expect_by_policy"]; !isNull(n) {
		if err := p.finalExpectByPolicy(n, inc); err != nil {
			return nil, err
		}
	}
	return inc, nil
}

// finalExpectByPolicy reads expect_by_policy: {hardened: {appointments, calcom_bookings,
// violations}} at the top level.
func (p *parser) finalExpectByPolicy(n *yaml.Node, inc *Incident) error {
	m, err := p.policyKeys(n, "expect_by_policy", inc.Policy)
	if err != nil {
		return err
	}
	inc.ExpectByPolicy = make(map[string]FinalExpect, len(m))
	for policy, v := range m {
		path := join("expect_by_policy", policy)
		if isNull(v) {
			return p.errAt(v, path, "needs {appointments, calcom_bookings, violations}")
		}
		fe, err := p.finalExpect(v, path)
		if err != nil {
			return err
		}
		inc.ExpectByPolicy[policy] = fe
	}
	return nil
}

func (p *parser) layers(n *yaml.Node, inc *Incident) error {
	if n.Kind == yaml.ScalarNode {
		spec, err := p.oneOf(n, "layers", "all", "none")
		if err != nil {
			return p.errAt(n, "layers", "unknown value %q (want all, none, or a list of: %s)", n.Value, strings.Join(AllLayers(), ", "))
		}
		inc.LayersSpec = spec
		if spec == "none" {
			inc.Layers = []string{}
		}
		return nil
	}
	items, err := p.sequence(n, "layers")
	if err != nil {
		return p.errAt(n, "layers", "must be all, none, or a list of layer names")
	}
	chosen := make(map[string]bool)
	for i, item := range items {
		path := fmt.Sprintf("layers[%d]", i)
		name, err := p.oneOf(item, path, AllLayers()...)
		if err != nil {
			return err
		}
		if chosen[name] {
			return p.errAt(item, path, "layer %q listed twice", name)
		}
		chosen[name] = true
	}
	inc.LayersSpec = "list"
	inc.Layers = []string{}
	for _, name := range AllLayers() {
		if chosen[name] {
			inc.Layers = append(inc.Layers, name)
		}
	}
	return nil
}

func (p *parser) clock(root map[string]*yaml.Node, rootNode *yaml.Node, inc *Incident) error {
	n, err := p.required(root, rootNode, "", "clock")
	if err != nil {
		return err
	}
	m, err := p.mapping(n, "clock", "start", "app_skew")
	if err != nil {
		return err
	}
	start, err := p.required(m, n, "clock", "start")
	if err != nil {
		return err
	}
	if inc.Clock.Start, err = p.timestamp(start, "clock.start"); err != nil {
		return err
	}
	if s := m["app_skew"]; !isNull(s) {
		if inc.Clock.AppSkew, err = p.duration(s, "clock.app_skew"); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) calcom(n *yaml.Node, inc *Incident) error {
	m, err := p.mapping(n, "calcom", "latency", "force_replay", "event_types")
	if err != nil {
		return err
	}
	if l := m["latency"]; !isNull(l) {
		if inc.Calcom.Latency, err = p.duration(l, "calcom.latency"); err != nil {
			return err
		}
		if inc.Calcom.Latency < 0 {
			return p.errAt(l, "calcom.latency", "must not be negative")
		}
	}
	if f := m["force_replay"]; !isNull(f) {
		if inc.Calcom.ForceReplay, err = p.boolean(f, "calcom.force_replay"); err != nil {
			return err
		}
	}
	ets := m["event_types"]
	if isNull(ets) {
		return nil
	}
	items, err := p.sequence(ets, "calcom.event_types")
	if err != nil {
		return err
	}
	for i, item := range items {
		et, err := p.eventType(item, fmt.Sprintf("calcom.event_types[%d]", i))
		if err != nil {
			return err
		}
		if _, dup := inc.EventType(et.ID); dup {
			return p.errAt(item, fmt.Sprintf("calcom.event_types[%d].id", i), "event type %d declared twice", et.ID)
		}
		inc.Calcom.EventTypes = append(inc.Calcom.EventTypes, et)
	}
	return nil
}

func (p *parser) eventType(n *yaml.Node, path string) (EventType, error) {
	et := EventType{Line: n.Line}
	m, err := p.mapping(n, path, "id", "kind", "length", "host")
	if err != nil {
		return et, err
	}
	for _, key := range []string{"id", "kind", "length", "host"} {
		if _, err := p.required(m, n, path, key); err != nil {
			return et, err
		}
	}
	if et.ID, err = p.positive(m["id"], join(path, "id")); err != nil {
		return et, err
	}
	if et.Kind, err = p.oneOf(m["kind"], join(path, "kind"), KindStandard, KindRoundRobin, KindRequiresConfirmation); err != nil {
		return et, err
	}
	length, err := p.positive(m["length"], join(path, "length"))
	if err != nil {
		return et, err
	}
	if length > 24*60 {
		return et, p.errAt(m["length"], join(path, "length"), "length %d minutes is longer than a day", length)
	}
	et.Length = int(length)
	if et.Host, err = p.positive(m["host"], join(path, "host")); err != nil {
		return et, err
	}
	return et, nil
}

func (p *parser) positive(n *yaml.Node, path string) (int64, error) {
	v, err := p.integer(n, path)
	if err != nil {
		return 0, err
	}
	if v <= 0 {
		return 0, p.errAt(n, path, "must be greater than 0, got %d", v)
	}
	return v, nil
}

func (p *parser) finalExpect(n *yaml.Node, base string) (FinalExpect, error) {
	var fe FinalExpect
	m, err := p.mapping(n, base, "appointments", "calcom_bookings", "violations")
	if err != nil {
		return fe, err
	}
	for _, key := range []string{"appointments", "calcom_bookings"} {
		c := m[key]
		if isNull(c) {
			continue
		}
		v, err := p.integer(c, join(base, key))
		if err != nil {
			return fe, err
		}
		if v < 0 || v > 1<<31 {
			return fe, p.errAt(c, join(base, key), "must be a count of 0 or more, got %d", v)
		}
		count := int(v)
		if key == "appointments" {
			fe.Appointments = &count
		} else {
			fe.CalcomBookings = &count
		}
	}
	vs := m["violations"]
	if isNull(vs) {
		return fe, nil
	}
	items, err := p.sequence(vs, join(base, "violations"))
	if err != nil {
		return fe, err
	}
	fe.Violations = []string{}
	for i, item := range items {
		path := fmt.Sprintf("%s.violations[%d]", base, i)
		name, err := p.oneOf(item, path, check.Invariants()...)
		if err != nil {
			return fe, err
		}
		if slices.Contains(fe.Violations, name) {
			return fe, p.errAt(item, path, "invariant %q listed twice", name)
		}
		fe.Violations = append(fe.Violations, name)
	}
	return fe, nil
}
