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
	"github.com/bookingharness/bookingharness/pgenv"
	"github.com/bookingharness/bookingharness/reports"
)

// The self-test's switches: EnvSelftest runs it; EnvMutationOut names the file the score is
// written to (the report shows it, the gate judges it); EnvOnly, for iterating on a few
// sabotages, runs only those (comma-separated names) and writes no score; EnvBinary names
// the tagged suite binary to use (make builds it once, scenarios/suite-sabotage.test; unset,
// the test builds its own); EnvShard ("K/N") runs only shard K of N of the catalogue
// (sabotage.Shard) and writes a shard's score, which `bookingharness report --merge` joins
// with the other shards' (docs/ci.md).
const (
	EnvSelftest    = "HARNESS_GATE_SELFTEST"
	EnvMutationOut = "HARNESS_MUTATION_OUT"
	EnvOnly        = "HARNESS_SELFTEST_ONLY"
	EnvBinary      = "HARNESS_SELFTEST_BIN"
	EnvShard       = "HARNESS_SELFTEST_SHARD"
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

// failFast is added to a sabotaged run's flags: the run stops after its first failed spec.
// It changes nothing about how the specs before it ran, so a catch among them is the catch a
// whole run would have made; a run that stopped without a catch is made again whole, so
// stopping early never decides any other verdict (judge).
const failFast = "--fail-fast"

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
// suite reads its incident catalogue from there. ginkgo is the Ginkgo CLI of go.mod, built
// once too (go tool ginkgo would ask the go command again for every run).
type suite struct {
	root, bin, ginkgo string
	// env is what every run's environment adds: the one Postgres server of the self-test
	// (each run still gets its own databases).
	env []string
}

func build(ctx context.Context, t *testing.T) suite {
	t.Helper()
	s := buildSuite(ctx, t)
	s.ginkgo = filepath.Join(t.TempDir(), "ginkgo")
	args := []string{"build", "-o", s.ginkgo, "github.com/onsi/ginkgo/v2/ginkgo"}
	if log, code := run(ctx, t, s.root, nil, "go", args...); code != 0 {
		t.Fatalf("go %v: exit %d\n%s", args, code, log)
	}
	return s
}

// buildSuite is the tagged suite binary EnvBinary names, or one built now.
func buildSuite(ctx context.Context, t *testing.T) suite {
	t.Helper()
	root := repoRoot(t)
	if bin := os.Getenv(EnvBinary); bin != "" {
		// A relative path is the repository root's, as make gives it.
		abs := bin
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(root, bin)
		}
		if filepath.Dir(abs) != filepath.Join(root, "scenarios") {
			t.Fatalf("%s=%s: the suite binary must be in %s, where ginkgo runs it and the suite finds its incident catalogue", EnvBinary, bin, filepath.Join(root, "scenarios"))
		}
		if _, err := os.Stat(abs); err != nil {
			t.Fatalf("%s: %v (make suite-sabotage builds it)", EnvBinary, err)
		}
		return suite{root: root, bin: abs}
	}
	s := suite{root: root, bin: filepath.Join(root, "scenarios", fmt.Sprintf("selftest-%d.test", os.Getpid()))}
	t.Cleanup(func() { os.Remove(s.bin) })
	args := []string{"test", "-c", "-tags", "bookingharness_sabotage", "-o", s.bin, "./scenarios/"}
	if log, code := run(ctx, t, root, nil, "go", args...); code != 0 {
		t.Fatalf("go %v: exit %d\n%s", args, code, log)
	}
	return s
}

