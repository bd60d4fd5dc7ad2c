package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bookingharness/bookingharness/reports"
)

// `gate --sut` against the reference core behind the contract (serve-core): with the seed
// core judged as seed it passes — conformance, every file met, the Go seed's answers
// matched, the duplicate reproduced with no layers, each layer deciding somewhere, a clean
// load — and writes blackbox.json and blackbox.md; judged as hardened, the seed core is
// refused with the failing incidents named; --sut-only flags without --sut are refused.
func TestGateSUT(t *testing.T) {
	dsn := serviceTestEnv(t)
	catalogue := t.TempDir()
	for _, name := range []string{"call-687-688.yaml", "dropped-created-at.yaml", "dropped-metadata.yaml", "unique-index-last-line.yaml", "clock-skew-fast-app.yaml"} {
		data, err := os.ReadFile(filepath.Join("../../scenarios/incidents", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(catalogue, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := t.TempDir()
	args := []string{"gate", "--sut", serveCoreSUT, "--pg-dsn", dsn, "--incidents", catalogue, "--out", out, "--name", "serve-core",
		"--load-calls", "48", "--load-concurrency", "8", "--load-slots", "4"}

	expectRun(t, append(args, "--policy", "seed", "--require-agreement"), 0, []string{"black-box gate: serve-core", "  time mode: header\n",
		"  webhooks receiver: http://127.0.0.1:", "  database proxy: in front of the service's database", "  concurrency reached: ", "no contract violation",
		"PASS     call-687-688: booked · slot_taken (freshness) ⇒ none", "SKIPPED  clock-skew-fast-app: declared by the service (sut.yaml skip): Cal.com's latency",
		"Call 687/688 with no layers: reproduced true", "Go seed vs serve-core: 4 of 4 files answered alike", "gate: PASS"}, nil)
	bb, err := reports.ReadBlackBox(filepath.Join(out, reports.FileBlackBox))
	if err != nil {
		t.Fatal(err)
	}
	if !bb.Gate.Pass || bb.Load == nil || bb.Load.Attempts != 48 || bb.Necessity == nil || len(bb.Service.Layers) != 4 || !bb.Service.Switchable {
		t.Fatalf("blackbox.json: gate %v, load %+v, necessity %v, service %+v", bb.Gate.Pass, bb.Load, bb.Necessity != nil, bb.Service)
	}
	for _, l := range bb.Service.Layers {
		if bb.Coverage.Total("seed", l).Reject == 0 {
			t.Errorf("layer %s never decided", l)
		}
	}
	if c, _ := bb.Necessity.Cell("seed", "call_id"); c.Status != reports.NecessityNeeded {
		t.Errorf("call_id off: %+v", c)
	}
	if md, _ := os.ReadFile(filepath.Join(out, reports.FileBlackBoxSummary)); !strings.Contains(string(md), "### Go seed vs serve-core") {
		t.Errorf("blackbox.md:\n%s", md)
	}

	expectRun(t, append(args, "--policy", "hardened", "--load-calls", "0", "--knock-out=false", "--compare=false", "--no-reproduce"), 1,
		[]string{"[incidents] incident dropped-created-at"}, []string{"the black-box gate refused serve-core"})

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"gate", "--policy", "seed"}, "--policy only apply with --sut"},
		{[]string{"gate", "--sut", serveCoreSUT, "--policy", "paranoid"}, "--policy"},
		{[]string{"gate", "--sut", serveCoreSUT, "--explain", "no-equals-sign"}, "want INCIDENT=why"},
		{[]string{"gate", "--sut", serveCoreSUT, "--incidents", t.TempDir()}, "no *.yaml incident"},
	} {
		expectRun(t, tc.args, 2, nil, []string{tc.want})
	}
}
