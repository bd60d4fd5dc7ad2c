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
	"github.com/bookingharness/bookingharness/pgenv"
	"github.com/bookingharness/bookingharness/reports"
	"github.com/bookingharness/bookingharness/sim/blackbox"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/load"
	"github.com/bookingharness/bookingharness/sim/replay"
	"github.com/bookingharness/bookingharness/sim/world"
)

// gateSUTFlags are the options of `bookingharness gate --sut` (the black-box gate).
type gateSUTFlags struct {
	sut, policy, name, incidents, out, pgDSN, reproduce, loadFaults string
	explain                                                         []string
	parallel, loadCalls, loadConcurrency, loadSlots, loadRollEvery  int
	loadSeed                                                        int64
	knockOut, compare, requireAgreement                             bool
}

// gateSUTFlagNames are the flags that apply only with --sut.
var gateSUTFlagNames = []string{"policy", "name", "incidents", "out", "pg-dsn", "reproduce", "explain", "parallel",
	"knock-out", "compare", "require-agreement", "load-calls", "load-concurrency", "load-slots", "load-roll-every", "load-seed", "load-faults"}

func (f *gateSUTFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.sut, "sut", "", "gate this black-box service (sut.yaml) instead of judging report.json")
	fl.StringVar(&f.policy, "policy", "", "with --sut: whose expectations judge the service (seed or hardened; default the sut.yaml's policy:, hardened unless it says seed); its answers are compared with the Go core's under it")
	fl.StringVar(&f.name, "name", "", "with --sut: the service's name in tables (default: the sut.yaml's directory)")
	fl.StringVar(&f.incidents, "incidents", "scenarios/incidents", "with --sut: the incident catalogue to replay against the service")
	fl.StringVar(&f.out, "out", "reports/out/"+reports.DirBlackBox, "with --sut: where to write "+reports.FileBlackBox+" and "+reports.FileBlackBoxSummary)
	fl.StringVar(&f.pgDSN, "pg-dsn", "", "with --sut: Postgres server for the service's fresh databases (same as HARNESS_PG_DSN)")
	fl.StringVar(&f.reproduce, "reproduce", "call-687-688", "with --sut: the incident (name) whose no-layers replay must reproduce the duplicate")
	fl.StringArrayVar(&f.explain, "explain", nil, "with --sut: INCIDENT=why — a known, understood difference from the Go core (repeatable)")
	fl.IntVar(&f.parallel, "parallel", 2, "with --sut: replays run at once (each starts its own service)")
	fl.BoolVar(&f.knockOut, "knock-out", true, "with --sut: the necessity matrix, by switching each layer off where it decided")
	fl.BoolVar(&f.compare, "compare", true, "with --sut: replay the catalogue in-process too and compare the answers")
	fl.BoolVar(&f.requireAgreement, "require-agreement", false, "with --sut: refuse when the service answers a file differently from the Go core (unless --explain'ed)")
	fl.IntVar(&f.loadCalls, "load-calls", 320, "with --sut: black-box load attempts (0: no load)")
	fl.IntVar(&f.loadConcurrency, "load-concurrency", 32, "with --sut: load workers")
	fl.IntVar(&f.loadSlots, "load-slots", 4, "with --sut: the load's slot window (with --load-roll-every 0: its fixed slots)")
	fl.IntVar(&f.loadRollEvery, "load-roll-every", 8, "with --sut: move the load's slot window one slot on every N calls, so contention lasts the whole run (0: fixed slots)")
	fl.Int64Var(&f.loadSeed, "load-seed", 1, "with --sut: the load's seed (its calls' slots and its faults)")
	fl.StringVar(&f.loadFaults, "load-faults", "reset_after_commit=0.05,timeout_after_commit=0.05,status_500=0.05,status_429=0.05", "with --sut: the load's fault mix")
}

// changed reports whether any --sut-only flag was given.
func (f *gateSUTFlags) changed(cmd *cobra.Command) bool { return len(f.changedNames(cmd)) > 0 }

