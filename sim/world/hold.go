package world

import (
	"context"
	"sync"
	"time"

	"github.com/bookingharness/bookingharness/fakecalcom"
)

// Hold makes the fake keep creates for one slot in flight together, so a window between a
// system's check of its own rows and its insert is open for every request that races for
// the slot — whatever the order in which the requests reach the system, however cold its
// connection pool. Once the fake has decided a create (booked, replayed or refused) it holds
// the answer until one of these comes first:
//
//   - CreatesPerSlot creates for the slot are held together: they are answered at once;
//   - no other booking attempt of the world is outstanding for the slot without having sent
//     its create (it was answered without one, or every other attempt has sent its create):
//     nothing more can arrive, so waiting would only cost time;
//   - Max real time has passed (a system that serialises its requests never sends a second
//     create while the first is held: the bound ends the wait, and the concurrency reached
//     says so, see Contention);
//   - the request goes away.
//
// No wait depends on timing for its effect: a racing request that checks before another
// one's create has been answered always finds the slot free, however slowly it runs.
type Hold struct {
	// CreatesPerSlot is how many held creates of one slot are answered together (default 2).
	CreatesPerSlot int
	// Max bounds one create's hold in real time (default DefaultHoldMax).
	Max time.Duration
}

// DefaultHoldMax bounds a held create when Hold.Max is zero.
const DefaultHoldMax = time.Second

// DefaultHold is the hold black-box worlds use unless told otherwise: pairs of creates, at
// most DefaultHoldMax each.
func DefaultHold() *Hold { return &Hold{CreatesPerSlot: 2, Max: DefaultHoldMax} }

// withDefaults fills the zero fields.
func (h Hold) withDefaults() Hold {
	if h.CreatesPerSlot <= 0 {
		h.CreatesPerSlot = 2
	}
	if h.Max <= 0 {
		h.Max = DefaultHoldMax
	}
	return h
}

// slotRef names a slot as the fake and the world both see it: event type and start (UTC).
type slotRef struct {
	eventType int64
	start     time.Time
}

func refOf(eventType int64, start time.Time) slotRef {
	return slotRef{eventType: eventType, start: start.UTC()}
}

// races is a world's view of the requests racing for each slot: the attempts outstanding at
// the system under test (World.bookOnce) and the creates at the fake (Config.OnCreate). It
// holds creates (Hold, nil: never) and measures the concurrency that reached the system
// (Contention).
type races struct {
	hold  *Hold // nil: no hold
	mu    sync.Mutex
	slots map[slotRef]*slotRace
	// calls is the slot of every call with an attempt outstanding.
	calls map[string]slotRef
}

// slotRace is one slot's races.
type slotRace struct {
	outstanding map[string]int  // call → its booking attempts outstanding at the system
	sent        map[string]bool // calls whose create for the slot reached the fake
	inFlight    map[string]int  // call → its creates arrived and not yet answered
	held        []chan struct{} // held creates, released by closing
	// awaiting are calls outstanding when another attempt of the slot was answered without
	// a create of its own: if one of them sends a create afterwards, both were in progress
	// inside the system at once.
	awaiting map[string]bool
	stats    SlotContention
}

// newRaces follows the races of a world that holds creates (h) or drives a black-box
// service (measure); nil for neither, which costs nothing per call (large in-process loads).
func newRaces(h *Hold, measure bool) *races {
	if h == nil && !measure {
		return nil
	}
	r := &races{slots: map[slotRef]*slotRace{}, calls: map[string]slotRef{}}
	if h != nil {
		hh := h.withDefaults()
		r.hold = &hh
	}
	return r
}

// slot returns the slot's state, made on first use; the caller holds mu.
func (r *races) slot(ref slotRef) *slotRace {
	s := r.slots[ref]
	if s == nil {
		s = &slotRace{outstanding: map[string]int{}, sent: map[string]bool{}, inFlight: map[string]int{}, awaiting: map[string]bool{}}
		r.slots[ref] = s
	}
	return s
}

// begin records a booking attempt of call for the slot going out to the system.
func (r *races) begin(ref slotRef, call string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.slot(ref)
	s.outstanding[call]++
	r.calls[call] = ref
	s.stats.Attempts++
	s.stats.MaxOutstanding = max(s.stats.MaxOutstanding, s.outstandingCalls())
}

