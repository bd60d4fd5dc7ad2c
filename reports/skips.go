package reports

import (
	"fmt"
	"slices"
	"strings"
)

// DeclaredSkip is a spec of the scenario suite that may be skipped or pending in the run the
// gate judges, with the reason. The gate refuses every other skipped or pending spec: a spec
// that did not run proves nothing, and a skip nobody declared hides that.
type DeclaredSkip struct {
	// Spec is the spec's full text, as Ginkgo reports it.
	Spec string
	// Why says why the gate does without it.
	Why string
}

// DeclaredSkips is the one list of specs the gate lets the suite skip or leave pending. It is
// empty: the suite runs every spec (scenarios/ holds no Skip, PIt or XIt). A skip added here
// needs its reason, and the gate prints the list with every verdict.
func DeclaredSkips() []DeclaredSkip { return nil }

func checkSkips(Facts, GateConfig) string {
	skips := DeclaredSkips()
	if len(skips) == 0 {
		return "no spec skipped or pending (the declared skip list, reports/skips.go, is empty)"
	}
	lines := make([]string, 0, len(skips))
	for _, s := range skips {
		lines = append(lines, fmt.Sprintf("%q (%s)", s.Spec, s.Why))
	}
	return "no spec skipped or pending but the declared ones: " + strings.Join(lines, "; ")
}

func judgeSkips(f Facts, _ GateConfig) []string {
	s := f.Suite
	if s == nil {
		return nil
	}
	declared := func(spec string) bool {
		return slices.ContainsFunc(DeclaredSkips(), func(d DeclaredSkip) bool { return d.Spec == spec })
	}
	var out []string
	for _, x := range []struct {
		what  string
		specs []string
	}{{"skipped", s.SkippedSpecs}, {"pending", s.PendingSpecs}} {
		var bad []string
		for _, spec := range x.specs {
			if !declared(spec) {
				bad = append(bad, spec)
			}
		}
		if len(bad) > 0 {
			out = append(out, fmt.Sprintf("%d spec(s) %s that the declared skip list (reports/skips.go) does not name: %s", len(bad), x.what, clip(bad, 5)))
		}
	}
	return out
}
