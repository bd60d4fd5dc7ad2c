package blackbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/internal/loopback"
	"github.com/bookingharness/bookingharness/pgenv"
	"github.com/bookingharness/bookingharness/sim/check"
)

// Config says what a Target needs besides the sut.yaml.
type Config struct {
	// SUT is the parsed sut.yaml. Required.
	SUT *SUT
	// CalcomURL is the fake Cal.com (loopback). Required: a started service gets it in
	// calcom_env.base_url (unless ServiceCalcomURL is set), and Advance moves its clock.
	CalcomURL string
	// ServiceCalcomURL, when set, is the Cal.com URL a started service gets instead of
	// CalcomURL: something that forwards to the fake (a recording proxy); the harness's
	// own admin calls still go to CalcomURL.
	ServiceCalcomURL string
	// CalcomAPIKey is the key a started service gets in calcom_env.api_key.
	CalcomAPIKey string
	// Postgres makes the fresh database of a service the harness starts. Required with
	// command; unused with base_url (the service's DSN is then read from the harness's
	// environment variable database.dsn_env).
	Postgres *pgenv.Env
	// AppSkew is the service's clock minus Cal.com's. Only the header and faketime modes can
	// skew a clock; with time: age a non-zero skew is an error.
	AppSkew time.Duration
	// LogOutput, when set, also receives the service's output as it comes (Log keeps it).
	LogOutput io.Writer
	// Clock, when set, is the service's clock in the header and faketime modes, AppSkew
	// included: the harness owns the fake Cal.com's clock (a virtual clock in its own
	// process, as sim's worlds do) and moves it itself. X-Harness-Now then carries Clock()
	// exactly and the faketime file is rewritten from it before every contract call, instead
	// of both following the fake's admin clock; Advance is for time: age only. Unused with
	// time: age, where the service keeps its wall clock.
	Clock func() time.Time
	// DatabaseFront, when set, is given the fresh database's DSN of a started service and
	// returns the DSN the service gets instead (the harness's wire proxy in front of it); the
	// harness's own connections keep the direct one.
	DatabaseFront func(dsn string) (string, error)
	// WebhookSecret is the secret the fake Cal.com signs webhooks with, handed to a started
	// service in webhooks.secret_env (sut.yaml); unused without webhooks:.
	WebhookSecret string
}

// Target is a booking service under test as the harness drives it: over the contract, with
// its database read by the checker's SELECT, its time moved by the sut.yaml's time mode. It
// is what replay, load and gate plug in where they would use the reference core. Safe for
// concurrent Book and Cancel calls. Close it when done.
type Target struct {
	sut    *SUT
	client *Client
	fake   *FakeAdmin
	http   *http.Client

	db     *pgenv.Database // the fresh database the harness made (command only)
	pool   *pgxpool.Pool
	reader *appointmentsReader

	// life serialises what starts and stops the process (Kill, Restart, Close): a crash
	// kills the service from the fake's goroutine while the replay restarts it from its own.
	life sync.Mutex
	proc *process
	log  *logBuffer
	ft   *faketimeFile
	// argv, dir and env start the service again after Kill (Restart).
	argv []string
	env  []string
	// restarts counts Kill.
	restarts int

	caps    Capabilities
	capsErr error
	// offset is the service's clock minus the real clock, in nanoseconds (header, faketime).
	offset atomic.Int64
	skew   time.Duration
	// clock is Config.Clock: the harness's clock for the service (nil: follow the fake's).
	clock func() time.Time
}

// migrateTimeout bounds the service's migrations, which may take longer than its start.
const migrateTimeout = 5 * time.Minute

// EmptyTemplate is a database with nothing in it, for a service that migrates its own
// schema: what Open gives a started service.
func EmptyTemplate() pgenv.Template {
	return pgenv.Template{Name: "bh_tpl_blackbox_empty", Migrate: func(context.Context, string) error { return nil }}
}

