package history

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	t0    = time.Date(2025, 10, 10, 6, 0, 0, 0, time.UTC)
	slotA = SlotKey{EventTypeID: 2563193, HostID: 1, Start: t0}
	slotB = SlotKey{EventTypeID: 2563193, HostID: 1, Start: t0.Add(time.Hour)}
)

// fixedClock never moves, like a virtual clock between Advance calls.
type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// op builds a hand-made operation occupying [call, ret] seconds.
func op(seq int, call string, kind Kind, slot SlotKey, from, to int, outcome string) Operation {
	return Operation{
		Seq: seq, CallID: call, Kind: kind, Slot: slot,
		Call: t0.Add(time.Duration(from) * time.Second), Return: t0.Add(time.Duration(to) * time.Second),
		Outcome: outcome, Result: ResultOf(outcome),
	}
}

func TestResultOf(t *testing.T) {
	tests := map[string]Result{
		OutcomeBooked: ResultOK, OutcomeAlreadyBooked: ResultOK, OutcomeCancelled: ResultOK,
		OutcomeSlotTaken: ResultFail, OutcomeError: ResultFail,
		OutcomeUnknown: ResultUnknown, "": ResultUnknown, "weird": ResultUnknown,
	}
	for outcome, want := range tests {
		if got := ResultOf(outcome); got != want {
			t.Errorf("ResultOf(%q) = %q, want %q", outcome, got, want)
		}
	}
}

func TestRecorder(t *testing.T) {
	r := NewRecorder(fixedClock{t0}, 4)
	a := r.Begin("call_a", KindBook, slotA)
	b := r.Begin("call_b", KindBook, slotA)
	if err := r.End(a, Response{Outcome: OutcomeBooked, AppointmentID: 7, BookingUID: "uid1"}); err != nil {
		t.Fatal(err)
	}
	if err := r.End(a, Response{Outcome: OutcomeBooked}); err == nil {
		t.Error("second End of one token: want error")
	}
	if err := r.End(Token(9), Response{}); err == nil {
		t.Error("End of unknown token: want error")
	}
	ops := r.Operations()
	if len(ops) != 2 || r.Len() != 2 {
		t.Fatalf("got %d operations, want 2", len(ops))
	}
	got := ops[0]
	if got.Seq != 0 || got.CallTick != 1 || got.ReturnTick != 3 || got.Result != ResultOK ||
		got.AppointmentID != 7 || got.BookingUID != "uid1" || got.Pending {
		t.Errorf("ended op = %+v", got)
	}
	if p := ops[1]; !p.Pending || p.Result != ResultUnknown || p.Outcome != OutcomeUnknown || int(b) != 1 {
		t.Errorf("pending op = %+v", p)
	}
	if err := r.End(b, Response{Outcome: OutcomeError, Err: errors.New("boom")}); err != nil {
		t.Fatal(err)
	}
	if p := r.Operations()[1]; p.Pending || p.Result != ResultFail || p.Err != "boom" {
		t.Errorf("after End, op = %+v", p)
	}
}

