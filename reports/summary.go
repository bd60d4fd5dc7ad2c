package reports

import (
	"fmt"
	"strings"
	"time"
)

// Summary renders the facts as Markdown for a pull request: the gate's verdict first, then
// the suite, the per-layer coverage totals, the necessity verdicts, code coverage and
// incidents. Scenario-level detail stays in index.html.
func Summary(f Facts) string {
	var b strings.Builder
	verdict := "PASS"
	if !f.Gate.Pass {
		verdict = "FAIL"
	}
	fmt.Fprintf(&b, "## bookingharness report — gate %s\n\n", verdict)
	if len(f.Gate.Findings) > 0 {
		b.WriteString("**Why the gate fails:**\n\n")
		for _, x := range f.Gate.Findings {
			fmt.Fprintf(&b, "- `%s` %s\n", x.Rule, mdEscape(x.Message))
		}
		b.WriteString("\n")
	}
	if s := f.Suite; s != nil {
		fmt.Fprintf(&b, "**Suite:** %d specs ran: %d passed, %d failed, %d skipped, %d pending (%d flaked) in %s; evidence from %d worlds.\n",
			s.Total, s.Passed, s.Failed, s.Skipped, s.Pending, s.Flaked, s.RunTime.Round(time.Second/10), s.Evidence)
	}
	if len(f.Incidents) > 0 {
		pass := 0
		for _, i := range f.Incidents {
			if i.Pass {
				pass++
			}
		}
		fmt.Fprintf(&b, "**Incidents:** %d/%d catalogue replays met their expectations.\n", pass, len(f.Incidents))
	}
	if r := f.Reproduction; r != nil {
		state := "reproduced"
		if !r.Reproduced {
			state = "NOT reproduced"
		}
		fmt.Fprintf(&b, "**Call 687/688 with no layers:** duplicate %s (violated: %s).\n", state, orNone(r.Violated))
	}
	if m := f.Mutation; m != nil {
		fmt.Fprintf(&b, "**Mutation score:** sabotages caught %s", m.Score())
		if len(m.Survived) > 0 {
			fmt.Fprintf(&b, " — survived: %s", strings.Join(m.Survived, ", "))
		}
		if len(m.Inconclusive) > 0 {
			fmt.Fprintf(&b, " — inconclusive: %s", strings.Join(m.Inconclusive, ", "))
		}
		b.WriteString(" (every sabotage of the core and of the harness itself, each on the slice of the suite that must catch it; `make gate-selftest`).\n")
	}

	b.WriteString("\n### Layer coverage\n\nWorlds in which each layer ran / rejected a booking (worlds with it on in parentheses).\n\n")
	b.WriteString("| layer | seed | hardened |\n|---|---|---|\n")
	for _, l := range f.Coverage.Layers {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", l, totalCell(f.Coverage.Total("seed", l)), totalCell(f.Coverage.Total("hardened", l)))
	}

	if n := f.Necessity; n != nil {
		b.WriteString("\n### Necessity: what breaks with one layer off\n\n| layer off | seed | hardened |\n|---|---|---|\n")
		for _, off := range n.Off {
			s, _ := n.Cell("seed", off)
			h, _ := n.Cell("hardened", off)
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", off, necessityCell(s), necessityCell(h))
		}
		notes := []string{}
		for _, c := range n.Cells {
			if c.Status == NecessityRedundant || c.Status == NecessityUntested || c.Status == NecessityReducedOnly {
				notes = append(notes, fmt.Sprintf("- **%s / %s — %s:** %s", c.Policy, c.Off, c.Status, mdEscape(c.Note)))
			}
		}
		if len(notes) > 0 {
			b.WriteString("\n" + strings.Join(notes, "\n") + "\n")
		}
	}

	if cc := f.CodeCoverage; cc != nil {
		fmt.Fprintf(&b, "\n### Code coverage of the core (from the suite)\n\nTotal %.1f %% of statements.\n\n| layer | mean | functions |\n|---|---|---|\n", cc.Total)
		for _, l := range cc.Layers {
			fns := make([]string, 0, len(l.Functions))
			for _, fn := range l.Functions {
				fns = append(fns, fmt.Sprintf("`%s` %.0f%%", fn.Func, fn.Percent))
			}
			fmt.Fprintf(&b, "| `%s` | %.0f %% | %s |\n", l.Layer, l.Mean, strings.Join(fns, ", "))
		}
	}

	if len(f.Incidents) > 0 {
		b.WriteString("\n### Incidents\n\n| incident | policy | layers | result | violated |\n|---|---|---|---|---|\n")
		for _, i := range f.Incidents {
			res := "pass"
			if !i.Pass {
				res = "**FAIL**: " + mdEscape(clip(i.Failures, 2))
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", mdEscape(i.Name), i.Policy, i.Layers, res, orNone(i.Violated))
		}
	}
	if f.BlackBox != nil {
		b.WriteString("\n" + strings.Replace(BlackBoxSummary(*f.BlackBox), "## ", "### ", 1))
	}
	b.WriteString("\n<details><summary>Gate checks</summary>\n\n")
	for _, c := range f.Gate.Checks {
		fmt.Fprintf(&b, "- %s\n", mdEscape(c))
	}
	b.WriteString("\n</details>\n")
	return b.String()
}

func totalCell(t LayerTotal) string {
	if t.Worlds == 0 && t.Reached == 0 {
		return "—"
	}
	return fmt.Sprintf("%d / %d (%d)", t.Reached, t.Rejected, t.Worlds)
}

func necessityCell(c NecessityCell) string {
	switch c.Status {
	case "":
		return "—"
	case NecessityNeeded:
		return fmt.Sprintf("needed: %d scenario(s) break %s", c.NeededInFull, strings.Join(c.Invariants, ", "))
	case NecessityReducedOnly:
		return fmt.Sprintf("needed only in reduced layer sets: %d scenario(s) break %s", c.NeededBy, strings.Join(c.Invariants, ", "))
	case NecessityRedundant:
		if len(c.BackedUpBy) > 0 {
			return "redundant (covered by " + strings.Join(c.BackedUpBy, ", ") + ")"
		}
		return "redundant"
	case NecessityUntested:
		if c.Errored > 0 {
			return fmt.Sprintf("**untested**: %d world(s) errored with it off", c.Errored)
		}
		return "**untested**: never rejects, nothing breaks without it"
	}
	return c.Status
}

func orNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}

// mdEscape keeps a message on one table row.
func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", ">", "&gt;").Replace(s)
}
