package main

import (
	"context"
	"strings"

	"github.com/bookingharness/bookingharness/pgenv"
)

// postgresEnv gives a command its Postgres server: the one at dsn (a --pg-dsn flag) when
// set, otherwise whatever pgenv.Start chooses (HARNESS_PG_DSN, or a new container). The
// caller closes it.
func postgresEnv(ctx context.Context, dsn string) (*pgenv.Env, error) {
	if dsn = strings.TrimSpace(dsn); dsn != "" {
		return pgenv.Attach(ctx, dsn)
	}
	return pgenv.Start(ctx)
}
