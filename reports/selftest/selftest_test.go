package selftest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/reports"
)

// EnvSelftest switches the test on; EnvMutationOut names the file the score is written to
// (the report shows it).
const (
	EnvSelftest    = "HARNESS_GATE_SELFTEST"
	EnvMutationOut = "HARNESS_MUTATION_OUT"
)

// sliceOf names, per sabotage, the part of the scenario suite that must catch it: the specs
// of its policy that exercise what it breaks (labels, DESIGN §8). Every sabotage of
// core.Sabotages must have one; a sabotage whose slice lets it through is a missing
// scenario — add the scenario, never weaken the sabotage.
var sliceOf = map[core.Sabotage]string{
	core.SabotageSeedFreshness:     "policy:seed && (kind:boundary || kind:incident)",
	core.SabotageSeedCallID:        "policy:seed && (kind:boundary || kind:incident)",
	core.SabotageSeedDBCheck:       "policy:seed && (kind:race || kind:boundary || kind:incident)",
	core.SabotageSeedUnique:        "policy:seed && (kind:race || kind:incident)",
	core.SabotageHardFreshness:     "policy:hardened && (kind:boundary || kind:skew || kind:incident)",
	core.SabotageHardCallID:        "policy:hardened && (kind:boundary || kind:incident)",
	core.SabotageHardDBCheck:       "policy:hardened && (kind:race || kind:incident)",
	core.SabotageHardUnique:        "policy:hardened && (kind:race || kind:boundary)",
	core.SabotageHardExclusion:     "policy:hardened && (kind:claim || kind:race)",
	core.SabotageHardLookup:        "policy:hardened && (kind:fault || kind:lookup)",
	core.SabotageHardConflict:      "policy:hardened && (kind:retry || kind:boundary)",
	core.SabotageHardSweep:         "policy:hardened && (kind:crash || kind:claim)",
	core.SabotageHardReread:        "policy:hardened && kind:dbfault",
	core.SabotageHardSerialisation: "policy:hardened && kind:retry",
}

// behaviourRules are the gate's verdicts on what ran: a failed spec, a broken invariant, a
// check that could not judge. A slice is not the whole suite, so the rules about complete
// evidence (every layer reached, incidents replayed, a hardened all-layers world) say nothing
// about a sabotage and are not counted; the control run shows the slices leave none of these.
var behaviourRules = []string{reports.RuleSuite, reports.RuleHardened, reports.RuleSeedKnown, reports.RuleCheckError}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root not found at %s: %v", root, err)
	}
	return root
}

// run runs a command in dir and returns its combined output and exit code (-1: did not run).
func run(ctx context.Context, t *testing.T, dir string, env []string, name string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return out.String(), 0
	case errors.As(err, &exit):
		return out.String(), exit.ExitCode()
	default:
		t.Fatalf("%s %v: %v\n%s", name, args, err, out.String())
		return "", -1
	}
}

// tools are the deliberately breakable builds: the scenario suite and the CLI, both with
// -tags bookingharness_sabotage (a sabotage is then picked by HARNESS_SABOTAGE).
type tools struct {
	root, suite, cli string
}

func build(ctx context.Context, t *testing.T) tools {
	t.Helper()
	root, bin := repoRoot(t), t.TempDir()
	tl := tools{root: root, suite: filepath.Join(bin, "scenarios.test"), cli: filepath.Join(bin, "bookingharness")}
	for _, args := range [][]string{
		{"test", "-c", "-tags", "bookingharness_sabotage", "-o", tl.suite, "./scenarios/"},
		{"build", "-tags", "bookingharness_sabotage", "-o", tl.cli, "./cmd/bookingharness"},
	} {
		if log, code := run(ctx, t, root, nil, "go", args...); code != 0 {
			t.Fatalf("go %v: exit %d\n%s", args, code, log)
		}
	}
	return tl
}