// Open makes the service ready: for a command, a fresh database, the service's migrations,
// the service started with the fake's URL, an API key and the DSN in its environment, and a
// bounded wait for its health route; for a base_url, a health check of the running service.
// Then — before any booking — it prepares database.appointments (a missing alias fails here,
// naming it) and reads the service's capabilities. On error everything started is stopped again.
func Open(ctx context.Context, cfg Config) (t *Target, err error) {
	s := cfg.SUT
	if s == nil {
		return nil, errors.New("blackbox: Config.SUT is required")
	}
	if cfg.AppSkew != 0 && s.Time == TimeAge {
		return nil, fmt.Errorf("blackbox: an application clock skew (%v) needs time: header or faketime; with time: age the service keeps its own wall clock", cfg.AppSkew)
	}
	t = &Target{sut: s, log: &logBuffer{copy: cfg.LogOutput}, skew: cfg.AppSkew, clock: cfg.Clock}
	if s.Time == TimeAge {
		t.clock = nil
	}
	t.http = loopback.NewClient()
	if t.fake, err = NewFakeAdmin(cfg.CalcomURL, t.http); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = t.Close(context.WithoutCancel(ctx))
			t = nil
		}
	}()
	env := newServiceEnv()
	dsn, err := t.database(ctx, cfg, env)
	if err != nil {
		return t, err
	}
	if s.Command != nil {
		if err := t.prepareEnv(cfg, env); err != nil {
			return t, err
		}
	}
	base, err := env.expand("base_url", s.BaseURL)
	if err != nil {
		return t, fmt.Errorf("blackbox: %w", err)
	}
	if s.Database.Migrate != nil {
		argv, err := env.expandAll("database.migrate", s.Database.Migrate)
		if err != nil {
			return t, fmt.Errorf("blackbox: %w", err)
		}
		mctx, cancel := context.WithTimeout(ctx, migrateTimeout)
		err = runOnce(mctx, argv, s.Workdir, env.list())
		cancel()
		if err != nil {
			return t, fmt.Errorf("blackbox: database.migrate: %w", err)
		}
	}
	if t.pool, err = pgxpool.New(ctx, dsn); err != nil {
		return t, fmt.Errorf("blackbox: connect to the service's database: %w", err)
	}
	clientCfg := ClientConfig{BaseURL: base, Paths: s.Paths, Timeout: s.Timeout, HTTP: t.http}
	if s.Time == TimeHeader {
		clientCfg.Now = t.Now
	}
	if t.client, err = NewClient(clientCfg); err != nil {
		return t, err
	}
	if s.Time != TimeAge {
		if err := t.syncClock(ctx, time.Time{}); err != nil {
			return t, err
		}
	}
	if s.Command != nil {
		if t.argv, err = env.expandAll("command", s.Command); err != nil {
			return t, fmt.Errorf("blackbox: %w", err)
		}
		t.env = env.list()
		if t.proc, err = startProcess(t.argv, s.Workdir, t.env, t.log); err != nil {
			return t, err
		}
	}
	if err := t.waitHealthy(ctx); err != nil {
		return t, err
	}
	// Prepared once the service is up: a service may migrate its own schema at start.
	if t.reader, err = newAppointmentsReader(ctx, t.pool, s.Database.Appointments); err != nil {
		return t, fmt.Errorf("blackbox: %w", err)
	}
	t.caps, t.capsErr = t.client.Capabilities(ctx)
	if s.Time == TimeHeader && !t.caps.TimeTravel {
		return t, fmt.Errorf("blackbox: sut.yaml says time: header, but the service does not report time_travel: true in %s; it must honour %s, or use time: age", s.Paths.Capabilities, HeaderNow)
	}
	return t, nil
}

// database finds the service's DSN: a fresh database for a started service (given to it in
// database.dsn_env), or the harness's own environment variable for a running one.
func (t *Target) database(ctx context.Context, cfg Config, env *serviceEnv) (string, error) {
	name := t.sut.Database.DSNEnv
	var dsn string
	if t.sut.Command != nil {
		if cfg.Postgres == nil {
			return "", errors.New("blackbox: Config.Postgres is required to give a started service its database")
		}
		db, err := cfg.Postgres.NewDatabase(ctx, EmptyTemplate())
		if err != nil {
			return "", err
		}
		t.db, dsn = db, db.DSN
		serviceDSN := dsn
		if cfg.DatabaseFront != nil {
			if serviceDSN, err = cfg.DatabaseFront(dsn); err != nil {
				return "", fmt.Errorf("blackbox: the proxy in front of the service's database: %w", err)
			}
		}
		env.set(name, serviceDSN)
	} else if dsn = os.Getenv(name); strings.TrimSpace(dsn) == "" {
		return "", fmt.Errorf("blackbox: database.dsn_env: %s is not set; with base_url the harness reads the running service's database DSN from it", name)
	}
	if err := CheckDSN(dsn); err != nil {
		return "", fmt.Errorf("blackbox: %s: %w", name, err)
	}
	return dsn, nil
}