func TestRecorderConcurrent(t *testing.T) {
	r := NewRecorder(fixedClock{t0}, 0)
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok := r.Begin("call", KindBook, slotA)
			outcome := OutcomeSlotTaken
			if i == 0 {
				outcome = OutcomeBooked
			}
			if err := r.End(tok, Response{Outcome: outcome}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	ops := r.Operations()
	seen := make(map[int64]bool)
	for i, o := range ops {
		if o.Seq != i || o.Pending || o.ReturnTick <= o.CallTick || seen[o.CallTick] || seen[o.ReturnTick] {
			t.Fatalf("op %d has bad seq/ticks: %+v", i, o)
		}
		seen[o.CallTick], seen[o.ReturnTick] = true, true
	}
}

func TestCheckSlots(t *testing.T) {
	tests := []struct {
		name string
		ops  []Operation
		want Verdict
	}{
		{"single booking", []Operation{op(0, "a", KindBook, slotA, 0, 1, OutcomeBooked)}, VerdictOK},
		{"second caller told taken", []Operation{
			op(0, "a", KindBook, slotA, 0, 1, OutcomeBooked),
			op(1, "b", KindBook, slotA, 2, 3, OutcomeSlotTaken),
		}, VerdictOK},
		{"call 687/688 duplicate: both told booked", []Operation{
			op(0, "call_687", KindBook, slotA, 0, 1, OutcomeBooked),
			op(1, "call_688", KindBook, slotA, 2100, 2101, OutcomeBooked),
		}, VerdictIllegal},
		{"concurrent double grant", []Operation{
			op(0, "a", KindBook, slotA, 0, 10, OutcomeBooked),
			op(1, "b", KindBook, slotA, 1, 9, OutcomeBooked),
		}, VerdictIllegal},
		{"concurrent winner and loser", []Operation{
			op(0, "a", KindBook, slotA, 0, 10, OutcomeBooked),
			op(1, "b", KindBook, slotA, 1, 5, OutcomeSlotTaken),
		}, VerdictOK},
		{"turned away from a free slot", []Operation{
			op(0, "b", KindBook, slotA, 0, 1, OutcomeSlotTaken),
			op(1, "a", KindBook, slotA, 2, 3, OutcomeBooked),
		}, VerdictIllegal},
		{"retry answered already booked", []Operation{
			op(0, "a", KindBook, slotA, 0, 1, OutcomeBooked),
			op(1, "a", KindBook, slotA, 10, 11, OutcomeAlreadyBooked),
		}, VerdictOK},
		{"retry answered error while holding", []Operation{
			op(0, "a", KindBook, slotA, 0, 1, OutcomeBooked),
			op(1, "a", KindBook, slotA, 10, 11, OutcomeError),
		}, VerdictIllegal},
		{"error for another caller", []Operation{
			op(0, "a", KindBook, slotA, 0, 1, OutcomeBooked),
			op(1, "b", KindBook, slotA, 10, 11, OutcomeError),
		}, VerdictOK},
		{"retry told taken for own slot (seed freshness on own replay)", []Operation{
			op(0, "a", KindBook, slotA, 0, 1, OutcomeBooked),
			op(1, "a", KindBook, slotA, 35, 36, OutcomeSlotTaken),
		}, VerdictIllegal},
		{"cancel frees the slot", []Operation{
			op(0, "a", KindBook, slotA, 0, 1, OutcomeBooked),
			op(1, "a", KindCancel, slotA, 2, 3, OutcomeCancelled),
			op(2, "b", KindBook, slotA, 4, 5, OutcomeBooked),
		}, VerdictOK},
		{"another call's cancel does not free it", []Operation{
			op(0, "a", KindBook, slotA, 0, 1, OutcomeBooked),
			op(1, "b", KindCancel, slotA, 2, 3, OutcomeCancelled),
			op(2, "c", KindBook, slotA, 4, 5, OutcomeBooked),
		}, VerdictIllegal},
		{"unknown may have happened", []Operation{
			op(0, "a", KindBook, slotA, 0, 1, OutcomeUnknown),
			op(1, "b", KindBook, slotA, 2, 3, OutcomeSlotTaken),
		}, VerdictOK},
		{"unknown may not have happened", []Operation{
			op(0, "a", KindBook, slotA, 0, 1, OutcomeUnknown),
			op(1, "b", KindBook, slotA, 2, 3, OutcomeBooked),
		}, VerdictOK},
		{"unknown takes effect late", []Operation{
			op(0, "a", KindBook, slotA, 0, 1, OutcomeUnknown),
			op(1, "b", KindBook, slotA, 2, 3, OutcomeBooked),
			op(2, "b", KindCancel, slotA, 4, 5, OutcomeCancelled),
			op(3, "c", KindBook, slotA, 6, 7, OutcomeSlotTaken),
		}, VerdictOK},
		{"unknown cannot explain two grants", []Operation{
			op(0, "a", KindBook, slotA, 0, 1, OutcomeUnknown),
			op(1, "b", KindBook, slotA, 2, 3, OutcomeBooked),
			op(2, "c", KindBook, slotA, 4, 5, OutcomeBooked),
		}, VerdictIllegal},
		{"pending op counts as unknown", []Operation{
			{Seq: 0, CallID: "a", Kind: KindBook, Slot: slotA, Call: t0, Pending: true},
			op(1, "b", KindBook, slotA, 2, 3, OutcomeSlotTaken),
		}, VerdictOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := CheckSlots(tt.ops)
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != 1 || res[0].Verdict != tt.want || res[0].Operations != len(tt.ops) {
				t.Fatalf("CheckSlots = %+v, want one slot with verdict %s", res, tt.want)
			}
			if res.OK() != (tt.want == VerdictOK) || (len(res.Illegal()) == 1) != (tt.want == VerdictIllegal) {
				t.Errorf("OK()/Illegal() disagree with verdict %s", tt.want)
			}
		})
	}
}

