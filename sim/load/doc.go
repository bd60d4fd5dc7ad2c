// Package load is the load stage of the harness (DESIGN §7): many phone calls race for few
// Cal.com slots, with an optional mix of Cal.com faults, and every attempt is recorded and
// checked afterwards for the §5 invariants and for per-slot linearizability.
//
// # Shape of a run
//
// Run builds one world (a fresh database cloned from the layers' schema, the reference core,
// and the fake Cal.com in-process, or an external fake on a loopback URL), plans which slot
// each call asks for, and releases Concurrency closed-loop workers together behind a start
// barrier. Each worker takes the next call, books it through the recorder (so the history
// has every attempt), records its real-time latency in its own HDR histogram, and goes on
// until the planned calls are spent or Duration has passed. Afterwards the histograms are
// merged, the invariant checker runs over the recorded history, the database and the fake's
// ledger, porcupine checks each slot's history, and the fake's journal tells when faults
// fired. The Result holds every fact the summary table, the JSON file and the HTML report
// show.
//
// # Repeatability
//
// The call→slot assignment comes from a PCG generator seeded with Config.Seed, and the
// fake's probabilistic faults are seeded with the same seed, so a run can be repeated: the
// same seed asks for the same slots in the same call order. With concurrency 1 and no faults
// the outcome counts repeat exactly; with more workers the interleaving is up to the
// scheduler, which is the point of a load test.
//
// # Time
//
// Latencies and throughput are real time. In-process, the core and the fake share the
// world's virtual clock, which stands still during a load run unless a delay fault advances
// it, so the freshness layer judges every returned booking at (nearly) constant time: a
// stale replay in a load run is stale only if delay faults made it so. Against an external
// fake (--calcom-url) both clocks are real.
//
// # Slots
//
// Slots are spread over four event types, each with its own host (a round-robin and a
// standard event type of 45/30 minutes and one of each of 30/60 minutes), one slot per hour
// from 08:00 to 15:00 UTC on consecutive days. Slot s belongs to host s mod 4, so a small
// Slots value means contention and a large one throughput. When Slots ≥ Calls every call gets
// a slot of its own (a seeded permutation); otherwise each call picks one uniformly.
package load