func (f *gateSUTFlags) changedNames(cmd *cobra.Command) []string {
	var out []string
	for _, n := range gateSUTFlagNames {
		if cmd.Flags().Changed(n) {
			out = append(out, "--"+n)
		}
	}
	return out
}

// jobKind says what one replay of the black-box gate is for.
type jobKind int

const (
	jobService   jobKind = iota // the file as written, against the service
	jobReference                // the file in-process, the Go core under the same policy
	jobKnocked                  // against the service with layers off (necessity)
	jobRepro                    // Call 687/688 with no layers, against the service
)

// gateJob is one replay of the black-box gate and, once run, its result.
type gateJob struct {
	kind jobKind
	inc  *incident.Incident
	off  []core.Layer // jobKnocked: the layers turned off, in layer order
	res  *replay.Result
	err  error
}

// gateRun is everything one black-box gate run gathered.
type gateRun struct {
	f       gateSUTFlags
	sut     *blackbox.SUT
	policy  core.Policy
	check   serviceCheck
	jobs    []*gateJob
	load    *load.Result
	loadErr error
	loadCfg load.Config
	// reached is the concurrency that reached the service over the replays and the load.
	reached world.Contention
}

func runGateSUT(ctx context.Context, stdout, stderr io.Writer, gf gateFlags) error {
	began := time.Now()
	// Inside the repository the section carries the tree's stamp, so the main gate can hold
	// it to the tree it judges; a service gated from elsewhere gets none (and the main gate,
	// if it ever reads it, refuses it as unstamped).
	st, stampErr := treeStamp("", os.Args[1:])
	f := gf.sut
	invalid := func(err error) error { return &exitError{code: 2, err: fmt.Errorf("gate --sut: %w", err)} }
	s, err := blackbox.LoadSUT(f.sut)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	if s.Command == nil {
		return invalid(errors.New(f.sut + " has no command: the black-box gate starts the service itself, once per replay, pointed at the replay's own fake Cal.com"))
	}
	judge := f.policy
	if judge == "" {
		judge = s.Policy
	}
	policy, err := core.ParsePolicy(judge)
	if err != nil {
		return invalid(fmt.Errorf("--policy: %w", err))
	}
	cfg, err := gateConfig(nil, gf.noReproduce, gf.layers)
	if err != nil {
		return err
	}
	explained, err := parseExplanations(f.explain)
	if err != nil {
		return invalid(err)
	}
	files, err := filepath.Glob(filepath.Join(f.incidents, "*.yaml"))
	if err != nil || len(files) == 0 {
		return invalid(fmt.Errorf("--incidents: no *.yaml incident in %s", f.incidents))
	}
	slices.Sort(files)
	var incs []*incident.Incident
	for _, p := range files {
		inc, err := incident.Load(p)
		if err != nil {
			return &exitError{code: 2, err: err}
		}
		incs = append(incs, inc)
	}
	var faults []load.Fault
	if f.loadCalls > 0 {
		if faults, err = load.ParseFaults(f.loadFaults); err != nil {
			return invalid(fmt.Errorf("--load-faults: %w", err))
		}
	}
	env, err := postgresEnv(ctx, f.pgDSN)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	defer env.Close(context.WithoutCancel(ctx))

	g := &gateRun{f: f, sut: s, policy: policy}
	fmt.Fprintf(stderr, "gate --sut: %s: conformance…\n", f.sut)
	if g.check, err = checkService(ctx, s, env, ""); err != nil {
		return &exitError{code: 2, err: err}
	}
	fmt.Fprintf(stderr, "gate --sut: replaying %d incident files against the service…\n", len(incs))
	g.replayAll(ctx, env, incs)
	if f.loadCalls > 0 {
		fmt.Fprintf(stderr, "gate --sut: load (%d calls, %d workers, %d slots)…\n", f.loadCalls, f.loadConcurrency, f.loadSlots)
		g.runLoad(ctx, env, faults)
	}
	bb := g.facts(explained)
	if !cfg.RequireReproduction && !g.hasJob(jobRepro) {
		// Not asked for, and nothing to run it on: no "reproduced false" line for it.
		bb.Reproduction = nil
		bb.Skipped = append(bb.Skipped, reports.Skip{What: "the no-layers Call 687/688 reproduction",
			Reason: fmt.Sprintf("not required (--no-reproduce), and no incident named %s in %s", f.reproduce, f.incidents)})
	}
	if stampErr == nil {
		bb.Stamp = &st
	}
	bb.Gate = reports.GateBlackBox(bb, reports.BlackBoxGateConfig{Layers: cfg.Layers, RequireReproduction: cfg.RequireReproduction, RequireAgreement: f.requireAgreement})
	if err := reports.WriteBlackBox(f.out, bb); err != nil {
		return err
	}
	printBlackBox(stdout, bb)
	fmt.Fprintf(stdout, "\nwrote %s and %s in %s\n", filepath.Join(f.out, reports.FileBlackBox), reports.FileBlackBoxSummary, time.Since(began).Round(time.Millisecond))
	if !bb.Gate.Pass {
		return &exitError{code: 1, err: fmt.Errorf("the black-box gate refused %s: %d finding(s), see above or %s", bb.Service.Name, len(bb.Gate.Findings), filepath.Join(f.out, reports.FileBlackBoxSummary))}
	}
	return nil
}

