package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// serveCoreSUT is the worked example: the reference core behind the contract, started as
// `${BOOKINGHARNESS} serve-core` — in these tests, this test binary acting as main.
const serveCoreSUT = "../../sim/blackbox/testdata/serve-core.sut.yaml"

// serviceTestEnv prepares a test that starts serve-core.sut.yaml's service: Postgres (its
// admin DSN is returned), this test binary acting as main for ${BOOKINGHARNESS}, and no
// race-detector sleep when the race-built service stops.
func serviceTestEnv(t *testing.T) string {
	t.Helper()
	env := pg.Env(t)
	t.Setenv(runMainVar, "1")
	t.Setenv("GORACE", "atexit_sleep_ms=0")
	return env.AdminDSN()
}

// `replay --sut` replays unchanged files against a black-box service: the same exit codes,
// the service named in the timeline and the JSON, a file it cannot run SKIPPED with the
// reason (not failed, not passed), exit 1 when every file was skipped, and exit 2 for a
// broken sut.yaml.
func TestReplaySUT(t *testing.T) {
	dsn := serviceTestEnv(t)
	good := "../../scenarios/incidents/call-687-688.yaml"
	noLayers := "../../scenarios/incidents/call-687-688-no-layers.yaml"
	latency := "../../scenarios/incidents/clock-skew-fast-app.yaml"

	for _, tc := range []struct {
		name           string
		args           []string
		code           int
		stdout, stderr []string
	}{
		{"met", []string{good, noLayers}, 0, []string{"black-box service " + serveCoreSUT, "slot_taken (freshness) ✓", "PASS call-687-688 ", "PASS call-687-688-no-layers"}, nil},
		{"exploratory override", []string{"--policy", "hardened", "--layers", "none", good}, 0, []string{"expectations: none"}, nil},
		{"judged by the hardened expectations, the seed core fails", []string{"--policy", "hardened", "../../scenarios/incidents/dropped-created-at.yaml"}, 1,
			[]string{"judged as hardened", "✗ want slot_taken (slot_exclusion)", "service output during steps[1]", "DUPLICATE BOOKING PREVENTION"}, []string{"expectations failed"}},
		{"a skip does not fail", []string{good, latency}, 0, []string{"SKIPPED clock-skew-fast-app", "declared by the service (sut.yaml skip): Cal.com's latency", "PASS call-687-688"}, nil},
		{"everything skipped", []string{latency}, 1, []string{"SKIPPED"}, []string{"every file was skipped"}},
		{"broken sut.yaml", []string{"--sut", "../../sim/blackbox/testdata/missing.sut.yaml", good}, 2, nil, []string{"missing.sut.yaml", "cannot read"}},
		{"--service-output without --sut", []string{"--service-output", good}, 2, nil, []string{"--service-output needs --sut"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"replay", "--pg-dsn", dsn}
			if !strings.HasPrefix(strings.Join(tc.args, " "), "--sut") && !strings.HasPrefix(strings.Join(tc.args, " "), "--service-output") {
				args = append(args, "--sut", serveCoreSUT)
			}
			expectRun(t, append(args, tc.args...), tc.code, tc.stdout, tc.stderr)
		})
	}

	t.Run("json", func(t *testing.T) {
		code, stdout, _ := execute(t, "replay", "--pg-dsn", dsn, "--sut", serveCoreSUT, "--json", good, latency)
		var doc struct {
			ExitCode int `json:"exit_code"`
			Results  []struct {
				Service *struct {
					SUT      string `json:"sut"`
					JudgedAs string `json:"judged_as"`
				} `json:"service"`
				Skipped string `json:"skipped"`
			} `json:"results"`
			Skipped []struct {
				File, Reason string
			} `json:"skipped"`
		}
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, stdout)
		}
		if code != 0 || len(doc.Results) != 2 || doc.Results[0].Service == nil || doc.Results[0].Service.SUT != serveCoreSUT ||
			doc.Results[0].Service.JudgedAs != "seed" || len(doc.Skipped) != 1 || !strings.Contains(doc.Skipped[0].Reason, "declared by the service") {
			t.Errorf("code %d, doc %+v\n%s", code, doc, stdout)
		}
	})
}
