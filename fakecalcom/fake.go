package fakecalcom

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Fake is the fake Cal.com API v2 as an http.Handler. It is safe for concurrent use; every
// accessor returns copies.
type Fake struct {
	cfg      Config
	clock    Clock
	advancer Advancer // nil unless cfg.Clock can advance
	// forwarder is cfg.Clock when it can be moved to an instant (preferred over advancer).
	forwarder Forwarder
	offset    atomic.Int64
	replay    atomic.Bool

	etMu       sync.RWMutex
	eventTypes map[int]EventType

	ledger   *ledger
	journal  journal
	faults   faultSet
	limiter  rateLimiter
	tz       tzCache
	bufs     bufPool
	webhooks *dispatcher

	closeOnce sync.Once
	closed    chan struct{}
	latencies latencyCounts // LatencyRequest.Attempt numbers
}

// Validate checks a Config, naming the first problem; NewFake panics with the same error.
func (c Config) Validate() error {
	seen := map[int]bool{}
	for _, et := range c.EventTypes {
		if err := et.Validate(); err != nil {
			return err
		}
		if seen[et.ID] {
			return fmt.Errorf("event type id %d is configured twice", et.ID)
		}
		seen[et.ID] = true
	}
	if err := c.ConflictAnswer.Validate(); err != nil {
		return err
	}
	for key, owner := range c.KeyOwners {
		if key == "" || owner <= 0 {
			return fmt.Errorf("key_owners: every API key needs a positive user id, got %d for a key", owner)
		}
	}
	for _, limit := range c.KeyRateLimits {
		if limit <= 0 {
			return fmt.Errorf("key_rate_limits: every limit must be positive, got %d", limit)
		}
	}
	switch {
	case c.Latency < 0:
		return fmt.Errorf("latency must not be negative, got %v", c.Latency)
	case c.CheckInsertGap < 0:
		return fmt.Errorf("check_insert_gap must not be negative, got %v", c.CheckInsertGap)
	}
	return c.Webhooks.Validate()
}

// NewFake builds a Fake from cfg. It panics if cfg is invalid (see Config.Validate), like
// httptest.NewServer does on failure: a broken fake is a bug in the test, not a runtime event.
func NewFake(cfg Config) *Fake {
	if err := cfg.Validate(); err != nil {
		panic("fakecalcom: " + err.Error())
	}
	if cfg.Clock == nil {
		cfg.Clock = realClock{}
	}
	if len(cfg.EventTypes) == 0 {
		cfg.EventTypes = DefaultEventTypes()
	}
	if cfg.ConflictAnswer == "" {
		cfg.ConflictAnswer = DefaultConflictAnswer
	}
	f := &Fake{
		cfg:        cfg,
		clock:      cfg.Clock,
		eventTypes: map[int]EventType{},
		ledger:     newLedger(cfg.Seed),
		closed:     make(chan struct{}),
	}
	f.advancer, _ = cfg.Clock.(Advancer)
	f.forwarder, _ = cfg.Clock.(Forwarder)
	f.faults.seed = cfg.Seed
	f.replay.Store(cfg.ForceReplay)
	for _, et := range cfg.EventTypes {
		f.eventTypes[et.ID] = et.normalized()
	}
	f.webhooks = newDispatcher(f, cfg)
	return f
}

// Now is the fake's current time: the clock plus the admin offset, in UTC.
func (f *Fake) Now() time.Time {
	return f.clock.Now().Add(time.Duration(f.offset.Load())).UTC()
}

// SetClockOffset shifts the fake's clock by d relative to Config.Clock; this is how an
// out-of-process user simulates skew or a 35-minute gap (admin: POST /__admin/clock).
func (f *Fake) SetClockOffset(d time.Duration) { f.offset.Store(int64(d)) }

// ClockOffset returns the offset set with SetClockOffset.
func (f *Fake) ClockOffset() time.Duration { return time.Duration(f.offset.Load()) }

