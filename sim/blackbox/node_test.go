package blackbox_test

import (
	"cmp"
	"context"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/onsi/gomega"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/internal/nodetest"
	"github.com/bookingharness/bookingharness/sim/blackbox"
)

// The hardened booking service in Node (examples/node-hardened-service), driven through its
// own sut.yaml. Its defects are planted with APP_DEFECT, which the service inherits from
// this process's environment.
const (
	nodeDir = "../../examples/node-hardened-service"
	nodeSUT = nodeDir + "/sut.yaml"
	// nodeReceiver is the service's webhook receiver.
	nodeReceiver = "/webhooks/calcom"
)

// openNode starts the Node service in header time with env added to its sut.yaml's, and
// defect planted ("" for none), against a fake Cal.com serving ets.
func openNode(t *testing.T, defect string, env map[string]string, ets ...fakecalcom.EventType) (*blackbox.Target, *fakecalcom.Server, *blackbox.SUT) {
	t.Helper()
	nodetest.Require(t, nodeDir)
	t.Setenv("APP_DEFECT", defect)
	return openExample(t, nodeSUT, blackbox.TimeHeader, env, ets...)
}

// The Node service's own unit tests (node --test: the rules that judge a returned booking,
// the webhook signature, configuration and request parsing) run with the suite.
func TestNodeServiceUnitTests(t *testing.T) {
	nodetest.Require(t, nodeDir)
	cmd := exec.Command("node", "--test", "test/")
	cmd.Dir = nodeDir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("node --test in %s: %v\n%s", nodeDir, err, out)
	}
}

// With its layers switched off the hardened Node service reproduces the original duplicate
// (call 688 stored with call 687's booking); with them on, call 688 is stopped at its claim
// by the slot-exclusion constraint, before Cal.com is asked, and nothing is violated.
func TestNodeServiceCall687688(t *testing.T) {
	for _, tc := range []struct {
		layers string
		want   core.Layers
	}{{"none", 0}, {"all", core.All()}} {
		t.Run(tc.layers, func(t *testing.T) {
			tgt, fake, _ := openNode(t, "", map[string]string{"APP_LAYERS": tc.layers}, incidentEventType())
			r := call687688(t, tgt, fake)
			if tc.want == 0 {
				wantSequence(t, 0, r)
				return
			}
			if r.first.Kind != core.Booked || r.second.Kind != core.SlotTaken || r.second.Layer != core.LayerSlotExclusion ||
				r.live != 1 || len(r.report.Violations) != 0 {
				t.Fatalf("call 687 %+v, call 688 %+v, %d live, violations %v; want booked, then slot_taken by slot_exclusion, 1 live, none",
					r.first, r.second, r.live, r.report.Violations)
			}
			if n := len(fake.Fake.Bookings()); n != 1 {
				t.Fatalf("%d bookings in Cal.com, want 1: call 688 must not reach Cal.com", n)
			}
		})
	}
}

// The webhook receiver: a delivery without the subscription's signature changes nothing
// (401); the host's cancel in Cal.com, delivered twice, cancels the row once and the second
// delivery is answered as a duplicate — unless the receiver keeps no memory of deliveries
// (APP_DEFECT=no_webhook_dedup), which handles it again. Handling a cancel twice changes no
// row (every action is decided on the booking as Cal.com shows it, and only live rows are
// touched), so the harness's invariants cannot tell the defect apart; the receiver's answers
// do.
func TestNodeServiceWebhookReceiver(t *testing.T) {
	for _, tc := range []struct {
		defect, second string
	}{{"", "duplicate"}, {"no_webhook_dedup", "accepted"}} {
		t.Run(cmp.Or(tc.defect, "hardened"), func(t *testing.T) {
			ctx := context.Background()
			et := fakecalcom.EventType{ID: 1001, Kind: fakecalcom.Standard, LengthMinutes: 30, HostID: 2}
			tgt, fake, _ := openNode(t, tc.defect, map[string]string{webhookSecretEnv: webhookSecret}, et)
			subscribe(t, fake, tgt.BaseURL()+nodeReceiver)
			const call = "call_wh0000000000000000000000001"
			o, err := tgt.Book(ctx, blackbox.BookRequest{CallID: call, EventTypeID: int64(et.ID), Start: fake.Fake.Now().Add(72 * time.Hour).Truncate(time.Hour).UTC(),
				Attendee: core.Attendee{Name: "Anna Arndt", Email: "anna@example.org", TimeZone: "Europe/Berlin"}})
			if err != nil || o.Kind != core.Booked {
				t.Fatalf("book: %+v, %v", o, err)
			}

			refuseForged(t, tgt.BaseURL()+nodeReceiver, o.BookingUID)
			if live := liveRows(t, tgt); live != 1 {
				t.Fatalf("%d live rows after forged cancels, want 1", live)
			}

			if err := fake.Fake.AddFault(fakecalcom.Rule{Name: "duplicate", Method: fakecalcom.MethodWebhook, CallID: call, Times: 1,
				Action: fakecalcom.Action{Kind: fakecalcom.ActionDuplicate}}); err != nil {
				t.Fatal(err)
			}
			gets := countGets(fake, o.BookingUID)
			if _, err := fake.Fake.HostCancel(ctx, o.BookingUID, "the host is ill"); err != nil {
				t.Fatal(err)
			}
			if answers := delivered(t, fake, fakecalcom.TriggerBookingCancelled); len(answers) != 2 || answers[0] != http.StatusOK || answers[1] != http.StatusOK {
				t.Fatalf("BOOKING_CANCELLED answered %v, want two deliveries answered 200", answers)
			}
			if live := liveRows(t, tgt); live != 0 {
				t.Fatalf("%d live rows after the host's cancel, want 0", live)
			}
			if n := countGets(fake, o.BookingUID) - gets; n != 1 {
				t.Errorf("the two deliveries read the booking %d times from Cal.com, want 1 (the first cancels the row)", n)
			}
			if err := tgt.Stop(); err != nil { // the service's output is complete once it stopped
				t.Fatal(err)
			}
			results := webhookResults(tgt.Log(), "BOOKING_CANCELLED")
			if len(results) != 2 || results[0] != `"result":"accepted"` || results[1] != `"result":"`+tc.second+`"` {
				t.Fatalf("the receiver answered the cancel deliveries %v, want accepted then %s\n%s", results, tc.second, tgt.Log())
			}
		})
	}
}

