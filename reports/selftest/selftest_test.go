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

	"github.com/bookingharness/bookingharness/internal/sabotage"
	"github.com/bookingharness/bookingharness/internal/stamp"
	"github.com/bookingharness/bookingharness/reports"
)

// The self-test's switches: EnvSelftest runs it; EnvMutationOut names the file the score is
// written to (the report shows it, the gate judges it); EnvOnly, for iterating on a few
// sabotages, runs only those (comma-separated names) and writes no score.
const (
	EnvSelftest    = "HARNESS_GATE_SELFTEST"
	EnvMutationOut = "HARNESS_MUTATION_OUT"
	EnvOnly        = "HARNESS_SELFTEST_ONLY"
)

// gatedTimeout bounds the specs that park calls, the same in every control and sabotaged run
// (scenarios' HARNESS_GATED_TIMEOUT): a sabotage that breaks a forced interleaving makes such
// a spec wait for the whole bound, and that is a timeout — inconclusive, never a catch.
const gatedTimeout = "15s"

// ginkgoFlags are the flags of every run, control or sabotaged: the same binary, bounds and
// slice make the control a fair witness.
func ginkgoFlags(slice, out string) []string {
	return []string{"-p", "--timeout=5m", "--label-filter", "(" + slice + ") && !blackbox",
		"--json-report=ginkgo.json", "--output-dir=" + out}
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := stamp.Root(".")
	if err != nil {
		t.Fatal(err)
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

// suite is the scenario suite compiled once with -tags bookingharness_sabotage: every run,
// control or sabotaged, uses this one binary, and the environment picks the sabotage. It
// lives in scenarios/ because ginkgo runs a compiled suite in the binary's directory, and the
// suite reads its incident catalogue from there.
type suite struct {
	root, bin string
}

func build(ctx context.Context, t *testing.T) suite {
	t.Helper()
	root := repoRoot(t)
	s := suite{root: root, bin: filepath.Join(root, "scenarios", fmt.Sprintf("selftest-%d.test", os.Getpid()))}
	t.Cleanup(func() { os.Remove(s.bin) })
	args := []string{"test", "-c", "-tags", "bookingharness_sabotage", "-o", s.bin, "./scenarios/"}
	if log, code := run(ctx, t, root, nil, "go", args...); code != 0 {
		t.Fatalf("go %v: exit %d\n%s", args, code, log)
	}
	return s
}

// runSlice runs the slice with sabotage name on ("" for the control run) and returns what
// it left and how often the sabotage fired. extraEnv overrides the environment (a test of
// the verdicts points Postgres nowhere with it).
func (s suite) runSlice(ctx context.Context, t *testing.T, name sabotage.Name, slice string, extraEnv ...string) (reports.SliceRun, int, string) {
	t.Helper()
	out := t.TempDir()
	fires := filepath.Join(out, "fires")
	if err := os.MkdirAll(fires, 0o755); err != nil {
		t.Fatal(err)
	}
	env := append([]string{sabotage.EnvName + "=" + string(name), sabotage.EnvFires + "=" + fires, "HARNESS_GATED_TIMEOUT=" + gatedTimeout}, extraEnv...)
	// Specs fail on purpose under a sabotage: ginkgo's exit code says nothing; the report
	// and the firing count are what is judged.
	log, _ := run(ctx, t, s.root, env, "go", append(append([]string{"tool", "ginkgo"}, ginkgoFlags(slice, out)...), s.bin)...)
	n, err := sabotage.ReadFires(fires)
	if err != nil {
		t.Fatal(err)
	}
	res, err := reports.ReadSliceRun(filepath.Join(out, "ginkgo.json"))
	if err != nil {
		// No report at all: the run did not get as far as Ginkgo's reporting.
		return reports.SliceRun{SuiteFailure: "the run left no report: " + err.Error(), Specs: map[string]reports.SpecOutcome{}}, n[name], log
	}
	return res, n[name], log
}

// chosen is the catalogue, or the sabotages EnvOnly names.
func chosen(t *testing.T) (all []sabotage.Sabotage, partial bool) {
	only := os.Getenv(EnvOnly)
	if only == "" {
		return sabotage.All(), false
	}
	for _, n := range strings.Split(only, ",") {
		s, err := sabotage.Lookup(sabotage.Name(strings.TrimSpace(n)))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, s)
	}
	return all, true
}

// TestGateCatchesEverySabotage is the gate's mutation score (docs/gate.md): every sabotage of
// the catalogue (internal/sabotage) — of the core, and of the harness itself: the checker,
// the recorder, the fake Cal.com, the wire proxy — is switched on in turn in one tagged build
// of the suite and run on its slice. A control run of each slice, made the same way without
// a sabotage, says which specs are green; a sabotage is caught only when one of those fails
// an assertion and the sabotage fired (reports.JudgeSabotage). Survivors and inconclusive
// runs fail the test. It prints "sabotages caught N/N" and writes the score, stamped, where
// HARNESS_MUTATION_OUT says.
func TestGateCatchesEverySabotage(t *testing.T) {
	if os.Getenv(EnvSelftest) != "1" {
		t.Skipf("skipped: set %s=1 (make gate-selftest) to run the mutation score: the suite's slices against each sabotage", EnvSelftest)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Minute)
	defer cancel()
	began := time.Now()
	all, partial := chosen(t)
	st, err := stamp.Take(repoRoot(t), stamp.Command([]string{"go", "test", "-run", "TestGateCatchesEverySabotage", "./reports/selftest",
		"(ginkgo " + strings.Join(ginkgoFlags("<slice>", "<out>"), " ") + ", HARNESS_GATED_TIMEOUT=" + gatedTimeout + ")"}))
	if err != nil {
		t.Fatal(err)
	}
	s := build(ctx, t)
	t.Logf("built the tagged suite in %s", time.Since(began).Round(time.Second))

	// The verdicts themselves, on a real run: a suite that cannot start is inconclusive.
	broken, fires, log := s.runSlice(ctx, t, sabotage.CoreCancel, "kind:lifecycle", "HARNESS_PG_PROVIDER=dsn", "HARNESS_PG_DSN=postgres://nobody@127.0.0.1:1/none?sslmode=disable")
	if v, why, _ := reports.JudgeSabotage(broken, broken, fires); v != reports.VerdictInconclusive || broken.SuiteFailure == "" {
		t.Fatalf("a suite whose BeforeSuite fails must be inconclusive, got %s (%s)\n%s", v, why, log)
	}

	controls := map[string]reports.SliceRun{}
	var m reports.Mutation
	m.Survived, m.Inconclusive = []string{}, []string{}
	for _, sb := range all {
		control, ok := controls[sb.Slice]
		if !ok {
			t0 := time.Now()
			control, _, _ = s.runSlice(ctx, t, "", sb.Slice)
			controls[sb.Slice] = control
			t.Logf("control  %-60q %3d green spec(s) in %5.1fs %s", sb.Slice, control.Passed(), time.Since(t0).Seconds(), control.SuiteFailure)
		}
		t0 := time.Now()
		res, fired, _ := s.runSlice(ctx, t, sb.Name, sb.Slice)
		verdict, why, catches := reports.JudgeSabotage(control, res, fired)
		r := reports.MutationResult{Sabotage: string(sb.Name), Target: string(sb.Target), Policy: sb.Policy, Layer: sb.Layer, What: sb.What, Slice: sb.Slice,
			Verdict: verdict, Why: why, Fires: fired, Catches: catches, Seconds: time.Since(t0).Seconds()}
		if r.Catches == nil {
			r.Catches = []reports.Catch{}
		}
		m.Add(r)
		t.Logf("%-34s %-12s fired %5d  %3d catch(es) in %5.1fs  %s", sb.Name, verdict, fired, len(catches), r.Seconds, firstOf(r))
	}
	m.Stamp = &st
	fmt.Printf("sabotages caught %d/%d in %s\n", m.Caught, m.Total, time.Since(began).Round(time.Second))
	for _, r := range m.Results {
		if r.Verdict != reports.VerdictCaught {
			fmt.Printf("  %s %s: %s\n", strings.ToUpper(r.Verdict), r.Sabotage, r.Why)
		}
	}
	if path := os.Getenv(EnvMutationOut); path != "" && !partial {
		data, err := json.MarshalIndent(m, "", "  ")
		if err == nil {
			err = os.WriteFile(path, append(data, '\n'), 0o644)
		}
		if err != nil {
			t.Errorf("write %s: %v", path, err)
		}
	}
	if m.Caught < m.Total {
		t.Fatalf("sabotages caught %d/%d; survived: %s; inconclusive: %s — a survivor is a missing spec: add it, never weaken the sabotage",
			m.Caught, m.Total, orNone(m.Survived), orNone(m.Inconclusive))
	}
	if partial {
		t.Logf("only %s ran (%s): no score written", strings.Join(names(all), ", "), EnvOnly)
	}
}

func names(all []sabotage.Sabotage) []string {
	out := make([]string, 0, len(all))
	for _, s := range all {
		out = append(out, string(s.Name))
	}
	return out
}

func orNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(slices.Clone(xs), ", ")
}

func firstOf(r reports.MutationResult) string {
	s := r.Why
	if len(r.Catches) > 0 {
		s = r.Catches[0].Spec + ": " + r.Catches[0].Message
	}
	if len(s) > 140 {
		s = s[:140] + "…"
	}
	return s
}