// prepareEnv sets what a started service reads: its port, the harness binary, the fake's URL
// and key under the sut.yaml's names, env:, and libfaketime's variables.
func (t *Target) prepareEnv(cfg Config, env *serviceEnv) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	env.set(EnvPort, port)
	if exe, err := os.Executable(); err == nil {
		env.set(EnvExecutable, exe)
	}
	serviceURL := t.fake.URL()
	if cfg.ServiceCalcomURL != "" {
		serviceURL = cfg.ServiceCalcomURL
	}
	env.set(t.sut.CalcomEnv.BaseURL, serviceURL)
	env.set(t.sut.CalcomEnv.APIKey, cfg.CalcomAPIKey)
	if w := t.sut.Webhooks; w != nil {
		env.set(w.SecretEnv, cfg.WebhookSecret)
	}
	keys := make([]string, 0, len(t.sut.Env))
	for k := range t.sut.Env {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v, err := env.expand("env."+k, t.sut.Env[k])
		if err != nil {
			return fmt.Errorf("blackbox: %w", err)
		}
		env.set(k, v)
	}
	if t.sut.Time == TimeFaketime {
		lib, err := findLibfaketime()
		if err != nil {
			return fmt.Errorf("blackbox: %w", err)
		}
		if t.ft, err = newFaketimeFile(); err != nil {
			return err
		}
		for k, v := range t.ft.env(lib) {
			env.set(k, v)
		}
	}
	return nil
}

// waitHealthy polls the health route until it answers 200, the started service exits, or
// start_timeout passes.
func (t *Target) waitHealthy(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, t.sut.StartTimeout)
	defer cancel()
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		if last = t.client.Health(ctx); last == nil {
			return nil
		}
		var exited <-chan struct{}
		if t.proc != nil {
			exited = t.proc.done
		}
		select {
		case <-exited:
			return fmt.Errorf("blackbox: the service exited before it was healthy (%v); its last output:\n%s", t.proc.err, t.log.tail(20))
		case <-ctx.Done():
			msg := fmt.Sprintf("blackbox: the service was not healthy within %v: %v", t.sut.StartTimeout, last)
			if t.proc != nil {
				msg += "; its last output:\n" + t.log.tail(20)
			}
			return errors.New(msg)
		case <-tick.C:
		}
	}
}

// syncClock sets the service's clock offset from the fake's now (read when zero) plus the
// skew, and writes it to the faketime file. With a harness clock (Config.Clock) the offset
// is that clock's, and the fake is not asked.
func (t *Target) syncClock(ctx context.Context, calNow time.Time) error {
	if t.clock != nil {
		return t.setOffset(time.Until(t.clock()))
	}
	if calNow.IsZero() {
		var err error
		if calNow, err = t.fake.Now(ctx); err != nil {
			return err
		}
	}
	return t.setOffset(time.Until(calNow) + t.skew)
}

// setOffset records the service's clock minus the real clock and writes it to the faketime
// file.
func (t *Target) setOffset(off time.Duration) error {
	t.offset.Store(int64(off))
	if t.ft != nil {
		return t.ft.set(off)
	}
	return nil
}

// Now is the service's clock as the harness sets it: the real clock in age mode, the fake
// Cal.com's clock plus the skew in header and faketime modes (Config.Clock when set).
func (t *Target) Now() time.Time {
	if t.clock != nil {
		return t.clock()
	}
	return time.Now().Add(time.Duration(t.offset.Load()))
}

// TimeMode is the sut.yaml's time mode.
func (t *Target) TimeMode() TimeMode { return t.sut.Time }

// BaseURL is the service's root URL (after ${HARNESS_PORT} was filled in).
func (t *Target) BaseURL() string { return t.client.BaseURL() }

// Book books one slot through the contract (see Client.Book). Under faketime with a
// harness clock, the service's clock is brought to it first; failing that, the attempt is
// unknown like any other it could not make.
func (t *Target) Book(ctx context.Context, req BookRequest) (Outcome, error) {
	if err := t.followClock(); err != nil {
		return Outcome{Kind: core.Unknown, Reason: err.Error()}, err
	}
	return t.client.Book(ctx, req)
}

// Cancel cancels a call's appointments through the contract (see Client.Cancel).
func (t *Target) Cancel(ctx context.Context, callID string) (CancelOutcome, error) {
	if err := t.followClock(); err != nil {
		return CancelOutcome{Kind: CancelUnknown, Reason: err.Error()}, err
	}
	return t.client.Cancel(ctx, callID)
}

// FollowClock brings a faketime service's clock to the harness's clock (Config.Clock) at
// once, also in the middle of a request: a harness whose clock moves while the service
// waits for Cal.com (latency, the check/insert gap) calls it so the service's next reading
// of its clock sees the move. A no-op in the other modes.
func (t *Target) FollowClock() error { return t.followClock() }

// followClock rewrites the faketime file from the harness's clock, which may have moved
// since the last call (header mode reads it per call anyway).
func (t *Target) followClock() error {
	if t.clock == nil || t.ft == nil {
		return nil
	}
	return t.setOffset(time.Until(t.clock()))
}

// Capabilities is what the service reported at Open, and the error if its answer broke the
// contract.
func (t *Target) Capabilities() (Capabilities, error) { return t.caps, t.capsErr }

