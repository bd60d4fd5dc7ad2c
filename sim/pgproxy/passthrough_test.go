package pgproxy_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/onsi/gomega"

	"github.com/bookingharness/bookingharness/sim/pgproxy"
)

// With no rules the proxy must be invisible: every way pgx talks to Postgres gives the same
// results through it.
func TestPassThroughWithPgx(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		run  func(t *testing.T, dsn string)
	}{
		{"simple protocol", func(t *testing.T, dsn string) {
			conn := connect(t, dsn)
			var got string
			if err := conn.QueryRow(ctx, `SELECT $1::text || '!'`, pgx.QueryExecModeSimpleProtocol, "hi").Scan(&got); err != nil || got != "hi!" {
				t.Fatalf("got %q, %v", got, err)
			}
			if _, err := conn.Exec(ctx, `INSERT INTO bookings (call_id) VALUES ('call_simple1'); INSERT INTO bookings (call_id) VALUES ('call_simple1')`); err != nil {
				t.Fatal(err)
			}
		}},
		{"extended protocol, cached statements", func(t *testing.T, dsn string) {
			conn := connect(t, dsn)
			for i := range 3 { // the second and third reuse the prepared statement
				var n int
				if err := conn.QueryRow(ctx, `SELECT $1::int * 2`, i).Scan(&n); err != nil || n != 2*i {
					t.Fatalf("got %d, %v", n, err)
				}
			}
		}},
		{"extended protocol, unnamed statements", func(t *testing.T, dsn string) {
			conn := connect(t, dsn)
			rows, err := conn.Query(ctx, `SELECT g FROM generate_series(1, $1::int) g`, pgx.QueryExecModeExec, 1000)
			if err != nil {
				t.Fatal(err)
			}
			sum, err := pgx.CollectRows(rows, pgx.RowTo[int32])
			if err != nil || len(sum) != 1000 || sum[999] != 1000 {
				t.Fatalf("got %d rows, %v", len(sum), err)
			}
		}},
		{"named prepared statement and deallocate", func(t *testing.T, dsn string) {
			conn := connect(t, dsn)
			if _, err := conn.Prepare(ctx, "ins", `INSERT INTO bookings (call_id) VALUES ($1) RETURNING id`); err != nil {
				t.Fatal(err)
			}
			var id int64
			if err := conn.QueryRow(ctx, "ins", "call_prepared1").Scan(&id); err != nil || id == 0 {
				t.Fatalf("id %d, %v", id, err)
			}
			if err := conn.Deallocate(ctx, "ins"); err != nil {
				t.Fatal(err)
			}
		}},
		{"batch (pipelined)", func(t *testing.T, dsn string) {
			conn := connect(t, dsn)
			b := &pgx.Batch{}
			for i := range 5 {
				b.Queue(`INSERT INTO bookings (call_id, note) VALUES ($1, $2)`, "call_batch1", strings.Repeat("x", i))
			}
			b.Queue(`SELECT count(*) FROM bookings WHERE call_id = $1`, "call_batch1")
			br := conn.SendBatch(ctx, b)
			for range 5 {
				if _, err := br.Exec(); err != nil {
					t.Fatal(err)
				}
			}
			var n int
			if err := br.QueryRow().Scan(&n); err != nil || n != 5 {
				t.Fatalf("count %d, %v", n, err)
			}
			if err := br.Close(); err != nil {
				t.Fatal(err)
			}
		}},
		{"large values both ways", func(t *testing.T, dsn string) {
			conn := connect(t, dsn)
			big := strings.Repeat("0123456789", 30_000) // 300 kB: larger than the proxy's buffers
			var got string
			if err := conn.QueryRow(ctx, `SELECT $1::text || $1::text`, big).Scan(&got); err != nil || got != big+big {
				t.Fatalf("got %d bytes, %v", len(got), err)
			}
		}},
		{"errors and recovery", func(t *testing.T, dsn string) {
			conn := connect(t, dsn)
			_, err := conn.Exec(ctx, `SELECT 1/0`)
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || pgErr.Code != "22012" {
				t.Fatalf("want division_by_zero, got %v", err)
			}
			if err := conn.Ping(ctx); err != nil {
				t.Fatal(err)
			}
		}},
		{"copy in and out", func(t *testing.T, dsn string) {
			conn := connect(t, dsn)
			rows := [][]any{{"call_copy1", "a"}, {"call_copy1", "b"}}
			n, err := conn.CopyFrom(ctx, pgx.Identifier{"bookings"}, []string{"call_id", "note"}, pgx.CopyFromRows(rows))
			if err != nil || n != 2 {
				t.Fatalf("copied %d, %v", n, err)
			}
			var out bytes.Buffer
			if _, err := conn.PgConn().CopyTo(ctx, &out, `COPY (SELECT note FROM bookings WHERE call_id = 'call_copy1' ORDER BY note) TO STDOUT`); err != nil {
				t.Fatal(err)
			}
			if out.String() != "a\nb\n" {
				t.Fatalf("copy out: %q", out.String())
			}
		}},
		{"pool under concurrency", func(t *testing.T, dsn string) {
			pool, err := pgxpool.New(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer pool.Close()
			var wg sync.WaitGroup
			errs := make(chan error, 16)
			for i := range 16 {
				wg.Go(func() {
					tx, err := pool.Begin(ctx)
					if err != nil {
						errs <- err
						return
					}
					defer tx.Rollback(ctx) //nolint:errcheck // after Commit it is a no-op
					if _, err := tx.Exec(ctx, `INSERT INTO bookings (call_id) VALUES ($1)`, callID(i)); err != nil {
						errs <- err
						return
					}
					errs <- tx.Commit(ctx)
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, pgproxy.Config{JournalStatements: true})
			tc.run(t, f.dsn)
			if got := faults(f.proxy); len(got) != 0 {
				t.Fatalf("no rules, yet faults: %+v", got)
			}
		})
	}
}

// A running query is cancelled through the proxy: the CancelRequest reaches the server on a
// connection of its own, with the key data the proxy relayed untouched.
func TestCancelRequest(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, pgproxy.Config{})
	conn := connect(t, f.dsn)
	watcher := connect(t, f.direct)
	pid := conn.PgConn().PID()
	done := make(chan error, 1)
	go func() {
		_, err := conn.Exec(ctx, `SELECT pg_sleep(60)`)
		done <- err
	}()
	g := gomega.NewWithT(t)
	g.Eventually(func() string {
		var state string
		_ = watcher.QueryRow(ctx, `SELECT coalesce(wait_event, '') FROM pg_stat_activity WHERE pid = $1`, pid).Scan(&state)
		return state
	}).WithTimeout(30 * time.Second).Should(gomega.Equal("PgSleep"))
	if err := conn.PgConn().CancelRequest(ctx); err != nil {
		t.Fatal(err)
	}
	var pgErr *pgconn.PgError
	if err := <-done; !errors.As(err, &pgErr) || pgErr.Code != "57014" {
		t.Fatalf("want query_canceled, got %v", err)
	}
}
