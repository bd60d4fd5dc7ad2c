package core

import (
	"fmt"
	"strings"

	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/internal/sabotage"
)

// Policy chooses how the core decides with the booking Cal.com returns.
type Policy string

const (
	// PolicySeed replicates the shipped system, weaknesses included: layers 1–4 in order,
	// a layer-1/2 rejection answered "slot taken", layer 3 answering with the existing
	// appointment as if it were a success, a unique violation surfacing as an error, the
	// application clock judging freshness, no lock and no recovery of ambiguous results.
	PolicySeed Policy = "seed"
	// PolicyHardened is the recommended design: claim → call → settle with no transaction
	// across Cal.com (a pending claim stops rivals before Cal.com; Sweep resolves claims a
	// crash leaves), call-id ownership first, freshness on Cal.com's clock, truthful conflict
	// answers, the slot-exclusion layer, the host Cal.com assigned, and lookup (never
	// re-POST) on ambiguity.
	PolicyHardened Policy = "hardened"
)

// ParsePolicy reads "seed" or "hardened" (empty means seed, the incident files' default).
func ParsePolicy(s string) (Policy, error) {
	switch Policy(strings.ToLower(strings.TrimSpace(s))) {
	case PolicySeed, "":
		return PolicySeed, nil
	case PolicyHardened:
		return PolicyHardened, nil
	}
	return "", fmt.Errorf("policy: unknown %q; want seed or hardened", s)
}

// Layers returns the layers the policy has: the seed design's four (it had no
// slot_exclusion layer); the hardened design adds slot_exclusion.
func (p Policy) Layers() Layers {
	if p == PolicySeed {
		return All().Without(LayerSlotExclusion)
	}
	return All()
}

// Effective returns the layers the policy actually runs from the requested set: the seed
// design had no slot_exclusion layer, so it is dropped for seed. Migrate the database with
// p.Schema(l).
func (p Policy) Effective(l Layers) Layers { return l & p.Layers() }

// CheckLayers returns an error naming the policy's layers when l holds a layer the policy
// does not have (the seed has no slot_exclusion), so a run never silently drops a layer the
// user asked for. All() passes: it is how "all" reads, and "all" means the policy's layers.
// When the user's text is at hand, use ParseLayers, which also refuses a list that names
// every layer under seed.
func (p Policy) CheckLayers(l Layers) error {
	if l == All() {
		return nil
	}
	return p.checkLayers(l)
}

// ParseLayers reads text like the package's ParseLayers and checks it against the policy:
// "all" is the policy's layers (Effective keeps only those), and a listed layer the policy
// does not have is an error naming the policy's layers. Flags and incident files use it.
func (p Policy) ParseLayers(text string) (Layers, error) {
	l, err := ParseLayers(text)
	if err != nil || strings.EqualFold(strings.TrimSpace(text), "all") {
		return l, err
	}
	if err := p.checkLayers(l); err != nil {
		return 0, err
	}
	return l, nil
}

func (p Policy) checkLayers(l Layers) error {
	extra := l &^ p.Layers()
	if extra == 0 {
		return nil
	}
	return fmt.Errorf("layers: the %s policy has no %s layer; its layers are %s (or write all)",
		p, strings.Trim(layerNames(extra.List()), "[]"), layerNames(p.Layers().List()))
}

// Schema is the database schema the policy needs with layer set l: the layers' migrations
// (Effective(l).Schema()) plus, for hardened, the claims (pending rows with a lease) its
// claim → call → settle flow writes and the seats (one appointment per seat of a seated
// booking). The seed's schema is the shipped one.
func (p Policy) Schema(l Layers) store.Schema {
	sc := p.Effective(l).Schema()
	sc.Claims = p == PolicyHardened
	sc.Seats = p == PolicyHardened
	// A build for the gate's self-test may leave a constraint layer out (internal/sabotage).
	sc.Unique = sc.Unique && !sabotage.OnLayer(string(p), string(LayerUnique))
	sc.SlotExclusion = sc.SlotExclusion && !sabotage.OnLayer(string(p), string(LayerSlotExclusion))
	return sc
}
