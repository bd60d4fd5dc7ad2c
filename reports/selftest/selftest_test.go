package selftest

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// EnvSelftest switches the test on.
const EnvSelftest = "HARNESS_GATE_SELFTEST"

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

func TestGateCatchesBrokenCore(t *testing.T) {
	if os.Getenv(EnvSelftest) != "1" {
		t.Skipf("skipped: set %s=1 (make gate-selftest) to run the freshness slice of the suite against a sabotaged core", EnvSelftest)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	root := repoRoot(t)
	out := t.TempDir()
	bin := filepath.Join(out, "bookingharness")
	if log, code := run(ctx, t, root, nil, "go", "build", "-o", bin, "./cmd/bookingharness"); code != 0 {
		t.Fatalf("build bookingharness: exit %d\n%s", code, log)
	}

	// The sabotaged slice: specs about freshness fail (that is the point); the report is what
	// the gate judges, so ginkgo's exit code is not asserted.
	log, _ := run(ctx, t, root, nil, "go", "tool", "ginkgo", "--tags", "bookingharness_sabotage", "-p",
		"--label-filter", "layer:freshness", "--json-report=ginkgo.json", "--output-dir="+out, "./scenarios/")
	if _, err := os.Stat(filepath.Join(out, "ginkgo.json")); err != nil {
		t.Fatalf("the sabotaged suite left no ginkgo.json: %v\n%s", err, log)
	}
	if !strings.Contains(log, "SABOTAGED") && !strings.Contains(log, "FAIL") {
		t.Logf("suite output:\n%s", log)
	}
	if log, code := run(ctx, t, root, nil, bin, "report", "--out", out, "--incidents", ""); code != 0 {
		t.Fatalf("report: exit %d\n%s", code, log)
	}
	gate, code := run(ctx, t, root, nil, bin, "gate", "--report", filepath.Join(out, "report.json"), "--no-reproduce")
	if code != 1 {
		t.Fatalf("gate on a core whose freshness layer accepts everything: exit %d, want 1\n%s", code, gate)
	}
	for _, want := range []string{"gate: FAIL", "[layer_decides] layer freshness never decides"} {
		if !strings.Contains(gate, want) {
			t.Errorf("gate output lacks %q:\n%s", want, gate)
		}
	}
}
