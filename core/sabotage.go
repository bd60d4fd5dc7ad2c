//go:build !bookingharness_sabotage

package core

// sabotage is the identity: decisions pass unchanged. The build tag bookingharness_sabotage
// swaps in sabotage_broken.go, a deliberately broken core the gate's self-test must catch.
func sabotage(d Decision) Decision { return d }
