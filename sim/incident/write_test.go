package incident

import (
	"bytes"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// withoutPositions returns a copy of inc with File and every line and column zeroed: what
// describes a file's layout rather than what it says.
func withoutPositions(inc *Incident) *Incident {
	c := *inc
	c.File = ""
	c.Calcom.EventTypes = append([]EventType(nil), inc.Calcom.EventTypes...)
	for i := range c.Calcom.EventTypes {
		c.Calcom.EventTypes[i].Line = 0
	}
	if w := inc.Calcom.Webhooks; w != nil {
		wc := *w
		wc.Line = 0
		c.Calcom.Webhooks = &wc
	}
	c.Steps = nil
	for _, st := range inc.Steps {
		st.Line = 0
		if st.Book != nil {
			b := *st.Book
			b.Line = 0
			st.Book = &b
		}
		if st.Cancel != nil {
			x := *st.Cancel
			x.Line = 0
			st.Cancel = &x
		}
		if st.Host != nil {
			h := *st.Host
			h.Line = 0
			st.Host = &h
		}
		if st.Concurrent != nil {
			st.Concurrent = append([]Book(nil), st.Concurrent...)
			for i := range st.Concurrent {
				st.Concurrent[i].Line = 0
			}
		}
		c.Steps = append(c.Steps, st)
	}
	c.RoundTwo = nil
	for _, u := range inc.RoundTwo {
		c.RoundTwo = append(c.RoundTwo, Use{Feature: u.Feature, Field: u.Field})
	}
	// The uses are listed in file order, which is layout too: order them by field.
	slices.SortFunc(c.RoundTwo, func(a, b Use) int { return strings.Compare(a.Field, b.Field) })
	return &c
}

// Every file the project holds — the parser's testdata, round two's every form, the whole
// catalogue — is written back to a file that parses to the same Incident, and writing that
// again gives the same bytes.
func TestMarshalRoundTrip(t *testing.T) {
	files, err := filepath.Glob("../../scenarios/incidents/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, "testdata/call-687-688.yaml", "testdata/round-two.yaml")
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			in, err := Load(file)
			if err != nil {
				t.Fatal(err)
			}
			data, err := Marshal(in, nil)
			if err != nil {
				t.Fatal(err)
			}
			out, err := Parse(file, data)
			if err != nil {
				t.Fatalf("written file does not parse: %v\n%s", err, data)
			}
			if got, want := withoutPositions(out), withoutPositions(in); !reflect.DeepEqual(got, want) {
				t.Fatalf("round trip changed the incident:\n got %#v\nwant %#v\nfile:\n%s", got, want, data)
			}
			again, err := Marshal(out, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again, data) {
				t.Fatalf("not deterministic:\n%s\n---\n%s", data, again)
			}
		})
	}
}

// Text the YAML reader would take for something else (null, a number, a boolean, a time, a
// comment, a multi-line description) is quoted or blocked so it reads back as written.
func TestMarshalQuotesAwkwardText(t *testing.T) {
	start := time.Date(2025, 10, 6, 9, 4, 27, 500_000_000, time.UTC)
	one := 1
	inc := &Incident{
		Name: "null", Description: "line one: with a colon\n# not a comment\n  indented 'quotes' and \"doubles\"",
		Policy: PolicySeed, LayersSpec: "list", Layers: []string{LayerFreshness, LayerUnique},
		Clock:  Clock{Start: start, AppSkew: -27 * time.Second},
		Calcom: Calcom{Latency: 5 * time.Second, ForceReplay: true, EventTypes: []EventType{{ID: 7, Kind: KindStandard, Length: 30, Host: 1, Hosts: []int64{1}}}},
		Steps: []Step{
			{At: 0, Book: &Book{Call: "0123", EventType: 7, Start: start.Add(48 * time.Hour),
				Attendee: Attendee{Name: "true", Email: "", Phone: "+49 30 1234", TimeZone: "2025-10-06"},
				Faults:   []Fault{{On: OnCreate, Kind: FaultDelay, Delay: 1500 * time.Millisecond}},
				Expect:   &Expect{Outcome: "booked"}}},
			{At: 90 * time.Minute, Cancel: &Cancel{Call: "0123"}},
		},
		Expect: FinalExpect{Appointments: &one, Violations: []string{}},
	}
	data, err := Marshal(inc, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Parse("awkward.yaml", data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if got, want := withoutPositions(out), withoutPositions(inc); !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip:\n got %#v\nwant %#v\nfile:\n%s", got, want, data)
	}
	for _, s := range []string{"at: 1h30m\n", "delay: 1.5s", "app_skew: -27s", "start: 2025-10-06T09:04:27.5Z"} {
		if !strings.Contains(string(data), s) {
			t.Errorf("file lacks %q:\n%s", s, data)
		}
	}
}

// Comments and x- keys are written, and Parse ignores them: they say where a file came from
// without changing what runs.
func TestMarshalAnnotations(t *testing.T) {
	in, err := Load("testdata/call-687-688.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ann := &Annotations{
		Header:       []string{"Shrunk from a load run.", "Replay: bookingharness replay FILE"},
		StepComments: map[int]string{1: "the second caller"},
		Extensions:   []Extension{{Key: "x-shrunk-from", Value: map[string]any{"seed": 7, "calls": []string{"call_a"}}}},
	}
	data, err := Marshal(in, ann)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, s := range []string{"# Shrunk from a load run.\n# Replay: bookingharness replay FILE\n", "# the second caller\n", "x-shrunk-from:\n", "seed: 7"} {
		if !strings.Contains(text, s) {
			t.Errorf("file lacks %q:\n%s", s, text)
		}
	}
	out, err := Parse(in.File, data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(withoutPositions(out), withoutPositions(in)) {
		t.Fatalf("annotations changed the incident:\n%s", text)
	}
}

// An Incident the parser could not have produced is refused, not written.
func TestMarshalRefusesInvalid(t *testing.T) {
	in, err := Load("testdata/call-687-688.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		edit func(inc *Incident, ann *Annotations)
		want string
	}{
		{"two kinds", func(inc *Incident, _ *Annotations) { inc.Steps[0].Cancel = &Cancel{Call: "x"} }, "exactly one of"},
		{"unknown fault", func(inc *Incident, _ *Annotations) { inc.Steps[0].Book.Faults = []Fault{{Kind: "explode"}} }, `unknown fault kind "explode"`},
		{"extension key", func(_ *Incident, ann *Annotations) { ann.Extensions = []Extension{{Key: "note", Value: 1}} }, `must start with "x-"`},
		{"undeclared event type", func(inc *Incident, _ *Annotations) { inc.Calcom.EventTypes = nil }, "would not parse"},
		{"steps out of order", func(inc *Incident, _ *Annotations) { inc.Steps[0].At = time.Hour }, "would not parse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc := withoutPositions(in)
			inc.Steps = append([]Step(nil), inc.Steps...)
			b := *inc.Steps[0].Book
			inc.Steps[0].Book = &b
			ann := &Annotations{}
			tt.edit(inc, ann)
			_, err := Marshal(inc, ann)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
