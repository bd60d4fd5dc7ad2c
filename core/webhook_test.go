package core_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/fakecalcom"
)

var deliveries = []fakecalcom.Delivery{fakecalcom.DeliverySync, fakecalcom.DeliveryAsync}

func mustBooked(t *testing.T, o core.Outcome) {
	t.Helper()
	if o.Kind != core.Booked {
		t.Fatalf("outcome %s (%s), want booked", o.Kind, o.Reason)
	}
}

func hostCancel(t *testing.T, e *hookEnv, uid string) {
	t.Helper()
	if _, err := e.fake.Fake.HostCancel(context.Background(), uid, "host is ill"); err != nil {
		t.Fatal(err)
	}
	e.flush()
}

// A delivery must carry the HMAC of its raw body under the handler's secret. Everything else —
// no signature, another secret, a body changed after signing, the no-secret literal — is
// answered 401 and changes nothing; the genuine delivery then cancels the row.
func TestWebhookSignature(t *testing.T) {
	e := newHookEnv(t, core.PolicyHardened, fakecalcom.DeliverySync)
	first := e.book("c1", rrEventType, hookAttendee)
	mustBooked(t, first)
	e.fake.Fake.ClearSubscribers() // the handler must not hear the genuine cancel by itself
	if err := e.fake.Fake.AddSubscriber(fakecalcom.Subscriber{URL: e.cap.srv.URL}); err != nil {
		t.Fatal(err)
	}
	hostCancel(t, e, first.BookingUID)
	body := e.cap.last(t, calcom.TriggerBookingCancelled)
	tampered := []byte(strings.Replace(string(body), `"CANCELLED"`, `"CANCELED"`, 1))
	for _, c := range []struct {
		name   string
		body   []byte
		sig    string
		status int
	}{
		{"missing", body, "", http.StatusUnauthorized},
		{"another secret", body, fakecalcom.WebhookSignature("not-the-secret", body), http.StatusUnauthorized},
		{"body changed after signing", tampered, fakecalcom.WebhookSignature(hookSecret, body), http.StatusUnauthorized},
		{"the no-secret literal", body, fakecalcom.NoSecretSignature, http.StatusUnauthorized},
		{"genuine", body, fakecalcom.WebhookSignature(hookSecret, body), http.StatusOK},
	} {
		res := e.post(c.body, c.sig)
		if res.StatusCode != c.status {
			t.Fatalf("%s: status %d, want %d", c.name, res.StatusCode, c.status)
		}
		if live := len(e.live()); (c.status == http.StatusOK) != (live == 0) {
			t.Fatalf("%s: %d live rows after status %d", c.name, live, c.status)
		}
	}
	if got := e.counted("none", core.WebhookRejected); got != 4 {
		t.Errorf("rejected deliveries counted %v, want 4", got)
	}
	if got := e.counted(string(calcom.TriggerBookingCancelled), core.WebhookAccepted); got != 1 {
		t.Errorf("accepted cancels counted %v, want 1", got)
	}
	for _, d := range e.log.all()[1:5] {
		if d.Result != core.WebhookRejected || d.Trigger != "" || d.Status != http.StatusUnauthorized {
			t.Errorf("a rejected delivery reported as %+v", d)
		}
	}
}

