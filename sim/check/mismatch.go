package check

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// mismatchedAppointments reports every live appointment that names a live booking but does
// not match it: another start, another end, another host, or — on a seated booking — a seat
// that another call took. The row then shows the caller something Cal.com does not hold
// (the requested host instead of the assigned one, a stale time, a neighbour's seat). A row
// whose booking is missing, cancelled or rejected, or that holds no live seat of it, is a
// phantom_appointment instead and is not judged here.
func (ix *index) mismatchedAppointments() []Violation {
	var out []Violation
	for i, a := range ix.st.Appointments {
		if !a.Live || a.BookingUID == "" {
			continue
		}
		bi, ok := ix.bookingIdx[a.BookingUID]
		if !ok || !live(ix.st.Bookings[bi].Status) {
			continue
		}
		b := ix.st.Bookings[bi]
		if ix.seatProblem(a, b) != "" {
			continue
		}
		diffs := differences(a, b)
		if len(diffs) == 0 {
			continue
		}
		v := ix.describe(MismatchedAppointment, []int{i})
		v.Detail = fmt.Sprintf("live appointment %d of call %s does not match booking %s: %s", a.ID, a.CallID, b.UID, strings.Join(diffs, "; "))
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b Violation) int { return cmp.Compare(a.AppointmentIDs[0], b.AppointmentIDs[0]) })
	return out
}

// differences lists how appointment a differs from its live booking b, one phrase each.
func differences(a Appointment, b Booking) []string {
	var out []string
	if !a.Start.Equal(b.Start) {
		out = append(out, fmt.Sprintf("it starts at %s, the booking at %s", stamp(a.Start), stamp(b.Start)))
	}
	if !a.End.Equal(b.End) {
		out = append(out, fmt.Sprintf("it ends at %s, the booking at %s", stamp(a.End), stamp(b.End)))
	}
	if a.StaffID != b.HostID {
		out = append(out, fmt.Sprintf("it is on host %d, the booking on host %d", a.StaffID, b.HostID))
	}
	if b.Seated && len(b.Seats) > 0 {
		if s := b.Seats[seatOf(a, b)]; s.CallID != "" && s.CallID != a.CallID {
			out = append(out, fmt.Sprintf("it holds seat %s, which call %s took", s.UID, s.CallID))
		}
	}
	return out
}
