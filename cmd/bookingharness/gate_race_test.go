package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The black-box gate names a planted check-then-insert race in every run, by construction
// (the fake holds each create until the racing one has arrived, see world.Hold), not by
// luck; a correct service under the same gate stays green. The racy service
// (testdata/racy-service) is a small Go program that knows only the contract: SELECT the
// slot, POST to Cal.com, INSERT — no constraint, no lock, any 2xx stored. Each run is small
// (one concurrent incident and a short contention load); ten runs with ten load seeds. The
// incident's concurrent step names the race every time (its requests are held together by
// construction); the load, whose calls fall on slots by seed and meet faults, must find the
// service wrong too, by whichever invariant the seed shows.
func TestGateNamesAPlantedRaceEveryTime(t *testing.T) {
	dsn := serviceTestEnv(t)
	bin := filepath.Join(t.TempDir(), "racy-service")
	if out, err := exec.Command("go", "build", "-o", bin, "./testdata/racy-service").CombinedOutput(); err != nil {
		t.Fatalf("build the racy service: %v\n%s", err, out)
	}
	t.Setenv("RACY_SERVICE", bin)
	catalogue := catalogueOf(t, "concurrent-burst-round-robin")
	small := func(sut string, seed int) []string {
		return []string{"gate", "--sut", sut, "--pg-dsn", dsn, "--incidents", catalogue, "--out", t.TempDir(), "--compare=false",
			"--no-reproduce", "--load-calls", "32", "--load-concurrency", "8", "--load-seed", strconv.Itoa(seed)}
	}
	const runs = 10
	named := 0
	for seed := 1; seed <= runs; seed++ {
		code, out, _ := execute(t, small("testdata/racy-service/sut.yaml", seed)...)
		incident, load := findingLine(out, "[incidents] incident concurrent-burst-round-robin"), findingLine(out, "[load]")
		if code == 1 && strings.Contains(incident, "duplicate_booking_id") && strings.Contains(load, "which the hardened policy does not expect") {
			named++
			continue
		}
		t.Errorf("seed %d: exit %d; the race is not named in the incident, or the load found nothing:\n%s", seed, code, out)
	}
	t.Logf("the planted race was named in %d of %d gate runs", named, runs)

	// The reference core, hardened, behind the same contract: nothing to find, and its
	// concurrent step and load show requests racing inside it (not serialised).
	sut := hardenedServeCore(t)
	expectRun(t, append(small(sut, 1), "--policy", "hardened", "--layers", "slot_exclusion"), 0,
		[]string{"gate: PASS"}, nil)
}

// findingLine is the gate finding line of out that starts with prefix (after indentation).
func findingLine(out, prefix string) string {
	for line := range strings.SplitSeq(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), prefix) {
			return line
		}
	}
	return ""
}

// hardenedServeCore is serve-core.sut.yaml with the hardened core.
func hardenedServeCore(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(serveCoreSUT)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(filepath.Dir(serveCoreSUT), "hardened-"+strconv.Itoa(os.Getpid())+".sut.yaml")
	if err := os.WriteFile(out, []byte(strings.Replace(string(data), "SERVE_CORE_POLICY: seed", "SERVE_CORE_POLICY: hardened", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Remove(out) })
	return out
}
