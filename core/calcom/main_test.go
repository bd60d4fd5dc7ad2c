package calcom

import (
	"testing"

	"go.uber.org/goleak"
)

// The client starts no goroutines of its own; transports used by the tests are closed.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
