package reports

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/load"
	"github.com/bookingharness/bookingharness/sim/replay"
)

func demoReplay(file string, p core.Policy, layers core.Layers, expectations string, violated []string, failures ...string) *replay.Result {
	return &replay.Result{File: file, Name: strings.TrimSuffix(filepath.Base(file), ".yaml"), Description: "what " + file + " shows",
		Policy: string(p), Layers: p.Effective(layers).String(), Expectations: expectations,
		Final: replay.Final{Violated: violated}, Failures: failures}
}

func demoLoadResult(ok bool, counts map[string]int, illegal int) *load.Result {
	return &load.Result{Attempts: 100, Throughput: 250, OK: ok,
		Outcomes:        map[string]int{"booked": 20, "already_booked": 0, "slot_taken": 70, "error": 10, "unknown": 0},
		DecidingLayers:  map[string]int{"call_id": 40, "calcom": 40, "none": 20},
		OutcomesByLayer: map[string]map[string]int{"call_id": {"slot_taken": 40}, "calcom": {"slot_taken": 30, "error": 10}, "none": {"booked": 20}},
		Latency:         load.Latency{P50: 2000, P90: 5000, P99: 12000, Max: 30000},
		FaultsFired:     []load.FaultFired{{Kind: "reset_after_commit", Rate: 0.05, Fired: 5}},
		Violations:      load.Violations{Counts: counts}, Linearizability: load.Linearizability{Illegal: illegal}}
}

func TestNewDemoJudgesEachPolicy(t *testing.T) {
	all, none := core.All(), core.Layers(0)
	clean := demoLoadResult(true, map[string]int{}, 0)
	for _, tc := range []struct {
		name        string
		in          DemoInput
		ok          bool
		asserted    int
		asExpected  int
		verdictHas  string
		violationOf string // an invariant that must be listed
	}{
		{"hardened clean", DemoInput{Policy: core.PolicyHardened, Load: clean,
			Replays: []*replay.Result{demoReplay("a.yaml", core.PolicyHardened, all, replay.ExpectFile, nil)}},
			true, 1, 1, "held every invariant in all 1 incidents", ""},
		{"hardened violating with every layer", DemoInput{Policy: core.PolicyHardened, Load: clean,
			Replays: []*replay.Result{demoReplay("a.yaml", core.PolicyHardened, all, replay.ExpectInvariants, []string{check.OrphanBooking})}},
			false, 1, 1, "1 incident(s) with every layer violated", check.OrphanBooking},
		{"hardened violating only with layers off", DemoInput{Policy: core.PolicyHardened, Load: clean,
			Replays: []*replay.Result{demoReplay("no-layers.yaml", core.PolicyHardened, none, replay.ExpectNone, []string{check.DuplicateBookingID})}},
			true, 0, 0, "held every invariant", check.DuplicateBookingID},
		{"hardened violating under load", DemoInput{Policy: core.PolicyHardened,
			Load: &load.Result{OK: false, UnexpectedViolations: []string{check.OrphanBooking}, Violations: load.Violations{Counts: map[string]int{check.OrphanBooking: 1}}}},
			false, 0, 0, "the load violated orphan_booking", check.OrphanBooking},
		{"seed with its known weaknesses", DemoInput{Policy: core.PolicySeed, Load: demoLoadResult(true, map[string]int{check.OrphanBooking: 3}, 2),
			Replays: []*replay.Result{
				demoReplay("a.yaml", core.PolicySeed, all, replay.ExpectFile, []string{check.UntruthfulOutcome}),
				demoReplay("b.yaml", core.PolicySeed, all, replay.ExpectNone, nil),
			}},
			true, 1, 1, "known weaknesses with every layer on: untruthful_outcome, orphan_booking, non_linearizable_slot", check.UntruthfulOutcome},
		{"seed with a failed expectation", DemoInput{Policy: core.PolicySeed, Load: clean,
			Replays: []*replay.Result{demoReplay("a.yaml", core.PolicySeed, all, replay.ExpectFile, nil, "step 2: want slot_taken, got booked")}},
			false, 1, 0, "expectations failed in a", ""},
		{"seed whose load showed nothing", DemoInput{Policy: core.PolicySeed, Load: clean},
			true, 0, 0, "the load showed none of them", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDemo(time.Now(), "test", DemoLoadSettings{}, []DemoInput{tc.in})
			p := d.Policies[0]
			if p.OK != tc.ok || d.OK != tc.ok {
				t.Errorf("OK = %v (demo %v), want %v; verdict %q", p.OK, d.OK, tc.ok, p.Verdict)
			}
			if p.Asserted != tc.asserted || p.AsExpected != tc.asExpected {
				t.Errorf("as expected %d/%d, want %d/%d", p.AsExpected, p.Asserted, tc.asExpected, tc.asserted)
			}
			if !strings.Contains(p.Verdict, tc.verdictHas) {
				t.Errorf("verdict %q lacks %q", p.Verdict, tc.verdictHas)
			}
			if tc.violationOf != "" {
				found := false
				for _, v := range p.Violations {
					found = found || v.Invariant == tc.violationOf
				}
				if !found {
					t.Errorf("violations %+v lack %s", p.Violations, tc.violationOf)
				}
			}
		})
	}
}

