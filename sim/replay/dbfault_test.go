package replay_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/pgproxy"
	"github.com/bookingharness/bookingharness/sim/replay"
	"github.com/bookingharness/bookingharness/sim/world"
)

// oneTypeFile is an incident file with one event type, id 1001 of kind, 30 minutes on host
// 2, and the given steps (bookStep), followed by top-level lines such as "policy: hardened".
func oneTypeFile(kind string, steps []string, top ...string) string {
	return "clock: {start: 2025-10-06T09:00:00Z}\ncalcom:\n  event_types: [{id: 1001, kind: " + kind +
		", length: 30, host: 2}]\nsteps:\n" + strings.Join(steps, "") + strings.Join(top, "\n") + "\n"
}

// bookStep is a booking step of oneTypeFile: call books 2025-10-09 at hour:00 UTC at offset
// at, as attendee <call>@example.org, with extra step lines ("db_fault: {…}").
func bookStep(at, call, hour string, extra ...string) string {
	s := "  - at: " + at + "\n    call: " + call + "\n    book: {event_type: 1001, start: 2025-10-09T" + hour +
		":00:00Z, attendee: {name: " + call + ", email: " + call + "@example.org}}\n"
	for _, e := range extra {
		s += "    " + e + "\n"
	}
	return s
}

// dbFaultFile books call_a once with the db_fault under test, then retries it 10 s later and
// books call_b on another slot 20 s later (after any refusal window).
func dbFaultFile(dbFault string) string {
	return oneTypeFile("round_robin", []string{bookStep("0s", "call_a", "08", "db_fault: "+dbFault),
		bookStep("10s", "call_a", "08"), bookStep("20s", "call_b", "09")})
}

// Each db_fault reaches the world's proxy, acts on the call's statements as documented, and
// is gone when its step ends: the retry and the next call meet no fault. The outcomes are
// what each policy makes of the fault (round robin: the retry is answered with the call's
// own booking).
func TestDBFaultsReachTheProxy(t *testing.T) {
	tests := []struct {
		policy, dbFault string
		first, retry    string
		violations      []string
		// faultSQL is the start of the statement the fault fired on ("" when it is not a rule).
		faultSQL string
	}{
		// Hardened: the settle's COMMIT. Cut before it: tried once more on a new connection.
		// Its answer lost: the claim is re-read on a fresh connection and shows it committed.
		{"hardened", "{reset: before_commit}", "booked", "already_booked", nil, "commit"},
		{"hardened", "{reset: after_commit}", "booked", "already_booked", nil, "commit"},
		// The seed's INSERT. Cut before it: error, and the booking is orphaned — until the
		// retry, answered with the call's own fresh booking, stores it. Its answer lost: the
		// row exists behind an "error" (untruthful until the retry's db_check finds it).
		{"seed", "{reset: before_commit}", "error", "booked", nil, "insert"},
		{"seed", "{reset: after_commit}", "error", "booked", nil, "insert"},
		// Latency on every statement of the call: slower, as true as ever.
		{"hardened", "{latency: 2s}", "booked", "already_booked", nil, ""},
		{"seed", "{latency: 2s}", "booked", "booked", nil, ""},
		// Connections dropped and refused once Cal.com answered: the hardened core cannot
		// settle and says unknown (claim kept); its retry after the window recovers. The
		// seed cannot run its duplicate check: error; its retry stores the booking.
		{"hardened", "{refuse: 5s}", "unknown", "booked", nil, ""},
		{"seed", "{refuse: 5s}", "error", "booked", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.policy+" "+tc.dbFault, func(t *testing.T) {
			var journal []pgproxy.Entry
			var left []pgproxy.Rule
			var ledger []fakecalcom.Booking
			opts := replay.Options{Policy: core.Policy(tc.policy), AfterRun: func(_ context.Context, w *world.World) error {
				journal, left, ledger = w.Core().Proxy().Journal(), w.Core().Proxy().Rules(), w.Fake.Fake.Bookings()
				return nil
			}}
			res := run(t, parse(t, "db.yaml", dbFaultFile(tc.dbFault)), opts)
			got := []string{res.Steps[0].Outcome, res.Steps[1].Outcome, res.Steps[2].Outcome}
			if want := []string{tc.first, tc.retry, "booked"}; !slices.Equal(got, want) {
				t.Errorf("outcomes %v, want %v\n%s", got, want, res.Timeline())
			}
			if !slices.Equal(res.Final.Violated, append([]string{}, tc.violations...)) {
				t.Errorf("violated %v, want %v\n%s", res.Final.Violated, tc.violations, res.Timeline())
			}
			if f := res.Steps[0].Fault; !strings.HasPrefix(f, "db_fault ") || strings.Contains(f, "not reached") {
				t.Errorf("step 0 shows %q", f)
			}
			if res.Steps[1].Fault != "" {
				t.Errorf("the retry shows %q", res.Steps[1].Fault)
			}
			if len(left) != 0 {
				t.Errorf("rules still armed after the run: %+v", left)
			}
			var fired []pgproxy.Entry
			for _, e := range journal {
				if e.Event == pgproxy.EventFault {
					fired = append(fired, e)
				}
			}
			switch {
			case tc.faultSQL != "":
				if len(fired) != 1 || fired[0].Rule != "steps[0].db_fault" || fired[0].CallKey != "call_a" ||
					!strings.HasPrefix(strings.ToLower(strings.TrimSpace(fired[0].SQL)), tc.faultSQL) {
					t.Errorf("fired %+v, want once on call_a's %s", fired, tc.faultSQL)
				}
			case strings.HasPrefix(tc.dbFault, "{latency"):
				if len(fired) < 2 || slices.ContainsFunc(fired, func(e pgproxy.Entry) bool { return e.CallKey != "call_a" }) {
					t.Errorf("latency fired on %+v, want every statement of call_a", fired)
				}
				// The call's one statement before its create (the claim, the seed's call row)
				// was held 2 s on the virtual clock: Cal.com made the booking at +2s.
				if got := ledger[0].CreatedAt.Sub(res.Start); got != 2*time.Second {
					t.Errorf("booking created at +%s, want +2s", got)
				}
			default:
				refused := slices.ContainsFunc(journal, func(e pgproxy.Entry) bool { return e.Event == pgproxy.EventRefused })
				if !refused || len(fired) != 0 {
					t.Errorf("refusal: journal %+v", journal)
				}
			}
		})
	}
}

