// Command pgproxy runs the harness's Postgres wire proxy standalone, for benchmarks
// (scripts/bench-proxy.sh) and for poking at a service by hand. It prints "listening on
// ADDR" once it accepts connections and runs until SIGINT or SIGTERM, then prints the
// journal's fault count.
//
//	go run ./sim/pgproxy/internal/cmd/pgproxy -upstream 127.0.0.1:5432 -db-faults reset=0.01
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

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
	faults := flag.String("db-faults", "", "fault mix: "+pgproxy.FaultsHelp)
	seed := flag.Int64("seed", 1, "seed for probabilistic faults")
	flag.Parse()
	rules, err := pgproxy.ParseFaults(*faults)
	if err != nil {
		return err
	}
	p, err := pgproxy.New(*upstream, pgproxy.Config{ListenAddr: *listen, Seed: *seed, Rules: rules})
	if err != nil {
		return err
	}
	p.Start()
	fmt.Println("listening on", p.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	err = p.Close()
	fmt.Printf("%d journal entries\n", len(p.Journal()))
	return err
}
