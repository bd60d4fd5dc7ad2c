package check

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// stamp renders an instant the way every violation's detail does (RFC 3339, UTC).
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Violation is one broken invariant with the calls, appointments and bookings involved.
// Its JSON form is the one every report writes (replay, load, histories): the names are
// part of the public contract, like the invariant names.
type Violation struct {
	Invariant      string   `json:"invariant"`
	Calls          []string `json:"calls,omitempty"`
	AppointmentIDs []int64  `json:"appointment_ids,omitempty"`
	BookingUIDs    []string `json:"booking_uids,omitempty"`
	Detail         string   `json:"detail"`
}

// String renders the violation on one line.
func (v Violation) String() string {
	var b strings.Builder
	b.WriteString(v.Invariant)
	b.WriteString(": ")
	b.WriteString(v.Detail)
	if len(v.Calls) > 0 {
		b.WriteString(" [calls ")
		b.WriteString(strings.Join(v.Calls, ", "))
		b.WriteString("]")
	}
	if len(v.AppointmentIDs) > 0 {
		ids := make([]string, len(v.AppointmentIDs))
		for i, id := range v.AppointmentIDs {
			ids[i] = strconv.FormatInt(id, 10)
		}
		b.WriteString(" [appointments ")
		b.WriteString(strings.Join(ids, ", "))
		b.WriteString("]")
	}
	if len(v.BookingUIDs) > 0 {
		b.WriteString(" [bookings ")
		b.WriteString(strings.Join(v.BookingUIDs, ", "))
		b.WriteString("]")
	}
	return b.String()
}

// Report is the checker's result. A report is either judged — Violations lists every
// broken invariant, ordered by invariant (the Catalogue order) and then deterministically
// within each, so two runs of one seed produce identical reports — or not judged: the
// history and state broke the checker's assumptions, NotJudged says why, and nothing was
// judged at all. An unjudged report is never a pass: OK is false, Err returns an
// *AssumptionsError and String starts with "assumptions not met". Callers must check Err
// (or OK) before reading Violations or Names.
type Report struct {
	Violations []Violation
	// NotJudged lists the assumptions the history and state broke (empty history, pending
	// operations, rows of calls the history never saw, duplicate operation numbers, malformed
	// operations), one sentence each; empty when the report was judged.
	NotJudged []string
}

// Judged reports whether the checker's assumptions held, so the report judges the run.
func (r Report) Judged() bool { return len(r.NotJudged) == 0 }

// OK reports whether the run was judged and no invariant is violated. An unjudged report is
// never OK.
func (r Report) OK() bool { return r.Judged() && len(r.Violations) == 0 }

// Err returns an *AssumptionsError when the report was not judged, nil otherwise: the way
// to treat an unjudged run as an error of the check, never as a clean run.
func (r Report) Err() error {
	if r.Judged() {
		return nil
	}
	return &AssumptionsError{Reasons: slices.Clone(r.NotJudged)}
}

// AssumptionsError says the checker refused to judge a run whose history and final state
// break its assumptions (see the package doc); Reasons says which, one sentence each.
type AssumptionsError struct {
	Reasons []string
}

// Error renders the reasons on one line.
func (e *AssumptionsError) Error() string {
	return "check: assumptions not met: " + strings.Join(e.Reasons, "; ")
}

// ByInvariant groups the violations by invariant name.
func (r Report) ByInvariant() map[string][]Violation {
	out := make(map[string][]Violation)
	for _, v := range r.Violations {
		out[v.Invariant] = append(out[v.Invariant], v)
	}
	return out
}

// Names returns the violated invariant names, sorted and unique; incident files compare
// it with their expected violations. It is empty for an unjudged report: check Err first.
func (r Report) Names() []string {
	var out []string
	for _, name := range Invariants() {
		if r.Has(name) {
			out = append(out, name)
		}
	}
	slices.Sort(out) // Invariants() order is not alphabetical; Names promises sorted.
	return out
}

// Has reports whether invariant name is violated.
func (r Report) Has(name string) bool {
	for _, v := range r.Violations {
		if v.Invariant == name {
			return true
		}
	}
	return false
}

// String renders the report: "assumptions not met: …" when it was not judged, otherwise
// one violation per line, or "no invariant violated".
func (r Report) String() string {
	switch {
	case !r.Judged():
		return "assumptions not met: " + strings.Join(r.NotJudged, "; ")
	case len(r.Violations) == 0:
		return "no invariant violated"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d invariant violation(s):", len(r.Violations))
	for _, v := range r.Violations {
		b.WriteString("\n  ")
		b.WriteString(v.String())
	}
	return b.String()
}
