package core

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/core/store"
)

// hostChanges plays the host's own changes in the mock Cal.com: reschedules (old booking
// cancelled with rescheduledToUid, a new booking with a new uid) and cancellations. It
// installs the mock's GET edit that renders rescheduledToUid / rescheduledFromUid.
type hostChanges struct {
	cal  *mockCal
	to   map[string]string // old uid → new uid
	from map[string]string // new uid → old uid
}

func newHostChanges(m *mockCal) *hostChanges {
	h := &hostChanges{cal: m, to: map[string]string{}, from: map[string]string{}}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.editGet = func(w map[string]any) { // runs under m.mu
		uid, _ := w["uid"].(string)
		if to, ok := h.to[uid]; ok {
			w["rescheduledToUid"] = to
		}
		if from, ok := h.from[uid]; ok {
			w["rescheduledFromUid"] = from
		}
	}
	return h
}

// reschedule moves booking uid to start, as the host does in Cal.com's UI, and returns the
// new booking.
func (h *hostChanges) reschedule(t testing.TB, uid string, start time.Time) mockBooking {
	t.Helper()
	h.cal.mu.Lock()
	defer h.cal.mu.Unlock()
	old := h.cal.find(uid)
	if old == nil {
		t.Fatalf("no booking %s to reschedule", uid)
	}
	nb := &mockBooking{ID: h.cal.nextID, UID: fmt.Sprintf("uid%019d", h.cal.nextID), Start: start,
		End: start.Add(old.End.Sub(old.Start)), CreatedAt: h.cal.clock.Now(), Status: "accepted",
		Email: old.Email, Metadata: old.Metadata}
	h.cal.nextID++
	h.cal.bookings = append(h.cal.bookings, nb)
	old.Status = "cancelled"
	h.to[uid], h.from[nb.UID] = nb.UID, uid
	return *nb
}

// link marks uid as cancelled and rescheduled to an existing booking (a malformed or cyclic
// chain, or a reschedule onto a booking another row already holds).
func (h *hostChanges) link(uid, to string) {
	h.cal.mu.Lock()
	defer h.cal.mu.Unlock()
	h.cal.find(uid).Status = "cancelled"
	h.to[uid] = to
}

// edit changes a booking in place (status, times) or, with a nil fn, deletes it.
func (h *hostChanges) edit(uid string, fn func(*mockBooking)) {
	h.cal.mu.Lock()
	defer h.cal.mu.Unlock()
	for i, b := range h.cal.bookings {
		if b.UID != uid {
			continue
		}
		if fn == nil {
			h.cal.bookings = append(h.cal.bookings[:i], h.cal.bookings[i+1:]...)
			return
		}
		fn(b)
		return
	}
}

func (h *hostChanges) status(uid string) string {
	h.cal.mu.Lock()
	defer h.cal.mu.Unlock()
	return h.cal.find(uid).Status
}

// appointment reads one row (live or not).
func (f *fixture) appointment(t testing.TB, id int64) store.Appointment {
	t.Helper()
	rows, err := store.AllAppointments(context.Background(), f.st.Pool())
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range rows {
		if a.ID == id {
			return a
		}
	}
	t.Fatalf("no appointment %d", id)
	return store.Appointment{}
}

// bookAt books callID at start (another slot than the incident's).
func (f *fixture) bookAt(t testing.TB, callID string, start time.Time) Outcome {
	t.Helper()
	req := f.request(callID, "Caller "+callID)
	req.Start = start
	o, err := f.svc.Book(context.Background(), req)
	if o.Kind != Booked {
		t.Fatalf("book %s at %s: %s (%s) %v", callID, start, o.Kind, o.Reason, err)
	}
	return o
}

func items(r ReconcileResult) []ReconcileItem {
	var all []ReconcileItem
	for _, l := range [][]ReconcileItem{r.Moved, r.Cancelled, r.Unchanged, r.Failed} {
		all = append(all, l...)
	}
	return all
}

