package core

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptrace"
	"syscall"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/core/store"
)

// lostAnswer makes the mock Cal.com commit the booking and then cut the connection after the
// request was written (pre=false), or fail the same way before committing (pre=true).
func lostAnswer(pre bool) func(*http.Request) (*http.Response, error, bool) {
	return func(req *http.Request) (*http.Response, error, bool) {
		if tr := httptrace.ContextClientTrace(req.Context()); tr != nil {
			tr.WroteRequest(httptrace.WroteRequestInfo{})
		}
		return nil, syscall.ECONNRESET, pre
	}
}

func status500(pre bool) func(*http.Request) (*http.Response, error, bool) {
	return func(*http.Request) (*http.Response, error, bool) {
		r := &http.Response{StatusCode: 500, Header: http.Header{}, Body: http.NoBody}
		return r, nil, pre
	}
}

// Weakness: freshness is judged on the application clock. An application clock 30.001 s
// ahead of Cal.com makes the call's own, brand-new booking "stale": the caller hears
// "slot taken" and Cal.com keeps an accepted booking nobody stored (orphan). Exactly 30 s
// passes. The hardened policy judges on Cal.com's Date header and is unaffected.
func TestSeedSkewedClockRejectsOwnFreshBooking(t *testing.T) {
	for _, tc := range []struct {
		skew time.Duration
		seed OutcomeKind
	}{
		{29999 * time.Millisecond, Booked},
		{30000 * time.Millisecond, Booked},
		{30001 * time.Millisecond, SlotTaken},
	} {
		f := newFixture(t, PolicySeed, NewLayers(LayerFreshness), tc.skew)
		o := f.book(t, call687)
		if o.Kind != tc.seed {
			t.Errorf("seed, skew %v: %s (%s)", tc.skew, o.Kind, o.Reason)
		}
		if tc.seed == SlotTaken && (len(f.live(t)) != 0 || f.cal.accepted() != 1) {
			t.Errorf("seed, skew %v: expected an orphaned Cal.com booking", tc.skew)
		}
		h := newFixture(t, PolicyHardened, NewLayers(LayerFreshness), tc.skew)
		if o := h.book(t, call687); o.Kind != Booked || verdicts(o.Decisions) != "freshness=accept" {
			t.Errorf("hardened, skew %v: %s %s", tc.skew, o.Kind, verdicts(o.Decisions))
		}
	}
}

// Weakness: an application clock 35 minutes behind Cal.com makes the stale replay look
// fresh; with only layer 1 on, call 688 gets a duplicate appointment.
func TestSeedSkewedClockAcceptsStaleReplay(t *testing.T) {
	f := newFixture(t, PolicySeed, NewLayers(LayerFreshness), -35*time.Minute)
	_, second := replay687688(t, f)
	if second.Kind != Booked || len(f.live(t)) != 2 {
		t.Fatalf("seed: %s, %d live rows (want the duplicate)", second.Kind, len(f.live(t)))
	}
	h := newFixture(t, PolicyHardened, NewLayers(LayerFreshness), -35*time.Minute)
	_, second = replay687688(t, h)
	mustOutcome(t, second, SlotTaken, LayerFreshness)
}

// Weakness: a missing createdAt and a missing call id pass layers 1 and 2 unchecked, so a
// replay stripped of both produces the duplicate. The hardened policy verifies the booking
// by GET and finds 687's call id.
func TestSeedMissingCreatedAtAndCallIDPassUnchecked(t *testing.T) {
	strip := func(m map[string]any) { delete(m, "createdAt"); delete(m, "metadata") }
	layers := NewLayers(LayerFreshness, LayerCallID)
	f := newFixture(t, PolicySeed, layers, 0)
	first := f.book(t, call687)
	f.cal.editCreate = strip
	f.calClock.Set(created687.Add(35 * time.Minute))
	second := f.book(t, call688)
	if first.Kind != Booked || second.Kind != Booked || verdicts(second.Decisions) != "freshness=accept call_id=accept" || len(f.live(t)) != 2 {
		t.Fatalf("seed: %s %s, %d rows", second.Kind, verdicts(second.Decisions), len(f.live(t)))
	}
	h := newFixture(t, PolicyHardened, layers, 0)
	h.book(t, call687)
	h.cal.editCreate = strip
	h.calClock.Set(created687.Add(35 * time.Minute))
	second = h.book(t, call688)
	mustOutcome(t, second, SlotTaken, LayerCallID)
	if h.cal.calls("GET", "/v2/bookings/"+uid687) != 1 {
		t.Error("hardened must verify a booking without call id by GET")
	}
}

