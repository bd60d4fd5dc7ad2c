package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/bookingharness/bookingharness/pgenv"
)

// postgresEnv gives a command its Postgres server: the one at dsn (a --pg-dsn flag) when
// set, otherwise whatever pgenv.Start chooses (HARNESS_PG_DSN, Docker, the local binaries).
// It prints the one line every command prints — which provider, where, how long it took to
// be ready — on standard error, so that --json output stays clean. The caller closes it.
func postgresEnv(ctx context.Context, dsn string) (*pgenv.Env, error) {
	var (
		env *pgenv.Env
		err error
	)
	if dsn = strings.TrimSpace(dsn); dsn != "" {
		env, err = pgenv.StartDSN(ctx, dsn)
	} else {
		env, err = pgenv.Start(ctx)
	}
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "Postgres: %s\n", env)
	return env, nil
}
