package fault

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/pgproxy"
)

// sample is a parameter f takes (the zero Value for a fault without one).
func sample(f Fault) Value {
	switch {
	case f.Shape == ShapeStatus && f.Word == "":
		return Value{Status: 503}
	case f.Shape == ShapeDuration:
		return Value{Duration: 1500 * time.Millisecond}
	}
	return Value{}
}

// The catalogue is one list without contradictions: names, CLI kinds and YAML forms name
// one fault each within a family, a key has one shape and at most one parameterised fault,
// and every fault says what it does.
func TestCatalogueIsConsistent(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range All() {
		for what, key := range map[string]string{"name": f.Name, "form": f.Key + ": " + f.Word, "cli": f.CLI} {
			id := string(f.Family) + " " + what + " " + key
			if what == "cli" && f.CLI == "" {
				continue
			}
			if what == "form" && f.Word == "" && f.Shape == ShapeStatus {
				id += " (parameter)"
			}
			if seen[id] {
				t.Errorf("%s: two faults with %s", f.ID(), id)
			}
			seen[id] = true
		}
		ks, ok := ShapeOf(f.Family, f.Key)
		if !ok || ks.Shape != f.Shape {
			t.Errorf("%s: key %s has shape %v, the fault %v", f.ID(), f.Key, ks.Shape, f.Shape)
		}
		if f.Does == "" || f.Family.StepKey() == "" {
			t.Errorf("%s: says nothing about itself", f.ID())
		}
		if f.Shape.word() && f.Word == "" {
			t.Errorf("%s: a %s-shaped fault must own a word", f.ID(), f.Shape)
		}
		if (f.CLI == "") != (f.Family.Flag() == "") && f.Family != Crash {
			t.Errorf("%s: no CLI form although %s exists", f.ID(), f.Family.Flag())
		}
	}
}

// Every fault becomes an action its injector accepts, and the action reads back as the
// same fault with the same parameter: the mapping both ways, for every entry.
func TestEveryFaultMapsOntoARuleAndBack(t *testing.T) {
	for _, f := range All() {
		v := sample(f)
		switch f.Family {
		case Calcom, Webhook:
			rule := fakecalcom.Rule{Name: f.ID(), Method: http.MethodPost, Action: f.FakeAction(v)}
			if f.Family == Webhook {
				rule.Method = fakecalcom.MethodWebhook
			}
			if err := rule.Validate(); err != nil {
				t.Errorf("%s: the fake refuses its rule: %v", f.ID(), err)
			}
			g, w, err := FromFakeAction(f.Family, rule.Action)
			if err != nil || g.Name != f.Name || w != v {
				t.Errorf("%s: %+v reads back as %s %+v, %v", f.ID(), rule.Action, g.ID(), w, err)
			}
		case DB:
			rule := pgproxy.Rule{Name: f.ID(), Action: f.ProxyAction(v)}
			if err := rule.Validate(); err != nil {
				t.Errorf("%s: the proxy refuses its rule: %v", f.ID(), err)
			}
			g, w, err := FromProxyAction(rule.Action)
			if err != nil || g.Name != f.Name || w != v {
				t.Errorf("%s: %+v reads back as %s %+v, %v", f.ID(), rule.Action, g.ID(), w, err)
			}
		}
	}
}

// Actions no catalogue fault takes are refused, naming the action: writing a near miss
// would replay something else.
func TestActionsWithoutAForm(t *testing.T) {
	cases := []struct {
		fam  Family
		a    fakecalcom.Action
		want string
	}{
		{Calcom, fakecalcom.Action{Kind: fakecalcom.ActionStatus, Status: 429}, "status 429"},
		{Calcom, fakecalcom.Action{Kind: fakecalcom.ActionDelay, Delay: fakecalcom.Duration(time.Second), AfterCommit: true}, "delay 1s after commit"},
		{Calcom, fakecalcom.Action{Kind: fakecalcom.ActionDropField, Field: "uid"}, "drop_field uid"},
		{Calcom, fakecalcom.Action{Kind: fakecalcom.ActionStatus, Status: 302}, "status 302"},
		{Calcom, fakecalcom.Action{Kind: fakecalcom.ActionDrop}, "drop"},
		{Webhook, fakecalcom.Action{Kind: fakecalcom.ActionMalformed}, "malformed"},
	}
	for _, c := range cases {
		if f, _, err := FromFakeAction(c.fam, c.a); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %+v: %s, %v; want an error naming %q", c.fam, c.a, f.ID(), err, c.want)
		}
	}
	if f, _, err := FromProxyAction(pgproxy.Action{Kind: pgproxy.ActionLatency}); err == nil {
		t.Errorf("a latency without a delay reads as %s", f.ID())
	}
}

// A status another fault owns is that fault's: {status: 429} is Cal.com's rate limit, with
// its headers, whichever way it is reached.
func TestOwnedStatus(t *testing.T) {
	f, v, err := CalcomFault{Kind: KeyStatus, Status: 429}.Fault()
	if err != nil || f.Name != "status_429" || f.FakeAction(v).Kind != fakecalcom.ActionRateLimit {
		t.Fatalf("{status: 429} is %s %+v, %v", f.ID(), v, err)
	}
	if got := f.Calcom(v, ""); got != (CalcomFault{Kind: KeyStatus, Status: 429}) {
		t.Errorf("status_429 writes %+v", got)
	}
	if f, _, err := (CalcomFault{Kind: KeyStatus, Status: 503}).Fault(); err != nil || f.Name != "status" {
		t.Errorf("{status: 503} is %s, %v", f.ID(), err)
	}
}

