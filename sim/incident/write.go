package incident

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/bookingharness/bookingharness/sim/fault"
)

// Annotations are what a written file may carry beyond the Incident Parse returns: comment
// lines and x- extension keys. Parse ignores both, so they never change what runs; they
// are how a generated file (sim/shrink) says where it came from.
type Annotations struct {
	// Header is written as comment lines at the top of the file, one per element.
	Header []string
	// StepComments[i] is written as a comment line above steps[i].
	StepComments map[int]string
	// Extensions are top-level keys written after everything else, in order. Every key must
	// start with ExtensionPrefix; values are encoded by yaml.v3 (maps with sorted keys).
	Extensions []Extension
}

// Extension is one top-level x- key of a written file.
type Extension struct {
	Key   string
	Value any
}

// Marshal renders inc as an incident file that Parse reads back to an equal Incident (equal
// up to File and the line and column fields, which describe a file's layout). The output is
// deterministic — one Incident, one byte sequence — so generated files diff cleanly and a
// file's bytes can key a cache. Keys come in the order of the format's tables (Format); fields holding their
// zero value are left out (the parser's defaults give them back); booking requests, event
// types, faults and expectations use flow style, as the catalogue's hand-written files do.
// ann may be nil. Marshal parses its own output before returning it, so it never returns a
// file that `bookingharness replay` would refuse as invalid: an Incident the parser could
// not have produced (a step with two kinds, an unknown fault kind) is an error.
func Marshal(inc *Incident, ann *Annotations) ([]byte, error) {
	if ann == nil {
		ann = &Annotations{}
	}
	root, err := document(inc, ann)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, fmt.Errorf("incident: write %s: %w", inc.Name, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("incident: write %s: %w", inc.Name, err)
	}
	name := inc.File
	if name == "" {
		name = inc.Name + ".yaml"
	}
	if _, err := Parse(name, buf.Bytes()); err != nil {
		return nil, fmt.Errorf("incident: the written file would not parse: %w", err)
	}
	return buf.Bytes(), nil
}

