package pgproxy_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bookingharness/bookingharness/sim/pgproxy"
)

// Nth, EveryNth and Times count a rule's matches per call: two calls taking turns each
// have their own attempt numbers.
func TestFiringCountsPerCall(t *testing.T) {
	ctx := context.Background()
	const a, b = "call_turn000a", "call_turn000b"
	order := []string{a, b, a, b, a, b}
	reset := pgproxy.Action{Kind: pgproxy.ActionReset}
	cases := []struct {
		name string
		rule pgproxy.Rule
		cut  []bool // per statement of order
	}{
		{"every 2nd of each call", pgproxy.Rule{SQL: "$1::text", EveryNth: 2, Action: reset}, []bool{false, false, true, true, false, false}},
		{"3rd of each call", pgproxy.Rule{SQL: "$1::text", Nth: 3, Action: reset}, []bool{false, false, false, false, true, true}},
		{"1st of any call, once in all", pgproxy.Rule{SQL: "$1::text", Nth: 1, Times: 1, Action: reset}, []bool{true, false, false, false, false, false}},
		{"every statement of one call", pgproxy.Rule{CallKey: b, Action: reset}, []bool{false, true, false, true, false, true}},
		{"probability 1 on statements without a call", pgproxy.Rule{Probability: 1, SQL: "no call", Action: reset}, []bool{false, false, false, false, false, false}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, pgproxy.Config{})
			if err := f.proxy.AddRule(tc.rule); err != nil {
				t.Fatal(err)
			}
			var cut []bool
			for _, id := range order {
				conn := connect(t, f.dsn)
				_, err := conn.Exec(ctx, `SELECT $1::text`, id)
				_, err2 := conn.Exec(ctx, `SELECT 'no call'`)
				cut = append(cut, err != nil || err2 != nil)
			}
			if !slices.Equal(cut, tc.cut) {
				t.Fatalf("cut %v, want %v", cut, tc.cut)
			}
		})
	}
}

// Seeded faults depend on the call and its attempt, never on arrival order: two runs with
// the same seed, calls shuffled differently and run concurrently, hit the same (rule, call,
// attempt) set. The database agrees with the journal: an attempt cut by a reset left no row,
// an attempt whose commit acknowledgement was lost left one.
func TestSeededFaultsArePerCall(t *testing.T) {
	rules := []pgproxy.Rule{
		{Name: "db:reset", Probability: 0.3, Action: pgproxy.Action{Kind: pgproxy.ActionReset}},
		{Name: "db:commit_ack_lost", Probability: 0.3, Action: pgproxy.Action{Kind: pgproxy.ActionCommitAckLost}},
	}
	const calls, attempts = 40, 3
	run := func(shuffle uint64) []string {
		f := newFixture(t, pgproxy.Config{Seed: 42, Rules: rules})
		order := rand.New(rand.NewPCG(shuffle, 0)).Perm(calls)
		made := bookConcurrently(t, f.dsn, order, attempts)
		var fired []string
		resets := map[string]int{}
		for _, e := range faults(f.proxy) {
			fired = append(fired, fmt.Sprintf("%s %s #%d", e.Rule, e.CallKey, e.Attempt))
			if e.Action == pgproxy.ActionReset {
				resets[e.CallKey]++
			}
		}
		for i := range calls {
			id := callID(i)
			if got, want := f.rowsOf(t, id), made[id]-resets[id]; got != want {
				t.Fatalf("%s: %d rows, want %d (%d attempts, %d reset)", id, got, want, made[id], resets[id])
			}
		}
		slices.Sort(fired)
		return fired
	}
	first, second := run(1), run(2)
	if !slices.Equal(first, second) {
		t.Fatalf("fired sets differ:\n%v\n%v", first, second)
	}
	if len(first) == 0 || len(first) >= calls*attempts {
		t.Fatalf("implausible fired set (%d faults)", len(first))
	}
}

// bookConcurrently has 4 workers take the calls in order; each call inserts its row, trying
// again after an error, up to attempts times. It returns the attempts made per call.
func bookConcurrently(t *testing.T, dsn string, order []int, attempts int) map[string]int {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var mu sync.Mutex
	made := map[string]int{}
	next := make(chan int)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := range next {
				id := callID(i)
				for n := 1; n <= attempts; n++ {
					mu.Lock()
					made[id] = n
					mu.Unlock()
					if _, err := pool.Exec(ctx, insertSQL, id, fmt.Sprint(n)); err == nil {
						break
					}
				}
			}
		})
	}
	for _, i := range order {
		next <- i
	}
	close(next)
	wg.Wait()
	return made
}

// The journal records connections and statements on request, with the call key a statement
// carries or inherits from its transaction.
func TestJournalStatements(t *testing.T) {
	ctx := context.Background()
	const id = "call_journal01"
	f := newFixture(t, pgproxy.Config{JournalStatements: true})
	conn := connect(t, f.dsn)
	if err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, insertSQL, id, "x")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	type seen struct{ event, sql, key string }
	var got []seen
	for _, e := range f.proxy.Journal() {
		got = append(got, seen{string(e.Event), e.SQL, e.CallKey})
		if e.Event == pgproxy.EventConnect && e.Detail != "user="+conn.Config().User+" database="+conn.Config().Database {
			t.Fatalf("connect entry: %q", e.Detail)
		}
	}
	want := []seen{
		{"connect", "", ""},
		{"statement", "begin", ""},
		{"statement", insertSQL, id},
		{"statement", "commit", id},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("journal:\n%v\nwant\n%v", got, want)
	}
}
