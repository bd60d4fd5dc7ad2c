package shrink

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/bookingharness/bookingharness/pgenv"
)

// Postgres is started lazily, so the minimiser's tests on hand-made oracles need none; the
// end-to-end test and the benchmark ask for it.
var (
	pgOnce sync.Once
	pgEnv  *pgenv.Env
	pgErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if pgEnv != nil {
		_ = pgEnv.Close(context.Background())
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// postgres returns the package's Postgres (HARNESS_PG_DSN, a container, or an embedded
// server; see pgenv), failing the test when none can be started.
func postgres(t testing.TB) *pgenv.Env {
	t.Helper()
	pgOnce.Do(func() { pgEnv, pgErr = pgenv.Start(context.Background()) })
	if pgErr != nil {
		t.Fatalf("postgres: %v", pgErr)
	}
	return pgEnv
}
