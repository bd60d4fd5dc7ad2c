// Package replay turns an incident file (docs/incident-format.md, parsed by sim/incident) into a
// deterministic run: a fresh world per replay (world.New: its own database, its own fake
// Cal.com, one virtual clock), the file's steps at their offsets on that clock, per-step
// faults as fake Cal.com rules scoped to the step's call, then the invariant checker and
// the file's expectations. A 35-minute gap costs nothing; a replay takes well under a second
// once Postgres is up.
//
// Semantics the runner adds to the format (docs/replay.md):
//
//   - A step runs at clock.start + at. If an earlier step's delay fault or latency already
//     moved the clock past that instant, the step runs at the current time (the clock never
//     goes backwards); the timeline shows the real virtual time.
//   - Steps at one offset run in file order; the entries of a concurrent step start together
//     behind one barrier (world.World.Concurrent) and their results are listed in file order.
//   - A fault applies once to the next request to its endpoint (FaultRule): by default the
//     call's next Cal.com create (POST /v2/bookings whose metadata.call_id is the step's
//     call); fault.on: lookup is the next GET /v2/bookings for the call's attendee, get,
//     cancel, reschedule, confirm, decline and reservation the next such request of anyone.
//     It is removed when the step ends. A list of faults arms one rule per fault. {status:
//     429} is Cal.com's rate limit (with X-RateLimit headers); other statuses are Cal.com
//     error answers. {timeout: after_commit} costs no real time: the fake holds the answer,
//     the harness ends the client's wait itself and moves the virtual clock by the client
//     timeout (world.DefaultClientTimeout, or Options.ClientTimeout).
//   - A db_fault (armDB) gives the world a database proxy (world.Config.DBFaults). reset
//     before_commit / after_commit hits the call's first committing statement after Cal.com
//     answered its create (the hardened settle's COMMIT, the seed's INSERT): cut before it
//     reaches Postgres, or committed with its acknowledgement lost. latency holds every
//     statement of the call during the step, on the virtual clock. refuse drops the core's
//     connections once Cal.com answered and refuses new ones for its duration on the virtual
//     clock (the window outlives the step). What the step did not reach is disarmed, and the
//     timeline marks it "(not reached)".
//   - A crash (armCrash) abandons the call's Book at the named hook point (it answers unknown
//     and does nothing more); once the step's attempts have returned the core restarts
//     (world.World.Restart) and sweeps (core.Service.Sweep): a restart step in the timeline
//     with what the sweep did.
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
//   - calcom.webhooks makes the fake deliver Cal.com's webhooks (sync: before the response,
//     async: after it) to the core's webhook handler (url left out) or to the file's url.
//     Before and after every step the runner waits for the deliveries that are due
//     (world.World.AwaitWebhooks); a reordered delivery waits for the next delivery, which may
//     be a later step's, and a delayed one for its time on the virtual clock. Before the
//     final state is read every pending delivery is made (the clock moves to the last
//     delayed one): webhooks arrive late, not never; dropped ones stay dropped.
//   - webhook_fault applies to the first webhook about the step's call (its metadata.call_id)
//     that the step causes, once: drop, duplicate, reorder, delay or subscriber_status (the
//     subscriber answers that status, so the core never sees the delivery). The fake applies
//     one action per delivery: a fault combining two is refused (exit 2), so split it.
//   - A host step acts on the call's booking in Cal.com itself (world.World.HostCancel and
//     friends): the uid its latest book step was told it holds (booked or already_booked),
//     or else the call's live booking in the fake's ledger at that slot. With neither the
//     step does nothing (no_booking): a failure (exit 1) when the file's own expectations
//     are asserted, shown as not executed under an override. When Cal.com refuses the action
//     the step fails and says why. Cancel and decline end the
//     call's hold, reschedule moves it (the history records both, so the checker judges the
//     call on its new slot), confirm changes nothing the checker needs.
//   - Event types with hosts: (round robin with several hosts: the world seeds every host's
//     staff row, the history's slot holds one call per host), kind: seated with seats: (one
//     appointment per seat; the slot holds one call per seat) and block_slot run in the
//     world's fake.
//   - Vocabulary the runner cannot execute (incident.Use) is refused by CheckSupported,
//     naming the field: today the runner executes every round-two form, and the check
//     stays so a form added to the parser is refused until the runner runs it. Nothing in a
//     file is ever silently ignored.
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
//     invariant holds" is asserted (the hardened design's contract, docs/architecture.md). Step
//     outcomes and counts are shown, not asserted.
//   - "none": any other override (seed, or fewer layers); nothing is asserted — an
//     exploratory run that shows what happens.
//
// Whatever is asserted, a file that declares violations and runs clean under an override to
// hardened is reported as fixed by hardened (Result.FixedByHardened): the file reproduces a
// bug of its own policy, and the hardened design does not have it.
package replay
