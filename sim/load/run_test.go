package load_test

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/load"
)

// small is a quick run: hardened, every layer, no faults.
func small(calls, concurrency, slots int) load.Config {
	cfg := load.DefaultConfig()
	cfg.Calls, cfg.Concurrency, cfg.Slots, cfg.Seed = calls, concurrency, slots, 7
	cfg.ClientTimeout = 5 * time.Second // far above a loopback answer on a busy shared machine
	return cfg
}

func run(t *testing.T, cfg load.Config, expect []string) *load.Result {
	t.Helper()
	res, err := load.Run(context.Background(), env, cfg, expect)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

func TestRunIsReproducible(t *testing.T) {
	cfg := small(40, 1, 6)
	cfg.Policy = core.PolicySeed
	a, b := run(t, cfg, nil), run(t, cfg, nil)
	if !maps.Equal(a.Outcomes, b.Outcomes) || !maps.Equal(a.DecidingLayers, b.DecidingLayers) {
		t.Fatalf("same seed, concurrency 1, no faults: outcomes %v / %v, deciders %v / %v", a.Outcomes, b.Outcomes, a.DecidingLayers, b.DecidingLayers)
	}
	if a.Outcomes["booked"] != 6 || a.Attempts != 40 || a.StoppedEarly {
		t.Errorf("outcomes %v in %d attempts: want 6 slots booked once each, 40 attempts", a.Outcomes, a.Attempts)
	}
}

func TestOneSlotUnderHardenedBooksExactlyOnce(t *testing.T) {
	res := run(t, small(60, 8, 1), nil)
	if res.Outcomes["booked"] != 1 || res.Outcomes["slot_taken"] != 59 {
		t.Errorf("outcomes %v, want 1 booked and 59 slot_taken", res.Outcomes)
	}
	if res.Violations.Total != 0 || res.Linearizability.Illegal != 0 || !res.OK || res.ExitCode() != 0 {
		t.Errorf("violations %+v, linearizability %+v, ok %v", res.Violations, res.Linearizability, res.OK)
	}
	if res.Latency.Count != 60 || res.Latency.P50 <= 0 || res.Latency.Max < res.Latency.P99 {
		t.Errorf("latency %+v, want 60 samples with ordered percentiles", res.Latency)
	}
}

// Seed without layers, every duplicate create answered with the slot's booking: the Call
// 687/688 duplicate, many times over. The seed's known set tolerates it; a strict run fails.
func TestSeedWithoutLayersShowsTheDuplicate(t *testing.T) {
	cfg := small(24, 4, 2)
	cfg.Policy, cfg.Layers = core.PolicySeed, 0
	cfg.Faults = []load.Fault{{Kind: "force_replay", Rate: 1}}
	res := run(t, cfg, nil)
	for _, inv := range []string{check.DuplicateBookingID, check.DoubleBookedSlot} {
		if res.Violations.Counts[inv] == 0 {
			t.Errorf("no %s found: %+v", inv, res.Violations)
		}
	}
	if res.Outcomes["booked"] <= 2 || len(res.Violations.Listed) == 0 || len(res.Violations.Listed[0].Calls) < 2 {
		t.Errorf("want several callers told booked and the calls named: %v %+v", res.Outcomes, res.Violations.Listed)
	}
	if !res.OK || res.ExitCode() != 0 {
		t.Errorf("seed without layers is expected to duplicate: unexpected %v", res.UnexpectedViolations)
	}

	strict := run(t, cfg, []string{})
	if strict.OK || strict.ExitCode() != 1 || !slices.Contains(strict.UnexpectedViolations, check.DuplicateBookingID) {
		t.Errorf("expecting no violations: ok %v, exit %d, unexpected %v", strict.OK, strict.ExitCode(), strict.UnexpectedViolations)
	}
}

func TestFaultMixReachesTheFake(t *testing.T) {
	cfg := small(80, 4, 40)
	cfg.Faults = []load.Fault{{Kind: "status_500", Rate: 0.3}, {Kind: "reset_after_commit", Rate: 0.3}, {Kind: "drop_created_at", Rate: 0.3}}
	res := run(t, cfg, nil)
	if len(res.FaultsFired) != 3 {
		t.Fatalf("faults fired %+v, want one entry per configured fault", res.FaultsFired)
	}
	for _, f := range res.FaultsFired {
		sum := 0
		for _, n := range f.PerSecond {
			sum += n
		}
		if f.Fired == 0 || sum != f.Fired {
			t.Errorf("%s fired %d times, %d placed in seconds; want > 0 and equal", f.Kind, f.Fired, sum)
		}
	}
	// A connection cut after commit is either left unknown (a transport error) or, as the
	// hardened core does when the lookup finds the call's booking, recovered.
	if res.CalcomErrors["server"] == 0 || res.CalcomErrors["transport"]+res.Recovered == 0 {
		t.Errorf("the core never saw the faults: Cal.com errors %v, recovered %d", res.CalcomErrors, res.Recovered)
	}
	if !res.OK {
		t.Errorf("hardened under faults: unexpected %v: %+v", res.UnexpectedViolations, res.Violations.Listed)
	}
}

// The duration cap is real time and stops the run by itself, long before the plan is spent.
func TestDurationCapStopsEarly(t *testing.T) {
	cfg := small(200_000, 4, 1000)
	cfg.Duration = 300 * time.Millisecond
	res := run(t, cfg, nil)
	if !res.StoppedEarly || res.Attempts == 0 || res.Attempts >= cfg.Calls {
		t.Fatalf("attempts %d of %d, stopped early %v", res.Attempts, cfg.Calls, res.StoppedEarly)
	}
	if int64(res.Attempts) != res.Latency.Count || !res.OK {
		t.Errorf("latency samples %d for %d attempts; ok %v", res.Latency.Count, res.Attempts, res.OK)
	}
}

func TestNonLoopbackCalcomURLIsRefused(t *testing.T) {
	cfg := small(10, 1, 1)
	cfg.CalcomURL = "http://192.0.2.10:8787"
	_, err := load.Run(context.Background(), env, cfg, nil)
	var ce *load.ConfigError
	if !errorsAs(err, &ce) || ce.Field != "calcom-url" || !strings.Contains(err.Error(), "not a loopback address") {
		t.Fatalf("Run = %v, want a --calcom-url error saying it is not loopback", err)
	}
}

// An external fake (here one started by the test, reached over its loopback URL like
// `bookingharness fake-calcom`): reset, configured and judged through its admin API.
func TestExternalFake(t *testing.T) {
	srv := fakecalcom.New(fakecalcom.Config{Seed: 3, ConflictAnswer: fakecalcom.Conflict409, EventTypes: []fakecalcom.EventType{{ID: 9, Kind: fakecalcom.Standard, LengthMinutes: 15, HostID: 9}}})
	defer srv.Close()
	cfg := small(30, 3, 3)
	// The seed policy sends every call to Cal.com (hardened stops most at its claim, before
	// Cal.com), so the 20 % fault mix has thirty creates to fire on.
	cfg.Policy = core.PolicySeed
	cfg.CalcomURL = srv.URL
	cfg.Faults = []load.Fault{{Kind: "status_500", Rate: 0.2}}
	res := run(t, cfg, nil)
	if res.Calcom != srv.URL || res.Outcomes["booked"] != 3 || !res.OK {
		t.Errorf("calcom %q, outcomes %v, ok %v (%+v)", res.Calcom, res.Outcomes, res.OK, res.Violations.Listed)
	}
	if !res.Pool.Sampled || !res.Database.Sampled {
		t.Errorf("the external target's pool and database were not sampled: %+v %+v", res.Pool, res.Database)
	}
	if len(res.FaultsFired) != 1 || res.FaultsFired[0].Fired == 0 {
		t.Errorf("faults fired %+v, want status_500 fired through the admin API", res.FaultsFired)
	}
	if got := len(srv.Fake.Bookings()); got != 3 {
		t.Errorf("external ledger has %d bookings, want 3 (it was reset first)", got)
	}

	// Cancels and Cal.com latency go through the external fake too.
	cfg.Faults, cfg.CancelRate, cfg.RollEvery = nil, 1, 5
	cfg.CalcomLatency = load.LatencyDist{Base: 5 * time.Millisecond}
	res = run(t, cfg, nil)
	if c := res.Cancels; c.Attempted == 0 || c.Cancelled != c.Attempted || res.ServiceTime.Min < 5_000 || !res.OK {
		t.Errorf("cancels %+v, fastest Book %dµs, ok %v (%+v)", c, res.ServiceTime.Min, res.OK, res.Violations.Listed)
	}
	cancelled := 0
	for _, b := range srv.Fake.Bookings() {
		if b.Status == fakecalcom.StatusCancelled {
			cancelled++
		}
	}
	if cancelled != res.Cancels.Cancelled {
		t.Errorf("the external ledger has %d cancelled bookings, the run cancelled %d", cancelled, res.Cancels.Cancelled)
	}
}

func TestOutputs(t *testing.T) {
	cfg := small(30, 4, 2)
	cfg.Policy, cfg.Layers = core.PolicySeed, 0
	cfg.Faults = []load.Fault{{Kind: "force_replay", Rate: 1}, {Kind: "delay", Rate: 0.1}}
	res := run(t, cfg, nil)

	var js bytes.Buffer
	if err := res.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back load.Result
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatalf("JSON does not parse back: %v", err)
	}
	if back.Attempts != res.Attempts || !maps.Equal(back.Outcomes, res.Outcomes) || back.Violations.Total != res.Violations.Total ||
		back.Latency.P99 != res.Latency.P99 || !slices.Equal(back.ExpectedViolations, res.ExpectedViolations) {
		t.Errorf("JSON round trip lost facts: %+v", back)
	}
	var fields map[string]any
	_ = json.Unmarshal(js.Bytes(), &fields)
	for _, k := range []string{"attempts", "outcomes", "deciding_layers", "outcomes_by_layer", "violations", "throughput_per_second", "latency_us", "faults_fired", "linearizability", "unexpected_violations", "ok",
		"mode", "rate_per_second", "arrivals", "max_in_flight", "calcom_latency", "roll_every", "slots_spanned", "cancel_rate", "pool",
		"service_time_us", "start_lag_us", "late", "late_after_us", "dropped", "cancels", "stall_window_seconds", "stalls_total", "stalls", "database", "runtime"} {
		if _, ok := fields[k]; !ok {
			t.Errorf("JSON lacks documented field %q", k)
		}
	}

	var sum bytes.Buffer
	if err := res.WriteSummary(&sum); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"attempts", "p50", "p99", "duplicate_booking_id", "call_load_", "verdict: OK", "closed loop: 4 workers", "16 connections", "stalls: none"} {
		if !strings.Contains(sum.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, sum.String())
		}
	}

	var page bytes.Buffer
	if err := res.WriteHTML(&page, "/tmp/x/load-timeline.html"); err != nil {
		t.Fatal(err)
	}
	html := page.String()
	for _, want := range []string{"echarts.init", `id="latency"`, `id="layers"`, `id="throughput"`, `id="faults"`, "duplicate_booking_id", `href="load-timeline.html"`, "Apache"} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML report lacks %q", want)
		}
	}
	if strings.Contains(html, "<script src=") || strings.Contains(html, "go-echarts.github.io") {
		t.Error("HTML report loads scripts from elsewhere; it must work offline")
	}

	var tl bytes.Buffer
	if err := res.WriteTimeline(&tl); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tl.String(), "call_load_") || len(res.TimelineSlots()) != 2 {
		t.Errorf("timeline: %d slots drawn, has calls: %v", len(res.TimelineSlots()), strings.Contains(tl.String(), "call_load_"))
	}
}

