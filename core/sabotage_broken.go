//go:build bookingharness_sabotage

package core

// sabotage breaks the freshness layer on purpose: it accepts every booking it would have
// rejected. Compiled only with -tags bookingharness_sabotage, by the CI gate's self-test
// (reports/selftest), which must see the gate fail with "layer freshness never decides".
func sabotage(d Decision) Decision {
	if d.Layer == LayerFreshness && d.Verdict == Reject {
		d.Verdict, d.Reason = Accept, "SABOTAGED: freshness accepts everything"
	}
	return d
}
