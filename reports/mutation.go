package reports

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// FileMutation is where `make gate-selftest` (reports/selftest) writes the mutation score,
// for the report to show and the gate to judge.
const FileMutation = "mutation.json"

// Mutation is the gate's mutation score: how many deliberately sabotaged cores (one per
// layer and policy, and defects of the hardened flow; core.Sabotages) the gate refused.
type Mutation struct {
	Caught   int              `json:"caught"`
	Total    int              `json:"total"`
	Survived []string         `json:"survived"`
	Results  []MutationResult `json:"results"`
}

// MutationResult is one sabotage: what it breaks, the slice of the suite that ran against it,
// and the gate's findings that caught it.
type MutationResult struct {
	Sabotage string   `json:"sabotage"`
	Policy   string   `json:"policy"`
	Layer    string   `json:"layer,omitempty"`
	What     string   `json:"what"`
	Slice    string   `json:"slice"`
	Caught   bool     `json:"caught"`
	Findings []string `json:"findings"`
	Seconds  float64  `json:"seconds"`
}

// Score is "N/M", the form the self-test prints ("sabotages caught N/M").
func (m *Mutation) Score() string { return fmt.Sprintf("%d/%d", m.Caught, m.Total) }

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
	if m.Total == 0 || m.Caught > m.Total || len(m.Results) != m.Total {
		return nil, fmt.Errorf("reports: %s: inconsistent mutation score %d/%d with %d results", path, m.Caught, m.Total, len(m.Results))
	}
	return &m, nil
}
