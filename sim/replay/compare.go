package replay

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Difference is one point where two replays of one file disagree.
type Difference struct {
	// Where is a step's path (steps[1]; a concurrent step as a whole), "final.appointments",
	// "final.calcom_bookings", "final.violations", or "run" when one of them did not run.
	Where string `json:"where"`
	// A and B are what each replay shows there.
	A string `json:"a"`
	B string `json:"b"`
}

// String renders the difference on one line.
func (d Difference) String() string { return fmt.Sprintf("%s: %s vs %s", d.Where, d.A, d.B) }

// Compare lists where b disagrees with a: each step's outcome and deciding layer — a
// concurrent step as the multiset of its entries' outcomes, since which racer wins, and
// whether a loser meets Cal.com's conflict answer or a replay its call_id layer stops,
// depend on the interleaving — the final numbers of live appointments and Cal.com bookings,
// and the violated invariants. Ids, uids, timings and layer decisions are not compared: they differ
// by design between runs and are absent from black-box answers. Empty when they agree.
func Compare(a, b *Result) []Difference { return compare(a, b, true) }

// CompareOutcomes is Compare without the deciding layers: how a service that reports no
// layers is compared with the core — its outcomes, not which layer decided them.
func CompareOutcomes(a, b *Result) []Difference { return compare(a, b, false) }

func compare(a, b *Result, layers bool) []Difference {
	if a.Skipped != "" || b.Skipped != "" {
		if a.Skipped == b.Skipped {
			return nil
		}
		return []Difference{{Where: "run", A: ranOrSkipped(a), B: ranOrSkipped(b)}}
	}
	var out []Difference
	sa, sb := stepAnswers(a), stepAnswers(b)
	ka, kb := sa.keys, sb.keys
	if !layers {
		ka, kb = sa.outcomes, sb.outcomes
	}
	for _, k := range unionKeys(sa, sb) {
		if ka[k] != kb[k] {
			out = append(out, Difference{Where: k, A: orMissing(sa.answers[k]), B: orMissing(sb.answers[k])})
		}
	}
	fa, fb := a.Final, b.Final
	if fa.Appointments != fb.Appointments {
		out = append(out, Difference{Where: "final.appointments", A: strconv.Itoa(fa.Appointments), B: strconv.Itoa(fb.Appointments)})
	}
	if fa.CalcomBookings != fb.CalcomBookings {
		out = append(out, Difference{Where: "final.calcom_bookings", A: strconv.Itoa(fa.CalcomBookings), B: strconv.Itoa(fb.CalcomBookings)})
	}
	if !slices.Equal(fa.Violated, fb.Violated) {
		out = append(out, Difference{Where: "final.violations", A: names(fa.Violated), B: names(fb.Violated)})
	}
	return out
}

// Summary is a replay's answers on one line: each step's outcome (and layer), then the
// violated invariants — what a comparison table shows per run.
func Summary(r *Result) string {
	if r.Skipped != "" {
		return "skipped"
	}
	s := stepAnswers(r)
	parts := make([]string, 0, len(s.order)+1)
	for _, k := range s.order {
		parts = append(parts, s.answers[k])
	}
	return strings.Join(parts, " · ") + " ⇒ " + names(r.Final.Violated)
}

// answers are a replay's step answers by step path, in step order: as shown, and as
// compared (a concurrent step's outcomes without layers).
type answers struct {
	order   []string
	answers map[string]string
	keys    map[string]string
	// outcomes are the answers without layers, as CompareOutcomes compares them.
	outcomes map[string]string
}

func stepAnswers(r *Result) answers {
	out := answers{answers: map[string]string{}, keys: map[string]string{}, outcomes: map[string]string{}}
	shown, outcomes := map[string][]string{}, map[string][]string{}
	concurrent := map[string]bool{}
	for _, s := range r.Steps {
		k, _, _ := strings.Cut(s.Path, ".concurrent")
		if _, seen := shown[k]; !seen {
			out.order = append(out.order, k)
		}
		a := s.Outcome
		switch s.Kind {
		case "cancel":
			a = "cancel " + a
		case KindRestart:
			// The core sweeps by the harness's hand, a service runs its own recovery: both
			// restarted, and what follows shows whether they recovered alike.
			a = "restarted"
		}
		outcomes[k] = append(outcomes[k], a)
		if s.Layer != "" {
			a += " (" + s.Layer + ")"
		}
		shown[k] = append(shown[k], a)
		concurrent[k] = concurrent[k] || s.Concurrent
	}
	for k := range shown {
		out.answers[k] = multiset(shown[k])
		out.keys[k] = out.answers[k]
		out.outcomes[k] = multiset(outcomes[k])
		if concurrent[k] {
			out.keys[k] = out.outcomes[k]
		}
	}
	return out
}

// multiset renders answers sorted, a repeated one once with its count: "booked, 7 ×
// slot_taken (call_id)".
func multiset(answers []string) string {
	slices.Sort(answers)
	var parts []string
	for i := 0; i < len(answers); {
		j := i
		for j < len(answers) && answers[j] == answers[i] {
			j++
		}
		if n := j - i; n > 1 {
			parts = append(parts, fmt.Sprintf("%d × %s", n, answers[i]))
		} else {
			parts = append(parts, answers[i])
		}
		i = j
	}
	return strings.Join(parts, ", ")
}

func unionKeys(a, b answers) []string {
	out := slices.Clone(a.order)
	for _, k := range b.order {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

func ranOrSkipped(r *Result) string {
	if r.Skipped != "" {
		return "skipped: " + r.Skipped
	}
	return "ran"
}

func orMissing(s string) string {
	if s == "" {
		return "(no such step)"
	}
	return s
}