// itemFor returns the result's item for appointment id; exactly one must exist.
func itemFor(t testing.TB, r ReconcileResult, id int64) ReconcileItem {
	t.Helper()
	var found []ReconcileItem
	for _, it := range items(r) {
		if it.AppointmentID == id {
			found = append(found, it)
		}
	}
	if len(found) != 1 {
		t.Fatalf("appointment %d appears %d times in %+v", id, len(found), r)
	}
	return found[0]
}

// Each case books call 687 (slot687, uid687), lets the host change Cal.com, runs Reconcile
// and checks 687's row; then runs Reconcile again, which must change nothing.
func TestReconcile(t *testing.T) {
	later := slot687.Add(2 * time.Hour)
	type env struct {
		f    *fixture
		h    *hostChanges
		appt store.Appointment // 687's row before reconcile
	}
	cases := []struct {
		name    string
		policy  Policy
		arrange func(t *testing.T, e env) (wantUID string, wantStart time.Time)
		want    ReconcileAction
		wantErr error  // errors.Is on a failed item's Err
		reason  string // substring of the item's Reason
		// wantLive is whether 687's row is live afterwards.
		wantLive bool
	}{
		{
			name: "host reschedules: the row moves to the new booking", policy: PolicyHardened,
			arrange: func(t *testing.T, e env) (string, time.Time) {
				nb := e.h.reschedule(t, uid687, later)
				return nb.UID, later
			},
			want: ReconcileMoved, reason: "rescheduled in Cal.com to", wantLive: true,
		},
		{
			name: "seed schema: reconcile is policy-independent", policy: PolicySeed,
			arrange: func(t *testing.T, e env) (string, time.Time) {
				nb := e.h.reschedule(t, uid687, later)
				return nb.UID, later
			},
			want: ReconcileMoved, reason: "rescheduled in Cal.com to", wantLive: true,
		},
		{
			name: "host reschedules twice: the chain is followed to its end", policy: PolicyHardened,
			arrange: func(t *testing.T, e env) (string, time.Time) {
				mid := e.h.reschedule(t, uid687, later)
				last := e.h.reschedule(t, mid.UID, later.Add(time.Hour))
				return last.UID, later.Add(time.Hour)
			},
			want: ReconcileMoved, reason: "rescheduled in Cal.com to", wantLive: true,
		},
		{
			name: "same uid at another time: the row's times follow", policy: PolicyHardened,
			arrange: func(t *testing.T, e env) (string, time.Time) {
				e.h.edit(uid687, func(b *mockBooking) { b.Start, b.End = later, later.Add(lengthMin*time.Minute) })
				return uid687, later
			},
			want: ReconcileMoved, reason: "now starts at", wantLive: true,
		},
		{
			name: "host cancels: the row is cancelled", policy: PolicyHardened,
			arrange: func(t *testing.T, e env) (string, time.Time) {
				e.h.edit(uid687, func(b *mockBooking) { b.Status = "cancelled" })
				return uid687, slot687
			},
			want: ReconcileCancelled, reason: "was cancelled in Cal.com",
		},
		{
			name: "host rejects: the row is cancelled", policy: PolicyHardened,
			arrange: func(t *testing.T, e env) (string, time.Time) {
				e.h.edit(uid687, func(b *mockBooking) { b.Status = "rejected" })
				return uid687, slot687
			},
			want: ReconcileCancelled, reason: "was rejected in Cal.com",
		},
		{
			name: "rescheduled, then the new booking cancelled: the row is cancelled", policy: PolicyHardened,
			arrange: func(t *testing.T, e env) (string, time.Time) {
				nb := e.h.reschedule(t, uid687, later)
				e.h.edit(nb.UID, func(b *mockBooking) { b.Status = "cancelled" })
				return uid687, slot687
			},
			want: ReconcileCancelled, reason: "which was then cancelled",
		},
		{
			name: "nothing changed in Cal.com", policy: PolicyHardened,
			arrange: func(t *testing.T, e env) (string, time.Time) { return uid687, slot687 },
			want:    ReconcileUnchanged, reason: "accepted at the row's time", wantLive: true,
		},
		{
			name: "404: reported, row unchanged", policy: PolicyHardened,
			arrange: func(t *testing.T, e env) (string, time.Time) {
				e.h.edit(uid687, nil)
				return uid687, slot687
			},
			want: ReconcileFailed, wantErr: calcom.ErrNotFound, reason: "not found in Cal.com", wantLive: true,
		},
		{
			name: "503: reported, row unchanged", policy: PolicyHardened,
			arrange: func(t *testing.T, e env) (string, time.Time) {
				e.f.cal.mt.RegisterResponder(http.MethodGet, calcomTest+"/v2/bookings/"+uid687, httpmock.NewStringResponder(503,
					`{"status":"error","error":{"code":"InternalServerErrorException","message":"boom"}}`))
				return uid687, slot687
			},
			want: ReconcileFailed, wantErr: calcom.ErrServer, reason: "reading the booking from Cal.com failed", wantLive: true,
		},
		{
			name: "transport error: reported, row unchanged", policy: PolicyHardened,
			arrange: func(t *testing.T, e env) (string, time.Time) {
				e.f.cal.mt.RegisterResponder(http.MethodGet, calcomTest+"/v2/bookings/"+uid687,
					httpmock.NewErrorResponder(errors.New("connection reset by peer")))
				return uid687, slot687
			},
			want: ReconcileFailed, wantErr: calcom.ErrTransport, reason: "reading the booking from Cal.com failed", wantLive: true,
		},
		{
			name: "new booking missing (404 on rescheduledToUid): row unchanged", policy: PolicyHardened,
			arrange: func(t *testing.T, e env) (string, time.Time) {
				e.h.link(uid687, "uidGone0000000000000000")
				return uid687, slot687
			},
			want: ReconcileFailed, wantErr: calcom.ErrNotFound, reason: "not found", wantLive: true,
		},
		{
			name: "reschedule chain with a cycle: reported, row unchanged", policy: PolicyHardened,
			arrange: func(t *testing.T, e env) (string, time.Time) {
				nb := e.h.reschedule(t, uid687, later)
				e.h.link(nb.UID, uid687)
				return uid687, slot687
			},
			want: ReconcileFailed, reason: "reading the booking from Cal.com failed", wantLive: true,
		},
		{
			name: "moved onto another live appointment's time: exclusion, row unchanged", policy: PolicyHardened,
			arrange: func(t *testing.T, e env) (string, time.Time) {
				e.f.bookAt(t, call688, later)
				e.h.reschedule(t, uid687, later.Add(15*time.Minute))
				return uid687, slot687
			},
			want: ReconcileFailed, reason: "overlaps another live appointment", wantLive: true,
		},
		{
			name: "moved onto a booking another row carries: reported, row unchanged", policy: PolicyHardened,
			arrange: func(t *testing.T, e env) (string, time.Time) {
				other := e.f.bookAt(t, call688, later)
				e.h.link(uid687, other.BookingUID)
				return uid687, slot687
			},
			want: ReconcileFailed, wantErr: errHeldElsewhere, reason: "another appointment already carries", wantLive: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.policy, All(), 0)
			h := newHostChanges(f.cal)
			first := f.book(t, call687)
			mustOutcome(t, first, Booked, "")
			e := env{f: f, h: h, appt: f.appointment(t, first.AppointmentID)}
			wantUID, wantStart := tc.arrange(t, e)

			res, err := f.svc.Reconcile(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			it := itemFor(t, res, e.appt.ID)
			if it.Action != tc.want || !strings.Contains(it.Reason, tc.reason) {
				t.Fatalf("item = %s %q (err %v), want %s containing %q", it.Action, it.Reason, it.Err, tc.want, tc.reason)
			}
			if (it.Action == ReconcileFailed) != (it.Err != nil) {
				t.Errorf("action %s with err %v", it.Action, it.Err)
			}
			if tc.wantErr != nil && !errors.Is(it.Err, tc.wantErr) {
				t.Errorf("err = %v, want errors.Is %v", it.Err, tc.wantErr)
			}
			if it.BookingUID != uid687 {
				t.Errorf("item names uid %q, want the old uid %s", it.BookingUID, uid687)
			}
			after := f.appointment(t, e.appt.ID)
			if after.Live() != tc.wantLive {
				t.Errorf("row live = %v (status %s), want %v", after.Live(), after.Status, tc.wantLive)
			}
			if after.BookingUID != wantUID || !after.StartsAt.Equal(wantStart) ||
				!after.EndsAt.Equal(wantStart.Add(lengthMin*time.Minute)) {
				t.Errorf("row = uid %s %s–%s, want uid %s at %s", after.BookingUID, after.StartsAt, after.EndsAt, wantUID, wantStart)
			}
			if tc.want == ReconcileMoved {
				if it.NewBookingUID != wantUID {
					t.Errorf("NewBookingUID = %q, want %q", it.NewBookingUID, wantUID)
				}
				f.cal.mu.Lock()
				nb := f.cal.find(wantUID)
				f.cal.mu.Unlock()
				if after.BookingID == nil || *after.BookingID != nb.ID {
					t.Errorf("numeric id = %v, want %d", after.BookingID, nb.ID)
				}
			} else if after.BookingID == nil || e.appt.BookingID == nil || *after.BookingID != *e.appt.BookingID {
				t.Errorf("numeric id changed: %v → %v", e.appt.BookingID, after.BookingID)
			}

			again, err := f.svc.Reconcile(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if again.Changed() {
				t.Errorf("second pass changed rows: %+v", again)
			}
			if again := f.appointment(t, e.appt.ID); again.BookingUID != after.BookingUID || !again.StartsAt.Equal(after.StartsAt) || again.Status != after.Status {
				t.Errorf("second pass changed the row: %+v → %+v", after, again)
			}
			if !strings.Contains(f.logs.String(), `"msg":"reconcile"`) {
				t.Error("no reconcile log record")
			}
		})
	}
}

