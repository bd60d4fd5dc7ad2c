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
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/internal/loopback"
	"github.com/bookingharness/bookingharness/pgenv"
	"github.com/bookingharness/bookingharness/sim/blackbox/servecore"
)

// serveCoreFlags are the serve-core command's options.
type serveCoreFlags struct {
	addr, policy, layers, calcomURL, apiKeyEnv, pgDSN, databaseEnv, logLevel string
	webhookPath, webhookSecretEnv                                            string
}

// newServeCoreCmd serves the reference core behind the black-box contract: the worked
// example of a service under test, and the self-test of black-box mode.
func newServeCoreCmd() *cobra.Command {
	var f serveCoreFlags
	cmd := &cobra.Command{
		Use:   "serve-core --addr 127.0.0.1:PORT [--policy seed|hardened] [--layers L] [--calcom-url URL] [--pg-dsn DSN]",
		Short: "Serve the reference core behind the black-box contract (/__harness/…)",
		Long: `Serves the reference booking core over the black-box contract (docs/blackbox.md: POST
/__harness/book, /cancel, /reset, /layers, GET /capabilities, /health) on --addr until SIGINT
or SIGTERM. It talks to the fake Cal.com at --calcom-url (start one with
bookingharness fake-calcom), honours X-Harness-Now, and learns event types' hosts and
lengths from the fake's admin API.

With --webhook-path it also serves the core's Cal.com webhook receiver (verifying each
delivery with the secret in --webhook-secret-env), so host actions and webhook faults reach
it black-box; under the hardened policy it sweeps what a previous process left unfinished
before it serves (a restart after a crash).

Database: by default a fresh one from Postgres (a container, or the server at --pg-dsn /
HARNESS_PG_DSN), dropped on exit. With --database-url-env NAME it uses the database whose DSN
is in $NAME instead — how a sut.yaml hands it the database the harness made:

  command: ["${BOOKINGHARNESS}", serve-core, --addr, "127.0.0.1:${HARNESS_PORT}",
            --calcom-url, "${CALCOM_BASE_URL}", --database-url-env, DATABASE_URL]`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runServeCore(ctx, cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", "127.0.0.1:8081", "listen address (loopback only)")
	fl.StringVar(&f.policy, "policy", "seed", "core policy: seed or hardened")
	fl.StringVar(&f.layers, "layers", "all", "layers: all, none, or a comma-separated list")
	fl.StringVar(&f.calcomURL, "calcom-url", "http://127.0.0.1:8787", "the fake Cal.com (loopback only)")
	fl.StringVar(&f.apiKeyEnv, "calcom-api-key-env", "CALCOM_API_KEY", "environment variable holding the Cal.com API key (unset: no key)")
	fl.StringVar(&f.pgDSN, "pg-dsn", "", "Postgres server for the fresh database (same as HARNESS_PG_DSN)")
	fl.StringVar(&f.databaseEnv, "database-url-env", "", "use the database whose DSN is in this environment variable instead of a fresh one")
	fl.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fl.StringVar(&f.webhookPath, "webhook-path", "", "serve the core's Cal.com webhook receiver at this path (POST), e.g. /webhooks/calcom")
	fl.StringVar(&f.webhookSecretEnv, "webhook-secret-env", "CALCOM_WEBHOOK_SECRET", "environment variable holding the webhook subscription's secret (with --webhook-path)")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &exitError{code: exitInvalid, err: fmt.Errorf("serve-core: %w (see bookingharness serve-core --help)", err)}
	})
	return cmd
}

// loopbackAddr refuses a listen address that is not on loopback (an empty host listens on
// every interface).
func loopbackAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %w", addr, err)
	}
	if !loopback.IsHost(host) {
		return fmt.Errorf("--addr %q: listen on 127.0.0.1, ::1 or localhost only", addr)
	}
	return nil
}

func runServeCore(ctx context.Context, cmd *cobra.Command, f serveCoreFlags) error {
	invalid := func(err error) error { return &exitError{code: exitInvalid, err: fmt.Errorf("serve-core: %w", err)} }
	if err := loopbackAddr(f.addr); err != nil {
		return invalid(err)
	}
	if f.webhookPath != "" && !strings.HasPrefix(f.webhookPath, "/") {
		return invalid(fmt.Errorf("--webhook-path %q: want a path starting with /", f.webhookPath))
	}
	policy, err := core.ParsePolicy(f.policy)
	if err != nil {
		return invalid(fmt.Errorf("--policy: %w", err))
	}
	layers, err := core.ParseLayers(f.layers)
	if err != nil {
		return invalid(fmt.Errorf("--layers: %w", err))
	}
	if _, err := loopback.ParseURL(f.calcomURL); err != nil {
		return invalid(fmt.Errorf("--calcom-url: %w", err))
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return invalid(fmt.Errorf("--log-level %q: want debug, info, warn or error", f.logLevel))
	}
	logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: level}))

	dsn, cleanup, err := serveCoreDatabase(ctx, f, policy.Schema(layers))
	if err != nil {
		return err
	}
	defer cleanup()
	srv, err := servecore.New(ctx, servecore.Config{
		Policy: policy, Layers: layers, CalcomURL: f.calcomURL, CalcomAPIKey: os.Getenv(f.apiKeyEnv), DSN: dsn, Logger: logger,
		WebhookPath: f.webhookPath, WebhookSecret: os.Getenv(f.webhookSecretEnv),
	})
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("serve-core: listen on %s: %w", f.addr, err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	logger.Info("serve-core listening", "url", "http://"+ln.Addr().String(), "policy", policy, "layers", layers.String())
	select {
	case err := <-errc:
		return fmt.Errorf("serve-core: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		_ = hs.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve-core: %w", err)
	}
	return nil
}

// serveCoreDatabase returns the DSN serve-core uses and how to release it: the one in
// --database-url-env, or a fresh database (of the policy's schema for its layers) dropped
// on return.
func serveCoreDatabase(ctx context.Context, f serveCoreFlags, schema store.Schema) (string, func(), error) {
	if name := strings.TrimSpace(f.databaseEnv); name != "" {
		dsn := os.Getenv(name)
		if strings.TrimSpace(dsn) == "" {
			return "", nil, &exitError{code: exitInvalid, err: fmt.Errorf("serve-core: --database-url-env: $%s is empty", name)}
		}
		return dsn, func() {}, nil
	}
	env, err := postgresEnv(ctx, f.pgDSN)
	if err != nil {
		return "", nil, err
	}
	db, err := env.NewDatabase(ctx, pgenv.StoreTemplate(schema))
	if err != nil {
		_ = env.Close(ctx)
		return "", nil, err
	}
	return db.DSN, func() {
		c := context.WithoutCancel(ctx)
		_ = db.Drop(c)
		_ = env.Close(c)
	}, nil
}