// Weakness: an unparsable createdAt makes the seed's layer 1 throw: the call is told
// "error" although Cal.com accepted its booking. The hardened policy decides by call id.
func TestSeedUnparsableCreatedAtIsAnError(t *testing.T) {
	garble := func(m map[string]any) { m["createdAt"] = "06.10.2025 11:05" }
	f := newFixture(t, PolicySeed, All(), 0)
	f.cal.editCreate = garble
	o := f.book(t, call687)
	mustOutcome(t, o, Error, LayerFreshness)
	if verdicts(o.Decisions) != "freshness=error" || f.cal.accepted() != 1 || len(f.live(t)) != 0 {
		t.Errorf("seed: %s, accepted=%d live=%d", verdicts(o.Decisions), f.cal.accepted(), len(f.live(t)))
	}
	h := newFixture(t, PolicyHardened, All(), 0)
	h.cal.editCreate = garble
	if o := h.book(t, call687); o.Kind != Booked {
		t.Errorf("hardened: %s %s", o.Kind, o.Reason)
	}
}

// Weakness: the seed has no notion of "maybe". A connection cut after Cal.com committed is
// reported as error; the booking is orphaned. The hardened policy looks it up by attendee,
// time and metadata.call_id and stores it.
func TestSeedAmbiguousCreateReportedAsError(t *testing.T) {
	f := newFixture(t, PolicySeed, All(), 0)
	f.cal.createFault = lostAnswer(false)
	o, err := f.svc.Book(context.Background(), f.request(call687, "Hansi"))
	if o.Kind != Error || err == nil || f.cal.accepted() != 1 || len(f.live(t)) != 0 {
		t.Fatalf("seed: %s %v accepted=%d live=%d", o.Kind, err, f.cal.accepted(), len(f.live(t)))
	}
	h := newFixture(t, PolicyHardened, All(), 0)
	h.cal.createFault = lostAnswer(false)
	o, err = h.svc.Book(context.Background(), h.request(call687, "Hansi"))
	if o.Kind != Booked || !o.Recovered || err != nil || len(h.live(t)) != 1 || o.BookingUID != uid687 {
		t.Fatalf("hardened: %+v %v", o, err)
	}
	if h.cal.calls("POST", "/v2/bookings") != 1 {
		t.Error("hardened must never re-POST to resolve an ambiguous create")
	}
}

// Weakness: a phone-platform retry of the SAME call arriving more than 30 s later gets its
// own booking replayed; layer 1 calls it stale and the caller, who holds the appointment,
// is told "slot taken". Within 30 s layer 3 answers with the call's own row as "booked".
// The hardened policy answers already_booked without calling Cal.com again.
func TestSeedRetryOfSameCallToldSlotTaken(t *testing.T) {
	f := newFixture(t, PolicySeed, All(), 0)
	first := f.book(t, call687)
	f.calClock.Set(created687.Add(10 * time.Second))
	within := f.book(t, call687)
	f.calClock.Set(created687.Add(40 * time.Second))
	late := f.book(t, call687)
	if first.Kind != Booked || within.Kind != Booked || within.AppointmentID != first.AppointmentID {
		t.Fatalf("seed: first %s, retry within 30 s %s/%d", first.Kind, within.Kind, within.AppointmentID)
	}
	mustOutcome(t, late, SlotTaken, LayerFreshness)
	if live := f.live(t); len(live) != 1 || live[0].RetellCallID != call687 {
		t.Fatalf("call 687 holds %d appointments yet was told slot_taken", len(live))
	}

	h := newFixture(t, PolicyHardened, All(), 0)
	h.book(t, call687)
	h.calClock.Set(created687.Add(40 * time.Second))
	if o := h.book(t, call687); o.Kind != AlreadyBooked || o.BookingUID != uid687 {
		t.Fatalf("hardened: %+v", o)
	}
	if n := h.cal.calls("POST", "/v2/bookings"); n != 1 {
		t.Errorf("hardened POSTed %d times", n)
	}
}

