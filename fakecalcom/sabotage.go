package fakecalcom

import "github.com/bookingharness/bookingharness/internal/sabotage"

// fire is match as the fake applies it: the rule that fires for t, if any. In a build for the
// gate's self-test (internal/sabotage) a rule may be made never to fire.
func (s *faultSet) fire(t faultTarget) (*Rule, int) {
	r, attempt := s.match(t)
	if r != nil && sabotage.On(sabotage.FakeRuleNeverFires) {
		return nil, 0
	}
	return r, attempt
}