// runSlice runs the slice with sabotage name on ("" for the control run) and returns what
// it left and how often the sabotage fired. extraFlags are added to ginkgo's (failFast);
// extraEnv overrides the environment (a test of the verdicts points Postgres nowhere with
// it).
func (s suite) runSlice(ctx context.Context, t *testing.T, name sabotage.Name, slice string, extraFlags []string, extraEnv ...string) (reports.SliceRun, int, string) {
	t.Helper()
	out := t.TempDir()
	fires := filepath.Join(out, "fires")
	if err := os.MkdirAll(fires, 0o755); err != nil {
		t.Fatal(err)
	}
	env := append(append(slices.Clone(s.env), sabotage.EnvName+"="+string(name), sabotage.EnvFires+"="+fires, "HARNESS_GATED_TIMEOUT="+gatedTimeout), extraEnv...)
	// Specs fail on purpose under a sabotage: ginkgo's exit code says nothing; the report
	// and the firing count are what is judged.
	args := append(append(ginkgoFlags(slice, out), extraFlags...), s.bin)
	log, _ := run(ctx, t, s.root, env, s.ginkgo, args...)
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

// judge runs sabotage sb on its slice and judges it against the slice's control run. The
// run stops at its first failed spec (failFast); when that run is no catch — the failure
// was no honest catch, the sabotage never fired, or nothing failed — the slice runs again
// whole and that run is judged, so only a catch is ever decided by a run that stopped early.
func (s suite) judge(ctx context.Context, t *testing.T, sb sabotage.Sabotage, control reports.SliceRun) reports.MutationResult {
	t.Helper()
	t0 := time.Now()
	res, fired, _ := s.runSlice(ctx, t, sb.Name, sb.Slice, []string{failFast})
	verdict, why, catches := reports.JudgeSabotage(control, res, fired)
	early := verdict == reports.VerdictCaught
	if !early {
		res, fired, _ = s.runSlice(ctx, t, sb.Name, sb.Slice, nil)
		verdict, why, catches = reports.JudgeSabotage(control, res, fired)
	}
	r := reports.MutationResult{Sabotage: string(sb.Name), Target: string(sb.Target), Policy: sb.Policy, Layer: sb.Layer, What: sb.What, Slice: sb.Slice,
		Verdict: verdict, Why: why, Fires: fired, Catches: catches, StoppedAtCatch: early, Seconds: time.Since(t0).Seconds()}
	if r.Catches == nil {
		r.Catches = []reports.Catch{}
	}
	return r
}

// chosen is the catalogue, the sabotages EnvOnly names, or the shard EnvShard names;
// partial says no score of the whole catalogue can be written from it, shard which shard
// it is (nil for none).
func chosen(t *testing.T) (all []sabotage.Sabotage, partial bool, shard *sabotage.ShardSpec) {
	only, part := os.Getenv(EnvOnly), os.Getenv(EnvShard)
	switch {
	case only != "" && part != "":
		t.Fatalf("%s and %s exclude each other: a shard's score must hold its whole shard", EnvOnly, EnvShard)
	case part != "":
		sp, err := sabotage.ParseShard(part)
		if err != nil {
			t.Fatalf("%s: %v", EnvShard, err)
		}
		return sabotage.Shard(sabotage.All(), sp), false, &sp
	case only == "":
		return sabotage.All(), false, nil
	}
	for _, n := range strings.Split(only, ",") {
		s, err := sabotage.Lookup(sabotage.Name(strings.TrimSpace(n)))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, s)
	}
	return all, true, nil
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
	all, partial, shard := chosen(t)
	command := []string{"go", "test", "-run", "TestGateCatchesEverySabotage", "./reports/selftest",
		"(ginkgo " + strings.Join(ginkgoFlags("<slice>", "<out>"), " ") + ", sabotaged runs " + failFast + " then whole when no catch, HARNESS_GATED_TIMEOUT=" + gatedTimeout + ")"}
	if shard != nil {
		command = append(command, EnvShard+"="+shard.String())
	}
	st, err := stamp.Take(repoRoot(t), stamp.Command(command))
	if err != nil {
		t.Fatal(err)
	}
	s := build(ctx, t)
	t.Logf("the tagged suite ready in %s: %s", time.Since(began).Round(time.Second), s.bin)
	// One Postgres for every run (the one make test hands down, or one started here), not a
	// server per run.
	pg, err := pgenv.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close(context.WithoutCancel(ctx))
	s.env = []string{pgenv.EnvDSN + "=" + pg.AdminDSN(), pgenv.EnvProvider + "=" + string(pgenv.ProviderDSN)}
	t.Logf("Postgres: %s", pg)

	// The verdicts themselves, on a real run: a suite that cannot start is inconclusive.
	broken, fires, log := s.runSlice(ctx, t, sabotage.CoreCancel, "kind:lifecycle", []string{failFast}, "HARNESS_PG_PROVIDER=dsn", "HARNESS_PG_DSN=postgres://nobody@127.0.0.1:1/none?sslmode=disable")
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
			control, _, _ = s.runSlice(ctx, t, "", sb.Slice, nil)
			controls[sb.Slice] = control
			t.Logf("control  %-60q %3d green spec(s) in %5.1fs %s", sb.Slice, control.Passed(), time.Since(t0).Seconds(), control.SuiteFailure)
		}
		r := s.judge(ctx, t, sb, control)
		m.Add(r)
		t.Logf("%-34s %-12s fired %5d  %3d catch(es) in %5.1fs%s  %s", sb.Name, r.Verdict, r.Fires, len(r.Catches), r.Seconds, stoppedWord(r), firstOf(r))
	}
	m.Stamp, m.Shard = &st, shard
	if shard != nil {
		fmt.Printf("shard %s of the self-test: ", shard)
	}
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

// stoppedWord marks a run that stopped at its catch.
func stoppedWord(r reports.MutationResult) string {
	if r.StoppedAtCatch {
		return " (stopped at the catch)"
	}
	return ""
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
