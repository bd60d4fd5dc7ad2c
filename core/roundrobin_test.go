package core

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/core/store"
)

// teamEventType is a round robin with hosts 1 and 2 (docs/calcom.md §3).
const teamEventType = 2563194

// teamFixture is a hardened service whose mock Cal.com runs a round robin with hosts 1 and
// 2, and the application's service for it (both hosts linked, host 1 first).
func teamFixture(t *testing.T) (*fixture, store.Fixtures) {
	t.Helper()
	f := newFixture(t, PolicyHardened, All(), 0)
	fx, err := store.SeedFixtures(context.Background(), f.st.Pool(), []store.EventTypeFixture{
		{EventTypeID: teamEventType, HostUserIDs: []int64{1, 2}, LengthMinutes: lengthMin}})
	if err != nil {
		t.Fatal(err)
	}
	f.cal.team = []int64{1, 2}
	return f, fx
}

// teamRequest is callID's request for the team slot, with an email of its own.
func teamRequest(fx store.Fixtures, callID string) Request {
	svc := fx.Services[teamEventType]
	return Request{CallID: callID, EventTypeID: teamEventType, Start: slot687, LengthMinutes: lengthMin,
		Attendee:   Attendee{Name: "Caller", Email: callID + "@example.org", TimeZone: "Europe/Berlin"},
		CustomerID: fx.CustomerID, ServiceID: svc.ServiceID, StaffID: svc.StaffID}
}

// The claim goes on the first free host: a second caller is not turned away while Cal.com
// would give it host 2, and a third, with both hosts live, is stopped before Cal.com.
func TestRoundRobinClaimsAFreeHost(t *testing.T) {
	f, fx := teamFixture(t)
	ctx := context.Background()
	for i, call := range []string{"call_team_a", "call_team_b"} {
		if o, err := f.svc.Book(ctx, teamRequest(fx, call)); o.Kind != Booked {
			t.Fatalf("caller %d: %+v %v", i+1, o, err)
		}
	}
	stored := map[int64]bool{}
	for _, a := range f.live(t) {
		stored[a.StaffID] = true
	}
	if !stored[fx.Staff[1]] || !stored[fx.Staff[2]] {
		t.Errorf("rows on staff %v, want host 1's %d and host 2's %d", stored, fx.Staff[1], fx.Staff[2])
	}
	o, _ := f.svc.Book(ctx, teamRequest(fx, "call_team_c"))
	mustOutcome(t, o, SlotTaken, LayerSlotExclusion)
	if !strings.Contains(o.Reason, "every host of the event type (2)") || f.cal.calls("POST", "/v2/bookings") != 2 {
		t.Errorf("third caller: %q after %d creates", o.Reason, f.cal.calls("POST", "/v2/bookings"))
	}
}

// Cal.com gives the second caller the host the first one claimed (caller 1 is held after
// its claim, before its create): settling caller 2 meets caller 1's pending claim on host 1,
// the claims swap hosts, and caller 1 then settles on host 2, which Cal.com gives it.
func TestSettleSwapsHostsWithARivalClaim(t *testing.T) {
	f, fx := teamFixture(t)
	ctx := context.Background()
	claimed, release := make(chan struct{}), make(chan struct{})
	f.svc.hookFn = func(_ context.Context, at HookPoint, callID string) error {
		if at == HookBeforeCalcom && callID == "call_team_a" {
			close(claimed)
			<-release
		}
		return nil
	}
	var wg sync.WaitGroup
	var first Outcome
	wg.Go(func() { first, _ = f.svc.Book(ctx, teamRequest(fx, "call_team_a")) })
	<-claimed
	if p := f.pending(t); len(p) != 1 || p[0].StaffID != fx.Staff[1] {
		t.Fatalf("caller 1's claim: %+v", p)
	}
	second, err := f.svc.Book(ctx, teamRequest(fx, "call_team_b"))
	close(release)
	wg.Wait()
	if second.Kind != Booked || first.Kind != Booked {
		t.Fatalf("second %+v (%v), first %+v", second, err, first)
	}
	on := map[string]int64{}
	for _, a := range f.live(t) {
		on[a.RetellCallID] = a.StaffID
	}
	if on["call_team_b"] != fx.Staff[1] || on["call_team_a"] != fx.Staff[2] || f.cal.calls("POST", "/cancel") != 0 {
		t.Errorf("rows %v (host 1 = staff %d), cancels %d", on, fx.Staff[1], f.cal.calls("POST", "/cancel"))
	}
}

