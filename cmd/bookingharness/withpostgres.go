package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/bookingharness/bookingharness/pgenv"
)

func newWithPostgresCmd() *cobra.Command {
	var dsn string
	cmd := &cobra.Command{
		Use:   "with-postgres [--pg-dsn DSN] -- COMMAND [ARG...]",
		Short: "Run a command with one Postgres server for everything it starts",
		Long: `with-postgres starts one Postgres server — whatever the harness would choose (HARNESS_PG_DSN,
a Docker container, the local binaries; docs/ci.md) — runs COMMAND with HARNESS_PG_DSN set to
the server's admin DSN and HARNESS_PG_PROVIDER=dsn, stops the server when COMMAND ends and
exits with COMMAND's exit code.

make test runs its whole chain under it, so the unit tests, the suite, every necessity and
self-test run and the black-box gates share one server instead of starting a container each.
Sharing the server never shares data: every test and world still gets its own database,
cloned from a template per schema (pgenv), and the templates are named by their schema's
fingerprint, so a run with another schema (a layer off, a sabotaged migration) gets its own.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runWithPostgres(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), dsn, args)
		},
	}
	cmd.Flags().StringVar(&dsn, "pg-dsn", "", "an existing server's admin DSN instead of the one the harness would choose")
	return cmd
}

// runWithPostgres runs argv with one Postgres server handed down in its environment.
func runWithPostgres(ctx context.Context, stdout, stderr io.Writer, dsn string, argv []string) error {
	env, err := startPostgres(ctx, dsn)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	defer env.Close(context.WithoutCancel(ctx))
	fmt.Fprintf(stderr, "with-postgres: %s, for %s\n", env, argv[0])
	childEnv := append(os.Environ(), pgenv.EnvDSN+"="+env.AdminDSN(), pgenv.EnvProvider+"="+string(pgenv.ProviderDSN))
	code, err := runChild(ctx, stdout, stderr, argv, childEnv)
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("with-postgres: %w", err)}
	}
	if code != 0 {
		return &exitError{code: code, err: fmt.Errorf("with-postgres: %s exited with code %d", argv[0], code)}
	}
	return nil
}

// runChild runs argv with env and the given output, and returns its exit code
// (128+N when signal N ended it). When ctx ends (Ctrl-C, SIGTERM) the child gets SIGTERM,
// so it can stop what it started before the server goes.
func runChild(ctx context.Context, stdout, stderr io.Writer, argv []string, env []string) (int, error) {
	c := exec.CommandContext(ctx, argv[0], argv[1:]...)
	c.Env = env
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, stdout, stderr
	c.Cancel = func() error { return c.Process.Signal(syscall.SIGTERM) }
	err := c.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &exit):
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()), nil
		}
		return exit.ExitCode(), nil
	}
	return 0, err
}
