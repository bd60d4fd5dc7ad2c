// Package sim holds no code: its folder holds the harness's pipeline, one package per
// stage, imports pointing one way (down this list, never up):
//
//   - sim/shrink: a load violation becomes a minimal incident file;
//   - sim/load: many calls race for few slots, with faults, and the history is judged;
//   - sim/replay: an incident file becomes a deterministic run;
//   - sim/world: one run's universe — the system under test (the reference core in
//     process, or a service behind the black-box contract), a fake Cal.com, one virtual
//     clock and the recorder of every attempt;
//   - sim/incident: the incident file format (parse, write);
//   - sim/fault: the one catalogue of the faults the harness can inject;
//   - sim/blackbox: the black-box contract's client and sut.yaml;
//   - sim/evidence: what a run reports for the coverage and necessity matrices;
//   - sim/check, sim/history: the invariant checker and the recorded histories it judges;
//   - sim/pgproxy: the Postgres wire proxy that injects database faults;
//   - sim/clock: the virtual clock.
package sim
