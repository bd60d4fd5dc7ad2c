package core

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/core/store"
)

// signal is a channel closed once, however often fire is called.
type signal struct {
	once sync.Once
	ch   chan struct{}
}

func newSignal() *signal { return &signal{ch: make(chan struct{})} }
func (s *signal) fire()  { s.once.Do(func() { close(s.ch) }) }

// park holds call's Book at point until release is closed; parked fires when it arrives.
func park(point HookPoint, call string, parked *signal, release <-chan struct{}) Hook {
	return func(_ context.Context, at HookPoint, callID string) error {
		if at == point && callID == call {
			parked.fire()
			<-release
		}
		return nil
	}
}

// The claim stops a rival before Cal.com. While call 687's create is answered but not yet
// settled (its claim pending, its attempt parked here), call 688 asks for the same slot: it
// finds 687's claim held by an attempt in flight and waits for it (a rival told "taken"
// while that claim may still fail would be told "taken" about a slot nobody ends up
// holding). 687 settles; 688 is told slot_taken by slot_exclusion without a create being
// sent. When the claim's attempt fails instead, the waiting rival books the slot.
func TestClaimStopsRivalBeforeCalcom(t *testing.T) {
	for _, tc := range []struct {
		name       string
		firstFails bool
		first      OutcomeKind
		rival      OutcomeKind
		creates    int
	}{
		{"the claim settles", false, Booked, SlotTaken, 1},
		{"the claim's attempt fails", true, Error, Booked, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, PolicyHardened, All(), 0)
			if tc.firstFails {
				var creates atomic.Int32 // 687's create is the first: refused
				f.cal.createFault = func(*http.Request) (*http.Response, error, bool) {
					if creates.Add(1) == 1 {
						return &http.Response{StatusCode: 401, Header: http.Header{}, Body: http.NoBody}, nil, true
					}
					return nil, nil, true
				}
			}
			parked, rivalWaits := newSignal(), newSignal()
			release := make(chan struct{})
			f.svc.hookFn = func(ctx context.Context, at HookPoint, callID string) error {
				if at == HookClaimBusy && callID == call688 {
					rivalWaits.fire()
				}
				return park(HookAfterCalcom, call687, parked, release)(ctx, at, callID)
			}
			first, rival := make(chan Outcome, 1), make(chan Outcome, 1)
			go func() { first <- f.book(t, call687) }()
			<-parked.ch
			if p := f.pending(t); len(p) != 1 || p[0].RetellCallID != call687 {
				t.Fatalf("687 parked after Cal.com: pending %+v", p)
			}
			go func() { rival <- f.book(t, call688) }()
			select {
			case <-rivalWaits.ch:
			case o := <-rival:
				t.Fatalf("the rival answered %s while the slot's claim was still in flight", o.Kind)
			}
			close(release)
			if o := <-first; o.Kind != tc.first {
				t.Errorf("687: %+v", o)
			}
			o := <-rival
			if o.Kind != tc.rival || (o.Kind == SlotTaken && o.Layer != LayerSlotExclusion) {
				t.Errorf("688: %+v", o)
			}
			if n := f.cal.calls("POST", "/v2/bookings"); n != tc.creates {
				t.Errorf("%d creates, want %d", n, tc.creates)
			}
			if live := f.live(t); len(live) != 1 || len(f.pending(t)) != 0 {
				t.Errorf("rows: %+v", f.rows(t))
			}
		})
	}
}

