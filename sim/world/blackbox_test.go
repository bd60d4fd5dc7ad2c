package world_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/blackbox"
	"github.com/bookingharness/bookingharness/sim/blackbox/bbtest"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/fault"
	"github.com/bookingharness/bookingharness/sim/history"
	"github.com/bookingharness/bookingharness/sim/world"
)

func blackBoxWorld(t *testing.T, cfg world.Config, policy core.Policy, mode blackbox.TimeMode) *world.World {
	t.Helper()
	cfg.BlackBox = &world.BlackBox{SUT: bbtest.SUT(t, policy, mode)}
	return newWorld(t, cfg)
}

// The Call 687/688 incident through a black-box world, in both time modes a Go service can
// use: the 35-minute gap reaches the service's freshness layer as X-Harness-Now (header) or
// as bookings 35 minutes older (age), the verdicts are the in-process ones, and with no
// layers the duplicate is reproduced. In age mode the slot is moved to the service's today
// by whole days and the world's time stays the incident's.
func TestBlackBoxWorldCall687688(t *testing.T) {
	for _, tc := range []struct {
		mode    blackbox.TimeMode
		layers  core.Layers
		want688 core.OutcomeKind
		broken  []string
	}{
		{blackbox.TimeHeader, core.All(), core.SlotTaken, nil},
		{blackbox.TimeAge, 0, core.Booked, []string{check.DoubleBookedSlot, check.DuplicateBookingID}}, // sorted
	} {
		t.Run(fmt.Sprintf("%s/%s", tc.mode, tc.layers), func(t *testing.T) {
			ctx := context.Background()
			w := blackBoxWorld(t, world.Config{Layers: tc.layers}, core.PolicySeed, tc.mode)
			if w.Service() == nil || w.Core() != nil {
				t.Fatal("a black-box world has a service and no core")
			}
			if got, known := w.Layers(); !known || got != core.PolicySeed.Effective(tc.layers) {
				t.Fatalf("layers %v (known %v), want %v", got, known, core.PolicySeed.Effective(tc.layers))
			}
			start := w.Now()
			if !start.Equal(world.DefaultStart()) {
				t.Fatalf("world time starts at %v, want the incident's %v", start, world.DefaultStart())
			}
			first, err := w.Book(ctx, call687)
			if err != nil || first.Kind != core.Booked {
				t.Fatalf("call 687: %+v, %v", first, err)
			}
			if err := w.MoveTo(ctx, start.Add(35*time.Minute)); err != nil {
				t.Fatal(err)
			}
			if got := w.Now().Sub(start); got < 35*time.Minute || got > 36*time.Minute {
				t.Fatalf("after MoveTo(+35m) the world's time moved %v", got)
			}
			second, _ := w.Book(ctx, call688)
			if second.Kind != tc.want688 {
				t.Fatalf("call 688: %+v, want %s", second, tc.want688)
			}
			if tc.want688 == core.SlotTaken && second.Layer != core.LayerFreshness {
				t.Fatalf("call 688 stopped by %q, want freshness", second.Layer)
			}
			rep, err := w.Check(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got := rep.Names(); !slices.Equal(got, tc.broken) {
				t.Fatalf("violations %v, want %v\n%s", got, tc.broken, rep)
			}
			apps, err := w.Appointments(ctx)
			if err != nil || len(apps) == 0 {
				t.Fatalf("appointments %v, %v", apps, err)
			}
			wantStart := call687.Start.Add(w.TimeShift())
			if !apps[0].Start.Equal(wantStart) || (tc.mode == blackbox.TimeAge) != (w.TimeShift() > 0) || w.TimeShift()%(24*time.Hour) != 0 {
				t.Fatalf("the service's row starts %v with shift %v, want %v (whole days, age mode only)", apps[0].Start, w.TimeShift(), wantStart)
			}
			if fs := w.Service().Target.Findings(); len(fs) > 0 {
				t.Fatalf("contract violations: %v", fs)
			}
		})
	}
}

// A {timeout: after_commit} fault does not make the harness wait for the service's own
// Cal.com client timeout: the fake ends the hold at once by cutting the connection and
// moves the virtual clock by the world's client timeout, as the in-process deadline does.
// The service sees a failed request after Cal.com booked (the seed: error, an orphan).
func TestBlackBoxWorldCutsHeldAnswer(t *testing.T) {
	ctx := context.Background()
	w := blackBoxWorld(t, world.Config{Layers: core.All(), ClientTimeout: 7 * time.Second}, core.PolicySeed, blackbox.TimeHeader)
	if err := w.Fake.Fake.AddFault(fakecalcom.Rule{Name: "hold", Method: "POST", Path: "/v2/bookings", CallID: call687.CallID, Times: 1,
		Action: fakecalcom.Action{Kind: fakecalcom.ActionTimeoutAfterCommit}}); err != nil {
		t.Fatal(err)
	}
	before := w.Clock.Now()
	out, err := w.Book(ctx, call687)
	if out.Kind != core.Error || err == nil {
		t.Fatalf("outcome %+v, %v; want error", out, err)
	}
	if got := w.Clock.Now().Sub(before); got != 7*time.Second {
		t.Fatalf("the virtual clock moved %v, want the client timeout 7s", got)
	}
	var cut bool
	for _, e := range w.Fake.Fake.Journal() {
		cut = cut || (e.Rule == "hold" && e.Cut)
	}
	if !cut {
		t.Fatal("the fake's journal shows no cut held answer")
	}
	rep, err := w.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.Names(); len(got) != 1 || got[0] != check.OrphanBooking {
		t.Fatalf("violations %v, want [orphan_booking]", got)
	}
}

// Cancels through the contract keep the in-process meaning: cancelled, then a definite
// failure (nothing_to_cancel) recorded as error in the history.
func TestBlackBoxWorldCancel(t *testing.T) {
	ctx := context.Background()
	w := blackBoxWorld(t, world.Config{Layers: core.All()}, core.PolicyHardened, blackbox.TimeHeader)
	if out, err := w.Book(ctx, call687); err != nil || out.Kind != core.Booked {
		t.Fatalf("book: %+v, %v\n%s", out, err, w.Service().Target.Log())
	}
	slot := w.Slot(call687)
	if _, err := w.Cancel(ctx, call687.CallID, slot); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	_, err := w.Cancel(ctx, call687.CallID, slot)
	if !errors.Is(err, core.ErrNothingToCancel) || world.CancelOutcome(err) != history.OutcomeError {
		t.Fatalf("second cancel: %v (outcome %s), want nothing to cancel", err, world.CancelOutcome(err))
	}
	ops := w.Recorder.Operations()
	if got := ops[len(ops)-1].Outcome; got != history.OutcomeError {
		t.Fatalf("recorded %s, want error", got)
	}
	if _, err := w.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

// A world that asks for fewer layers than all from a service that switches none is refused
// with ErrLayersNotSwitchable — never run with the service's own layers under another name;
// all layers run it as it is, with its layers unknown.
func TestBlackBoxWorldLayersNotSwitchable(t *testing.T) {
	ctx := context.Background()
	bare := bbtest.BareSUT(t, core.PolicySeed)
	_, err := world.New(ctx, env, world.Config{Layers: 0, BlackBox: &world.BlackBox{SUT: bare}})
	if !errors.Is(err, world.ErrLayersNotSwitchable) {
		t.Fatalf("layers none on a bare service: %v, want ErrLayersNotSwitchable", err)
	}
	w := newWorld(t, world.Config{Layers: core.All(), BlackBox: &world.BlackBox{SUT: bare}})
	if _, known := w.Layers(); known {
		t.Fatal("a service without capabilities has no known layers")
	}
}

// Bad black-box configurations are refused before anything starts.
func TestBlackBoxWorldRefusesBadConfig(t *testing.T) {
	running, err := blackbox.ParseSUT("running.sut.yaml", []byte("base_url: http://127.0.0.1:1\ndatabase:\n  dsn_env: X\n  appointments: SELECT 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cfg  world.Config
		want string
	}{
		{"no sut", world.Config{BlackBox: &world.BlackBox{}}, "SUT is required"},
		{"running service", world.Config{BlackBox: &world.BlackBox{SUT: running}}, "has no command"},
		{"skew in age mode", world.Config{AppSkew: time.Second, BlackBox: &world.BlackBox{SUT: bbtest.SUT(t, core.PolicySeed, blackbox.TimeAge)}}, "needs time: header or faketime"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := world.New(context.Background(), env, tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// What a black-box service does not declare is refused with the fault catalogue's reason: a
// world with webhooks (no webhooks: in sut.yaml) or database faults (database.proxy: false)
// is not built; what it declares is offered.
func TestBlackBoxWorldRefusesWhatTheServiceDoesNotOffer(t *testing.T) {
	if got := world.ServiceSystem(bbtest.SUT(t, core.PolicySeed, blackbox.TimeHeader)); !slices.Equal(got.Offered, fault.Needs()) {
		t.Errorf("a service with webhooks:, a command and its proxy offers %v, want every need", got.Offered)
	}
	sut := bbtest.SUT(t, core.PolicySeed, blackbox.TimeHeader)
	off := false
	sut.Webhooks, sut.Database.Proxy = nil, &off
	for _, tc := range []struct {
		name string
		cfg  world.Config
		want string
	}{
		{"webhooks", world.Config{Webhooks: &fakecalcom.Webhooks{Delivery: fakecalcom.DeliveryAsync}}, "Config.Webhooks: the service of bbtest.sut.yaml needs a webhook receiver"},
		{"db faults", world.Config{DBFaults: true}, "Config.DBFaults: the service of bbtest.sut.yaml needs the database proxy"},
	} {
		tc.cfg.BlackBox = &world.BlackBox{SUT: sut}
		if _, err := world.New(context.Background(), env, tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	if got := world.ServiceSystem(sut); !got.BlackBox || got.TimeMode != "header" || !slices.Equal(got.Offered, []fault.Need{fault.NeedRestart}) {
		t.Errorf("offers %+v", got)
	}
}
