package shrink

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/bookingharness/bookingharness/sim/incident"
)

// Oracle replays an incident and returns the invariants the replay violated. It is a
// function so the minimiser's tests run on hand-made oracles without Postgres;
// ReplayOracle is the real one. An error means the replay could not run at all (no
// Postgres): the minimiser stops the case and reports it.
type Oracle func(ctx context.Context, inc *incident.Incident) (violated []string, err error)

// Defaults of Options.
const (
	DefaultRuns       = 3
	DefaultMaxReplays = 200
)

// Options tune the minimiser.
type Options struct {
	// Runs is how many consecutive replays must all show the invariant for a candidate to
	// reproduce (0: DefaultRuns).
	Runs int
	// MaxReplays bounds the replays spent on one case (0: DefaultMaxReplays). A case that
	// reaches it keeps its smallest reproducing candidate, which is then not proven
	// 1-minimal (Minimised.Exhausted).
	MaxReplays int
	// EveryViolation shrinks every violation, not only the first of each signature.
	EveryViolation bool
}

func (o Options) runs() int {
	if o.Runs > 0 {
		return o.Runs
	}
	return DefaultRuns
}

func (o Options) maxReplays() int {
	if o.MaxReplays > 0 {
		return o.MaxReplays
	}
	return DefaultMaxReplays
}

// Minimised is what minimising one case reached.
type Minimised struct {
	// Incident is the smallest candidate that reproduced; when none did, the closest one:
	// the candidate that showed the invariant most often (the whole case if none ever did).
	Incident   *incident.Incident
	Reproduced bool
	// Hits of Tried replays of Incident showed the invariant (Hits == Tried == Options.Runs
	// when Reproduced).
	Hits, Tried int
	// Violated is every invariant the replays of a reproduced Incident violated (sorted; the
	// same in each, and including the one minimised for): its expect.violations.
	Violated []string
	// Replays is how many replays the case cost; Candidates how many distinct candidates
	// were tried.
	Replays, Candidates int
	// Exhausted is true when Options.MaxReplays stopped the search: Incident reproduces but
	// is not proven 1-minimal.
	Exhausted bool
}

// errBudget stops a search that has spent Options.MaxReplays.
var errBudget = errors.New("shrink: replay budget spent")

// Minimise reduces inc, which should show invariant, to a 1-minimal incident that still
// shows it in every one of Options.Runs consecutive replays (see the package doc): focus
// (the calls the violation names) is tried alone first, with only the event types they
// book, then the whole case; the first
// that reproduces is reduced by ddmin over its attempts and then greedily over every
// one-step transformation. The error is the oracle's (the replay could not run); the
// Minimised returned with it holds the closest candidate reached so far.
func Minimise(ctx context.Context, inc *incident.Incident, invariant string, focus []string, oracle Oracle, opts Options) (Minimised, error) {
	t := &tester{ctx: ctx, oracle: oracle, invariant: invariant, runs: opts.runs(), budget: opts.maxReplays(),
		seen: map[string]verdict{}, closest: inc}
	starts := []*incident.Incident{inc}
	if f := dropUnusedEventTypes(keepCalls(inc, focus)); len(f.Steps) > 0 && len(units(f)) < len(units(inc)) {
		starts = []*incident.Incident{f, inc}
	}
	var cur *incident.Incident
	for _, s := range starts {
		ok, err := t.reproduces(s)
		if err != nil {
			return t.result(nil, err)
		}
		if ok {
			cur = s
			break
		}
	}
	if cur == nil {
		return t.result(nil, nil)
	}
	cur, err := t.ddmin(cur)
	if err != nil {
		return t.result(cur, err)
	}
	for {
		next, err := t.firstReproducing(cur, neighbours(cur))
		if err != nil {
			return t.result(cur, err)
		}
		if next == nil {
			return t.result(cur, nil)
		}
		cur = next
	}
}

// verdict is what the replays of one candidate showed: hits of tried replays showed the
// invariant, each with the same set of violated invariants, violated (sorted).
type verdict struct {
	hits, tried int
	violated    []string
}

// tester replays candidates, caches their verdicts by their written bytes, and remembers the
// closest candidate.
type tester struct {
	ctx       context.Context
	oracle    Oracle
	invariant string
	runs      int
	budget    int
	replays   int
	seen      map[string]verdict
	closest   *incident.Incident
	best      verdict
}

