package replay_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/blackbox"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/replay"
	"github.com/bookingharness/bookingharness/sim/world"
)

// A file is judged in the service's own time mode when it can be, else in an exact mode
// the service offers (capabilities), else it is skipped with what it needs and what the
// service offers — never failed for a clock the service did not have.
func TestTimeModeFor(t *testing.T) {
	boundary := parse(t, "boundary.yaml", `name: boundary
clock: {start: 2025-10-06T09:00:00Z}
calcom: {event_types: [{id: 1, kind: round_robin, length: 30, host: 1}]}
steps:
  - {at: 0s, call: call_a, book: {event_type: 1, start: 2025-10-09T10:00:00Z, attendee: {name: A, email: a@example.org}}}
  - {at: 30s, call: call_b, book: {event_type: 1, start: 2025-10-09T10:00:00Z, attendee: {name: A, email: a@example.org}}}
`)
	clear := parse(t, "clear.yaml", `name: clear
clock: {start: 2025-10-06T09:00:00Z}
calcom: {event_types: [{id: 1, kind: round_robin, length: 30, host: 1}]}
steps:
  - {at: 0s, call: call_a, book: {event_type: 1, start: 2025-10-09T10:00:00Z, attendee: {name: A, email: a@example.org}}}
  - {at: 35s, call: call_b, book: {event_type: 1, start: 2025-10-09T10:00:00Z, attendee: {name: A, email: a@example.org}}}
`)
	skewLatency := load(t, catalogue+"clock-skew-fast-app.yaml")
	sut := func(mode blackbox.TimeMode) *blackbox.SUT {
		return &blackbox.SUT{File: "sut.yaml", Time: mode, Command: []string{"svc"}}
	}
	header := &blackbox.CapabilitiesAnswer{TimeTravel: true}
	every := &blackbox.CapabilitiesAnswer{TimeTravel: true, TimeModes: []blackbox.TimeMode{blackbox.TimeFaketime}}
	for _, tc := range []struct {
		name string
		file string
		sut  blackbox.TimeMode
		caps *blackbox.CapabilitiesAnswer
		want blackbox.TimeMode
		why  string // a substring of the skip reason when want is ""
	}{
		{"nothing special: the service's own mode", "clear", blackbox.TimeAge, nil, blackbox.TimeAge, ""},
		{"an age at the freshness window under age: header instead", "boundary", blackbox.TimeAge, header, blackbox.TimeHeader, ""},
		{"an age at the freshness window, no exact clock offered", "boundary", blackbox.TimeAge, nil, "", "within 1s of the 30s freshness window"},
		{"skew and latency: faketime is the one mode for both", "skew", blackbox.TimeAge, every, blackbox.TimeFaketime, ""},
		{"skew and latency, header offered only", "skew", blackbox.TimeAge, header, "", "the service offers time: age, header only"},
		{"skew and latency on a header service", "skew", blackbox.TimeHeader, nil, "", "calcom.latency (5s) passes after Cal.com has booked"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inc := map[string]*incident.Incident{"clear": clear, "boundary": boundary, "skew": skewLatency}[tc.file]
			mode, why := replay.TimeModeFor(inc, sut(tc.sut), tc.caps)
			if mode != tc.want || (tc.want == "" && !strings.Contains(why, tc.why)) || (tc.want != "" && why != "") {
				t.Fatalf("mode %q, why %q; want %q (%q)", mode, why, tc.want, tc.why)
			}
		})
	}
}

// Cal.com's latency must stay skipped under time: header: there the service's clock for a
// request is fixed when the request begins, so the latency that passes after Cal.com booked
// never reaches it. Forced to run anyway, a correct port of the seed (the reference core
// behind the contract) books where the seed in process refuses the booking as 32 s old
// (27 s of skew and 5 s of latency): the file would fail a service for a clock it was never
// given.
func TestLatencyUnderHeaderMustStaySkipped(t *testing.T) {
	inc := load(t, catalogue+"clock-skew-fast-app.yaml")
	in := run(t, inc, replay.Options{})
	if !in.OK() || in.Steps[0].Outcome != string(core.SlotTaken) || in.Steps[0].Layer != "freshness" {
		t.Fatalf("in process:\n%s", in.Timeline())
	}
	opts := blackBox(t, core.PolicySeed, blackbox.TimeHeader)
	if r := run(t, inc, opts); !strings.Contains(r.Skipped, "calcom.latency") {
		t.Fatalf("not skipped under time: header:\n%s", r.Timeline())
	}
	forced := run(t, inc, replay.ForceBlackBoxRun(opts))
	if forced.Skipped != "" || forced.Steps[0].Outcome != string(core.Booked) || forced.OK() {
		t.Fatalf("forced under time: header, the service should book (its clock never saw the latency) and fail the file:\n%s", forced.Timeline())
	}
}

// Under time: faketime the service's clock follows the fake's within a request: the PHP
// seed (which runs unchanged under libfaketime) refuses its own booking as 32 s old, as the
// seed does in process — the file runs, in the exact mode the service offers, and passes.
func TestLatencyUnderFaketimeReachesTheService(t *testing.T) {
	if out, err := exec.Command("php", "-r", `echo extension_loaded("pdo_pgsql") ? "ok" : "no";`).CombinedOutput(); err != nil || string(out) != "ok" {
		t.Fatalf("the PHP example needs php-cli with pdo_pgsql (got %q, %v): run scripts/prepare-blackbox.sh", out, err)
	}
	sut, err := blackbox.LoadSUT("../../examples/php-seed-service/sut.yaml")
	if err != nil {
		t.Fatal(err)
	}
	caps := &blackbox.CapabilitiesAnswer{TimeTravel: true, TimeModes: []blackbox.TimeMode{blackbox.TimeFaketime}}
	r := run(t, load(t, catalogue+"clock-skew-fast-app.yaml"), replay.Options{BlackBox: &world.BlackBox{SUT: sut, Capabilities: caps}})
	if !r.OK() || r.Service.TimeMode != string(blackbox.TimeFaketime) || r.Steps[0].Layer != "freshness" {
		t.Fatalf("under time: faketime:\n%s", r.Timeline())
	}
}
