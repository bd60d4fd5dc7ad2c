package scenarios_test

import (
	"context"
	"os"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/fakecalcom"
)

// gate is an observer that parks every call at one layer decision (e.g. db_check=accept, the
// moment between the seed's check and its insert) until the spec releases it. Arrivals are
// reported on Arrived, each with its own release, so a spec sequences calls into a chosen
// interleaving with channels instead of sleeps.
type gate struct {
	layer   core.Layer
	verdict core.Verdict
	arrived chan parked
	open    chan struct{}
	once    sync.Once
}

// parked is one call held at the gate.
type parked struct {
	CallID  string
	release chan struct{}
}

// Release lets this one call go on.
func (p parked) Release() { close(p.release) }

func newGate(layer core.Layer, verdict core.Verdict, capacity int) *gate {
	return &gate{layer: layer, verdict: verdict, arrived: make(chan parked, capacity), open: make(chan struct{})}
}

// LayerDecided parks the calling Book at the gated decision.
func (g *gate) LayerDecided(ctx context.Context, callID string, d core.Decision) {
	if d.Layer != g.layer || d.Verdict != g.verdict {
		return
	}
	p := parked{CallID: callID, release: make(chan struct{})}
	g.arrived <- p
	select {
	case <-p.release:
	case <-g.open:
	case <-ctx.Done():
	}
}

// Next waits for the next call to arrive at the gate.
func (g *gate) Next(ctx context.Context) parked {
	select {
	case p := <-g.arrived:
		return p
	case <-ctx.Done():
		return parked{release: make(chan struct{})}
	}
}

// Open releases every parked call and all later ones. Safe to call twice (specs defer it so
// a failing assertion never leaves goroutines parked).
func (g *gate) Open() { g.once.Do(func() { close(g.open) }) }

// gated bounds a spec that parks calls: a broken interleaving fails the spec (its context is
// cancelled, which unparks every call) instead of hanging the suite. The bound only ends a
// spec whose interleaving never comes (on a working core it comes in milliseconds); the
// gate's mutation score shortens it with HARNESS_GATED_TIMEOUT, because a sabotage that
// breaks the interleaving makes these specs wait for the whole bound.
var gated = SpecTimeout(gatedTimeout())

// EnvGatedTimeout overrides gated's bound (a Go duration).
const EnvGatedTimeout = "HARNESS_GATED_TIMEOUT"

func gatedTimeout() time.Duration {
	if d, err := time.ParseDuration(os.Getenv(EnvGatedTimeout)); err == nil && d > 0 {
		return d
	}
	return 30 * time.Second
}

// forcesDBCheck labels the specs that park calls at db_check's decisions: a necessity run
// with db_check switched off leaves them out (--label-filter '!forces:db_check'), since the
// decision they wait for never comes.
var forcesDBCheck = Label("forces:db_check")

// forcesSlotExclusion labels the specs that wait for a rival to meet a claim (the exclusion
// constraint covers pending rows): with slot_exclusion off the rival never meets it.
var forcesSlotExclusion = Label("forces:slot_exclusion")

// createGate parks Cal.com creates in the fake between its availability check and its insert
// (Config.BetweenCheckAndInsert), so a spec can make two creates pass the check before either
// inserts and choose who inserts first.
type createGate struct {
	arrived chan parked
	open    chan struct{}
	once    sync.Once
}

func newCreateGate(capacity int) *createGate {
	return &createGate{arrived: make(chan parked, capacity), open: make(chan struct{})}
}

// Hook is the fake's BetweenCheckAndInsert.
func (g *createGate) Hook(a fakecalcom.CreateAttempt) {
	p := parked{CallID: a.CallID, release: make(chan struct{})}
	g.arrived <- p
	select {
	case <-p.release:
	case <-g.open:
	}
}

// Next waits for the next create to arrive.
func (g *createGate) Next(ctx context.Context) parked {
	select {
	case p := <-g.arrived:
		return p
	case <-ctx.Done():
		return parked{release: make(chan struct{})}
	}
}

// Open releases every parked create and all later ones.
func (g *createGate) Open() { g.once.Do(func() { close(g.open) }) }
