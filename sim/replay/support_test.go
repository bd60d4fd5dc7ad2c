package replay_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/replay"
	"github.com/bookingharness/bookingharness/sim/world"
)

// The runner refuses, naming the field, every round-two form it cannot execute yet, so
// nothing in a file is silently ignored; it refuses before it builds a world.
func TestRefusesVocabularyItCannotRun(t *testing.T) {
	head := "clock: {start: 2025-10-06T09:04:27Z}\ncalcom:\n"
	types := "  event_types: [{id: 7, kind: standard, length: 30, host: 1}, {id: 8, kind: requires_confirmation, length: 30, host: 2}]\n"
	book := "  - at: 0s\n    call: a\n    book: {event_type: 7, start: 2025-10-10T06:00:00Z, attendee: {name: A, email: a@x}}\n"
	steps := func(s string) string { return head + "  webhooks: {delivery: sync}\n" + types + "steps:\n" + book + s }
	tests := []struct {
		name, src, field, msg string
		line                  int
	}{
		{"a webhook_fault with two actions", steps("    webhook_fault: {duplicate: true, delay: 30s}\n"), "steps[0].webhook_fault", "combines 2 actions; the fake applies one per delivery", 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc := parse(t, "new.yaml", tt.src)
			for _, err := range []error{replay.CheckSupported(inc), runWithoutWorld(inc)} {
				var e *incident.Error
				if !errors.As(err, &e) || e.File != "new.yaml" || e.Field != tt.field || !strings.Contains(e.Msg, tt.msg) || e.Column < 1 {
					t.Fatalf("err = %v, want new.yaml field %s containing %q", err, tt.field, tt.msg)
				}
				if e.Line != tt.line {
					t.Errorf("line %d, want %d", e.Line, tt.line)
				}
			}
		})
	}
	// Every conflict answer, the check/insert gap, webhooks and the round-two event types run.
	for _, line := range []string{"conflict_answer: prod_400", "conflict_answer: conflict_409", "conflict_answer: error_500", "check_insert_gap: 2s",
		"webhooks: {delivery: async}",
		"event_types: [{id: 1, kind: round_robin, length: 30, hosts: [1, 2]}]",
		"event_types: [{id: 1, kind: seated, length: 30, host: 1, seats: 2}]",
		"event_types: [{id: 1, kind: requires_confirmation, length: 30, host: 1, block_slot: false}]"} {
		if err := replay.CheckSupported(parse(t, "ok.yaml", head+"  "+line+"\n")); err != nil {
			t.Errorf("%s refused: %v", line, err)
		}
	}
	// Faults on every endpoint, database faults and crashes run.
	for _, line := range []string{"fault: {on: lookup, status: 500}", "fault: [{reset: after_commit}, {on: cancel, status: 503}]",
		"db_fault: {latency: 1s}", "db_fault: {reset: before_commit}", "db_fault: {refuse: 10s}", "crash: after_calcom", "crash: before_settle"} {
		if err := replay.CheckSupported(parse(t, "ok.yaml", head+types+"steps:\n"+book+"    "+line+"\n")); err != nil {
			t.Errorf("%s refused: %v", line, err)
		}
	}
	// Webhooks, webhook faults and host steps run.
	for _, step := range []string{"  - at: 1m\n    host: {cancel: a}\n    webhook_fault: {reorder: true}\n", "    webhook_fault: {drop: true}\n",
		"    webhook_fault: {delay: 30s}\n", "    webhook_fault: {subscriber_status: 500}\n", "  - at: 1m\n    cancel: {call: a}\n    webhook_fault: {duplicate: true}\n"} {
		if err := replay.CheckSupported(parse(t, "ok.yaml", steps(step))); err != nil {
			t.Errorf("%q refused: %v", step, err)
		}
	}
	// The file holding every round-two form runs whole; a form the parser may learn later is
	// refused, naming its field, until the runner executes it.
	inc := load(t, "../incident/testdata/round-two.yaml")
	if err := replay.CheckSupported(inc); err != nil {
		t.Errorf("round-two.yaml refused: %v", err)
	}
	inc.RoundTwo = append(inc.RoundTwo, incident.Use{Feature: "calcom.future_feature", Field: "calcom.future_feature", Line: 40, Column: 3})
	err := replay.CheckSupported(inc)
	var e *incident.Error
	if !errors.As(err, &e) || e.Line != 40 || e.Field != "calcom.future_feature" || !strings.Contains(e.Msg, "calcom.future_feature is parsed but the replay runner cannot execute it yet") {
		t.Errorf("a future form: %v", err)
	}
}

// runWithoutWorld replays inc with no Postgres at all: a file the runner refuses must fail
// before anything is built.
func runWithoutWorld(inc *incident.Incident) error {
	_, err := replay.Run(context.Background(), nil, inc, replay.Options{})
	return err
}

// conflict_answer reaches the world's fake; left out, the world's default holds.
func TestConflictAnswerReachesTheFake(t *testing.T) {
	for answer, want := range map[string]fakecalcom.ConflictAnswer{"prod_400": fakecalcom.ConflictProd400, "conflict_409": fakecalcom.Conflict409,
		"error_500": fakecalcom.ConflictError500, "": fakecalcom.ConflictProd400} {
		src := strings.Replace(readFile(t, example), "  force_replay: false\n", "  force_replay: false\n  conflict_answer: "+answer+"\n", 1)
		if answer == "" {
			src = readFile(t, example)
		}
		inc := parse(t, "conflict.yaml", src)
		var got fakecalcom.ConflictAnswer
		run(t, inc, replay.Options{AfterRun: func(_ context.Context, w *world.World) error {
			got = w.Config.ConflictAnswer
			return nil
		}})
		if got != want {
			t.Errorf("conflict_answer %q: the world's fake answers %q, want %q", answer, got, want)
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// A file with no step records nothing: the checker refuses to judge it, and the replay is
// an error, never a pass.
func TestRunWithNothingToJudge(t *testing.T) {
	inc := parse(t, "empty.yaml", "clock: {start: 2025-10-06T09:04:27Z}\n")
	_, err := replay.Run(context.Background(), env, inc, replay.Options{})
	if err == nil || !strings.Contains(err.Error(), "could not judge the run: check: assumptions not met: the history is empty") {
		t.Fatalf("err = %v", err)
	}
}