// A rolling window with cancels keeps contention alive: new slots enter and cancelled ones
// are booked again, so far more calls are booked than a fixed set of slots allows, while
// every cancel is a recorded operation the checker and porcupine judge.
func TestRollingWindowWithCancelsKeepsContention(t *testing.T) {
	for _, policy := range []core.Policy{core.PolicyHardened, core.PolicySeed} {
		t.Run(string(policy), func(t *testing.T) {
			cfg := small(240, 4, 4)
			cfg.Policy, cfg.RollEvery, cfg.CancelRate = policy, 10, 0.5
			res := run(t, cfg, nil)
			if res.SlotsSpanned != 239/10+4 || res.RollEvery != 10 {
				t.Errorf("spanned %d slots, roll %d", res.SlotsSpanned, res.RollEvery)
			}
			c := res.Cancels
			if c.Attempted == 0 || c.Attempted != c.Cancelled+c.NothingToCancel+c.Unknown {
				t.Fatalf("cancels %+v", c)
			}
			if res.Outcomes["booked"] <= res.SlotsSpanned || res.Outcomes["slot_taken"] == 0 {
				t.Errorf("outcomes %v over %d slots: want more bookings than slots (cancelled slots rebooked) and contention", res.Outcomes, res.SlotsSpanned)
			}
			if !res.OK {
				t.Errorf("unexpected violations %v: %+v", res.UnexpectedViolations, res.Violations.Listed)
			}
			if policy == core.PolicyHardened && (res.Violations.Total != 0 || res.Linearizability.Illegal != 0 || c.Cancelled != c.Attempted) {
				t.Errorf("hardened: violations %+v, linearizability %+v, cancels %+v", res.Violations, res.Linearizability, c)
			}
		})
	}
	fixed := run(t, small(240, 4, 4), nil)
	if fixed.Outcomes["booked"] != 4 {
		t.Errorf("fixed slots without cancels booked %d, want the 4 slots once each", fixed.Outcomes["booked"])
	}
}

