package histfile_test

import (
	"bytes"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/internal/stamp"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/histfile"
	"github.com/bookingharness/bookingharness/sim/history"
)

func sample() histfile.History {
	at := time.Date(2025, 10, 10, 6, 0, 0, 0, time.UTC)
	slot := history.SlotKey{EventTypeID: 7, HostID: 3, Start: at}
	two := 2
	return histfile.History{
		Header: histfile.Header{Source: histfile.SourceReplay, Name: "call-687-688", Policy: "seed", Layers: "none",
			Expected: []string{check.DuplicateBookingID}, ExpectAppointments: &two,
			Stamp: &stamp.Stamp{Commit: "abc", Inputs: "sha256:x", Time: at}},
		Operations: []history.Operation{
			{Seq: 0, CallID: "c1", Kind: history.KindBook, Slot: slot, Call: at, Return: at.Add(time.Second), CallTick: 1, ReturnTick: 2, Result: history.ResultOK, Outcome: "booked", BookingUID: "u1", AppointmentID: 1},
			{Seq: 1, CallID: "c2", Kind: history.KindBook, Slot: slot, Call: at, Return: at.Add(2 * time.Second), CallTick: 3, ReturnTick: 4, Result: history.ResultUnknown, Outcome: "unknown", Err: "cut"},
		},
		State: check.State{
			Appointments: []check.Appointment{{ID: 1, CallID: "c1", StaffID: 3, Start: at, End: at.Add(30 * time.Minute), BookingUID: "u1", Live: true}},
			Bookings:     []check.Booking{{UID: "u1", HostID: 3, Start: at, End: at.Add(30 * time.Minute), Status: check.StatusAccepted, CallID: "c1"}},
		},
		Verdict: histfile.Verdict{Violations: []check.Violation{{Invariant: check.OrphanBooking, Detail: "x"}}},
	}
}

func TestRoundTrip(t *testing.T) {
	want := sample()
	path := filepath.Join(t.TempDir(), "runs", "h.jsonl")
	if err := histfile.Write(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := histfile.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	want.Header.Format = histfile.Format
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, want)
	}
	// The checker judges the read history exactly as the one written.
	if a, b := check.Check(got.Operations, got.State), check.Check(want.Operations, want.State); !reflect.DeepEqual(a, b) {
		t.Fatalf("the checker judges the copy differently: %v vs %v", a, b)
	}
}

// A file that is not a whole history is refused with its line and why.
func TestBadFiles(t *testing.T) {
	var good bytes.Buffer
	if err := histfile.Encode(&good, sample()); err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimSpace(good.String()), "\n")
	tests := []struct{ name, body, want string }{
		{"empty", "", "no header"},
		{"not json", "nope\n", "1: not a history line"},
		{"unknown kind", `{"header":{"format":"` + histfile.Format + `"}}` + "\n" + `{"row":{}}` + "\n", "2: not a history line"},
		{"two kinds on a line", `{"header":{"format":"` + histfile.Format + `"},"verdict":{}}` + "\n", "1: a line holds exactly one"},
		{"another format", `{"header":{"format":"other/9"}}` + "\n", `1: format "other/9"`},
		{"header not first", lines[1] + lines[0], "1: the header must come first"},
		{"cut short", strings.Join(lines[:len(lines)-1], ""), "no verdict at the end"},
		{"after the verdict", good.String() + lines[1], "a line after the verdict"},
	}
	for _, tc := range tests {
		_, err := histfile.Decode(strings.NewReader(tc.body))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
