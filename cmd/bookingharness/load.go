package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim"
	"github.com/bookingharness/bookingharness/sim/blackbox"
	"github.com/bookingharness/bookingharness/sim/load"
)

// newLoadCmd is `bookingharness load`: many calls race for few slots, with faults; the
// history is checked and the verdict decides the exit code (0 ok, 1 unexpected violation,
// 2 bad flags or a run that could not be carried out).
func newLoadCmd() *cobra.Command {
	cfg := load.DefaultConfig()
	var policy, layers, faults, expect, pgDSN, jsonPath, htmlPath, timelinePath, sut string
	var noProgress bool
	cmd := &cobra.Command{
		Use:   "load",
		Short: "Load-test concurrent same-slot bookings and check the history for invariant violations",
		Long: `Releases --concurrency closed-loop workers behind one start barrier; together they make
--calls booking attempts (each with its own call id) on --slots slots spread over four
event types and hosts (few slots = contention, many = throughput), through the reference
core against the fake Cal.com, with an optional fault mix on POST /v2/bookings. Every
attempt is recorded; afterwards the invariant checker and a per-slot linearizability check
(porcupine) judge the history, the database and the fake's ledger.

Fault kinds (--faults kind=rate,...): reset_before_commit, reset_after_commit,
timeout_after_commit, status_500, status_500_after_commit, status_429, malformed, empty,
drop_created_at, drop_metadata, force_replay, delay.

Exit codes: 0 no unexpected violation; 1 a violation the policy is not expected to show
(hardened: none; see --expect-violations); 2 bad flags or the run could not be carried out.

--sut sut.yaml runs the same load against your service in black-box mode (DESIGN §12): it is
started once with a fresh database and the run's own fake Cal.com, every attempt goes
through POST /__harness/book, and its appointments (the sut.yaml's SELECT) are checked with
the fake's ledger against the history. --policy then says which violations are expected
(the policy the service is judged as), --layers switches the service's layers.`,
		Example: `  bookingharness load --calls 5000 --concurrency 32 --slots 10 \
      --faults reset_after_commit=0.05,status_500=0.05 --policy hardened --json load.json --html load.html`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if cfg.Policy, err = core.ParsePolicy(policy); err != nil {
				return usage("policy", err)
			}
			if cfg.Layers, err = cfg.Policy.ParseLayers(layers); err != nil {
				return usage("layers", err)
			}
			if cfg.Faults, err = load.ParseFaults(faults); err != nil {
				return usage("faults", err)
			}
			var expected []string
			if cmd.Flags().Changed("expect-violations") {
				if expected, err = load.ParseExpected(expect); err != nil {
					return &exitError{code: 2, err: err}
				}
			}
			if sut != "" {
				s, err := blackbox.LoadSUT(sut)
				if err != nil {
					return &exitError{code: 2, err: err}
				}
				cfg.BlackBox = &sim.BlackBox{SUT: s}
			}
			if err := cfg.Validate(); err != nil {
				return &exitError{code: 2, err: err}
			}
			return runLoad(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), cfg, expected, loadOutputs{
				pgDSN: pgDSN, json: jsonPath, html: htmlPath, timeline: timelinePath, progress: !noProgress,
			})
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.Calls, "calls", cfg.Calls, "booking attempts in total, each with its own call id")
	f.IntVar(&cfg.Concurrency, "concurrency", cfg.Concurrency, "closed-loop workers")
	f.IntVar(&cfg.Slots, "slots", cfg.Slots, "distinct slots the calls choose among (small = contention, large = throughput)")
	f.Int64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the call→slot plan and the fake's probabilistic faults")
	f.DurationVar(&cfg.Duration, "duration", 0, "stop starting calls after this much real time (0 = no cap)")
	f.StringVar(&faults, "faults", "", "fault mix on POST /v2/bookings, kind=rate,... (e.g. reset_after_commit=0.05,status_500=0.05)")
	f.DurationVar(&cfg.FaultDelay, "fault-delay", cfg.FaultDelay, "how long a delay fault delays (on the fake's clock; free in-process)")
	f.StringVar(&policy, "policy", string(cfg.Policy), "seed or hardened")
	f.StringVar(&layers, "layers", "all", `layers: "all", "none" or a list like freshness,call_id`)
	f.StringVar(&expect, "expect-violations", "", `violation names tolerated instead of the policy's known set ("none" for none)`)
	f.StringVar(&cfg.CalcomURL, "calcom-url", "", "external fake Cal.com (bookingharness fake-calcom) on a loopback URL; it is reset first")
	f.StringVar(&pgDSN, "pg-dsn", "", "existing Postgres server (admin DSN) instead of a container; default $HARNESS_PG_DSN")
	f.DurationVar(&cfg.ClientTimeout, "client-timeout", 0, "per-request Cal.com timeout of the core (default 2s; timeout faults cost this much)")
	f.IntVar(&cfg.MaxConns, "max-conns", 0, "Postgres pool size of the core (0 = concurrency, 4..64)")
	f.DurationVar(&cfg.CheckTimeout, "check-timeout", cfg.CheckTimeout, "porcupine time limit per slot (0 = none)")
	f.IntVar(&cfg.TimelineSlots, "timeline-slots", cfg.TimelineSlots, "slots drawn in the timeline (illegal ones first)")
	f.StringVar(&jsonPath, "json", "", "write the result as JSON to this file")
	f.StringVar(&htmlPath, "html", "", "write the HTML report with charts to this file (and its timeline next to it)")
	f.StringVar(&timelinePath, "timeline", "", "write porcupine's per-slot timeline HTML to this file")
	f.BoolVar(&noProgress, "no-progress", false, "never show a progress bar")
	f.StringVar(&sut, "sut", "", "load a black-box service (sut.yaml) instead of the reference core")
	return cmd
}

