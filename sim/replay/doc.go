// Package replay turns an incident file (DESIGN §6, parsed by sim/incident) into a
// deterministic run: a fresh world per replay (sim.NewWorld: its own database, its own fake
// Cal.com, one virtual clock), the file's steps at their offsets on that clock, per-step
// faults as fake Cal.com rules scoped to the step's call, then the §5 invariant checker and
// the file's expectations. A 35-minute gap costs nothing; a replay takes well under a second
// once Postgres is up.
//
// Semantics the runner adds where §6 is silent:
//
//   - A step runs at clock.start + at. If an earlier step's delay fault or latency already
//     moved the clock past that instant, the step runs at the current time (the clock never
//     goes backwards); the timeline shows the real virtual time.
//   - Steps at one offset run in file order; the entries of a concurrent step start together
//     behind one barrier (sim.World.Concurrent) and their results are listed in file order.
//   - A fault applies to the first Cal.com create (POST /v2/bookings) whose metadata.call_id
//     is the step's call, once, and is removed when the step ends. A list of faults arms
//     one rule per fault. {status: 429} is Cal.com's
//     rate limit (with X-RateLimit headers); other statuses are Cal.com error answers.
//     {timeout: after_commit} costs no real time: the fake holds the answer, the harness ends
//     the client's wait itself and moves the virtual clock by the client timeout
//     (sim.DefaultClientTimeout, or Options.ClientTimeout).
//   - expect.layer is the deciding layer the core reports (core.Outcome.Layer); "calcom"
//     means no layer decided and Cal.com's own answer did (a 400, 409, 429 or 5xx). The
//     deciding layer depends on the policy: the seed runs freshness first, the hardened
//     policy decides ownership by call_id first, so call 688 of the Call 687/688 incident is
//     stopped by freshness under seed and by call_id under hardened.
//   - expect.appointments counts live appointments; expect.calcom_bookings counts accepted
//     bookings in the fake's ledger (pending and cancelled ones are not counted).
//   - expect.violations lists invariants that MUST be violated; any other violation fails.
//     Left out, it means none. A run the invariant checker refuses to judge (its
//     assumptions do not hold, e.g. a file with no step) is an error, never a pass.
//   - The round-two vocabulary (incident.Use) is refused by CheckSupported, naming the
//     field, unless the runner can execute it: today calcom.conflict_answer (prod_400, the
//     default, conflict_409, error_500), calcom.check_insert_gap, and event types with
//     hosts: (round robin with several hosts: the world seeds every host's staff row, the
//     history's slot holds one call per host), kind: seated with seats: (one appointment per
//     seat; the slot holds one call per seat) and block_slot. Nothing in a file is ever
//     silently ignored.
//
// Overrides. Options.Policy and Options.Layers replace the file's policy and layers. The
// file's expectations describe the file's own policy and layers, so an override changes
// what is asserted (Result.Expectations says which applied):
//
//   - "file": no override; the file's expectations.
//   - "expect_by_policy.<policy>": the policy is overridden, the layers are not, and the file
//     states expectations for that policy in the extra field expect_by_policy (top level and
//     per step); a step or field it leaves out falls back to the file's expectation.
//   - "invariants": any other override to the hardened policy with all layers; only "every
//     invariant holds" is asserted (the hardened design's contract, DESIGN §2.2). Step
//     outcomes and counts are shown, not asserted.
//   - "none": any other override (seed, or fewer layers); nothing is asserted — an
//     exploratory run that shows what happens.
package replay
