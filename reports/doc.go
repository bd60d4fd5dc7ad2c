// Package reports judges what the scenario suite, the incident replays and the load runs
// left behind, and writes it down for people and for CI:
//
//   - the layer-coverage matrix (scenario × layer: off, not reached, accepted, rejected),
//     built from the evidence entries (package sim/evidence) the suite attaches to Ginkgo's
//     JSON report;
//   - the necessity matrix: the same scenarios re-run with one layer switched off at a
//     time, and which invariants then break — a layer nothing needs is called redundant
//     (it decides, but another layer or the design catches the same cases) or untested (it
//     never decides, so the suite cannot tell);
//   - code coverage of the core per layer function, the JUnit summary, incident replay
//     results, links to load reports and porcupine timelines;
//   - the CI gate (Gate), a table of rules whose findings say in one sentence each why a
//     change is refused — on what the evidence shows, and on evidence that is missing,
//     unstamped, stale or filtered (every artefact carries a stamp, internal/stamp);
//   - the mutation score of the gate's self-test (reports/selftest, internal/sabotage) and
//     what counts as a catch (JudgeSabotage).
//
// docs/gate.md describes the gate, the stamps and the self-test for users.
//
// Everything is computed into one Facts value (report.json for machines), from which the
// static index.html and the pull-request summary.md are rendered. Facts are plain data, so
// the gate can be re-run on a stored report.json without Postgres.
package reports
