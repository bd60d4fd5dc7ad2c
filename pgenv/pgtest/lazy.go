package pgtest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/bookingharness/bookingharness/pgenv"
)

// Lazy is a package's Postgres started on first use, for packages whose pure tests must run
// without one (Docker may be absent) while a few tests need it.
type Lazy struct {
	once sync.Once
	env  *pgenv.Env
	err  error
}

// Env starts Postgres the first time (pgenv.Start: HARNESS_PG_DSN, a container or the local
// binaries) and fails t when none can be started.
func (l *Lazy) Env(t testing.TB) *pgenv.Env {
	t.Helper()
	l.once.Do(func() { l.env, l.err = pgenv.Start(context.Background()) })
	if l.err != nil {
		t.Fatalf("postgres: %v", l.err)
	}
	return l.env
}

// MainLazy runs the package's tests, stops l's Postgres if a test started it, and then fails
// the run if any goroutine the tests started is still alive (ignore: goroutines a package
// knows to outlive its tests). It returns the exit code:
//
//	var pg pgtest.Lazy
//	func TestMain(m *testing.M) { os.Exit(pgtest.MainLazy(m, &pg)) }
func MainLazy(m *testing.M, l *Lazy, ignore ...goleak.Option) int {
	code := m.Run()
	if l.env != nil {
		_ = l.env.Close(context.Background())
	}
	if code == 0 {
		if err := goleak.Find(ignore...); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	return code
}
