// Package pgenv gives tests and harness runs a running Postgres and a fresh, migrated database
// each, cheaply: the schema is migrated once into a template database per store.Schema, and
// every test gets a CREATE DATABASE … TEMPLATE clone that is dropped afterwards.
//
// Three providers give the server, tried in this order (HARNESS_PG_PROVIDER forces one):
//   - dsn: HARNESS_PG_DSN names an existing server (no Docker needed; also the way to run
//     against a bigger or distributed Postgres-compatible cluster). The user needs CREATEDB.
//   - testcontainers: a container of HARNESS_PG_IMAGE (default: the local
//     bookingharness/postgres:15 when present, else postgres:16-alpine) when a Docker engine
//     answers and has the image. Readiness is an SQL ping, so any Postgres image works. pgenv
//     makes testcontainers safe by itself: nothing is pulled unless HARNESS_PG_PULL=true,
//     Ryuk runs only when its image is present (otherwise pgenv removes its own labelled
//     containers), ports are published on 127.0.0.1 and that is the host dialled.
//   - embedded: a throw-away server from the Postgres binaries already on the machine
//     (initdb and postgres on PATH, in `pg_config --bindir` or /usr/lib/postgresql/*/bin),
//     data on tmpfs, listening on 127.0.0.1 and a private socket directory, run as an
//     unprivileged user when the harness runs as root, stopped and removed on Close or when
//     the process ends however it ends.
//
// When none is available, Start returns one error that names the three ways and why each
// did not work.
//
// Under ginkgo -p, process 1 calls Start and hands Env.AdminDSN to the others, which call
// Attach; template creation is serialised across processes with an advisory lock.
package pgenv

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Environment variables that choose and configure the provider.
const (
	// EnvProvider forces a provider: dsn, testcontainers or embedded.
	EnvProvider = "HARNESS_PG_PROVIDER"
	// EnvDSN names an existing server's admin DSN (the dsn provider).
	EnvDSN = "HARNESS_PG_DSN"
	// EnvImage names the testcontainers provider's image.
	EnvImage = "HARNESS_PG_IMAGE"
	// EnvPull=true lets the testcontainers provider pull a missing image (and Ryuk's); by
	// default nothing is ever pulled.
	EnvPull = "HARNESS_PG_PULL"
)

// Images the testcontainers provider chooses from when HARNESS_PG_IMAGE is unset: the one
// scripts/build-pg-image.sh builds on machines without a registry, then the official one.
const (
	LocalImage   = "bookingharness/postgres:15"
	DefaultImage = "postgres:16-alpine"
)

// Provider names where a server came from.
type Provider string

// The providers, in the order Start tries them.
const (
	ProviderDSN            Provider = "dsn"
	ProviderTestcontainers Provider = "testcontainers"
	ProviderEmbedded       Provider = "embedded"
	// ProviderAttached is an Env that uses a server another process provided (Attach).
	ProviderAttached Provider = "attached"
)

// Providers lists the providers Start can choose, in its order.
func Providers() []Provider {
	return []Provider{ProviderDSN, ProviderTestcontainers, ProviderEmbedded}
}

// Env is a running Postgres server that hands out fresh databases.
type Env struct {
	adminDSN  string
	admin     *pgxpool.Pool // maintenance connections for CREATE/DROP DATABASE
	provider  Provider
	describe  string
	readyIn   time.Duration
	terminate func(context.Context) error
	// cloneStrategy is appended to CREATE DATABASE … TEMPLATE on servers that support it.
	cloneStrategy string

	mu        sync.Mutex
	templates map[string]string // schema name → template database name
}

// Attach uses a server another process started (ginkgo -p: process 1's Env.AdminDSN). Close
// on an attached Env terminates nothing.
func Attach(ctx context.Context, adminDSN string) (*Env, error) {
	began := time.Now()
	if err := ping(ctx, adminDSN); err != nil {
		return nil, fmt.Errorf("pgenv: attach: %w", err)
	}
	return newEnv(ctx, ProviderAttached, adminDSN, redact(adminDSN), began, nil)
}

// newEnv connects to the server at adminDSN. began is when the provider started working,
// for ReadyIn; terminate (may be nil) stops what the provider started, also when newEnv fails.
func newEnv(ctx context.Context, p Provider, adminDSN, describe string, began time.Time, terminate func(context.Context) error) (*Env, error) {
	fail := func(err error) (*Env, error) {
		if terminate != nil {
			_ = terminate(context.WithoutCancel(ctx))
		}
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(adminDSN)
	if err != nil {
		return fail(fmt.Errorf("pgenv: parse DSN: %w", err))
	}
	cfg.MaxConns = 4
	admin, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fail(fmt.Errorf("pgenv: connect to server: %w", err))
	}
	var version int
	if err := admin.QueryRow(ctx, "SELECT current_setting('server_version_num')::int").Scan(&version); err != nil {
		admin.Close()
		return fail(fmt.Errorf("pgenv: server version: %w", err))
	}
	e := &Env{adminDSN: adminDSN, admin: admin, provider: p, describe: describe, terminate: terminate,
		templates: map[string]string{}, readyIn: time.Since(began)}
	if version >= 150000 {
		// FILE_COPY copies the template's files in one go; the default WAL_LOG strategy
		// writes every block through the WAL, which is slower for small templates.
		e.cloneStrategy = " STRATEGY FILE_COPY"
	}
	return e, nil
}

// AdminDSN is the DSN of the server's maintenance database; pass it to Attach.
func (e *Env) AdminDSN() string { return e.adminDSN }

// Provider says where the server came from.
func (e *Env) Provider() Provider { return e.provider }

// ReadyIn is how long the provider took until the server answered SQL.
func (e *Env) ReadyIn() time.Duration { return e.readyIn }

// String is the one line every command prints: the provider, where the server is (never a
// password) and how long it took to be ready.
func (e *Env) String() string {
	return fmt.Sprintf("%s — %s, ready in %s", e.provider, e.describe, roundDuration(e.readyIn))
}

// Close releases the Env's connections and stops the server if this Env started one.
func (e *Env) Close(ctx context.Context) error {
	e.admin.Close()
	if e.terminate == nil {
		return nil
	}
	return e.terminate(ctx)
}

func ping(ctx context.Context, dsn string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return conn.Ping(ctx)
}

// redact hides the password of a DSN so it can be printed.
func redact(dsn string) string {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return "(unparsable DSN)"
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
}

func isTrue(s string) bool {
	v, _ := strconv.ParseBool(strings.TrimSpace(s))
	return v
}

// roundDuration prints a duration for people: milliseconds below a second, else tenths.
func roundDuration(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}
