package calcom

import (
	"os"
	"strings"
	"testing"
)

// A seated create's answer (docs/calcom.md §3, as the fake renders it): the booking keeps the
// FIRST booker's metadata, the top-level seatUid names the seat this create took, and every
// seated attendee carries its seat and its own booker's metadata.
func TestDecodeSeatedBooking(t *testing.T) {
	body, err := os.ReadFile("testdata/booking_seated_second_seat.json")
	if err != nil {
		t.Fatal(err)
	}
	b, err := DecodeBookingEnvelope(body)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := b.MetadataString("call_id"); got != "call_seat_1" {
		t.Errorf("booking metadata call_id = %q, want the first booker's", got)
	}
	if b.SeatUID != "4fd41ce9-dde2-5464-bca5-eac93f9ffe45" || len(b.Seats) != 2 || len(b.Attendees) != 2 {
		t.Fatalf("seat %q, %d seats, %d attendees", b.SeatUID, len(b.Seats), len(b.Attendees))
	}
	seat, ok := b.SeatOf(b.SeatUID)
	if !ok || seat.Metadata["call_id"] != "call_seat_2" || seat.Attendee.Email != "b@example.org" {
		t.Errorf("this create's seat = %+v, %v", seat, ok)
	}
	if _, ok := b.SeatOf("no-such-seat"); ok {
		t.Error("SeatOf found a seat that is not there")
	}

	// A plain booking has neither.
	plain, err := DecodeBookingEnvelope(fixture687(t))
	if err != nil {
		t.Fatal(err)
	}
	if plain.SeatUID != "" || plain.Seats != nil || len(plain.Attendees) != 1 {
		t.Errorf("plain booking: seat %q, seats %v, attendees %d", plain.SeatUID, plain.Seats, len(plain.Attendees))
	}

	// A seat's metadata that is not an object is named.
	bad := strings.Replace(string(body), `"metadata": {
                    "call_id": "call_seat_2"
                }`, `"metadata": 7`, 1)
	if _, err := DecodeBookingEnvelope([]byte(bad)); err == nil || !strings.Contains(err.Error(), "attendees[1]") {
		t.Errorf("bad seat metadata: %v", err)
	}
}
