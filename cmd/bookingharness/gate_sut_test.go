package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bookingharness/bookingharness/pgenv"
	"github.com/bookingharness/bookingharness/reports"
)

// `gate --sut` against the reference core behind the contract (serve-core): with the seed
// core judged as seed it passes — conformance, every file met, the Go seed's answers
// matched, the duplicate reproduced with no layers, each layer deciding somewhere, a clean
// load — and writes blackbox.json and blackbox.md; judged as hardened, the seed core is
// refused with the failing incidents named; --sut-only flags without --sut are refused.
func TestGateSUT(t *testing.T) {
	ctx := context.Background()
	env, err := pgenv.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close(ctx)
	dsn := env.AdminDSN()
	t.Setenv(runMainVar, "1")
	t.Setenv("GORACE", "atexit_sleep_ms=0") // the race-built service would sleep 1 s at every stop
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

	code, stdout, stderr := execute(t, append(args, "--policy", "seed", "--require-agreement")...)
	if code != 0 {
		t.Fatalf("seed core judged as seed: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"black-box gate: serve-core", "schema of every answer  PASS", "PASS     call-687-688: booked · slot_taken (freshness) ⇒ none",
		"SKIPPED  clock-skew-fast-app: calcom.latency", "Call 687/688 with no layers: reproduced true", "Go seed vs serve-core: 4 of 4 files answered alike", "gate: PASS"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
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

	code, stdout, stderr = execute(t, append(args, "--policy", "hardened", "--load-calls", "0", "--knock-out=false")...)
	if code != 1 || !strings.Contains(stdout, "[incidents] incident dropped-created-at") || !strings.Contains(stderr, "the black-box gate refused serve-core") {
		t.Errorf("seed core judged as hardened: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"gate", "--policy", "seed"}, "--policy only apply with --sut"},
		{[]string{"gate", "--sut", serveCoreSUT, "--policy", "paranoid"}, "--policy"},
		{[]string{"gate", "--sut", serveCoreSUT, "--explain", "no-equals-sign"}, "want INCIDENT=why"},
		{[]string{"gate", "--sut", serveCoreSUT, "--incidents", t.TempDir()}, "no *.yaml incident"},
	} {
		if code, _, stderr := execute(t, tc.args...); code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %s", tc.args, code, stderr)
		}
	}
}
