package shrink

import (
	"os"
	"testing"

	"github.com/bookingharness/bookingharness/pgenv"
	"github.com/bookingharness/bookingharness/pgenv/pgtest"
)

// pg is started lazily, so the minimiser's tests on hand-made oracles need no Postgres; the
// end-to-end test and the benchmark ask for it.
var pg pgtest.Lazy

func TestMain(m *testing.M) { os.Exit(pgtest.MainLazy(m, &pg)) }

// postgres returns the package's Postgres, failing the test when none can be started.
func postgres(t testing.TB) *pgenv.Env { return pg.Env(t) }
