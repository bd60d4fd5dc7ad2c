package world

import (
	"fmt"
)

// SlotContention is what one slot's races showed (see Contention).
type SlotContention struct {
	// Attempts are the booking attempts sent to the system for the slot; MaxOutstanding the
	// most calls with an attempt outstanding at once (what the harness sent concurrently).
	Attempts, MaxOutstanding int
	// Creates are the creates for the slot that reached the fake Cal.com;
	// MaxCreatesInFlight the most in flight there at once (arrived, not yet answered).
	Creates, MaxCreatesInFlight int
	// MaxInProgress is the most requests for the slot shown in progress inside the system
	// at once: creates in flight together, a request answered while another's create was in
	// flight, or a request answered without a create while another, already sent, had yet
	// to send its create (the system turned it away because of the other's claim).
	MaxInProgress int
	// HoldTimeouts counts held creates that waited Hold.Max (a second create never came).
	HoldTimeouts int
}

// Contention is the concurrency that reached the system under test, measured at the fake
// Cal.com and at the contract over the slots the harness sent concurrent attempts for. A
// service that serialises every request shows MaxInProgress 1 however many attempts the
// harness sent at once: a contention run that never shows 2 proves nothing about races
// (Inconclusive says so).
type Contention struct {
	// Contended counts the slots with at least two attempts outstanding at once; Shown
	// those of them where two requests were shown in progress inside the system at once.
	Contended int `json:"contended_slots"`
	Shown     int `json:"shown_slots"`
	// MaxCreatesInFlight and MaxInProgress are the most over every slot (see SlotContention).
	MaxCreatesInFlight int `json:"max_creates_in_flight"`
	MaxInProgress      int `json:"max_in_progress"`
	// HoldTimeouts counts held creates that waited the hold's bound.
	HoldTimeouts int `json:"hold_timeouts"`
}

// Inconclusive says why a run that sent concurrent attempts proves nothing about races
// ("" when it does, or when it sent none).
func (c Contention) Inconclusive() string {
	if c.Contended == 0 || c.Shown > 0 {
		return ""
	}
	return fmt.Sprintf("the harness sent concurrent attempts for %d slot(s), but the fake never saw two of the system's requests for one slot in progress at once (at most %d create(s) in flight per slot): the system serialised them, so no race was tested", c.Contended, c.MaxCreatesInFlight)
}

// String is the one-line form reports print.
func (c Contention) String() string {
	if c.Contended == 0 {
		return fmt.Sprintf("no slot had concurrent attempts (at most %d create(s) in flight per slot)", c.MaxCreatesInFlight)
	}
	s := fmt.Sprintf("%d of %d contended slot(s) showed concurrent requests inside the system; at most %d in progress and %d create(s) in flight per slot",
		c.Shown, c.Contended, c.MaxInProgress, c.MaxCreatesInFlight)
	if c.HoldTimeouts > 0 {
		s += fmt.Sprintf("; %d held create(s) waited the hold's bound", c.HoldTimeouts)
	}
	return s
}

// summary folds the slots' races into a Contention; the caller holds mu.
func (r *races) summary() Contention {
	var c Contention
	for _, s := range r.slots {
		st := s.stats
		c.MaxCreatesInFlight = max(c.MaxCreatesInFlight, st.MaxCreatesInFlight)
		c.MaxInProgress = max(c.MaxInProgress, st.MaxInProgress)
		c.HoldTimeouts += st.HoldTimeouts
		if st.MaxOutstanding >= 2 {
			c.Contended++
			if st.MaxInProgress >= 2 {
				c.Shown++
			}
		}
	}
	return c
}

// Contention is the concurrency that reached the system under test since the world began
// or since the last ResetContention.
func (w *World) Contention() Contention {
	if w.races == nil {
		return Contention{}
	}
	w.races.mu.Lock()
	defer w.races.mu.Unlock()
	return w.races.summary()
}

// ResetContention starts measuring afresh (a replay measures each concurrent step alone).
// Attempts and creates still outstanding keep counting.
func (w *World) ResetContention() {
	if w.races == nil {
		return
	}
	w.races.mu.Lock()
	defer w.races.mu.Unlock()
	for _, s := range w.races.slots {
		s.stats = SlotContention{}
		clear(s.awaiting)
	}
}

// Add folds another measurement (a later step's) into c.
func (c Contention) Add(o Contention) Contention {
	return Contention{Contended: c.Contended + o.Contended, Shown: c.Shown + o.Shown,
		MaxCreatesInFlight: max(c.MaxCreatesInFlight, o.MaxCreatesInFlight), MaxInProgress: max(c.MaxInProgress, o.MaxInProgress),
		HoldTimeouts: c.HoldTimeouts + o.HoldTimeouts}
}
