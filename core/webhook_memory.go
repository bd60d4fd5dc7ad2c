package core

import "sync"

// DefaultWebhookMemory is how many deliveries and how many ended bookings a WebhookHandler
// remembers when WebhookConfig.Remember is zero: far more than arrive out of order or twice
// in any realistic window, a few MiB at most.
const DefaultWebhookMemory = 100_000

// fifoSet is a set that remembers at most limit keys, forgetting the oldest first. It is safe
// for concurrent use. The handler remembers processed deliveries (duplicates) and ended
// bookings (tombstones) in it: forgetting costs a Cal.com lookup, never a wrong change,
// because every change is judged on Cal.com's current state.
type fifoSet[K comparable] struct {
	mu    sync.Mutex
	limit int
	keys  map[K]struct{}
	order []K // a ring of the keys in insertion order once full
	next  int // the ring slot the next key overwrites
}

func newFIFOSet[K comparable](limit int) *fifoSet[K] {
	return &fifoSet[K]{limit: limit, keys: map[K]struct{}{}}
}

// add remembers k (a no-op when it is remembered already).
func (s *fifoSet[K]) add(k K) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[k]; ok {
		return
	}
	s.keys[k] = struct{}{}
	if len(s.order) < s.limit {
		s.order = append(s.order, k)
		return
	}
	delete(s.keys, s.order[s.next])
	s.order[s.next] = k
	s.next = (s.next + 1) % s.limit
}

// has reports whether k is remembered.
func (s *fifoSet[K]) has(k K) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.keys[k]
	return ok
}
