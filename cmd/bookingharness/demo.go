package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/pgenv"
	"github.com/bookingharness/bookingharness/reports"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/load"
	"github.com/bookingharness/bookingharness/sim/replay"
	"github.com/bookingharness/bookingharness/sim/shrink"
)

// demoConfig is what `bookingharness demo` runs.
type demoConfig struct {
	catalogue string        // folder of incident files
	out       string        // output folder
	loadCap   time.Duration // real-time cap of each contention load
	pgDSN     string
}

// Files the demo writes under --out.
const (
	demoPageFile    = "index.html"
	demoSummaryFile = "summary.txt"
	demoReplayDir   = "replays" // replays/<policy>/<incident>.txt: each replay's timeline
	demoShrunkDir   = "shrunk"  // shrunk/<invariant>-<n>.yaml: the seed load's violations, minimised
)

func newDemoCmd() *cobra.Command {
	cfg := demoConfig{catalogue: "scenarios/incidents", out: "reports/out/demo", loadCap: 2 * time.Minute}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Replay the incident catalogue and run a contention load with faults under both policies, and show what was found",
		Long: `The harness's main job in one command. Under the seed and the hardened policy it
replays every incident file of --catalogue, then runs a contention load with faults (the
settings are printed; they are chosen so that every run shows the difference). It prints
a summary for people and writes a page to open in a browser (--out/index.html) next to
every replay's timeline, the load reports and their porcupine timelines.

Postgres comes from --pg-dsn, HARNESS_PG_DSN, Docker (testcontainers) or the Postgres
binaries on the machine — whichever is available first; the first line says which.

Exit codes: 0 when the hardened policy held every invariant and every replay met the
expectations it asserted; 1 otherwise; 2 when the demo could not run.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg.loadCap <= 0 || cfg.loadCap > 10*time.Minute {
				return usage("load-duration", fmt.Errorf("must be between 0 and 10m, got %s", cfg.loadCap))
			}
			return runDemo(cmd.Context(), cmd.OutOrStdout(), cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.catalogue, "catalogue", cfg.catalogue, "folder of incident files to replay")
	f.StringVar(&cfg.out, "out", cfg.out, "folder for the page and the results")
	f.DurationVar(&cfg.loadCap, "load-duration", cfg.loadCap, "real-time cap of each contention load (it normally takes seconds)")
	f.StringVar(&cfg.pgDSN, "pg-dsn", "", "existing Postgres server (admin DSN); default $HARNESS_PG_DSN, then Docker, then local binaries")
	return cmd
}

func runDemo(ctx context.Context, stdout io.Writer, cfg demoConfig) error {
	began := time.Now()
	incidents, err := loadCatalogue(cfg.catalogue)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.out, 0o755); err != nil {
		return &exitError{code: 2, err: err}
	}
	// The summary prints the Postgres line (which provider, ready in how long), once.
	env, err := startPostgres(ctx, cfg.pgDSN)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	defer env.Close(context.WithoutCancel(ctx))

	var inputs []reports.DemoInput
	for _, p := range []core.Policy{core.PolicySeed, core.PolicyHardened} {
		in, err := demoPolicy(ctx, stdout, env, incidents, p, cfg)
		if err != nil {
			return &exitError{code: 2, err: err}
		}
		inputs = append(inputs, in)
	}
	demo := reports.NewDemo(time.Now(), env.String(), demoLoadSettings(), inputs)
	page, err := reports.RenderDemoHTML(demo)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	pagePath := filepath.Join(cfg.out, demoPageFile)
	if err := os.WriteFile(pagePath, page, 0o644); err != nil {
		return &exitError{code: 2, err: err}
	}
	var summary strings.Builder
	writeDemoSummary(&summary, demo, time.Since(began), pagePath)
	fmt.Fprint(stdout, summary.String())
	if err := os.WriteFile(filepath.Join(cfg.out, demoSummaryFile), []byte(summary.String()), 0o644); err != nil {
		return &exitError{code: 2, err: err}
	}
	if !demo.OK {
		return &exitError{code: 1, err: fmt.Errorf("the demo found unexpected results (see above)")}
	}
	return nil
}

// loadCatalogue parses every incident file of dir; a bad file stops the demo (exit 2).
func loadCatalogue(dir string) ([]*incident.Incident, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		return nil, usage("catalogue", fmt.Errorf("no *.yaml incident files in %s", dir))
	}
	incidents := make([]*incident.Incident, 0, len(files))
	for _, f := range files {
		inc, err := incident.Load(f)
		if err != nil {
			return nil, &exitError{code: 2, err: err}
		}
		incidents = append(incidents, inc)
	}
	return incidents, nil
}

// demoPolicy replays the catalogue and runs the load under p, writing each replay's
// timeline, the replays' JSON and the load's JSON, HTML and porcupine timeline under out.
func demoPolicy(ctx context.Context, stdout io.Writer, env *pgenv.Env, incidents []*incident.Incident, p core.Policy, cfg demoConfig) (reports.DemoInput, error) {
	in := reports.DemoInput{Policy: p, Timelines: map[string]string{}}
	if err := os.MkdirAll(filepath.Join(cfg.out, demoReplayDir, string(p)), 0o755); err != nil {
		return in, err
	}
	bar := startPhase(stdout, string(p)+": incidents", len(incidents))
	for i, inc := range incidents {
		res, err := replay.Run(ctx, env, inc, replay.Options{Policy: p})
		if err != nil {
			bar.finish()
			return in, err
		}
		in.Replays = append(in.Replays, res)
		// Named after the file, not the incident's name: a name is free text, a catalogue
		// file's base name is safe to use as a path under --out.
		link := filepath.Join(demoReplayDir, string(p), strings.TrimSuffix(filepath.Base(res.File), filepath.Ext(res.File))+".txt")
		if err := writeFile(filepath.Join(cfg.out, link), func(w io.Writer) error { return replay.WriteTimeline(w, res) }); err != nil {
			bar.finish()
			return in, err
		}
		in.Timelines[res.File] = filepath.ToSlash(link)
		bar.set(i + 1)
	}
	bar.finish()
	if err := writeFile(filepath.Join(cfg.out, "replay-"+string(p)+".json"), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(in.Replays)
	}); err != nil {
		return in, err
	}

	lc := demoLoadConfig(p, cfg.loadCap)
	lc.KeepEvidence = p == core.PolicySeed // seed's violations are shrunk to incident files below
	bar = startPhase(stdout, string(p)+": load", lc.Calls)
	lc.Progress = bar.set
	res, err := load.Run(ctx, env, lc, nil)
	bar.finish()
	if err != nil {
		return in, err
	}
	in.Load = res
	base := "load-" + string(p)
	in.LoadLinks = reports.DemoLoadLinks{HTML: base + ".html", JSON: base + ".json", Timeline: load.TimelinePath(base + ".html")}
	if err := writeFile(filepath.Join(cfg.out, in.LoadLinks.JSON), res.WriteJSON); err != nil {
		return in, err
	}
	if err := writeFile(filepath.Join(cfg.out, in.LoadLinks.Timeline), res.WriteTimeline); err != nil {
		return in, err
	}
	if err := writeFile(filepath.Join(cfg.out, in.LoadLinks.HTML), func(w io.Writer) error { return res.WriteHTML(w, in.LoadLinks.Timeline) }); err != nil {
		return in, err
	}
	in.Shrunk, err = demoShrink(ctx, stdout, env, res, cfg.out)
	return in, err
}

// demoShrink turns the load's violations into minimal incident files under out/shrunk (the
// three jobs feeding each other: load finds, shrink reproduces, replay keeps it), one file per
// distinct bug, and lists them for the page.
func demoShrink(ctx context.Context, stdout io.Writer, env *pgenv.Env, res *load.Result, out string) ([]reports.DemoShrunk, error) {
	ev := res.Evidence()
	if ev == nil || len(ev.Violations) == 0 {
		return nil, nil
	}
	bar := startPhase(stdout, string(ev.Policy)+": shrink", 1)
	dir := filepath.Join(out, demoShrunkDir)
	rep, err := shrink.Shrink(ctx, ev, shrink.Config{Dir: dir, Oracle: shrink.ReplayOracle(env), Explain: shrink.ReplayExplainer(env)})
	bar.finish()
	if err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(dir, "shrink.json"), rep.WriteJSON); err != nil {
		return nil, err
	}
	var list []reports.DemoShrunk
	for _, o := range rep.Outcomes {
		if o.Status == shrink.StatusSameAs {
			continue // one row per distinct bug; the JSON lists every violation
		}
		s := reports.DemoShrunk{Invariant: o.Invariant, Status: o.Status, Steps: o.Steps, Hardened: o.Hardened, Reason: o.Reason}
		if o.File != "" {
			if rel, err := filepath.Rel(out, o.File); err == nil {
				s.File = filepath.ToSlash(rel)
			}
		}
		list = append(list, s)
	}
	return list, nil
}
