package fromhar_test

import (
	"os"
	"testing"

	"github.com/bookingharness/bookingharness/pgenv/pgtest"
)

// pg is the package's Postgres, started by the first test that replays.
var pg pgtest.Lazy

func TestMain(m *testing.M) { os.Exit(pgtest.MainLazy(m, &pg)) }
