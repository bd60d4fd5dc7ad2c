// Package sabotage is the catalogue of deliberate defects the gate's self-test switches on,
// one at a time, to show that the scenario suite catches each (the mutation score,
// reports/selftest; docs/gate.md). It is modelled on etcd's failpoints: every sabotage is
// one typed value naming what it breaks, where (the core, the checker, the recorder, the
// fake Cal.com, the wire proxy) and the slice of the suite (a Ginkgo label filter) that
// must catch it.
//
// A hook is one call of On at the place the defect changes what happens:
//
//	if sabotage.On(sabotage.CoreMoveClaim) {
//		return false, nil // the claim is never moved
//	}
//
// Only a build with -tags bookingharness_sabotage can switch one on (HARNESS_SABOTAGE names
// it); every other build compiles On to false, so no sabotage can reach a real core, fake or
// checker. A tagged build counts each time its sabotage fired in a directory named by
// HARNESS_SABOTAGE_FIRES (one file per process, so runs under `ginkgo -p` add up): a
// sabotage that never fired proves nothing, and the self-test calls that run inconclusive.
//
// The package sits in internal/ so that every part of the harness may import it — the core,
// the fake (which must not import the core), the checker and the proxy.
package sabotage
