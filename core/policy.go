package core

import (
	"fmt"
	"strings"

	"github.com/bookingharness/bookingharness/core/store"
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

// Effective returns the layers the policy actually runs from the requested set: the seed
// design had no slot_exclusion layer, so it is dropped for seed. Migrate the database with
// p.Schema(l).
func (p Policy) Effective(l Layers) Layers {
	if p == PolicySeed {
		return l.Without(LayerSlotExclusion)
	}
	return l
}

// Schema is the database schema the policy needs with layer set l: the layers' migrations
// (Effective(l).Schema()) plus, for hardened, the claims (pending rows with a lease) its
// claim → call → settle flow writes. The seed's schema is the shipped one.
func (p Policy) Schema(l Layers) store.Schema {
	sc := p.Effective(l).Schema()
	sc.Claims = p == PolicyHardened
	return sc
}