// A failure on one appointment does not stop the pass: the others are still reconciled.
func TestReconcileContinuesAfterFailure(t *testing.T) {
	f := newFixture(t, PolicyHardened, All(), 0)
	h := newHostChanges(f.cal)
	a := f.book(t, call687)
	b := f.bookAt(t, call688, slot687.Add(3*time.Hour))
	f.cal.mt.RegisterResponder(http.MethodGet, calcomTest+"/v2/bookings/"+a.BookingUID, httpmock.NewStringResponder(502, `bad gateway`))
	h.edit(b.BookingUID, func(m *mockBooking) { m.Status = "cancelled" })

	res, err := f.svc.Reconcile(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failed) != 1 || res.Failed[0].AppointmentID != a.AppointmentID {
		t.Errorf("failed = %+v, want appointment %d", res.Failed, a.AppointmentID)
	}
	if len(res.Cancelled) != 1 || res.Cancelled[0].AppointmentID != b.AppointmentID {
		t.Errorf("cancelled = %+v, want appointment %d", res.Cancelled, b.AppointmentID)
	}
	if live := f.live(t); len(live) != 1 || live[0].ID != a.AppointmentID {
		t.Errorf("live rows = %+v, want only %d", live, a.AppointmentID)
	}
}

// cancellingCal cancels the pass's context on the first GetBooking, as a shutdown would.
type cancellingCal struct {
	Calcom
	cancel context.CancelFunc
}

