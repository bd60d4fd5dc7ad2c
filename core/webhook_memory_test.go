package core

import (
	"testing"
	"time"
)

// The handler's memory forgets the oldest key first once full, and never holds a key twice.
func TestFIFOSetForgetsOldestFirst(t *testing.T) {
	s := newFIFOSet[string](2)
	for _, k := range []string{"a", "b", "b", "c"} {
		s.add(k)
	}
	for k, want := range map[string]bool{"a": false, "b": true, "c": true} {
		if s.has(k) != want {
			t.Errorf("has(%q) = %v, want %v", k, !want, want)
		}
	}
	s.add("d")
	if s.has("b") || !s.has("c") || !s.has("d") || len(s.keys) != 2 {
		t.Errorf("after d: keys %v", s.keys)
	}
}

// A webhook's uid goes to the attempt in flight on the call's slot until the attempt has read
// it; then the claim is left to the attempt; once the attempt is gone the handler takes it.
func TestHandOverToTheAttemptInFlight(t *testing.T) {
	as := newAttempts()
	key := keyOf("c1", 1, time.Date(2025, 10, 10, 6, 0, 0, 0, time.UTC))
	a := as.begin(key)
	if _, how := as.handOver(key, "uid1"); how != handedOver {
		t.Fatalf("with an attempt in flight: %v, want handedOver", how)
	}
	if got := as.sealHint(a); got != "uid1" {
		t.Fatalf("the attempt read %q, want uid1", got)
	}
	if _, how := as.handOver(key, "uid2"); how != leftInFlight {
		t.Fatalf("after the attempt looked: %v, want leftInFlight", how)
	}
	as.end(a)
	h, how := as.handOver(key, "uid2")
	if how != tookOver || h == nil {
		t.Fatalf("with nobody in flight: %v, want tookOver", how)
	}
	if _, ok := as.take(key); ok {
		t.Error("the sweeper took a claim the handler holds")
	}
	as.end(h)
}
