package reports

import (
	"encoding/json"
	"fmt"
)

// MarshalFacts renders facts as indented JSON (report.json).
func MarshalFacts(f Facts) ([]byte, error) {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("reports: encode facts: %w", err)
	}
	return append(b, '\n'), nil
}

// UnmarshalFacts reads report.json; name is used in errors. A file of another version is
// refused rather than misread.
func UnmarshalFacts(name string, data []byte) (Facts, error) {
	var f Facts
	if err := json.Unmarshal(data, &f); err != nil {
		return Facts{}, fmt.Errorf("reports: %s is not a report.json: %w", name, err)
	}
	if f.Version != FactsVersion {
		return Facts{}, fmt.Errorf("reports: %s has version %d, want %d; rebuild it with `bookingharness report`", name, f.Version, FactsVersion)
	}
	for i, r := range f.Runs {
		if err := r.Entry.Validate(); err != nil {
			return Facts{}, fmt.Errorf("reports: %s: runs[%d]: %w", name, i, err)
		}
	}
	return f, nil
}