// end records the system's answer to an attempt of call for the slot, and releases held
// creates that can no longer be joined.
func (r *races) end(ref slotRef, call string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.slot(ref)
	// Answered while another call's create for the slot is in flight at the fake: both
	// were in progress inside the system at once.
	s.overlap(1 + s.othersInFlight(call))
	if !s.sent[call] {
		for other, n := range s.outstanding {
			if other != call && n > 0 && !s.sent[other] {
				s.awaiting[other] = true
			}
		}
	}
	if s.outstanding[call]--; s.outstanding[call] <= 0 {
		delete(s.outstanding, call)
		delete(r.calls, call)
	}
	r.release(s)
}

// activity records a statement of call in the system's database: if another call's create
// for the call's slot is in flight at the fake meanwhile, both were in progress inside the
// system at once (a service that makes a rival wait for the winner shows it here).
func (r *races) activity(call string) {
	if r == nil || call == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ref, ok := r.calls[call]
	if !ok {
		return
	}
	s := r.slots[ref]
	if n := s.othersInFlight(call); n > 0 {
		s.overlap(1 + n)
	}
}

// only is the one call with an attempt outstanding, "" when there are none or several.
func (r *races) only() string {
	if r == nil {
		return ""
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.calls) != 1 {
		return ""
	}
	for call := range r.calls {
		return call
	}
	return ""
}

// onCreate follows a create at the fake: it counts what is in flight and, at decided,
// holds the answer (see Hold).
func (r *races) onCreate(ctx context.Context, e fakecalcom.CreateEvent) {
	ref := refOf(int64(e.EventTypeID), e.Start)
	r.mu.Lock()
	s := r.slot(ref)
	switch e.Phase {
	case fakecalcom.CreateArrived:
		s.sent[e.CallID] = true
		s.inFlight[e.CallID]++
		s.stats.Creates++
		n := 0
		for _, k := range s.inFlight {
			n += k
		}
		s.stats.MaxCreatesInFlight = max(s.stats.MaxCreatesInFlight, n)
		s.overlap(len(s.inFlight))
		if s.awaiting[e.CallID] {
			s.overlap(2)
		}
		r.release(s)
		r.mu.Unlock()
	case fakecalcom.CreateDecided:
		r.mu.Unlock()
		r.wait(ctx, ref, r.holdCreate(ref))
	case fakecalcom.CreateAnswered:
		if s.inFlight[e.CallID]--; s.inFlight[e.CallID] <= 0 {
			delete(s.inFlight, e.CallID)
		}
		r.mu.Unlock()
	}
}

// holdCreate registers a decided create of the slot as held and returns what closes when it
// is released: at once when the slot's rule says so (see Hold); nil without a hold.
func (r *races) holdCreate(ref slotRef) chan struct{} {
	if r.hold == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.slot(ref)
	ch := make(chan struct{})
	s.held = append(s.held, ch)
	r.release(s)
	return ch
}

// wait holds one create (ch from holdCreate) until it is released, its bound passes or its
// request goes away.
func (r *races) wait(ctx context.Context, ref slotRef, ch chan struct{}) {
	if ch == nil {
		return
	}
	t := time.NewTimer(r.hold.Max)
	defer t.Stop()
	select {
	case <-ch:
		return
	case <-t.C:
	case <-ctx.Done():
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.slot(ref)
	for i, h := range s.held {
		if h == ch {
			s.held = append(s.held[:i], s.held[i+1:]...)
			s.stats.HoldTimeouts++
			break
		}
	}
}

// release answers the slot's held creates when enough are held or no other create can come
// (see Hold); the caller holds mu.
func (r *races) release(s *slotRace) {
	if r.hold == nil || len(s.held) == 0 {
		return
	}
	if len(s.held) < r.hold.CreatesPerSlot && s.mayStillSend() {
		return
	}
	for _, ch := range s.held {
		close(ch)
	}
	s.held = nil
}

// mayStillSend reports whether an attempt outstanding for the slot has not sent its create.
func (s *slotRace) mayStillSend() bool {
	for call, n := range s.outstanding {
		if n > 0 && !s.sent[call] {
			return true
		}
	}
	return false
}

// othersInFlight counts the calls other than call with a create in flight.
func (s *slotRace) othersInFlight(call string) int {
	n := 0
	for c := range s.inFlight {
		if c != call {
			n++
		}
	}
	return n
}

// outstandingCalls counts the calls with an attempt outstanding.
func (s *slotRace) outstandingCalls() int { return len(s.outstanding) }

// overlap records that n requests for the slot were shown in progress inside the system
// at once.
func (s *slotRace) overlap(n int) { s.stats.MaxInProgress = max(s.stats.MaxInProgress, n) }
