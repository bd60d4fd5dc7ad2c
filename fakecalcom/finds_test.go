package fakecalcom

import (
	"net/http"
	"testing"
	"time"
)

// A rule with Finds faults every GET that could find the booking, whichever shape the
// client gives its lookup, and no other request.
func TestFindsMatchesEveryLookupShape(t *testing.T) {
	f := NewFake(Config{Clock: newVClock(), EventTypes: []EventType{{ID: 7, Kind: Standard, LengthMinutes: 30, HostID: 1}, {ID: 8, Kind: Standard, LengthMinutes: 30, HostID: 2}}})
	mine := direct(t, f, "POST", "/v2/bookings", "2024-08-13", createBody(7, slot, "call_a", "A", "a@example.com"))
	other := direct(t, f, "POST", "/v2/bookings", "2024-08-13", createBody(8, slot, "call_b", "B", "b@example.com"))
	uid, _ := mine.data()["uid"].(string)
	otherUID, _ := other.data()["uid"].(string)
	window := "afterStart=" + slot.Add(-30*time.Minute).Format("2006-01-02T15:04:05Z") + "&beforeEnd=" + slot.Add(30*time.Minute).Format("2006-01-02T15:04:05Z")
	for _, tc := range []struct {
		name, method, path string
		hit                bool
	}{
		{"by attendee email", "GET", "/v2/bookings?attendeeEmail=a@example.com", true},
		{"by event type and window", "GET", "/v2/bookings?eventTypeId=7&" + window, true},
		{"unfiltered", "GET", "/v2/bookings", true},
		{"by uid", "GET", "/v2/bookings/" + uid, true},
		{"by bookingUid", "GET", "/v2/bookings?bookingUid=" + uid, true},
		{"another attendee", "GET", "/v2/bookings?attendeeEmail=b@example.com", false},
		{"another event type", "GET", "/v2/bookings?eventTypeIds=8", false},
		{"a window before the slot", "GET", "/v2/bookings?beforeEnd=" + slot.Add(-30*time.Minute).Format("2006-01-02T15:04:05Z"), false},
		{"another booking's uid", "GET", "/v2/bookings/" + otherUID, false},
		{"a create", "POST", "/v2/bookings", false},
		{"the slots", "GET", "/v2/slots?eventTypeId=7&start=2025-10-10&end=2025-10-11", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.ClearFaults()
			if err := f.AddFault(Rule{Name: "lookup", Finds: &Finds{AttendeeEmail: "a@example.com", EventTypeID: 7, Start: slot}, Action: Action{Kind: ActionStatus, Status: 503}}); err != nil {
				t.Fatal(err)
			}
			var body any
			if tc.method == "POST" {
				body = createBody(7, slot.Add(2*30*time.Minute), "call_c", "C", "c@example.com")
			}
			version := "2024-08-13"
			if tc.name == "the slots" {
				version = "2024-09-04"
			}
			r := direct(t, f, tc.method, tc.path, version, body)
			if hit := r.status == http.StatusServiceUnavailable; hit != tc.hit {
				t.Fatalf("%s %s: status %d, faulted %v, want %v", tc.method, tc.path, r.status, hit, tc.hit)
			}
		})
	}
	if err := (Rule{Name: "x", Method: "POST", Finds: &Finds{}, Action: Action{Kind: ActionStatus, Status: 500}}).Validate(); err == nil {
		t.Error("a finds rule on POST was accepted")
	}
}