// parseExplanations reads --explain INCIDENT=why.
func parseExplanations(items []string) (map[string]string, error) {
	out := map[string]string{}
	for _, it := range items {
		name, why, ok := strings.Cut(it, "=")
		if !ok || strings.TrimSpace(name) == "" || strings.TrimSpace(why) == "" {
			return nil, fmt.Errorf("--explain %q: want INCIDENT=why", it)
		}
		out[strings.TrimSpace(name)] = strings.TrimSpace(why)
	}
	return out, nil
}

// replayAll runs, on f.parallel workers: every file against the service and in-process,
// then the reproduction and — for every layer that decided in a file — that file with the
// layer off. A deterministic replay in which a layer never answered runs the same without
// it, so those pairs are not run (the necessity matrix counts them as skipped). While a
// layer the service reports has decided nothing, a knocked-out run in which another layer
// decided runs again with that one off too (knockDeeper): a hardened service's later
// layers stand behind its first ones.
func (g *gateRun) replayAll(ctx context.Context, env *pgenv.Env, incs []*incident.Incident) {
	first := make([]*gateJob, 0, 2*len(incs)+1)
	for _, inc := range incs {
		first = append(first, &gateJob{kind: jobService, inc: inc})
		if g.f.compare {
			first = append(first, &gateJob{kind: jobReference, inc: inc})
		}
		if inc.Name == g.f.reproduce {
			first = append(first, &gateJob{kind: jobRepro, inc: inc})
		}
	}
	g.run(ctx, env, first)
	g.jobs = first
	if !g.f.knockOut || !g.switchable() {
		return
	}
	var knocked []*gateJob
	for _, j := range first {
		if j.kind != jobService || j.res == nil || j.res.Skipped != "" {
			continue
		}
		for _, l := range decidedLayers(j.res) {
			knocked = append(knocked, &gateJob{kind: jobKnocked, inc: j.inc, off: []core.Layer{l}})
		}
	}
	for len(knocked) > 0 {
		g.run(ctx, env, knocked)
		g.jobs = append(g.jobs, knocked...)
		knocked = g.knockDeeper(knocked)
	}
}

