package load

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Stall is a stretch of the run in which attempts were in flight and none completed, at
// least Config.StallWindow long. A closed loop hides nothing here either: its workers are all
// stuck in the stalled attempts.
type Stall struct {
	// StartSeconds and EndSeconds are real time since the run began: from the last
	// completion (or the moment work arrived after an idle spell) to the next completion.
	StartSeconds float64 `json:"start_seconds"`
	EndSeconds   float64 `json:"end_seconds"`
	Seconds      float64 `json:"seconds"`
	// InFlight is how many attempts were in flight when it ended.
	InFlight int `json:"in_flight"`
	// Causes are what the run's evidence shows during the stall (faults that fired on the
	// calls in flight, client timeouts, pool exhaustion, lock waits, GC), or one line saying
	// that none was seen.
	Causes []string `json:"causes"`
}

// span is a stall found in the attempt records, in µs since the run began.
type span struct {
	startUS, endUS int64
	inFlight       int
}

// event is one moment of an attempt: it started, or something of it completed.
type event struct {
	atUS int64
	// delta is +1 when an attempt starts and -1 when its last part completes; 0 marks a
	// completion after which the attempt goes on (a booking followed by its cancel).
	delta    int8
	complete bool
}

// findStalls returns every stretch of at least window in which attempts were in flight and
// none completed (a Book answer or a Cancel answer).
func findStalls(log *attemptLog, window time.Duration) []span {
	var events []event
	log.each(func(_ int, a *attempt) {
		events = append(events, event{atUS: a.startUS, delta: +1})
		if a.cancel == cancelNone {
			events = append(events, event{atUS: a.endUS, delta: -1, complete: true})
			return
		}
		events = append(events, event{atUS: a.endUS, complete: true}, event{atUS: a.cancelUS, delta: -1, complete: true})
	})
	// At one instant, completions before starts: a start cannot end a quiet stretch.
	slices.SortFunc(events, func(x, y event) int {
		if c := cmp.Compare(x.atUS, y.atUS); c != 0 {
			return c
		}
		return cmp.Compare(x.delta, y.delta)
	})
	var (
		out      []span
		inFlight int
		quietUS  int64 // since when nothing has completed while something was in flight
	)
	for _, e := range events {
		if e.complete {
			if inFlight > 0 && e.atUS-quietUS >= window.Microseconds() {
				out = append(out, span{startUS: quietUS, endUS: e.atUS, inFlight: inFlight})
			}
			quietUS = e.atUS
		} else if inFlight == 0 {
			quietUS = e.atUS // idle time is not a stall
		}
		inFlight += int(e.delta)
	}
	return out
}

// evidence is what a run saw besides its attempts, for explaining stalls.
type evidence struct {
	log           *attemptLog
	samples       []sample
	fired         []firedFault
	maxConns      int
	clientTimeout time.Duration
}

// firedFault is one fault the fake applied, on call index call.
type firedFault struct {
	kind FaultKind
	call int
}

// explain names what the evidence shows during the stall s.
func (ev evidence) explain(s span) []string {
	var causes []string
	inFlight := func(a *attempt) bool { return a.startUS < s.endUS && max(a.endUS, a.cancelUS) > s.startUS }

	// Faults that fired on the calls in flight.
	byKind := map[FaultKind]int{}
	for _, f := range ev.fired {
		if a, ok := ev.log.get(f.call); ok && inFlight(a) {
			byKind[f.kind]++
		}
	}
	if len(byKind) > 0 {
		kinds := make([]string, 0, len(byKind))
		for k, n := range byKind {
			kinds = append(kinds, fmt.Sprintf("%s ×%d", k, n))
		}
		slices.Sort(kinds)
		causes = append(causes, "faults fired on calls in flight: "+strings.Join(kinds, ", "))
	}

	// Client timeouts: attempts in flight that took at least the core's Cal.com timeout, as
	// one that waited for a Cal.com that never answered does (the attempt may then have
	// recovered by lookup, so its outcome does not tell).
	timeouts := 0
	ev.log.each(func(_ int, a *attempt) {
		if ev.clientTimeout > 0 && inFlight(a) && time.Duration(a.endUS-a.startUS)*time.Microsecond >= ev.clientTimeout*9/10 {
			timeouts++
		}
	})
	if timeouts > 0 {
		causes = append(causes, fmt.Sprintf("calls in flight that took at least the Cal.com client timeout (%s): %d", ev.clientTimeout, timeouts))
	}

	before, during := ev.window(s)
	if len(during) > 0 {
		causes = append(causes, poolCauses(before, during, ev.maxConns)...)
		causes = append(causes, databaseCauses(during)...)
		causes = append(causes, gcCauses(before, during[len(during)-1], s)...)
		causes = append(causes, cpuCauses(before, during)...)
	}
	if len(causes) == 0 {
		causes = append(causes, "no cause seen: no fault fired on the calls in flight, no client timeout, pool wait, lock wait or GC work was sampled")
	}
	return causes
}

