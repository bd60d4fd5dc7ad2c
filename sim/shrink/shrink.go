package shrink

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/load"
)

// Config says where Shrink writes and how it replays.
type Config struct {
	// Dir is where the incident files go; it is created if missing.
	Dir string
	// Oracle replays candidates (ReplayOracle for real runs).
	Oracle Oracle
	// Explain, when set, is asked why a case did not reproduce (ReplayExplainer).
	Explain Explainer
	Options
}

// Shrink turns every violation of ev into a minimal incident file in cfg.Dir (see the
// package doc) and reports what became of each. Files are named <invariant>-<n>.yaml,
// <invariant>-<n>.unreproduced.yaml for a violation that did not reproduce, with n the next
// number not yet used in Dir. The error is a file that could not be written or a cancelled
// context; the report holds the outcomes reached until then.
func Shrink(ctx context.Context, ev *load.Evidence, cfg Config) (*Report, error) {
	began := time.Now()
	if cfg.Oracle == nil {
		return nil, errors.New("shrink: no oracle")
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("shrink: %w", err)
	}
	s := &shrinker{cfg: cfg, ev: ev, next: map[string]int{}, written: map[string]string{}}
	rep := &Report{Dir: cfg.Dir, Runs: cfg.runs(), Outcomes: []Outcome{}}
	defer func() { rep.Elapsed = time.Since(began) }()
	first := map[string]int{} // signature → index of its shrunk outcome
	for _, cs := range Cases(ev) {
		o := Outcome{Invariant: cs.Violation.Invariant, Calls: cs.Violation.Calls, BookingUIDs: cs.Violation.BookingUIDs,
			Detail: cs.Violation.Detail, Signature: cs.Signature, Notes: cs.Notes,
			OriginalSteps: len(cs.Incident.Steps), OriginalAttempts: len(units(cs.Incident))}
		if k, ok := first[cs.Signature]; ok && !cfg.EveryViolation {
			o.Status, o.File = StatusSameAs, rep.Outcomes[k].File
			rep.Outcomes = append(rep.Outcomes, o)
			continue
		}
		if err := s.shrink(ctx, cs, &o); err != nil {
			return rep, err
		}
		first[cs.Signature] = len(rep.Outcomes)
		rep.Outcomes = append(rep.Outcomes, o)
	}
	return rep, nil
}

// shrinker carries one Shrink call's state.
type shrinker struct {
	cfg     Config
	ev      *load.Evidence
	next    map[string]int    // invariant → the last number used
	written map[string]string // a reproduced file's timeline and expectations → its path
}

// shrink minimises one case, checks it under hardened, writes its file and fills o.
func (s *shrinker) shrink(ctx context.Context, cs Case, o *Outcome) error {
	m, err := Minimise(ctx, cs.Incident, o.Invariant, cs.Focus, s.cfg.Oracle, s.cfg.Options)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	o.Hits, o.Tried, o.Replays, o.Exhausted = m.Hits, m.Tried, m.Replays, m.Exhausted
	o.Steps, o.Attempts, o.FileCalls = len(m.Incident.Steps), len(units(m.Incident)), callsIn(m.Incident)
	inc := clone(m.Incident)
	switch {
	case err != nil:
		o.Status, o.Reason = StatusUnreproduced, "the replay could not run: "+err.Error()
	case !m.Reproduced:
		o.Status, o.Reason = StatusUnreproduced, s.reason(ctx, cs, m)
	default:
		o.Status, o.Hardened = StatusReproduced, s.underHardened(ctx, inc)
		inc.Expect = incident.FinalExpect{Violations: m.Violated}
		if o.Hardened == HardenedFixed {
			inc.ExpectByPolicy = map[string]incident.FinalExpect{incident.PolicyHardened: {Violations: []string{}}}
		}
		// Two violations of one run often shrink to one file (an untruthful answer is a lost
		// booking too), with the same or other calls in its parts: the second is the same
		// bug as the first file.
		key := mustKey(inc)
		if path, ok := s.written[key]; ok {
			o.Status, o.File = StatusSameAs, path
			return nil
		}
		defer func() { s.written[key] = o.File }()
	}
	path, err := s.write(inc, cs, o)
	if err != nil {
		return err
	}
	o.File = path
	return nil
}

// mustKey is what inc runs and expects, whichever load calls play its parts: its written
// form under a fixed name, without a description, with the calls renamed in order of
// appearance and the attendees' names left out. A reproduced incident always marshals (the
// minimiser wrote it before), so a failure here is a bug, not an input problem.
func mustKey(inc *incident.Incident) string {
	c := clone(inc)
	c.Name, c.Description, c.File = "key", "", ""
	role := map[string]string{}
	rename := func(call string) string {
		if role[call] == "" {
			role[call] = fmt.Sprintf("call_%d", len(role)+1)
		}
		return role[call]
	}
	for i := range c.Steps {
		st := &c.Steps[i]
		if st.Cancel != nil {
			st.Cancel = &incident.Cancel{Call: rename(st.Cancel.Call)}
		}
		for j := range st.Concurrent {
			st.Concurrent[j].Call, st.Concurrent[j].Attendee.Name = rename(st.Concurrent[j].Call), "-"
		}
		if st.Book != nil {
			st.Book.Call, st.Book.Attendee.Name = rename(st.Book.Call), "-"
		}
	}
	data, err := incident.Marshal(c, nil)
	if err != nil {
		panic(fmt.Sprintf("shrink: a reproduced incident does not marshal: %v", err))
	}
	return string(data)
}