// A handler configured without a secret accepts exactly Cal.com's literal, and refuses an
// HMAC (it cannot check one).
func TestWebhookWithoutSecret(t *testing.T) {
	e := newHookEnv(t, core.PolicyHardened, fakecalcom.DeliverySync)
	h, err := core.NewWebhookHandler(e.svc, core.WebhookConfig{})
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"triggerEvent":"MEETING_ENDED","createdAt":"2025-10-06T09:04:27.000Z","payload":{}}`)
	for _, c := range []struct {
		sig    string
		status int
	}{
		{fakecalcom.NoSecretSignature, http.StatusOK},
		{fakecalcom.WebhookSignature(hookSecret, body), http.StatusUnauthorized},
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(string(body)))
		req.Header.Set(core.SignatureHeader, c.sig)
		h.ServeHTTP(rec, req)
		if rec.Code != c.status {
			t.Errorf("signature %q: status %d, want %d", c.sig, rec.Code, c.status)
		}
	}
	if _, err := core.NewWebhookHandler(nil, core.WebhookConfig{}); err == nil {
		t.Error("a handler without a Service was built")
	}
	if _, err := core.NewWebhookHandler(e.svc, core.WebhookConfig{Remember: -1}); err == nil {
		t.Error("a negative memory was accepted")
	}
}

// Bad input is refused with a clear status and changes nothing; a trigger that is no booking
// change is answered 200 and ignored (counted under "other", never under its own name).
func TestWebhookBadInput(t *testing.T) {
	e := newHookEnv(t, core.PolicyHardened, fakecalcom.DeliverySync)
	mustBooked(t, e.book("c1", rrEventType, hookAttendee))
	small, err := core.NewWebhookHandler(e.svc, core.WebhookConfig{Secret: hookSecret, MaxBody: 64})
	if err != nil {
		t.Fatal(err)
	}
	cancelNoUID := `{"triggerEvent":"BOOKING_CANCELLED","payload":{"startTime":"2025-10-10T06:00:00Z","endTime":"2025-10-10T06:45:00Z"}}`
	for _, c := range []struct {
		name, method, body string
		h                  http.Handler
		status             int
		result             core.WebhookResult
		reason             string
	}{
		{"GET", http.MethodGet, "", e.hook, http.StatusMethodNotAllowed, core.WebhookRejected, "POST"},
		{"not JSON", http.MethodPost, "trigger=BOOKING_CANCELLED", e.hook, http.StatusBadRequest, core.WebhookRejected, "JSON object"},
		{"an array", http.MethodPost, `[{"triggerEvent":"BOOKING_CANCELLED"}]`, e.hook, http.StatusBadRequest, core.WebhookRejected, "got array"},
		{"no trigger", http.MethodPost, `{"payload":{}}`, e.hook, http.StatusBadRequest, core.WebhookRejected, "triggerEvent"},
		{"a payload without uid", http.MethodPost, cancelNoUID, e.hook, http.StatusBadRequest, core.WebhookRejected, `"uid"`},
		{"a payload that is a string", http.MethodPost, `{"triggerEvent":"BOOKING_CREATED","payload":"x"}`, e.hook, http.StatusBadRequest, core.WebhookRejected, "payload"},
		{"too large", http.MethodPost, `{"triggerEvent":"BOOKING_CANCELLED","payload":{"uid":"` + strings.Repeat("x", 64) + `"}}`, small, http.StatusRequestEntityTooLarge, core.WebhookRejected, "larger than 64"},
		{"another trigger", http.MethodPost, `{"triggerEvent":"BOOKING_PAID","payload":{"uid":"x"}}`, e.hook, http.StatusOK, core.WebhookIgnored, "BOOKING_PAID"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := len(e.log.all())
			req := httptest.NewRequest(c.method, "/", strings.NewReader(c.body))
			req.Header.Set(core.SignatureHeader, fakecalcom.WebhookSignature(hookSecret, []byte(c.body)))
			rec := httptest.NewRecorder()
			c.h.ServeHTTP(rec, req)
			if rec.Code != c.status || !strings.Contains(rec.Body.String(), string(c.result)) {
				t.Fatalf("status %d body %s, want %d %s", rec.Code, rec.Body, c.status, c.result)
			}
			ds := e.log.all()
			if len(ds) != before+1 || ds[before].Result != c.result || !strings.Contains(ds[before].Reason, c.reason) {
				t.Fatalf("reported %+v, want %s with %q in the reason", ds[before:], c.result, c.reason)
			}
			if len(e.live()) != 1 {
				t.Fatal("bad input changed the appointments")
			}
		})
	}
	if e.counted("other", core.WebhookIgnored) != 1 || e.counted("BOOKING_PAID", core.WebhookIgnored) != 0 {
		t.Error("an unknown trigger must be counted as other")
	}
}

// A duplicated delivery is handled once: the second is answered "duplicate" and runs nothing
// (no Cal.com lookup), in both delivery modes; so is the same body posted again later.
func TestWebhookDuplicate(t *testing.T) {
	for _, mode := range deliveries {
		t.Run(string(mode), func(t *testing.T) {
			e := newHookEnv(t, core.PolicyHardened, mode)
			first := e.book("c1", rrEventType, hookAttendee)
			mustBooked(t, first)
			e.fault(fakecalcom.Rule{Method: fakecalcom.MethodWebhook, Path: string(calcom.TriggerBookingCancelled), Action: fakecalcom.Action{Kind: fakecalcom.ActionDuplicate}})
			hostCancel(t, e, first.BookingUID)
			want := []string{"BOOKING_CREATED:accepted", "BOOKING_CANCELLED:accepted", "BOOKING_CANCELLED:duplicate"}
			if got := e.log.results(); !slices.Equal(got, want) {
				t.Fatalf("deliveries %v, want %v", got, want)
			}
			if rows := e.rows(); len(rows) != 1 || rows[0].Status != store.StatusCancelled {
				t.Fatalf("rows %+v, want the one appointment cancelled", rows)
			}
			gets := e.gets()
			body := e.cap.last(t, calcom.TriggerBookingCancelled)
			if res := e.post(body, fakecalcom.WebhookSignature(hookSecret, body)); res.StatusCode != http.StatusOK {
				t.Fatalf("redelivery status %d", res.StatusCode)
			}
			if got := e.log.all(); got[len(got)-1].Result != core.WebhookDuplicate || e.gets() != gets {
				t.Errorf("a redelivery was handled again: %+v, %d lookups more", got[len(got)-1], e.gets()-gets)
			}
		})
	}
}

// A BOOKING_CANCELLED that overtakes its BOOKING_CREATED (reorder fault) cancels the row, and
// the late BOOKING_CREATED resurrects nothing.
func TestWebhookCancelledBeforeCreated(t *testing.T) {
	for _, mode := range deliveries {
		t.Run(string(mode), func(t *testing.T) {
			e := newHookEnv(t, core.PolicyHardened, mode)
			e.fault(fakecalcom.Rule{Method: fakecalcom.MethodWebhook, Path: string(calcom.TriggerBookingCreated), Action: fakecalcom.Action{Kind: fakecalcom.ActionReorder}})
			first, _ := e.svc.Book(context.Background(), e.request("c1", rrEventType, hookAttendee))
			mustBooked(t, first)
			if err := e.fake.Fake.WaitWebhooks(context.Background()); err != nil {
				t.Fatal(err)
			}
			if len(e.log.all()) != 0 {
				t.Fatalf("the reordered CREATED arrived before the next delivery: %v", e.log.results())
			}
			hostCancel(t, e, first.BookingUID)
			want := []string{"BOOKING_CANCELLED:accepted", "BOOKING_CREATED:ignored"}
			if got := e.log.results(); !slices.Equal(got, want) {
				t.Fatalf("deliveries %v, want %v", got, want)
			}
			if late := e.log.all()[1]; !strings.Contains(late.Reason, "already ended") {
				t.Errorf("the late CREATED was ignored for another reason: %s", late.Reason)
			}
			if len(e.live()) != 0 {
				t.Fatal("the late BOOKING_CREATED resurrected the appointment")
			}
		})
	}
}

// The booking of an attempt whose answer was lost is cancelled by the host before its
// (delayed) BOOKING_CREATED arrives: the tombstone keeps the claim from being settled with a
// cancelled booking, without even asking Cal.com.
func TestWebhookTombstoneBeforeRecovery(t *testing.T) {
	e := newHookEnv(t, core.PolicyHardened, fakecalcom.DeliveryAsync)
	loseAnswer(e, "c1")
	e.fault(fakecalcom.Rule{Method: fakecalcom.MethodWebhook, Path: string(calcom.TriggerBookingCreated), Action: fakecalcom.Action{Kind: fakecalcom.ActionDelay, Delay: fakecalcom.Duration(time.Minute)}})
	o := e.book("c1", rrEventType, hookAttendee)
	if o.Kind != core.Unknown {
		t.Fatalf("outcome %s (%s), want unknown: the answer and the lookup are lost", o.Kind, o.Reason)
	}
	uid := onlyBooking(t, e)
	hostCancel(t, e, uid)
	gets := e.gets()
	e.clk.Advance(time.Minute)
	e.flush()
	want := []string{"BOOKING_CANCELLED:accepted", "BOOKING_CREATED:ignored"}
	if got := e.log.results(); !slices.Equal(got, want) {
		t.Fatalf("deliveries %v, want %v", got, want)
	}
	if e.gets() != gets {
		t.Errorf("the stale CREATED asked Cal.com %d times; the tombstone answers it", e.gets()-gets)
	}
	if rows := e.rows(); len(rows) != 1 || !rows[0].Pending() {
		t.Fatalf("rows %+v, want the claim still pending (the sweeper releases it after its lease)", rows)
	}
}

// loseAnswer makes the call's create succeed in Cal.com with its answer cut, and every
// lookup of the call's bookings fail, so only a webhook can tell the core about the booking.
func loseAnswer(e *hookEnv, callID string) {
	e.fault(fakecalcom.Rule{Name: "lost answer", Method: http.MethodPost, Path: "/v2/bookings", CallID: callID, Times: 1,
		Action: fakecalcom.Action{Kind: fakecalcom.ActionResetAfterCommit}})
	e.fault(fakecalcom.Rule{Name: "lookup down", Method: http.MethodGet, Path: "/v2/bookings",
		Action: fakecalcom.Action{Kind: fakecalcom.ActionStatus, Status: http.StatusServiceUnavailable}})
}

// onlyBooking returns the uid of the fake's only booking.
func onlyBooking(t *testing.T, e *hookEnv) string {
	t.Helper()
	bs := e.fake.Fake.Bookings()
	if len(bs) != 1 {
		t.Fatalf("%d bookings in the fake, want 1", len(bs))
	}
	return bs[0].UID
}

// A BOOKING_CREATED for the call of a lost answer settles the call's claim — the second
// recovery path besides the lookup. Sync delivery arrives inside the create, so the attempt in
// flight is handed the uid and settles it itself (booked, recovered); an async delivery after
// the attempt answered unknown settles the claim from the handler. The seed ignores it.
func TestWebhookRecoversLostAnswer(t *testing.T) {
	for _, c := range []struct {
		name    string
		policy  core.Policy
		mode    fakecalcom.Delivery
		told    core.OutcomeKind
		live    int
		handled string
	}{
		{"hardened, sync: handed to the attempt", core.PolicyHardened, fakecalcom.DeliverySync, core.Booked, 1, "handed"},
		{"hardened, async: settled by the handler", core.PolicyHardened, fakecalcom.DeliveryAsync, core.Unknown, 1, "settled"},
		{"seed: ignored", core.PolicySeed, fakecalcom.DeliveryAsync, core.Error, 0, "policy seed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newHookEnv(t, c.policy, c.mode)
			loseAnswer(e, "c1")
			if c.mode == fakecalcom.DeliveryAsync { // deliver after the attempt has answered
				e.fault(fakecalcom.Rule{Method: fakecalcom.MethodWebhook, Action: fakecalcom.Action{Kind: fakecalcom.ActionDelay, Delay: fakecalcom.Duration(time.Minute)}})
			}
			o := e.book("c1", rrEventType, hookAttendee)
			if o.Kind != c.told {
				t.Fatalf("outcome %s (%s), want %s", o.Kind, o.Reason, c.told)
			}
			e.clk.Advance(time.Minute)
			e.flush()
			uid := onlyBooking(t, e)
			live := e.live()
			if len(live) != c.live || (c.live == 1 && (live[0].BookingUID != uid || live[0].RetellCallID != "c1")) {
				t.Fatalf("live rows %+v, want %d carrying %s", live, c.live, uid)
			}
			ds := e.log.all()
			if len(ds) != 1 || ds[0].Trigger != string(calcom.TriggerBookingCreated) || ds[0].CallID != "c1" || !strings.Contains(ds[0].Reason, c.handled) {
				t.Fatalf("deliveries %+v, want one BOOKING_CREATED of c1 %s", ds, c.handled)
			}
			if c.told == core.Booked && !o.Recovered {
				t.Error("the attempt settled the webhook's booking without saying it recovered it")
			}
			if c.handled == "settled" && (ds[0].Recovered == nil || ds[0].Recovered.Action != core.SweepSettled || ds[0].Recovered.BookingUID != uid) {
				t.Errorf("the delivery does not report the settled claim: %+v", ds[0].Recovered)
			}
			if c.live == 1 {
				again, err := e.svc.Book(context.Background(), e.request("c1", rrEventType, hookAttendee))
				if err != nil || again.Kind != core.AlreadyBooked || again.BookingUID != uid {
					t.Errorf("the call's retry: %s %s %v, want already_booked %s", again.Kind, again.BookingUID, err, uid)
				}
			}
		})
	}
}

// The host moves the booking: BOOKING_RESCHEDULED moves the row to the new uid, numeric id and
// slot; a reconcile pass afterwards finds nothing to change.
func TestWebhookReschedule(t *testing.T) {
	for _, mode := range deliveries {
		t.Run(string(mode), func(t *testing.T) {
			e := newHookEnv(t, core.PolicyHardened, mode)
			first := e.book("c1", rrEventType, hookAttendee)
			mustBooked(t, first)
			moved, err := e.fake.Fake.HostReschedule(context.Background(), first.BookingUID, hookSlot.Add(2*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			e.flush()
			live := e.live()
			if len(live) != 1 || live[0].ID != first.AppointmentID || live[0].BookingUID != moved.UID ||
				!live[0].StartsAt.Equal(moved.Start) || live[0].BookingID == nil || *live[0].BookingID != int64(moved.ID) {
				t.Fatalf("live rows %+v, want appointment %d moved to %s at %s", live, first.AppointmentID, moved.UID, moved.Start)
			}
			ds := e.log.all()
			last := ds[len(ds)-1]
			if last.Trigger != string(calcom.TriggerBookingRescheduled) || last.Result != core.WebhookAccepted ||
				len(last.Reconciled) != 1 || last.Reconciled[0].Action != core.ReconcileMoved {
				t.Fatalf("the reschedule was reported as %+v", last)
			}
			if res, err := e.svc.Reconcile(context.Background()); err != nil || res.Changed() {
				t.Errorf("a reconcile pass after the webhook changed %+v (%v)", res, err)
			}
		})
	}
}

// Requires confirmation: the host's confirm (BOOKING_CREATED for a stored booking) changes
// nothing and asks Cal.com nothing; the host's decline (BOOKING_REJECTED) cancels the row.
func TestWebhookConfirmAndDecline(t *testing.T) {
	e := newHookEnv(t, core.PolicyHardened, fakecalcom.DeliverySync)
	confirmed := e.book("c1", rcEventType, "a@example.com")
	mustBooked(t, confirmed)
	req := e.request("c2", rcEventType, "b@example.com")
	req.Start = hookSlot.Add(time.Hour)
	declined, _ := e.svc.Book(context.Background(), req)
	mustBooked(t, declined)
	gets := e.gets()
	if _, err := e.fake.Fake.HostConfirm(context.Background(), confirmed.BookingUID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.fake.Fake.HostDecline(context.Background(), declined.BookingUID, "fully booked"); err != nil {
		t.Fatal(err)
	}
	e.flush()
	want := []string{"BOOKING_REQUESTED:accepted", "BOOKING_REQUESTED:accepted", "BOOKING_CREATED:accepted", "BOOKING_REJECTED:accepted"}
	if got := e.log.results(); !slices.Equal(got, want) {
		t.Fatalf("deliveries %v, want %v", got, want)
	}
	if e.gets() != gets+1 {
		t.Errorf("%d lookups for a confirm and a decline, want 1 (the decline's)", e.gets()-gets)
	}
	live := e.live()
	if len(live) != 1 || live[0].ID != confirmed.AppointmentID {
		t.Fatalf("live rows %+v, want only the confirmed appointment %d", live, confirmed.AppointmentID)
	}
}

// The seed design had no webhook handler: a verified host cancel is answered 200 and ignored,
// and the row stays live on a cancelled booking.
func TestWebhookSeedIgnores(t *testing.T) {
	e := newHookEnv(t, core.PolicySeed, fakecalcom.DeliverySync)
	first := e.book("c1", rrEventType, hookAttendee)
	mustBooked(t, first)
	hostCancel(t, e, first.BookingUID)
	want := []string{"BOOKING_CREATED:ignored", "BOOKING_CANCELLED:ignored"}
	if got := e.log.results(); !slices.Equal(got, want) {
		t.Fatalf("deliveries %v, want %v", got, want)
	}
	if len(e.live()) != 1 {
		t.Fatal("the seed's row changed")
	}
}

// A booking this core did not make (another client's, with no call id or another call's) is
// never stored by the handler.
func TestWebhookIgnoresOthersBookings(t *testing.T) {
	e := newHookEnv(t, core.PolicyHardened, fakecalcom.DeliverySync)
	client, err := calcom.New(calcom.Config{BaseURL: e.fake.URL, HTTPClient: e.fake.Client(), APIKey: "cal_test"})
	if err != nil {
		t.Fatal(err)
	}
	for i, meta := range []map[string]any{nil, {"call_id": "someone_else"}} {
		in := calcom.CreateBookingInput{Start: hookSlot.Add(time.Duration(i) * time.Hour), EventTypeID: rrEventType, Metadata: meta,
			Attendee: calcom.Attendee{Name: "Web", Email: "web@example.com", TimeZone: "Europe/Berlin"}}
		if _, err := client.CreateBooking(context.Background(), in); err != nil {
			t.Fatal(err)
		}
	}
	e.flush()
	ds := e.log.all()
	if len(ds) != 2 || ds[0].Result != core.WebhookIgnored || ds[1].Result != core.WebhookIgnored ||
		!strings.Contains(ds[0].Reason, "names no call") || !strings.Contains(ds[1].Reason, "no pending claim") {
		t.Fatalf("deliveries %+v, want both ignored", ds)
	}
	if len(e.rows()) != 0 {
		t.Fatal("the handler stored another client's booking")
	}
}

// When acting on a delivery fails (Cal.com cannot be read), the handler answers 500 and does
// not remember it: the same delivery, sent again, is handled afresh and cancels the row.
func TestWebhookFailureIsNotRemembered(t *testing.T) {
	e := newHookEnv(t, core.PolicyHardened, fakecalcom.DeliverySync)
	first := e.book("c1", rrEventType, hookAttendee)
	mustBooked(t, first)
	e.fault(fakecalcom.Rule{Method: http.MethodGet, Path: "/v2/bookings/*", Times: 1, Action: fakecalcom.Action{Kind: fakecalcom.ActionStatus, Status: http.StatusServiceUnavailable}})
	hostCancel(t, e, first.BookingUID)
	last := e.log.all()[1]
	if last.Result != core.WebhookFailed || last.Status != http.StatusInternalServerError || len(last.Reconciled) != 1 || last.Err == nil {
		t.Fatalf("the delivery was reported as %+v, want failed with the reconcile item", last)
	}
	if len(e.live()) != 1 {
		t.Fatal("a failed delivery changed the row")
	}
	body := e.cap.last(t, calcom.TriggerBookingCancelled)
	if res := e.post(body, fakecalcom.WebhookSignature(hookSecret, body)); res.StatusCode != http.StatusOK {
		t.Fatalf("redelivery status %d", res.StatusCode)
	}
	if got := e.log.results(); !slices.Equal(got, []string{"BOOKING_CREATED:accepted", "BOOKING_CANCELLED:failed", "BOOKING_CANCELLED:accepted"}) {
		t.Fatalf("deliveries %v", got)
	}
	if len(e.live()) != 0 {
		t.Fatal("the redelivery did not cancel the row")
	}
	if e.counted(string(calcom.TriggerBookingCancelled), core.WebhookFailed) != 1 {
		t.Error("the failed delivery was not counted")
	}
}

// A seat given up (BOOKING_CANCELLED naming attendeeSeatId) leaves the booking alive for the
// other seats: no tombstone, so a later seat's BOOKING_CREATED for that uid is still handled.
func TestWebhookSeatCancelLeavesNoTombstone(t *testing.T) {
	e := newHookEnv(t, core.PolicyHardened, fakecalcom.DeliverySync)
	times := `"startTime":"2025-10-10T06:00:00Z","endTime":"2025-10-10T06:45:00Z"`
	for _, body := range []string{
		`{"triggerEvent":"BOOKING_CANCELLED","payload":{"uid":"seatedUid0000000000001",` + times + `,"attendeeSeatId":"seat-1"}}`,
		`{"triggerEvent":"BOOKING_CREATED","payload":{"uid":"seatedUid0000000000001",` + times + `,"attendeeSeatId":"seat-2"}}`,
	} {
		if res := e.post([]byte(body), fakecalcom.WebhookSignature(hookSecret, []byte(body))); res.StatusCode != http.StatusOK {
			t.Fatalf("status %d", res.StatusCode)
		}
	}
	if created := e.log.all()[1]; strings.Contains(created.Reason, "already ended") {
		t.Errorf("a seat's cancel ended the whole booking: %s", created.Reason)
	}
}
