package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/blackbox"
	"github.com/bookingharness/bookingharness/sim/fault"
	"github.com/bookingharness/bookingharness/sim/load"
	"github.com/bookingharness/bookingharness/sim/world"
)

// newLoadCmd is `bookingharness load`: many calls race for few slots, with faults; the
// history is checked and the verdict decides the exit code (0 ok, 1 unexpected violation,
// 2 bad flags or a run that could not be carried out).
func newLoadCmd() *cobra.Command {
	cfg := load.DefaultConfig()
	var policy, layers, faults, dbFaults, webhookFaults, expect, pgDSN, jsonPath, htmlPath, timelinePath, rate, arrivals, latency, shrinkDir, sut, historyPath string
	var noProgress bool
	cmd := &cobra.Command{
		Use:   "load",
		Short: "Load-test concurrent same-slot bookings and check the history for invariant violations",
		Long: `Makes --calls booking attempts (each with its own call id) on --slots slots spread over
four event types and hosts (few slots = contention, many = throughput), through the
reference core against the fake Cal.com, with an optional fault mix on POST /v2/bookings.
Every attempt is recorded; afterwards the invariant checker and a per-slot linearizability
check (porcupine) judge the history, the database and the fake's ledger.

Closed loop (the default): --concurrency workers released behind one start barrier, each
starting its next call when the last one answered. Open loop (--rate N/s): calls arrive on
a seeded schedule (--arrivals poisson, the default, or constant) whatever the system is
doing, at most --max-in-flight at once; latency runs from each call's intended start, so a
stall shows in full (no coordinated omission). With --rate and --duration but no --calls,
the run plans rate × duration calls.

--calcom-latency 100ms (or 100ms±50ms, uniform, drawn per call from --seed) makes every
Cal.com answer take that long in real time. --roll-every N rolls the --slots window one
slot forward every N calls and --cancel-rate P makes a call told "booked" cancel it with
probability P (through the core, recorded): both keep contention alive for the whole run.
The summary names every stall (--stall-window without a completion while attempts were in
flight) with its causes, and the Postgres pool (--max-conns, default 16, not tied to the
concurrency) with its waits.

Fault kinds: --faults, --webhook-faults and --db-faults below, every one from the fault
catalogue (docs/faults.md, which also gives each fault's incident form).

Exit codes: 0 no unexpected violation; 1 a violation the policy is not expected to show
(hardened: none; see --expect-violations); 2 bad flags or the run could not be carried out.

--sut sut.yaml runs the same load against your service in black-box mode (docs/blackbox.md): it is
started once with a fresh database and the run's own fake Cal.com, every attempt goes
through POST /__harness/book, and its appointments (the sut.yaml's SELECT) are checked with
the fake's ledger against the history. --policy then says which violations are expected
(the policy the service is judged as), --layers switches the service's layers.`,
		Example: `  bookingharness load --calls 5000 --concurrency 32 --slots 10 \
      --faults reset_after_commit=0.05,status_500=0.05 --policy hardened --json load.json --html load.html
  bookingharness load --rate 200/s --duration 30s --calcom-latency 100ms±50ms \
      --slots 10 --roll-every 20 --cancel-rate 0.2 --policy seed --html open.html`,
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
			if cfg.Rate, err = load.ParseRate(rate); err != nil {
				return usage("rate", err)
			}
			if cfg.Arrivals, err = load.ParseArrivals(arrivals); err != nil {
				return usage("arrivals", err)
			}
			if cfg.CalcomLatency, err = load.ParseLatency(latency); err != nil {
				return usage("calcom-latency", err)
			}
			if cfg.DBFaults, err = load.ParseDBFaults(dbFaults); err != nil {
				return usage("db-faults", err)
			}
			if cfg.WebhookFaults, err = load.ParseWebhookFaults(webhookFaults); err != nil {
				return usage("webhook-faults", err)
			}
			if cfg.Rate > 0 && cfg.Duration > 0 && !cmd.Flags().Changed("calls") {
				cfg.Calls = plannedCalls(cfg.Rate, cfg.Duration)
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
				cfg.BlackBox = &world.BlackBox{SUT: s}
				if !cmd.Flags().Changed("policy") {
					// The service is judged as what its sut.yaml says it is.
					if cfg.Policy, err = core.ParsePolicy(s.Policy); err != nil {
						return usage("policy", err)
					}
				}
			}
			if err := cfg.Validate(); err != nil {
				return &exitError{code: 2, err: err}
			}
			cfg.KeepEvidence = shrinkDir != "" // shrink hook
			cfg.KeepHistory = historyPath != ""
			return runLoad(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), cfg, expected, loadOutputs{
				pgDSN: pgDSN, json: jsonPath, html: htmlPath, timeline: timelinePath, progress: !noProgress, shrink: shrinkDir, history: historyPath,
			})
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.Calls, "calls", cfg.Calls, "booking attempts in total, each with its own call id")
	f.IntVar(&cfg.Concurrency, "concurrency", cfg.Concurrency, "closed-loop workers")
	f.StringVar(&rate, "rate", "", "open loop: calls arriving per second, e.g. 50/s (default: closed loop)")
	f.StringVar(&arrivals, "arrivals", string(load.ArrivalsPoisson), "open-loop arrival process: poisson (independent callers) or constant")
	f.IntVar(&cfg.MaxInFlight, "max-in-flight", cfg.MaxInFlight, "open loop: attempts in flight at most (later arrivals wait and count as late)")
	f.IntVar(&cfg.Slots, "slots", cfg.Slots, "distinct slots the calls choose among (small = contention, large = throughput); the window's width with --roll-every")
	f.IntVar(&cfg.RollEvery, "roll-every", 0, "roll the slot window one slot forward every N calls (0 = fixed slots)")
	f.Float64Var(&cfg.CancelRate, "cancel-rate", 0, "probability that a call told booked cancels its booking, freeing the slot")
	f.DurationVar(&cfg.CheckInsertGap, "check-insert-gap", 0, "real time between the in-process fake's availability check and its insert: concurrent creates race in Cal.com")
	f.StringVar(&latency, "calcom-latency", "", "real time added to every Cal.com answer, e.g. 100ms or 100ms±50ms (uniform, seeded per call)")
	f.Int64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the call→slot plan and the fake's probabilistic faults")
	f.DurationVar(&cfg.Duration, "duration", 0, "stop starting calls after this much real time (0 = no cap)")
	f.StringVar(&dbFaults, "db-faults", "", "database faults between the core and Postgres (a wire proxy), e.g. commit_ack_lost=0.02,reset=0.02,latency=5ms@0.1:\n"+fault.Help(fault.DB))
	f.StringVar(&webhookFaults, "webhook-faults", "", "deliver Cal.com's webhooks to the core's handler with this fault mix, e.g. drop=0.05,duplicate=5%:\n"+fault.Help(fault.Webhook))
	f.StringVar(&faults, "faults", "", "fault mix on POST /v2/bookings, e.g. reset_after_commit=0.05,status_500=0.05:\n"+fault.Help(fault.Calcom))
	f.DurationVar(&cfg.FaultDelay, "fault-delay", cfg.FaultDelay, "how long a delay fault delays (on the fake's clock; free in-process)")
	f.StringVar(&policy, "policy", string(cfg.Policy), "seed or hardened (with --sut: whose known violations judge the service; default the sut.yaml's policy:)")
	f.StringVar(&layers, "layers", "all", `layers: "all", "none" or a list like freshness,call_id`)
	f.StringVar(&expect, "expect-violations", "", `violation names tolerated instead of the policy's known set ("none" for none)`)
	f.StringVar(&cfg.CalcomURL, "calcom-url", "", "external fake Cal.com (bookingharness fake-calcom) on a loopback URL; it is reset first")
	f.StringVar(&pgDSN, "pg-dsn", "", "existing Postgres server (admin DSN) instead of a container; default $HARNESS_PG_DSN")
	f.DurationVar(&cfg.ClientTimeout, "client-timeout", 0, "per-request Cal.com timeout of the core (default 10s; virtual for held answers, real for slow ones)")
	f.IntVar(&cfg.MaxConns, "max-conns", cfg.MaxConns, "Postgres pool size of the core (the same whatever the concurrency)")
	f.DurationVar(&cfg.StallWindow, "stall-window", cfg.StallWindow, "name every stretch this long without a completion while attempts were in flight")
	f.DurationVar(&cfg.SampleInterval, "sample-interval", cfg.SampleInterval, "how often the pool, lock waits and GC are sampled to explain stalls")
	f.DurationVar(&cfg.CheckTimeout, "check-timeout", cfg.CheckTimeout, "porcupine time limit per slot (0 = none)")
	f.IntVar(&cfg.TimelineSlots, "timeline-slots", cfg.TimelineSlots, "slots drawn in the timeline (illegal ones first)")
	f.StringVar(&jsonPath, "json", "", "write the result as JSON to this file")
	f.StringVar(&htmlPath, "html", "", "write the HTML report with charts to this file (and its timeline next to it)")
	f.StringVar(&timelinePath, "timeline", "", "write porcupine's per-slot timeline HTML to this file")
	f.BoolVar(&noProgress, "no-progress", false, "never show a progress bar")
	f.StringVar(&shrinkDir, "shrink", "", "turn each violation into a minimal incident file in this directory (DIR/<invariant>-<n>.yaml)")
	f.StringVar(&sut, "sut", "", "load a black-box service (sut.yaml) instead of the reference core")
	f.IntVar(&cfg.Crashes, "crashes", 0, "with --sut: kill the service (SIGKILL to its process group) this many times at seeded moments and restart it; attempts in flight at a kill are unknown")
	f.StringVar(&historyPath, "history", "", "write the run's history and final state (JSON lines, stamped) to this file, for `bookingharness check` to judge again")
	return cmd
}

// plannedCalls is how many calls an open loop of rate calls per second makes in d.
func plannedCalls(rate float64, d time.Duration) int {
	n := math.Ceil(rate * d.Seconds())
	return int(min(max(n, 1), load.MaxCalls))
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
	shrink                      string // --shrink DIR
	history                     string // --history FILE
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
	if err := writeHistory(out.history, res.History); err != nil {
		return &exitError{code: 2, err: err}
	}
	for _, p := range []string{out.json, out.html, timeline, out.history} {
		if p != "" {
			fmt.Fprintf(stderr, "wrote %s\n", p)
		}
	}
	if err := shrinkLoad(ctx, stdout, env, res, out.shrink); err != nil {
		return &exitError{code: 2, err: err}
	}
	if code := res.ExitCode(); code != 0 {
		if len(res.UnexpectedViolations) == 0 {
			return &exitError{code: code, err: fmt.Errorf("load: inconclusive: %s", res.Inconclusive)}
		}
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
