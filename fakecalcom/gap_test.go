package fakecalcom

import (
	"net/http"
	"sync"
	"testing"
	"time"
)

// barrierClock is a virtual clock whose Advance waits until n callers are inside it: with
// the check/insert gap advancing it, n creates have all passed their availability check
// before any inserts, with no test hook in the fake.
type barrierClock struct {
	*vclock
	mu      sync.Mutex
	n       int
	release chan struct{}
	once    sync.Once
}

func (c *barrierClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.n--
	if c.n == 0 {
		c.open()
	}
	c.mu.Unlock()
	<-c.release
	c.vclock.Advance(d)
}

func (c *barrierClock) open() { c.once.Do(func() { close(c.release) }) }

// Config.CheckInsertGap sits between the availability check and the insert, so two creates
// for one slot race there by themselves: both pass the check, one inserts, the other loses
// on the idempotency key with production's answer. Were the gap missing (or after the
// insert), a create would finish before both reached the barrier, and the test fails.
func TestCheckInsertGapMakesTheRace(t *testing.T) {
	clk := &barrierClock{vclock: newVClock(), n: 2, release: make(chan struct{})}
	tt := newTester(t, Config{Clock: clk, CheckInsertGap: 3 * time.Second})
	results := make(chan response, 2)
	for i, call := range []string{"c1", "c2"} {
		go func() {
			results <- tt.must("POST", "/v2/bookings", "2024-08-13", createBody(1, slot, call, "N", "n"+string(rune('a'+i))+"@example.com"))
		}()
	}
	select {
	case <-clk.release: // both creates are in the gap, past their availability check
	case r := <-results:
		clk.open()
		<-results
		t.Fatalf("a create finished before both had passed the check: %d %s", r.status, r.raw)
	}
	r1, r2 := <-results, <-results
	if r1.status == 201 {
		r1, r2 = r2, r1
	}
	if r2.status != 201 || r1.status != 400 || string(r1.raw) != `{"statusCode":400,"message":"An error occured while querying the database."}` {
		t.Fatalf("race: %d %s / %d %s", r1.status, r1.raw, r2.status, r2.raw)
	}
	if n := len(tt.srv.Fake.Bookings()); n != 1 {
		t.Errorf("%d bookings", n)
	}
}

// The insert happens after the gap and before Latency: a fresh booking is Latency old when
// the client sees it (Date − createdAt), and updatedAt starts equal to createdAt.
func TestGapAndLatencyOrder(t *testing.T) {
	clk := newVClock()
	t0 := clk.Now()
	tt := newTester(t, Config{Clock: clk, CheckInsertGap: 2 * time.Second, Latency: 5 * time.Second})
	r := tt.create(createBody(1, slot, "c1", "A", "a@example.com"))
	created, _ := time.Parse(time.RFC3339Nano, r.data()["createdAt"].(string))
	date, _ := http.ParseTime(r.header.Get("Date"))
	if !created.Equal(t0.Add(2*time.Second).Truncate(time.Millisecond)) || r.data()["updatedAt"] != r.data()["createdAt"] {
		t.Errorf("createdAt %v updatedAt %v, want the insert after the 2 s gap", created, r.data()["updatedAt"])
	}
	if age := date.Sub(created.Truncate(time.Second)); age != 5*time.Second {
		t.Errorf("the client sees the booking %v old, want the 5 s latency", age)
	}
}

// On a real clock the gap waits in real time, even for a client that has gone away.
func TestCheckInsertGapOnRealClock(t *testing.T) {
	srv := New(Config{CheckInsertGap: time.Millisecond})
	defer srv.Close()
	start := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Hour)
	r := direct(t, srv.Fake, "POST", "/v2/bookings", "2024-08-13", createBody(1, start, "c1", "A", "a@example.com"))
	if r.status != 201 {
		t.Fatalf("%d %s", r.status, r.raw)
	}
}
