// Command pgproxy runs the harness's Postgres wire proxy standalone, for benchmarks
// (scripts/bench-proxy.sh) and for poking at a service by hand. It prints "listening on
// ADDR" once it accepts connections and runs until SIGINT or SIGTERM, then prints how many
// faults fired.
//
//	go run ./cmd/pgproxy -upstream 127.0.0.1:5432 -db-faults reset=0.01
//
// With -bytes-only it is instead a plain TCP relay that copies bytes both ways without
// reading a message: the floor any user-space proxy pays for the extra hop, which the
// benchmark measures beside pgproxy so the two costs can be told apart.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/bookingharness/bookingharness/sim/fault"
	"github.com/bookingharness/bookingharness/sim/pgproxy"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "pgproxy:", err)
		os.Exit(2)
	}
}

func run() error {
	upstream := flag.String("upstream", "127.0.0.1:5432", "the Postgres server to relay to (host:port)")
	listen := flag.String("listen", "127.0.0.1:0", "where to listen (loopback only)")
	faults := flag.String("db-faults", "", "fault mix: "+fault.Help(fault.DB))
	seed := flag.Int64("seed", 1, "seed for probabilistic faults")
	bytesOnly := flag.Bool("bytes-only", false, "relay bytes without reading messages (benchmark floor; no faults)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *bytesOnly {
		return relayBytes(ctx, *listen, *upstream)
	}
	items, err := fault.ParseMix(fault.DB, *faults, 0)
	if err != nil {
		return err
	}
	var rules []pgproxy.Rule
	for _, it := range items {
		rules = append(rules, it.ProxyRule())
	}
	p, err := pgproxy.New(*upstream, pgproxy.Config{ListenAddr: *listen, Seed: *seed, Rules: rules})
	if err != nil {
		return err
	}
	p.Start()
	fmt.Println("listening on", p.Addr())
	<-ctx.Done()
	err = p.Close()
	fired := 0
	for _, e := range p.Journal() {
		if e.Event == pgproxy.EventFault {
			fired++
		}
	}
	fmt.Println(fired, "faults fired")
	return err
}
