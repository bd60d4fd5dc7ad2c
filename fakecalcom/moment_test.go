package fakecalcom

import (
	"sync"
	"testing"
	"time"
)

// holdClock is a virtual clock with the Forwarder capability that a harness can hold still
// while several requests run at once (sim's virtual clock does the same).
type holdClock struct {
	mu            sync.Mutex
	now, furthest time.Time
	held          bool
}

func (c *holdClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *holdClock) AdvanceTo(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.held && t.After(c.furthest):
		c.furthest = t
	case !c.held && t.After(c.now):
		c.now = t
	}
}

func (c *holdClock) hold() {
	c.mu.Lock()
	c.held, c.furthest = true, c.now
	c.mu.Unlock()
}

func (c *holdClock) release() {
	c.mu.Lock()
	if c.furthest.After(c.now) {
		c.now = c.furthest
	}
	c.held = false
	c.mu.Unlock()
}

// Two requests of one concurrent step on a held clock: a 12 s delay of one of them must not
// change the other's createdAt, whichever arrives first. Without the hold (the old shared
// clock that every wait advanced) the other booking would be 12 s younger when it came second.
func TestRequestTimeIsItsOwnOnAHeldClock(t *testing.T) {
	start := time.Date(2025, 10, 6, 9, 4, 27, 0, time.UTC)
	for _, delayedFirst := range []bool{true, false} {
		c := &holdClock{now: start}
		tt := newTester(t, Config{Clock: c})
		if err := tt.srv.Fake.AddFault(Rule{CallID: "call_slow", Action: Action{Kind: ActionDelay, Delay: Duration(12 * time.Second)}}); err != nil {
			t.Fatal(err)
		}
		slow := createBody(1, slot, "call_slow", "Slow", "slow@example.com")
		quick := createBody(1, slot.Add(time.Hour), "call_quick", "Quick", "quick@example.com")
		order := []map[string]any{slow, quick}
		if !delayedFirst {
			order = []map[string]any{quick, slow}
		}
		c.hold()
		created := map[string]string{}
		for _, body := range order {
			r := tt.create(body)
			if r.status != 201 {
				t.Fatalf("create: %d %s", r.status, r.raw)
			}
			created[r.data()["metadata"].(map[string]any)["call_id"].(string)] = r.data()["createdAt"].(string)
		}
		c.release()
		if got, want := created["call_quick"], "2025-10-06T09:04:27.000Z"; got != want {
			t.Errorf("delayed first %v: the quick booking was created at %s, want %s (its own time)", delayedFirst, got, want)
		}
		if got, want := created["call_slow"], "2025-10-06T09:04:39.000Z"; got != want {
			t.Errorf("delayed first %v: the slow booking was created at %s, want %s", delayedFirst, got, want)
		}
		if got := c.Now(); !got.Equal(start.Add(12 * time.Second)) {
			t.Errorf("after the step the clock reads %s, want the furthest request time %s", got, start.Add(12*time.Second))
		}
	}
}

// RemoveFault disarms one rule and leaves the others armed.
func TestRemoveFault(t *testing.T) {
	tt := newTester(t, Config{})
	for _, name := range []string{"a", "b"} {
		if err := tt.srv.Fake.AddFault(Rule{Name: name, CallID: "call_" + name, Action: Action{Kind: ActionStatus, Status: 500}}); err != nil {
			t.Fatal(err)
		}
	}
	if !tt.srv.Fake.RemoveFault("a") || tt.srv.Fake.RemoveFault("a") {
		t.Fatal("RemoveFault must report true once, then false")
	}
	if r := tt.create(createBody(1, slot, "call_a", "A", "a@example.com")); r.status != 201 {
		t.Errorf("removed rule still fires: %d", r.status)
	}
	if r := tt.create(createBody(1, slot.Add(time.Hour), "call_b", "B", "b@example.com")); r.status != 500 {
		t.Errorf("the other rule no longer fires: %d", r.status)
	}
	if rules := tt.srv.Fake.Faults(); len(rules) != 1 || rules[0].Name != "b" {
		t.Errorf("armed rules %+v, want only b", rules)
	}
}