// Weakness: a standard event answers a retried create with 400 "already has booking"; the
// seed tells its own caller "slot taken". The hardened policy, whose first answer was lost,
// looks its own booking up and stores it.
func TestSeedStandardEventRetryToldSlotTaken(t *testing.T) {
	f := newFixture(t, PolicySeed, All(), 0)
	f.cal.replay = false
	f.cal.createFault = lostAnswer(false)
	first := f.book(t, call687)
	f.cal.createFault = nil
	retry := f.book(t, call687)
	if first.Kind != Error || retry.Kind != SlotTaken || retry.CalcomError != "slot_taken" || f.cal.accepted() != 1 || len(f.live(t)) != 0 {
		t.Fatalf("seed: %s then %s (%s); live=%d", first.Kind, retry.Kind, retry.CalcomError, len(f.live(t)))
	}

	h := newFixture(t, PolicyHardened, All(), 0)
	h.cal.replay = false
	h.cal.createFault = lostAnswer(false)
	h.mustFailList(t)
	first = h.book(t, call687)
	h.cal.createFault = nil
	h.cal.mt.RegisterResponder(http.MethodGet, calcomTest+"/v2/bookings", h.cal.list)
	retry = h.book(t, call687)
	if first.Kind != Unknown || retry.Kind != Booked || !retry.Recovered || len(h.live(t)) != 1 {
		t.Fatalf("hardened: %s then %+v", first.Kind, retry)
	}
	// The retry found the first attempt's booking by lookup, without a second create.
	// Another caller is told the truth, stopped at the claim before Cal.com.
	other := h.book(t, call688)
	if other.Kind != SlotTaken || other.Layer != LayerSlotExclusion || h.cal.calls("POST", "/v2/bookings") != 1 {
		t.Errorf("other caller: %+v", other)
	}
}

func (f *fixture) mustFailList(t testing.TB) {
	f.cal.mt.RegisterResponder(http.MethodGet, calcomTest+"/v2/bookings", func(*http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 503, Header: http.Header{}, Body: http.NoBody}, nil
	})
}

// Weakness: layer 3 ignores soft-deleted rows but the unique index counts them, so a retry
// that gets the same booking back fails with an error. The hardened policy counts the same
// rows as the index: the call's own row is restored, another call is told slot taken.
func TestSeedSoftDeletedRowMakesRetryFail(t *testing.T) {
	f := newFixture(t, PolicySeed, All(), 0)
	first := f.book(t, call687)
	if err := store.SoftDeleteAppointment(context.Background(), f.st.Pool(), first.AppointmentID, created687); err != nil {
		t.Fatal(err)
	}
	f.calClock.Set(created687.Add(5 * time.Second))
	retry := f.book(t, call687)
	mustOutcome(t, retry, Error, LayerUnique)
	if verdicts(retry.Decisions) != "freshness=accept call_id=accept db_check=accept unique=reject" {
		t.Errorf("seed decisions: %s", verdicts(retry.Decisions))
	}

	h := newFixture(t, PolicyHardened, All(), 0)
	first = h.book(t, call687)
	store.SoftDeleteAppointment(context.Background(), h.st.Pool(), first.AppointmentID, created687)
	retry = h.book(t, call687)
	mustOutcome(t, retry, AlreadyBooked, LayerDBCheck)
	if live := h.live(t); len(live) != 1 || live[0].ID != first.AppointmentID {
		t.Errorf("hardened must restore the call's own row: %+v", live)
	}
	// Without call_id, a different call meets the deleted row and is told the truth.
	g := newFixture(t, PolicyHardened, NewLayers(LayerDBCheck, LayerUnique), 0)
	first = g.book(t, call687)
	store.SoftDeleteAppointment(context.Background(), g.st.Pool(), first.AppointmentID, created687)
	mustOutcome(t, g.book(t, call688), SlotTaken, LayerDBCheck)
	// unique alone answers the same way through ON CONFLICT.
	u := newFixture(t, PolicyHardened, NewLayers(LayerUnique), 0)
	first = u.book(t, call687)
	store.SoftDeleteAppointment(context.Background(), u.st.Pool(), first.AppointmentID, created687)
	if o := u.book(t, call687); o.Kind != AlreadyBooked || o.Layer != LayerUnique || len(u.live(t)) != 1 {
		t.Errorf("unique-only restore: %+v", o)
	}
}

