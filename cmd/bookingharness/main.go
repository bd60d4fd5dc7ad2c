// Command bookingharness replays booking incidents, load-tests concurrent same-slot bookings,
// runs a standalone fake Cal.com and builds the harness reports.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// exitError carries a process exit code through cobra, so that subcommands can say
// "expectation failed" (1) apart from "input invalid" (2) without calling os.Exit themselves.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "bookingharness",
		Short:         "Testing and simulation harness for Cal.com booking systems",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	for _, add := range subcommands() {
		root.AddCommand(add())
	}
	return root
}

// subcommands lists the constructors of every subcommand; each lives in its own file.
func subcommands() []func() *cobra.Command {
	return []func() *cobra.Command{
		newDemoCmd,
		newFakeCalcomCmd,
		newReplayCmd,
		newLoadCmd,
		newReportCmd,
		newGateCmd,
		newServeCoreCmd,
		newSUTCmd,
		newRecordCmd,
		newIncidentCmd,
		newStampCmd,
		newCheckCmd,
		newWithPostgresCmd,
		newReachedCmd,
		newCompareCmd,
	}
}

func main() {
	// Ctrl-C or SIGTERM cancels the command's context, so it returns through its deferred
	// Close calls and stops the Postgres it started; a second signal ends the process at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	err := newRootCmd().ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bookingharness:", err)
		if ee, ok := err.(*exitError); ok {
			os.Exit(ee.code)
		}
		os.Exit(2)
	}
}
