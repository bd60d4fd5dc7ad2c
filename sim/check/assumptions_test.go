package check

import (
	"errors"
	"strings"
	"testing"

	"github.com/bookingharness/bookingharness/sim/history"
)

// The checker refuses to judge a history that breaks its assumptions (docs/invariants.md), and the
// report cannot be mistaken for a pass: not OK, an error, "assumptions not met", no names.
func TestAssumptionsNotMet(t *testing.T) {
	// A phantom in every state: were the checker to judge, it would report one.
	phantom := State{[]Appointment{appt(1, "a", "", six, true)}, nil}
	pending := book(1, "a", "", 0)
	pending.Pending, pending.Outcome, pending.Result = true, history.OutcomeUnknown, history.ResultUnknown
	noOutcome := book(1, "a", "", 4)
	badKind := book(1, "a", "booked", 4)
	badKind.Kind = "reschedule"
	tests := []struct {
		name  string
		ops   []history.Operation
		state State
		want  []string // substrings of the reasons, in order
	}{
		{"empty history", nil, phantom, []string{"the history is empty"}},
		{"empty history, empty state", []history.Operation{}, State{}, []string{"the history is empty"}},
		{"pending operation", []history.Operation{book(0, "a", "booked", 2), pending}, phantom,
			[]string{"1 operation(s) still pending when the final state was read (#1 a book)"}},
		{"row of a call the history never saw", []history.Operation{book(0, "b", "booked", 2)}, phantom,
			[]string{"1 appointment row(s) of calls the history never saw (appointment 1 of call a)"}},
		{"row of no call", []history.Operation{book(0, "a", "booked", 2)},
			State{[]Appointment{appt(7, "", "u1", six, true)}, nil}, []string{"appointment 7 has no call"}},
		{"duplicate operation numbers", []history.Operation{book(0, "a", "booked", 2), book(0, "a", "already_booked", 4)}, phantom,
			[]string{"1 operation number(s) used more than once (#0)"}},
		{"unknown kind", []history.Operation{book(0, "a", "booked", 2), badKind}, phantom, []string{`#1 has unknown kind "reschedule"`}},
		{"no outcome", []history.Operation{book(0, "a", "booked", 2), noOutcome}, phantom, []string{"#1 (a book) returned without an outcome"}},
		{"well-formed, with a host end: judged", []history.Operation{book(0, "a", "booked", 2), hostEnd(1, "a", slot6, 3)}, phantom, nil},
		{"several at once", []history.Operation{book(0, "a", "booked", 2), book(0, "a", "booked", 4), pending}, State{[]Appointment{appt(9, "z", "u", six, true)}, nil},
			[]string{"still pending", "used more than once", "never saw (appointment 9 of call z)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Check(tt.ops, tt.state)
			if tt.want == nil { // a well-formed history: judged
				if !r.Judged() || r.Err() != nil || !r.Has(PhantomAppointment) {
					t.Fatalf("want a judged report with the phantom, got %s", r)
				}
				return
			}
			if r.Judged() || r.OK() || len(r.Violations) != 0 || r.Names() != nil {
				t.Fatalf("judged anyway: %+v", r)
			}
			if len(r.NotJudged) != len(tt.want) {
				t.Fatalf("reasons %q, want %d", r.NotJudged, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(r.NotJudged[i], w) {
					t.Errorf("reason %d = %q, want it to contain %q", i, r.NotJudged[i], w)
				}
			}
			if s := r.String(); !strings.HasPrefix(s, "assumptions not met: ") || strings.Contains(s, "no invariant violated") {
				t.Errorf("String() = %q", s)
			}
			var ae *AssumptionsError
			if err := r.Err(); !errors.As(err, &ae) || len(ae.Reasons) != len(tt.want) || !strings.HasPrefix(err.Error(), "check: assumptions not met: ") {
				t.Errorf("Err() = %v", err)
			}
		})
	}
	move := hostMove(1, "a", slot6, slot7, 3)
	move.To = history.SlotKey{}
	if r := Check([]history.Operation{book(0, "a", "booked", 2), move}, phantom); r.Judged() || !strings.Contains(r.String(), "host move without the slot it moved to") {
		t.Errorf("host move without target: %s", r)
	}
}

// Many offenders are counted, and the message names only the first few.
func TestAssumptionsBoundTheExamples(t *testing.T) {
	var st State
	for i := range 12 {
		st.Appointments = append(st.Appointments, appt(int64(i+1), "stranger", "u", six, true))
	}
	r := Check([]history.Operation{book(0, "a", "booked", 2)}, st)
	if len(r.NotJudged) != 1 || !strings.HasPrefix(r.NotJudged[0], "12 appointment row(s)") || !strings.Contains(r.NotJudged[0], "… 7 more") {
		t.Fatalf("reasons = %q", r.NotJudged)
	}
}

func TestJudgedReportAPI(t *testing.T) {
	clean := Check([]history.Operation{book(0, "a", "booked", 2)},
		State{[]Appointment{appt(1, "a", "u1", six, true)}, []Booking{bk("u1", "a", StatusAccepted, six)}})
	if !clean.Judged() || !clean.OK() || clean.Err() != nil || clean.String() != "no invariant violated" {
		t.Errorf("clean report: %+v %q", clean, clean.String())
	}
	if (Report{}).OK() != true || (Report{NotJudged: []string{"x"}}).OK() {
		t.Error("the zero Report is judged and clean; one with reasons is not OK")
	}
}
