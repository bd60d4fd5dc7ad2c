// Package shrink turns the violations of a load run into minimal, deterministic incident
// files (docs/load.md, `bookingharness load --shrink DIR`), so the harness's three jobs feed
// each other: load finds a bug, replay reproduces it in under a second, the catalogue
// (scenarios/incidents/found/) keeps it as a regression test.
//
// # From a history to an incident (Cases)
//
// For each violation the checker found (invariant, calls, appointments, booking uids), the
// case holds the operations of the calls the violation names and of every call that touched
// one of their slots, in the order the recorder saw them begin (its logical ticks), with
// the faults that fired on them (the fake's journal: rule, action, call id, attempt):
//
//   - Operations that all overlapped one another in the load (by the recorder's ticks: each
//     began before any operation of its group returned) become one concurrent step; the
//     others are plain steps. A cancel is always a plain step (incident files have no
//     concurrent cancel). On a crowded slot the case keeps the MaxCaseOperations operations
//     nearest the violation's calls.
//   - Each step's at is its first operation's offset from the case's first operation: the
//     offset on the load's clock — virtual in-process, where the core and the fake judged
//     ages, standing still except where a delay fault advanced it — plus, in-process, the
//     real-time offset since the load's start barrier, 1:1 and truncated to the millisecond.
//     The real part keeps the original order and spacing readable; at milliseconds it is far
//     below anything the core judges (freshness: 30 s), so it cannot change a decision, and
//     the minimiser removes it where it is not needed. Against an external fake the clock is
//     real and its offset is used alone.
//   - A fired fault becomes the step's fault through the fault catalogue (package
//     sim/fault, docs/faults.md): the fired rule's action read back as its incident form.
//     Every fault a load can inject has one: a Cal.com fault on a call's k-th create goes on
//     that call's k-th booking step (fault:); a webhook fault on the step whose action
//     caused the delivery (webhook_fault:, with calcom.webhooks as the load delivered them);
//     a database fault on the call's first booking step (db_fault: — a load's rule strikes
//     any statement of the call, a step's reset the commit after Cal.com answered, so the
//     replay decides whether that is close enough). What cannot be placed (a second fault of
//     one kind on one step, a host action) is left out and noted; the note is the reason
//     given if the case does not reproduce without it.
//   - The policy, layers and event types of the run; clock.start is the first operation's
//     time on the load's clock; expect.violations names the invariant.
//
// # Minimising (Minimise)
//
// The oracle replays a candidate and says which invariants it violated. A candidate
// reproduces when Runs consecutive replays (default 3) all show the invariant, and the same
// set of violated invariants; one that shows it only sometimes is not accepted, so every
// written file reproduces deterministically as far as Runs replays can tell. The file's
// expect.violations is that set (an untruthful answer is often a lost booking too), so
// `bookingharness replay` exits 0 on it. Delta debugging keeps whatever shows the
// invariant: the result may be other calls of the same slot than the ones the load named,
// and its description then says so.
//
// First the calls the violation names are tried alone (most violations need nothing else);
// if that does not reproduce, the whole case is tried. The reproducing start is then reduced
// in two phases:
//
//  1. ddmin (Zeller and Hildebrandt's delta debugging) over the booking attempts and
//     cancels: it removes the large irrelevant bulk — hundreds of calls that only happened
//     to ask for the same slot — in O(log n) replays when the cause is a few calls, where
//     removing them one at a time would cost a replay each.
//  2. A greedy pass over every one-step transformation until none applies: remove one
//     attempt, split a concurrent group into plain steps, move one entry out of a group,
//     merge two adjacent groups, drop one fault (of any family), zero every offset, zero or halve one gap,
//     drop unused event types. Each transformation makes the candidate strictly smaller by
//     (attempts, faults, entries in concurrent groups, steps, event types, sum of offsets),
//     compared in that order — so concurrency counts as more complicated than an extra
//     step, and a concurrent group survives only when the violation needs it. The pass
//     stops at a 1-minimal incident: no single transformation of it still reproduces.
//     (ddmin alone guarantees 1-minimality only for removals; the greedy pass is what
//     covers faults, groups and offsets, and it is cheap once ddmin has left a handful of
//     steps.)
//
// Every candidate is keyed by its written bytes, so no candidate is replayed twice. A case
// stops after MaxReplays replays: its result still reproduces but is then not proven
// 1-minimal, and the report says so.
//
// # Reporting (Shrink)
//
// Violations with one signature — invariant, event type kind, whether the calls named
// overlapped one another, and their outcomes and fired faults — are one bug: the first is
// shrunk, the others are reported as the same bug as its file (Options.EveryViolation
// shrinks each). A violation that shrinks to a file already written (same timeline, same
// expectations) is reported as the same bug too. A violation that does
// not reproduce deterministically is never dropped: its closest candidate (the one that
// showed the invariant most often) is written as <invariant>-<n>.unreproduced.yaml with the
// reason — shown only sometimes (a real-time race), never shown although the load overlapped
// its operations (a race the replay does not force), a fault that has no incident form or
// did not fire in the replay.
//
// A file that reproduces under the seed policy is replayed under hardened too: when that
// violates nothing in Runs replays, the file says so in expect_by_policy (hardened: no
// violation), and `bookingharness replay --policy hardened` reports "fixed by hardened".
package shrink
