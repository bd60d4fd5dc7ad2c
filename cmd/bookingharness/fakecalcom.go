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

	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/replay"
)

// fakeFlags are the fake-calcom command's flags.
type fakeFlags struct {
	addr, apiKey, logLevel, adminToken  string
	eventTypes                          []string
	forceReplay, rateLimit, allowRemote bool
	conflictAnswer                      string
	latency, checkInsertGap             time.Duration
	seed                                int64
	webhookURL, webhookSecret           string
	webhookDelivery                     string
	// configFile is --config: a YAML file with an incident file's calcom: block.
	configFile string
	// changed reports whether a flag was given on the command line.
	changed func(name string) bool
}

// newFakeCalcomCmd runs the fake Cal.com standalone, for systems under test that run out of
// process; they drive it through the admin API under /__admin/.
func newFakeCalcomCmd() *cobra.Command {
	var ff fakeFlags
	cmd := &cobra.Command{
		Use:   "fake-calcom",
		Short: "Run the fake Cal.com API v2 server (admin API under /__admin/)",
		Long: `Runs the fake Cal.com API v2 on --addr (loopback by default) until SIGINT or SIGTERM.
Event types are id:kind:length:hosts[:seats=N|block_slot] with kind standard, round_robin,
requires_confirmation or seated; hosts is one user id or a comma-separated list (round robin),
e.g. 7:round_robin:30:1,2,3, 8:seated:60:4:seats=3, 9:requires_confirmation:30:5:block_slot.
Without --event-type the defaults are 1:standard:30:1, 2:requires_confirmation:30:1 and
2563193:round_robin:45:1. Faults, the clock offset (and ageing), event types, webhook
subscribers and host actions are available at run time under /__admin/.

A non-loopback --addr is refused unless --allow-remote is given, and then --admin-token is
required: every /__admin/ request must carry it as "Authorization: Bearer <token>".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ff.changed = cmd.Flags().Changed
			if err := checkListenAddr(ff.addr, ff.allowRemote, ff.adminToken); err != nil {
				return err
			}
			cfg, err := ff.config()
			if err != nil {
				return err
			}
			var level slog.Level
			if err := level.UnmarshalText([]byte(ff.logLevel)); err != nil {
				return fmt.Errorf("--log-level %q: want debug, info, warn or error", ff.logLevel)
			}
			logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: level}))
			cfg.Logger = logger
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return serveFake(ctx, ff.addr, cfg, logger)
		},
	}
	f := cmd.Flags()
	f.StringVar(&ff.configFile, "config", "", "YAML file whose top-level calcom: key holds an incident file's calcom block (event types, conflict_answer, check_insert_gap, latency, force_replay, webhooks with url)")
	f.StringVar(&ff.addr, "addr", "127.0.0.1:8787", "listen address (loopback unless --allow-remote)")
	f.BoolVar(&ff.allowRemote, "allow-remote", false, "allow a non-loopback --addr (requires --admin-token)")
	f.StringVar(&ff.adminToken, "admin-token", "", "Bearer token the admin API requires (required with --allow-remote)")
	f.StringVar(&ff.apiKey, "api-key", "", "the only Bearer key accepted (empty: any key; no key is always fine)")
	f.StringArrayVar(&ff.eventTypes, "event-type", nil, "event type id:kind:length:hosts[:seats=N|block_slot] (repeatable)")
	f.BoolVar(&ff.forceReplay, "force-replay", false, "return the existing booking for any duplicate create")
	f.StringVar(&ff.conflictAnswer, "conflict-answer", string(fakecalcom.DefaultConflictAnswer), "answer to the loser of a concurrent create: prod_400, conflict_409 or error_500")
	f.DurationVar(&ff.checkInsertGap, "check-insert-gap", 0, "real time between a create's availability check and its insert")
	f.DurationVar(&ff.latency, "latency", 0, "latency added to every /v2 response, after the insert")
	f.StringVar(&ff.webhookURL, "webhook-url", "", "loopback URL that receives every webhook")
	f.StringVar(&ff.webhookSecret, "webhook-secret", "", "secret that signs the webhooks (X-Cal-Signature-256); never logged")
	f.StringVar(&ff.webhookDelivery, "webhook-delivery", string(fakecalcom.DeliverySync), "webhook delivery: sync (before the response) or async (after it)")
	f.Int64Var(&ff.seed, "seed", 1, "seed for probabilistic faults and uids")
	f.BoolVar(&ff.rateLimit, "rate-limit", false, "enforce Cal.com's 120 requests / 60 s per key")
	f.StringVar(&ff.logLevel, "log-level", "info", "log level; info logs every request, warn silences them")
	return cmd
}

// configFlags are the flags --config replaces: a file and these flags together would leave
// it unclear which one holds.
var configFlags = []string{"event-type", "force-replay", "conflict-answer", "check-insert-gap", "latency", "webhook-url", "webhook-secret", "webhook-delivery"}

// config turns the flags (or --config's file) into the fake's configuration, naming the flag
// or the file position of the first problem.
func (ff fakeFlags) config() (fakecalcom.Config, error) {
	if ff.configFile != "" {
		return ff.fileConfig()
	}
	cfg := fakecalcom.Config{
		APIKey: ff.apiKey, ForceReplay: ff.forceReplay, ConflictAnswer: fakecalcom.ConflictAnswer(ff.conflictAnswer),
		CheckInsertGap: ff.checkInsertGap, Latency: ff.latency, Seed: ff.seed, RateLimit: ff.rateLimit,
		AdminToken: ff.adminToken,
		Webhooks:   fakecalcom.Webhooks{Delivery: fakecalcom.Delivery(ff.webhookDelivery), Secret: ff.webhookSecret, URL: ff.webhookURL},
	}
	for _, s := range ff.eventTypes {
		et, err := fakecalcom.ParseEventType(s)
		if err != nil {
			return cfg, fmt.Errorf("--event-type: %w", err)
		}
		cfg.EventTypes = append(cfg.EventTypes, et)
	}
	if err := cfg.ConflictAnswer.Validate(); err != nil {
		return cfg, fmt.Errorf("--conflict-answer: %w", err)
	}
	if err := cfg.Webhooks.Validate(); err != nil {
		return cfg, fmt.Errorf("--webhook-url/--webhook-secret/--webhook-delivery: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// fileConfig reads --config: the calcom: block of an incident file, parsed as strictly as
// one (file:line:col and a did-you-mean on a typo), mapped onto the fake exactly as a replay
// maps it. The flags the file replaces must not be given as well.
func (ff fakeFlags) fileConfig() (fakecalcom.Config, error) {
	for _, name := range configFlags {
		if ff.changed != nil && ff.changed(name) {
			return fakecalcom.Config{}, &exitError{code: 2, err: fmt.Errorf("--config and --%s: the file sets what --%s would; give one of them", name, name)}
		}
	}
	c, err := incident.LoadCalcomFile(ff.configFile)
	if err != nil {
		return fakecalcom.Config{}, &exitError{code: 2, err: err}
	}
	cfg := replay.CalcomConfig(*c)
	cfg.APIKey, cfg.Seed, cfg.RateLimit, cfg.AdminToken = ff.apiKey, ff.seed, ff.rateLimit, ff.adminToken
	if cfg.Webhooks.Delivery == "" {
		cfg.Webhooks.Delivery = fakecalcom.DeliverySync
	}
	if err := cfg.Validate(); err != nil {
		return cfg, &exitError{code: 2, err: fmt.Errorf("--config %s: %w", ff.configFile, err)}
	}
	return cfg, nil
}

// checkListenAddr refuses a non-loopback listen address unless remote access was asked for,
// and then insists on an admin token: the admin API can rewrite the ledger and the clock.
func checkListenAddr(addr string, allowRemote bool, adminToken string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %w", addr, err)
	}
	ip := net.ParseIP(host)
	loopback := strings.EqualFold(host, "localhost") || (ip != nil && ip.IsLoopback())
	switch {
	case !loopback && !allowRemote:
		return fmt.Errorf("--addr %q is not a loopback address: the fake listens on 127.0.0.1, ::1 or localhost unless --allow-remote is given (with --admin-token)", addr)
	case allowRemote && adminToken == "":
		return errors.New("--allow-remote needs --admin-token: the admin API must not be open to other machines")
	}
	return nil
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
		"auth", map[bool]string{true: "any key", false: "one key"}[cfg.APIKey == ""],
		"admin", map[bool]string{true: "open (loopback)", false: "token"}[cfg.AdminToken == ""],
		"conflict_answer", cfg.ConflictAnswer, "webhooks", len(fake.Subscribers()))
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
