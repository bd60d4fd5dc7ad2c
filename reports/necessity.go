package reports

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/evidence"
)

// Necessity statuses of one layer under one policy.
const (
	// NecessityNeeded: switching the layer off makes at least one scenario break an invariant
	// it held with the layer on.
	NecessityNeeded = "needed"
	// NecessityReducedOnly: switching the layer off breaks invariants only in scenarios that
	// already run a reduced layer set; with every other layer on, something else covers it.
	// Distinct from redundant: the suite does show what the layer prevents.
	NecessityReducedOnly = "needed_reduced_only"
	// NecessityRedundant: the layer rejects bookings in some scenario, yet switching it off
	// breaks no invariant anywhere — another layer (BackedUpBy) or the rest of the design
	// already catches every case it catches.
	NecessityRedundant = "redundant"
	// NecessityUntested: the suite cannot tell what the layer is for — it never rejects in any
	// scenario and switching it off breaks nothing, or some world with it off errored (an
	// errored run proves nothing either way, so it is never counted as redundant).
	NecessityUntested = "untested"
	// NecessityNotRun: no run with the layer switched off was compared (every counterpart was
	// skipped on purpose, e.g. a spec that forces an interleaving at that very layer).
	NecessityNotRun = "not_run"
	// NecessityNotApplicable: the policy never runs the layer (seed has no slot_exclusion).
	NecessityNotApplicable = "n/a"
)

// Necessity is the knock-one-layer-out matrix: per policy and switched-off layer, which
// scenarios then break which invariants.
type Necessity struct {
	// Off lists the switched-off layer sets compared, in layer order ("db_check", or
	// "db_check,unique" for a pair run).
	Off   []string        `json:"off"`
	Cells []NecessityCell `json:"cells"`
	// Breaks lists every scenario that broke, by policy and switched-off layer set.
	Breaks []Break `json:"breaks"`
}

// NecessityCell is the verdict on one switched-off layer set under one policy.
type NecessityCell struct {
	Policy string `json:"policy"`
	Off    string `json:"off"`
	Status string `json:"status"`
	// Compared counts the worlds compared (the layer was on in the normal run and a world
	// with it off was matched); Unmatched counts normal worlds with no counterpart: Skipped
	// of them were skipped on purpose in the knocked-out run, the rest errored.
	Compared  int `json:"compared"`
	Unmatched int `json:"unmatched"`
	Skipped   int `json:"skipped"`
	// Errored counts worlds whose knocked-out run errored: its invariant check failed, or the
	// spec left no evidence without being skipped. ErroredScenarios names them.
	Errored          int      `json:"errored"`
	ErroredScenarios []string `json:"errored_scenarios,omitempty"`
	// NeededBy counts scenarios that broke an invariant; NeededInFull those of them whose
	// world ran every layer of the policy (the full design); AssertionsOnly those whose spec
	// failed without any new invariant violation (they pin the layer's answer, not safety).
	NeededBy       int `json:"needed_by"`
	NeededInFull   int `json:"needed_in_full"`
	AssertionsOnly int `json:"assertions_only"`
	// Rejections counts normal worlds in which the layer rejected at least once.
	Rejections int `json:"rejections"`
	// Invariants are the invariants that broke without the layer.
	Invariants []string `json:"invariants"`
	// BackedUpBy are the layers that rejected more often with this one off.
	BackedUpBy []string `json:"backed_up_by"`
	Note       string   `json:"note"`
}

// Break is one scenario that noticed a layer missing.
type Break struct {
	Policy        string   `json:"policy"`
	Off           string   `json:"off"`
	Source        string   `json:"source"`
	Scenario      string   `json:"scenario"`
	NewViolations []string `json:"new_violations"`
	// SpecFailed is true when the spec (or replay) passed with every layer and failed without.
	SpecFailed bool `json:"spec_failed"`
	// FullDesign is true when the scenario's normal world ran every layer of its policy.
	FullDesign bool `json:"full_design"`
	// Layers is the scenario's normal layer set.
	Layers string `json:"layers"`
}

type worldKey struct {
	source, spec, policy string
	ordinal              int
}

// keyed numbers runs by their position among runs of the same spec and policy, which is
// how the worlds of a normal run and of a knocked-out run are paired.
func keyed(runs []Run) map[worldKey]Run {
	seen := map[worldKey]int{}
	out := make(map[worldKey]Run, len(runs))
	for _, r := range runs {
		k := worldKey{r.Source, r.Spec, r.Entry.Policy, 0}
		k.ordinal = seen[k]
		seen[k]++
		out[k] = r
	}
	return out
}

