package evidence

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/history"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestCollectorCountsConcurrentDecisionsAndForwards(t *testing.T) {
	var forwarded sync.WaitGroup
	var mu sync.Mutex
	seen := 0
	forwarded.Add(200)
	c := NewCollector(core.ObserverFunc(func(context.Context, string, core.Decision) {
		mu.Lock()
		seen++
		mu.Unlock()
		forwarded.Done()
	}))
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.LayerDecided(context.Background(), "call", core.Decision{Layer: core.LayerUnique, Verdict: core.Accept})
			v := core.Accept
			if i%4 == 0 {
				v = core.Reject
			}
			c.LayerDecided(context.Background(), "call", core.Decision{Layer: core.LayerFreshness, Verdict: v})
		}()
	}
	wg.Wait()
	forwarded.Wait()
	want := []Decision{
		{Layer: "freshness", Verdict: "accept", Count: 75},
		{Layer: "freshness", Verdict: "reject", Count: 25},
		{Layer: "unique", Verdict: "accept", Count: 100},
	}
	if got := c.Decisions(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Decisions() = %+v, want %+v", got, want)
	}
	if seen != 200 {
		t.Fatalf("forwarded %d decisions, want 200", seen)
	}
}

func TestBuild(t *testing.T) {
	var c Collector
	c.LayerDecided(context.Background(), "a", core.Decision{Layer: core.LayerDBCheck, Verdict: core.Reject})
	rep := check.Report{Violations: []check.Violation{{Invariant: check.UntruthfulOutcome}, {Invariant: check.DuplicateBookingID}}}
	ops := []history.Operation{
		{Kind: history.KindBook, Outcome: "booked"},
		{Kind: history.KindBook, Outcome: "booked"},
		{Kind: history.KindBook, Pending: true},
		{Kind: history.KindCancel, Outcome: "cancelled"},
	}
	e := Build("spec", core.PolicySeed, core.All().Without(core.LayerUnique), []core.Layer{core.LayerUnique}, &c, rep, ops)
	if e.Layers != "freshness,call_id,db_check,slot_exclusion" || !reflect.DeepEqual(e.LayersOff, []string{"unique"}) {
		t.Fatalf("layers = %q off %v", e.Layers, e.LayersOff)
	}
	if !reflect.DeepEqual(e.Violations, []string{"duplicate_booking_id", "untruthful_outcome"}) {
		t.Fatalf("violations = %v", e.Violations)
	}
	if !reflect.DeepEqual(e.Outcomes, map[string]int{"booked": 2}) {
		t.Fatalf("outcomes = %v", e.Outcomes)
	}
	if e.Count("db_check", "reject") != 1 || e.Count("db_check", "") != 1 || e.Count("unique", "") != 0 {
		t.Fatalf("counts wrong: %+v", e.Decisions)
	}
	e.ExpectedViolations = []string{"untruthful_outcome"}
	if got := e.Unexpected(); !reflect.DeepEqual(got, []string{"duplicate_booking_id"}) {
		t.Fatalf("Unexpected() = %v", got)
	}
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
}

// A report the checker refused to judge is a check error in the evidence, never a clean
// world.
func TestBuildUnjudgedIsACheckError(t *testing.T) {
	rep := check.Check(nil, check.State{})
	e := Build("spec", core.PolicyHardened, core.All(), nil, nil, rep, nil)
	if !strings.Contains(e.CheckError, "assumptions not met: the history is empty") || len(e.Violations) != 0 {
		t.Fatalf("entry = %+v", e)
	}
	if e := Build("spec", core.PolicyHardened, core.All(), nil, nil, check.Report{}, nil); e.CheckError != "" {
		t.Fatalf("a judged report is no check error: %q", e.CheckError)
	}
}

func TestBuildEmptyHasNonNilSlices(t *testing.T) {
	e := Build("spec", core.PolicyHardened, core.All(), nil, nil, check.Report{}, nil)
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"violations":[]`) || !strings.Contains(string(b), `"decisions":[]`) {
		t.Fatalf("empty lists must encode as [], got %s", b)
	}
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name, json, wantErr string
	}{
		{"ok", `{"scenario":"s","policy":"seed","layers":"all","decisions":[{"layer":"freshness","verdict":"reject","count":1}],"violations":["orphan_booking"]}`, ""},
		{"not json", `{`, "decode entry"},
		{"no scenario", `{"policy":"seed","layers":"all"}`, "without a scenario"},
		{"bad policy", `{"scenario":"s","policy":"lax","layers":"all"}`, `policy "lax"`},
		{"empty policy", `{"scenario":"s","layers":"all"}`, `policy ""`},
		{"bad layers", `{"scenario":"s","policy":"seed","layers":"fresh"}`, `unknown layer "fresh"`},
		{"bad off", `{"scenario":"s","policy":"seed","layers":"all","layers_off":["x"]}`, `layers_off`},
		{"bad decision layer", `{"scenario":"s","policy":"seed","layers":"all","decisions":[{"layer":"x","verdict":"accept","count":1}]}`, `unknown layer "x"`},
		{"negative", `{"scenario":"s","policy":"seed","layers":"all","decisions":[{"layer":"unique","verdict":"accept","count":-1}]}`, "negative"},
		{"bad invariant", `{"scenario":"s","policy":"seed","layers":"all","violations":["dupe"]}`, `unknown invariant "dupe"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.json))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseLayersOff(t *testing.T) {
	tests := []struct {
		in      string
		want    []core.Layer
		wantErr bool
	}{
		{"", nil, false},
		{"  ", nil, false},
		{"db_check", []core.Layer{core.LayerDBCheck}, false},
		{"unique, freshness", []core.Layer{core.LayerFreshness, core.LayerUnique}, false},
		{"uniq", nil, true},
	}
	for _, tt := range tests {
		got, err := ParseLayersOff(tt.in)
		if (err != nil) != tt.wantErr || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseLayersOff(%q) = %v, %v; want %v, err %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), EnvLayersOff) {
			t.Errorf("error %v does not name %s", err, EnvLayersOff)
		}
	}
	if got := WithoutLayers(core.All(), []core.Layer{core.LayerUnique, core.LayerDBCheck}); got.Has(core.LayerUnique) || got.Has(core.LayerDBCheck) || !got.Has(core.LayerFreshness) {
		t.Fatalf("WithoutLayers = %v", got)
	}
}
