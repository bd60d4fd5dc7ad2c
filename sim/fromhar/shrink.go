package fromhar

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/bookingharness/bookingharness/pgenv"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/replay"
	"github.com/bookingharness/bookingharness/sim/shrink"
)

// Oracle is the shrinker's oracle for a derived file: a replay on env with opts (a
// black-box service, when the file was judged against one), returning what it violated.
func Oracle(env *pgenv.Env, opts replay.Options) shrink.Oracle {
	return func(ctx context.Context, inc *incident.Incident) ([]string, error) {
		res, err := replay.Run(ctx, env, inc, opts)
		if err != nil {
			return nil, err
		}
		return res.Final.Violated, nil
	}
}

// Shrunk is one file the shrinker wrote for a violated invariant.
type Shrunk struct {
	Invariant string
	// Path is the file written; Reproduced says whether it shows the invariant in every
	// replay (an unreproduced one is the closest file reached, named .unreproduced.yaml).
	Path       string
	Reproduced bool
	// Steps and Replays describe the result and what finding it cost.
	Steps, Replays int
	// SameAs is the file of an earlier invariant that shrank to the same timeline (one bug
	// showing two invariants); nothing new is written then and Path is that file.
	SameAs bool
}

// Shrink runs the derived file through the shrinker (sim/shrink) once per invariant the
// judgement found violated, so a long recording becomes the few steps that still show it,
// and writes each result to dir as <name>-<invariant>.yaml. Unlike the derived file, a
// shrunk file is a reproduction: its expect.violations are what it shows in every replay.
func (d *Derived) Shrink(ctx context.Context, j Judgement, oracle shrink.Oracle, dir string) ([]Shrunk, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("fromhar: shrink: %w", err)
	}
	start := *d.Incident
	start.Expect = incident.FinalExpect{}
	var out []Shrunk
	written := map[string]string{} // a result's timeline → its file
	for _, inv := range j.Violated {
		m, err := shrink.Minimise(ctx, &start, inv, j.Calls[inv], oracle, shrink.Options{})
		if err != nil {
			return out, fmt.Errorf("fromhar: shrink %s: %w", inv, err)
		}
		inc := *m.Incident
		inc.Name = d.Incident.Name
		key, err := incident.Marshal(&inc, nil)
		if err != nil {
			return out, fmt.Errorf("fromhar: shrink %s: %w", inv, err)
		}
		if path, ok := written[string(key)]; ok && m.Reproduced {
			out = append(out, Shrunk{Invariant: inv, Path: path, Reproduced: true, Steps: len(inc.Steps), Replays: m.Replays, SameAs: true})
			continue
		}
		inc.Name = d.Incident.Name + "-" + inv
		file := inc.Name + ".yaml"
		header := []string{fmt.Sprintf("Shrunk by bookingharness incident from-har --shrink from %s: %d step(s) of %d still show %s in each of %d replays (%d replays spent).",
			d.Incident.Name, len(inc.Steps), len(d.Incident.Steps), inv, m.Tried, m.Replays)}
		if m.Reproduced {
			inc.Expect = incident.FinalExpect{Violations: m.Violated}
			header = append(header, "A reproduction: expect.violations names what it shows, so `bookingharness replay` passes while the bug is there.")
		} else {
			file = inc.Name + ".unreproduced.yaml"
			inc.Expect = incident.FinalExpect{}
			header = append(header, fmt.Sprintf("NOT reproduced deterministically: the closest file showed %s in %d of %d replays.", inv, m.Hits, m.Tried))
		}
		if m.Exhausted {
			header = append(header, "The search stopped at its replay budget: smaller may exist.")
		}
		path := filepath.Join(dir, file)
		inc.File = path
		data, err := incident.Marshal(&inc, &incident.Annotations{Header: header})
		if err != nil {
			return out, fmt.Errorf("fromhar: shrink %s: %w", inv, err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return out, fmt.Errorf("fromhar: shrink: %w", err)
		}
		if m.Reproduced {
			written[string(key)] = path
		}
		out = append(out, Shrunk{Invariant: inv, Path: path, Reproduced: m.Reproduced, Steps: len(inc.Steps), Replays: m.Replays})
	}
	return out, nil
}
