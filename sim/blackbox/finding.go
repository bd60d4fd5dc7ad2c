package blackbox

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// KindContractViolation names a Finding: the service's answer broke the contract.
const KindContractViolation = "contract_violation"

// Finding is one answer that broke the contract: what was asked, what came back and what
// was expected, so the team that owns the service can fix it without reading the harness.
// The attempt it belongs to was recorded as unknown.
type Finding struct {
	// Kind is KindContractViolation.
	Kind string `json:"kind"`
	// Route is the method and path asked, e.g. "POST /__harness/book".
	Route string `json:"route"`
	// CallID is the call the request was about ("" when none).
	CallID string `json:"call_id,omitempty"`
	// Request is the JSON body sent ("" for a GET).
	Request string `json:"request,omitempty"`
	// Status is the HTTP status received, 0 when no response came.
	Status int `json:"status"`
	// Response is the body received (at most 4 KiB of it), or the transport error.
	Response string `json:"response"`
	// Problem says what broke the contract.
	Problem string `json:"problem"`
	// Expected is the schema the answer had to meet.
	Expected string `json:"expected"`
}

// String prints the finding over several lines, ready for a terminal or a report.
func (f Finding) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s: %s\n", f.Kind, f.Route, f.Problem)
	if f.Request != "" {
		fmt.Fprintf(&b, "  request:  %s\n", f.Request)
	}
	if f.Status != 0 {
		fmt.Fprintf(&b, "  response: HTTP %d %s\n", f.Status, f.Response)
	} else {
		fmt.Fprintf(&b, "  response: none (%s)\n", f.Response)
	}
	b.WriteString("  expected: ")
	b.WriteString(strings.ReplaceAll(f.Expected, "\n", "\n            "))
	b.WriteString("\n")
	return b.String()
}

// findings collects Findings from concurrent calls.
type findings struct {
	mu  sync.Mutex
	all []Finding
}

func (fs *findings) add(f Finding) *Finding {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.all = append(fs.all, f)
	c := f
	return &c
}

func (fs *findings) list() []Finding {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return append([]Finding(nil), fs.all...)
}

// excuse drops the "no answer" findings of call (status 0): its service was killed while the
// request was in flight, which the harness did on purpose.
func (fs *findings) excuse(call string) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.all = slices.DeleteFunc(fs.all, func(f Finding) bool { return f.CallID == call && f.Status == 0 })
}
