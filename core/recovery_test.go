package core

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	dto "github.com/prometheus/client_model/go"

	"github.com/bookingharness/bookingharness/core/store"
)

// crashAt plays the process dying at point: the hook's error abandons Book there.
func crashAt(point HookPoint) Hook {
	return func(_ context.Context, at HookPoint, _ string) error {
		if at == point {
			return errCrash
		}
		return nil
	}
}

// A crash after Cal.com's answer, or just before the settle, leaves the booking in Cal.com
// and only a pending claim in Postgres. A fresh Service on the same database runs Sweep: the
// booking is found by call id and settled — no orphan, no phantom, no duplicate — and the
// call's retry gets already_booked without a second create. The seed loses the booking.
func TestCrashThenSweep(t *testing.T) {
	for _, at := range []HookPoint{HookAfterCalcom, HookBeforeSettle} {
		t.Run(string(at), func(t *testing.T) {
			f := newFixture(t, PolicyHardened, All(), 0)
			f.svc.hookFn = crashAt(at)
			o, err := f.svc.Book(context.Background(), f.request(call687, "Hansi"))
			if o.Kind != Unknown || !errors.Is(err, errCrash) {
				t.Fatalf("crashed Book: %+v %v", o, err)
			}
			if f.cal.accepted() != 1 || len(f.live(t)) != 0 || len(f.pending(t)) != 1 {
				t.Fatalf("after the crash: accepted %d, live %d, pending %d", f.cal.accepted(), len(f.live(t)), len(f.pending(t)))
			}
			f.restart(t)
			res, err := f.svc.Sweep(context.Background())
			if err != nil || len(res.Settled) != 1 || res.Settled[0].BookingUID != uid687 || res.Settled[0].CallID != call687 {
				t.Fatalf("sweep: %+v %v", res, err)
			}
			if live := f.live(t); len(live) != 1 || live[0].BookingUID != uid687 || live[0].RetellCallID != call687 || len(f.pending(t)) != 0 {
				t.Fatalf("after the sweep: %+v", f.rows(t))
			}
			if retry := f.book(t, call687); retry.Kind != AlreadyBooked || retry.BookingUID != uid687 {
				t.Errorf("retry: %+v", retry)
			}
			if f.cal.calls("POST", "/v2/bookings") != 1 || f.cal.calls("POST", "/cancel") != 0 || f.cal.accepted() != 1 {
				t.Error("recovery re-POSTed or cancelled")
			}
			if again, err := f.svc.Sweep(context.Background()); err != nil || len(again.Settled)+len(again.Released)+len(again.Kept)+len(again.Failed) != 0 {
				t.Errorf("second sweep: %+v %v", again, err)
			}
		})
	}
	s := newFixture(t, PolicySeed, All(), 0)
	s.svc.hookFn = crashAt(HookAfterCalcom)
	if o := s.book(t, call687); o.Kind != Unknown {
		t.Fatal(o)
	}
	s.restart(t)
	if res, err := s.svc.Sweep(context.Background()); err != nil || len(res.Settled) != 0 {
		t.Fatalf("seed sweep: %+v %v", res, err)
	}
	if s.cal.accepted() != 1 || len(s.rows(t)) != 0 {
		t.Errorf("seed: the booking should be orphaned (accepted %d, rows %d)", s.cal.accepted(), len(s.rows(t)))
	}
}

// A claim whose create never reached Cal.com stays pending (the answer was unknown) and
// holds the slot against rivals; the sweeper keeps it while the lease runs and releases it
// once the lease is over on the application clock with no booking in Cal.com.
func TestLeaseExpiryReleasesAClaimWithoutBooking(t *testing.T) {
	f := newFixture(t, PolicyHardened, All(), 0)
	f.cal.createFault = lostAnswer(true)
	if o := f.book(t, call687); o.Kind != Unknown {
		t.Fatal(o)
	}
	f.cal.createFault = nil
	mustOutcome(t, f.book(t, call688), SlotTaken, LayerSlotExclusion)
	res, err := f.svc.Sweep(context.Background())
	if err != nil || len(res.Kept) != 1 || len(f.pending(t)) != 1 {
		t.Fatalf("within the lease: %+v %v", res, err)
	}
	f.calClock.Set(created687.Add(DefaultClaimLease))
	res, err = f.svc.Sweep(context.Background())
	if err != nil || len(res.Released) != 1 || len(f.pending(t)) != 0 || !strings.Contains(res.Released[0].Reason, "after the lease") {
		t.Fatalf("after the lease: %+v %v", res, err)
	}
	if o := f.book(t, call688); o.Kind != Booked {
		t.Errorf("the slot is free again: %+v", o)
	}
}