// demoFixture is a demo as `bookingharness demo` produces it: both policies, an incident
// that only seed violates, one that only runs (unasserted) under hardened, and both loads.
func demoFixture() Demo {
	all := core.All()
	return NewDemo(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), "embedded — test server", DemoLoadSettings{Description: "100 calls on 20 slots", Why: "because"},
		[]DemoInput{
			{Policy: core.PolicySeed, Load: demoLoadResult(true, map[string]int{check.OrphanBooking: 3, check.UntruthfulOutcome: 2}, 4),
				Replays: []*replay.Result{
					demoReplay("scenarios/incidents/lost-response-retry.yaml", core.PolicySeed, all, replay.ExpectFile, []string{check.OrphanBooking}),
					demoReplay("scenarios/incidents/call-766-hardened.yaml", core.PolicySeed, all, replay.ExpectNone, nil),
				},
				Timelines: map[string]string{"scenarios/incidents/lost-response-retry.yaml": "replays/seed/lost-response-retry.txt"},
				LoadLinks: DemoLoadLinks{HTML: "load-seed.html", JSON: "load-seed.json", Timeline: "load-seed-timeline.html"}},
			{Policy: core.PolicyHardened, Load: demoLoadResult(true, map[string]int{}, 0),
				Replays: []*replay.Result{
					demoReplay("scenarios/incidents/lost-response-retry.yaml", core.PolicyHardened, all, replay.ExpectByPolicy+".hardened", nil),
					demoReplay("scenarios/incidents/call-766-hardened.yaml", core.PolicyHardened, all, replay.ExpectFile, nil),
				},
				Timelines: map[string]string{"scenarios/incidents/call-766-hardened.yaml": "replays/hardened/call-766-hardened.txt"},
				LoadLinks: DemoLoadLinks{HTML: "load-hardened.html", JSON: "load-hardened.json", Timeline: "load-hardened-timeline.html"}},
		})
}

func TestDemoPageShowsVerdictsIncidentsAndLoads(t *testing.T) {
	page, err := RenderDemoHTML(demoFixture())
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	for _, want := range []string{
		`id="verdict-seed"`, `id="verdict-hardened"`, "as expected", "known weaknesses with every layer on: untruthful_outcome, orphan_booking",
		`id="incident-table"`, "lost-response-retry", `href="replays/seed/lost-response-retry.txt"`, `href="replays/hardened/call-766-hardened.txt"`,
		"100 calls on 20 slots", `href="load-seed.html"`, `href="load-hardened-timeline.html"`, `href="load-seed.json"`,
		`data-chart="load-outcomes-seed"`, `data-chart="load-outcomes-hardened"`, `data-chart="load-latency-seed"`, `data-chart="load-violations-hardened"`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if n := strings.Count(html, `<svg class="chart"`); n != 6 {
		t.Errorf("page has %d charts, want 3 per policy", n)
	}
}

// The demo page loads in headless Chromium with every chart drawn and a silent console,
// like the gate's page (TestPageInBrowser).
func TestDemoPageInBrowser(t *testing.T) {
	bin := chromium()
	if bin == "" {
		t.Skip("skipped: chromium not installed (apt-get install chromium) — the demo page was not checked in a browser")
	}
	page, err := RenderDemoHTML(demoFixture())
	if err != nil {
		t.Fatal(err)
	}
	pages := []string{filepath.Join(t.TempDir(), "index.html")}
	if err := os.WriteFile(pages[0], page, 0o644); err != nil {
		t.Fatal(err)
	}
	if p := os.Getenv(EnvDemoPage); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, abs)
	}
	for _, p := range pages {
		t.Run(filepath.Base(filepath.Dir(p)), func(t *testing.T) { checkInBrowser(t, bin, p) })
	}
}

// EnvDemoPage names a demo page `bookingharness demo` wrote, to check in the browser as well
// as the fixture (make demo-browser-check sets it).
const EnvDemoPage = "HARNESS_DEMO_PAGE"
