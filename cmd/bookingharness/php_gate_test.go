package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The PHP seed service shows, black-box, what the seed is known for where real services
// break most — a phantom after the host cancels in Cal.com (its webhook receiver answers
// and acts on nothing, as the shipped one) and an orphan after its process dies right after
// Cal.com's 201 (the harness kills and restarts its process group; it claimed nothing, so
// nothing recovers) — and answers both files as the Go seed does: the gate, judging it as
// seed with --require-agreement, passes. unique-index-last-line is there so that a layer
// decides (the gate demands the layer matrices of a service that reports layers).
func TestPHPSeedPhantomAndOrphanAgreeWithGoSeed(t *testing.T) {
	requirePHP(t)
	dsn := serviceTestEnv(t)
	catalogue := catalogueOf(t, "host-cancel", "crash-after-calcom", "unique-index-last-line")
	out, _ := expectRun(t, []string{"gate", "--sut", phpSUT, "--pg-dsn", dsn, "--incidents", catalogue, "--out", t.TempDir(),
		"--policy", "seed", "--require-agreement", "--no-reproduce", "--layers", "unique", "--load-calls", "32", "--load-concurrency", "8"}, 0,
		[]string{
			"PASS     host-cancel: booked · cancelled ⇒ phantom_appointment",
			"PASS     crash-after-calcom: restarted, unknown · slot_taken (calcom) ⇒ orphan_booking",
			"Go seed vs php-seed-service: 3 of 3 files answered alike",
			"gate: PASS",
		}, nil)
	// Not asked for (--no-reproduce) and not in the catalogue, the reproduction prints no
	// "reproduced false" line.
	if strings.Contains(out, "Call 687/688 with no layers") {
		t.Errorf("--no-reproduce without the file still prints a reproduction line:\n%s", out)
	}
}

// catalogueOf is a directory holding a copy of the named catalogue files, for a gate that
// should replay only those.
func catalogueOf(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range names {
		data, err := os.ReadFile("../../scenarios/incidents/" + name + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".yaml"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
