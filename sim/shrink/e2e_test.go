package shrink

import (
	"context"
	"slices"
	"testing"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/load"
	"github.com/bookingharness/bookingharness/sim/replay"
)

// loadRun runs a seeded load with KeepEvidence and returns its evidence.
func loadRun(t testing.TB, cfg load.Config) *load.Evidence {
	t.Helper()
	cfg.KeepEvidence = true
	res, err := load.Run(context.Background(), postgres(t), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.Evidence()
}

// seedResets is a seed-policy load whose creates are reset after commit one time in five:
// every faulted call leaves a booking in Cal.com and no appointment.
func seedResets(calls, concurrency, slots int) load.Config {
	cfg := load.DefaultConfig()
	cfg.Calls, cfg.Concurrency, cfg.Slots, cfg.Seed = calls, concurrency, slots, 11
	cfg.Policy, cfg.Layers = core.PolicySeed, core.All()
	cfg.Faults = []load.Fault{{Kind: "reset_after_commit", Rate: 0.2}}
	return cfg
}

// End to end on Postgres: the load finds orphan_booking, the shrink writes a file of at most
// three steps, the file's replay meets its expectations (bookingharness replay exits 0), and
// under hardened it violates nothing and says "fixed by hardened".
func TestShrinkEndToEnd(t *testing.T) {
	ctx := context.Background()
	env := postgres(t)
	ev := loadRun(t, seedResets(60, 4, 20))
	if !slices.ContainsFunc(ev.Violations, func(v check.Violation) bool { return v.Invariant == check.OrphanBooking }) {
		t.Fatalf("the load found no orphan_booking: %v", ev.Violations)
	}
	rep, err := Shrink(ctx, ev, Config{Dir: t.TempDir(), Oracle: ReplayOracle(env), Explain: ReplayExplainer(env)})
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	for _, o := range rep.Outcomes {
		if o.Status == StatusUnreproduced {
			t.Errorf("not reproduced: %+v", o)
		}
		if o.Status != StatusReproduced {
			continue
		}
		files++
		inc, err := incident.Load(o.File)
		if err != nil {
			t.Fatal(err)
		}
		if len(inc.Steps) > 3 || o.Hardened != HardenedFixed {
			t.Errorf("%s: %d steps, hardened %q; want at most 3 and fixed", o.File, len(inc.Steps), o.Hardened)
		}
		res, err := replay.Run(ctx, env, inc, replay.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !res.OK() || !slices.Contains(res.Final.Violated, o.Invariant) {
			t.Errorf("%s does not reproduce %s:\n%s", o.File, o.Invariant, res.Timeline())
		}
		res, err = replay.Run(ctx, env, inc, replay.Options{Policy: core.PolicyHardened})
		if err != nil {
			t.Fatal(err)
		}
		if !res.OK() || len(res.Final.Violated) != 0 || !slices.Equal(res.FixedByHardened, []string{o.Invariant}) {
			t.Errorf("%s under hardened:\n%s", o.File, res.Timeline())
		}
	}
	if files == 0 {
		t.Fatal("no file reproduced a violation")
	}
	t.Logf("%d violations, %d files, %.1f s", len(rep.Outcomes), files, rep.Elapsed.Seconds())
}

// BenchmarkShrink5000 shrinks every violation of a 5 000-attempt seed run (32 workers, 200
// slots, 5 % resets after commit and 5 % HTTP 500, the README's example) on Postgres; the
// load itself runs once, outside the timing. Target: ≤ 10 s per shrink (issue 15).
// "signatures" is what `load --shrink` does (one file per bug); "every" shrinks each
// violation on its own (Options.EveryViolation), to show what the signatures save.
// replays/op counts every replay, the hardened checks and explanations included.
func BenchmarkShrink5000(b *testing.B) {
	cfg := seedResets(5000, 32, 200)
	cfg.Faults = []load.Fault{{Kind: "reset_after_commit", Rate: 0.05}, {Kind: "status_500", Rate: 0.05}}
	ev := loadRun(b, cfg)
	env := postgres(b)
	for _, every := range []bool{false, true} {
		name := "signatures"
		if every {
			name = "every"
		}
		b.Run(name, func(b *testing.B) {
			replays := 0
			oracle := ReplayOracle(env)
			counted := func(ctx context.Context, inc *incident.Incident) ([]string, error) {
				replays++
				return oracle(ctx, inc)
			}
			var rep *Report
			for b.Loop() {
				var err error
				cfg := Config{Dir: b.TempDir(), Oracle: counted, Explain: ReplayExplainer(env), Options: Options{EveryViolation: every}}
				if rep, err = Shrink(context.Background(), ev, cfg); err != nil {
					b.Fatal(err)
				}
			}
			reproduced, unreproduced, same := rep.Counts()
			b.ReportMetric(float64(len(rep.Outcomes)), "violations/op")
			b.ReportMetric(float64(reproduced+unreproduced), "shrunk/op")
			b.ReportMetric(float64(same), "same-bug/op")
			b.ReportMetric(float64(replays)/float64(b.N), "replays/op")
		})
	}
}
