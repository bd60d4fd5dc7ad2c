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
		OutcomeBooked: ResultOK, OutcomeAlreadyBooked: ResultOK, OutcomeCancelled: ResultOK, OutcomeEnded: ResultOK, OutcomeMoved: ResultOK,
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
		{"host cancel frees the slot for another call", []Operation{
			op(0, "a", KindBook, slotA, 0, 1, OutcomeBooked),
			op(1, "a", KindHostEnd, slotA, 2, 2, OutcomeEnded),
			op(2, "b", KindBook, slotA, 4, 5, OutcomeBooked),
		}, VerdictOK},
		{"host cancel of another call frees nothing", []Operation{
			op(0, "a", KindBook, slotA, 0, 1, OutcomeBooked),
			op(1, "b", KindHostEnd, slotA, 2, 2, OutcomeEnded),
			op(2, "c", KindBook, slotA, 4, 5, OutcomeBooked),
		}, VerdictIllegal},
		{"host end of a booking the register never saw is a no-op", []Operation{
			op(0, "a", KindHostEnd, slotA, 0, 0, OutcomeEnded),
			op(1, "b", KindBook, slotA, 2, 3, OutcomeBooked),
		}, VerdictOK},
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

// move is a hand-made host move of call's booking from one slot to another at second at.
func move(seq int, call string, from, to SlotKey, at int) Operation {
	o := op(seq, call, KindHostMove, from, at, at, OutcomeMoved)
	o.To = to
	return o
}

// A host move takes part in two slots' histories: it frees the old one and grants the new
// one to the call.
func TestCheckSlotsHostMove(t *testing.T) {
	tests := []struct {
		name     string
		ops      []Operation
		old, new Verdict
	}{
		{"host move away frees the old slot", []Operation{
			op(0, "a", KindBook, slotA, 0, 1, OutcomeBooked),
			move(1, "a", slotA, slotB, 2),
			op(2, "b", KindBook, slotA, 4, 5, OutcomeBooked),
		}, VerdictOK, VerdictOK},
		{"after a host move the old slot is not the caller's", []Operation{
			op(0, "a", KindBook, slotA, 0, 1, OutcomeBooked),
			move(1, "a", slotA, slotB, 2),
			op(2, "a", KindBook, slotA, 4, 5, OutcomeSlotTaken),
		}, VerdictIllegal, VerdictOK},
		{"moved into a free slot, the caller's retry is already booked", []Operation{
			op(0, "a", KindBook, slotA, 0, 1, OutcomeBooked),
			move(1, "a", slotA, slotB, 2),
			op(2, "a", KindBook, slotB, 4, 5, OutcomeAlreadyBooked),
		}, VerdictOK, VerdictOK},
		{"moved in, then another caller told booked there", []Operation{
			op(0, "a", KindBook, slotA, 0, 1, OutcomeBooked),
			move(1, "a", slotA, slotB, 2),
			op(2, "b", KindBook, slotB, 4, 5, OutcomeBooked),
		}, VerdictOK, VerdictIllegal},
		{"moved onto a slot another call holds", []Operation{
			op(0, "a", KindBook, slotA, 0, 1, OutcomeBooked),
			op(1, "b", KindBook, slotB, 0, 1, OutcomeBooked),
			move(2, "a", slotA, slotB, 2),
		}, VerdictOK, VerdictIllegal},
		{"moved in, then the caller cancels and another books", []Operation{
			op(0, "a", KindBook, slotA, 0, 1, OutcomeBooked),
			move(1, "a", slotA, slotB, 2),
			op(2, "a", KindCancel, slotB, 3, 4, OutcomeCancelled),
			op(3, "b", KindBook, slotB, 5, 6, OutcomeBooked),
		}, VerdictOK, VerdictOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := CheckSlots(tt.ops)
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != 2 || !SameSlot(res[0].Slot, slotA) || res[0].Verdict != tt.old || res[1].Verdict != tt.new {
				t.Fatalf("CheckSlots = %+v, want old slot %s, new slot %s", res, tt.old, tt.new)
			}
		})
	}
	var buf bytes.Buffer
	if err := WriteTimeline(&buf, []Operation{op(0, "a", KindBook, slotA, 0, 1, OutcomeBooked), move(1, "a", slotA, slotB, 2)}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"host moved a away", "host moved a here"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("timeline lacks %q", want)
		}
	}
}