// --calcom-latency is real time: no Book can answer before its Cal.com create has.
func TestCalcomLatencyIsRealTime(t *testing.T) {
	cfg := small(12, 2, 12)
	cfg.CalcomLatency = load.LatencyDist{Base: 30 * time.Millisecond, Spread: 10 * time.Millisecond}
	res := run(t, cfg, nil)
	if res.ServiceTime.Min < 20_000 || res.CalcomLatency != "30ms±10ms" || !res.OK {
		t.Errorf("fastest Book %dµs with Cal.com latency %s, ok %v; want ≥ 20ms", res.ServiceTime.Min, res.CalcomLatency, res.OK)
	}
}

// The pool is sized by MaxConns alone (default 16), never by the concurrency, and the
// result reports how it was used.
func TestPoolSizeIsItsOwnSetting(t *testing.T) {
	many := run(t, small(60, 24, 60), nil)
	if many.Pool.MaxConns != load.DefaultMaxConns || many.Pool.PeakInUse > load.DefaultMaxConns {
		t.Errorf("24 workers: pool %+v, want %d connections", many.Pool, load.DefaultMaxConns)
	}
	cfg := small(60, 8, 60)
	cfg.MaxConns = 2
	few := run(t, cfg, nil)
	p := few.Pool
	if p.MaxConns != 2 || !p.Sampled || p.PeakInUse > 2 || p.Acquires < 60 || p.WaitedAcquires == 0 || !few.OK {
		t.Errorf("8 workers on 2 connections: pool %+v, ok %v", p, few.OK)
	}
}

