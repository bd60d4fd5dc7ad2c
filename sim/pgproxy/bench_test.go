package pgproxy_test

import (
	"context"
	"net"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/bookingharness/bookingharness/sim/pgproxy"
)

// BenchmarkRoundTrip measures one simple-protocol round trip straight to Postgres and
// through the proxy (no rules, and with a rule that never fires), in the same run: the
// proxy's cost is the difference.
func BenchmarkRoundTrip(b *testing.B) {
	ctx := context.Background()
	db, err := env.NewDatabase(ctx, bookingsTemplate)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Drop(ctx) //nolint:errcheck // best effort
	for _, via := range []string{"direct", "proxy", "proxy+rule"} {
		b.Run(via, func(b *testing.B) {
			dsn := db.DSN
			if via != "direct" {
				p := startBenchProxy(b, dsn, via == "proxy+rule")
				defer p.Close()
				if dsn, err = p.DSN(dsn); err != nil {
					b.Fatal(err)
				}
			}
			conn, err := pgx.Connect(ctx, dsn)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close(ctx)
			for b.Loop() {
				if _, err := conn.Exec(ctx, "SELECT 1", pgx.QueryExecModeSimpleProtocol); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func startBenchProxy(b *testing.B, dsn string, withRule bool) *pgproxy.Proxy {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		b.Fatal(err)
	}
	var rules []pgproxy.Rule
	if withRule {
		rules = append(rules, pgproxy.Rule{Param: "never", Action: pgproxy.Action{Kind: pgproxy.ActionReset}})
	}
	p, err := pgproxy.New(net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))), pgproxy.Config{Rules: rules})
	if err != nil {
		b.Fatal(err)
	}
	p.Start()
	return p
}
