package fakecalcom

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The host-side methods change the ledger as the host would in Cal.com and refuse what
// Cal.com would refuse, with its status and message.
func TestHostActions(t *testing.T) {
	clk := newVClock()
	tt := newTester(t, Config{Clock: clk})
	f := tt.srv.Fake
	ctx := t.Context()
	uid := tt.create(createBody(1, slot, "c1", "A", "a@example.com")).data()["uid"].(string)
	clk.Advance(time.Minute)
	moved, err := f.HostReschedule(ctx, uid, slot.Add(time.Hour))
	if err != nil || moved.RescheduledFromUID != uid || !moved.Start.Equal(slot.Add(time.Hour)) || moved.RescheduledByEmail != "host1@fake-calcom.invalid" ||
		moved.Metadata["call_id"] != "c1" || !moved.UpdatedAt.Equal(moved.CreatedAt) {
		t.Fatalf("reschedule: %+v %v", moved, err)
	}
	old, _ := f.Booking(uid)
	if old.Status != StatusCancelled || old.RescheduledToUID != moved.UID || !old.UpdatedAt.Equal(clk.Now().Truncate(time.Millisecond)) || old.UpdatedAt.Equal(old.CreatedAt) {
		t.Errorf("old booking %+v", old)
	}
	cancelled, err := f.HostCancel(ctx, moved.UID, "sick")
	if err != nil || cancelled.Status != StatusCancelled || cancelled.CancelledByEmail != "host1@fake-calcom.invalid" || cancelled.CancellationReason != "sick" {
		t.Fatalf("cancel: %+v %v", cancelled, err)
	}
	pending := tt.create(createBody(2, slot, "c2", "B", "b@example.com")).data()["uid"].(string)
	if b, err := f.HostConfirm(ctx, pending); err != nil || b.Status != StatusAccepted || b.History[1].Reason != "confirmed" {
		t.Errorf("confirm: %+v %v", b, err)
	}
	pending2 := tt.create(createBody(2, slot.Add(3*time.Hour), "c3", "C", "c@example.com")).data()["uid"].(string)
	if b, err := f.HostDecline(ctx, pending2, "full"); err != nil || b.Status != StatusRejected {
		t.Errorf("decline: %+v %v", b, err)
	}
	refusals := []struct {
		name   string
		do     func() error
		status int
		msg    string
	}{
		{"cancel twice", func() error { _, err := f.HostCancel(ctx, moved.UID, ""); return err }, 400, "has been cancelled already"},
		{"cancel unknown", func() error { _, err := f.HostCancel(ctx, "nope", ""); return err }, 404, "Booking with uid=nope not found"},
		{"reschedule unknown", func() error { _, err := f.HostReschedule(ctx, "nope", slot); return err }, 404, "Booking with uid=nope was not found in the database"},
		{"reschedule moved", func() error { _, err := f.HostReschedule(ctx, uid, slot); return err }, 400, "rescheduled already to booking with uid=" + moved.UID},
		{"reschedule into the past", func() error { _, err := f.HostReschedule(ctx, pending, slot.Add(-30*24*time.Hour)); return err }, 400, MsgPastBooking},
		{"confirm accepted", func() error { _, err := f.HostConfirm(ctx, pending); return err }, 400, "Bad request"},
		{"decline unknown", func() error { _, err := f.HostDecline(ctx, "nope", ""); return err }, 404, "not found"},
	}
	for _, r := range refusals {
		var he *HostError
		if err := r.do(); !errors.As(err, &he) || he.Status != r.status || !strings.Contains(he.Message, r.msg) || !strings.Contains(err.Error(), r.msg) {
			t.Errorf("%s: %v", r.name, err)
		}
	}
}

