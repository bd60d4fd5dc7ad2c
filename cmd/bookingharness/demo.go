package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"

	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/pgenv"
)

func newDemoCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Start Postgres, migrate a database with every layer's schema, and say what was done",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), cmd.OutOrStdout())
		},
	}
}

func runDemo(ctx context.Context, out io.Writer) error {
	began := time.Now()
	env, err := pgenv.Start(ctx)
	if err != nil {
		return err
	}
	defer env.Close(context.WithoutCancel(ctx))
	fmt.Fprintf(out, "Postgres: %s\n", env)

	for _, schema := range []store.Schema{store.FullSchema(), {}} {
		t := time.Now()
		db, err := env.NewDatabase(ctx, pgenv.StoreTemplate(schema))
		if err != nil {
			return err
		}
		indexes, err := listIndexes(ctx, db.DSN)
		if dropErr := db.Drop(ctx); err == nil {
			err = dropErr
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "schema %-16s migrated and cloned in %s; appointment indexes and constraints: %v\n",
			schema.Name(), time.Since(t).Round(time.Millisecond), indexes)
	}
	fmt.Fprintf(out, "done in %s\n", time.Since(began).Round(time.Millisecond))
	return nil
}

func listIndexes(ctx context.Context, dsn string) ([]string, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `
SELECT indexname FROM pg_indexes WHERE tablename = 'appointments'
UNION SELECT conname FROM pg_constraint WHERE conrelid = 'appointments'::regclass AND contype = 'x'
ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