// reproduces replays inc up to runs times and reports whether every replay showed the
// invariant, and the same set of violated invariants as the first — so the file's
// expect.violations holds in every replay; it stops at the first replay that differs.
func (t *tester) reproduces(inc *incident.Incident) (bool, error) {
	data, err := incident.Marshal(inc, nil)
	if err != nil {
		return false, fmt.Errorf("shrink: a candidate cannot be written: %w", err)
	}
	key := string(data)
	if v, ok := t.seen[key]; ok {
		return v.hits == t.runs, nil
	}
	var v verdict
	for v.tried < t.runs {
		if t.replays >= t.budget {
			return false, errBudget
		}
		t.replays++
		violated, err := t.oracle(t.ctx, inc)
		if err != nil {
			return false, err
		}
		v.tried++
		violated = slices.Sorted(slices.Values(violated))
		if !slices.Contains(violated, t.invariant) || (v.hits > 0 && !slices.Equal(violated, v.violated)) {
			break
		}
		v.hits++
		v.violated = violated
	}
	t.seen[key] = v
	if v.hits > t.best.hits {
		t.closest, t.best = inc, v
	}
	return v.hits == t.runs, nil
}

// firstReproducing returns the first candidate smaller than cur that reproduces, or nil.
func (t *tester) firstReproducing(cur *incident.Incident, candidates []*incident.Incident) (*incident.Incident, error) {
	size := sizeOf(cur)
	for _, c := range candidates {
		if !sizeOf(c).less(size) {
			continue
		}
		ok, err := t.reproduces(c)
		if err != nil || ok {
			return c, err
		}
	}
	return nil, nil
}

// ddmin is Zeller and Hildebrandt's delta debugging over inc's attempts: it tests chunks of
// n, then their complements, and refines n until every single attempt has been tried.
func (t *tester) ddmin(inc *incident.Incident) (*incident.Incident, error) {
	us := units(inc)
	n := 2
	for len(us) >= 2 {
		chunks := split(us, n)
		var candidates [][]unit
		candidates = append(candidates, chunks...)
		if n > 2 {
			for k := range chunks {
				candidates = append(candidates, complement(chunks, k))
			}
		}
		reduced := false
		for k, c := range candidates {
			ok, err := t.reproduces(keep(inc, c))
			if err != nil {
				return keep(inc, us), err
			}
			if ok {
				us, reduced = c, true
				if k < len(chunks) {
					n = 2
				} else {
					n = max(n-1, 2)
				}
				break
			}
		}
		if !reduced {
			if n >= len(us) {
				break
			}
			n = min(2*n, len(us))
		}
	}
	return keep(inc, us), nil
}

// split cuts us into n chunks of nearly equal length.
func split(us []unit, n int) [][]unit {
	out := make([][]unit, 0, n)
	for k := range n {
		lo, hi := k*len(us)/n, (k+1)*len(us)/n
		if hi > lo {
			out = append(out, us[lo:hi])
		}
	}
	return out
}

func complement(chunks [][]unit, k int) []unit {
	var out []unit
	for j, c := range chunks {
		if j != k {
			out = append(out, c...)
		}
	}
	return out
}

// keepCalls returns inc with only the attempts (and cancels) of calls.
func keepCalls(inc *incident.Incident, calls []string) *incident.Incident {
	var kept []unit
	for _, u := range units(inc) {
		st := inc.Steps[u.step]
		var call string
		switch {
		case st.Cancel != nil:
			call = st.Cancel.Call
		case u.entry >= 0:
			call = st.Concurrent[u.entry].Call
		default:
			call = st.Book.Call
		}
		if slices.Contains(calls, call) {
			kept = append(kept, u)
		}
	}
	return keep(inc, kept)
}

// result assembles the Minimised for cur (nil: nothing reproduced) and the search's error;
// a spent budget is not an error but an exhausted search.
func (t *tester) result(cur *incident.Incident, err error) (Minimised, error) {
	m := Minimised{Replays: t.replays, Candidates: len(t.seen)}
	if errors.Is(err, errBudget) {
		m.Exhausted, err = true, nil
	}
	if cur != nil {
		m.Incident, m.Reproduced, m.Hits, m.Tried = cur, true, t.runs, t.runs
		m.Violated = t.seen[t.keyOf(cur)].violated
		return m, err
	}
	m.Incident, m.Hits, m.Tried = t.closest, t.best.hits, t.best.tried
	if t.best.tried == 0 {
		m.Tried = t.seen[t.keyOf(t.closest)].tried
	}
	return m, err
}

func (t *tester) keyOf(inc *incident.Incident) string {
	data, _ := incident.Marshal(inc, nil)
	return string(data)
}
