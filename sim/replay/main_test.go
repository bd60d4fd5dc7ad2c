package replay_test

import (
	"os"
	"testing"

	"github.com/bookingharness/bookingharness/pgenv"
	"github.com/bookingharness/bookingharness/pgenv/pgtest"
	"github.com/bookingharness/bookingharness/sim/blackbox/bbtest"
)

// env is the package's Postgres server, started once in TestMain.
var env *pgenv.Env

func TestMain(m *testing.M) {
	bbtest.ServeIfAsked() // started by a black-box replay as its service
	os.Exit(pgtest.Main(m, func(e *pgenv.Env) { env = e }))
}