// The sweeper settles a claim its attempt left pending: the create's connection is cut
// after Cal.com booked and the lookup fails, so the attempt answers unknown; a later sweep
// pass finds the booking by the call's id and makes the claim its live appointment. With
// APP_DEFECT=no_sweep the passes run and resolve nothing. (A sweep at start-up, after a
// crash, needs the harness to restart the service.)
func TestNodeServiceSweeper(t *testing.T) {
	for _, tc := range []struct {
		defect string
		live   int
	}{{"", 1}, {"no_sweep", 0}} {
		t.Run(cmp.Or(tc.defect, "hardened"), func(t *testing.T) {
			ctx := context.Background()
			et := fakecalcom.EventType{ID: 1001, Kind: fakecalcom.Standard, LengthMinutes: 30, HostID: 2}
			tgt, fake, _ := openNode(t, tc.defect, map[string]string{"SWEEP_INTERVAL_MS": "50"}, et)
			const call, email = "call_sw0000000000000000000000001", "greta@example.org"
			for _, r := range []fakecalcom.Rule{
				{Name: "cut", Method: http.MethodPost, Path: "/v2/bookings", CallID: call, Times: 1, Action: fakecalcom.Action{Kind: fakecalcom.ActionResetAfterCommit}},
				{Name: "lookup", Method: http.MethodGet, Path: "/v2/bookings", Query: map[string]string{"attendeeEmail": email}, Times: 1,
					Action: fakecalcom.Action{Kind: fakecalcom.ActionStatus, Status: http.StatusServiceUnavailable}},
			} {
				if err := fake.Fake.AddFault(r); err != nil {
					t.Fatal(err)
				}
			}
			o, err := tgt.Book(ctx, blackbox.BookRequest{CallID: call, EventTypeID: int64(et.ID), Start: fake.Fake.Now().Add(72 * time.Hour).Truncate(time.Hour).UTC(),
				Attendee: core.Attendee{Name: "Greta Graf", Email: email, TimeZone: "Europe/Berlin"}})
			if o.Kind != core.Unknown { // err repeats the unknown's reason
				t.Fatalf("book: %+v, %v; want unknown (the answer was cut and the lookup failed)", o, err)
			}
			mark := tgt.LogMark()
			// Two passes that began after the answer (the first one logged may have begun
			// before it): the first of them resolves the claim.
			gomega.NewWithT(t).Eventually(func() int { return strings.Count(tgt.LogSince(mark), `"msg":"sweep pass"`) }).
				WithTimeout(20*time.Second).WithPolling(10*time.Millisecond).Should(gomega.BeNumerically(">=", 3), "sweep passes logged")
			if live := liveRows(t, tgt); live != tc.live {
				t.Fatalf("%d live rows after the sweeps, want %d\n%s", live, tc.live, tgt.LogSince(mark))
			}
		})
	}
}

// liveRows counts the service's live appointments.
func liveRows(t *testing.T, tgt *blackbox.Target) int {
	t.Helper()
	apps, err := tgt.Appointments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, a := range apps {
		if a.Live {
			n++
		}
	}
	return n
}

// countGets counts the fake's GET /v2/bookings/{uid} requests for uid.
func countGets(fake *fakecalcom.Server, uid string) int {
	n := 0
	for _, e := range fake.Fake.Journal() {
		if e.Method == http.MethodGet && e.Path == "/v2/bookings/"+uid {
			n++
		}
	}
	return n
}

// webhookResults lists the "result" of each webhook the service logged after a delivery of
// trigger was verified, in order.
func webhookResults(log, trigger string) []string {
	var out []string
	for _, line := range strings.Split(log, "\n") {
		if !strings.Contains(line, `"msg":"webhook"`) || !strings.Contains(line, `"trigger":"`+trigger+`"`) {
			continue
		}
		i := strings.Index(line, `"result":"`)
		j := strings.Index(line[i+len(`"result":"`):], `"`)
		out = append(out, line[i:i+len(`"result":"`)+j+1])
	}
	return out
}