// defaultLoadMemoryLimit is the load command's soft heap limit (see runLoad).
const defaultLoadMemoryLimit = 200 << 20

// usage is a flag error: exit code 2 with the flag named.
func usage(flag string, err error) error {
	return &exitError{code: 2, err: fmt.Errorf("--%s: %w", flag, err)}
}

type loadOutputs struct {
	pgDSN, json, html, timeline string
	progress                    bool
}

func runLoad(ctx context.Context, stdout, stderr io.Writer, cfg load.Config, expected []string, out loadOutputs) error {
	// A load run keeps every attempt's record, and the in-process fake keeps every booking and
	// request, until the end. A soft memory limit makes the GC collect the garbage of the
	// final checks promptly instead of letting the heap double (GOGC); GOMEMLIMIT overrides.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultLoadMemoryLimit)
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	env, err := postgresEnv(ctx, out.pgDSN)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	defer env.Close(context.WithoutCancel(ctx))

	bar := progressBar(stdout, out.progress, cfg.Calls)
	if bar != nil {
		cfg.Progress = func(int) { _ = bar.Add(1) }
	}
	res, err := load.Run(ctx, env, cfg, expected)
	if bar != nil {
		_ = bar.Finish()
		fmt.Fprintln(stdout)
	}
	if err != nil {
		var ce *load.ConfigError
		if errors.As(err, &ce) {
			return &exitError{code: 2, err: err}
		}
		return &exitError{code: 2, err: fmt.Errorf("load run failed: %w", err)}
	}
	if err := res.WriteSummary(stdout); err != nil {
		return err
	}
	timeline := out.timeline
	if timeline == "" && out.html != "" {
		timeline = load.TimelinePath(out.html)
	}
	if err := writeFile(out.json, res.WriteJSON); err != nil {
		return &exitError{code: 2, err: err}
	}
	if err := writeFile(timeline, res.WriteTimeline); err != nil {
		return &exitError{code: 2, err: err}
	}
	if err := writeFile(out.html, func(w io.Writer) error { return res.WriteHTML(w, timeline) }); err != nil {
		return &exitError{code: 2, err: err}
	}
	for _, p := range []string{out.json, out.html, timeline} {
		if p != "" {
			fmt.Fprintf(stderr, "wrote %s\n", p)
		}
	}
	if code := res.ExitCode(); code != 0 {
		return &exitError{code: code, err: fmt.Errorf("load: unexpected violations: %v", res.UnexpectedViolations)}
	}
	return nil
}

// progressBar returns a bar on a terminal, or nil: never when CI is set or stdout is not a
// terminal, so logs stay clean.
func progressBar(stdout io.Writer, enabled bool, total int) *progressbar.ProgressBar {
	f, ok := stdout.(*os.File)
	if !enabled || !ok || os.Getenv("CI") != "" || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return progressbar.NewOptions(total, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription("booking"),
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionThrottle(100_000_000))
}

// writeFile writes path with fn; an empty path writes nothing.
func writeFile(path string, fn func(io.Writer) error) (err error) {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	return fn(f)
}
