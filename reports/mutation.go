package reports

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/bookingharness/bookingharness/internal/sabotage"
	"github.com/bookingharness/bookingharness/internal/stamp"
)

// FileMutation is where `make gate-selftest` (reports/selftest) writes the mutation score,
// for the report to show and the gate to judge.
const FileMutation = "mutation.json"

// The verdicts on one sabotage (docs/gate.md).
const (
	// VerdictCaught: a spec that passed in the control run failed an assertion or an
	// invariant check with the sabotage on, and the sabotage fired.
	VerdictCaught = "caught"
	// VerdictSurvived: the sabotage fired, every spec of its slice that could judge it ran,
	// and none failed. A missing spec.
	VerdictSurvived = "survived"
	// VerdictInconclusive: the run cannot tell — the sabotage never fired, the suite did
	// not start (a BeforeSuite failure), a spec timed out, was interrupted or panicked, the
	// infrastructure failed, or the control run was not green. It fails the self-test like a
	// survivor, under its own word.
	VerdictInconclusive = "inconclusive"
)

// Mutation is the gate's mutation score: how many of the catalogue's sabotages
// (internal/sabotage) the scenario suite caught.
type Mutation struct {
	Caught       int              `json:"caught"`
	Total        int              `json:"total"`
	Survived     []string         `json:"survived"`
	Inconclusive []string         `json:"inconclusive"`
	Results      []MutationResult `json:"results"`
	// Stamp is the tree and command the self-test ran from.
	Stamp *stamp.Stamp `json:"stamp,omitempty"`
	// Shard says which part of the catalogue this score judged when the self-test ran in
	// shards (HARNESS_SELFTEST_SHARD); nil for a whole self-test or shards merged by
	// `bookingharness report --merge`. The gate refuses a shard's score alone.
	Shard *sabotage.ShardSpec `json:"shard,omitempty"`
}

// MutationResult is one sabotage: what it breaks, the slice of the suite that ran against it,
// how often it fired, the verdict, and the specs that caught it.
type MutationResult struct {
	Sabotage string `json:"sabotage"`
	Target   string `json:"target"`
	Policy   string `json:"policy,omitempty"`
	Layer    string `json:"layer,omitempty"`
	What     string `json:"what"`
	Slice    string `json:"slice"`
	Verdict  string `json:"verdict"`
	// Why says what the run showed when the verdict is not caught.
	Why string `json:"why,omitempty"`
	// Fires counts how often the sabotage changed what happened (every process of the run).
	Fires int `json:"fires"`
	// Catches are the specs, green in the control run, that failed with the sabotage on.
	Catches []Catch `json:"catches"`
	// StoppedAtCatch says the sabotaged run stopped at its first failed spec and that
	// failure was a catch (Catches then holds the specs that failed before it stopped); a
	// run that stopped without a catch is made again whole and judged on that.
	StoppedAtCatch bool    `json:"stopped_at_catch,omitempty"`
	Seconds        float64 `json:"seconds"`
}

// Catch is one spec that caught a sabotage, with its failure.
type Catch struct {
	Spec    string `json:"spec"`
	Message string `json:"message"`
}

// Score is "N/M", the form the self-test prints ("sabotages caught N/M").
func (m *Mutation) Score() string { return fmt.Sprintf("%d/%d", m.Caught, m.Total) }

// Add counts r into the score.
func (m *Mutation) Add(r MutationResult) {
	m.Total++
	switch r.Verdict {
	case VerdictCaught:
		m.Caught++
	case VerdictSurvived:
		m.Survived = append(m.Survived, r.Sabotage)
	default:
		m.Inconclusive = append(m.Inconclusive, r.Sabotage)
	}
	m.Results = append(m.Results, r)
}

// ReadMutation reads FileMutation; nil and no error when the self-test has not run.
func ReadMutation(path string) (*Mutation, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reports: read mutation score: %w", err)
	}
	var m Mutation
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("reports: %s is not a mutation score: %w", path, err)
	}
	caught := 0
	for _, r := range m.Results {
		if r.Verdict == VerdictCaught {
			caught++
		}
	}
	if m.Total == 0 || len(m.Results) != m.Total || caught != m.Caught || len(m.Survived)+len(m.Inconclusive) != m.Total-m.Caught {
		return nil, fmt.Errorf("reports: %s: inconsistent mutation score %d/%d with %d results (%d caught, %d survived, %d inconclusive)",
			path, m.Caught, m.Total, len(m.Results), caught, len(m.Survived), len(m.Inconclusive))
	}
	return &m, nil
}