// MoveClaim moves a claim onto the assigned host's staff member, swaps it with a rival's
// claim for the same slot, and refuses to move it onto anything else.
func TestMoveClaim(t *testing.T) {
	ctx := context.Background()
	end := slot687.Add(lengthMin * time.Minute)
	tests := []struct {
		name string
		// prepare writes what else is on the staff members and returns the claim to move
		prepare   func(t *testing.T, f *fixture, fx store.Fixtures) int64
		host      int64
		moved     bool
		wantStaff func(fx store.Fixtures) int64 // where the claim is afterwards
	}{
		{"onto a free host", func(t *testing.T, f *fixture, fx store.Fixtures) int64 {
			return claimOn(t, f, fx, "call_a", fx.Staff[1])
		}, 2, true, func(fx store.Fixtures) int64 { return fx.Staff[2] }},
		{"already there", func(t *testing.T, f *fixture, fx store.Fixtures) int64 {
			return claimOn(t, f, fx, "call_a", fx.Staff[2])
		}, 2, true, func(fx store.Fixtures) int64 { return fx.Staff[2] }},
		{"an unknown host keeps it", func(t *testing.T, f *fixture, fx store.Fixtures) int64 {
			return claimOn(t, f, fx, "call_a", fx.Staff[1])
		}, 99, true, func(fx store.Fixtures) int64 { return fx.Staff[1] }},
		{"swapped with a rival's claim", func(t *testing.T, f *fixture, fx store.Fixtures) int64 {
			claimOn(t, f, fx, "call_b", fx.Staff[2])
			return claimOn(t, f, fx, "call_a", fx.Staff[1])
		}, 2, true, func(fx store.Fixtures) int64 { return fx.Staff[2] }},
		{"not onto a live appointment", func(t *testing.T, f *fixture, fx store.Fixtures) int64 {
			id := claimOn(t, f, fx, "call_b", fx.Staff[2])
			if ok, err := store.SettleClaim(ctx, f.st.Pool(), id, store.Settlement{BookingUID: "uid_b", StartsAt: slot687, EndsAt: end}); err != nil || !ok {
				t.Fatal(ok, err)
			}
			return claimOn(t, f, fx, "call_a", fx.Staff[1])
		}, 2, false, func(fx store.Fixtures) int64 { return fx.Staff[1] }},
		{"not onto another service's claim", func(t *testing.T, f *fixture, fx store.Fixtures) int64 {
			other := f.request("call_other", "Other")
			if res, err := store.InsertClaim(ctx, f.st.Pool(), f.svc.newClaim(other, fx.Staff[2])); err != nil || res.ClaimID == 0 {
				t.Fatal(res, err)
			}
			return claimOn(t, f, fx, "call_a", fx.Staff[1])
		}, 2, false, func(fx store.Fixtures) int64 { return fx.Staff[1] }},
		{"not a settled row", func(t *testing.T, f *fixture, fx store.Fixtures) int64 {
			id := claimOn(t, f, fx, "call_a", fx.Staff[1])
			if ok, err := store.SettleClaim(ctx, f.st.Pool(), id, store.Settlement{BookingUID: "uid_a", StartsAt: slot687, EndsAt: end}); err != nil || !ok {
				t.Fatal(ok, err)
			}
			return id
		}, 2, false, func(fx store.Fixtures) int64 { return fx.Staff[1] }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, fx := teamFixture(t)
			id := tt.prepare(t, f, fx)
			tx, err := f.st.Pool().Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			moved, err := store.MoveClaim(ctx, tx, id, tt.host)
			if err != nil || moved != tt.moved {
				t.Fatalf("moved %v (%v), want %v", moved, err, tt.moved)
			}
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			row, err := store.AppointmentByID(ctx, f.st.Pool(), id)
			if err != nil || row.StaffID != tt.wantStaff(fx) || row.DeletedAt != nil {
				t.Fatalf("row %+v (%v), want staff %d", row, err, tt.wantStaff(fx))
			}
			for _, r := range f.rows(t) {
				if r.ID != id && r.RetellCallID == "call_b" && r.Pending() && r.StaffID != fx.Staff[1] {
					t.Errorf("the rival's claim stayed on staff %d, want host 1's", r.StaffID)
				}
			}
		})
	}
}

// claimOn writes call's claim for the team slot on staff member staff.
func claimOn(t *testing.T, f *fixture, fx store.Fixtures, call string, staff int64) int64 {
	t.Helper()
	req := teamRequest(fx, call)
	res, err := store.InsertClaim(context.Background(), f.st.Pool(), f.svc.newClaim(req, staff))
	if err != nil || res.ClaimID == 0 {
		t.Fatalf("claim %s on %d: %+v %v", call, staff, res, err)
	}
	return res.ClaimID
}
