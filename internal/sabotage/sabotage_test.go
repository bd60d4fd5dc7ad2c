package sabotage_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bookingharness/bookingharness/internal/sabotage"
)

// The catalogue is what the gate counts the mutation score against: every entry must be
// complete, and names unique.
func TestCatalogueEntriesAreComplete(t *testing.T) {
	seen := map[sabotage.Name]bool{}
	targets := map[sabotage.Target]bool{sabotage.TargetCore: true, sabotage.TargetChecker: true, sabotage.TargetRecorder: true,
		sabotage.TargetFake: true, sabotage.TargetProxy: true}
	for _, s := range sabotage.All() {
		switch {
		case seen[s.Name]:
			t.Errorf("%s listed twice", s.Name)
		case !strings.Contains(string(s.Name), "/"):
			t.Errorf("%s: a name is <where>/<what>", s.Name)
		case !targets[s.Target]:
			t.Errorf("%s: unknown target %q", s.Name, s.Target)
		case s.What == "" || s.Slice == "":
			t.Errorf("%s: says neither what it breaks nor which slice catches it", s.Name)
		}
		seen[s.Name] = true
		got, err := sabotage.Lookup(s.Name)
		if err != nil || got != s {
			t.Errorf("Lookup(%s) = %+v, %v", s.Name, got, err)
		}
	}
	if n := len(seen); n < 35 {
		t.Errorf("%d sabotages; the harness promises at least 35", n)
	}
	if _, err := sabotage.Lookup("core/nothing"); err == nil || !strings.Contains(err.Error(), "not in the catalogue") {
		t.Errorf("Lookup of an unknown name: %v", err)
	}
	if got := sabotage.OfLayer("hardened", "unique"); got != sabotage.HardUnique {
		t.Errorf("OfLayer(hardened, unique) = %q", got)
	}
	if got := sabotage.OfLayer("seed", "slot_exclusion"); got != "" {
		t.Errorf("OfLayer(seed, slot_exclusion) = %q: the seed has no such layer", got)
	}
}

// Firings of several processes add up, one file each.
func TestReadFiresSumsEveryProcess(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"1.fires": "core/cancel\ncore/cancel\n", "2.fires": "core/cancel\n", "notes.txt": "core/cancel\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := sabotage.ReadFires(dir)
	if err != nil || got[sabotage.CoreCancel] != 3 || len(got) != 1 {
		t.Fatalf("ReadFires = %v, %v; want core/cancel 3", got, err)
	}
	if got, err := sabotage.ReadFires(filepath.Join(dir, "missing")); err != nil || len(got) != 0 {
		t.Fatalf("a missing directory: %v, %v", got, err)
	}
}
