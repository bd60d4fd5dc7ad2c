// Package load is the load stage of the harness (docs/load.md): many phone calls race for few
// Cal.com slots, with an optional mix of Cal.com faults, and every attempt is recorded and
// checked afterwards for the invariants (docs/invariants.md) and for per-slot linearizability.
//
// # Shape of a run
//
// Run builds one world (a fresh database cloned from the layers' schema, the reference core,
// and the fake Cal.com in-process, or an external fake on a loopback URL), plans which slot
// each call asks for (SlotPlan), and issues the calls in one of two ways:
//
//   - closed loop (the default): Concurrency workers released together behind a start
//     barrier; each takes the next call as soon as its last one answered;
//   - open loop (Config.Rate > 0): calls arrive on a seeded schedule (Schedule: Poisson by
//     default, or constant), each started at its intended time whatever the system under
//     test is doing, with at most MaxInFlight in flight. Latency runs from the intended
//     start, so a stall shows in every call it held up instead of thinning the arrivals (no
//     coordinated omission); the start lag, late starts and dropped arrivals are counted.
//
// Either way the run stops by itself when the planned calls are spent or Duration has passed.
// Each attempt books through the recorder (so the history has every attempt); a call told it
// holds its slot then cancels it with probability CancelRate, through the core's Cancel,
// recorded as a cancel. Afterwards the attempt records give the latency histograms (HDR),
// the invariant checker runs over the recorded history, the database and the fake's ledger,
// porcupine checks each slot's history, and the fake's journal tells when faults fired.
// While the run goes, a sampler reads the core's pool statistics, pg_stat_activity of its
// database (lock waits, sessions idle in a transaction) and the Go runtime's GC work every
// SampleInterval; every stall (StallWindow without a completion while attempts were in
// flight) is named in the Result with the causes this evidence shows. The Result holds every
// fact the summary table, the JSON file and the HTML report show.
//
// # Repeatability
//
// Every random choice that belongs to a call — its slot, its Cal.com latencies, whether it
// cancels — is a function of Config.Seed and the call alone, never of arrival order or of
// which worker took it; the open loop's schedule and the fake's probabilistic faults are
// seeded with the same seed. The same seed asks the same things of the same calls in a
// closed and an open loop. With concurrency 1 and no faults the outcome counts repeat
// exactly; with more workers the interleaving is up to the scheduler, which is the point of
// a load test.
//
// # Time
//
// Latencies and throughput are real time. In-process, the core and the fake share the
// world's virtual clock, which stands still during a load run unless a delay fault advances
// it, so the freshness layer judges every returned booking at (nearly) constant time: a
// stale replay in a load run is stale only if delay faults made it so. Against an external
// fake (--calcom-url) both clocks are real. CalcomLatency is real time in both: the core's
// HTTP client waits out each answer's sampled latency after the answer arrived (the fake's
// own Config.Latency would only advance the virtual clock).
//
// # Slots
//
// Slots are spread over four event types, each with its own host (a round-robin and a
// standard event type of 45/30 minutes and one of each of 30/60 minutes), one slot per hour
// from 08:00 to 15:00 UTC on consecutive days. Slot s belongs to host s mod 4, so a small
// Slots value means contention and a large one throughput. When Slots ≥ Calls every call gets
// a slot of its own (a seeded permutation); otherwise each call picks one uniformly. With
// RollEvery the Slots slots are a window that moves one slot forward every RollEvery calls,
// so contention lasts the whole run instead of ending once every slot is taken.
//
// # Memory
//
// A run keeps a 40-byte record per issued attempt (allocated in chunks as calls are issued)
// and the recorder's operations; nothing is reserved per planned call. That matters: a
// duration-capped run plans up to MaxCalls calls, and reserving the recorder for all of them
// once put a 2.5 GB object on the heap whose first GC mark — touching every page of it —
// held the workers in mark assists for seconds at the start of the run (the stall `make
// demo` showed).
package load