// An open loop on the real world: every attempt's latency runs from its intended start, so
// it is at least its service time, percentile by percentile.
func TestOpenLoopRun(t *testing.T) {
	cfg := small(120, 1, 120)
	cfg.Rate, cfg.Arrivals, cfg.MaxInFlight = 400, load.ArrivalsConstant, 50
	res := run(t, cfg, nil)
	if res.Mode != "open" || res.RatePerSecond != 400 || res.Arrivals != "constant" || res.MaxInFlight != 50 || res.Concurrency != 0 {
		t.Fatalf("mode %s, rate %v, arrivals %s, in flight %d", res.Mode, res.RatePerSecond, res.Arrivals, res.MaxInFlight)
	}
	if res.Attempts != 120 || res.Latency.Count != 120 || res.Dropped != 0 || !res.OK {
		t.Errorf("attempts %d, samples %d, dropped %d, ok %v: %v %+v %+v", res.Attempts, res.Latency.Count, res.Dropped, res.OK, res.Outcomes, res.Violations, res.Linearizability)
	}
	l, s := res.Latency, res.ServiceTime
	if l.P50 < s.P50 || l.P99 < s.P99 || l.Max < s.Max || res.StartLag.Count != 120 {
		t.Errorf("latency %+v below service time %+v", l, s)
	}
	// 120 calls at 400/s are spread over 300 ms: the run cannot be shorter.
	if res.ElapsedSeconds < 0.297 {
		t.Errorf("elapsed %.3fs: the schedule was not kept", res.ElapsedSeconds)
	}
}

// A duration-capped run that plans MaxCalls (as the demo does) must not reserve memory per
// planned call: preallocating the recorder for 10 million operations put a 2.5 GB object on
// the heap, whose first GC mark stalled the run's start for seconds (see the package doc).
func TestPlanningMaxCallsCostsNoMemory(t *testing.T) {
	cfg := small(load.MaxCalls, 4, 10)
	cfg.Duration = 200 * time.Millisecond
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	res := run(t, cfg, nil)
	runtime.ReadMemStats(&after)
	if allocated := (after.TotalAlloc - before.TotalAlloc) >> 20; allocated > 200 {
		t.Errorf("a %d-attempt run planning %d calls allocated %d MiB", res.Attempts, cfg.Calls, allocated)
	}
	if !res.StoppedEarly || !res.OK {
		t.Errorf("stopped early %v, ok %v", res.StoppedEarly, res.OK)
	}
}

