package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// exitCodeOf is the code main would exit with for err.
func exitCodeOf(err error) int {
	var ee *exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
	}
	return 2
}

// execute runs the CLI in-process with args and returns the exit code and output.
func execute(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errOut)
	err := root.ExecuteContext(context.Background())
	if err != nil {
		errOut.WriteString(err.Error())
	}
	return exitCodeOf(err), out.String(), errOut.String()
}

// expectRun runs the CLI with args and checks its exit code and that stdout and stderr
// contain every wanted text, printing both when something is off.
func expectRun(t *testing.T, args []string, code int, stdout, stderr []string) (string, string) {
	t.Helper()
	got, out, errOut := execute(t, args...)
	if got != code {
		t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", got, code, out, errOut)
	}
	for _, w := range stdout {
		if !strings.Contains(out, w) {
			t.Errorf("stdout lacks %q:\n%s", w, out)
		}
	}
	for _, w := range stderr {
		if !strings.Contains(errOut, w) {
			t.Errorf("stderr lacks %q:\n%s", w, errOut)
		}
	}
	return out, errOut
}

// The replay command's exit codes: 0 met, 1 failed (with the timeline), 2 invalid file or
// flag (with file, line and field); several files exit with the worst code.
func TestReplayExitCodes(t *testing.T) {
	env := pg.Env(t)
	dsn := env.AdminDSN()

	good := "../../scenarios/incidents/call-687-688.yaml"
	invalid := "../../sim/replay/testdata/invalid-start.yaml"
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	variant := func(name, old, new string) string {
		t.Helper()
		path := filepath.Join(dir, name)
		changed := strings.Replace(string(data), old, new, 1)
		if changed == string(data) {
			t.Fatalf("%s: %q not in the example", name, old)
		}
		if err := os.WriteFile(path, []byte(changed), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	failing := variant("failing.yaml", "expect: {outcome: slot_taken, layer: freshness}", "expect: {outcome: booked}")
	typo := variant("typo.yaml", "policy: seed ", "polcy: hardened")
	seedSlotExclusion := variant("seed-slot-exclusion.yaml", "layers: all  ", "layers: [freshness, slot_exclusion]")

	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		stdout  []string
		message []string
	}{
		{"expectations met", []string{good}, 0, []string{"slot_taken (freshness) ✓", "PASS call-687-688"}, nil},
		{"expectation failed", []string{failing}, 1,
			[]string{"✗ want booked", "FAILED: steps[1] (line 19)", "FAIL call-687-688"}, []string{"expectations failed", "failing.yaml"}},
		{"invalid file", []string{invalid}, 2, nil, []string{"invalid-start.yaml:12:", "steps[1].book.start", "invalid time"}},
		{"worst code wins", []string{good, failing, invalid}, 2, []string{"PASS call-687-688", "FAIL call-687-688"}, []string{"steps[1].book.start"}},
		{"bad policy flag", []string{"--policy", "paranoid", good}, 2, nil, []string{"--policy", "paranoid"}},
		{"bad layers flag", []string{"--layers", "freshness,magic", good}, 2, nil, []string{"--layers", "magic"}},
		{"unknown flag", []string{"--polcy", "seed", good}, 2, nil, []string{"unknown flag: --polcy"}},
		{"policy override", []string{"--policy", "hardened", good}, 0, []string{"slot_taken (slot_exclusion) ·", "expectations: invariants"}, nil},
		{"a typo in a key", []string{typo}, 2, nil, []string{"typo.yaml:3:1: polcy: unknown key \"polcy\" (did you mean \"policy\"?)"}},
		{"a seed file listing slot_exclusion", []string{seedSlotExclusion}, 2, nil,
			[]string{"seed-slot-exclusion.yaml:4:", "layers[1]: the seed policy has no slot_exclusion layer; its layers are [freshness, call_id, db_check, unique]"}},
		{"--layers a layer the policy lacks", []string{"--policy", "seed", "--layers", "slot_exclusion", good}, 2, nil,
			[]string{"--layers: layers: the seed policy has no slot_exclusion layer; its layers are [freshness, call_id, db_check, unique]"}},
		{"--layers a layer the file's policy lacks", []string{"--layers", "unique,slot_exclusion", good}, 2, nil, []string{"call-687-688.yaml: --layers:", "seed policy has no slot_exclusion"}},
		{"--layers ,", []string{"--layers", ",", good}, 2, nil, []string{"--layers", "empty item"}},
		{"--layers []", []string{"--layers", "[]", good}, 2, nil, []string{"--layers", "empty list; write none"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expectRun(t, append([]string{"replay", "--pg-dsn", dsn}, tc.args...), tc.code, tc.stdout, tc.message)
		})
	}

	t.Run("json", func(t *testing.T) {
		code, stdout, _ := execute(t, "replay", "--pg-dsn", dsn, "--json", good, invalid)
		var doc struct {
			ExitCode int `json:"exit_code"`
			Results  []struct {
				Name  string `json:"name"`
				Steps []struct {
					Outcome string `json:"outcome"`
					Layer   string `json:"layer"`
				} `json:"steps"`
				Failures []string `json:"failures"`
			} `json:"results"`
			Invalid []struct {
				Line  int    `json:"line"`
				Field string `json:"field"`
			} `json:"invalid"`
		}
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, stdout)
		}
		if code != 2 || doc.ExitCode != 2 || len(doc.Results) != 1 || doc.Results[0].Steps[1].Layer != "freshness" ||
			len(doc.Invalid) != 1 || doc.Invalid[0].Line != 12 || doc.Invalid[0].Field != "steps[1].book.start" {
			t.Errorf("code %d, doc %+v", code, doc)
		}
	})
}
