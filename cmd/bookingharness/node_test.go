package main

import (
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

// `sut check` passes the Node service: every conformance check, the layer switch included.
func TestNodeServiceSUTCheck(t *testing.T) {
	dsn := nodeTestEnv(t)
	expectRun(t, []string{"sut", "check", "--pg-dsn", dsn, "--sut", nodeSUT}, 0, []string{
		"capabilities            PASS    time_travel=true layers=[freshness call_id db_check unique slot_exclusion] reset=true",
		"same call again         PASS    already_booked", "second call, same slot  PASS", "cancel                  PASS",
		"layer switch            PASS", "schema of every answer  PASS", "the service keeps the contract",
	}, nil)
}

// The whole catalogue replayed against the Node service under the hardened expectations is
// make blackbox-node's job, which make test runs: a test here made the same replay again.

// Each defect the Node service can plant is caught by the harness, named by the invariant
// it breaks, in the file written for it (examples/node-hardened-service/defects/); without a
// defect every one of those files passes, so what fails is the defect, not the file.
func TestNodeServiceDefects(t *testing.T) {
	dsn := nodeTestEnv(t)
	replayArgs := []string{"replay", "--pg-dsn", dsn, "--sut", nodeSUT}
	files, err := filepath.Glob(filepath.Join(nodeDir, "defects", "*.yaml"))
	if err != nil || len(files) != 3 {
		t.Fatalf("defect files %v: %v", files, err)
	}
	expectRun(t, append(replayArgs, files...), 0, []string{"PASS node-no-metadata-check", "PASS node-no-claim", "PASS node-trust-any-2xx"}, nil)

	for _, tc := range []struct {
		defect, file string
		violated     []string
	}{
		{"no_metadata_check", "no-metadata-check.yaml", []string{"orphan_booking"}},
		{"no_claim", "no-claim.yaml", []string{"orphan_booking"}},
		{"trust_any_2xx", "trust-any-2xx.yaml", []string{"duplicate_booking_id", "double_booked_slot"}},
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
