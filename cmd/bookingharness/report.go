package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/reports"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/evidence"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/replay"
)

// reportFlags are the options of `bookingharness report`.
type reportFlags struct {
	out         string
	incidents   string
	reproduce   string
	knockOut    bool
	parallel    int
	seedWeak    []string
	noReproduce bool
	merge       bool // the arguments are shard directories to merge into out first
}

func newReportCmd() *cobra.Command {
	var f reportFlags
	cmd := &cobra.Command{
		Use:   "report [--merge SHARD_DIR...]",
		Short: "Build reports/out/index.html, summary.md and report.json from the suite's artefacts",
		Long: `report reads what the scenario suite left in --out (ginkgo.json, junit.xml, core.func.txt,
necessity/*.json), replays the incident catalogue in-process on one Postgres — as written, and
once per layer with that layer switched off, for the necessity matrix — replays the Call 687/688
incident with no layers, and writes index.html (static, no network), summary.md (for a pull
request) and report.json (for machines). It reports the gate's verdict but never fails on it:
that is what "bookingharness gate" is for.

With --merge, the arguments are shard directories — each what one CI job left in its
reports/out: the suite, a necessity layer, a self-test shard, a black-box gate — which are
merged into --out (empty or absent) first, so the report and the gate judge them as one run's
(docs/ci.md). Shards whose stamps disagree, a file two shards hold, an artefact without a
stamp, or self-test shards that are not every shard of one split exactly once are refused:
exit 1, one line per reason.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if f.merge {
				return cobra.MinimumNArgs(1)(cmd, args)
			}
			return cobra.NoArgs(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.merge {
				if err := mergeShards(cmd.OutOrStdout(), f.out, args); err != nil {
					return err
				}
			}
			return runReport(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), f)
		},
	}
	cmd.Flags().StringVar(&f.out, "out", "reports/out", "directory with the suite's artefacts; the report is written here")
	cmd.Flags().StringVar(&f.incidents, "incidents", "scenarios/incidents", "incident catalogue to replay (empty: none)")
	cmd.Flags().StringVar(&f.reproduce, "reproduce", "call-687-688", "incident (name) whose no-layers replay must reproduce the duplicate")
	cmd.Flags().BoolVar(&f.knockOut, "knock-out", true, "replay the catalogue once per layer with that layer off (necessity matrix)")
	cmd.Flags().IntVar(&f.parallel, "parallel", 4, "replays run at once (each has its own database)")
	cmd.Flags().StringSliceVar(&f.seedWeak, "known-seed-weakness", nil, "invariants the seed policy may break with every layer (default: "+strings.Join(defaultWeaknesses(), ",")+")")
	cmd.Flags().BoolVar(&f.noReproduce, "no-reproduce", false, "do not require the no-layers reproduction")
	cmd.Flags().BoolVar(&f.merge, "merge", false, "merge the shard directories given as arguments into --out first (CI shards: docs/ci.md)")
	return cmd
}

// mergeShards merges the shards' artefacts into out: exit 1 when the shards are refused,
// 2 when a shard cannot be read.
func mergeShards(stdout io.Writer, out string, shards []string) error {
	lines, err := reports.MergeShards(out, shards)
	switch {
	case errors.Is(err, reports.ErrShardsRefused):
		return &exitError{code: 1, err: err}
	case err != nil:
		return &exitError{code: 2, err: err}
	}
	fmt.Fprintf(stdout, "report: merged %d shard(s) into %s\n", len(shards), out)
	for _, l := range lines {
		fmt.Fprintf(stdout, "  %s\n", l)
	}
	return nil
}

func defaultWeaknesses() []string { return reports.DefaultGateConfig().KnownSeedWeaknesses }

// gateConfig builds the gate's configuration from flags.
func gateConfig(seedWeak []string, noReproduce bool, layers []string) (reports.GateConfig, error) {
	cfg := reports.DefaultGateConfig()
	if len(seedWeak) > 0 {
		for _, w := range seedWeak {
			if !check.IsInvariant(w) {
				return cfg, &exitError{code: 2, err: fmt.Errorf("--known-seed-weakness %q: not an invariant; want one of %v", w, check.Invariants())}
			}
		}
		cfg.KnownSeedWeaknesses = seedWeak
	}
	if len(layers) > 0 {
		if _, err := core.LayersFromNames(layers); err != nil {
			return cfg, &exitError{code: 2, err: fmt.Errorf("--layers: %w", err)}
		}
		cfg.Layers = layers
	}
	cfg.RequireReproduction = !noReproduce
	return cfg, nil
}

func runReport(ctx context.Context, stdout, stderr io.Writer, f reportFlags) error {
	began := time.Now()
	cfg, err := gateConfig(f.seedWeak, f.noReproduce, nil)
	if err != nil {
		return err
	}
	in := reports.Inputs{Dir: f.out, Gate: cfg, Now: time.Now()}
	// The report is stamped with the tree it is built in; built outside a repository it has
	// no stamp, and its gate verdict refuses every artefact (nothing to hold them against).
	if tree, err := treeStamp("", os.Args[1:]); err == nil {
		in.Gate.Tree, in.Stamp = &tree, &tree
	} else {
		fmt.Fprintf(stderr, "report: %v\n", err)
	}
	if f.incidents != "" {
		if err := replayCatalogue(ctx, stderr, f, &in); err != nil {
			return err
		}
	}
	facts, err := reports.Collect(in)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	if err := reports.Write(f.out, facts); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "report: %s, %s and %s written in %s (%d worlds, %d incident replays); %s\n",
		filepath.Join(f.out, reports.FileIndex), reports.FileSummary, reports.FileFacts, time.Since(began).Round(time.Millisecond),
		len(facts.Runs), len(in.IncidentRuns), firstLineOf(facts.Gate.String()))
	return nil
}

func firstLineOf(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// replayJob is one replay of one incident with a layer set.
type replayJob struct {
	inc    *incident.Incident
	layers core.Layers
	off    []core.Layer // knocked out (necessity); nil for the file as written
	repro  bool         // the no-layers reproduction run
}

// replayCatalogue replays every incident file on one Postgres: as written, once per layer
// with that layer off, and the reproduction with no layers. A catalogue that cannot be
// replayed (no Postgres) is reported in the facts, so the gate says why, instead of failing
// the report.
func replayCatalogue(ctx context.Context, stderr io.Writer, f reportFlags, in *reports.Inputs) error {
	files, err := filepath.Glob(filepath.Join(f.incidents, "*.yaml"))
	if err != nil {
		return err
	}
	slices.Sort(files)
	if len(files) == 0 {
		return &exitError{code: 2, err: fmt.Errorf("report: no *.yaml incident in %s", f.incidents)}
	}
	var jobs []replayJob
	for _, p := range files {
		inc, err := incident.Load(p)
		if err != nil {
			return &exitError{code: 2, err: err}
		}
		layers, err := core.LayersFromNames(inc.Layers)
		if err != nil {
			return &exitError{code: 2, err: fmt.Errorf("%s: %w", p, err)}
		}
		jobs = append(jobs, replayJob{inc: inc, layers: layers})
		if f.knockOut {
			policy, _ := core.ParsePolicy(inc.Policy)
			for _, l := range policy.Effective(layers).List() {
				jobs = append(jobs, replayJob{inc: inc, layers: layers.Without(l), off: []core.Layer{l}})
			}
		}
		if !f.noReproduce && inc.Name == f.reproduce {
			jobs = append(jobs, replayJob{inc: inc, layers: 0, repro: true})
		}
	}
	env, err := postgresEnv(ctx, "")
	if err != nil {
		in.Reproduction = &reports.Reproduction{Incident: f.reproduce, Policy: "seed", Layers: "none", Error: err.Error()}
		fmt.Fprintf(stderr, "report: incident replays skipped: %v\n", err)
		return nil
	}
	defer env.Close(context.WithoutCancel(ctx))

	results := make([]*replay.Result, len(jobs))
	errs := make([]error, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range max(f.parallel, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				j := jobs[i]
				opts := replay.Options{Layers: &j.layers}
				if j.repro {
					opts.Policy = core.PolicySeed
				}
				results[i], errs[i] = replay.Run(ctx, env, j.inc, opts)
			}
		}()
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()

	for i, j := range jobs {
		res, err := results[i], errs[i]
		switch {
		case j.repro:
			r := &reports.Reproduction{Incident: j.inc.Name, Policy: string(core.PolicySeed), Layers: "none"}
			if err != nil {
				r.Error = err.Error()
			} else {
				r.Violated = nonNil(res.Final.Violated)
				r.Reproduced = slices.Contains(res.Final.Violated, check.DuplicateBookingID)
			}
			in.Reproduction = r
			continue
		case err != nil && j.off == nil:
			in.Incidents = append(in.Incidents, reports.Incident{Name: j.inc.Name, File: j.inc.File, Policy: j.inc.Policy,
				Layers: j.layers.String(), Failures: []string{"replay could not run: " + err.Error()}, Violated: []string{}})
			continue
		case err != nil:
			// An errored knocked-out replay is evidence too: the necessity matrix shows the
			// layer as untested and the gate fails, instead of the run silently vanishing.
			fmt.Fprintf(stderr, "report: %s with %s off could not run: %v\n", j.inc.Name, j.off[0], err)
			e := evidence.Entry{Scenario: j.inc.Name, Policy: j.inc.Policy, Layers: j.layers.String(), CheckError: "replay could not run: " + err.Error()}
			for _, l := range j.off {
				e.LayersOff = append(e.LayersOff, string(l))
			}
			in.IncidentRuns = append(in.IncidentRuns, reports.Run{Source: reports.SourceIncident, Spec: j.inc.Name, Entry: e})
			continue
		}
		in.IncidentRuns = append(in.IncidentRuns, reports.Run{Source: reports.SourceIncident, Spec: j.inc.Name, Passed: res.OK(),
			Entry: res.Evidence(j.layers.String(), j.off...)})
		if j.off == nil {
			in.Incidents = append(in.Incidents, reports.Incident{Name: res.Name, File: res.File, Policy: res.Policy, Layers: j.layers.String(),
				Pass: res.OK(), Violated: nonNil(res.Final.Violated), Expected: nonNil(res.Final.ExpectViolations), Failures: res.Failures, TotalMS: res.TotalMS})
		}
	}
	return nil
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}