// SetForceReplay switches the per-server forced replay on or off (see Config.ForceReplay).
func (f *Fake) SetForceReplay(on bool) { f.replay.Store(on) }

// AddFault arms a fault rule; it fails, changing nothing, if the rule is invalid.
func (f *Fake) AddFault(r Rule) error { return f.faults.add(r) }

// RemoveFault disarms the rule named name (a step's fault when the step ends) and reports
// whether it was armed; the other rules keep their counters.
func (f *Fake) RemoveFault(name string) bool { return f.faults.remove(name) }

// ClearFaults disarms every fault rule.
func (f *Fake) ClearFaults() { f.faults.clear() }

// Faults lists the armed rules in the order they are tried.
func (f *Fake) Faults() []Rule { return f.faults.list() }

// Journal returns a copy of every /v2 request recorded since the last Reset, in arrival order.
func (f *Fake) Journal() []JournalEntry { return f.journal.snapshot() }

// Bookings returns a copy of every booking in the ledger, in creation order, with history.
func (f *Fake) Bookings() []Booking { return f.ledger.snapshot() }

// Booking returns a copy of the booking with this uid.
func (f *Fake) Booking(uid string) (Booking, bool) {
	f.ledger.mu.Lock()
	defer f.ledger.mu.Unlock()
	b := f.ledger.byUID[uid]
	if b == nil {
		return Booking{}, false
	}
	return b.clone(), true
}

// Reset empties the ledger (reservations included), the journal, the fault rules, the
// rate-limit windows and the webhook journal, drops webhooks not yet delivered, and restarts
// booking ids at 1. Event types, subscribers, the clock offset and the forced-replay switch
// are configuration and stay as they are.
func (f *Fake) Reset() {
	f.ledger.reset()
	f.journal.reset()
	f.faults.clear()
	f.limiter.reset()
	f.webhooks.reset()
}

// EventTypes lists the configured event types, sorted by id.
func (f *Fake) EventTypes() []EventType {
	f.etMu.RLock()
	defer f.etMu.RUnlock()
	out := make([]EventType, 0, len(f.eventTypes))
	for _, et := range f.eventTypes {
		out = append(out, et)
	}
	slices.SortFunc(out, func(a, b EventType) int { return a.ID - b.ID })
	return out
}

// SetEventType adds an event type or replaces the one with the same id.
func (f *Fake) SetEventType(et EventType) error {
	if err := et.Validate(); err != nil {
		return err
	}
	f.etMu.Lock()
	f.eventTypes[et.ID] = et.normalized()
	f.etMu.Unlock()
	return nil
}

func (f *Fake) eventType(id int) (EventType, bool) {
	f.etMu.RLock()
	et, ok := f.eventTypes[id]
	f.etMu.RUnlock()
	return et, ok
}

// Close releases every held response (timeout faults) and delay waits, and makes later ones
// return at once; it stops webhook delivery (queued and delayed deliveries are not made) and
// waits for the delivery worker to return. The handler keeps serving; Server.Close calls this
// before shutting down so held requests cannot keep it open.
func (f *Fake) Close() {
	f.closeOnce.Do(func() {
		close(f.closed)
		f.webhooks.close()
	})
}

// ServeHTTP serves the Cal.com API under /v2 and the admin API under /__admin.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/__admin" || len(r.URL.Path) > 9 && r.URL.Path[:9] == "/__admin/" {
		f.serveAdmin(w, r)
		return
	}
	f.webhooks.promoteDue()
	x := &exchange{f: f, w: w, r: r, t: f.newMoment()}
	x.entry = f.journal.begin(r.Method, r.URL.Path, f.Now())
	x.rec = *x.entry
	defer func() { // deferred: cut() may end the handler with http.ErrAbortHandler
		x.finish()
		x.createAnswered()
		x.release()
		if len(x.events) > 0 && f.webhooks.mode == DeliveryAsync {
			f.webhooks.fireAnnounced(x.events) // after the response, as Cal.com's task queue
		}
	}()
	x.serve()
}