func TestFormsRefuseWhatNoFaultIs(t *testing.T) {
	cases := []struct {
		name string
		err  func() error
		want string
	}{
		{"unknown key", func() error { _, _, err := CalcomFault{Kind: "explode"}.Fault(); return err }, `unknown fault key "explode"`},
		{"unknown word", func() error { _, _, err := CalcomFault{Kind: KeyReset, Phase: "sometime"}.Fault(); return err }, "not one of before_commit, after_commit"},
		{"status range", func() error { _, _, err := CalcomFault{Kind: KeyStatus, Status: 200}.Fault(); return err }, "HTTP status 200 is not an error status"},
		{"zero delay", func() error { _, _, err := CalcomFault{Kind: KeyDelay}.Fault(); return err }, "greater than 0"},
		{"endpoint", func() error {
			_, _, err := CalcomFault{On: OnLookup, Kind: KeyForceReplay}.Fault()
			return err
		}, "only a create can be answered with a replay"},
		{"webhook combo", func() error {
			_, _, err := WebhookFault{Mode: KeyDuplicate, Delay: time.Second}.Fault()
			return err
		}, "combines 2 actions"},
		{"webhook nothing", func() error { _, _, err := WebhookFault{}.Fault(); return err }, "nothing to do"},
		{"subscriber 3xx", func() error { _, _, err := WebhookFault{SubscriberStatus: 302}.Fault(); return err }, "not a failing subscriber answer"},
		{"db word", func() error { _, _, err := DBFault{Kind: KeyReset, Phase: "later"}.Fault(); return err }, "not one of"},
		{"crash point", func() error { _, err := CrashAt("mid_air"); return err }, "not one of after_calcom, before_settle"},
	}
	for _, c := range cases {
		if err := c.err(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

// An incident step's fault becomes a rule on the endpoint it names, once, scoped to the
// call where the request carries it (the create's call id; the lookup: every GET that could
// find the call's booking, fakecalcom.Finds).
func TestCalcomRuleScopesTheEndpoint(t *testing.T) {
	call := Call{ID: "call_1", Email: "a@example.org", EventTypeID: 7, Start: time.Date(2025, 10, 9, 10, 0, 0, 0, time.UTC)}
	for on, want := range map[string]string{
		"": "POST /v2/bookings", "create": "POST /v2/bookings", "lookup": "GET ", "get": "GET /v2/bookings/*",
		"cancel": "POST /v2/bookings/*/cancel", "reschedule": "POST /v2/bookings/*/reschedule", "confirm": "POST /v2/bookings/*/confirm",
		"decline": "POST /v2/bookings/*/decline", "reservation": "POST /v2/slots/reservations",
	} {
		r, err := CalcomRule("x", call, CalcomFault{On: on, Kind: KeyStatus, Status: 500})
		if err != nil || r.Method+" "+r.Path != want || r.Times != 1 {
			t.Errorf("on %q: %s %s (times %d), %v; want %s", on, r.Method, r.Path, r.Times, err, want)
		}
		finds := r.Finds != nil && *r.Finds == (fakecalcom.Finds{AttendeeEmail: call.Email, EventTypeID: 7, Start: call.Start})
		if (r.CallID != "") != (on == "" || on == "create") || finds != (on == "lookup") {
			t.Errorf("on %q: scoped by call %q, finds %+v", on, r.CallID, r.Finds)
		}
	}
	if _, err := CalcomRule("x", call, CalcomFault{On: "webhook", Kind: KeyMalformed}); err == nil {
		t.Error("an unknown endpoint was accepted")
	}
	if _, err := CalcomRule("x", call, CalcomFault{Kind: "explode"}); err == nil {
		t.Error("an unknown fault kind was accepted")
	}
}

// Availability: what a fault needs decides where it goes, and the reason names the need.
func TestBlocker(t *testing.T) {
	service := System{Name: "svc", BlackBox: true, TimeMode: "age"}
	cases := []struct {
		fam  Family
		name string
		sys  System
		want string
	}{
		{Calcom, "reset_after_commit", service, ""},
		{Calcom, "delay", service, ""},
		{Webhook, "drop", service, "needs a webhook receiver"},
		{Webhook, "drop", System{BlackBox: true, Offered: []Need{NeedWebhookReceiver}}, ""},
		{DB, "latency", service, "needs the database proxy"},
		{Crash, AfterCalcom, service, "needs a restart"},
		{Crash, AfterCalcom, InProcess(), ""},
		{DB, "refuse", InProcess(), ""},
	}
	for _, c := range cases {
		f, ok := Find(c.fam, c.name)
		if !ok {
			t.Fatalf("no %s/%s", c.fam, c.name)
		}
		if got := f.Blocker(c.sys); (got == "") != (c.want == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s in %+v: %q, want %q", f.ID(), c.sys, got, c.want)
		}
	}
	f, _ := Find(Calcom, "status")
	f.Where.Modes = []string{"header"}
	if got := f.Blocker(service); !strings.Contains(got, "only with time: header") {
		t.Errorf("a header-only fault under time: age: %q", got)
	}
}
