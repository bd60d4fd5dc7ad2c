package core

import (
	"sync"
	"time"
)

// attemptKey is one call's slot: what the claim row is unique on.
type attemptKey struct {
	callID    string
	serviceID int64
	start     int64 // UnixNano of the slot start
}

func keyOf(callID string, serviceID int64, start time.Time) attemptKey {
	return attemptKey{callID: callID, serviceID: serviceID, start: start.UnixNano()}
}

// attempt is one Book (or one sweep of a claim) in flight in this Service.
type attempt struct {
	key     attemptKey
	waiting bool // it found another attempt's claim and waits for it
	done    chan struct{}
	// hint is a booking uid a webhook reported for this call and slot while the attempt
	// was in flight; sealed is set once the attempt has read it (see attempts.handOver).
	hint   string
	sealed bool
}

// attempts tracks what is in flight in this Service per call and slot. The claim row in
// Postgres is what tells an attempt that its call already holds the slot; this registry only
// tells it whether the holder is alive in this process, so it can wait for that attempt to
// finish instead of polling (or answer for an abandoned claim by looking it up). Attempts in
// other processes are invisible here; their claims are resolved by lookup and by the lease.
type attempts struct {
	mu    sync.Mutex
	byKey map[attemptKey][]*attempt
}

func newAttempts() *attempts { return &attempts{byKey: map[attemptKey][]*attempt{}} }

// begin registers an attempt on key before it writes its claim, so that an attempt finding
// that claim a moment later already sees its holder here.
func (as *attempts) begin(key attemptKey) *attempt {
	a := &attempt{key: key, done: make(chan struct{})}
	as.mu.Lock()
	as.byKey[key] = append(as.byKey[key], a)
	as.mu.Unlock()
	return a
}

// end removes a and wakes every attempt waiting for it.
func (as *attempts) end(a *attempt) {
	as.mu.Lock()
	list := as.byKey[a.key]
	for i, x := range list {
		if x == a {
			list = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(as.byKey, a.key)
	} else {
		as.byKey[a.key] = list
	}
	as.mu.Unlock()
	close(a.done)
}

// holdOrWait is called by attempt a that found its call's claim on its key. If another attempt of
// this Service holds the key (it owns the claim, or is still writing its own), a waits:
// holdOrWait returns that attempt's done channel. Otherwise nobody here holds the claim — it
// was left by an attempt that has returned, or by another process — and a takes it over:
// holdOrWait returns nil. Waiting attempts are never waited for, so no two attempts wait on
// each other.
func (as *attempts) holdOrWait(a *attempt) <-chan struct{} {
	as.mu.Lock()
	defer as.mu.Unlock()
	for _, x := range as.byKey[a.key] {
		if x != a && !x.waiting {
			a.waiting = true
			return x.done
		}
	}
	a.waiting = false
	return nil
}

// running returns the done channel of an attempt of this Service that holds key (it writes
// or owns the claim on it), or nil when none does.
func (as *attempts) running(key attemptKey) <-chan struct{} {
	as.mu.Lock()
	defer as.mu.Unlock()
	for _, x := range as.byKey[key] {
		if !x.waiting {
			return x.done
		}
	}
	return nil
}

// rearm marks a, woken after waiting, as writing its claim again, so that attempts finding
// what it writes wait for it.
func (as *attempts) rearm(a *attempt) {
	as.mu.Lock()
	a.waiting = false
	as.mu.Unlock()
}

// take registers the sweeper as the holder of the claim on key, unless an attempt of this
// Service holds the key already (then ok is false and the claim is in flight here).
func (as *attempts) take(key attemptKey) (a *attempt, ok bool) {
	as.mu.Lock()
	for _, x := range as.byKey[key] {
		if !x.waiting {
			as.mu.Unlock()
			return nil, false
		}
	}
	a = &attempt{key: key, done: make(chan struct{})}
	as.byKey[key] = append(as.byKey[key], a)
	as.mu.Unlock()
	return a, true
}
