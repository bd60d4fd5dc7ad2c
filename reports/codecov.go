package reports

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"
)

// CodeCoverage is the core's statement coverage from the scenario suite (-coverpkg),
// summarised per layer: the functions that implement each layer and how much of each ran.
type CodeCoverage struct {
	// Total is the total statement coverage in percent.
	Total  float64         `json:"total"`
	Layers []LayerCoverage `json:"layers"`
	// Functions is every function of the profile.
	Functions []FuncCoverage `json:"functions"`
}

// LayerCoverage lists one layer's functions; Mean is their unweighted mean coverage.
type LayerCoverage struct {
	Layer     string         `json:"layer"`
	Mean      float64        `json:"mean"`
	Functions []FuncCoverage `json:"functions"`
	// Missing names layer functions absent from the profile (renamed, or a replaced core).
	Missing []string `json:"missing,omitempty"`
}

// FuncCoverage is one function's statement coverage.
type FuncCoverage struct {
	// Func is "pkg.Name", pkg being the last element of the import path (core, store).
	Func    string  `json:"func"`
	File    string  `json:"file"`
	Line    int     `json:"line"`
	Percent float64 `json:"percent"`
}

// LayerFunctions maps each layer to the reference core's functions that implement it (both
// policies). A function that hosts several layers is listed under each; the flow functions
// of the two policies are listed under "flow".
func LayerFunctions() map[string][]string {
	return map[string][]string{
		"freshness":      {"core.SeedFreshness", "core.CalcomFreshness"},
		"call_id":        {"core.SeedCallID", "core.OwnershipCallID", "core.inspectCallID", "core.decideOwnership"},
		"db_check":       {"core.bookSeed", "core.storeOwned", "core.answerExisting", "store.SettleClaimIfUnheld", "store.FindByBookingUID"},
		"unique":         {"core.storeOwned", "core.answerExisting", "store.SettleClaim", "store.IsUniqueViolation"},
		"slot_exclusion": {"core.exclusionAnswer", "store.InsertClaim", "store.IsExclusionViolation"},
		"flow": {"core.bookSeed", "core.bookHardened", "core.claimSlot", "core.createOrRecover", "core.lookupOwn", "core.settle",
			"core.commitSettle", "core.refuseOwned", "core.Sweep"},
	}
}

// CoverageGroups lists the LayerFunctions keys in report order.
func CoverageGroups() []string { return append(LayerNames(), "flow") }

// ReadCoverFunc reads the output of `go tool cover -func=PROFILE`.
func ReadCoverFunc(p string) (*CodeCoverage, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("reports: read coverage: %w", err)
	}
	return ParseCoverFunc(p, data)
}

// ParseCoverFunc parses `go tool cover -func` output: lines "file.go:LINE:<tab>Func<tab>NN.N%"
// and a final "total:<tab>(statements)<tab>NN.N%".
func ParseCoverFunc(name string, data []byte) (*CodeCoverage, error) {
	cc := &CodeCoverage{}
	sawTotal := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 || !strings.HasSuffix(f[2], "%") {
			return nil, fmt.Errorf("reports: %s:%d: %q is not `go tool cover -func` output", name, n, line)
		}
		pct, err := strconv.ParseFloat(strings.TrimSuffix(f[2], "%"), 64)
		if err != nil || pct < 0 || pct > 100 {
			return nil, fmt.Errorf("reports: %s:%d: bad percentage %q", name, n, f[2])
		}
		if f[0] == "total:" {
			cc.Total, sawTotal = pct, true
			continue
		}
		loc := strings.TrimSuffix(f[0], ":")
		i := strings.LastIndex(loc, ":")
		if i < 0 {
			return nil, fmt.Errorf("reports: %s:%d: %q has no file:line", name, n, f[0])
		}
		ln, err := strconv.Atoi(loc[i+1:])
		if err != nil {
			return nil, fmt.Errorf("reports: %s:%d: bad line in %q", name, n, f[0])
		}
		file := loc[:i]
		pkg := path.Base(path.Dir(file))
		cc.Functions = append(cc.Functions, FuncCoverage{Func: pkg + "." + f[1], File: file, Line: ln, Percent: pct})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reports: %s: %w", name, err)
	}
	if !sawTotal {
		return nil, fmt.Errorf("reports: %s: no total line; is it `go tool cover -func` output?", name)
	}
	groups := LayerFunctions()
	for _, g := range CoverageGroups() {
		lc := LayerCoverage{Layer: g}
		sum := 0.0
		for _, fn := range groups[g] {
			found := false
			for _, fc := range cc.Functions {
				if fc.Func == fn {
					lc.Functions = append(lc.Functions, fc)
					sum += fc.Percent
					found = true
					break
				}
			}
			if !found {
				lc.Missing = append(lc.Missing, fn)
			}
		}
		if len(lc.Functions) > 0 {
			lc.Mean = sum / float64(len(lc.Functions))
		}
		cc.Layers = append(cc.Layers, lc)
	}
	return cc, nil
}
