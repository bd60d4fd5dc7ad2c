//go:build !bookingharness_sabotage

package sabotage

// On reports whether sabotage n is switched on: never, in every build but the gate's
// self-test (-tags bookingharness_sabotage, on.go). The compiler removes the hooks.
func On(Name) bool { return false }

// OnLayer is On for the sabotage of layer under policy (OfLayer): never, in this build.
func OnLayer(string, string) bool { return false }
