package load

import (
	"strings"
	"testing"
	"time"
)

// logOf builds an attempt log from records (µs): {start, end} or {start, end, cancelEnd}.
func logOf(spans ...[]int64) *attemptLog {
	log := newAttemptLog(len(spans))
	for i, s := range spans {
		a := log.at(i)
		a.issued, a.intendedUS, a.startUS, a.endUS = true, s[0], s[0], s[1]
		if len(s) == 3 {
			a.cancel, a.cancelUS = cancelCancelled, s[2]
		}
	}
	return log
}

const sec = 1_000_000

func TestFindStalls(t *testing.T) {
	tests := []struct {
		name  string
		log   *attemptLog
		want  []span
		notes string
	}{
		{"steady completions", logOf([]int64{0, 400_000}, []int64{100_000, 900_000}, []int64{500_000, 1_300_000}), nil, ""},
		{"one call stuck while nothing else completes",
			logOf([]int64{0, 100_000}, []int64{50_000, 3 * sec}, []int64{200_000, 3*sec + 10}),
			[]span{{startUS: 100_000, endUS: 3 * sec, inFlight: 2}}, ""},
		{"idle time is not a stall: nothing in flight",
			logOf([]int64{0, 100_000}, []int64{5 * sec, 5*sec + 100_000}), nil, ""},
		{"a stall starts when work arrives after an idle spell",
			logOf([]int64{0, 100_000}, []int64{2 * sec, 4 * sec}),
			[]span{{startUS: 2 * sec, endUS: 4 * sec, inFlight: 1}}, ""},
		{"a booking's answer ends the quiet; its cancel keeps it in flight",
			logOf([]int64{0, 200_000, 3 * sec}),
			[]span{{startUS: 200_000, endUS: 3 * sec, inFlight: 1}}, ""},
		{"just under the window is not a stall",
			logOf([]int64{0, sec - 1}), nil, ""},
		{"exactly the window is one",
			logOf([]int64{0, sec}), []span{{startUS: 0, endUS: sec, inFlight: 1}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := findStalls(tt.log, time.Second)
			if len(got) != len(tt.want) {
				t.Fatalf("stalls %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("stall %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestStallCauses(t *testing.T) {
	stall := span{startUS: 1 * sec, endUS: 4 * sec, inFlight: 8}
	// Call 0 is in flight across the stall, call 1 ended before it.
	log := logOf([]int64{sec / 2, 4 * sec}, []int64{0, sec / 2})
	timedOut := logOf([]int64{sec / 2, 4 * sec})
	quiet := sample{hasPool: true, hasDB: true}
	tests := []struct {
		name string
		ev   evidence
		want []string
	}{
		{"nothing seen", evidence{log: log, clientTimeout: 10 * time.Second, samples: []sample{quiet, {atUS: 2 * sec, hasPool: true, inUse: 3}}, maxConns: 16},
			[]string{"no cause seen"}},
		{"a fault on a call in flight (not one on a call that had ended)",
			evidence{log: log, fired: []firedFault{{"timeout_after_commit", 0}, {"status_500", 1}}},
			[]string{"faults fired on calls in flight: timeout_after_commit ×1"}},
		{"a client timeout", evidence{log: timedOut, clientTimeout: 3 * time.Second},
			[]string{"calls in flight that took at least the Cal.com client timeout (3s): 1"}},
		{"waits for a pool that never ran out are not a cause", evidence{log: log, maxConns: 16, samples: []sample{quiet,
			{atUS: 2 * sec, hasPool: true, inUse: 15, waitedAcquires: 30, acquireWait: 2 * time.Second}}},
			[]string{"no cause seen"}},
		{"pool exhausted", evidence{log: log, maxConns: 4, samples: []sample{quiet,
			{atUS: 2 * sec, hasPool: true, inUse: 4, waitedAcquires: 30, acquireWait: 2 * time.Second}}},
			[]string{"Postgres pool exhausted: all 4 connections in use; 30 acquires waited 2s in all"}},
		{"pool full, nobody waiting", evidence{log: log, maxConns: 4, samples: []sample{quiet, {atUS: 2 * sec, hasPool: true, inUse: 4}}},
			[]string{"all 4 Postgres pool connections in use (held; no acquire had to wait)"}},
		{"lock waits and a transaction held open", evidence{log: log, maxConns: 16, samples: []sample{quiet,
			{atUS: 2 * sec, hasDB: true, lockWaits: 5, idleTx: 2, longestTxOpenForMS: 2500}}},
			[]string{"Postgres lock waits: up to 5 sessions", "up to 2 sessions idle in a transaction (the oldest transaction open 2.5s)"}},
		{"GC", evidence{log: log, maxConns: 16, samples: []sample{{gcCPU: 1}, {atUS: 4 * sec, gcCPU: 3.5, assistCPU: 1.5, gcCycles: 1, heapLive: 2500 << 20}}},
			[]string{"Go GC: 2.5s of GC CPU (1.5s in mark assists", "1 cycles, live heap 2500 MB"}},
		{"CPU starvation", evidence{log: log, maxConns: 16, samples: []sample{{slowRunnable: 4}, {atUS: 2 * sec, slowRunnable: 10, longestRunnable: 300 * time.Millisecond}, {atUS: 4 * sec, slowRunnable: 11}}},
			[]string{"CPU starvation: 7 times a runnable goroutine waited 20ms or more for a CPU, the longest 300ms or more"}},
		{"a little GC is not a cause", evidence{log: log, maxConns: 16, samples: []sample{{gcCPU: 1}, {atUS: 4 * sec, gcCPU: 1.2}}},
			[]string{"no cause seen"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(tt.ev.explain(stall), " | ")
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("causes %q lack %q", got, w)
				}
			}
		})
	}
}
