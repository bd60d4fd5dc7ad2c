package pgproxy_test

import (
	"os"
	"testing"

	"github.com/bookingharness/bookingharness/pgenv"
	"github.com/bookingharness/bookingharness/pgenv/pgtest"
)

// env is the package's Postgres server, started once in TestMain.
var env *pgenv.Env

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m, func(e *pgenv.Env) { env = e })) }