func (c cancellingCal) GetBooking(ctx context.Context, uid string) (calcom.BookingResult, error) {
	c.cancel()
	return c.Calcom.GetBooking(ctx, uid)
}

// When ctx ends, Reconcile stops, says so, and reports what it did so far.
func TestReconcileStopsWhenContextEnds(t *testing.T) {
	f := newFixture(t, PolicyHardened, All(), 0)
	f.book(t, call687)
	f.bookAt(t, call688, slot687.Add(3*time.Hour))

	ctx, cancel := context.WithCancel(context.Background())
	f.svc.cal = cancellingCal{Calcom: f.svc.cal, cancel: cancel}
	res, err := f.svc.Reconcile(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n := len(items(res)); n != 1 {
		t.Errorf("%d items before stopping, want 1: %+v", n, res)
	}
	if _, err := f.svc.Reconcile(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("listing with a cancelled ctx: err = %v, want context.Canceled", err)
	}
	if live := f.live(t); len(live) != 2 {
		t.Errorf("%d live rows, want 2 (nothing changed)", len(live))
	}
}

// Reconcile passes race each other and a retry of the moved call: the locks make exactly
// one pass move the row, nobody fails, and no two live rows share a uid.
func TestReconcileConcurrentWithBook(t *testing.T) {
	f := newFixture(t, PolicyHardened, All(), 0)
	h := newHostChanges(f.cal)
	first := f.book(t, call687)
	nb := h.reschedule(t, uid687, slot687.Add(2*time.Hour))

	const passes = 4
	results := make([]ReconcileResult, passes)
	errs := make([]error, passes)
	var retry Outcome
	race(passes+1, func(i int) {
		if i == passes {
			retry = f.book(t, call687)
			return
		}
		results[i], errs[i] = f.svc.Reconcile(context.Background())
	})
	moved := 0
	for i, r := range results {
		if errs[i] != nil || len(r.Failed) > 0 {
			t.Errorf("pass %d: err %v, failed %+v", i, errs[i], r.Failed)
		}
		for _, it := range r.Moved {
			if it.AppointmentID == first.AppointmentID {
				moved++
			}
		}
	}
	if moved != 1 {
		t.Errorf("row moved %d times, want exactly once", moved)
	}
	if got := f.appointment(t, first.AppointmentID); got.BookingUID != nb.UID {
		t.Errorf("687's row carries %s, want %s", got.BookingUID, nb.UID)
	}
	if retry.Kind != Booked && retry.Kind != AlreadyBooked {
		t.Errorf("retry told %s (%s)", retry.Kind, retry.Reason)
	}
	seen := map[string]bool{}
	for _, a := range f.live(t) {
		if seen[a.BookingUID] {
			t.Errorf("two live rows carry %s", a.BookingUID)
		}
		seen[a.BookingUID] = true
		if st := h.status(a.BookingUID); st != "accepted" {
			t.Errorf("live row %d carries a %s booking", a.ID, st)
		}
	}
}

// A row that changed between the listing and the locks is left to whoever changed it.
func TestReconcileStaleRow(t *testing.T) {
	f := newFixture(t, PolicyHardened, All(), 0)
	h := newHostChanges(f.cal)
	first := f.book(t, call687)
	h.edit(uid687, func(b *mockBooking) { b.Status = "cancelled" })
	a := f.appointment(t, first.AppointmentID)
	if err := store.CancelAppointment(context.Background(), f.st.Pool(), a.ID); err != nil {
		t.Fatal(err)
	}
	it := f.svc.reconcileOne(context.Background(), a) // a is the stale, still-live copy
	if it.Action != ReconcileUnchanged || !strings.Contains(it.Reason, "changed concurrently") {
		t.Errorf("item = %s %q (%v), want unchanged", it.Action, it.Reason, it.Err)
	}
	gone := a
	gone.ID = 1 << 40
	if it := f.svc.reconcileOne(context.Background(), gone); it.Action != ReconcileUnchanged {
		t.Errorf("vanished row: item = %s %q (%v), want unchanged", it.Action, it.Reason, it.Err)
	}
}
