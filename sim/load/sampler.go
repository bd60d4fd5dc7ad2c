package load

import (
	"context"
	"runtime/metrics"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// sample is what the run saw at one moment: the core's pool, Postgres's sessions and the Go
// runtime. Samples are the evidence a stall's causes are read from.
type sample struct {
	atUS int64 // µs since the run began

	// The pool (hasPool false: the target has no pool in this process).
	hasPool          bool
	inUse, total     int32
	acquires         int64
	waitedAcquires   int64 // acquires that found no idle connection (cumulative)
	acquireWait      time.Duration
	canceledAcquires int64

	// The core's database sessions (hasDB false: not read).
	hasDB              bool
	lockWaits, idleTx  int
	activeStatements   int
	longestTxOpenForMS int64

	// The Go runtime: cumulative GC CPU time (seconds; the runtime updates these estimates
	// as GC work completes), completed GC cycles, and the live heap after the last cycle.
	gcCPU, assistCPU float64
	gcCycles         uint64
	heapLive         uint64
	// slowRunnable counts (cumulatively) goroutines that waited at least slowRunnableWait
	// to get a CPU once runnable; longestRunnable is the longest such wait (the bucket's
	// lower bound) since the previous sample. Long waits mean the process was starved of
	// CPU — on a shared machine, by other processes.
	slowRunnable    uint64
	longestRunnable time.Duration
}

// slowRunnableWait is the scheduling delay from which a wait for a CPU counts as slow.
const slowRunnableWait = 20 * time.Millisecond

// sampler reads a sample every interval until stopped.
type sampler struct {
	pool     *pgxpool.Pool
	db       *pgx.Conn
	began    time.Time
	interval time.Duration

	stop    chan struct{}
	wg      sync.WaitGroup
	samples []sample
	sched   []uint64 // the scheduling-latency histogram's counts at the previous sample
}

// startSampler starts sampling t (whatever of pool and database it offers) from began on.
// A database it cannot connect to is left out, not an error: samples are evidence, not the
// run's purpose.
func startSampler(ctx context.Context, t target, began time.Time, interval time.Duration) *sampler {
	s := &sampler{began: began, interval: interval, stop: make(chan struct{})}
	if p, ok := t.(pooled); ok {
		s.pool = p.corePool()
	}
	if d, ok := t.(inDatabase); ok && d.databaseDSN() != "" {
		if conn, err := pgx.Connect(ctx, d.databaseDSN()); err == nil {
			s.db = conn
		}
	}
	s.samples = append(s.samples, s.read(ctx))
	s.wg.Go(func() {
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				s.samples = append(s.samples, s.read(ctx))
			case <-s.stop:
				return
			case <-ctx.Done():
				return
			}
		}
	})
	return s
}

// finish stops sampling, takes a last sample and returns them all in time order.
func (s *sampler) finish(ctx context.Context) []sample {
	close(s.stop)
	s.wg.Wait()
	s.samples = append(s.samples, s.read(ctx))
	if s.db != nil {
		_ = s.db.Close(context.WithoutCancel(ctx))
	}
	return s.samples
}

// activityQuery counts the core's database sessions by what they are doing: waiting on a
// lock, idle inside a transaction (a transaction held open across something else, e.g. an
// HTTP call), running a statement; and how long the oldest open transaction has been open.
const activityQuery = `
SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'),
       count(*) FILTER (WHERE state LIKE 'idle in transaction%'),
       count(*) FILTER (WHERE state = 'active'),
       coalesce(max(extract(epoch FROM now() - xact_start) * 1000)::bigint, 0)
FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`

func (s *sampler) read(ctx context.Context) sample {
	now := time.Now()
	sm := sample{atUS: now.Sub(s.began).Microseconds()}
	if s.pool != nil {
		st := s.pool.Stat()
		sm.hasPool = true
		sm.inUse, sm.total = st.AcquiredConns(), st.TotalConns()
		sm.acquires, sm.waitedAcquires, sm.acquireWait, sm.canceledAcquires = st.AcquireCount(), st.EmptyAcquireCount(), st.EmptyAcquireWaitTime(), st.CanceledAcquireCount()
	}
	if s.db != nil {
		qctx, cancel := context.WithTimeout(ctx, activityTimeout)
		err := s.db.QueryRow(qctx, activityQuery).Scan(&sm.lockWaits, &sm.idleTx, &sm.activeStatements, &sm.longestTxOpenForMS)
		cancel()
		sm.hasDB = err == nil
	}
	rs := []metrics.Sample{
		{Name: "/cpu/classes/gc/total:cpu-seconds"}, {Name: "/cpu/classes/gc/mark/assist:cpu-seconds"},
		{Name: "/gc/cycles/total:gc-cycles"}, {Name: "/gc/heap/live:bytes"}, {Name: "/sched/latencies:seconds"},
	}
	metrics.Read(rs)
	sm.gcCPU, sm.assistCPU = float64Of(rs[0].Value), float64Of(rs[1].Value)
	sm.gcCycles, sm.heapLive = uint64Of(rs[2].Value), uint64Of(rs[3].Value)
	if rs[4].Value.Kind() == metrics.KindFloat64Histogram {
		sm.slowRunnable, sm.longestRunnable = s.runnableWaits(rs[4].Value.Float64Histogram())
	}
	return sm
}

// runnableWaits reads the scheduling-latency histogram: how many waits for a CPU so far were
// slow, and the longest wait since the previous read.
func (s *sampler) runnableWaits(h *metrics.Float64Histogram) (slow uint64, longest time.Duration) {
	for i, n := range h.Counts {
		lower := time.Duration(h.Buckets[i] * float64(time.Second))
		if lower >= slowRunnableWait {
			slow += n
		}
		if i < len(s.sched) && n > s.sched[i] {
			longest = max(longest, lower)
		}
	}
	s.sched = append(s.sched[:0], h.Counts...)
	return slow, longest
}

// activityTimeout bounds one pg_stat_activity read: long enough for a loaded server, short
// enough that a stuck read costs a few samples, not the run's evidence.
const activityTimeout = 2 * time.Second

func float64Of(v metrics.Value) float64 {
	if v.Kind() == metrics.KindFloat64 {
		return v.Float64()
	}
	return 0
}

func uint64Of(v metrics.Value) uint64 {
	if v.Kind() == metrics.KindUint64 {
		return v.Uint64()
	}
	return 0
}
