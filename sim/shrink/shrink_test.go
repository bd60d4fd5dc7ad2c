package shrink

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/load"
)

// orphanModel shows orphan_booking while some attempt carries a reset after commit.
func orphanModel() *model {
	return &model{judge: func(inc *incident.Incident, _ int) []string {
		for _, x := range books(inc) {
			if slices.ContainsFunc(x.b.Faults, func(f incident.Fault) bool { return f.Phase == incident.AfterCommit }) {
				return []string{check.OrphanBooking}
			}
		}
		return nil
	}}
}

// Two orphans of one shape on two slots: the first is shrunk to a one-step file that says
// where it came from and that hardened fixes it; the second is the same bug.
func TestShrinkWritesOneFilePerBug(t *testing.T) {
	ops := append(sequential(6, 0), sequential(6, 4)...) // slots 0 and 4: the same event type
	for i := 6; i < 12; i++ {
		ops[i].call, ops[i].begin, ops[i].end = callName(i), int64(2*i+1), int64(2*i+2)
	}
	ops[2].outcome, ops[2].fault = "error", "reset_after_commit"
	ops[9].outcome, ops[9].fault = "error", "reset_after_commit"
	ev := evidence(ops, orphanOf("c02"), orphanOf("c09"))
	dir := t.TempDir()
	rep, err := Shrink(context.Background(), ev, Config{Dir: dir, Oracle: orphanModel().oracle()})
	if err != nil {
		t.Fatal(err)
	}
	first, second := rep.Outcomes[0], rep.Outcomes[1]
	want := filepath.Join(dir, "orphan_booking-1.yaml")
	if first.Status != StatusReproduced || first.File != want || first.Steps != 1 || first.Hardened != HardenedFixed {
		t.Fatalf("first outcome %+v", first)
	}
	if second.Status != StatusSameAs || second.File != want {
		t.Fatalf("second outcome %+v, want the same bug as %s", second, want)
	}
	inc, err := incident.Load(want)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(inc.Expect.Violations, []string{check.OrphanBooking}) || inc.ExpectByPolicy[incident.PolicyHardened].Violations == nil ||
		len(inc.ExpectByPolicy[incident.PolicyHardened].Violations) != 0 || inc.Name != "orphan_booking-1" {
		t.Errorf("file expects %+v, by policy %+v", inc.Expect, inc.ExpectByPolicy)
	}
	data, _ := os.ReadFile(want)
	for _, s := range []string{"seed 7", "policy seed", "6 attempt(s) in 6 step(s)", "[calls c02]", "fixed by hardened",
		"x-shrunk-from:", "# in the load: c02: error [reset: after_commit]", "Reproduce: bookingharness replay " + want} {
		if !strings.Contains(string(data), s) {
			t.Errorf("file lacks %q:\n%s", s, data)
		}
	}
	var out bytes.Buffer
	if err := rep.Write(&out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "→ "+want+" (1 step(s)") || !strings.Contains(out.String(), "same bug as "+want) ||
		!strings.Contains(out.String(), "2 violation(s): 1 reproduced, 0 not reproduced, 1 the same bug") {
		t.Errorf("report:\n%s", out.String())
	}
}

// A violation that does not reproduce deterministically is reported with its closest file
// and the reason, never dropped: one shown only sometimes (a race), one never shown whose
// operations overlapped in the load, one whose fault has no incident form (a rule no load
// makes: every fault a load injects has one).
func TestShrinkReportsWhatDoesNotReproduce(t *testing.T) {
	race := sequential(4, 0)
	race[1].begin, race[1].end = 3, 6
	race[2].begin, race[2].end = 4, 5
	empty := sequential(3, 0)
	empty[1].fault = "empty"
	tests := []struct {
		name   string
		ops    []op
		v      check.Violation
		judge  func(inc *incident.Incident, n int) []string
		reason []string
		edit   func(*load.Evidence)
	}{
		{"sometimes", sequential(3, 0), check.Violation{Invariant: check.LostBooking, Calls: []string{"c01"}},
			func(_ *incident.Incident, n int) []string {
				if n%3 != 0 {
					return []string{check.LostBooking}
				}
				return nil
			},
			[]string{"not deterministic", "lost_booking in 2 of 3 replays", "real-time race"}, nil},
		{"overlapped", race, check.Violation{Invariant: check.DoubleBookedSlot, Calls: []string{"c01", "c02"}},
			func(*incident.Incident, int) []string { return nil },
			[]string{"needs a real-time race", "the load overlapped", "explainer saw"}, nil},
		{"no incident form", empty, orphanOf("c01"),
			func(*incident.Incident, int) []string { return nil },
			[]string{"no replay of the case showed orphan_booking", "fault load:empty left out", "has no fault form in the fault catalogue"},
			func(ev *load.Evidence) { // a rule no load makes: a hand-armed delay after commit
				ev.Rules[0].Action = fakecalcom.Action{Kind: fakecalcom.ActionDelay, Delay: fakecalcom.Duration(time.Second), AfterCommit: true}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			m := &model{judge: tt.judge}
			explain := func(context.Context, *incident.Incident) ([]string, error) {
				return []string{"explainer saw nothing fire"}, nil
			}
			ev := evidence(tt.ops, tt.v)
			if tt.edit != nil {
				tt.edit(ev)
			}
			rep, err := Shrink(context.Background(), ev, Config{Dir: dir, Oracle: m.oracle(), Explain: explain})
			if err != nil {
				t.Fatal(err)
			}
			o := rep.Outcomes[0]
			if o.Status != StatusUnreproduced || !strings.HasSuffix(o.File, ".unreproduced.yaml") {
				t.Fatalf("outcome %+v", o)
			}
			for _, s := range tt.reason {
				if !strings.Contains(o.Reason, s) {
					t.Errorf("reason %q lacks %q", o.Reason, s)
				}
			}
			inc, err := incident.Load(o.File)
			if err != nil {
				t.Fatalf("the closest file does not parse: %v", err)
			}
			if !strings.Contains(inc.Description, "NOT REPRODUCED") || inc.ExpectByPolicy != nil {
				t.Errorf("description %q, by policy %v", inc.Description, inc.ExpectByPolicy)
			}
			var out bytes.Buffer
			_ = rep.Write(&out)
			if !strings.Contains(out.String(), "NOT REPRODUCED → "+o.File) {
				t.Errorf("report:\n%s", out.String())
			}
		})
	}
}

