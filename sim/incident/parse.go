package incident

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/internal/strictyaml"
	"github.com/bookingharness/bookingharness/sim/check"
)

// Load reads and parses the incident file at path. A file that cannot be read is an
// *Error at line 1 too, so callers have one error shape to print.
func Load(path string) (*Incident, error) {
	data, err := readFile(path, "incident file")
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// readFile reads the file at path; what names its kind in the error, an *Error at line 1.
func readFile(path, what string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Line: 1, Column: 1, Msg: fmt.Sprintf("cannot read %s: %v", what, err)}
	}
	return data, nil
}

// Parse parses and validates an incident. name is used in errors (a path, usually) and as
// the default incident name. Any returned error is an *Error (use errors.As).
func Parse(name string, data []byte) (*Incident, error) {
	file := name
	if file == "" {
		file = "incident"
	}
	p := newParser(file)
	inc, err := p.parse(data)
	if err != nil {
		return nil, err
	}
	if inc.Name == "" {
		inc.Name = strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
		if name == "" || inc.Name == "" || inc.Name == "." {
			return nil, p.ErrAt(nil, "name", "is required")
		}
	}
	inc.File = file
	slices.SortStableFunc(p.uses, func(a, b Use) int { return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column)) })
	inc.RoundTwo = p.uses
	return inc, nil
}

// document decodes data as exactly one YAML document and returns its root node; what names
// the file's kind in messages ("incident file").
func (p *parser) document(data []byte, what string) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, p.ErrAt(nil, "", "empty %s", what)
		}
		return nil, p.SyntaxError(err)
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, p.SyntaxError(err)
		}
		return nil, p.ErrAt(&next, "", "the file holds more than one YAML document; put one %s per file", strings.TrimSuffix(what, " file"))
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || strictyaml.IsNull(strictyaml.Deref(doc.Content[0])) {
		return nil, p.ErrAt(&doc, "", "empty %s", what)
	}
	return strictyaml.Deref(doc.Content[0]), nil
}

func (p *parser) parse(data []byte) (*Incident, error) {
	root, err := p.document(data, "incident file")
	if err != nil {
		return nil, err
	}
	m, err := p.Mapping(root, "", p.keys.file...)
	if err != nil {
		return nil, err
	}
	inc := &Incident{Policy: PolicySeed, Layers: AllLayers(), LayersSpec: "all"}
	if n := m["name"]; !strictyaml.IsNull(n) {
		if inc.Name, err = p.Str(n, "name"); err != nil {
			return nil, err
		}
	}
	if n := m["description"]; !strictyaml.IsNull(n) {
		if inc.Description, err = p.Str(n, "description"); err != nil {
			return nil, err
		}
	}
	if n := m["policy"]; !strictyaml.IsNull(n) {
		if inc.Policy, err = p.OneOf(n, "policy", PolicySeed, PolicyHardened); err != nil {
			return nil, err
		}
	}
	if n := m["layers"]; !strictyaml.IsNull(n) {
		if err := p.layers(n, inc); err != nil {
			return nil, err
		}
	}
	if err := p.clock(m, root, inc); err != nil {
		return nil, err
	}
	if n := m["calcom"]; !strictyaml.IsNull(n) {
		if inc.Calcom, err = p.calcom(n, "calcom", false); err != nil {
			return nil, err
		}
	}
	if n := m["steps"]; !strictyaml.IsNull(n) {
		if err := p.steps(n, inc); err != nil {
			return nil, err
		}
	}
	if n := m["expect"]; !strictyaml.IsNull(n) {
		if inc.Expect, err = p.finalExpect(n, "expect"); err != nil {
			return nil, err
		}
	}
	if n := m["expect_by_policy"]; !strictyaml.IsNull(n) {
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
		path := strictyaml.Join("expect_by_policy", policy)
		if strictyaml.IsNull(v) {
			return p.ErrAt(v, path, "needs {appointments, calcom_bookings, violations}")
		}
		fe, err := p.finalExpect(v, path)
		if err != nil {
			return err
		}
		inc.ExpectByPolicy[policy] = fe
	}
	return nil
}

// layers reads all | none | a list of layer names, and checks a list against the file's
// policy: naming a layer the policy does not have is an error naming the policy's layers.
func (p *parser) layers(n *yaml.Node, inc *Incident) error {
	if n.Kind == yaml.ScalarNode {
		spec, err := p.OneOf(n, "layers", "all", "none")
		if err != nil {
			return p.ErrAt(n, "layers", "unknown value %q (want all, none, or a list of: %s)", n.Value, strings.Join(AllLayers(), ", "))
		}
		inc.LayersSpec = spec
		if spec == "none" {
			inc.Layers = []string{}
		}
		return nil
	}
	items, err := p.Sequence(n, "layers")
	if err != nil {
		return p.ErrAt(n, "layers", "must be all, none, or a list of layer names")
	}
	if len(items) == 0 {
		return p.ErrAt(n, "layers", "is an empty list; write none for no layers")
	}
	policy := core.Policy(inc.Policy)
	chosen := make(map[string]bool)
	for i, item := range items {
		path := fmt.Sprintf("layers[%d]", i)
		name, err := p.OneOf(item, path, AllLayers()...)
		if err != nil {
			return err
		}
		if chosen[name] {
			return p.ErrAt(item, path, "layer %q listed twice", name)
		}
		if err := policy.CheckLayers(core.NewLayers(core.Layer(name))); err != nil {
			return p.ErrAt(item, path, "%s", strings.TrimPrefix(err.Error(), "layers: "))
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
	n, err := p.Required(root, rootNode, "", "clock")
	if err != nil {
		return err
	}
	m, err := p.Mapping(n, "clock", p.keys.clock...)
	if err != nil {
		return err
	}
	start, err := p.Required(m, n, "clock", "start")
	if err != nil {
		return err
	}
	if inc.Clock.Start, err = p.Timestamp(start, "clock.start"); err != nil {
		return err
	}
	if s := m["app_skew"]; !strictyaml.IsNull(s) {
		if inc.Clock.AppSkew, err = p.Duration(s, "clock.app_skew"); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) finalExpect(n *yaml.Node, base string) (FinalExpect, error) {
	var fe FinalExpect
	m, err := p.Mapping(n, base, p.keys.finalExpect...)
	if err != nil {
		return fe, err
	}
	for _, key := range []string{"appointments", "calcom_bookings"} {
		c := m[key]
		if strictyaml.IsNull(c) {
			continue
		}
		v, err := p.Integer(c, strictyaml.Join(base, key))
		if err != nil {
			return fe, err
		}
		if v < 0 || v > 1<<31 {
			return fe, p.ErrAt(c, strictyaml.Join(base, key), "must be a count of 0 or more, got %d", v)
		}
		count := int(v)
		if key == "appointments" {
			fe.Appointments = &count
		} else {
			fe.CalcomBookings = &count
		}
	}
	vs := m["violations"]
	if strictyaml.IsNull(vs) {
		return fe, nil
	}
	items, err := p.Sequence(vs, strictyaml.Join(base, "violations"))
	if err != nil {
		return fe, err
	}
	fe.Violations = []string{}
	for i, item := range items {
		path := fmt.Sprintf("%s.violations[%d]", base, i)
		name, err := p.OneOf(item, path, check.Invariants()...)
		if err != nil {
			return fe, err
		}
		if slices.Contains(fe.Violations, name) {
			return fe, p.ErrAt(item, path, "invariant %q listed twice", name)
		}
		fe.Violations = append(fe.Violations, name)
	}
	return fe, nil
}
