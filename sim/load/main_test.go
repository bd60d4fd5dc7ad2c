package load_test

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/bookingharness/bookingharness/pgenv"
)

// env is the package's Postgres server, started once in TestMain.
var env *pgenv.Env

func TestMain(m *testing.M) {
	code := pgenv.RunTests(m, func(e *pgenv.Env) { env = e })
	if code == 0 {
		// Every run's workers, fake server, HTTP clients and pool must be gone.
		if err := goleak.Find(goleak.IgnoreCurrent()); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}
