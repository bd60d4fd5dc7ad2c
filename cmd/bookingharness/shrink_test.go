package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// load --shrink DIR end to end: a seeded seed-policy load with resets after commit finds
// orphan_booking, prints the path of a file of at most three steps, and writes
// DIR/shrink.json; `replay FILE` exits 0 (the violation is expected) and `replay --policy
// hardened FILE` exits 0 and says "fixed by hardened".
func TestLoadShrink(t *testing.T) {
	env := pg.Env(t)
	dsn := env.AdminDSN()
	dir := filepath.Join(t.TempDir(), "found")
	code, out, msg := loadCLI(t, "--pg-dsn", dsn, "--calls", "40", "--concurrency", "4", "--slots", "40", "--seed", "11",
		"--policy", "seed", "--faults", "reset_after_commit=0.2", "--shrink", dir)
	if code != 0 || !strings.Contains(out, "orphan_booking") {
		t.Fatalf("load: exit %d\n%s\n%s", code, out, msg)
	}
	var rep struct {
		Outcomes []struct {
			Invariant, Status, File string
			Steps                   int
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "shrink.json"))
	if err != nil || json.Unmarshal(data, &rep) != nil || len(rep.Outcomes) == 0 {
		t.Fatalf("shrink.json: %v\n%s", err, data)
	}
	o := rep.Outcomes[0]
	if o.Invariant != "orphan_booking" || o.Status != "reproduced" || o.Steps > 3 || !strings.Contains(out, "→ "+o.File+" (") {
		t.Fatalf("first outcome %+v; output:\n%s", o, out)
	}
	code, out, msg = execute(t, "replay", "--pg-dsn", dsn, o.File)
	if code != 0 || !strings.Contains(out, "✓ expected orphan_booking") {
		t.Fatalf("replay: exit %d\n%s\n%s", code, out, msg)
	}
	code, out, msg = execute(t, "replay", "--pg-dsn", dsn, "--policy", "hardened", o.File)
	if code != 0 || !strings.Contains(out, "fixed by hardened: orphan_booking") || !strings.Contains(out, "violations none") {
		t.Fatalf("replay --policy hardened: exit %d\n%s\n%s", code, out, msg)
	}
}