func TestCheckSlotsPartitionsBySlot(t *testing.T) {
	otherEventSameHost := SlotKey{EventTypeID: 99, HostID: 1, Start: t0}
	ops := []Operation{
		op(0, "a", KindBook, slotB, 0, 1, OutcomeBooked),
		op(1, "b", KindBook, slotA, 2, 3, OutcomeBooked),
		op(2, "c", KindBook, otherEventSameHost, 4, 5, OutcomeBooked), // same host and start as b
	}
	res, err := CheckSlots(ops)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 {
		t.Fatalf("got %d slots, want 2: %+v", len(res), res)
	}
	if !res[0].Slot.Start.Equal(t0) || res[0].Verdict != VerdictIllegal || res[0].Operations != 2 {
		t.Errorf("slot 0 = %+v, want the t0 slot, illegal", res[0])
	}
	if res[1].Verdict != VerdictOK {
		t.Errorf("slot 1 = %+v, want ok", res[1])
	}
}

// With a virtual clock standing still every operation has the same times; only the
// recorder's ticks show that b was turned away before a booked the slot.
func TestCheckSlotsUsesTicks(t *testing.T) {
	r := NewRecorder(fixedClock{t0}, 2)
	b := r.Begin("b", KindBook, slotA)
	_ = r.End(b, Response{Outcome: OutcomeSlotTaken})
	a := r.Begin("a", KindBook, slotA)
	_ = r.End(a, Response{Outcome: OutcomeBooked})
	res, err := CheckSlots(r.Operations())
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Verdict != VerdictIllegal {
		t.Fatalf("verdict = %s, want illegal (ticks must order the operations)", res[0].Verdict)
	}
}

func TestCheckSlotsRejectsMalformed(t *testing.T) {
	tests := []struct {
		name string
		op   Operation
		want string
	}{
		{"unknown kind", op(0, "a", "reschedule", slotA, 0, 1, OutcomeBooked), "unknown kind"},
		{"no outcome", op(0, "a", KindBook, slotA, 0, 1, ""), "no outcome"},
		{"returns before call", op(0, "a", KindBook, slotA, 5, 1, OutcomeBooked), "returns before"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CheckSlots([]Operation{tt.op})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestWriteTimeline(t *testing.T) {
	ops := []Operation{
		op(0, "call_687", KindBook, slotA, 0, 1, OutcomeBooked),
		op(1, "call_688", KindBook, slotA, 2100, 2101, OutcomeBooked),
		op(2, "call_900", KindBook, slotB, 0, 1, OutcomeUnknown),
	}
	var buf bytes.Buffer
	if err := WriteTimeline(&buf, ops); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, want := range []string{"<html", "call_687 book", "call_688 book", "call_900 book", "held by call_687"} {
		if !strings.Contains(html, want) {
			t.Errorf("timeline lacks %q", want)
		}
	}
	path := filepath.Join(t.TempDir(), "timeline.html")
	if err := VisualizeHTML(path, ops); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(path); err != nil || !bytes.Equal(data, buf.Bytes()) {
		t.Errorf("VisualizeHTML wrote %d bytes (err %v), want the same as WriteTimeline", len(data), err)
	}
}

func TestReturnsBefore(t *testing.T) {
	a := op(0, "a", KindBook, slotA, 0, 5, OutcomeBooked)
	b := op(1, "a", KindBook, slotA, 1, 3, OutcomeBooked)
	if !ReturnsBefore(b, a) || ReturnsBefore(a, b) {
		t.Error("by Return time: b returned first")
	}
	a.ReturnTick, b.ReturnTick = 2, 9
	if !ReturnsBefore(a, b) {
		t.Error("ticks must win over times")
	}
	b.Pending = true
	if ReturnsBefore(b, a) {
		t.Error("pending sorts last")
	}
}
