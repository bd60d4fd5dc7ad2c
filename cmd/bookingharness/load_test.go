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
	"time"

	"github.com/bookingharness/bookingharness/sim/load"
)

// loadCLI runs `bookingharness load args…` in-process and returns the exit code main would
// use, stdout and the error text.
func loadCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRootCmd()
	root.SetArgs(append([]string{"load", "--no-progress"}, args...))
	root.SetOut(&out)
	root.SetErr(&errOut)
	err := root.ExecuteContext(context.Background())
	code := 0
	if err != nil {
		errOut.WriteString(err.Error())
		code = 2
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		}
	}
	return code, out.String(), errOut.String()
}

// Bad flags exit 2 with a message naming the flag, before any Postgres or Cal.com is touched.
func TestLoadFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		flag string
	}{
		{[]string{"--calls", "0"}, "--calls"},
		{[]string{"--concurrency", "100000"}, "--concurrency"},
		{[]string{"--slots", "0"}, "--slots"},
		{[]string{"--policy", "lenient"}, "--policy"},
		{[]string{"--layers", "freshness,moat"}, "--layers"},
		{[]string{"--layers", ","}, "--layers"},
		{[]string{"--layers", "[]"}, "--layers"},
		{[]string{"--policy", "seed", "--layers", "slot_exclusion"}, "the seed policy has no slot_exclusion layer; its layers are [freshness, call_id, db_check, unique]"},
		{[]string{"--faults", "status_503=0.1"}, "--faults"},
		{[]string{"--faults", "status_500=2"}, "--faults"},
		{[]string{"--duration", "-1s"}, "--duration"},
		{[]string{"--calcom-url", "http://203.0.113.7:8787"}, "--calcom-url"},
		{[]string{"--expect-violations", "teleported_booking"}, "--expect-violations"},
		{[]string{"--calls", "many"}, "--calls"},
		{[]string{"--rate", "fast"}, "--rate"},
		{[]string{"--rate", "0/s"}, "--rate"},
		{[]string{"--arrivals", "bursty"}, "--arrivals"},
		{[]string{"--max-in-flight", "-1"}, "--max-in-flight"},
		{[]string{"--calcom-latency", "50ms±100ms"}, "--calcom-latency"},
		{[]string{"--calcom-latency", "soon"}, "--calcom-latency"},
		{[]string{"--roll-every", "-2"}, "--roll-every"},
		{[]string{"--cancel-rate", "1.5"}, "--cancel-rate"},
		{[]string{"--max-conns", "500"}, "--max-conns"},
		{[]string{"--stall-window", "-1s"}, "--stall-window"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, msg := loadCLI(t, tt.args...)
			if code != 2 || !strings.Contains(msg, tt.flag) {
				t.Fatalf("exit %d, message %q; want 2 naming %s", code, msg, tt.flag)
			}
		})
	}
}

func TestPlannedCalls(t *testing.T) {
	tests := []struct {
		rate float64
		d    time.Duration
		want int
	}{
		{50, 30 * time.Second, 1500},
		{0.5, 3 * time.Second, 2},
		{1000, time.Millisecond, 1},
		{100_000, 1000 * time.Hour, load.MaxCalls},
	}
	for _, tt := range tests {
		if got := plannedCalls(tt.rate, tt.d); got != tt.want {
			t.Errorf("plannedCalls(%v, %s) = %d, want %d", tt.rate, tt.d, got, tt.want)
		}
	}
}

// End to end: hardened on one contended slot exits 0; the seed without layers under forced
// replays exits 1 when no violation is tolerated, and its JSON names the duplicate.
func TestLoadExitCodes(t *testing.T) {
	env := pg.Env(t)
	dsn := env.AdminDSN()

	code, out, msg := loadCLI(t, "--pg-dsn", dsn, "--calls", "30", "--concurrency", "4", "--slots", "1", "--policy", "hardened")
	if code != 0 || !strings.Contains(out, "verdict: OK") {
		t.Fatalf("hardened: exit %d\n%s\n%s", code, out, msg)
	}

	dir := t.TempDir()
	jsonPath, htmlPath := filepath.Join(dir, "load.json"), filepath.Join(dir, "load.html")
	code, out, msg = loadCLI(t, "--pg-dsn", dsn, "--calls", "30", "--concurrency", "4", "--slots", "2", "--policy", "seed",
		"--layers", "none", "--faults", "force_replay=1", "--expect-violations", "none", "--json", jsonPath, "--html", htmlPath)
	if code != 1 || !strings.Contains(out, "duplicate_booking_id") || !strings.Contains(msg, "unexpected violations") {
		t.Fatalf("seed without layers: exit %d\n%s\n%s", code, out, msg)
	}
	data, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		OK         bool                `json:"ok"`
		Unexpected []string            `json:"unexpected_violations"`
		Violations struct{ Total int } `json:"violations"`
	}
	if err := json.Unmarshal(data, &res); err != nil || res.OK || res.Violations.Total == 0 || len(res.Unexpected) == 0 {
		t.Errorf("JSON %+v (err %v)", res, err)
	}
	for _, p := range []string{htmlPath, filepath.Join(dir, "load-timeline.html")} {
		if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
			t.Errorf("%s not written: %v", p, err)
		}
	}

	// An open loop: --rate with --duration and no --calls plans rate × duration calls, and
	// the JSON carries the new facts next to the old field names. How many of the planned
	// arrivals start before --duration ends depends on the machine's load (the last can miss
	// it on a busy 2-core runner), so the attempts are bounded, not pinned.
	openJSON := filepath.Join(dir, "open.json")
	code, out, msg = loadCLI(t, "--pg-dsn", dsn, "--rate", "100/s", "--duration", "400ms", "--arrivals", "constant", "--slots", "3",
		"--roll-every", "5", "--cancel-rate", "0.5", "--calcom-latency", "5ms±2ms", "--max-conns", "4", "--json", openJSON)
	if code != 0 || !strings.Contains(out, "open loop: 100/s constant arrivals") || !strings.Contains(out, "4 connections") {
		t.Fatalf("open loop: exit %d\n%s\n%s", code, out, msg)
	}
	data, err = os.ReadFile(openJSON)
	if err != nil {
		t.Fatal(err)
	}
	var open struct {
		Mode          string  `json:"mode"`
		Planned       int     `json:"planned_calls"`
		Attempts      int     `json:"attempts"`
		Rate          float64 `json:"rate_per_second"`
		CalcomLatency string  `json:"calcom_latency"`
		RollEvery     int     `json:"roll_every"`
		Pool          struct {
			MaxConns int `json:"max_conns"`
		} `json:"pool"`
		Cancels struct {
			Attempted int `json:"attempted"`
		} `json:"cancels"`
	}
	if err := json.Unmarshal(data, &open); err != nil || open.Mode != "open" || open.Planned != 40 || open.Attempts < 1 || open.Attempts > open.Planned || open.Rate != 100 ||
		open.CalcomLatency != "5ms±2ms" || open.RollEvery != 5 || open.Pool.MaxConns != 4 || open.Cancels.Attempted == 0 {
		t.Errorf("open-loop JSON %+v (err %v)", open, err)
	}
}