// Sweep reports every claim to the metrics and to an observer that can hear it, keeps a
// claim whose lookup fails, and leaves claims in flight in this Service alone.
func TestSweepReportsItsWork(t *testing.T) {
	f := newFixture(t, PolicyHardened, All(), 0)
	f.svc.hookFn = crashAt(HookAfterCalcom)
	f.book(t, call687)
	sweeps := &sweepLog{}
	f.cfg.Observer = sweeps
	f.restart(t)
	f.mustFailList(t)
	res, err := f.svc.Sweep(context.Background())
	if err != nil || len(res.Failed) != 1 || res.Failed[0].Err == nil || len(f.pending(t)) != 1 {
		t.Fatalf("lookup fails: %+v %v", res, err)
	}
	f.cal.mt.RegisterResponder(http.MethodGet, calcomTest+"/v2/bookings", f.cal.list)

	parked, release := newSignal(), make(chan struct{})
	f.svc.hookFn = park(HookAfterCalcom, call688, parked, release)
	other := f.request(call688, "Other")
	other.Start = slot687.Add(24 * time.Hour)
	done := make(chan Outcome)
	go func() { o, _ := f.svc.Book(context.Background(), other); done <- o }()
	<-parked.ch
	res, err = f.svc.Sweep(context.Background())
	close(release)
	if err != nil || len(res.Settled) != 1 || len(res.Kept) != 1 || !strings.Contains(res.Kept[0].Reason, "in flight") {
		t.Fatalf("sweep beside a Book in flight: %+v %v", res, err)
	}
	if o := <-done; o.Kind != Booked {
		t.Fatalf("the Book in flight: %+v", o)
	}
	if got := sweeps.actions(); got != "failed settled kept" {
		t.Errorf("observer heard %q", got)
	}
	if got := counter(t, f, "bookingharness_claims_swept_total", "settled"); got != 1 {
		t.Errorf("settled counter %v", got)
	}
	if got := counter(t, f, "bookingharness_claims_swept_total", "failed"); got != 1 {
		t.Errorf("failed counter %v", got)
	}
}

// sweepLog is an Observer with the SweepObserver capability.
type sweepLog struct {
	decisionLog
	items []SweepItem
}

func (l *sweepLog) ClaimSwept(_ context.Context, it SweepItem) {
	l.mu.Lock()
	l.items = append(l.items, it)
	l.mu.Unlock()
}

func (l *sweepLog) actions() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, it := range l.items {
		out = append(out, string(it.Action))
	}
	return strings.Join(out, " ")
}

