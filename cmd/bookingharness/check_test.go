package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bookingharness/bookingharness/sim/histfile"
)

// A load's history file, judged again by `check`, prints the judgement `load` printed — the
// linearizability line, the invariants and the verdict, line for line — and says the
// checker's verdict is the same as when the run was written. A run with unexpected
// violations exits 1 under check too.
func TestCheckJudgesALoadHistoryAsLoadDid(t *testing.T) {
	env := pg.Env(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "seed.history.jsonl")
	code, out, msg := loadCLI(t, "--pg-dsn", env.AdminDSN(), "--calls", "30", "--concurrency", "4", "--slots", "2", "--policy", "seed",
		"--layers", "none", "--faults", "force_replay=1", "--expect-violations", "none", "--history", path)
	if code != 1 || !strings.Contains(out, "duplicate_booking_id") {
		t.Fatalf("load: exit %d\n%s\n%s", code, out, msg)
	}
	judgement := out[strings.Index(out, "linearizability:"):]

	code, checked, msg := execute(t, "check", path)
	if code != 1 {
		t.Fatalf("check: exit %d, want 1 (the run had unexpected violations)\n%s\n%s", code, checked, msg)
	}
	if !strings.Contains(checked, judgement) {
		t.Fatalf("check does not print load's judgement.\nload printed:\n%s\ncheck printed:\n%s", judgement, checked)
	}
	if !strings.Contains(checked, "judged when it ran: the same (double_booked_slot ×2, duplicate_booking_id ×2)") {
		t.Errorf("check does not compare with the verdict of the time:\n%s", checked)
	}
	h, err := histfile.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if h.Header.Source != histfile.SourceLoad || h.Header.Stamp == nil || len(h.Operations) != 30 || len(h.State.Bookings) == 0 {
		t.Fatalf("history header %+v, %d ops, %d bookings", h.Header, len(h.Operations), len(h.State.Bookings))
	}

	// A history whose checker verdict of the time differs from today's says so.
	h.Verdict = histfile.Verdict{}
	older := filepath.Join(dir, "older.history.jsonl")
	if err := histfile.Write(older, h); err != nil {
		t.Fatal(err)
	}
	_, checked, _ = execute(t, "check", older)
	if !strings.Contains(checked, "judged when it ran: no violation; judged now: double_booked_slot ×2, duplicate_booking_id ×2 — the checker changed") {
		t.Errorf("a verdict that changed is not called out:\n%s", checked)
	}
}

// A file that is not a history exits 2, naming the file and line.
func TestCheckRefusesWhatIsNoHistory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.jsonl")
	if err := os.WriteFile(path, []byte("{\"op\":{}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, msg := execute(t, "check", path)
	if code != 2 || !strings.Contains(msg, path+":1: the header must come first") {
		t.Fatalf("exit %d: %s", code, msg)
	}
}

// A replay's history, judged again, prints the final line and violations the replay's
// timeline printed, and passes as the replay did.
func TestCheckJudgesAReplayHistoryAsReplayDid(t *testing.T) {
	env := pg.Env(t)
	dir := t.TempDir()
	code, out, msg := execute(t, "replay", "--pg-dsn", env.AdminDSN(), "--history", dir,
		"../../scenarios/incidents/call-687-688.yaml")
	if code != 0 {
		t.Fatalf("replay: exit %d\n%s\n%s", code, out, msg)
	}
	final := out[strings.Index(out, "  final:"):strings.Index(out, "PASS call-687-688")]
	path := filepath.Join(dir, "call-687-688-seed"+histfile.Ext)
	code, checked, msg := execute(t, "check", path)
	if code != 0 || !strings.Contains(checked, final) || !strings.Contains(checked, "PASS call-687-688") {
		t.Fatalf("check: exit %d; replay printed:\n%s\ncheck printed:\n%s\n%s", code, final, checked, msg)
	}
}
