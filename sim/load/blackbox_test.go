package load_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/blackbox"
	"github.com/bookingharness/bookingharness/sim/blackbox/bbtest"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/load"
	"github.com/bookingharness/bookingharness/sim/world"
)

// faultMix is the black-box load's fault mix: lost answers (reset and held after Cal.com
// booked), server errors and rate limits.
func faultMix(t *testing.T) []load.Fault {
	t.Helper()
	fs, err := load.ParseFaults("reset_after_commit=0.05,timeout_after_commit=0.05,status_500=0.05,status_429=0.05")
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// A black-box load judges the service's own rows: the reference core behind the contract
// under the hardened policy holds every invariant under contention and faults (a held
// answer costs no real time), and with the seed's layers off and every duplicate replayed,
// the duplicate shows up in the service's appointments.
func TestBlackBoxLoad(t *testing.T) {
	cfg := small(120, 16, 40) // under hardened only a slot's winner reaches Cal.com, where faults fire
	cfg.Faults = faultMix(t)
	cfg.BlackBox = &world.BlackBox{SUT: bbtest.SUT(t, core.PolicyHardened, blackbox.TimeHeader)}
	res := run(t, cfg, nil)
	if !res.OK || res.Attempts != 120 || res.Violations.Total != 0 || res.Service != "bbtest.sut.yaml" {
		t.Fatalf("hardened black-box load: ok %v, %d attempts, violations %+v, service %q", res.OK, res.Attempts, res.Violations, res.Service)
	}
	fired := 0
	for _, f := range res.FaultsFired {
		fired += f.Fired
	}
	if fired == 0 || res.Outcomes["booked"] == 0 || res.Outcomes["booked"] > 40 {
		t.Fatalf("faults fired %d, outcomes %v: want faults and at most one booking per slot", fired, res.Outcomes)
	}

	dup := small(24, 4, 2)
	dup.Policy, dup.Layers = core.PolicySeed, 0
	dup.Faults = []load.Fault{{Kind: "force_replay", Rate: 1}}
	dup.BlackBox = &world.BlackBox{SUT: bbtest.SUT(t, core.PolicySeed, blackbox.TimeAge)}
	res = run(t, dup, []string{})
	if res.OK || !slices.Contains(res.UnexpectedViolations, check.DuplicateBookingID) {
		t.Fatalf("seed without layers, black-box: unexpected %v, want duplicate_booking_id", res.UnexpectedViolations)
	}
}

// A black-box load with database faults through the proxy in front of the service's
// database and three crashes (SIGKILL, restart, at seeded moments): the hardened core behind
// the contract is killed three times, restarts, sweeps what it left unfinished, and no
// invariant breaks; the faults fired on its statements; the answers the kills cut are
// unknown, never a broken contract.
func TestBlackBoxLoadWithDBFaultsAndCrashes(t *testing.T) {
	cfg := small(90, 8, 4)
	cfg.RollEvery = 8
	var err error
	if cfg.DBFaults, err = load.ParseDBFaults("commit_ack_lost=0.05,reset=0.05"); err != nil {
		t.Fatal(err)
	}
	cfg.Crashes = 3
	cfg.BlackBox = &world.BlackBox{SUT: bbtest.SUT(t, core.PolicyHardened, blackbox.TimeHeader)}
	res := run(t, cfg, nil)
	fired := 0
	for _, f := range res.DBFaultsFired {
		fired += f.Fired
	}
	if !res.OK || res.Violations.Total != 0 || res.Crashes != 3 || fired == 0 || res.Outcomes["unknown"] == 0 {
		t.Fatalf("ok %v (%s), violations %+v, crashes %d of %v, db faults fired %d, outcomes %v", res.OK, res.Inconclusive, res.Violations, res.Crashes, res.CrashesPlanned, fired, res.Outcomes)
	}
}

// The crash plan is seeded and spread: one crash in each part of the run but the first.
func TestCrashPlan(t *testing.T) {
	a, b := load.CrashPlan(7, 400, 3), load.CrashPlan(7, 400, 3)
	if !slices.Equal(a, b) || len(a) != 3 || a[0] < 100 || a[0] >= 150 || a[1] < 200 || a[2] < 300 || a[2] >= 350 {
		t.Fatalf("plan %v (again %v)", a, b)
	}
	if load.CrashPlan(7, 400, 0) != nil {
		t.Fatal("a plan without crashes")
	}
}

// A black-box run starts its own fake, so --calcom-url is refused, naming the flag.
func TestBlackBoxLoadRefusesExternalFake(t *testing.T) {
	cfg := small(1, 1, 1)
	cfg.CalcomURL = "http://127.0.0.1:8787"
	cfg.BlackBox = &world.BlackBox{SUT: bbtest.SUT(t, core.PolicySeed, blackbox.TimeHeader)}
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "--calcom-url") {
		t.Fatalf("Validate: %v", err)
	}
}

// What a black-box service does not offer is refused before anything starts, with the fault
// catalogue's reason: webhook faults need a webhook receiver, database faults the proxy.
// Cal.com faults go anywhere.
func TestBlackBoxLoadRefusesWhatTheServiceCannotTake(t *testing.T) {
	service := &world.BlackBox{SUT: &blackbox.SUT{File: "svc.yaml", Time: blackbox.TimeHeader}}
	webhook, err := load.ParseWebhookFaults("duplicate=0.1")
	if err != nil {
		t.Fatal(err)
	}
	db, err := load.ParseDBFaults("commit_ack_lost=0.02")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		edit func(*load.Config)
		want string
	}{
		{"cal.com faults", func(c *load.Config) { c.Faults = faultMix(t) }, ""},
		{"webhook faults", func(c *load.Config) { c.WebhookFaults = webhook }, "webhook-faults: duplicate needs a webhook receiver"},
		{"db faults", func(c *load.Config) { c.DBFaults = db }, "db-faults: every database fault needs the database proxy"},
		{"crashes", func(c *load.Config) { c.Crashes = 2 }, "crashes: a crash needs a restart"},
		{"crashes of the core", func(c *load.Config) { c.Crashes, c.BlackBox = 2, nil }, "crashes: kills and restarts a black-box service"},
	}
	for _, tc := range cases {
		cfg := small(10, 1, 10)
		cfg.BlackBox = service
		tc.edit(&cfg)
		err := cfg.Validate()
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