// Weakness: layer 3 and the INSERT are separate statements without a lock. A retry that
// slips between them wins the insert and the first attempt — of the same call, which now
// holds the appointment — gets the unique violation as an error.
func TestSeedCheckThenInsertRace(t *testing.T) {
	f := newFixture(t, PolicySeed, All(), 0)
	var retry Outcome
	fired := false
	f.svc.hookFn = func(_ context.Context, at HookPoint, _ string) error {
		if at == HookBeforeSettle && !fired { // the retry runs inside the first attempt's check-then-insert window
			fired = true
			retry = f.book(t, call687)
		}
		return nil
	}
	first := f.book(t, call687)
	if retry.Kind != Booked || first.Kind != Error || first.Layer != LayerUnique {
		t.Fatalf("retry %s, first %s/%s", retry.Kind, first.Kind, first.Layer)
	}
	if live := f.live(t); len(live) != 1 || live[0].RetellCallID != call687 {
		t.Fatalf("call 687 holds %d appointments yet its first attempt said error", len(live))
	}
}

// Hardened layer 5: a booking overlapping a live appointment of the same host (e.g. another
// event type, which Cal.com would accept) is refused by the exclusion constraint at the
// claim: the caller hears slot_taken and Cal.com is never asked, so nothing is created and
// nothing needs cancelling. The seed stores both.
func TestSlotExclusion(t *testing.T) {
	overlap := func(f *fixture) (Outcome, Outcome) {
		a := f.book(t, call687)
		req := f.request(call688, "Other")
		req.Start = slot687.Add(15 * time.Minute)
		req.Attendee.Email = "other@example.com"
		b, _ := f.svc.Book(context.Background(), req)
		return a, b
	}
	h := newFixture(t, PolicyHardened, All(), 0)
	a, b := overlap(h)
	if a.Kind != Booked {
		t.Fatal(a)
	}
	mustOutcome(t, b, SlotTaken, LayerSlotExclusion)
	if h.cal.accepted() != 1 || h.cal.calls("POST", "/v2/bookings") != 1 || h.cal.calls("POST", "/cancel") != 0 || len(h.live(t)) != 1 {
		t.Errorf("accepted=%d creates=%d cancels=%d live=%d", h.cal.accepted(), h.cal.calls("POST", "/v2/bookings"),
			h.cal.calls("POST", "/cancel"), len(h.live(t)))
	}
	s := newFixture(t, PolicySeed, All(), 0)
	if _, b := overlap(s); b.Kind != Booked || len(s.live(t)) != 2 {
		t.Errorf("seed double-books the host: %s, %d rows", b.Kind, len(s.live(t)))
	}
}

