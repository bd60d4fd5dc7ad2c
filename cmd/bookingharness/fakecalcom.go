package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/spf13/cobra"
)

// newFakeCalcomCmd runs the fake Cal.com standalone, for systems under test that run out of
// process; they drive it through the admin API under /__admin/.
func newFakeCalcomCmd() *cobra.Command {
	var (
		addr, apiKey, logLevel string
		eventTypes             []string
		forceReplay, rateLimit bool
		conflictStatus         int
		latency                time.Duration
		seed                   int64
	)
	cmd := &cobra.Command{
		Use:   "fake-calcom",
		Short: "Run the fake Cal.com API v2 server (admin API under /__admin/)",
		Long: `Runs the fake Cal.com API v2 on --addr (loopback by default) until SIGINT or SIGTERM.
Event types are id:kind:length:host with kind standard, round_robin or requires_confirmation;
without --event-type the defaults are 1:standard:30:1, 2:requires_confirmation:30:1 and
2563193:round_robin:45:1. Faults, the clock offset and event types can be changed at run time
through /__admin/faults, /__admin/clock and /__admin/event-types.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := fakecalcom.Config{APIKey: apiKey, ForceReplay: forceReplay, ConflictStatus: conflictStatus,
				Latency: latency, Seed: seed, RateLimit: rateLimit}
			for _, s := range eventTypes {
				et, err := fakecalcom.ParseEventType(s)
				if err != nil {
					return fmt.Errorf("--event-type: %w", err)
				}
				cfg.EventTypes = append(cfg.EventTypes, et)
			}
			if err := cfg.Validate(); err != nil {
				return err
			}
			var level slog.Level
			if err := level.UnmarshalText([]byte(logLevel)); err != nil {
				return fmt.Errorf("--log-level %q: want debug, info, warn or error", logLevel)
			}
			logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: level}))
			cfg.Logger = logger
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return serveFake(ctx, addr, cfg, logger)
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8787", "listen address (keep it on loopback)")
	f.StringVar(&apiKey, "api-key", "", "the only Bearer key accepted (empty: any key; no key is always fine)")
	f.StringArrayVar(&eventTypes, "event-type", nil, "event type id:kind:length:host (repeatable)")
	f.BoolVar(&forceReplay, "force-replay", false, "return the existing booking for any duplicate create")
	f.IntVar(&conflictStatus, "conflict-status", 409, "status for the loser of a concurrent create (409 or 500)")
	f.DurationVar(&latency, "latency", 0, "latency added to every /v2 response")
	f.Int64Var(&seed, "seed", 1, "seed for probabilistic faults and uids")
	f.BoolVar(&rateLimit, "rate-limit", false, "enforce Cal.com's 120 requests / 60 s per key")
	f.StringVar(&logLevel, "log-level", "info", "log level; info logs every request, warn silences them")
	return cmd
}

// serveFake serves until ctx is done, then releases held responses and shuts down.
func serveFake(ctx context.Context, addr string, cfg fakecalcom.Config, logger *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	fake := fakecalcom.NewFake(cfg)
	srv := &http.Server{Handler: fake, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("fake Cal.com listening", "url", "http://"+ln.Addr().String(), "event_types", len(fake.EventTypes()),
		"auth", map[bool]string{true: "any key", false: "one key"}[cfg.APIKey == ""])
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	fake.Close()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