// BuildNecessity compares the normal runs (no layer switched off) with the knocked-out runs
// (Entry.LayersOff set) and classifies every switched-off layer set per policy:
//
//   - needed when a scenario that runs the full design (every layer of its policy) breaks an
//     invariant it did not break with the layer on;
//   - otherwise untested when a world with the layer off errored (its check errored, or its
//     spec left no evidence although it was not skipped): nothing can be concluded;
//   - otherwise needed only in reduced layer sets when the breaks are all in scenarios that
//     run fewer layers — the suite shows what it prevents, but something else covers it in
//     the full design;
//   - otherwise redundant when the layer rejected a booking in at least one normal world —
//     its work is real, but with it off the state stays correct (BackedUpBy names layers
//     that rejected more with it gone);
//   - otherwise untested: it never rejected and nothing broke, so the suite cannot show what
//     it prevents.
//
// skipped lists, per switched-off layer set (the LayersOff joined by ","), the specs the
// knocked-out run skipped on purpose; a normal world whose counterpart is missing and not
// skipped errored. A spec that only fails its assertions (a different deciding layer or
// outcome kind, with no invariant broken) is listed but does not make a layer needed.
func BuildNecessity(normal, knocked []Run, skipped map[string][]string) *Necessity {
	return BuildNecessityShortcut(normal, knocked, skipped, nil)
}

// BuildNecessityShortcut is BuildNecessity for knocked-out runs that may be shortcut runs
// (docs/ci.md): leftOut lists, per switched-off layer set, the specs such a run left out
// because the suite's run never reached the layer in them. A normal world of such a spec
// in which none of the switched-off layers made a decision counts as compared and
// unchanged; one in which a layer did is missing, so it errored.
func BuildNecessityShortcut(normal, knocked []Run, skipped, leftOut map[string][]string) *Necessity {
	if len(knocked) == 0 {
		return nil
	}
	base := keyed(filterRuns(normal, func(r Run) bool { return len(r.Entry.LayersOff) == 0 }))
	groups := map[string][]Run{}
	for _, r := range knocked {
		if len(r.Entry.LayersOff) == 0 {
			continue
		}
		off := strings.Join(r.Entry.LayersOff, ",")
		groups[off] = append(groups[off], r)
	}
	n := &Necessity{}
	for off := range groups {
		n.Off = append(n.Off, off)
	}
	slices.SortFunc(n.Off, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(strings.Split(a, ",")), len(strings.Split(b, ","))),
			cmp.Compare(evidence.LayerRank(strings.Split(a, ",")[0]), evidence.LayerRank(strings.Split(b, ",")[0])), cmp.Compare(a, b))
	})
	for _, off := range n.Off {
		offRuns := keyed(groups[off])
		layers := strings.Split(off, ",")
		for _, p := range Policies() {
			cell, breaks := judgeOff(p, layers, base, offRuns, skipped[off], leftOut[off])
			cell.Off = off
			n.Cells = append(n.Cells, cell)
			for i := range breaks {
				breaks[i].Off = off
			}
			n.Breaks = append(n.Breaks, breaks...)
		}
	}
	return n
}