func TestHardenedAmbiguityResolution(t *testing.T) {
	cases := []struct {
		name  string
		fault func(*http.Request) (*http.Response, error, bool)
		list  bool // list endpoint works
		kind  OutcomeKind
		rows  int
	}{
		{"cut after commit, found", lostAnswer(false), true, Booked, 1},
		{"cut before commit, nothing found", lostAnswer(true), true, Unknown, 0},
		{"cut after commit, lookup fails", lostAnswer(false), false, Unknown, 0},
		{"500 after commit, found", status500(false), true, Booked, 1},
		{"500 before commit, nothing found", status500(true), true, Error, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newFixture(t, PolicyHardened, All(), 0)
			h.cal.createFault = tc.fault
			if !tc.list {
				h.mustFailList(t)
			}
			o, err := h.svc.Book(context.Background(), h.request(call687, "Hansi"))
			if o.Kind != tc.kind || len(h.live(t)) != tc.rows {
				t.Fatalf("%+v (%v), rows=%d", o, err, len(h.live(t)))
			}
			if (o.Kind == Booked) != (err == nil) {
				t.Errorf("error %v with outcome %s", err, o.Kind)
			}
			if h.cal.calls("POST", "/v2/bookings") != 1 {
				t.Error("re-POSTed")
			}
		})
	}
}

func TestHardenedOwnershipWithoutCallID(t *testing.T) {
	strip := func(m map[string]any) { delete(m, "metadata") }
	// Fresh on Cal.com's clock, no call id anywhere: stored (nobody else claims it). Without
	// slot_exclusion the later callers reach Cal.com, so the ownership layers decide.
	h := newFixture(t, PolicyHardened, All().Without(LayerSlotExclusion), 0)
	h.cal.editCreate, h.cal.editGet = strip, strip
	if o := h.book(t, call687); o.Kind != Booked || verdicts(o.Decisions) != "call_id=inconclusive freshness=accept db_check=accept unique=accept" {
		t.Fatalf("fresh: %s %s", o.Kind, verdicts(o.Decisions))
	}
	// 35 minutes later the same booking, still without call id: stale on Cal.com's clock.
	h.calClock.Set(created687.Add(35 * time.Minute))
	mustOutcome(t, h.book(t, call688), SlotTaken, LayerFreshness)
	// No Date header and no createdAt: the database tells who holds it.
	h.cal.noDate = true
	h.cal.editCreate = func(m map[string]any) { strip(m); delete(m, "createdAt") }
	mustOutcome(t, h.book(t, "call_third"), SlotTaken, LayerDBCheck)
	// The GET verification itself fails: unknown, never a guess.
	g := newFixture(t, PolicyHardened, All(), 0)
	g.cal.editCreate = strip
	g.cal.mt.RegisterRegexpResponder(http.MethodGet, regexpMust(`/v2/bookings/([^/]+)$`), func(*http.Request) (*http.Response, error) {
		return nil, errors.New("boom")
	})
	if o := g.book(t, call687); o.Kind != Unknown || o.Layer != LayerCallID {
		t.Errorf("failed verification: %+v", o)
	}
}

func TestHardenedDefiniteRefusals(t *testing.T) {
	h := newFixture(t, PolicyHardened, All(), 0)
	h.cal.createFault = func(*http.Request) (*http.Response, error, bool) {
		r := &http.Response{StatusCode: 401, Header: http.Header{}, Body: http.NoBody}
		return r, nil, true
	}
	if o := h.book(t, call687); o.Kind != Error || o.CalcomError != "unauthorized" {
		t.Errorf("401: %+v", o)
	}
	h.cal.createFault = nil
	h.cal.editCreate = func(m map[string]any) { m["status"] = "cancelled" }
	if o := h.book(t, call687); o.Kind != Error || len(h.live(t)) != 0 {
		t.Errorf("cancelled booking returned: %+v", o)
	}
}

func TestInvalidRequestNeverCallsCalcom(t *testing.T) {
	for _, p := range []Policy{PolicySeed, PolicyHardened} {
		f := newFixture(t, p, All(), 0)
		req := f.request("", "Hansi")
		o, err := f.svc.Book(context.Background(), req)
		var ve *ValidationError
		if o.Kind != Error || !errors.As(err, &ve) || ve.Field != "CallID" || f.cal.mt.GetTotalCallCount() != 0 {
			t.Errorf("%s: %+v %v", p, o, err)
		}
	}
}