// counter reads one labelled counter of the fixture's registry.
func counter(t *testing.T, f *fixture, name, label string) float64 {
	t.Helper()
	mfs, err := f.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if hasLabel(m, label) {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func hasLabel(m *dto.Metric, value string) bool {
	for _, l := range m.GetLabel() {
		if l.GetValue() == value {
			return true
		}
	}
	return false
}

// RunSweeper sweeps at once (the start-up sweep) and stops with its context; it refuses a
// non-positive interval.
func TestRunSweeper(t *testing.T) {
	f := newFixture(t, PolicyHardened, All(), 0)
	f.svc.hookFn = crashAt(HookBeforeSettle)
	f.book(t, call687)
	ctx, cancel := context.WithCancel(context.Background())
	stopping := &stopOnSweep{cancel: cancel}
	f.cfg.Observer = stopping
	f.restart(t)
	if err := f.svc.RunSweeper(ctx, time.Minute); !errors.Is(err, context.Canceled) {
		t.Errorf("RunSweeper: %v", err)
	}
	if len(f.live(t)) != 1 || stopping.n.Load() != 1 {
		t.Errorf("live %d, swept %d", len(f.live(t)), stopping.n.Load())
	}
	if err := f.svc.RunSweeper(context.Background(), 0); err == nil {
		t.Error("a zero interval must be refused")
	}
}

// stopOnSweep cancels the sweeper's context once it has swept a claim.
type stopOnSweep struct {
	decisionLog
	cancel context.CancelFunc
	n      atomic.Int32
}

func (s *stopOnSweep) ClaimSwept(context.Context, SweepItem) { s.n.Add(1); s.cancel() }

// The second truthfulness hole of hardened v1: a failed COMMIT triggered a compensating
// cancel although the row may have been committed (a live appointment whose booking is
// cancelled: phantom_appointment). Now the claim is re-read on a fresh connection: committed
// → the answer stands; not committed → the settle is tried again; unknown → unknown, the
// claim left for the sweeper. No cancel in any case.
func TestSettleCommitFailure(t *testing.T) {
	ackLost := func(ctx context.Context, tx pgx.Tx) error {
		if err := tx.Commit(ctx); err != nil {
			return err
		}
		return errors.New("connection reset after COMMIT was sent")
	}
	notCommitted := func(ctx context.Context, tx pgx.Tx) error {
		_ = tx.Rollback(ctx)
		return errors.New("connection reset before COMMIT")
	}
	cases := []struct {
		name    string
		commits []func(context.Context, pgx.Tx) error // per settle transaction; then tx.Commit
		kind    OutcomeKind
		live    int
		pending int
	}{
		{"acknowledgement lost, committed", []func(context.Context, pgx.Tx) error{ackLost}, Booked, 1, 0},
		{"failed once, settled on the second try", []func(context.Context, pgx.Tx) error{notCommitted}, Booked, 1, 0},
		{"failed every time", []func(context.Context, pgx.Tx) error{notCommitted, notCommitted, notCommitted}, Unknown, 0, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, PolicyHardened, All(), 0)
			var n atomic.Int32
			f.svc.commit = func(ctx context.Context, tx pgx.Tx) error {
				if i := int(n.Add(1)) - 1; i < len(tc.commits) {
					return tc.commits[i](ctx, tx)
				}
				return tx.Commit(ctx)
			}
			o, err := f.svc.Book(context.Background(), f.request(call687, "Hansi"))
			if o.Kind != tc.kind || len(f.live(t)) != tc.live || len(f.pending(t)) != tc.pending || f.cal.calls("POST", "/cancel") != 0 {
				t.Fatalf("%+v (%v): live %d, pending %d, cancels %d", o, err, len(f.live(t)), len(f.pending(t)), f.cal.calls("POST", "/cancel"))
			}
			if o.Kind == Unknown {
				// The booking is the call's; the sweeper settles it, the retry finds it.
				if res, err := f.svc.Sweep(context.Background()); err != nil || len(res.Settled) != 1 {
					t.Fatalf("sweep: %+v %v", res, err)
				}
				if retry := f.book(t, call687); retry.Kind != AlreadyBooked {
					t.Errorf("retry: %+v", retry)
				}
			}
		})
	}

	// The acknowledgement is lost and the re-read fails too: unknown — never a guess, and
	// never a cancel of a booking whose row is in fact committed.
	f := newFixture(t, PolicyHardened, All(), 0)
	ctx, cancel := context.WithCancel(context.Background())
	f.svc.commit = func(c context.Context, tx pgx.Tx) error {
		err := ackLost(c, tx)
		cancel()
		return err
	}
	o, err := f.svc.Book(ctx, f.request(call687, "Hansi"))
	if o.Kind != Unknown || err == nil || len(f.live(t)) != 1 || f.cal.calls("POST", "/cancel") != 0 || f.cal.accepted() != 1 {
		t.Fatalf("%+v %v: live %d", o, err, len(f.live(t)))
	}
}

// A real failed COMMIT: the settle's backend is terminated from another connection just
// before its COMMIT. The re-read on a fresh connection finds the claim pending, the settle is
// tried again on another connection, and the call is booked; nothing is cancelled.
func TestSettleCommitFailsWhenTheBackendIsTerminated(t *testing.T) {
	f := newFixture(t, PolicyHardened, All(), 0)
	var killed atomic.Bool
	f.svc.commit = func(ctx context.Context, tx pgx.Tx) error {
		if !killed.Swap(true) {
			pid := tx.Conn().PgConn().PID()
			if _, err := f.st.Pool().Exec(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
				t.Errorf("terminate backend %d: %v", pid, err)
			}
		}
		return tx.Commit(ctx)
	}
	o, err := f.svc.Book(context.Background(), f.request(call687, "Hansi"))
	if o.Kind != Booked || err != nil || len(f.live(t)) != 1 || len(f.pending(t)) != 0 || f.cal.calls("POST", "/cancel") != 0 {
		t.Fatalf("%+v %v: rows %+v", o, err, f.rows(t))
	}
}

