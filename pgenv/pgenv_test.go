package pgenv_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/pgenv"
)

var env *pgenv.Env

func TestMain(m *testing.M) {
	if os.Getenv(pgenv.EmbeddedChildEnv) != "" {
		os.Exit(pgenv.EmbeddedChildMain())
	}
	os.Exit(pgenv.RunTests(m, func(e *pgenv.Env) {
		fmt.Println("pgenv:", e)
		env = e
	}))
}

func hasUniqueIndex(t *testing.T, dsn string) bool {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_indexes WHERE indexname = 'unique_calcom_v2_booking_id'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

func TestDatabasesFollowTheirSchema(t *testing.T) {
	for _, tc := range []struct {
		schema     store.Schema
		wantUnique bool
	}{
		{store.FullSchema(), true},
		{store.Schema{}, false},
		{store.Schema{Unique: true}, true},
		{store.Schema{SlotExclusion: true}, false},
	} {
		t.Run(tc.schema.Name(), func(t *testing.T) {
			db := env.NewTestDatabase(t, pgenv.StoreTemplate(tc.schema))
			if got := hasUniqueIndex(t, db.DSN); got != tc.wantUnique {
				t.Fatalf("unique index present = %v, want %v", got, tc.wantUnique)
			}
		})
	}
}

func TestDatabasesAreIsolated(t *testing.T) {
	ctx := context.Background()
	tpl := pgenv.StoreTemplate(store.FullSchema())
	a := env.NewTestDatabase(t, tpl)
	b := env.NewTestDatabase(t, tpl)
	if a.Name == b.Name {
		t.Fatalf("two databases share the name %s", a.Name)
	}
	conn, err := pgx.Connect(ctx, a.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `INSERT INTO calls (retell_call_id) VALUES ('call_isolated')`); err != nil {
		t.Fatal(err)
	}
	connB, err := pgx.Connect(ctx, b.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer connB.Close(ctx)
	var n int
	if err := connB.QueryRow(ctx, `SELECT count(*) FROM calls`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("a row written to %s is visible in %s", a.Name, b.Name)
	}
}

// Concurrent first use of a template must build it once and give every caller a database.
func TestConcurrentTemplateBuild(t *testing.T) {
	ctx := context.Background()
	tpl := pgenv.StoreTemplate(store.FullSchema())
	tpl.Name += "_concurrent_" + t.Name()[:4]
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			db, err := env.NewDatabase(ctx, tpl)
			if err == nil {
				err = db.Drop(ctx)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestDropRemovesTheDatabase(t *testing.T) {
	ctx := context.Background()
	db, err := env.NewDatabase(ctx, pgenv.StoreTemplate(store.FullSchema()))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Drop(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := pgx.Connect(ctx, db.DSN); err == nil {
		t.Fatalf("connected to dropped database %s", db.Name)
	}
}

func TestAttachToUnreachableServerExplains(t *testing.T) {
	_, err := pgenv.Attach(context.Background(), "postgres://nobody:secret@127.0.0.1:1/none?connect_timeout=2")
	if err == nil {
		t.Fatal("attach to a closed port succeeded")
	}
	if strings.Contains(err.Error(), "secret") {
		t.Fatalf("error leaks the password: %v", err)
	}
}

// BenchmarkNewDatabase measures the per-test cost: clone the template and drop the clone.
func BenchmarkNewDatabase(b *testing.B) {
	ctx := context.Background()
	tpl := pgenv.StoreTemplate(store.FullSchema())
	first, err := env.NewDatabase(ctx, tpl) // builds the template outside the timing
	if err != nil {
		b.Fatal(err)
	}
	if err := first.Drop(ctx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		db, err := env.NewDatabase(ctx, tpl)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := db.Drop(ctx); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