// Reschedule runs through the create handler: the round-robin replay applies, the non-team
// message answers a busy slot, and the check/insert gap separates the check from the move.
func TestRescheduleLikeCreate(t *testing.T) {
	clk := newVClock()
	ets := []EventType{{ID: 7, Kind: RoundRobin, LengthMinutes: 30, HostID: 1}}
	tt := newTester(t, Config{Clock: clk, EventTypes: ets, CheckInsertGap: 2 * time.Second})
	a := tt.create(createBody(7, slot, "c1", "A", "a@example.com")).data()
	b := tt.create(createBody(7, slot.Add(time.Hour), "c2", "A", "a@example.com")).data()
	busy := tt.must("POST", "/v2/bookings/"+a["uid"].(string)+"/reschedule", "2024-08-13", map[string]any{"start": slot.Add(45 * time.Minute).Format(time.RFC3339)})
	if busy.status != 400 || busy.errMsg() != MsgSlotTaken {
		t.Errorf("reschedule onto a busy host: %d %s (want the non-team message)", busy.status, busy.raw)
	}
	t0 := clk.Now()
	rep := tt.must("POST", "/v2/bookings/"+a["uid"].(string)+"/reschedule", "2024-08-13", map[string]any{"start": slot.Add(time.Hour).Format(time.RFC3339)})
	if rep.status != 201 || rep.data()["uid"] != b["uid"] {
		t.Fatalf("round-robin replay on reschedule: %d %s", rep.status, rep.raw)
	}
	if j := tt.srv.Fake.Journal(); !j[len(j)-1].Replayed || j[len(j)-1].Created {
		t.Errorf("journal of a replayed reschedule: %+v", j[len(j)-1])
	}
	if old, _ := tt.srv.Fake.Booking(a["uid"].(string)); old.Status != StatusAccepted {
		t.Errorf("a replayed reschedule moved nothing, yet the booking is %s", old.Status)
	}
	if !clk.Now().Equal(t0) {
		t.Errorf("a replay passed the gap")
	}
	moved := tt.must("POST", "/v2/bookings/"+a["uid"].(string)+"/reschedule", "2024-08-13", map[string]any{"start": slot.Add(2 * time.Hour).Format(time.RFC3339)})
	created, _ := time.Parse(time.RFC3339Nano, moved.data()["createdAt"].(string))
	if moved.status != 201 || !created.Equal(t0.Add(2*time.Second).Truncate(time.Millisecond)) {
		t.Errorf("reschedule after the gap: createdAt %v, want %v (%s)", created, t0.Add(2*time.Second), moved.raw)
	}
	if r := tt.must("POST", "/v2/bookings/nope/reschedule", "2024-08-13", map[string]any{"start": slot.Format(time.RFC3339)}); r.status != http.StatusNotFound || r.errMsg() != "Booking with uid=nope was not found in the database" {
		t.Errorf("reschedule unknown: %d %s", r.status, r.raw)
	}
	if r := tt.must("POST", "/v2/bookings/"+moved.data()["uid"].(string)+"/reschedule", "2024-08-13", map[string]any{"start": slot.Format(time.RFC3339), "seatUid": "s"}); r.status != 400 || !strings.Contains(r.errMsg(), "Invalid seatUid") {
		t.Errorf("reschedule a seat: %d %s", r.status, r.raw)
	}
}

// A booking cancelled while its reschedule sat in the check/insert gap is not moved.
func TestRescheduleLosesToACancelInTheGap(t *testing.T) {
	clk := &gapClock{vclock: newVClock()}
	tt := newTester(t, Config{Clock: clk, CheckInsertGap: time.Second})
	f := tt.srv.Fake
	uid := tt.create(createBody(1, slot, "c1", "A", "a@example.com")).data()["uid"].(string)
	clk.during = func() { // in the reschedule's gap, the host cancels
		if _, err := f.HostCancel(t.Context(), uid, "sick"); err != nil {
			t.Error(err)
		}
	}
	r := tt.must("POST", "/v2/bookings/"+uid+"/reschedule", "2024-08-13", map[string]any{"start": slot.Add(time.Hour).Format(time.RFC3339)})
	if r.status != 400 || !strings.Contains(r.errMsg(), "because it has been cancelled") || len(f.Bookings()) != 1 {
		t.Errorf("%d %s, %d bookings", r.status, r.raw, len(f.Bookings()))
	}
}

// gapClock runs during once, the first time the fake advances it (its check/insert gap).
type gapClock struct {
	*vclock
	during func()
}

func (c *gapClock) Advance(d time.Duration) {
	if fn := c.during; fn != nil {
		c.during = nil
		fn()
	}
	c.vclock.Advance(d)
}
