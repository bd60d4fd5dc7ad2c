package pgproxy_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bookingharness/bookingharness/sim/pgproxy"
)

func TestRuleValidate(t *testing.T) {
	reset := pgproxy.Action{Kind: pgproxy.ActionReset}
	cases := []struct {
		name string
		rule pgproxy.Rule
		err  string
	}{
		{"plain reset", pgproxy.Rule{Action: reset}, ""},
		{"unknown action", pgproxy.Rule{Action: pgproxy.Action{Kind: "explode"}}, `action kind "explode" is unknown`},
		{"latency without delay", pgproxy.Rule{Action: pgproxy.Action{Kind: pgproxy.ActionLatency}}, "positive delay"},
		{"delay on a reset", pgproxy.Rule{Action: pgproxy.Action{Kind: pgproxy.ActionReset, Delay: time.Second}}, "only for latency"},
		{"for on a reset", pgproxy.Rule{Action: pgproxy.Action{Kind: pgproxy.ActionReset, For: time.Second}}, "only for refuse"},
		{"two firing modes", pgproxy.Rule{Nth: 1, Probability: 0.5, Action: reset}, "at most one of"},
		{"probability above 1", pgproxy.Rule{Probability: 1.5, Action: reset}, "within [0, 1]"},
		{"negative times", pgproxy.Rule{Times: -1, Action: reset}, "must not be negative"},
		{"bad pattern", pgproxy.Rule{Pattern: "(", Action: reset}, "pattern"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.rule.Validate()
			if (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("error %v, want %q", err, tc.err)
			}
		})
	}
}

// Rules are added, listed, refused when invalid or duplicated, and removed at run time.
func TestRuleLifecycle(t *testing.T) {
	p, err := pgproxy.New("127.0.0.1:1", pgproxy.Config{Rules: []pgproxy.Rule{{Action: pgproxy.Action{Kind: pgproxy.ActionReset}}}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.AddRule(pgproxy.Rule{Name: "slow", Action: pgproxy.Action{Kind: pgproxy.ActionLatency, Delay: time.Second}}); err != nil {
		t.Fatal(err)
	}
	if err := p.AddRule(pgproxy.Rule{Name: "slow", Action: pgproxy.Action{Kind: pgproxy.ActionReset}}); err == nil {
		t.Fatal("a second rule named slow was accepted")
	}
	if err := p.AddRule(pgproxy.Rule{Action: pgproxy.Action{Kind: "explode"}}); err == nil {
		t.Fatal("an invalid rule was accepted")
	}
	names := func() (out []string) {
		for _, r := range p.Rules() {
			out = append(out, r.Name)
		}
		return out
	}
	if got := names(); !reflect.DeepEqual(got, []string{"rule-1", "slow"}) {
		t.Fatalf("rules %v", got)
	}
	if !p.RemoveRule("rule-1") || p.RemoveRule("rule-1") {
		t.Fatal("RemoveRule should remove once")
	}
	p.ClearRules()
	if got := names(); len(got) != 0 {
		t.Fatalf("rules after ClearRules: %v", got)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	for _, tc := range []struct {
		upstream string
		cfg      pgproxy.Config
		err      string
	}{
		{"127.0.0.1", pgproxy.Config{}, "upstream address"},
		{"127.0.0.1:5432", pgproxy.Config{ListenAddr: "0.0.0.0:0"}, "not a loopback address"},
		{"127.0.0.1:5432", pgproxy.Config{ListenAddr: "203.0.113.1:0"}, "not a loopback address"},
		{"127.0.0.1:5432", pgproxy.Config{Rules: []pgproxy.Rule{{Probability: 2, Action: pgproxy.Action{Kind: pgproxy.ActionReset}}}}, "probability"},
	} {
		if _, err := pgproxy.New(tc.upstream, tc.cfg); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("New(%q, %+v): %v, want %q", tc.upstream, tc.cfg, err, tc.err)
		}
	}
}

func TestDefaultCallKey(t *testing.T) {
	cases := []struct {
		sql    string
		params []string
		want   string
	}{
		{"INSERT … VALUES ($1, $2)", []string{"x", "call_927bf219b2cc20cd24dc97c9f0b"}, "call_927bf219b2cc20cd24dc97c9f0b"},
		{"SELECT $1", []string{"call_"}, ""},                      // nothing after the prefix
		{"SELECT $1", []string{"call_a b"}, ""},                   // not an id
		{"SELECT $1", []string{"recall_123"}, ""},                 // prefix must lead
		{"INSERT … VALUES ('call_abc-1_X')", nil, "call_abc-1_X"}, // simple query literal
		{"SELECT 'recall_x', 'call_ok'", nil, "call_ok"},
		{"SELECT 'call_not closed", nil, ""},
		{"SELECT 1", nil, ""},
	}
	for _, tc := range cases {
		var params [][]byte
		for _, p := range tc.params {
			params = append(params, []byte(p))
		}
		if got := pgproxy.DefaultCallKey(tc.sql, params); got != tc.want {
			t.Errorf("DefaultCallKey(%q, %q) = %q, want %q", tc.sql, tc.params, got, tc.want)
		}
	}
}

func TestDSN(t *testing.T) {
	p, err := pgproxy.New("127.0.0.1:5432", pgproxy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	addr := p.Addr()
	_, port, _ := strings.Cut(addr, ":")
	cases := []struct{ in, want, err string }{
		{"postgres://u:pw@db.example:5432/app?sslmode=prefer", "postgres://u:pw@" + addr + "/app?sslmode=prefer", ""},
		{"postgresql://u@h1:1,h2:2/app?host=/tmp&port=9", "postgresql://u@" + addr + "/app", ""},
		{"user=u dbname=app host=db port=5432", "user=u dbname=app host=db port=5432 host=127.0.0.1 port=" + port, ""},
		{"user=u hostaddr=203.0.113.1", "", "hostaddr"},
		{"", "", "empty DSN"},
		{"just-a-word", "", "neither"},
	}
	for _, tc := range cases {
		got, err := p.DSN(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("DSN(%q): %v, want error %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("DSN(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			continue
		}
		// pgx (like libpq) must read the rewritten DSN as pointing at the proxy.
		cfg, err := pgx.ParseConfig(got)
		if err != nil || cfg.Host != "127.0.0.1" || fmt.Sprint(cfg.Port) != port {
			t.Errorf("pgx reads %q as %s:%d (%v)", got, cfg.Host, cfg.Port, err)
		}
	}
}
