package scenarios_test

import (
	"context"
	"sync"

	"github.com/bookingharness/bookingharness/core"
)

// decisionLog collects every layer decision of every world of this Ginkgo process, keyed by
// the spec's full text. It is the per-process hook the layer-coverage matrix (reached /
// decided / not reached per scenario × layer) is built from: a later issue reads Specs and
// Decisions, or extends Record, without touching any spec.
type decisionLog struct {
	mu     sync.Mutex
	bySpec map[string][]specDecision
}

// specDecision is one layer decision made in one spec.
type specDecision struct {
	CallID   string
	Decision core.Decision
}

func newDecisionLog() *decisionLog { return &decisionLog{bySpec: map[string][]specDecision{}} }

// ForSpec returns the observer a spec's world reports to.
func (l *decisionLog) ForSpec(spec string) core.Observer {
	return core.ObserverFunc(func(_ context.Context, callID string, d core.Decision) {
		l.mu.Lock()
		l.bySpec[spec] = append(l.bySpec[spec], specDecision{CallID: callID, Decision: d})
		l.mu.Unlock()
	})
}

// Decisions returns a copy of one spec's decisions, in the order they were made.
func (l *decisionLog) Decisions(spec string) []specDecision {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]specDecision(nil), l.bySpec[spec]...)
}

// fanOut sends every decision to each non-nil observer, in order.
func fanOut(obs ...core.Observer) core.Observer {
	var list []core.Observer
	for _, o := range obs {
		if o != nil {
			list = append(list, o)
		}
	}
	return core.ObserverFunc(func(ctx context.Context, callID string, d core.Decision) {
		for _, o := range list {
			o.LayerDecided(ctx, callID, d)
		}
	})
}