// Two attempts of ONE call at once are serialised by the claim row: the second finds the
// first's claim, waits for that attempt (forced here: the first is parked after Cal.com
// answered, and the second is seen waiting before the first is let go) and then answers
// already_booked. Only one create reaches Cal.com. Without the claim's serialisation the
// second attempt reaches Cal.com, and this test says so instead of hanging.
func TestSameCallTwiceAtOnceIsSerialisedByTheClaim(t *testing.T) {
	f := newFixture(t, PolicyHardened, All(), 0)
	aParked, bWaits, bAtCalcom := newSignal(), newSignal(), newSignal()
	releaseA := make(chan struct{})
	var atCalcom atomic.Int32
	f.svc.hookFn = func(_ context.Context, at HookPoint, _ string) error {
		switch at {
		case HookAfterCalcom:
			if atCalcom.Add(1) == 1 {
				aParked.fire()
				<-releaseA
			} else {
				bAtCalcom.fire()
			}
		case HookClaimBusy:
			bWaits.fire()
		}
		return nil
	}
	var a, b Outcome
	aDone, bDone := make(chan struct{}), make(chan struct{})
	go func() { defer close(aDone); a = f.book(t, call687) }()
	<-aParked.ch
	go func() { defer close(bDone); b = f.book(t, call687) }()
	select {
	case <-bWaits.ch:
	case <-bAtCalcom.ch:
		t.Error("the second attempt reached Cal.com while the first held the call's claim")
	case <-bDone:
		t.Errorf("the second attempt answered %s while the first held the call's claim", b.Kind)
	}
	close(releaseA)
	<-aDone
	<-bDone
	if a.Kind != Booked || b.Kind != AlreadyBooked || b.AppointmentID != a.AppointmentID {
		t.Fatalf("first %+v, second %+v", a, b)
	}
	if n := f.cal.calls("POST", "/v2/bookings"); n != 1 {
		t.Errorf("%d creates", n)
	}
}

// A wait for the call's other attempt ends with the caller's context (unknown, nothing
// done), and a hook playing a crash there abandons the attempt.
func TestWaitingForTheCallsClaim(t *testing.T) {
	for _, tc := range []struct {
		name string
		busy func(cancel context.CancelFunc) error
		want error
	}{
		{"context ends", func(cancel context.CancelFunc) error { cancel(); return nil }, context.Canceled},
		{"crash", func(context.CancelFunc) error { return errCrash }, errCrash},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, PolicyHardened, All(), 0)
			parked, release := newSignal(), make(chan struct{})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			f.svc.hookFn = func(hctx context.Context, at HookPoint, callID string) error {
				if at == HookClaimBusy {
					return tc.busy(cancel)
				}
				return park(HookAfterCalcom, call687, parked, release)(hctx, at, callID)
			}
			done := make(chan Outcome)
			go func() { done <- f.book(t, call687) }()
			<-parked.ch
			o, err := f.svc.Book(ctx, f.request(call687, "retry"))
			close(release)
			if o.Kind != Unknown || !errors.Is(err, tc.want) {
				t.Errorf("waiting attempt: %+v %v", o, err)
			}
			if first := <-done; first.Kind != Booked {
				t.Errorf("first: %+v", first)
			}
		})
	}
}

var errCrash = errors.New("the process died here")

func rawResponse(status int, body string) *http.Response {
	r := httpmock.NewStringResponse(status, body)
	r.Header.Set("Date", created687.Format(http.TimeFormat))
	return r
}

// answer makes the mock answer the create with status and body, after committing the
// booking (pre=false) or without creating anything (pre=true).
func answer(status int, body string, pre bool) func(*http.Request) (*http.Response, error, bool) {
	return func(*http.Request) (*http.Response, error, bool) { return rawResponse(status, body), nil, pre }
}

const (
	prodLostRace = `{"statusCode":400,"message":"An error occured while querying the database."}`
	slotTakenEnv = `{"status":"error","timestamp":"t","path":"/v2/bookings","error":{"code":"BadRequestException","message":"User either already has booking at this time or is not available"}}`
	conflictEnv  = `{"status":"error","timestamp":"t","path":"/v2/bookings","error":{"code":"ConflictException","message":"booking_conflict_error"}}`
)

