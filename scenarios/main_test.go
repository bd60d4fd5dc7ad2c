package scenarios_test

import (
	"os"
	"testing"

	"github.com/bookingharness/bookingharness/sim/blackbox/bbtest"
)

// TestMain lets the suite's test binary stand in as a black-box service: the black-box specs
// start it as sut.yaml's command, and it then serves the reference core behind the contract
// (what `bookingharness serve-core` serves) instead of running specs.
func TestMain(m *testing.M) {
	bbtest.ServeIfAsked()
	os.Exit(m.Run())
}