// judge runs the suite's slice (label filter) with sabotage s (or none), builds the report
// from it and returns the gate's behaviour findings.
func (tl tools) judge(ctx context.Context, t *testing.T, s core.Sabotage, slice string) []string {
	t.Helper()
	out := t.TempDir()
	env := []string{core.EnvSabotage + "=" + string(s)}
	if s != "" {
		// A sabotage that breaks a forced interleaving makes its spec wait for the whole
		// bound; 10 s still lets a working interleaving through on a loaded machine.
		env = append(env, "HARNESS_GATED_TIMEOUT=10s")
	}
	// The slice's specs fail on purpose under a sabotage: ginkgo's exit code is not asserted,
	// the report it leaves is what the gate judges. --timeout bounds a spec a sabotage hangs.
	log, _ := run(ctx, t, tl.root, env, "go", "tool", "ginkgo", "-p", "--timeout=5m",
		"--label-filter", "("+slice+") && !blackbox", "--json-report=ginkgo.json", "--output-dir="+out, tl.suite)
	if _, err := os.Stat(filepath.Join(out, "ginkgo.json")); err != nil {
		t.Fatalf("%s: the suite left no ginkgo.json: %v\n%s", s, err, log)
	}
	if log, code := run(ctx, t, tl.root, env, tl.cli, "report", "--out", out, "--incidents", ""); code != 0 {
		t.Fatalf("%s: report: exit %d\n%s", s, code, log)
	}
	facts, err := reports.ReadFacts(filepath.Join(out, reports.FileFacts))
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, f := range facts.Gate.Findings {
		if slices.Contains(behaviourRules, f.Rule) {
			found = append(found, "["+f.Rule+"] "+f.Message)
		}
	}
	return found
}

// TestGateCatchesBrokenCore is the gate's mutation score (DESIGN §8): one sabotaged core per
// layer and policy, and sabotages of the hardened flow itself (core.Sabotages), each run on
// its slice of the suite; the gate must refuse every one for what ran. A control run of every
// slice against the real core first shows the slices are green, so a refusal is the
// sabotage's doing. It prints "sabotages caught N/N" and fails unless every one is caught.
func TestGateCatchesBrokenCore(t *testing.T) {
	if os.Getenv(EnvSelftest) != "1" {
		t.Skipf("skipped: set %s=1 (make gate-selftest) to run the mutation score: the suite's slices against each sabotaged core", EnvSelftest)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	all := core.Sabotages()
	var union []string
	for _, s := range all {
		slice, ok := sliceOf[s.Name]
		if !ok {
			t.Fatalf("sabotage %s has no slice of the suite to catch it", s.Name)
		}
		union = append(union, "("+slice+")")
	}
	tl := build(ctx, t)
	if control := tl.judge(ctx, t, "", strings.Join(union, " || ")); len(control) > 0 {
		t.Fatalf("the slices are not green on the real core, so a refusal would prove nothing:\n  %s", strings.Join(control, "\n  "))
	}
	var results []reports.MutationResult
	var survived []string
	for _, s := range all {
		began := time.Now()
		found := tl.judge(ctx, t, s.Name, sliceOf[s.Name])
		r := reports.MutationResult{Sabotage: string(s.Name), Policy: string(s.Policy), Layer: string(s.Layer), What: s.What, Slice: sliceOf[s.Name],
			Caught: len(found) > 0, Findings: found, Seconds: time.Since(began).Seconds()}
		if r.Findings == nil {
			r.Findings = []string{}
		}
		results = append(results, r)
		verdict := "caught"
		if !r.Caught {
			verdict = "SURVIVED"
			survived = append(survived, string(s.Name))
		}
		t.Logf("%-26s %-8s in %4.1fs  %s", s.Name, verdict, r.Seconds, firstOf(found))
	}
	caught := len(all) - len(survived)
	fmt.Printf("sabotages caught %d/%d\n", caught, len(all))
	if path := os.Getenv(EnvMutationOut); path != "" {
		if survived == nil {
			survived = []string{}
		}
		data, err := json.MarshalIndent(reports.Mutation{Caught: caught, Total: len(all), Survived: survived, Results: results}, "", "  ")
		if err == nil {
			err = os.WriteFile(path, append(data, '\n'), 0o644)
		}
		if err != nil {
			t.Errorf("write %s: %v", path, err)
		}
	}
	if len(survived) > 0 {
		t.Fatalf("sabotages caught %d/%d; survived: %s — each is a missing scenario: add it, do not weaken the sabotage", caught, len(all), strings.Join(survived, ", "))
	}
}

func firstOf(found []string) string {
	if len(found) == 0 {
		return "(no behaviour finding)"
	}
	f := found[0]
	if len(f) > 120 {
		f = f[:120] + "…"
	}
	return f
}
