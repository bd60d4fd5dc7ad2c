package pgproxy_test

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/onsi/gomega"

	"github.com/bookingharness/bookingharness/pgenv"
	"github.com/bookingharness/bookingharness/sim/pgproxy"
)

// bookingsTemplate is the tests' schema: one table of rows written by calls.
var bookingsTemplate = pgenv.Template{
	Name: "bh_tpl_pgproxy_v1",
	Migrate: func(ctx context.Context, dsn string) error {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, `CREATE TABLE bookings (id bigserial PRIMARY KEY, call_id text NOT NULL, note text NOT NULL DEFAULT '')`)
		return err
	},
}

// fixture is a fresh database and a started proxy in front of its server.
type fixture struct {
	direct string // DSN straight to Postgres
	dsn    string // the same DSN through the proxy
	proxy  *pgproxy.Proxy
}

// newFixture gives the test a database and a proxy; both go away with the test.
func newFixture(t *testing.T, cfg pgproxy.Config) *fixture {
	t.Helper()
	db := env.NewTestDatabase(t, bookingsTemplate)
	pc, err := pgx.ParseConfig(db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	p, err := pgproxy.New(net.JoinHostPort(pc.Host, strconv.Itoa(int(pc.Port))), cfg)
	if err != nil {
		t.Fatal(err)
	}
	p.Start()
	t.Cleanup(func() { _ = p.Close() })
	dsn, err := p.DSN(db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{direct: db.DSN, dsn: dsn, proxy: p}
}

// connect opens a pgx connection closed with the test.
func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// rowsOf counts, on a fresh direct connection, the rows the call wrote: the ground truth
// after a fault, never what the faulted client believes.
func (f *fixture) rowsOf(t *testing.T, callID string) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, f.direct)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM bookings WHERE call_id = $1`, callID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// faults returns the journal's fault entries.
func faults(p *pgproxy.Proxy) []pgproxy.Entry {
	var out []pgproxy.Entry
	for _, e := range p.Journal() {
		if e.Event == pgproxy.EventFault {
			out = append(out, e)
		}
	}
	return out
}

func callID(n int) string { return fmt.Sprintf("call_%04dabc", n) }

// withParam sets one query parameter of a URL DSN.
func withParam(t *testing.T, dsn, key, value string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// waitBackendGone waits until the server backend pid has exited. A cut client connection
// does not stop the server from finishing what it had already received, so a test must wait
// for it before it reads the outcome.
func (f *fixture) waitBackendGone(t *testing.T, pid uint32) {
	t.Helper()
	ctx := context.Background()
	conn := connect(t, f.direct)
	gomega.NewWithT(t).Eventually(func() int {
		var n int
		_ = conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE pid = $1`, int32(pid)).Scan(&n)
		return n
	}).WithTimeout(30*time.Second).Should(gomega.BeZero(), "backend %d still running", pid)
}
