package pgenv

import (
	"context"
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

// ForTestMain starts an Env for a package's TestMain and returns it with a stop function to
// defer; on failure it returns the error so TestMain can print it and exit non-zero — a
// package whose tests need Postgres fails loudly rather than skipping silently.
func ForTestMain() (*Env, func(), error) {
	ctx := context.Background()
	env, err := Start(ctx)
	if err != nil {
		return nil, func() {}, err
	}
	return env, func() { _ = env.Close(ctx) }, nil
}
