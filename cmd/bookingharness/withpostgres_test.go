package main

import (
	"os"
	"strings"
	"testing"

	"github.com/bookingharness/bookingharness/pgenv"
)

// with-postgres hands one server down: the child sees HARNESS_PG_PROVIDER=dsn and the
// server's DSN, a harness command in the child uses that server (its Postgres line names
// the existing server, not a container or binaries of its own), the child's exit code is
// with-postgres's own, and a command that cannot start or no command at all exits 2.
func TestWithPostgresHandsOneServerDown(t *testing.T) {
	env := pg.Env(t)
	dsn := env.AdminDSN()
	// The child below runs this test binary acting as bookingharness.
	t.Setenv(runMainVar, "1")
	t.Setenv(pgenv.EnvProvider, "embedded")

	stdout, _ := expectRun(t, []string{"with-postgres", "--pg-dsn", dsn, "--", "sh", "-c", `echo "provider=$HARNESS_PG_PROVIDER dsn=$HARNESS_PG_DSN"; exit 3`}, 3, nil,
		[]string{"with-postgres: dsn — existing server", "exited with code 3"})
	if want := "provider=dsn dsn=" + dsn + "\n"; stdout != want {
		t.Errorf("the child saw %q, want %q", stdout, want)
	}

	// A harness command in the child: the replay's Postgres is the server handed down.
	_, stderr := expectRun(t, []string{"with-postgres", "--pg-dsn", dsn, "--", os.Args[0], "replay", "--policy", "hardened", "../../scenarios/incidents/call-687-688.yaml"}, 0,
		[]string{"PASS call-687-688"}, nil)
	if !strings.Contains(stderr, "Postgres: dsn — existing server") {
		t.Errorf("the child's replay did not use the server handed down:\n%s", stderr)
	}

	expectRun(t, []string{"with-postgres", "--pg-dsn", dsn, "--", "/nonexistent/command"}, 2, nil, []string{"with-postgres:", "/nonexistent/command"})
	expectRun(t, []string{"with-postgres", "--pg-dsn", dsn}, 2, nil, []string{"requires at least 1 arg"})
}
