package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bookingharness/bookingharness/internal/nodetest"
)

// The hardened booking service in Node (examples/node-hardened-service), as a team would
// gate it: its own sut.yaml, the catalogue unchanged, and a defect it can plant
// (APP_DEFECT, inherited from the harness's environment by the service it starts).
const (
	nodeDir = "../../examples/node-hardened-service"
	nodeSUT = nodeDir + "/sut.yaml"
)

// nodeTestEnv makes sure Node and the example's packages are there (nodetest.Require),
// clears any APP_DEFECT of the caller's shell, and returns the admin DSN of a Postgres
// server for the service's fresh databases.
func nodeTestEnv(t *testing.T) string {
	t.Helper()
	nodetest.Require(t, nodeDir)
	t.Setenv("APP_DEFECT", "")
	env := pg.Env(t)
	return env.AdminDSN()
}

// `sut check` passes the Node service: every conformance check, the layer switch, its
// webhook receiver and a kill and restart included.
func TestNodeServiceSUTCheck(t *testing.T) {
	dsn := nodeTestEnv(t)
	row := func(name, rest string) string { return fmt.Sprintf("%-29s%s", name, rest) }
	expectRun(t, []string{"sut", "check", "--pg-dsn", dsn, "--sut", nodeSUT}, 0, []string{
		row("capabilities", "PASS    time_travel=true layers=[freshness call_id db_check unique slot_exclusion] reset=true"),
		row("same call again", "PASS    already_booked"), row("second call, same slot", "PASS"), row("cancel", "PASS"),
		row("layer switch", "PASS"), row("schema of every answer", "PASS"), row("concurrent calls, same slot", "PASS"),
		row("webhook receiver", "PASS"), row("restart", "PASS"), "the service keeps the contract",
	}, nil)
}

// The whole catalogue replayed against the Node service under the hardened expectations —
// every file run, none skipped — is make blackbox-node's job (its black-box gate), which
// make test runs: a test here made the same replay again.

// Each defect the Node service can plant is caught by the harness, named by the invariant
// it breaks, in the file written for it (examples/node-hardened-service/defects/); without a
// defect every one of those files passes, so what fails is the defect, not the file.
// no_webhook_dedup has no file: the receiver decides every action on Cal.com's current
// state, so a delivery handled twice changes no row and no invariant can name it;
// sim/blackbox's TestNodeServiceWebhookReceiver shows it by the receiver's answers.
func TestNodeServiceDefects(t *testing.T) {
	dsn := nodeTestEnv(t)
	replayArgs := []string{"replay", "--pg-dsn", dsn, "--sut", nodeSUT}
	files, err := filepath.Glob(filepath.Join(nodeDir, "defects", "*.yaml"))
	if err != nil || len(files) != 4 {
		t.Fatalf("defect files %v: %v", files, err)
	}
	expectRun(t, append(replayArgs, files...), 0, []string{"PASS node-no-metadata-check", "PASS node-no-claim", "PASS node-trust-any-2xx", "PASS node-no-sweep"}, nil)

	for _, tc := range []struct {
		defect, file string
		violated     []string
	}{
		{"no_metadata_check", "no-metadata-check.yaml", []string{"orphan_booking"}},
		{"no_claim", "no-claim.yaml", []string{"orphan_booking"}},
		{"trust_any_2xx", "trust-any-2xx.yaml", []string{"duplicate_booking_id", "double_booked_slot"}},
		{"no_sweep", "no-sweep.yaml", []string{"orphan_booking"}},
	} {
		t.Run(tc.defect, func(t *testing.T) {
			t.Setenv("APP_DEFECT", tc.defect)
			want := []string{"FAIL node-" + strings.ReplaceAll(strings.TrimSuffix(tc.file, ".yaml"), "_", "-")}
			for _, v := range tc.violated {
				want = append(want, "unexpected violation: "+v)
			}
			expectRun(t, append(replayArgs, filepath.Join(nodeDir, "defects", tc.file)), 1, want, []string{"expectations failed"})
		})
	}
}

// A load with database faults (through the proxy in front of the service's database) and
// three kills and restarts of its process group, against both examples: the hardened Node
// service shows no violation at all (a claim whose COMMIT answer was lost is read back and
// worked on, a settle on a flaky connection is tried again); the PHP seed shows what the seed
// is known for (orphans, among others) and nothing else — the load exits 0 for both, each
// judged by its own sut.yaml's policy.
func TestLoadWithDBFaultsAndCrashes(t *testing.T) {
	dsn := nodeTestEnv(t)
	requirePHP(t)
	args := func(sut string) []string {
		return []string{"load", "--sut", sut, "--pg-dsn", dsn, "--calls", "96", "--concurrency", "8", "--slots", "4", "--roll-every", "8",
			"--db-faults", "commit_ack_lost=0.05,reset=0.05", "--faults", "reset_after_commit=0.05,status_500=0.05", "--crashes", "3", "--seed", "1"}
	}
	expectRun(t, args(nodeSUT), 0, []string{"crashes                         3 of 3", "invariants: all hold", "verdict: OK"}, nil)
	expectRun(t, args(phpSUT), 0, []string{"crashes                         3 of 3", "orphan_booking", "verdict: OK (expected violations for policy seed"}, nil)
}
