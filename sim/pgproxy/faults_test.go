package pgproxy_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/bookingharness/bookingharness/sim/pgproxy"
)

const insertSQL = `INSERT INTO bookings (call_id, note) VALUES ($1, $2)`

// A reset fires before the matched statement is forwarded: the client gets an error, the
// statement never ran, and its transaction is rolled back by the server.
func TestResetBeforeStatement(t *testing.T) {
	ctx := context.Background()
	const id = "call_reset0001"
	cases := []struct {
		name string
		rule pgproxy.Rule
		run  func(conn *pgx.Conn) error
	}{
		{"autocommit insert, matched by parameter",
			pgproxy.Rule{Param: id},
			func(conn *pgx.Conn) error { _, err := conn.Exec(ctx, insertSQL, id, "x"); return err }},
		{"simple protocol insert, matched by the call key of its literal",
			pgproxy.Rule{CallKey: id, SQL: "insert into bookings"},
			func(conn *pgx.Conn) error {
				_, err := conn.Exec(ctx, `INSERT INTO bookings (call_id) VALUES ('`+id+`')`)
				return err
			}},
		{"second statement of a transaction: the first is rolled back too",
			pgproxy.Rule{Param: "second"},
			func(conn *pgx.Conn) error {
				return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
					if _, err := tx.Exec(ctx, insertSQL, id, "first"); err != nil {
						t.Fatalf("first insert: %v", err)
					}
					_, err := tx.Exec(ctx, insertSQL, id, "second")
					return err
				})
			}},
		{"COMMIT of the call's transaction (inherits the call key)",
			pgproxy.Rule{CallKey: id, Pattern: `(?i)^commit$`},
			func(conn *pgx.Conn) error {
				return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
					_, err := tx.Exec(ctx, insertSQL, id, "x")
					return err
				})
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, pgproxy.Config{})
			tc.rule.Name, tc.rule.Action = "cut", pgproxy.Action{Kind: pgproxy.ActionReset}
			if err := f.proxy.AddRule(tc.rule); err != nil {
				t.Fatal(err)
			}
			conn := connect(t, f.dsn)
			if err := tc.run(conn); err == nil {
				t.Fatal("the client got no error")
			}
			f.waitBackendGone(t, conn.PgConn().PID())
			if n := f.rowsOf(t, id); n != 0 {
				t.Fatalf("%d rows committed, want 0: the statement must never reach the server", n)
			}
			got := faults(f.proxy)
			if len(got) != 1 || got[0].Rule != "cut" || got[0].Action != pgproxy.ActionReset || got[0].CallKey != id || got[0].Attempt != 1 {
				t.Fatalf("journal: %+v", got)
			}
			// The proxy keeps serving: a new connection works.
			if err := connect(t, f.dsn).Ping(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// commit_ack_lost lets the server commit and drops the acknowledgement: the client gets an
// error, yet a fresh direct connection finds the row.
func TestCommitAckLost(t *testing.T) {
	ctx := context.Background()
	const id = "call_ack00001"
	cases := []struct {
		name string
		rule pgproxy.Rule
		run  func(conn *pgx.Conn) error
		rows int
	}{
		{"explicit transaction", pgproxy.Rule{Param: id}, func(conn *pgx.Conn) error {
			return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
				_, err := tx.Exec(ctx, insertSQL, id, "x")
				return err
			})
		}, 1},
		{"autocommit insert, extended protocol", pgproxy.Rule{Param: id}, func(conn *pgx.Conn) error {
			_, err := conn.Exec(ctx, insertSQL, id, "x")
			return err
		}, 1},
		{"autocommit insert returning a row", pgproxy.Rule{Param: id}, func(conn *pgx.Conn) error {
			var n int64
			return conn.QueryRow(ctx, insertSQL+` RETURNING id`, id, "x").Scan(&n)
		}, 1},
		{"autocommit insert, simple protocol", pgproxy.Rule{CallKey: id}, func(conn *pgx.Conn) error {
			_, err := conn.Exec(ctx, `INSERT INTO bookings (call_id) VALUES ('`+id+`')`)
			return err
		}, 1},
		{"pipelined batch in one implicit transaction", pgproxy.Rule{Param: id}, func(conn *pgx.Conn) error {
			b := &pgx.Batch{}
			b.Queue(insertSQL, id, "a")
			b.Queue(insertSQL, id, "b")
			return conn.SendBatch(ctx, b).Close()
		}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, pgproxy.Config{})
			tc.rule.Name, tc.rule.Action = "lose", pgproxy.Action{Kind: pgproxy.ActionCommitAckLost}
			if err := f.proxy.AddRule(tc.rule); err != nil {
				t.Fatal(err)
			}
			if err := tc.run(connect(t, f.dsn)); err == nil {
				t.Fatal("the client got no error: the acknowledgement was not lost")
			}
			if n := f.rowsOf(t, id); n != tc.rows {
				t.Fatalf("%d rows committed, want %d: the server must commit", n, tc.rows)
			}
			got := faults(f.proxy)
			if len(got) != 1 || got[0].Rule != "lose" || got[0].Action != pgproxy.ActionCommitAckLost || got[0].CallKey != id {
				t.Fatalf("journal: %+v", got)
			}
		})
	}
}

