//go:build bookingharness_sabotage

package sabotage

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// chosen is the sabotage HARNESS_SABOTAGE names, read once per process.
var chosen = sync.OnceValue(func() Name { return Name(os.Getenv(EnvName)) })

// firesFile is this process's file in HARNESS_SABOTAGE_FIRES, opened at the first firing; nil
// when the variable is unset or the file cannot be opened (the self-test then sees no
// firing and calls the run inconclusive, never caught).
var firesFile = sync.OnceValue(func() *os.File {
	dir := os.Getenv(EnvFires)
	if dir == "" {
		return nil
	}
	f, err := os.OpenFile(filepath.Join(dir, fmt.Sprintf("%d%s", os.Getpid(), firesExt)), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		fmt.Fprintf(os.Stderr, "sabotage: cannot count firings: %v\n", err)
		return nil
	}
	return f
})

// On reports whether sabotage n is the one this deliberately broken build carries, and if
// so counts one firing: call it exactly where the defect changes what happens. Compiled only
// with -tags bookingharness_sabotage, by the gate's self-test.
func On(n Name) bool {
	if n == "" || chosen() != n {
		return false
	}
	if f := firesFile(); f != nil {
		// One line per firing, appended in one write: processes never interleave a line.
		_, _ = f.WriteString(string(n) + "\n")
	}
	return true
}

// OnLayer is On for the sabotage of layer under policy (OfLayer).
func OnLayer(policy, layer string) bool { return On(OfLayer(policy, layer)) }
