package main

import (
	"os"
	"testing"
)

// runMainVar makes the test binary act as bookingharness itself, so a sut.yaml's command
// ${BOOKINGHARNESS} serve-core … can start it while these tests run.
const runMainVar = "BOOKINGHARNESS_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainVar) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}
