package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/bookingharness/bookingharness/pgenv"
)

// serveCoreSUT is the worked example: the reference core behind the contract, started as
// `${BOOKINGHARNESS} serve-core` — in these tests, this test binary acting as main.
const serveCoreSUT = "../../sim/blackbox/testdata/serve-core.sut.yaml"

// `replay --sut` replays unchanged files against a black-box service: the same exit codes,
// the service named in the timeline and the JSON, a file it cannot run SKIPPED with the
// reason (not failed, not passed), exit 1 when every file was skipped, and exit 2 for a
// broken sut.yaml.
func TestReplaySUT(t *testing.T) {
	ctx := context.Background()
	env, err := pgenv.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close(ctx)
	dsn := env.AdminDSN()
	t.Setenv(runMainVar, "1")
	t.Setenv("GORACE", "atexit_sleep_ms=0") // the race-built service would sleep 1 s at every stop
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
		{"a skip does not fail", []string{good, latency}, 0, []string{"SKIPPED clock-skew-fast-app", "calcom.latency (5s)", "PASS call-687-688"}, nil},
		{"everything skipped", []string{latency}, 1, []string{"SKIPPED"}, []string{"every file was skipped"}},
		{"broken sut.yaml", []string{"--sut", "../../sim/blackbox/testdata/missing.sut.yaml", good}, 2, nil, []string{"missing.sut.yaml", "cannot read"}},
		{"--service-output without --sut", []string{"--service-output", good}, 2, nil, []string{"--service-output needs --sut"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"replay", "--pg-dsn", dsn}
			if !strings.HasPrefix(strings.Join(tc.args, " "), "--sut") && !strings.HasPrefix(strings.Join(tc.args, " "), "--service-output") {
				args = append(args, "--sut", serveCoreSUT)
			}
			code, stdout, stderr := execute(t, append(args, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
			for _, w := range tc.stdout {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout)
				}
			}
			for _, w := range tc.stderr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
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
			doc.Results[0].Service.JudgedAs != "seed" || len(doc.Skipped) != 1 || !strings.Contains(doc.Skipped[0].Reason, "calcom.latency") {
			t.Errorf("code %d, doc %+v\n%s", code, doc, stdout)
		}
	})
}