func filterRuns(runs []Run, keep func(Run) bool) []Run {
	var out []Run
	for _, r := range runs {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

func judgeOff(policy string, off []string, base, offRuns map[worldKey]Run, skipped, leftOut []string) (NecessityCell, []Break) {
	cell := NecessityCell{Policy: policy, Invariants: []string{}, BackedUpBy: []string{}}
	keys := make([]worldKey, 0, len(base))
	for k := range base {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b worldKey) int {
		return cmp.Or(cmp.Compare(a.source, b.source), cmp.Compare(a.spec, b.spec), cmp.Compare(a.ordinal, b.ordinal))
	})
	applicable := false
	broken := map[string]*Break{}
	var order []string
	for _, k := range keys {
		b := base[k]
		if k.policy != policy || !anyOn(b.Entry, off) {
			continue
		}
		applicable = true
		o, ok := offRuns[k]
		if !ok && slices.Contains(leftOut, k.spec) && !slices.ContainsFunc(off, func(l string) bool { return reached(b, l) }) {
			// Left out by the shortcut: the layer never ran in this world, so with it off
			// the world is the same.
			cell.Compared++
			continue
		}
		if !ok {
			cell.Unmatched++
			if slices.Contains(skipped, k.spec) {
				cell.Skipped++
			} else {
				cell.errored(k.spec)
			}
			continue
		}
		if o.Entry.CheckError != "" {
			cell.errored(k.spec)
			continue
		}
		cell.Compared++
		rejected := false
		for _, l := range off {
			rejected = rejected || cellOf(b.Entry, l).Reject > 0
		}
		if rejected {
			cell.Rejections++
		}
		newViol := minus(o.Entry.Violations, b.Entry.Violations)
		specFailed := b.Passed && !o.Passed
		if len(newViol) == 0 && rejected {
			for _, m := range LayerNames() {
				if !slices.Contains(off, m) && cellOf(o.Entry, m).Reject > cellOf(b.Entry, m).Reject {
					cell.BackedUpBy = union(cell.BackedUpBy, []string{m})
				}
			}
		}
		if len(newViol) == 0 && !specFailed {
			continue
		}
		id := k.source + "\x00" + k.spec
		br, seen := broken[id]
		if !seen {
			br = &Break{Policy: policy, Source: k.source, Scenario: k.spec, NewViolations: []string{}, Layers: b.Entry.Layers}
			broken[id] = br
			order = append(order, id)
		}
		br.NewViolations = union(br.NewViolations, newViol)
		br.SpecFailed = br.SpecFailed || specFailed
		br.FullDesign = br.FullDesign || (len(newViol) > 0 && fullDesign(b.Entry))
		cell.Invariants = union(cell.Invariants, newViol)
	}
	breaks := make([]Break, 0, len(order))
	for _, id := range order {
		br := *broken[id]
		if len(br.NewViolations) > 0 {
			cell.NeededBy++
			if br.FullDesign {
				cell.NeededInFull++
			}
		} else {
			cell.AssertionsOnly++
		}
		breaks = append(breaks, br)
	}
	label := strings.Join(off, "+")
	switch {
	case !applicable:
		cell.Status = NecessityNotApplicable
		cell.Note = fmt.Sprintf("the %s policy never runs %s", policy, label)
	case cell.NeededInFull > 0:
		cell.Status = NecessityNeeded
		cell.Note = fmt.Sprintf("without %s, %d scenario(s) with every other layer on break %s", label, cell.NeededInFull, strings.Join(cell.Invariants, ", "))
		if cell.NeededBy > cell.NeededInFull {
			cell.Note += fmt.Sprintf(" (%d more with fewer layers)", cell.NeededBy-cell.NeededInFull)
		}
	case cell.Errored > 0:
		cell.Status = NecessityUntested
		cell.Note = fmt.Sprintf("%d world(s) errored with %s off (%s): an errored run proves nothing, so the layer is untested, not redundant",
			cell.Errored, label, clip(cell.ErroredScenarios, 3))
	case cell.Compared == 0:
		cell.Status = NecessityNotRun
		cell.Note = fmt.Sprintf("no world with %s off could be compared: all %d counterpart(s) were skipped", label, cell.Skipped)
	case cell.NeededBy > 0:
		cell.Status = NecessityReducedOnly
		cell.Note = fmt.Sprintf("without %s, %d scenario(s) that run a reduced layer set break %s; no scenario with every other layer on breaks without it",
			label, cell.NeededBy, strings.Join(cell.Invariants, ", "))
	case cell.Rejections > 0:
		cell.Status = NecessityRedundant
		if len(cell.BackedUpBy) > 0 {
			cell.Note = fmt.Sprintf("%s rejects in %d world(s), but with it off %s catch(es) the same cases", label, cell.Rejections, strings.Join(cell.BackedUpBy, ", "))
		} else {
			cell.Note = fmt.Sprintf("%s rejects in %d world(s), but with it off the state stays correct (only the answer changes)", label, cell.Rejections)
		}
		cell.Note += "; no scenario breaks without it"
	default:
		cell.Status = NecessityUntested
		cell.Note = fmt.Sprintf("%s never rejects in any %s scenario and switching it off breaks nothing: no scenario shows what it prevents", label, policy)
	}
	if cell.Skipped > 0 && cell.Status != NecessityNotRun {
		cell.Note += fmt.Sprintf("; %d world(s) skipped on purpose with it off", cell.Skipped)
	}
	if cell.AssertionsOnly > 0 {
		cell.Note += fmt.Sprintf("; %d spec(s) pin its answer and fail without it", cell.AssertionsOnly)
	}
	return cell, breaks
}

// errored counts one world of spec whose knocked-out run errored.
func (c *NecessityCell) errored(spec string) {
	c.Errored++
	if !slices.Contains(c.ErroredScenarios, spec) {
		c.ErroredScenarios = append(c.ErroredScenarios, spec)
	}
}

// fullDesign reports whether the entry's world ran every layer its policy runs.
func fullDesign(e evidence.Entry) bool {
	set, err := core.ParseLayers(e.Layers)
	p := core.Policy(e.Policy)
	return err == nil && p.Effective(set) == p.Effective(core.All())
}

func anyOn(e evidence.Entry, layers []string) bool {
	for _, l := range layers {
		if effectiveOn(e, l) {
			return true
		}
	}
	return false
}

// Cell returns the verdict for policy and off, and whether there is one.
func (n *Necessity) Cell(policy, off string) (NecessityCell, bool) {
	if n == nil {
		return NecessityCell{}, false
	}
	for _, c := range n.Cells {
		if c.Policy == policy && c.Off == off {
			return c, true
		}
	}
	return NecessityCell{}, false
}
