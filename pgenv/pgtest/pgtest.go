// Package pgtest is the TestMain of packages whose tests need Postgres and start goroutines:
// one server per package, and a goroutine-leak check once every test has passed.
package pgtest

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/bookingharness/bookingharness/pgenv"
)

// Main runs the package's tests against a Postgres from pgenv.RunTests (handed to use), then
// fails the run if any goroutine the tests started is still alive — every world's fake
// server, pool and concurrent caller must be gone. It returns the exit code:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m, func(e *pgenv.Env) { env = e })) }
func Main(m *testing.M, use func(*pgenv.Env)) int {
	code := pgenv.RunTests(m, use)
	if code == 0 {
		if err := goleak.Find(goleak.IgnoreCurrent()); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	return code
}