// Every answer that leaves open whether this call holds a booking is resolved by looking it
// up by metadata.call_id — production's unexplained 400 included — and a failed lookup is
// unknown however definite Cal.com's answer looked. The claim is released only when the
// answer is definite; an unknown keeps it pending. Nothing is ever re-POSTed.
func TestCreateAnswersResolvedByLookup(t *testing.T) {
	cases := []struct {
		name       string
		fault      func(*http.Request) (*http.Response, error, bool)
		listFails  bool
		kind       OutcomeKind
		calcomErr  calcom.ErrorKind
		live, pend int
	}{
		{"unexplained 400, the booking was made", answer(400, prodLostRace, false), false, Booked, "", 1, 0},
		{"unexplained 400, no booking of this call", answer(400, prodLostRace, true), false, SlotTaken, calcom.ErrUnexplained, 0, 0},
		{"unexplained 400, lookup fails", answer(400, prodLostRace, true), true, Unknown, calcom.ErrUnexplained, 0, 1},
		{"slot taken, no booking of this call", answer(400, slotTakenEnv, true), false, SlotTaken, calcom.ErrSlotTaken, 0, 0},
		{"slot taken, lookup fails", answer(400, slotTakenEnv, true), true, Unknown, calcom.ErrSlotTaken, 0, 1},
		{"conflict, no booking of this call", answer(409, conflictEnv, true), false, SlotTaken, calcom.ErrConflict, 0, 0},
		{"slot taken, the call's own booking", answer(400, slotTakenEnv, false), false, Booked, "", 1, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newFixture(t, PolicyHardened, All(), 0)
			h.cal.createFault = tc.fault
			if tc.listFails {
				h.mustFailList(t)
			}
			o, err := h.svc.Book(context.Background(), h.request(call687, "Hansi"))
			if o.Kind != tc.kind || o.CalcomError != tc.calcomErr || len(h.live(t)) != tc.live || len(h.pending(t)) != tc.pend {
				t.Fatalf("%+v (%v); live %d, pending %d", o, err, len(h.live(t)), len(h.pending(t)))
			}
			if o.Kind == Booked && !o.Recovered {
				t.Error("a booking found by lookup must say so")
			}
			if h.cal.calls("POST", "/v2/bookings") != 1 || h.cal.calls("POST", "/cancel") != 0 {
				t.Error("re-POSTed or cancelled")
			}
		})
	}
	// The seed treats production's answer like any non-2xx: error, and the booking made
	// before the failure is orphaned.
	s := newFixture(t, PolicySeed, All(), 0)
	s.cal.createFault = answer(400, prodLostRace, false)
	if o := s.book(t, call687); o.Kind != Error || o.CalcomError != calcom.ErrUnexplained || s.cal.accepted() != 1 || len(s.live(t)) != 0 {
		t.Errorf("seed: %+v accepted=%d live=%d", o, s.cal.accepted(), len(s.live(t)))
	}
}

// The first truthfulness hole of hardened v1: after an ambiguous attempt, the retry's create
// got Cal.com's definite-looking "already has booking" (its own booking) and, the lookup
// failing, the caller was told slot_taken. Now the retry finds the call's pending claim,
// looks its booking up before creating anything, and answers unknown while the lookup
// fails — and booked once it works. A claim whose booking Cal.com does not have is taken
// over: its lease renewed and the create sent.
func TestRetryAfterAnAmbiguousAttempt(t *testing.T) {
	h := newFixture(t, PolicyHardened, All(), 0)
	h.cal.replay = false // a standard event: a repeated create gets 400 "already has booking"
	h.cal.createFault = lostAnswer(false)
	h.mustFailList(t)
	if o := h.book(t, call687); o.Kind != Unknown {
		t.Fatalf("first: %+v", o)
	}
	h.cal.createFault = nil
	if o := h.book(t, call687); o.Kind != Unknown || len(h.pending(t)) != 1 {
		t.Fatalf("retry while the lookup fails: %+v", o)
	}
	h.cal.mt.RegisterResponder(http.MethodGet, calcomTest+"/v2/bookings", h.cal.list)
	if o := h.book(t, call687); o.Kind != Booked || !o.Recovered || o.BookingUID != uid687 {
		t.Fatalf("retry once the lookup works: %+v", o)
	}
	if n := h.cal.calls("POST", "/v2/bookings"); n != 1 {
		t.Errorf("%d creates: the retries must look before they create", n)
	}

	g := newFixture(t, PolicyHardened, All(), 0)
	g.cal.createFault = lostAnswer(true) // cut before Cal.com created anything
	if o := g.book(t, call687); o.Kind != Unknown || len(g.pending(t)) != 1 {
		t.Fatalf("first: %+v", o)
	}
	g.cal.createFault = nil
	if o := g.book(t, call687); o.Kind != Booked || g.cal.calls("POST", "/v2/bookings") != 2 || len(g.pending(t)) != 0 {
		t.Fatalf("takeover: %+v, creates %d", o, g.cal.calls("POST", "/v2/bookings"))
	}
}