// commit_ack_lost waits for a commit: a matched transaction that rolls back, fails or only
// reads passes untouched and does not use up the rule's attempt; the call's next committed
// write is attempt 1 and loses its acknowledgement.
func TestCommitAckLostSparesWhatDoesNotCommit(t *testing.T) {
	ctx := context.Background()
	const id = "call_spare0001"
	f := newFixture(t, pgproxy.Config{})
	if err := f.proxy.AddRule(pgproxy.Rule{Name: "lose", Param: id, Nth: 1, Action: pgproxy.Action{Kind: pgproxy.ActionCommitAckLost}}); err != nil {
		t.Fatal(err)
	}
	conn := connect(t, f.dsn)

	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, insertSQL, id, "rolled back"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatalf("rollback: %v", err)
	}

	tx, err = conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, insertSQL, id, "failed"); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT 1/0`); err == nil {
		t.Fatal("want division by zero")
	}
	if err := tx.Commit(ctx); !errors.Is(err, pgx.ErrTxCommitRollback) {
		t.Fatalf("commit of a failed transaction: %v, want ErrTxCommitRollback", err)
	}

	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM bookings WHERE call_id = $1`, id).Scan(&n); err != nil || n != 0 {
		t.Fatalf("read-only statement of the call: %d, %v", n, err)
	}
	if got := faults(f.proxy); len(got) != 0 {
		t.Fatalf("nothing committed, yet: %+v", got)
	}

	if _, err := conn.Exec(ctx, insertSQL, id, "committed"); err == nil {
		t.Fatal("the first committed write must lose its acknowledgement")
	}
	if got := faults(f.proxy); len(got) != 1 || got[0].Attempt != 1 {
		t.Fatalf("journal: %+v", got)
	}
	if n := f.rowsOf(t, id); n != 1 {
		t.Fatalf("%d rows, want the one committed", n)
	}
}

// Pipelined groups (several Syncs in flight) are told apart: a fault aimed at the second
// group leaves the first group's answer alone.
func TestPipelinedGroups(t *testing.T) {
	ctx := context.Background()
	const first, second = "call_pipe0001", "call_pipe0002"
	for _, kind := range []pgproxy.ActionKind{pgproxy.ActionCommitAckLost, pgproxy.ActionReset} {
		t.Run(string(kind), func(t *testing.T) {
			f := newFixture(t, pgproxy.Config{})
			if err := f.proxy.AddRule(pgproxy.Rule{Param: second, Action: pgproxy.Action{Kind: kind}}); err != nil {
				t.Fatal(err)
			}
			conn := connect(t, f.dsn)
			pl := conn.PgConn().StartPipeline(ctx)
			for _, id := range []string{first, second} {
				pl.SendQueryParams(insertSQL, [][]byte{[]byte(id), []byte("p")}, nil, nil, nil)
				if err := pl.Sync(); err != nil {
					t.Fatal(err)
				}
			}
			if err := pl.Flush(); err != nil {
				t.Fatal(err)
			}
			firstOK, secondOK := pipelineResults(pl)
			_ = pl.Close()
			f.waitBackendGone(t, conn.PgConn().PID())
			// commit_ack_lost waits for the second group's commit, so the first group's answer
			// has reached the client; a reset cuts the connection at once, and answers still
			// in flight are lost with it, as on a real network.
			if kind == pgproxy.ActionCommitAckLost && !firstOK {
				t.Fatal("the first group's answer was lost")
			}
			if secondOK {
				t.Fatal("the second group got its answer")
			}
			// After a reset pgx cancels what it had in flight (its asyncClose sends a
			// CancelRequest), so the first group's fate is up to the client; only the second's
			// is the proxy's.
			want := map[string]int{second: 0}
			if kind == pgproxy.ActionCommitAckLost {
				want = map[string]int{first: 1, second: 1}
			}
			for id, n := range want {
				if got := f.rowsOf(t, id); got != n {
					t.Fatalf("%s: %d rows, want %d", id, got, n)
				}
			}
		})
	}
}

// pipelineResults reads a two-group pipeline's answers and reports which group's insert the
// client saw succeed (answer and Sync).
func pipelineResults(pl *pgconn.Pipeline) (first, second bool) {
	ok := func() bool {
		res, err := pl.GetResults()
		if err != nil {
			return false
		}
		rr, isResult := res.(*pgconn.ResultReader)
		if !isResult {
			return false
		}
		if _, err := rr.Close(); err != nil {
			return false
		}
		res, err = pl.GetResults()
		_, isSync := res.(*pgconn.PipelineSync)
		return err == nil && isSync
	}
	first = ok()
	second = first && ok()
	return first, second
}