func TestRecorderHostActions(t *testing.T) {
	r := NewRecorder(fixedClock{t0}, 0)
	tok := r.Begin("a", KindBook, slotA)
	r.HostMoved("a", slotA, slotB, "uid2")
	if err := r.End(tok, Response{Outcome: OutcomeBooked, BookingUID: "uid1"}); err != nil {
		t.Fatal(err)
	}
	r.HostEnded("a", slotB, "uid2")
	ops := r.Operations()
	if len(ops) != 3 {
		t.Fatalf("got %d operations", len(ops))
	}
	mv, end := ops[1], ops[2]
	if mv.Kind != KindHostMove || mv.Seq != 1 || mv.Pending || mv.Result != ResultOK || mv.Outcome != OutcomeMoved ||
		!SameSlot(mv.Slot, slotA) || !SameSlot(mv.To, slotB) || mv.BookingUID != "uid2" ||
		mv.CallTick != 2 || mv.ReturnTick != 3 || !mv.Call.Equal(t0) || !mv.Return.Equal(t0) {
		t.Errorf("host move = %+v", mv)
	}
	if end.Kind != KindHostEnd || end.Outcome != OutcomeEnded || end.CallTick != 5 || end.ReturnTick != 6 || !SameSlot(end.Slot, slotB) {
		t.Errorf("host end = %+v", end)
	}
	if ops[0].ReturnTick != 4 {
		t.Errorf("book returned at tick %d, want 4 (after the move)", ops[0].ReturnTick)
	}
	if err := r.End(Token(1), Response{Outcome: OutcomeBooked}); err == nil {
		t.Error("End of a host action: want error (it has returned)")
	}
	if !strings.Contains(mv.String(), "to host 1 @") {
		t.Errorf("String() = %q, want the target slot", mv.String())
	}
}

func TestCompareSlots(t *testing.T) {
	noHost := SlotKey{EventTypeID: 5, Start: t0}
	if CompareSlots(slotA, SlotKey{EventTypeID: 99, HostID: 1, Start: t0.In(time.FixedZone("x", 3600))}) != 0 {
		t.Error("same host and instant must compare equal whatever the event type and zone")
	}
	if CompareSlots(slotA, slotB) >= 0 || CompareSlots(slotB, slotA) <= 0 || CompareSlots(noHost, slotA) >= 0 {
		t.Error("order: host, then start; unknown hosts first")
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
		{"host move without target", op(0, "a", KindHostMove, slotA, 0, 0, OutcomeMoved), "without the slot it moved to"},
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

// A seated slot (or a multi-host round robin) holds up to its capacity of calls; the same
// histories with capacity 1 are the ordinary register.
func TestCheckSlotsCapacity(t *testing.T) {
	seated := SlotKey{EventTypeID: 3, HostID: 4, Start: t0, Capacity: 3}
	tests := []struct {
		name string
		ops  []Operation
		want Verdict
	}{
		{"three seats, three bookers", []Operation{
			op(0, "a", KindBook, seated, 0, 1, OutcomeBooked),
			op(1, "b", KindBook, seated, 2, 3, OutcomeBooked),
			op(2, "c", KindBook, seated, 4, 5, OutcomeBooked),
		}, VerdictOK},
		{"a fourth booker told booked", []Operation{
			op(0, "a", KindBook, seated, 0, 1, OutcomeBooked),
			op(1, "b", KindBook, seated, 2, 3, OutcomeBooked),
			op(2, "c", KindBook, seated, 4, 5, OutcomeBooked),
			op(3, "d", KindBook, seated, 6, 7, OutcomeBooked),
		}, VerdictIllegal},
		{"a fourth booker told slot_taken", []Operation{
			op(0, "a", KindBook, seated, 0, 1, OutcomeBooked),
			op(1, "b", KindBook, seated, 2, 3, OutcomeBooked),
			op(2, "c", KindBook, seated, 4, 5, OutcomeBooked),
			op(3, "d", KindBook, seated, 6, 7, OutcomeSlotTaken),
		}, VerdictOK},
		{"slot_taken while a seat is free is a lie", []Operation{
			op(0, "a", KindBook, seated, 0, 1, OutcomeBooked),
			op(1, "b", KindBook, seated, 2, 3, OutcomeSlotTaken),
		}, VerdictIllegal},
		{"a cancelled seat is free again", []Operation{
			op(0, "a", KindBook, seated, 0, 1, OutcomeBooked),
			op(1, "b", KindBook, seated, 2, 3, OutcomeBooked),
			op(2, "c", KindBook, seated, 4, 5, OutcomeBooked),
			op(3, "a", KindCancel, seated, 6, 7, OutcomeCancelled),
			op(4, "d", KindBook, seated, 8, 9, OutcomeBooked),
		}, VerdictOK},
		{"the same caller twice holds one seat", []Operation{
			op(0, "a", KindBook, seated, 0, 1, OutcomeBooked),
			op(1, "a", KindBook, seated, 2, 3, OutcomeAlreadyBooked),
			op(2, "b", KindBook, seated, 4, 5, OutcomeBooked),
			op(3, "c", KindBook, seated, 6, 7, OutcomeBooked),
		}, VerdictOK},
		{"capacity 1 is the register: a second booker is illegal", []Operation{
			op(0, "a", KindBook, slotA, 0, 1, OutcomeBooked),
			op(1, "b", KindBook, slotA, 2, 3, OutcomeBooked),
		}, VerdictIllegal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := CheckSlots(tt.ops)
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != 1 || res[0].Verdict != tt.want {
				t.Fatalf("verdicts = %+v, want %s", res, tt.want)
			}
		})
	}
}
