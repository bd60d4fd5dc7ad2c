// Package pgenv gives tests and harness runs a running Postgres and a fresh, migrated database
// each, cheaply: the schema is migrated once into a template database per store.Schema, and
// every test gets a CREATE DATABASE … TEMPLATE clone that is dropped afterwards.
//
// Two providers give the server:
//   - testcontainers (default): a container of HARNESS_PG_IMAGE (default postgres:16-alpine),
//     readiness judged by an SQL ping so any Postgres image works, not only the official one;
//   - dsn: HARNESS_PG_DSN names an existing server (no Docker needed), which must allow the
//     user to create databases.
//
// Under ginkgo -p, process 1 calls Start and hands Env.AdminDSN to the others, which call
// Attach; template creation is serialised across processes with an advisory lock.
package pgenv

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Environment variables that choose and configure the provider.
const (
	EnvDSN   = "HARNESS_PG_DSN"
	EnvImage = "HARNESS_PG_IMAGE"
	// EnvPull=true lets the testcontainers provider pull a missing image (CI with a
	// registry); by default a missing image is an error with instructions.
	EnvPull = "HARNESS_PG_PULL"
)

// DefaultImage is used when HARNESS_PG_IMAGE is unset.
const DefaultImage = "postgres:16-alpine"

// Env is a running Postgres server that hands out fresh databases.
type Env struct {
	adminDSN  string
	admin     *pgxpool.Pool // maintenance connections for CREATE/DROP DATABASE
	describe  string
	terminate func(context.Context) error
	// cloneStrategy is appended to CREATE DATABASE … TEMPLATE on servers that support it.
	cloneStrategy string

	mu        sync.Mutex
	templates map[string]string // schema name → template database name
}

// Start provides a Postgres server: the one at HARNESS_PG_DSN when set, otherwise a new
// container. The caller must call Close, which terminates a container it started.
func Start(ctx context.Context) (*Env, error) {
	if dsn := strings.TrimSpace(os.Getenv(EnvDSN)); dsn != "" {
		return startDSN(ctx, dsn)
	}
	image := strings.TrimSpace(os.Getenv(EnvImage))
	if image == "" {
		image = DefaultImage
	}
	return startContainer(ctx, image)
}

// Attach uses a server another process started (ginkgo -p: process 1's Env.AdminDSN). Close
// on an attached Env terminates nothing.
func Attach(ctx context.Context, adminDSN string) (*Env, error) {
	if err := ping(ctx, adminDSN); err != nil {
		return nil, fmt.Errorf("pgenv: attach: %w", err)
	}
	return newEnv(ctx, adminDSN, "attached to "+redact(adminDSN), nil)
}

func newEnv(ctx context.Context, adminDSN, describe string, terminate func(context.Context) error) (*Env, error) {
	cfg, err := pgxpool.ParseConfig(adminDSN)
	if err != nil {
		return nil, fmt.Errorf("pgenv: parse DSN: %w", err)
	}
	cfg.MaxConns = 4
	admin, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		if terminate != nil {
			_ = terminate(ctx)
		}
		return nil, fmt.Errorf("pgenv: connect to server: %w", err)
	}
	e := &Env{adminDSN: adminDSN, admin: admin, describe: describe, terminate: terminate, templates: map[string]string{}}
	var version int
	if err := admin.QueryRow(ctx, "SELECT current_setting('server_version_num')::int").Scan(&version); err != nil {
		e.Close(ctx)
		return nil, fmt.Errorf("pgenv: server version: %w", err)
	}
	if version >= 150000 {
		// FILE_COPY copies the template's files in one go; the default WAL_LOG strategy
		// writes every block through the WAL, which is slower for small templates.
		e.cloneStrategy = " STRATEGY FILE_COPY"
	}
	return e, nil
}

func startDSN(ctx context.Context, dsn string) (*Env, error) {
	if err := ping(ctx, dsn); err != nil {
		return nil, fmt.Errorf("pgenv: %s=%s is not reachable: %w (check host, port, user and password; the user needs CREATEDB)", EnvDSN, redact(dsn), err)
	}
	return newEnv(ctx, dsn, "external server "+redact(dsn), nil)
}

// AdminDSN is the DSN of the server's maintenance database; pass it to Attach.
func (e *Env) AdminDSN() string { return e.adminDSN }

// String says where the server is (image and 127.0.0.1 port, or the redacted DSN), so a
// suite can print it once.
func (e *Env) String() string { return e.describe }

// Close releases the Env's connections and terminates the container if this Env started one.
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
