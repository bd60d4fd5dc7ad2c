package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/pgenv"
	"github.com/bookingharness/bookingharness/reports"
	"github.com/bookingharness/bookingharness/sim/blackbox"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/world"
)

// newSUTCmd groups the commands about a black-box service under test (sut.yaml).
func newSUTCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sut",
		Short: "Commands for a booking service under test in black-box mode (sut.yaml)",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newSUTCheckCmd())
	return cmd
}

type sutCheckFlags struct {
	sut, pgDSN, calcomURL string
	verbose               bool
}

func newSUTCheckCmd() *cobra.Command {
	var f sutCheckFlags
	cmd := &cobra.Command{
		Use:   "check --sut sut.yaml [--pg-dsn DSN]",
		Short: "Check that a service keeps the black-box contract",
		Long: `Starts a fake Cal.com and a fresh database, starts (or reaches) the service of sut.yaml,
and checks the contract (docs/blackbox.md): health, capabilities, reset, one booking (and that
database.appointments reads it back), the same call again (already_booked), a second call
on the same slot (slot_taken), a cancel and a second cancel, an invalid request, a layer
switch, and the schema of every answer. Prints a table of pass/fail with the fix for each
failure, and the service's last output when a check failed.

Exit codes: 0 every check passed (skips allowed); 1 a check failed or the service could not
be started; 2 the sut.yaml or a flag is invalid.

Postgres: the server at --pg-dsn / HARNESS_PG_DSN, else a container (HARNESS_PG_IMAGE) when
Docker answers, else the embedded provider — a throw-away server from the Postgres binaries
on this machine (initdb and postgres on PATH or in /usr/lib/postgresql/*/bin), on tmpfs and
127.0.0.1; HARNESS_PG_PROVIDER=dsn|testcontainers|embedded forces one. The first line of
output says which.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSUTCheck(cmd.Context(), cmd.OutOrStdout(), f)
		},
	}
	cmd.Flags().StringVar(&f.sut, "sut", "", "the service's sut.yaml (required)")
	cmd.Flags().StringVar(&f.pgDSN, "pg-dsn", "", "use this Postgres server instead of a container (same as HARNESS_PG_DSN)")
	cmd.Flags().StringVar(&f.calcomURL, "calcom-url", "", "with a base_url service: the fake Cal.com it talks to (bookingharness fake-calcom)")
	cmd.Flags().BoolVar(&f.verbose, "verbose", false, "print the service's whole output, not only its end on failure")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &exitError{code: exitInvalid, err: fmt.Errorf("sut check: %w (see bookingharness sut check --help)", err)}
	})
	return cmd
}

// conformanceEventType is the Call 687/688 event type: round robin with one host, so a
// retry of a call gets its own booking back and a second caller is refused.
func conformanceEventType() fakecalcom.EventType {
	return fakecalcom.EventType{ID: 2563193, Kind: fakecalcom.RoundRobin, LengthMinutes: 45, HostID: 1}
}

func runSUTCheck(ctx context.Context, out io.Writer, f sutCheckFlags) error {
	if strings.TrimSpace(f.sut) == "" {
		return &exitError{code: exitInvalid, err: errors.New("sut check: --sut is required")}
	}
	s, err := blackbox.LoadSUT(f.sut)
	if err != nil {
		return &exitError{code: exitInvalid, err: err}
	}
	// Only a service the harness starts gets a fresh database; a running one has its own.
	var env *pgenv.Env
	if s.Command != nil {
		if env, err = postgresEnv(ctx, f.pgDSN); err != nil {
			return err
		}
		defer env.Close(context.WithoutCancel(ctx))
	}
	run, err := checkService(ctx, s, env, f.calcomURL)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "service: %s (judged as %s)\n", f.sut, s.Policy)
	if s.Command != nil {
		for _, line := range run.setup.Lines() {
			fmt.Fprintf(out, "  %s\n", line)
		}
	} else {
		fmt.Fprintf(out, "  time mode: %s; a service the harness does not start gets no webhooks, proxy or restarts from it\n", s.Time)
	}
	if run.baseURL != "" {
		fmt.Fprintf(out, "base url: %s\n\n", run.baseURL)
	}
	printChecks(out, run.results)
	passed := blackbox.Passed(run.results)
	if run.log != "" && (f.verbose || !passed) {
		fmt.Fprintf(out, "\nservice output%s:\n%s\n", map[bool]string{true: "", false: " (end)"}[f.verbose], logEnd(run.log, f.verbose))
	}
	if !run.started {
		return &exitError{code: exitFailed, err: errors.New("sut check: the service could not be started")}
	}
	if !passed {
		return &exitError{code: exitFailed, err: errors.New("sut check: the service does not keep the contract")}
	}
	fmt.Fprintln(out, "\nthe service keeps the contract")
	return nil
}

// serviceCheck is one conformance run: its table, whether the service started, where it
// answered, what it says it can do and its output.
type serviceCheck struct {
	results []blackbox.CheckResult
	started bool
	baseURL string
	caps    blackbox.Capabilities
	log     string
	// setup is how the probe ran the service (probeService); zero for a base_url service.
	setup reports.BlackBoxSetup
}

// checkService starts (or reaches) the service of s against a conformance fake and runs
// the conformance checks; a service that does not start is a failed "start" row. The error
// is for what is not the service's fault (bad flags, the fake's admin API).
func checkService(ctx context.Context, s *blackbox.SUT, env *pgenv.Env, calcomURL string) (serviceCheck, error) {
	et := conformanceEventType()
	fake, apiKey, err := checkFake(ctx, s, calcomURL, et)
	if err != nil {
		return serviceCheck{}, err
	}
	defer fake.close()
	t, err := blackbox.Open(ctx, blackbox.Config{SUT: s, CalcomURL: fake.admin.URL(), CalcomAPIKey: apiKey, Postgres: env})
	if err != nil {
		return serviceCheck{results: []blackbox.CheckResult{{Name: "start", Status: blackbox.Fail, Detail: err.Error(),
			Fix: "make the service start and answer its health route; database.appointments must prepare with the checker's aliases"}}}, nil
	}
	defer t.Close(context.WithoutCancel(ctx))
	now, err := fake.admin.Now(ctx)
	if err != nil {
		return serviceCheck{}, err
	}
	probe := blackbox.Probe{
		EventTypeID: int64(et.ID), HostID: int64(et.HostID),
		Start: now.Add(48 * time.Hour).Truncate(time.Hour).UTC(),
		Ledger: func(ctx context.Context) ([]check.Booking, error) {
			ledger, err := fake.admin.Bookings(ctx)
			return world.StateOf(nil, ledger, nil).Bookings, err
		},
	}
	run := serviceCheck{started: true, baseURL: t.BaseURL(), results: blackbox.Conform(ctx, t, probe)}
	run.caps, _ = t.Capabilities()
	_ = t.Stop() // so that its output is complete
	run.log = t.Log()
	if s.Command != nil {
		rows, setup := probeService(ctx, s, env)
		run.results, run.setup = append(run.results, rows...), setup
		for _, m := range run.caps.Modes() {
			if m != s.Time && (m != blackbox.TimeFaketime || s.Command != nil) {
				run.setup.TimeModes = append(run.setup.TimeModes, string(m)+" (offered)")
			}
		}
	}
	return run, nil
}

// conformanceFake is the fake Cal.com a conformance run books against.
type conformanceFake struct {
	admin *blackbox.FakeAdmin
	close func()
}

// checkFake starts a fake in this process for a service the harness starts (with a fresh
// API key it insists on), or — for a service already running at base_url — uses the fake
// at calcomURL that the service talks to, adding the conformance event type to it.
func checkFake(ctx context.Context, s *blackbox.SUT, calcomURL string, et fakecalcom.EventType) (conformanceFake, string, error) {
	if s.Command == nil {
		if calcomURL == "" {
			return conformanceFake{}, "", &exitError{code: exitInvalid, err: errors.New("sut check: a service at base_url needs --calcom-url, the fake Cal.com it talks to")}
		}
		admin, err := blackbox.NewFakeAdmin(calcomURL, nil)
		if err != nil {
			return conformanceFake{}, "", &exitError{code: exitInvalid, err: fmt.Errorf("sut check: --calcom-url: %w", err)}
		}
		if err := admin.SetEventType(ctx, et); err != nil {
			return conformanceFake{}, "", err
		}
		return conformanceFake{admin: admin, close: func() {}}, "", nil
	}
	if calcomURL != "" {
		return conformanceFake{}, "", &exitError{code: exitInvalid, err: errors.New("sut check: --calcom-url is for a service at base_url; the harness gives a service it starts its own fake")}
	}
	apiKey := blackbox.NewAPIKey()
	fake := fakecalcom.New(fakecalcom.Config{EventTypes: []fakecalcom.EventType{et}, APIKey: apiKey})
	admin, err := blackbox.NewFakeAdmin(fake.URL, fake.Client())
	if err != nil {
		fake.Close()
		return conformanceFake{}, "", err
	}
	return conformanceFake{admin: admin, close: fake.Close}, apiKey, nil
}

// printChecks prints the table, then the fix for every failed or skipped check.
func printChecks(out io.Writer, results []blackbox.CheckResult) {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tRESULT\tDETAIL")
	for _, r := range results {
		detail, _, more := strings.Cut(r.Detail, "\n")
		if more {
			detail += " (below)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Name, strings.ToUpper(string(r.Status)), detail)
	}
	_ = tw.Flush()
	for _, r := range results {
		if r.Status == blackbox.Pass {
			continue
		}
		fmt.Fprintf(out, "\n%s (%s):\n", r.Name, r.Status)
		if strings.Contains(r.Detail, "\n") {
			fmt.Fprintf(out, "  %s\n", strings.ReplaceAll(r.Detail, "\n", "\n  "))
		}
		fmt.Fprintf(out, "  fix: %s\n", r.Fix)
	}
}

// logEnd is the service's whole output, or its last 40 lines.
func logEnd(log string, all bool) string {
	log = strings.TrimRight(log, "\n")
	if all {
		return log
	}
	lines := strings.Split(log, "\n")
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	return strings.Join(lines, "\n")
}

// serviceCapabilities starts the service of s once, against a throwaway fake Cal.com and
// database, and reads what it says it can do: the replays of files that need another clock
// than sut.yaml's pick one the service also runs in (replay.TimeModeFor). A service that
// does not start, or offers no capabilities route, offers nothing more.
func serviceCapabilities(ctx context.Context, s *blackbox.SUT, env *pgenv.Env) *blackbox.CapabilitiesAnswer {
	fake, apiKey, err := checkFake(ctx, s, "", conformanceEventType())
	if err != nil {
		return nil
	}
	defer fake.close()
	t, err := blackbox.Open(ctx, blackbox.Config{SUT: s, CalcomURL: fake.admin.URL(), CalcomAPIKey: apiKey, Postgres: env})
	if err != nil {
		return nil
	}
	defer t.Close(context.WithoutCancel(ctx))
	caps, err := t.Capabilities()
	if err != nil || !caps.Offered {
		return nil
	}
	return &caps.CapabilitiesAnswer
}
