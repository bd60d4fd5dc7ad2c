// Package selftest proves the CI gate works: it builds the core with a deliberately broken
// freshness layer (build tag bookingharness_sabotage: the layer accepts everything), runs the
// freshness slice of the scenario suite against it, builds the report and asserts that the
// gate refuses with the right reason. It runs only under HARNESS_GATE_SELFTEST=1 (make
// gate-selftest), because it needs Docker and a minute.
package selftest
