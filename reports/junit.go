package reports

import (
	"encoding/xml"
	"fmt"
	"os"
)

// JUnitSummary is the top line of a JUnit XML file: what CI systems show.
type JUnitSummary struct {
	Tests    int     `json:"tests"`
	Failures int     `json:"failures"`
	Errors   int     `json:"errors"`
	Skipped  int     `json:"skipped"`
	Disabled int     `json:"disabled"`
	Seconds  float64 `json:"seconds"`
}

// ReadJUnit reads a JUnit XML file (<testsuites> or a single <testsuite>) and sums its
// suites.
func ReadJUnit(path string) (*JUnitSummary, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reports: read JUnit: %w", err)
	}
	return ParseJUnit(path, data)
}

type junitSuite struct {
	Tests    int     `xml:"tests,attr"`
	Failures int     `xml:"failures,attr"`
	Errors   int     `xml:"errors,attr"`
	Skipped  int     `xml:"skipped,attr"`
	Disabled int     `xml:"disabled,attr"`
	Time     float64 `xml:"time,attr"`
}

// ParseJUnit is ReadJUnit on data already read; name is used in errors.
func ParseJUnit(name string, data []byte) (*JUnitSummary, error) {
	var doc struct {
		XMLName xml.Name
		junitSuite
		Suites []junitSuite `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("reports: %s is not JUnit XML: %w", name, err)
	}
	suites := doc.Suites
	switch doc.XMLName.Local {
	case "testsuite":
		suites = []junitSuite{doc.junitSuite}
	case "testsuites":
	default:
		return nil, fmt.Errorf("reports: %s: root element <%s>, want <testsuites> or <testsuite>", name, doc.XMLName.Local)
	}
	s := &JUnitSummary{}
	for _, x := range suites {
		s.Tests += x.Tests
		s.Failures += x.Failures
		s.Errors += x.Errors
		s.Skipped += x.Skipped
		s.Disabled += x.Disabled
		s.Seconds += x.Time
	}
	return s, nil
}