// A claim that stopped being pending while its attempt was in flight: settled with this
// booking by someone else (the answer is booked), or released (the slot is claimed again
// and the booking stored).
func TestClaimChangedWhileInFlight(t *testing.T) {
	settleIt := func(t *testing.T, f *fixture) Hook {
		return func(ctx context.Context, at HookPoint, _ string) error {
			if at != HookBeforeSettle {
				return nil
			}
			p := f.pending(t)
			id := int64(11683112)
			_, err := store.SettleClaim(ctx, f.st.Pool(), p[0].ID, store.Settlement{BookingUID: uid687, BookingID: &id, StartsAt: slot687, EndsAt: slot687.Add(lengthMin * time.Minute)})
			return err
		}
	}
	releaseIt := func(t *testing.T, f *fixture) Hook {
		return func(ctx context.Context, at HookPoint, _ string) error {
			if at != HookBeforeSettle {
				return nil
			}
			_, err := store.ReleaseClaim(ctx, f.st.Pool(), f.pending(t)[0].ID)
			return err
		}
	}
	for _, tc := range []struct {
		name   string
		layers Layers
		hook   func(*testing.T, *fixture) Hook
	}{
		{"settled elsewhere, db_check sees it", All(), settleIt},
		{"settled elsewhere, found on re-read", All().Without(LayerDBCheck), settleIt},
		{"released elsewhere", All(), releaseIt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, PolicyHardened, tc.layers, 0)
			f.svc.hookFn = tc.hook(t, f)
			o, err := f.svc.Book(context.Background(), f.request(call687, "Hansi"))
			if o.Kind != Booked || err != nil || len(f.live(t)) != 1 || len(f.pending(t)) != 0 {
				t.Fatalf("%+v %v: rows %+v", o, err, f.rows(t))
			}
		})
	}
}

// Hardened Cancel holds nothing across the Cal.com call, so a row that changed meanwhile is
// left to whoever changed it and reported, not overwritten.
func TestHardenedCancelLeavesAConcurrentChange(t *testing.T) {
	f := newFixture(t, PolicyHardened, All(), 0)
	first := f.book(t, call687)
	f.cal.mt.RegisterRegexpResponder(http.MethodPost, regexpMust(`/v2/bookings/([^/]+)/cancel$`), func(req *http.Request) (*http.Response, error) {
		if err := store.SoftDeleteAppointment(req.Context(), f.st.Pool(), first.AppointmentID, created687); err != nil {
			t.Error(err)
		}
		return f.cal.cancel(req)
	})
	res, err := f.svc.Cancel(context.Background(), call687)
	if err == nil || !strings.Contains(err.Error(), "changed") || len(res.AppointmentIDs) != 0 {
		t.Fatalf("%+v %v", res, err)
	}
	rows := f.rows(t)
	if len(rows) != 1 || rows[0].DeletedAt == nil || rows[0].Status != store.StatusScheduled {
		t.Errorf("the concurrent change was overwritten: %+v", rows)
	}
}

// Reconcile works beside claims: a pending claim carries no booking uid and is no
// appointment yet, so Reconcile leaves it to Book and Sweep while it keeps the live rows in
// line with Cal.com.
func TestReconcileLeavesClaimsAlone(t *testing.T) {
	f := newFixture(t, PolicyHardened, All(), 0)
	f.book(t, call687)
	f.svc.hookFn = crashAt(HookBeforeSettle)
	other := f.request(call688, "Other")
	other.Start = slot687.Add(24 * time.Hour)
	other.Attendee.Email = "other@example.com"
	f.svc.Book(context.Background(), other)
	f.cal.find(uid687).Status = "cancelled" // the host cancels 687's booking in Cal.com
	res, err := f.svc.Reconcile(context.Background())
	if err != nil || len(res.Cancelled) != 1 || len(res.Moved)+len(res.Unchanged)+len(res.Failed) != 0 {
		t.Fatalf("reconcile: %+v %v", res, err)
	}
	if p := f.pending(t); len(p) != 1 || p[0].RetellCallID != call688 {
		t.Fatalf("the claim must stay for Sweep: %+v", f.rows(t))
	}
	if sw, err := f.svc.Sweep(context.Background()); err != nil || len(sw.Settled) != 1 || len(f.live(t)) != 1 {
		t.Errorf("sweep: %+v %v, live %d", sw, err, len(f.live(t)))
	}
}