// Write writes Marshal's output to w.
func Write(w io.Writer, inc *Incident, ann *Annotations) error {
	data, err := Marshal(inc, ann)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// document builds the file's node tree.
func document(inc *Incident, ann *Annotations) (*yaml.Node, error) {
	root := mapping(false)
	if len(ann.Header) > 0 {
		root.HeadComment = strings.Join(ann.Header, "\n")
	}
	put(root, "name", str(inc.Name))
	if inc.Description != "" {
		put(root, "description", str(inc.Description))
	}
	put(root, "policy", plain(inc.Policy))
	layers, err := layersNode(inc)
	if err != nil {
		return nil, err
	}
	put(root, "layers", layers)
	clk := mapping(false)
	put(clk, "start", timestamp(inc.Clock.Start))
	if inc.Clock.AppSkew != 0 {
		put(clk, "app_skew", duration(inc.Clock.AppSkew))
	}
	put(root, "clock", clk)
	if c := calcomNode(inc.Calcom); len(c.Content) > 0 {
		put(root, "calcom", c)
	}
	if len(inc.Steps) > 0 {
		steps := &yaml.Node{Kind: yaml.SequenceNode}
		for i, st := range inc.Steps {
			n, err := stepNode(st)
			if err != nil {
				return nil, fmt.Errorf("incident: write steps[%d]: %w", i, err)
			}
			n.HeadComment = ann.StepComments[i]
			steps.Content = append(steps.Content, n)
		}
		put(root, "steps", steps)
	}
	if fe := finalExpectNode(inc.Expect, false); len(fe.Content) > 0 {
		put(root, "expect", fe)
	}
	if len(inc.ExpectByPolicy) > 0 {
		byPolicy := mapping(false)
		for _, p := range slices.Sorted(maps.Keys(inc.ExpectByPolicy)) {
			put(byPolicy, p, finalExpectNode(inc.ExpectByPolicy[p], true))
		}
		put(root, "expect_by_policy", byPolicy)
	}
	for _, x := range ann.Extensions {
		if !strings.HasPrefix(x.Key, ExtensionPrefix) {
			return nil, fmt.Errorf("incident: write: extension key %q must start with %q", x.Key, ExtensionPrefix)
		}
		var v yaml.Node
		if err := v.Encode(x.Value); err != nil {
			return nil, fmt.Errorf("incident: write %s: %w", x.Key, err)
		}
		put(root, x.Key, &v)
	}
	return root, nil
}

func layersNode(inc *Incident) (*yaml.Node, error) {
	switch inc.LayersSpec {
	case "", "all":
		return plain("all"), nil
	case "none":
		return plain("none"), nil
	case "list":
		return strList(inc.Layers), nil
	}
	return nil, fmt.Errorf("incident: write: unknown layers form %q (want all, none or list)", inc.LayersSpec)
}

func calcomNode(c Calcom) *yaml.Node {
	n := mapping(false)
	if c.Latency != 0 {
		put(n, "latency", duration(c.Latency))
	}
	if c.ForceReplay {
		put(n, "force_replay", plain("true"))
	}
	if c.ConflictAnswer != "" {
		put(n, "conflict_answer", plain(c.ConflictAnswer))
	}
	if c.CheckInsertGap != 0 {
		put(n, "check_insert_gap", duration(c.CheckInsertGap))
	}
	if h := c.Hold; h != nil {
		hn := mapping(true)
		put(hn, "creates_per_slot", integer(int64(h.CreatesPerSlot)))
		put(hn, "max", duration(h.Max))
		put(n, "hold", hn)
	}
	if w := c.Webhooks; w != nil {
		wn := mapping(true)
		put(wn, "delivery", plain(w.Delivery))
		if w.Secret != "" {
			put(wn, "secret", str(w.Secret))
		}
		if w.URL != "" {
			put(wn, "url", str(w.URL))
		}
		put(n, "webhooks", wn)
	}
	if len(c.EventTypes) > 0 {
		ets := &yaml.Node{Kind: yaml.SequenceNode}
		for _, et := range c.EventTypes {
			ets.Content = append(ets.Content, eventTypeNode(et))
		}
		put(n, "event_types", ets)
	}
	return n
}

func eventTypeNode(et EventType) *yaml.Node {
	n := mapping(true)
	put(n, "id", integer(et.ID))
	put(n, "kind", plain(et.Kind))
	put(n, "length", integer(int64(et.Length)))
	if len(et.Hosts) > 1 || len(et.HostWeights) > 0 {
		hosts := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for i, h := range et.Hosts {
			if i >= len(et.HostWeights) || i >= len(et.HostPriorities) {
				hosts.Content = append(hosts.Content, integer(h))
				continue
			}
			hn := mapping(true)
			put(hn, "id", integer(h))
			put(hn, "weight", integer(int64(et.HostWeights[i])))
			put(hn, "priority", integer(int64(et.HostPriorities[i])))
			hosts.Content = append(hosts.Content, hn)
		}
		put(n, "hosts", hosts)
	} else {
		put(n, "host", integer(et.Host))
	}
	if et.Seats > 0 {
		put(n, "seats", integer(int64(et.Seats)))
	}
	if et.BlockSlot != nil {
		put(n, "block_slot", plain(strconv.FormatBool(*et.BlockSlot)))
	}
	for _, o := range []struct {
		key string
		on  bool
	}{{"seats_show_attendees", et.SeatsShowAttendees}, {"weights_enabled", et.WeightsEnabled}, {"reschedule_with_same_host", et.RescheduleWithSameHost}} {
		if o.on {
			put(n, o.key, plain("true"))
		}
	}
	return n
}

func stepNode(st Step) (*yaml.Node, error) {
	n := mapping(false)
	put(n, "at", duration(st.At))
	kinds := 0
	if st.Book != nil {
		kinds++
		if err := bookInto(n, *st.Book); err != nil {
			return nil, err
		}
	}
	if st.Cancel != nil {
		kinds++
		c := mapping(true)
		put(c, "call", str(st.Cancel.Call))
		put(n, "cancel", c)
		webhookFaultInto(n, st.Cancel.WebhookFault)
	}
	if st.Concurrent != nil {
		kinds++
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for _, b := range st.Concurrent {
			e := mapping(false)
			if err := bookInto(e, b); err != nil {
				return nil, err
			}
			seq.Content = append(seq.Content, e)
		}
		put(n, "concurrent", seq)
	}
	if st.Host != nil {
		kinds++
		h, err := hostNode(*st.Host)
		if err != nil {
			return nil, err
		}
		put(n, "host", h)
		webhookFaultInto(n, st.Host.WebhookFault)
	}
	if kinds != 1 {
		return nil, fmt.Errorf("a step needs exactly one of book, cancel, concurrent or host (has %d)", kinds)
	}
	return n, nil
}

func hostNode(h HostAction) (*yaml.Node, error) {
	n := mapping(true)
	switch h.Action {
	case HostCancel, HostConfirm, HostDecline:
		put(n, h.Action, str(h.Call))
	case HostReschedule:
		r := mapping(true)
		put(r, "call", str(h.Call))
		put(r, "to", timestamp(h.To))
		if h.By != "" {
			put(r, "by", str(h.By))
		}
		put(n, h.Action, r)
	default:
		return nil, fmt.Errorf("unknown host action %q", h.Action)
	}
	return n, nil
}

// bookInto writes a booking attempt's keys (a book step or a concurrent entry) into n.
func bookInto(n *yaml.Node, b Book) error {
	put(n, "call", str(b.Call))
	bk := mapping(true)
	put(bk, "event_type", integer(b.EventType))
	put(bk, "start", timestamp(b.Start))
	att := mapping(true)
	put(att, "name", str(b.Attendee.Name))
	put(att, "email", str(b.Attendee.Email))
	if b.Attendee.Phone != "" {
		put(att, "phone", str(b.Attendee.Phone))
	}
	if b.Attendee.TimeZone != "" {
		put(att, "time_zone", str(b.Attendee.TimeZone))
	}
	put(bk, "attendee", att)
	put(n, "book", bk)
	switch len(b.Faults) {
	case 0:
	case 1:
		f, err := faultNode(b.Faults[0])
		if err != nil {
			return err
		}
		put(n, "fault", f)
	default:
		seq := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, f := range b.Faults {
			fn, err := faultNode(f)
			if err != nil {
				return err
			}
			seq.Content = append(seq.Content, fn)
		}
		put(n, "fault", seq)
	}
	webhookFaultInto(n, b.WebhookFault)
	if f := b.DBFault; f != nil {
		d := mapping(true)
		ks, _ := fault.ShapeOf(fault.DB, f.Kind)
		put(d, f.Kind, valueNode(ks.Shape, f.Phase, 0, f.Duration))
		put(n, "db_fault", d)
	}
	if b.Crash != "" {
		put(n, "crash", plain(b.Crash))
	}
	if b.Expect != nil {
		put(n, "expect", expectNode(*b.Expect))
	}
	if len(b.ExpectByPolicy) > 0 {
		byPolicy := mapping(false)
		for _, p := range slices.Sorted(maps.Keys(b.ExpectByPolicy)) {
			if e := b.ExpectByPolicy[p]; e != nil {
				put(byPolicy, p, expectNode(*e))
			}
		}
		put(n, "expect_by_policy", byPolicy)
	}
	return nil
}

func faultNode(f Fault) (*yaml.Node, error) {
	ks, ok := fault.ShapeOf(fault.Calcom, f.Kind)
	if !ok {
		return nil, fmt.Errorf("unknown fault kind %q", f.Kind)
	}
	n := mapping(true)
	if f.On != "" && f.On != OnCreate {
		put(n, "on", plain(f.On))
	}
	word := f.Phase
	if ks.Shape == fault.ShapeField {
		word = f.Field
	}
	put(n, f.Kind, valueNode(ks.Shape, word, f.Status, f.Delay))
	return n, nil
}

// valueNode writes a fault key's value by its shape in the fault catalogue.
func valueNode(shape fault.Shape, word string, status int, d time.Duration) *yaml.Node {
	switch shape {
	case fault.ShapeTrue:
		return plain("true")
	case fault.ShapeStatus:
		return integer(int64(status))
	case fault.ShapeDuration:
		return duration(d)
	case fault.ShapeField:
		return str(word)
	}
	return plain(word)
}

// webhookFaultInto writes a step's webhook_fault, if any, into n.
func webhookFaultInto(n *yaml.Node, w *WebhookFault) {
	if w == nil {
		return
	}
	wn := mapping(true)
	for _, k := range w.Keys() {
		ks, _ := fault.ShapeOf(fault.Webhook, k)
		put(wn, k, valueNode(ks.Shape, "", w.SubscriberStatus, w.Delay))
	}
	put(n, "webhook_fault", wn)
}

func expectNode(e Expect) *yaml.Node {
	n := mapping(true)
	put(n, "outcome", plain(e.Outcome))
	if e.Layer != "" {
		put(n, "layer", plain(e.Layer))
	}
	return n
}

// finalExpectNode renders a final expectation; flow is the style for expect_by_policy's
// entries.
func finalExpectNode(fe FinalExpect, flow bool) *yaml.Node {
	n := mapping(flow)
	if fe.Appointments != nil {
		put(n, "appointments", integer(int64(*fe.Appointments)))
	}
	if fe.CalcomBookings != nil {
		put(n, "calcom_bookings", integer(int64(*fe.CalcomBookings)))
	}
	if fe.Violations != nil {
		put(n, "violations", strList(fe.Violations))
	}
	return n
}

// Node constructors. Text that may need quoting is tagged !!str, so the encoder quotes it
// whenever its plain form would read back as something else (null, true, 0123, a time);
// the other scalars are written plain.

func mapping(flow bool) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	if flow {
		n.Style = yaml.FlowStyle
	}
	return n
}

func put(m *yaml.Node, key string, v *yaml.Node) {
	m.Content = append(m.Content, plain(key), v)
}

func plain(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v} }

func str(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v} }

func integer(v int64) *yaml.Node { return plain(strconv.FormatInt(v, 10)) }

func timestamp(t time.Time) *yaml.Node { return plain(t.UTC().Format(time.RFC3339Nano)) }

func strList(vs []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, v := range vs {
		n.Content = append(n.Content, str(v))
	}
	return n
}

// duration writes Go syntax without trailing zero units: 35m, 1h30m, 12s, 1.5s, 0s.
func duration(d time.Duration) *yaml.Node {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return plain(s)
}
