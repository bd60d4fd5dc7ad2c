package evidence

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"github.com/bookingharness/bookingharness/core"
)

// Collector is a core.Observer that counts every layer decision of one world by layer and
// verdict. It is safe for concurrent use, because a world's concurrent Book calls report
// to it at once. The zero value is ready to use.
type Collector struct {
	mu     sync.Mutex
	counts map[decisionKey]int
	next   core.Observer
}

type decisionKey struct {
	layer   core.Layer
	verdict core.Verdict
}

// NewCollector returns a Collector that also forwards every decision to next (nil for
// none), so a test can keep its own observer while evidence is gathered.
func NewCollector(next core.Observer) *Collector {
	return &Collector{next: next}
}

var _ core.Observer = (*Collector)(nil)

// LayerDecided counts d and forwards it.
func (c *Collector) LayerDecided(ctx context.Context, callID string, d core.Decision) {
	c.mu.Lock()
	if c.counts == nil {
		c.counts = make(map[decisionKey]int)
	}
	c.counts[decisionKey{d.Layer, d.Verdict}]++
	c.mu.Unlock()
	if c.next != nil {
		c.next.LayerDecided(ctx, callID, d)
	}
}

// Decisions returns the counts so far, ordered by layer (evaluation order) then verdict.
func (c *Collector) Decisions() []Decision {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Decision, 0, len(c.counts))
	for k, n := range c.counts {
		out = append(out, Decision{Layer: string(k.layer), Verdict: string(k.verdict), Count: n})
	}
	SortDecisions(out)
	return out
}

// SortDecisions orders decisions by layer (core.AllLayers order, unknown names last, by
// name) and then by verdict name, so entries compare and render deterministically.
func SortDecisions(ds []Decision) {
	slices.SortFunc(ds, func(a, b Decision) int {
		if c := cmp.Compare(LayerRank(a.Layer), LayerRank(b.Layer)); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Layer, b.Layer); c != 0 {
			return c
		}
		return cmp.Compare(a.Verdict, b.Verdict)
	})
}

// LayerRank is the layer's position in core.AllLayers, or len(core.AllLayers()) for a name
// the core does not know.
func LayerRank(layer string) int {
	for i, l := range core.AllLayers() {
		if string(l) == layer {
			return i
		}
	}
	return len(core.AllLayers())
}
