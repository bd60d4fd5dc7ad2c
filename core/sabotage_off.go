//go:build !bookingharness_sabotage

package core

// sabotaged reports whether sabotage s is switched on: never, in every build but the gate's
// self-test (-tags bookingharness_sabotage, sabotage_on.go). The compiler removes the checks.
func sabotaged(Sabotage) bool { return false }
