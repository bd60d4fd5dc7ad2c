//go:build bookingharness_sabotage

package core

import (
	"os"
	"sync"
)

// chosen is the sabotage HARNESS_SABOTAGE names, read once per process.
var chosen = sync.OnceValue(func() Sabotage { return Sabotage(os.Getenv(EnvSabotage)) })

// sabotaged reports whether sabotage s is the one this deliberately broken core carries.
// Compiled only with -tags bookingharness_sabotage, by the CI gate's mutation score
// (reports/selftest).
func sabotaged(s Sabotage) bool { return s != "" && chosen() == s }