// What replaying a reproduced file under the hardened policy showed (Outcome.Hardened).
const (
	// HardenedFixed: no invariant violated in any of Options.Runs replays.
	HardenedFixed = "fixed"
	// HardenedNotChecked: the file's own policy is hardened.
	HardenedNotChecked = ""
)

// underHardened replays inc under the hardened policy (the file's layers, as `replay
// --policy hardened` does) up to Runs times: HardenedFixed when no replay violated anything,
// else what the first violating replay showed ("violates: …"), or why it could not run.
func (s *shrinker) underHardened(ctx context.Context, inc *incident.Incident) string {
	if inc.Policy == incident.PolicyHardened {
		return HardenedNotChecked
	}
	h := clone(inc)
	h.Policy = incident.PolicyHardened
	h.Expect = incident.FinalExpect{}
	for range s.cfg.runs() {
		violated, err := s.cfg.Oracle(ctx, h)
		if err != nil {
			return "could not be replayed: " + err.Error()
		}
		if len(violated) > 0 {
			return "violates: " + strings.Join(violated, ", ")
		}
	}
	return HardenedFixed
}

// reason says why a case did not reproduce: how often the closest candidate showed the
// invariant, whether the load overlapped its operations, what the conversion left out, and
// what the explainer saw not happen.
func (s *shrinker) reason(ctx context.Context, cs Case, m Minimised) string {
	var why []string
	switch {
	case m.Hits > 0:
		why = append(why, fmt.Sprintf("not deterministic: the closest file showed %s in %d of %d replays — it depends on an interleaving the replay does not force (a real-time race)",
			cs.Violation.Invariant, m.Hits, m.Tried))
	case cs.Overlapped:
		why = append(why, "needs a real-time race: the load overlapped these operations; the replay starts them behind one barrier without forcing who reaches Cal.com and Postgres first, and no replay showed "+cs.Violation.Invariant)
	default:
		why = append(why, "no replay of the case showed "+cs.Violation.Invariant)
	}
	why = append(why, cs.Notes...)
	if s.cfg.Explain != nil {
		notes, err := s.cfg.Explain(ctx, m.Incident)
		if err != nil {
			notes = []string{"explaining failed: " + err.Error()}
		}
		why = append(why, notes...)
	}
	if m.Exhausted {
		why = append(why, fmt.Sprintf("stopped after %d replays", m.Replays))
	}
	return strings.Join(why, "; ")
}