// knockDeeper returns the next round of knocked-out runs: while some layer the service
// reports has not decided in any run, each run of round in which a layer decided is run
// again with that layer off as well (once per file and set of layers). The hardened
// design asks call_id before freshness and claims the slot before both, so freshness
// decides only with the two before it off; the rounds end when every layer has decided,
// or no run shows another.
func (g *gateRun) knockDeeper(round []*gateJob) []*gateJob {
	decided := map[core.Layer]bool{}
	done := map[string]bool{}
	for _, j := range g.jobs {
		if j.res == nil || (j.kind != jobService && j.kind != jobKnocked) {
			continue
		}
		for _, l := range decidedLayers(j.res) {
			decided[l] = true
		}
		if j.kind == jobKnocked {
			done[j.inc.Name+" "+knockedKey(j.off)] = true
		}
	}
	if !slices.ContainsFunc(g.check.caps.Layers, func(l core.Layer) bool { return !decided[l] }) {
		return nil
	}
	var next []*gateJob
	for _, j := range round {
		if j.res == nil || j.res.Skipped != "" {
			continue
		}
		for _, l := range decidedLayers(j.res) {
			off := core.NewLayers(append(slices.Clone(j.off), l)...).List() // in layer order
			if key := j.inc.Name + " " + knockedKey(off); !slices.Contains(j.off, l) && !done[key] {
				done[key] = true
				next = append(next, &gateJob{kind: jobKnocked, inc: j.inc, off: off})
			}
		}
	}
	return next
}

// knockedKey names a set of knocked-out layers whatever their order.
func knockedKey(off []core.Layer) string { return core.NewLayers(off...).String() }

// switchable reports whether the service reports layers and its layer switch passed.
func (g *gateRun) switchable() bool {
	if len(g.check.caps.Layers) == 0 {
		return false
	}
	for _, r := range g.check.results {
		if r.Name == "layer switch" {
			return r.Status == blackbox.Pass
		}
	}
	return false
}

// decidedLayers are the layers that decided a step of res, in layer order.
func decidedLayers(res *replay.Result) []core.Layer {
	var set core.Layers
	for _, s := range res.Steps {
		if s.Layer != "" && s.Layer != incident.DecidedByCalcom {
			set |= core.NewLayers(core.Layer(s.Layer))
		}
	}
	return set.List()
}

// run replays jobs on g.f.parallel workers.
func (g *gateRun) run(ctx context.Context, env *pgenv.Env, jobs []*gateJob) {
	next := make(chan *gateJob)
	var wg sync.WaitGroup
	for range max(g.f.parallel, 1) {
		wg.Go(func() {
			for j := range next {
				j.res, j.err = replay.Run(ctx, env, j.inc, g.options(j))
			}
		})
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
}

// options are the replay options of one job.
func (g *gateRun) options(j *gateJob) replay.Options {
	opts := replay.Options{Policy: g.policy}
	if j.kind != jobReference {
		opts.BlackBox = &world.BlackBox{SUT: g.sut}
		if g.check.caps.Offered {
			opts.BlackBox.Capabilities = &g.check.caps.CapabilitiesAnswer
		}
	}
	switch j.kind {
	case jobKnocked:
		layers, _ := core.LayersFromNames(j.inc.Layers) // validated by incident.Load
		for _, l := range j.off {
			layers = layers.Without(l)
		}
		opts.Layers = &layers
	case jobRepro:
		none := core.Layers(0)
		opts.Policy, opts.Layers = core.PolicySeed, &none
	}
	return opts
}

// runLoad runs the black-box load.
func (g *gateRun) runLoad(ctx context.Context, env *pgenv.Env, faults []load.Fault) {
	cfg := load.DefaultConfig()
	cfg.Calls, cfg.Concurrency, cfg.Slots, cfg.RollEvery, cfg.Faults = g.f.loadCalls, g.f.loadConcurrency, g.f.loadSlots, g.f.loadRollEvery, faults
	cfg.Policy, cfg.Layers, cfg.Seed = g.policy, core.All(), g.f.loadSeed
	cfg.BlackBox = &world.BlackBox{SUT: g.sut}
	g.loadCfg = cfg
	g.load, g.loadErr = load.Run(ctx, env, cfg, nil)
}
