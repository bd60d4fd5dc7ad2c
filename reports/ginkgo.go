package reports

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/bookingharness/bookingharness/internal/stamp"
	"github.com/bookingharness/bookingharness/sim/evidence"
)

// Run is one world's evidence with where it came from: the unit every matrix is built of.
type Run struct {
	// Source is SourceSuite or SourceIncident.
	Source string `json:"source"`
	// Spec is the Ginkgo spec's full text (or the incident file) the world ran in.
	Spec string `json:"spec"`
	// Passed reports whether that spec (or replay) met all its expectations.
	Passed bool           `json:"passed"`
	Entry  evidence.Entry `json:"entry"`
}

// Where a run's evidence came from.
const (
	SourceSuite    = "suite"
	SourceIncident = "incident"
)

// ReadGinkgo reads a Ginkgo --json-report file and returns its summary and every evidence
// entry in it, in report order. A spec's entries keep their order, which is how a
// necessity run's worlds are matched with the normal run's.
func ReadGinkgo(path string) (*SuiteSummary, []Run, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("reports: read Ginkgo report: %w", err)
	}
	return ParseGinkgo(path, data)
}

// ParseGinkgo is ReadGinkgo on data already read; name is used in errors.
func ParseGinkgo(name string, data []byte) (*SuiteSummary, []Run, error) {
	var suites []types.Report
	if err := json.Unmarshal(data, &suites); err != nil {
		return nil, nil, fmt.Errorf("reports: %s is not a Ginkgo JSON report (want the file --json-report writes): %w", name, err)
	}
	if len(suites) == 0 {
		return nil, nil, fmt.Errorf("reports: %s holds no suite", name)
	}
	sum := &SuiteSummary{Succeeded: true}
	var runs []Run
	for _, s := range suites {
		if sum.Description == "" {
			sum.Description = s.SuiteDescription
		}
		sum.Succeeded = sum.Succeeded && s.SuiteSucceeded
		sum.RunTime += s.RunTime
		sum.Run.add(s)
		for _, sp := range s.SpecReports {
			if sp.LeafNodeType != types.NodeTypeIt {
				if err := suiteNode(sum, sp); err != nil {
					return nil, nil, fmt.Errorf("reports: %s: %w", name, err)
				}
				continue
			}
			count(sum, s, sp)
			for _, re := range sp.ReportEntries {
				if re.Name != evidence.ReportEntryName {
					continue
				}
				e, err := evidence.Decode([]byte(re.Value.AsJSON))
				if err != nil {
					return nil, nil, fmt.Errorf("reports: %s: spec %q (%s): %w", name, sp.FullText(), re.Location, err)
				}
				runs = append(runs, Run{Source: SourceSuite, Spec: sp.FullText(), Passed: sp.State.Is(types.SpecStatePassed), Entry: e})
			}
		}
	}
	sum.Evidence = len(runs)
	sum.RunTime = sum.RunTime.Round(time.Millisecond)
	return sum, runs, nil
}

// suiteNode reads a suite-level node's report: the stamp the suite attached to its
// SynchronizedBeforeSuite, and whether the node failed.
func suiteNode(sum *SuiteSummary, sp types.SpecReport) error {
	for _, re := range sp.ReportEntries {
		if re.Name != stamp.ReportEntryName {
			continue
		}
		var st stamp.Stamp
		if err := json.Unmarshal([]byte(re.Value.AsJSON), &st); err != nil {
			return fmt.Errorf("the suite's stamp is not one: %w", err)
		}
		sum.Stamp = &st
	}
	if sp.State.Is(types.SpecStateFailureStates) {
		sum.SuiteFailures = append(sum.SuiteFailures, fmt.Sprintf("%s %s: %s", sp.LeafNodeType, sp.State, firstLine(sp.Failure.Message, 300)))
	}
	return nil
}

func count(sum *SuiteSummary, s types.Report, sp types.SpecReport) {
	switch {
	case sp.State.Is(types.SpecStatePassed):
		sum.Total++
		sum.Passed++
		if sp.NumAttempts > 1 {
			sum.Flaked++
			sum.FlakedSpecs = append(sum.FlakedSpecs, sp.FullText())
		}
	case sp.State.Is(types.SpecStateSkipped):
		sum.Skipped++
		sum.SkippedSpecs = append(sum.SkippedSpecs, sp.FullText())
		if leftOutByFocus(s.SuiteConfig, s.SuiteDescription, s.SuiteLabels, sp) {
			sum.FocusedOut = append(sum.FocusedOut, sp.FullText())
		}
	case sp.State.Is(types.SpecStatePending):
		sum.Pending++
		sum.PendingSpecs = append(sum.PendingSpecs, sp.FullText())
	case sp.State.Is(types.SpecStateFailureStates):
		sum.Total++
		sum.Failed++
		sum.Failures = append(sum.Failures, SpecFailure{
			Spec: sp.FullText(), Message: firstLine(sp.Failure.Message, 300), Location: sp.Failure.Location.String(),
		})
	}
}

// firstLine trims s to its first line and at most n bytes.
func firstLine(s string, n int) string {
	for i, r := range s {
		if r == '\n' {
			s = s[:i]
			break
		}
	}
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}
