package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/bookingharness/bookingharness/pgenv"
)

// postgresEnv gives a command its Postgres server (startPostgres) and prints the one line
// every command prints — which provider, where, how long it took to be ready — on standard
// error, so that --json output stays clean. The caller closes it.
func postgresEnv(ctx context.Context, dsn string) (*pgenv.Env, error) {
	env, err := startPostgres(ctx, dsn)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "Postgres: %s\n", env)
	return env, nil
}

// startPostgres gives a command its Postgres server without a word: the one at dsn (a
// --pg-dsn flag) when set, otherwise whatever pgenv.Start chooses (HARNESS_PG_DSN, Docker,
// the local binaries). The demo uses it directly, since its summary prints the line.
func startPostgres(ctx context.Context, dsn string) (*pgenv.Env, error) {
	if dsn = strings.TrimSpace(dsn); dsn != "" {
		return pgenv.StartDSN(ctx, dsn)
	}
	return pgenv.Start(ctx)
}
