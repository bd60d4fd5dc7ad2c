package replay

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/world"
)

// Options adjust a replay. The zero value replays the file as written.
type Options struct {
	// Policy overrides the file's policy ("" keeps it).
	Policy core.Policy
	// Layers overrides the file's layers (nil keeps them).
	Layers *core.Layers
	// ClientTimeout overrides the Cal.com client timeout on the virtual clock (0:
	// world.DefaultClientTimeout); a {timeout: after_commit} fault moves the clock this far.
	ClientTimeout time.Duration
	// Logger receives the core's logs (nil: discarded).
	Logger *slog.Logger
	// AfterRun, when set, sees the world after the last step and before it is closed — to
	// read the fake's journal or the database. An error it returns fails the replay.
	AfterRun func(ctx context.Context, w *world.World) error
	// BlackBox, when set, replays against this black-box service instead of the reference
	// core (world.BlackBox; see blackbox.go for what changes). Policy — or else sut.yaml's
	// policy: (hardened unless the service says it ports the seed) — then only chooses which
	// expectations judge the service.
	BlackBox *world.BlackBox
	// Front, when set, is the world's world.Config.Front: something between the system under
	// test and the replay's fake Cal.com, such as a recording proxy (sim/record).
	Front func(w *world.World, kind, target string) (string, error)
	// KeepHistory keeps the run's history and final state (Result.History), for a history
	// file that `bookingharness check` can judge again later.
	KeepHistory bool
	// force runs a black-box file in sut.yaml's time mode even when the harness would skip
	// it for its clock: only tests set it, to show what such a run would wrongly conclude.
	force bool
}

// plan is what a replay runs and asserts, resolved from the file and the options.
type plan struct {
	policy       core.Policy
	layers       core.Layers // as requested (the core applies Policy.Effective)
	fileLayers   core.Layers
	expectations string // ExpectFile, "expect_by_policy.<p>", ExpectInvariants, ExpectNone
	final        incident.FinalExpect
	assertFinal  bool // counts and violations from final are asserted
	assertSteps  bool // step expectations are asserted
	noViolations bool // ExpectInvariants: every invariant must hold
	ignoreLayer  bool // a black-box service reports no layers: step layers are not asserted
}

func newPlan(inc *incident.Incident, opts Options) (plan, error) {
	fileLayers, err := core.LayersFromNames(inc.Layers)
	if err != nil {
		return plan{}, fmt.Errorf("replay: %s: layers: %w", inc.File, err)
	}
	filePolicy, err := core.ParsePolicy(inc.Policy)
	if err != nil {
		return plan{}, fmt.Errorf("replay: %s: %w", inc.File, err)
	}
	p := plan{policy: filePolicy, layers: fileLayers, fileLayers: fileLayers}
	judge := opts.Policy
	if judge == "" && opts.BlackBox != nil && opts.BlackBox.SUT != nil {
		// A service runs its own design: it is judged as what its sut.yaml says it is
		// (policy:, hardened unless it is a port of the seed), not as each file's policy.
		judge = core.Policy(opts.BlackBox.SUT.Policy)
	}
	if judge != "" {
		if p.policy, err = core.ParsePolicy(string(judge)); err != nil {
			return plan{}, fmt.Errorf("replay: %w", err)
		}
	}
	if opts.Layers != nil {
		if *opts.Layers&^core.All() != 0 {
			return plan{}, fmt.Errorf("replay: layers %#x has unknown bits", uint8(*opts.Layers))
		}
		p.layers = *opts.Layers
	}
	if opts.Layers == nil && inc.LayersSpec == "list" && p.policy != filePolicy {
		if err := p.policy.CheckLayers(fileLayers); err != nil {
			return plan{}, fmt.Errorf("replay: %s: the file's layers under policy %s: %w", inc.File, p.policy, err)
		}
	}
	samePolicy := p.policy == filePolicy
	sameLayers := p.policy.Effective(p.layers) == p.policy.Effective(fileLayers)
	byPolicy, hasByPolicy := inc.ExpectByPolicy[string(p.policy)]
	switch {
	case samePolicy && sameLayers:
		p.expectations, p.final, p.assertFinal, p.assertSteps = ExpectFile, inc.Expect, true, true
	case sameLayers && (hasByPolicy || stepsStatePolicy(inc, string(p.policy))):
		p.expectations = ExpectByPolicy + "." + string(p.policy)
		p.final, p.assertFinal, p.assertSteps = mergeFinal(inc.Expect, byPolicy), true, true
	case p.policy == core.PolicyHardened && p.layers == core.All():
		p.expectations, p.noViolations = ExpectInvariants, true
	default:
		p.expectations = ExpectNone
	}
	return p, nil
}

// stepsStatePolicy reports whether any step states an expectation for policy.
func stepsStatePolicy(inc *incident.Incident, policy string) bool {
	for _, st := range inc.Steps {
		for _, b := range st.Books() {
			if b.ExpectByPolicy[policy] != nil {
				return true
			}
		}
	}
	return false
}

// mergeFinal overlays the per-policy final expectation on the file's, field by field.
func mergeFinal(base, over incident.FinalExpect) incident.FinalExpect {
	if over.Appointments != nil {
		base.Appointments = over.Appointments
	}
	if over.CalcomBookings != nil {
		base.CalcomBookings = over.CalcomBookings
	}
	if over.Violations != nil {
		base.Violations = over.Violations
	}
	return base
}

// stepExpect is the expectation asserted for b, nil for none.
func (p plan) stepExpect(b incident.Book) *Expect {
	if !p.assertSteps {
		return nil
	}
	e := b.Expect
	if p.expectations != ExpectFile {
		if x := b.ExpectByPolicy[string(p.policy)]; x != nil {
			e = x
		}
	}
	if e == nil {
		return nil
	}
	if p.ignoreLayer {
		return &Expect{Outcome: e.Outcome}
	}
	return &Expect{Outcome: e.Outcome, Layer: e.Layer}
}
