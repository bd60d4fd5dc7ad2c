package pgenv

import (
	"context"
	"fmt"
	"os"
	"testing"
)

// NewTestDatabase is NewDatabase for a test: it fails the test on error and drops the
// database in t.Cleanup. The caller's duty is to close its own pools to the database before
// the test ends (Drop forces remaining connections closed anyway).
func (e *Env) NewTestDatabase(t testing.TB, tpl Template) *Database {
	t.Helper()
	db, err := e.NewDatabase(context.Background(), tpl)
	if err != nil {
		t.Fatalf("pgenv: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Drop(context.Background()); err != nil {
			t.Errorf("pgenv: %v", err)
		}
	})
	return db
}

// RunTests is the body of a TestMain for a package whose tests need Postgres: it starts an
// Env, hands it to use, runs the tests, closes the Env and returns the exit code. When
// Postgres cannot be started it prints why and returns 1 — such a package fails loudly
// rather than skipping silently.
//
//	func TestMain(m *testing.M) { os.Exit(pgenv.RunTests(m, func(e *pgenv.Env) { env = e })) }
func RunTests(m *testing.M, use func(*Env)) int {
	ctx := context.Background()
	env, err := Start(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	use(env)
	code := m.Run()
	if err := env.Close(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "pgenv:", err)
	}
	return code
}
