package core

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// The Call 687/688 incident: call 687 books at 09:05:21 (Cal.com clock); 35 minutes later
// call 688 asks for the same slot with the same attendee email and Cal.com (round-robin)
// returns 687's booking 8Fxv4pCqnb1Jva1w9wn5wX with 201.
func replay687688(t *testing.T, f *fixture) (first, second Outcome) {
	t.Helper()
	f.calClock.Set(created687)
	first = f.book(t, call687)
	f.calClock.Set(created687.Add(35 * time.Minute))
	second = f.book(t, call688)
	return first, second
}

func TestCall687688(t *testing.T) {
	cases := []struct {
		name      string
		policy    Policy
		layers    Layers
		kind      OutcomeKind
		layer     Layer
		verdicts  string
		liveRows  int
		sameUIDs  int
		lieToCall bool
	}{
		// The shipped fix: layer 1 stops it, and reports "slot taken".
		{"seed all", PolicySeed, All(), SlotTaken, LayerFreshness, "freshness=reject", 1, 1, false},
		// The original bug: no layers, a second appointment with the same booking uid.
		{"seed none", PolicySeed, 0, Booked, "", "", 2, 2, false},
		{"seed call_id only", PolicySeed, NewLayers(LayerCallID), SlotTaken, LayerCallID, "call_id=reject", 1, 1, false},
		// Layer 3 alone: 688 is told "booked" and pointed at 687's appointment.
		{"seed db_check only", PolicySeed, NewLayers(LayerDBCheck), Booked, LayerDBCheck, "db_check=reject", 1, 1, true},
		// Layer 4 alone: the duplicate insert fails and the caller gets an error.
		{"seed unique only", PolicySeed, NewLayers(LayerUnique), Error, LayerUnique, "unique=reject", 1, 1, false},
		// The claim stops call 688 before Cal.com: 687's live row holds the host's slot.
		{"hardened all", PolicyHardened, All(), SlotTaken, LayerSlotExclusion, "slot_exclusion=reject", 1, 1, false},
		// Without the exclusion call 688 reaches Cal.com and call_id decides ownership first.
		{"hardened all but slot_exclusion", PolicyHardened, All().Without(LayerSlotExclusion), SlotTaken, LayerCallID, "call_id=reject", 1, 1, false},
		{"hardened freshness only", PolicyHardened, NewLayers(LayerFreshness), SlotTaken, LayerFreshness, "freshness=reject", 1, 1, false},
		{"hardened db_check only", PolicyHardened, NewLayers(LayerDBCheck), SlotTaken, LayerDBCheck, "db_check=reject", 1, 1, false},
		{"hardened unique only", PolicyHardened, NewLayers(LayerUnique), SlotTaken, LayerUnique, "unique=reject", 1, 1, false},
		{"hardened none", PolicyHardened, 0, Booked, "", "", 2, 2, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.policy, tc.layers, 0)
			first, second := replay687688(t, f)
			if first.Kind != Booked || first.BookingUID != uid687 || first.BookingID != 11683112 {
				t.Fatalf("call 687: %+v", first)
			}
			mustOutcome(t, second, tc.kind, tc.layer)
			if got := verdicts(second.Decisions); got != tc.verdicts {
				t.Errorf("call 688 decisions = %q, want %q", got, tc.verdicts)
			}
			live := f.live(t)
			same := 0
			for _, a := range live {
				if a.BookingUID == uid687 {
					same++
				}
			}
			if len(live) != tc.liveRows || same != tc.sameUIDs {
				t.Errorf("live rows = %d (%d with %s), want %d (%d)", len(live), same, uid687, tc.liveRows, tc.sameUIDs)
			}
			if tc.lieToCall && (second.AppointmentID != first.AppointmentID) {
				t.Errorf("seed layer 3 should point 688 at 687's appointment %d, got %d", first.AppointmentID, second.AppointmentID)
			}
			if f.cal.accepted() != 1 {
				t.Errorf("Cal.com holds %d accepted bookings, want 1", f.cal.accepted())
			}
		})
	}
}

func TestCall688LogsTheSeedMessages(t *testing.T) {
	f := newFixture(t, PolicySeed, All(), 0)
	replay687688(t, f)
	logs := f.logs.String()
	for _, want := range []string{
		`"level":"ERROR","msg":"DUPLICATE BOOKING PREVENTION: Stale booking detected"`,
		`"booking_id":"8Fxv4pCqnb1Jva1w9wn5wX"`, `"created_at":"2025-10-06T09:05:21.002Z"`,
		`"age_seconds":2100`, `"freshness_threshold_seconds":30`,
		`"reason":"Cal.com returned existing booking instead of creating new one"`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s\n%s", want, logs)
		}
	}
	if strings.Contains(logs, testAPIKey) {
		t.Error("API key logged")
	}
	for _, want := range []string{
		`"msg":"DUPLICATE BOOKING PREVENTION: Call ID mismatch"`, `"expected_call_id":"` + call688 + `"`, `"received_call_id":"` + call687 + `"`,
	} {
		g := newFixture(t, PolicySeed, NewLayers(LayerCallID), 0)
		replay687688(t, g)
		if !strings.Contains(g.logs.String(), want) {
			t.Errorf("call_id logs lack %s", want)
		}
	}
	g := newFixture(t, PolicySeed, NewLayers(LayerDBCheck), 0)
	first, _ := replay687688(t, g)
	for _, want := range []string{`"msg":"DUPLICATE BOOKING PREVENTION: Appointment already exists"`, `"calcom_booking_id":"8Fxv4pCqnb1Jva1w9wn5wX"`,
		`"existing_appointment_id":` + itoa(first.AppointmentID)} {
		if !strings.Contains(g.logs.String(), want) {
			t.Errorf("db_check logs lack %s", want)
		}
	}
}

func TestMetricsAndObserverSeeEveryDecision(t *testing.T) {
	f := newFixture(t, PolicySeed, All(), 0)
	replay687688(t, f)
	// Call 687: freshness, call_id, db_check, unique accept; call 688: freshness reject.
	want := map[[2]string]float64{
		{"freshness", "accept"}: 1, {"call_id", "accept"}: 1, {"db_check", "accept"}: 1,
		{"unique", "accept"}: 1, {"freshness", "reject"}: 1,
	}
	mfs, err := f.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[[2]string]float64{}
	var latencyCount uint64
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			switch mf.GetName() {
			case "bookingharness_layer_decisions_total":
				got[[2]string{labels["layer"], labels["decision"]}] = m.GetCounter().GetValue()
			case "bookingharness_book_duration_seconds":
				latencyCount += m.GetHistogram().GetSampleCount()
			}
		}
	}
	if len(got) != len(want) {
		t.Errorf("counters = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("counter %v = %v, want %v", k, got[k], v)
		}
	}
	if latencyCount != 2 {
		t.Errorf("latency samples = %d, want 2", latencyCount)
	}
	if len(f.obs.ds) != 5 || f.obs.ds[4].Layer != LayerFreshness || f.obs.ds[4].Verdict != Reject {
		t.Errorf("observer saw %s", verdicts(f.obs.ds))
	}
	// A second service on the same registry reuses the collectors.
	if _, err := NewService(Config{Calcom: f.cal.client(t), Store: f.st, Registerer: f.reg}); err != nil {
		t.Errorf("second service on one registry: %v", err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