// CanReset reports whether Reset can do anything: a reset route or database.reset.
func (t *Target) CanReset() bool { return t.caps.Reset || t.sut.Database.Reset != "" }

// Reset makes the service forget every booking: its reset route when it has one, then
// database.reset when given. It does not touch the fake Cal.com (the caller owns it).
func (t *Target) Reset(ctx context.Context) error {
	if !t.CanReset() {
		return fmt.Errorf("blackbox: the service offers no reset: its capabilities have no reset: true and sut.yaml has no database.reset")
	}
	if t.caps.Reset {
		if err := t.client.Reset(ctx); err != nil {
			return err
		}
	}
	if t.sut.Database.Reset != "" {
		return execReset(ctx, t.pool, t.sut.Database.Reset)
	}
	return nil
}

// Layers is the set of layers the service reports it has (none when it reports none).
func (t *Target) Layers() core.Layers { return core.NewLayers(t.caps.Layers...) }

// SetLayers switches the service to layers, restricted to the layers it has; it answers
// ErrNotOffered when the service reports no layers. Switching may clear the service's
// data: reset afterwards.
func (t *Target) SetLayers(ctx context.Context, layers core.Layers) error {
	if len(t.caps.Layers) == 0 {
		return ErrNotOffered
	}
	return t.client.SetLayers(ctx, layers&t.Layers())
}

// Advance moves time forward by gap as the time mode says: age — the fake ages every
// booking by gap and database.age ages the service's rows; header and faketime — the fake's
// clock and the service's clock both move forward by gap. Call it instead of moving the
// fake's clock yourself. With a harness clock (Config.Clock) the harness moves its clock
// itself; Advance then only brings the faketime file to it.
func (t *Target) Advance(ctx context.Context, gap time.Duration) error {
	if gap < 0 {
		return fmt.Errorf("blackbox: Advance(%v): time only moves forward", gap)
	}
	if gap == 0 {
		return nil
	}
	if t.clock != nil {
		return t.followClock()
	}
	if t.sut.Time == TimeAge {
		if err := t.fake.Age(ctx, gap); err != nil {
			return err
		}
		if t.sut.Database.Age != "" {
			return execAge(ctx, t.pool, t.sut.Database.Age, gap)
		}
		return nil
	}
	now, err := t.fake.Advance(ctx, gap)
	if err != nil {
		return err
	}
	return t.syncClock(ctx, now)
}

// Appointments reads every appointment row with database.appointments, in a READ ONLY
// transaction, as the checker's plain data (host ids in StaffID, as check.Appointment has it).
func (t *Target) Appointments(ctx context.Context) ([]check.Appointment, error) {
	return t.reader.read(ctx)
}

// Findings are the contract violations seen so far.
func (t *Target) Findings() []Finding {
	if t.client == nil {
		return nil
	}
	return t.client.Findings()
}

// Log is the started service's output (its last MiB), for the report; "" for base_url.
func (t *Target) Log() string { return t.log.String() }

// LogMark is how many bytes the service has written so far: take one before a step and
// read what the step made it write with LogSince.
func (t *Target) LogMark() int64 { return t.log.mark() }

// LogSince is the service's output after mark (what is still kept of it), for the report's
// excerpt around a failure.
func (t *Target) LogSince(mark int64) string { return t.log.since(mark) }

// Stop stops a started service (SIGTERM to its process group, SIGKILL after 5 s) and
// returns once its output is all in Log: what a report quotes is then complete. Close does
// the rest; without command it does nothing.
func (t *Target) Stop() error {
	t.life.Lock()
	defer t.life.Unlock()
	if t.proc == nil {
		return nil
	}
	err := t.proc.stop(5 * time.Second) // nil: the leader was reaped, its output all copied
	t.proc = nil
	return err
}

// Close stops a started service (SIGTERM to its process group, SIGKILL after 5 s), drops
// the database the harness made and releases every connection. The log stays readable.
func (t *Target) Close(ctx context.Context) error {
	errs := []error{t.Stop()}
	if t.client != nil {
		t.client.Close()
	}
	t.http.CloseIdleConnections()
	if t.pool != nil {
		t.pool.Close()
	}
	if t.db != nil {
		errs = append(errs, t.db.Drop(ctx))
	}
	if t.ft != nil {
		errs = append(errs, t.ft.remove())
	}
	return errors.Join(errs...)
}

// Warm sends n concurrent health requests, twice, so the harness's connections to the
// service are open and the service has answered traffic before a burst: a cold service
// spreads the first concurrent requests apart while it sets up connections, and a race it
// could have shown is missed. Errors are ignored (the burst will meet them).
func (t *Target) Warm(ctx context.Context, n int) {
	for range 2 {
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() { _ = t.client.Health(ctx) })
		}
		wg.Wait()
	}
}
