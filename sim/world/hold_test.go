package world

import (
	"context"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/fakecalcom"
)

// raceScript drives races by hand: the calls' attempts at the system and their creates at
// the fake, in an order a test chooses, so every interleaving is forced, never hoped for.
type raceScript struct {
	t     *testing.T
	r     *races
	ref   slotRef
	start time.Time
	held  map[string]chan struct{} // call → its held create's release
	done  map[string]chan struct{} // call → closed once its create's wait returned
}

func newRaceScript(t *testing.T) *raceScript {
	start := time.Date(2025, 10, 9, 15, 0, 0, 0, time.UTC)
	// The bound is far away: a test ends a hold by its rule, or by the request going away.
	return &raceScript{t: t, r: newRaces(&Hold{CreatesPerSlot: 2, Max: time.Hour}, true), ref: refOf(7, start), start: start, held: map[string]chan struct{}{}, done: map[string]chan struct{}{}}
}

func (s *raceScript) event(phase fakecalcom.CreatePhase, call string) fakecalcom.CreateEvent {
	return fakecalcom.CreateEvent{Phase: phase, CallID: call, EventTypeID: 7, Start: s.start}
}

func (s *raceScript) begin(call string) { s.r.begin(s.ref, call) }
func (s *raceScript) end(call string)   { s.r.end(s.ref, call) }
func (s *raceScript) arrive(call string) {
	s.r.onCreate(context.Background(), s.event(fakecalcom.CreateArrived, call))
}

// decide registers the create's decided phase as held (synchronously: a release happens
// under the lock, inside the call that triggers it) and waits for it in its own goroutine;
// ctx ends the hold as a request going away would.
func (s *raceScript) decide(ctx context.Context, call string) {
	ch := s.r.holdCreate(s.ref)
	s.held[call] = ch
	done := make(chan struct{})
	s.done[call] = done
	go func() {
		s.r.wait(ctx, s.ref, ch)
		close(done)
	}()
}

// released reports whether call's held create has been let go.
func (s *raceScript) released(call string) bool {
	select {
	case <-s.held[call]:
		return true
	default:
		return false
	}
}

// answered waits for call's create to be let go and marks its answer out.
func (s *raceScript) answered(call string) {
	<-s.done[call]
	s.r.onCreate(context.Background(), s.event(fakecalcom.CreateAnswered, call))
}

func TestHoldAndContention(t *testing.T) {
	cases := []struct {
		name string
		run  func(s *raceScript)
		want SlotContention
	}{
		{
			// SELECT, POST, INSERT with no lock: B checks before A's create is answered,
			// because A's answer is held until B's create arrives.
			name: "a racy service: both creates in flight together",
			run: func(s *raceScript) {
				s.begin("a")
				s.begin("b")
				s.arrive("a")
				s.decide(context.Background(), "a")
				if s.released("a") {
					s.t.Fatal("a's create was answered while b could still send one")
				}
				s.arrive("b")
				if !s.released("a") {
					s.t.Fatal("a's create is still held although b's create arrived")
				}
				s.answered("a")
				s.decide(context.Background(), "b")
				s.answered("b")
				s.end("a")
				s.end("b")
			},
			want: SlotContention{Attempts: 2, MaxOutstanding: 2, Creates: 2, MaxCreatesInFlight: 2, MaxInProgress: 2},
		},
		{
			// A claims and creates; B finds A's claim and is turned away while A's create
			// is held, which lets A's create go at once.
			name: "a claiming service, the creator first: the loser answered while the create is held",
			run: func(s *raceScript) {
				s.begin("a")
				s.begin("b")
				s.arrive("a")
				s.decide(context.Background(), "a")
				if s.released("a") {
					s.t.Fatal("a's create was answered while b could still send one")
				}
				s.end("b")
				if !s.released("a") {
					s.t.Fatal("a's create is still held although b was answered without one")
				}
				s.answered("a")
				s.end("a")
			},
			want: SlotContention{Attempts: 2, MaxOutstanding: 2, Creates: 1, MaxCreatesInFlight: 1, MaxInProgress: 2},
		},
		{
			// B claims first; A is turned away before B's create reaches Cal.com.
			name: "a claiming service, the loser first: turned away before the other's create",
			run: func(s *raceScript) {
				s.begin("a")
				s.begin("b")
				s.end("a")
				s.arrive("b")
				s.decide(context.Background(), "b")
				if !s.released("b") {
					s.t.Fatal("b's create was held although nobody else could send one")
				}
				s.answered("b")
				s.end("b")
			},
			want: SlotContention{Attempts: 2, MaxOutstanding: 2, Creates: 1, MaxCreatesInFlight: 1, MaxInProgress: 2},
		},
		{
			// One request at a time: A's create is held for B, which the service does not
			// start until A is done; the hold ends without B (here: A's request goes away).
			name: "a serialising service: nothing shows two requests at once",
			run: func(s *raceScript) {
				s.begin("a")
				s.begin("b")
				s.arrive("a")
				ctx, cancel := context.WithCancel(context.Background())
				s.decide(ctx, "a")
				cancel()
				s.answered("a")
				s.end("a")
				s.end("b")
			},
			want: SlotContention{Attempts: 2, MaxOutstanding: 2, Creates: 1, MaxCreatesInFlight: 1, MaxInProgress: 1, HoldTimeouts: 1},
		},
		{
			name: "a sequential booking is never held",
			run: func(s *raceScript) {
				s.begin("a")
				s.arrive("a")
				s.decide(context.Background(), "a")
				if !s.released("a") {
					s.t.Fatal("a sequential create was held")
				}
				s.answered("a")
				s.end("a")
			},
			want: SlotContention{Attempts: 1, MaxOutstanding: 1, Creates: 1, MaxCreatesInFlight: 1, MaxInProgress: 1},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newRaceScript(t)
			c.run(s)
			if got := s.r.slots[s.ref].stats; got != c.want {
				t.Fatalf("contention\n got %+v\nwant %+v", got, c.want)
			}
			sum := s.r.summary()
			inconclusive := sum.Inconclusive() != ""
			if wantInconclusive := c.want.MaxOutstanding >= 2 && c.want.MaxInProgress < 2; inconclusive != wantInconclusive {
				t.Fatalf("inconclusive %v (%q), want %v", inconclusive, sum.Inconclusive(), wantInconclusive)
			}
		})
	}
}