// window returns the last sample before the stall and the samples from its start to one
// sample after its end (the runtime reports GC work when it completes).
func (ev evidence) window(s span) (before sample, during []sample) {
	for _, sm := range ev.samples {
		if sm.atUS <= s.startUS {
			before = sm
			continue
		}
		during = append(during, sm)
		if sm.atUS >= s.endUS {
			break
		}
	}
	return before, during
}

func poolCauses(before sample, during []sample, maxConns int) []string {
	if !before.hasPool {
		return nil
	}
	last := during[len(during)-1]
	var peak int32
	for _, sm := range during {
		peak = max(peak, sm.inUse)
	}
	if int(peak) < maxConns {
		return nil
	}
	waited := last.waitedAcquires - before.waitedAcquires
	wait := last.acquireWait - before.acquireWait
	if waited == 0 {
		return []string{fmt.Sprintf("all %d Postgres pool connections in use (held; no acquire had to wait)", maxConns)}
	}
	return []string{fmt.Sprintf("Postgres pool exhausted: all %d connections in use; %d acquires waited %s in all",
		maxConns, waited, wait.Round(time.Millisecond))}
}

func databaseCauses(during []sample) []string {
	var locks, idleTx int
	var longest int64
	for _, sm := range during {
		if sm.hasDB {
			locks, idleTx, longest = max(locks, sm.lockWaits), max(idleTx, sm.idleTx), max(longest, sm.longestTxOpenForMS)
		}
	}
	var out []string
	if locks > 0 {
		out = append(out, fmt.Sprintf("Postgres lock waits: up to %d sessions waiting on a lock", locks))
	}
	if idleTx > 0 {
		out = append(out, fmt.Sprintf("up to %d sessions idle in a transaction (the oldest transaction open %s)", idleTx, (time.Duration(longest)*time.Millisecond).String()))
	}
	return out
}

// gcCauses blames the Go GC when it used at least a quarter of the stall's wall time in CPU.
func gcCauses(before, after sample, s span) []string {
	gc := after.gcCPU - before.gcCPU
	wall := float64(s.endUS-s.startUS) / 1e6
	if gc < wall/4 {
		return nil
	}
	return []string{fmt.Sprintf("Go GC: %.1fs of GC CPU (%.1fs in mark assists that hold up allocating goroutines), %d cycles, live heap %d MB",
		gc, after.assistCPU-before.assistCPU, after.gcCycles-before.gcCycles, after.heapLive>>20)}
}

// cpuCauses blames CPU starvation when goroutines waited long for a CPU during the stall.
func cpuCauses(before sample, during []sample) []string {
	var longest time.Duration
	for _, sm := range during {
		longest = max(longest, sm.longestRunnable)
	}
	slow := during[len(during)-1].slowRunnable - before.slowRunnable
	if slow == 0 {
		return nil
	}
	return []string{fmt.Sprintf("CPU starvation: %d times a runnable goroutine waited %s or more for a CPU, the longest %s or more (other processes, or GC, had the cores)",
		slow, slowRunnableWait, longest.Round(time.Millisecond))}
}
