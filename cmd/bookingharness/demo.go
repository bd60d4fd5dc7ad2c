package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/pgenv"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/load"
	"github.com/bookingharness/bookingharness/sim/replay"
)

// demoConfig is what `bookingharness demo` runs.
type demoConfig struct {
	catalogue    string        // folder of incident files
	out          string        // output folder
	loadDuration time.Duration // real-time cap of each contention load
	pgDSN        string
}

func newDemoCmd() *cobra.Command {
	cfg := demoConfig{catalogue: "scenarios/incidents", out: "reports/out", loadDuration: 20 * time.Second}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Replay the incident catalogue and run a contention load with faults under both policies, and summarise what was found",
		Long: `The harness's main job in one command. Under the seed and the hardened policy it
replays every incident file of --catalogue, then runs a contention load (32 workers, 10
slots, 5 % resets after commit, 5 % HTTP 500) for --load-duration. Everything is written
under --out (replay-<policy>.json, load-<policy>.{json,html}, demo-summary.txt) and a
one-screen summary is printed.

Exit codes: 0 when the hardened policy held every invariant and every replay met the
expectations it asserted; 1 otherwise; 2 when the demo could not run.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg.loadDuration <= 0 || cfg.loadDuration > 10*time.Minute {
				return usage("load-duration", fmt.Errorf("must be between 0 and 10m, got %s", cfg.loadDuration))
			}
			return runDemo(cmd.Context(), cmd.OutOrStdout(), cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.catalogue, "catalogue", cfg.catalogue, "folder of incident files to replay")
	f.StringVar(&cfg.out, "out", cfg.out, "folder for the results")
	f.DurationVar(&cfg.loadDuration, "load-duration", cfg.loadDuration, "real-time cap of each contention load")
	f.StringVar(&cfg.pgDSN, "pg-dsn", "", "existing Postgres server (admin DSN) instead of a container; default $HARNESS_PG_DSN")
	return cmd
}

// policyFindings is what the demo found under one policy.
type policyFindings struct {
	policy     core.Policy
	replays    []*replay.Result
	failed     []string            // replay files whose asserted expectations failed
	violatedBy map[string][]string // invariant → incident names that violate it
	// allLayersViolating counts incidents run with every layer that violate an invariant.
	allLayersViolating int
	load               *load.Result
}

func runDemo(ctx context.Context, stdout io.Writer, cfg demoConfig) error {
	began := time.Now()
	files, err := filepath.Glob(filepath.Join(cfg.catalogue, "*.yaml"))
	if err != nil || len(files) == 0 {
		return usage("catalogue", fmt.Errorf("no *.yaml incident files in %s", cfg.catalogue))
	}
	incidents := make([]*incident.Incident, 0, len(files))
	for _, f := range files {
		inc, err := incident.Load(f)
		if err != nil {
			return &exitError{code: 2, err: err}
		}
		incidents = append(incidents, inc)
	}
	if err := os.MkdirAll(cfg.out, 0o755); err != nil {
		return &exitError{code: 2, err: err}
	}
	env, err := postgresEnv(ctx, cfg.pgDSN)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	defer env.Close(context.WithoutCancel(ctx))
	fmt.Fprintf(stdout, "Postgres: %s\n", env)

	var findings []policyFindings
	for _, p := range []core.Policy{core.PolicySeed, core.PolicyHardened} {
		pf, err := demoPolicy(ctx, stdout, env, incidents, p, cfg)
		if err != nil {
			return &exitError{code: 2, err: err}
		}
		findings = append(findings, pf)
	}
	var summary strings.Builder
	ok := writeDemoSummary(&summary, findings, time.Since(began))
	fmt.Fprint(stdout, summary.String())
	if err := os.WriteFile(filepath.Join(cfg.out, "demo-summary.txt"), []byte(summary.String()), 0o644); err != nil {
		return &exitError{code: 2, err: err}
	}
	if !ok {
		return &exitError{code: 1, err: fmt.Errorf("the demo found unexpected results (see above)")}
	}
	return nil
}

func demoPolicy(ctx context.Context, stdout io.Writer, env *pgenv.Env, incidents []*incident.Incident, p core.Policy, cfg demoConfig) (policyFindings, error) {
	pf := policyFindings{policy: p, violatedBy: map[string][]string{}}
	fmt.Fprintf(stdout, "%s: replaying %d incidents…\n", p, len(incidents))
	for _, inc := range incidents {
		res, err := replay.Run(ctx, env, inc, replay.Options{Policy: p})
		if err != nil {
			return pf, err
		}
		pf.replays = append(pf.replays, res)
		if !res.OK() {
			pf.failed = append(pf.failed, inc.Name)
		}
		for _, v := range res.Violations {
			pf.violatedBy[v.Invariant] = append(pf.violatedBy[v.Invariant], inc.Name)
		}
		if len(res.Violations) > 0 && res.Layers == p.Effective(core.All()).String() {
			pf.allLayersViolating++
		}
	}
	if err := writeFile(filepath.Join(cfg.out, "replay-"+string(p)+".json"), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(pf.replays)
	}); err != nil {
		return pf, err
	}

	fmt.Fprintf(stdout, "%s: contention load with faults for %s…\n", p, cfg.loadDuration)
	lc := load.DefaultConfig()
	lc.Policy, lc.Layers = p, core.All()
	lc.Calls, lc.Concurrency, lc.Slots, lc.Duration = load.MaxCalls, 32, 10, cfg.loadDuration
	lc.Faults = []load.Fault{{Kind: "reset_after_commit", Rate: 0.05}, {Kind: "status_500", Rate: 0.05}}
	res, err := load.Run(ctx, env, lc, nil)
	if err != nil {
		return pf, err
	}
	pf.load = res
	base := filepath.Join(cfg.out, "load-"+string(p))
	if err := writeFile(base+".json", res.WriteJSON); err != nil {
		return pf, err
	}
	if err := writeFile(load.TimelinePath(base+".html"), res.WriteTimeline); err != nil {
		return pf, err
	}
	err = writeFile(base+".html", func(w io.Writer) error { return res.WriteHTML(w, filepath.Base(load.TimelinePath(base+".html"))) })
	return pf, err
}

// writeDemoSummary prints the one-screen summary and says whether everything was as
// expected: the hardened policy violated nothing, and no replay's asserted expectation failed.
func writeDemoSummary(w io.Writer, findings []policyFindings, took time.Duration) bool {
	ok := true
	fmt.Fprintf(w, "\nbookingharness demo — %s\n\n", took.Round(time.Second))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "policy\tincidents as expected\tviolating (all layers / any)\tload attempts\tload/s\tload violations")
	for _, pf := range findings {
		violating := map[string]bool{}
		for _, names := range pf.violatedBy {
			for _, n := range names {
				violating[n] = true
			}
		}
		lv := "none"
		if v := pf.load.Violated(); len(v) > 0 {
			lv = strings.Join(v, ", ")
		}
		fmt.Fprintf(tw, "%s\t%d/%d\t%d / %d\t%d\t%.0f\t%s\n", pf.policy, len(pf.replays)-len(pf.failed), len(pf.replays),
			pf.allLayersViolating, len(violating), pf.load.Attempts, pf.load.Throughput, lv)
		if len(pf.failed) > 0 || !pf.load.OK || (pf.policy == core.PolicyHardened && (pf.allLayersViolating > 0 || len(pf.load.Violated()) > 0)) {
			ok = false
		}
	}
	tw.Flush()
	for _, pf := range findings {
		fmt.Fprintf(w, "\n%s:\n", pf.policy)
		if len(pf.violatedBy) == 0 {
			fmt.Fprintln(w, "  every incident held every invariant")
		}
		names := make([]string, 0, len(pf.violatedBy))
		for n := range pf.violatedBy {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(w, "  %-20s in %s\n", n, strings.Join(dedupe(pf.violatedBy[n]), ", "))
		}
		if len(pf.failed) > 0 {
			fmt.Fprintf(w, "  FAILED expectations in: %s\n", strings.Join(pf.failed, ", "))
		}
		fmt.Fprintf(w, "  load: %v outcomes, deciding layers %v, unexpected violations %v\n",
			pf.load.Outcomes, pf.load.DecidingLayers, pf.load.UnexpectedViolations)
	}
	return ok
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	out := s[:0:0]
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