// write names inc, describes where it came from and writes it; it returns the path.
func (s *shrinker) write(inc *incident.Incident, cs Case, o *Outcome) (string, error) {
	n, err := s.number(o.Invariant)
	if err != nil {
		return "", err
	}
	inc.Name = fmt.Sprintf("%s-%d", o.Invariant, n)
	file := inc.Name + ".yaml"
	if o.Status != StatusReproduced {
		file = inc.Name + ".unreproduced.yaml"
	}
	path := filepath.Join(s.cfg.Dir, file)
	inc.File = path
	if o.Status != StatusReproduced {
		inc.Expect = incident.FinalExpect{Violations: []string{o.Invariant}}
	}
	inc.Description = s.description(o, inc.Expect.Violations)
	data, err := incident.Marshal(inc, s.annotations(inc, cs, o))
	if err != nil {
		return "", fmt.Errorf("shrink: %w", err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return "", fmt.Errorf("shrink: %w", err)
	}
	return path, nil
}

// number returns the next n for invariant: one above the highest used in Dir or by this
// call, so earlier files are never overwritten.
func (s *shrinker) number(invariant string) (int, error) {
	if _, ok := s.next[invariant]; !ok {
		entries, err := os.ReadDir(s.cfg.Dir)
		if err != nil {
			return 0, fmt.Errorf("shrink: %w", err)
		}
		for _, e := range entries {
			var n int
			rest, ok := strings.CutPrefix(e.Name(), invariant+"-")
			if !ok {
				continue
			}
			if _, err := fmt.Sscanf(rest, "%d.", &n); err == nil && n > s.next[invariant] {
				s.next[invariant] = n
			}
		}
	}
	s.next[invariant]++
	return s.next[invariant], nil
}

// description says where the file came from: the run, the violation, the shrink.
func (s *shrinker) description(o *Outcome, violated []string) string {
	ev := s.ev
	faults := load.FormatFaults(ev.Faults)
	if faults == "" {
		faults = "none"
	}
	lines := []string{
		fmt.Sprintf("Shrunk by bookingharness load --shrink from a load run: seed %d, policy %s, layers %s, %d attempts, faults %s.",
			ev.Seed, ev.Policy, ev.Policy.Effective(ev.Layers), ev.Attempts, faults),
		"Violation in the load: " + violationLine(o) + ".",
		fmt.Sprintf("The case held %d attempt(s) in %d step(s) (the calls named and every call on their slots); delta debugging left %d attempt(s) in %d step(s) after %d replay(s).",
			o.OriginalAttempts, o.OriginalSteps, o.Attempts, o.Steps, o.Replays),
	}
	switch o.Status {
	case StatusReproduced:
		also := ""
		if others := slices.DeleteFunc(slices.Clone(violated), func(v string) bool { return v == o.Invariant }); len(others) > 0 {
			also = " (and " + strings.Join(others, ", ") + ")"
		}
		lines = append(lines, fmt.Sprintf("It shows %s%s in each of %d consecutive replays.", o.Invariant, also, o.Tried))
		if len(o.Calls) > 0 && !slices.ContainsFunc(o.Calls, func(c string) bool { return slices.Contains(o.FileCalls, c) }) {
			lines = append(lines, fmt.Sprintf("The calls the load named are not needed: other calls of the same slot (%s) show it.", strings.Join(o.FileCalls, ", ")))
		}
		if o.Hardened == HardenedFixed {
			lines = append(lines, fmt.Sprintf("Under the hardened policy it violates nothing in %d replays: fixed by hardened.", s.cfg.runs()))
		} else if o.Hardened != HardenedNotChecked {
			lines = append(lines, "Under the hardened policy it "+o.Hardened+".")
		}
		if o.Exhausted {
			lines = append(lines, "The search stopped at its replay budget: smaller may exist.")
		}
	default:
		lines = append(lines, "NOT REPRODUCED deterministically; this is the closest file reached. Why: "+o.Reason+".")
	}
	return strings.Join(lines, "\n")
}

func (s *shrinker) annotations(inc *incident.Incident, cs Case, o *Outcome) *incident.Annotations {
	ann := &incident.Annotations{StepComments: map[int]string{}}
	if o.Status == StatusReproduced {
		ann.Header = []string{"Generated by bookingharness load --shrink. Reproduce: bookingharness replay " + inc.File}
	} else {
		ann.Header = []string{"Generated by bookingharness load --shrink. NOT REPRODUCED deterministically: see the description."}
	}
	for i, st := range inc.Steps {
		var what []string
		for _, b := range st.Books() {
			what = append(what, b.Call+": "+cs.Origin[b.Call])
		}
		if st.Cancel != nil {
			what = append(what, st.Cancel.Call+": "+cs.Origin[st.Cancel.Call])
		}
		ann.StepComments[i] = "in the load: " + strings.Join(what, "; ")
	}
	from := shrunkFrom{
		Seed: s.ev.Seed, Policy: string(s.ev.Policy), Layers: s.ev.Policy.Effective(s.ev.Layers).String(),
		Attempts: s.ev.Attempts, Faults: load.FormatFaults(s.ev.Faults), Invariant: o.Invariant, Detail: o.Detail,
		Calls: nonNil(o.Calls), BookingUIDs: nonNil(o.BookingUIDs), CaseSteps: o.OriginalSteps, CaseAttempts: o.OriginalAttempts,
		Replays: o.Replays,
	}
	ann.Extensions = []incident.Extension{{Key: "x-shrunk-from", Value: from}}
	if o.Status != StatusReproduced {
		ann.Extensions = append(ann.Extensions, incident.Extension{Key: "x-unreproduced", Value: o.Reason})
	}
	return ann
}

// shrunkFrom is the x-shrunk-from extension of a written file: the run and the violation it
// came from, for tools (people read the description).
type shrunkFrom struct {
	Seed         int64    `yaml:"seed"`
	Policy       string   `yaml:"policy"`
	Layers       string   `yaml:"layers"`
	Attempts     int      `yaml:"attempts"`
	Faults       string   `yaml:"faults"`
	Invariant    string   `yaml:"invariant"`
	Detail       string   `yaml:"detail"`
	Calls        []string `yaml:"calls,flow"`
	BookingUIDs  []string `yaml:"booking_uids,flow"`
	CaseSteps    int      `yaml:"case_steps"`
	CaseAttempts int      `yaml:"case_attempts"`
	Replays      int      `yaml:"replays"`
}

func violationLine(o *Outcome) string {
	s := o.Invariant + ": " + o.Detail
	if len(o.Calls) > 0 {
		s += " [calls " + strings.Join(o.Calls, ", ") + "]"
	}
	return s
}

// callsIn lists the calls of inc's steps in timeline order, each once.
func callsIn(inc *incident.Incident) []string {
	out := []string{}
	for _, st := range inc.Steps {
		for _, b := range st.Books() {
			if !slices.Contains(out, b.Call) {
				out = append(out, b.Call)
			}
		}
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clone(s)
}
