// Package selftest proves the CI gate bites: the mutation score (docs/gate.md). It compiles
// the scenario suite once with -tags bookingharness_sabotage, and for every sabotage of the
// catalogue (internal/sabotage: the core, and the harness's own checker, recorder, fake
// Cal.com and wire proxy) runs the slice of the suite that must catch it, with the sabotage
// chosen by the environment. A sabotage counts as caught only when a spec that passed in a
// control run of the same slice, made the same way, failed an assertion, and the sabotage
// fired; a suite that could not start, a timeout, an interrupt or a sabotage that never fired
// is inconclusive and fails the test like a survivor. It runs only under
// HARNESS_GATE_SELFTEST=1 (make gate-selftest): it needs Postgres and many minutes.
package selftest