// A stall is named with its cause: both workers wait for a Cal.com far slower than their
// client timeout (2 s of real latency, 600 ms timeout), so nothing completes for at least the
// client timeout. (A timeout_after_commit fault no longer stalls anything: the harness ends
// a held answer by its virtual client deadline at once.)
func TestStallIsNamedWithItsCause(t *testing.T) {
	cfg := small(2, 2, 2)
	cfg.ClientTimeout, cfg.StallWindow = 600*time.Millisecond, 300*time.Millisecond
	cfg.CalcomLatency = load.LatencyDist{Base: 2 * time.Second}
	res := run(t, cfg, nil)
	if res.StallsTotal == 0 || len(res.Stalls) != res.StallsTotal {
		t.Fatalf("stalls %+v (total %d), want the one the faults cause", res.Stalls, res.StallsTotal)
	}
	// The first stall runs from the first start to the first answer, which comes only after
	// a client timeout (a busy machine may add later ones, e.g. while a lookup waits for CPU).
	s := res.Stalls[0]
	causes := strings.Join(s.Causes, "; ")
	if s.Seconds < 0.6 || s.InFlight != 2 || !strings.Contains(causes, "client timeout (600ms): 2") {
		t.Errorf("stall %+v", s)
	}
	var sum bytes.Buffer
	_ = res.WriteSummary(&sum)
	if !strings.Contains(sum.String(), "of at least 300ms without a completion") || !strings.Contains(sum.String(), "client timeout") {
		t.Errorf("summary does not name the stall:\n%s", sum.String())
	}
}

// --check-insert-gap makes concurrent creates on one slot race inside the fake, in real
// time: with a gap and every call on one slot, several pass the availability check before
// the first insert, and the losers get Cal.com's production answer (400, database error).
// The hardened policy's claims stop rivals before Cal.com, so the seed (which sends every
// call) shows it.
func TestCheckInsertGapMakesCreatesRace(t *testing.T) {
	cfg := small(8, 8, 1)
	cfg.Policy, cfg.Layers = core.PolicySeed, core.All()
	cfg.CheckInsertGap = time.Second
	res := run(t, cfg, nil)
	// Eight creates released together all pass the check within the gap: one inserts, seven
	// lose the race (answered as the world's fake answers a lost race).
	if lost := res.CalcomErrors["unexplained"] + res.CalcomErrors["conflict"]; lost < 6 {
		t.Fatalf("%d creates lost a race inside Cal.com (error kinds %v), want about 7: the gap did not open a window", lost, res.CalcomErrors)
	}
	if res.CheckInsertGapSeconds != 1 {
		t.Errorf("check_insert_gap_seconds = %v", res.CheckInsertGapSeconds)
	}
}

// --db-faults puts the wire proxy between the core and its database: lost commit
// acknowledgements fire on seeded calls, and the hardened core re-reads instead of lying.
func TestDBFaultsFireAndHardenedStaysTruthful(t *testing.T) {
	cfg := small(60, 4, 60)
	rules, err := load.ParseDBFaults("commit_ack_lost=0.3")
	if err != nil {
		t.Fatal(err)
	}
	cfg.DBFaults = rules
	res := run(t, cfg, nil)
	if len(res.DBFaultsFired) != 1 || res.DBFaultsFired[0].Fired == 0 {
		t.Fatalf("db faults fired %+v, want commit_ack_lost on some calls", res.DBFaultsFired)
	}
	if !res.OK {
		t.Errorf("hardened under lost commit acknowledgements: unexpected %v: %+v", res.UnexpectedViolations, res.Violations.Listed)
	}
}

// --webhook-faults delivers Cal.com's webhooks to the core's handler with drops, duplicates
// and reorderings; the hardened core stays clean, and the faults are counted.
func TestWebhookFaultsStrikeAndHardenedStaysClean(t *testing.T) {
	cfg := small(60, 4, 60)
	var err error
	if cfg.WebhookFaults, err = load.ParseWebhookFaults("drop=0.2,duplicate=0.2,reorder=0.2"); err != nil {
		t.Fatal(err)
	}
	res := run(t, cfg, nil)
	struck := 0
	for _, f := range res.WebhookFaultsFired {
		struck += f.Fired
	}
	if len(res.WebhookFaultsFired) != 3 || struck == 0 {
		t.Fatalf("webhook faults %+v, want some deliveries struck", res.WebhookFaultsFired)
	}
	if !res.OK {
		t.Errorf("hardened under webhook faults: unexpected %v: %+v", res.UnexpectedViolations, res.Violations.Listed)
	}
}

func TestParseWebhookFaults(t *testing.T) {
	for _, bad := range []string{"drop", "drop=x", "drop=0", "drop=2", "lost=0.1", "drop=0.1,drop=0.2"} {
		if _, err := load.ParseWebhookFaults(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	got, err := load.ParseWebhookFaults(" drop=0.05, status_500=0.1 ")
	if err != nil || len(got) != 2 || got[1] != (load.WebhookFault{Kind: "status_500", Rate: 0.1}) {
		t.Fatalf("got %+v, %v", got, err)
	}
}