// The same run shrinks to the same bytes; a second shrink into one directory numbers on
// instead of overwriting.
func TestShrinkIsDeterministicAndNeverOverwrites(t *testing.T) {
	ops := sequential(5, 1)
	ops[3].fault = "reset_after_commit"
	ev := evidence(ops, orphanOf("c03"))
	dirs := []string{t.TempDir(), t.TempDir()}
	var files [][]byte
	for _, dir := range dirs {
		rep, err := Shrink(context.Background(), ev, Config{Dir: dir, Oracle: orphanModel().oracle()})
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(rep.Outcomes[0].File)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, bytes.ReplaceAll(data, []byte(dir), []byte("DIR")))
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Fatalf("two shrinks differ:\n%s\n---\n%s", files[0], files[1])
	}
	rep, err := Shrink(context.Background(), ev, Config{Dir: dirs[0], Oracle: orphanModel().oracle()})
	if err != nil {
		t.Fatal(err)
	}
	if got := filepath.Base(rep.Outcomes[0].File); got != "orphan_booking-2.yaml" {
		t.Fatalf("second shrink wrote %s, want orphan_booking-2.yaml", got)
	}
}

// A file expects every invariant its replays violate, so `replay` exits 0 on it; a second
// violation that shrinks to the same file is reported as the same bug, not written twice;
// and a candidate whose set of violations changes between replays is not deterministic.
func TestShrinkExpectsEverythingTheFileViolates(t *testing.T) {
	ops := sequential(4, 0)
	ops[2].outcome, ops[2].fault = "booked", "drop_metadata"
	lie := check.Violation{Invariant: check.UntruthfulOutcome, Calls: []string{"c02"}}
	lost := check.Violation{Invariant: check.LostBooking, Calls: []string{"c02"}}
	both := &model{judge: func(inc *incident.Incident, _ int) []string {
		if stepOf(inc, "c00") >= 0 && hasFault(inc, "c02", incident.FaultDropField, "") {
			return []string{check.UntruthfulOutcome, check.LostBooking}
		}
		return nil
	}}
	rep, err := Shrink(context.Background(), evidence(ops, lie, lost), Config{Dir: t.TempDir(), Oracle: both.oracle()})
	if err != nil {
		t.Fatal(err)
	}
	first, second := rep.Outcomes[0], rep.Outcomes[1]
	if first.Status != StatusReproduced || second.Status != StatusSameAs || second.File != first.File {
		t.Fatalf("outcomes %+v", rep.Outcomes)
	}
	inc, err := incident.Load(first.File)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{check.LostBooking, check.UntruthfulOutcome}; !slices.Equal(inc.Expect.Violations, want) {
		t.Errorf("expect.violations %v, want %v", inc.Expect.Violations, want)
	}
	if !strings.Contains(inc.Description, "untruthful_outcome (and lost_booking) in each of 3") {
		t.Errorf("description %q", inc.Description)
	}

	changing := &model{judge: func(_ *incident.Incident, n int) []string {
		if n%2 == 0 {
			return []string{check.UntruthfulOutcome, check.LostBooking}
		}
		return []string{check.UntruthfulOutcome}
	}}
	rep, err = Shrink(context.Background(), evidence(ops, lie), Config{Dir: t.TempDir(), Oracle: changing.oracle()})
	if err != nil {
		t.Fatal(err)
	}
	if o := rep.Outcomes[0]; o.Status != StatusUnreproduced || !strings.Contains(o.Reason, "not deterministic") {
		t.Fatalf("a changing set of violations was accepted: %+v", o)
	}
}
