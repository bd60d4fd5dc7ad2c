package load

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/bookingharness/bookingharness/pgenv"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/history"
)

// Run executes one load run on env (see the package doc) and returns what it found. expect
// is the set of violation names the run tolerates; nil means ExpectedViolations for the
// policy and layers. An error means the run itself could not be carried out (no database,
// unreachable external fake, invalid configuration); violations are in the Result.
func Run(ctx context.Context, env *pgenv.Env, cfg Config, expect []string) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if expect == nil {
		expect = ExpectedViolations(cfg.Policy, cfg.Layers)
	}
	if err := ValidateExpected(expect); err != nil {
		return nil, err
	}
	var (
		t   target
		err error
	)
	if cfg.CalcomURL != "" {
		t, err = newExternalTarget(ctx, env, cfg)
	} else {
		t, err = newWorldTarget(ctx, env, cfg)
	}
	if err != nil {
		return nil, err
	}
	closer := &onceCloser{t: t}
	defer closer.close(context.WithoutCancel(ctx))

	d := newDriver(t, cfg, wallClock{})
	began := time.Now()
	watch := startSampler(ctx, t, began, cfg.sampleInterval())
	dropped, elapsed := d.run(ctx, began)
	samples := watch.finish(context.WithoutCancel(ctx))

	// Read the final state and the fired faults (the in-process target frees the fake's
	// ledger and journal as soon as it has read them), close the world, and only then copy
	// the history: the copy and the ledger are never held at once, which keeps a
	// 100 000-attempt run's peak memory low (docs/targets.md).
	res := newResult(cfg, d.log, elapsed)
	res.Dropped = dropped
	res.observe(samples)
	state, journal, err := t.Final(ctx)
	if err != nil {
		return nil, err
	}
	fired := res.countFaults(cfg.Faults, journal, d.log)
	seen := firings{journal: journal}
	if wt, ok := t.(*worldTarget); ok {
		seen.struck, seen.db = wt.struck, wt.dbFaultsFired()
		res.countDBFaults(cfg.DBFaults, seen.db)
		res.countWebhookFaults(cfg.WebhookFaults, seen.struck)
		if cfg.BlackBox != nil {
			c := wt.contention
			res.ConcurrencyReached, res.Inconclusive = &c, c.Inconclusive()
			n, err := wt.restarts()
			if err != nil {
				return nil, fmt.Errorf("load: restart the service after a crash: %w", err)
			}
			res.CrashesPlanned, res.Crashes = CrashPlan(cfg.Seed, cfg.Calls, cfg.Crashes), n
		}
	}
	res.nameStalls(findStalls(d.log, cfg.stallWindow()), evidence{
		log: d.log, samples: samples, fired: fired, maxConns: cfg.maxConns(), clientTimeout: cfg.clientTimeout(),
	})
	ops := t.Operations // the recorder outlives Close
	if err := closer.close(ctx); err != nil {
		return nil, err
	}
	res.ops = ops()
	rep, err := res.judgeRun(state, expect, cfg.CheckTimeout)
	if err != nil {
		return nil, err
	}
	res.keepEvidence(cfg, t.Layout(), seen, d.log, rep) // for sim/shrink; a no-op unless cfg.KeepEvidence
	if cfg.KeepHistory {
		res.kept = &kept{state: state, report: rep, checkTimeout: cfg.CheckTimeout}
	}
	return res, nil
}

// judgeRun judges the history r.ops and the final state: the invariant checker, porcupine
// per slot, and the violated names against expect.
func (r *Result) judgeRun(state check.State, expect []string, checkTimeout time.Duration) (check.Report, error) {
	rep := check.Check(r.ops, state)
	if err := rep.Err(); err != nil {
		return rep, fmt.Errorf("load: the invariant check could not judge the run: %w", err)
	}
	r.Violations = summarizeViolations(rep)
	if err := r.checkSlots(checkTimeout); err != nil {
		return rep, err
	}
	r.judge(expect)
	return rep, nil
}

// checkSlots runs porcupine over every slot's history.
func (r *Result) checkSlots(timeout time.Duration) error {
	slots, err := history.CheckSlotsTimeout(r.ops, timeout)
	if err != nil {
		return fmt.Errorf("load: linearizability check: %w", err)
	}
	r.Linearizability = Linearizability{Slots: len(slots), IllegalSlots: []string{}}
	r.checkedSlots = make([]history.SlotKey, 0, len(slots))
	for _, s := range slots {
		r.checkedSlots = append(r.checkedSlots, s.Slot)
		switch s.Verdict {
		case history.VerdictOK:
			r.Linearizability.OK++
		case history.VerdictTimeout:
			r.Linearizability.Timeout++
		case history.VerdictIllegal:
			r.Linearizability.Illegal++
			r.illegalSlots = append(r.illegalSlots, s.Slot)
			if len(r.Linearizability.IllegalSlots) < MaxListedSlots {
				r.Linearizability.IllegalSlots = append(r.Linearizability.IllegalSlots, s.Slot.String())
			}
		}
	}
	return nil
}

// judge compares the violated names with the expected ones.
func (r *Result) judge(expect []string) {
	r.ExpectedViolations = append([]string{}, expect...)
	slices.Sort(r.ExpectedViolations)
	r.UnexpectedViolations = []string{}
	for _, name := range r.Violated() {
		if !slices.Contains(expect, name) {
			r.UnexpectedViolations = append(r.UnexpectedViolations, name)
		}
	}
	r.OK = len(r.UnexpectedViolations) == 0 && r.Inconclusive == ""
}

// onceCloser closes a target once: early on success, from a defer on failure.
type onceCloser struct {
	t    target
	done bool
}

func (c *onceCloser) close(ctx context.Context) error {
	if c.done {
		return nil
	}
	c.done = true
	t := c.t
	c.t = nil // the world's memory (the fake's ledger and journal) can go now
	if err := t.Close(ctx); err != nil {
		return fmt.Errorf("load: close the world: %w", err)
	}
	return nil
}