// A latency fault costs virtual time, not wall time: a 10-minute stall per statement runs
// in well under a second, and moves the clock past the next step's offset.
func TestDBLatencyIsVirtual(t *testing.T) {
	began := time.Now()
	res := run(t, parse(t, "slow.yaml", dbFaultFile("{latency: 10m}")), replay.Options{Policy: "hardened"})
	if took := time.Since(began); took > 30*time.Second {
		t.Errorf("took %s of wall time", took)
	}
	if got := res.Steps[1].Time.Sub(res.Start); got < 20*time.Minute {
		t.Errorf("the retry ran at +%s; several 10-minute statements should have pushed it past +20m\n%s", got, res.Timeline())
	}
}

// A db_fault the attempt never reaches (the call is stopped at its claim, before Cal.com
// is asked) is marked so and disarmed; a file without db_fault gets no proxy at all.
func TestDBFaultNotReachedAndNoProxyWithout(t *testing.T) {
	text := oneTypeFile("round_robin", []string{bookStep("0s", "call_a", "08"), bookStep("10s", "call_b", "08", "db_fault: {reset: after_commit}")})
	var left []pgproxy.Rule
	res := run(t, parse(t, "stopped.yaml", text), replay.Options{Policy: core.PolicyHardened, AfterRun: func(_ context.Context, w *world.World) error {
		left = w.Core().Proxy().Rules()
		return nil
	}})
	if s := res.Steps[1]; s.Outcome != "slot_taken" || s.Fault != "db_fault reset: after_commit (not reached)" {
		t.Errorf("step 1: %s %q\n%s", s.Outcome, s.Fault, res.Timeline())
	}
	if len(left) != 0 {
		t.Errorf("rules left armed: %+v", left)
	}
	var proxy *pgproxy.Proxy
	run(t, load(t, example), replay.Options{AfterRun: func(_ context.Context, w *world.World) error {
		proxy = w.Core().Proxy()
		return nil
	}})
	if proxy != nil {
		t.Error("a file without db_fault got a database proxy")
	}
}
