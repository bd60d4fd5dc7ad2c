package main

import (
	"os"
	"testing"

	"github.com/bookingharness/bookingharness/pgenv/pgtest"
)

// runMainVar makes the test binary act as bookingharness itself: a sut.yaml's command
// ${BOOKINGHARNESS} serve-core … can start it while these tests run, and a test can run a
// command in a process of its own, with an environment of its choosing (testcontainers reads
// its configuration once per process).
const runMainVar = "BOOKINGHARNESS_TEST_RUN_MAIN"

// pg is the package's one Postgres server, started by the first test that needs it and
// stopped after the last (under make test, the server with-postgres hands down).
var pg pgtest.Lazy

func TestMain(m *testing.M) {
	if os.Getenv(runMainVar) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(pgtest.MainLazy(m, &pg))
}