// The host stored is the one Cal.com assigned (round robin with several hosts), not the one
// requested; the seed stores the requested one. When the assigned host already has an
// overlapping appointment the exclusion refuses the row at settle, and the booking this
// call owns is cancelled so nothing is orphaned; if that cancel fails the answer is unknown
// and the claim stays for the sweeper, which cancels it later.
func TestAssignedHostIsStored(t *testing.T) {
	twoHosts := func(t *testing.T, p Policy) (*fixture, int64) {
		f := newFixture(t, p, All(), 0)
		fx, err := store.SeedFixtures(context.Background(), f.st.Pool(), []store.EventTypeFixture{{EventTypeID: 777, HostUserID: 2, LengthMinutes: lengthMin}})
		if err != nil {
			t.Fatal(err)
		}
		f.cal.host = 2
		return f, fx.Staff[2]
	}
	h, host2 := twoHosts(t, PolicyHardened)
	if o := h.book(t, call687); o.Kind != Booked {
		t.Fatal(o)
	}
	if live := h.live(t); len(live) != 1 || live[0].StaffID != host2 {
		t.Errorf("hardened stored staff %d, want host 2's %d", live[0].StaffID, host2)
	}
	s, _ := twoHosts(t, PolicySeed)
	s.book(t, call687)
	if live := s.live(t); len(live) != 1 || live[0].StaffID != s.fx.Services[eventType].StaffID {
		t.Errorf("seed stores the requested staff member: %+v", live)
	}

	c, host2 := twoHosts(t, PolicyHardened)
	if _, err := c.st.Pool().Exec(context.Background(), `INSERT INTO appointments (customer_id, service_id, staff_id, starts_at, ends_at, calcom_v2_booking_id)
		VALUES ($1, $2, $3, $4, $5, 'uid_host2_busy')`, c.fx.CustomerID, c.fx.Services[eventType].ServiceID, host2, slot687, slot687.Add(lengthMin*time.Minute)); err != nil {
		t.Fatal(err)
	}
	c.cal.mt.RegisterRegexpResponder(http.MethodPost, regexpMust(`/v2/bookings/([^/]+)/cancel$`), func(*http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 503, Header: http.Header{}, Body: http.NoBody}, nil
	})
	if o := c.book(t, call687); o.Kind != Unknown || o.Layer != LayerSlotExclusion || len(c.pending(t)) != 1 || c.cal.accepted() != 1 {
		t.Fatalf("cancel failed: %+v, pending %d", o, len(c.pending(t)))
	}
	c.cal.mt.RegisterRegexpResponder(http.MethodPost, regexpMust(`/v2/bookings/([^/]+)/cancel$`), c.cal.cancel)
	res, err := c.svc.Sweep(context.Background())
	if err != nil || len(res.Released) != 1 || !strings.Contains(res.Released[0].Reason, "not stored") || c.cal.accepted() != 0 || len(c.pending(t)) != 0 {
		t.Fatalf("sweep: %+v %v accepted=%d", res, err, c.cal.accepted())
	}
	c.cal.host = 1
	if o := c.book(t, call688); o.Kind != Booked || c.cal.accepted() != 1 {
		t.Errorf("then, on a free host: %+v", o)
	}
	if live := c.live(t); len(live) != 2 {
		t.Errorf("live: %+v", live)
	}
}

// A hardened Service on a database migrated without the claims says how to fix it.
func TestClaimsNeedTheirMigration(t *testing.T) {
	f := newFixture(t, PolicySeed, All(), 0)
	cfg := f.cfg
	cfg.Policy = PolicyHardened
	svc, err := NewService(cfg)
	if err != nil {
		t.Fatal(err)
	}
	o, err := svc.Book(context.Background(), f.request(call687, "Hansi"))
	if o.Kind != Error || err == nil || !strings.Contains(err.Error(), "Policy.Schema") || f.cal.mt.GetTotalCallCount() != 0 {
		t.Errorf("%+v %v", o, err)
	}
	if _, err := NewService(Config{Calcom: f.cal.client(t), Store: f.st, ClaimLease: -1}); err == nil {
		t.Error("a negative lease must be refused")
	}
	if PolicyHardened.Schema(All()) != store.FullSchema() || PolicySeed.Schema(All()).Claims {
		t.Error("only hardened gets the claims")
	}
}
