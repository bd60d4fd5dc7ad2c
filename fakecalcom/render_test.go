package fakecalcom

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/google/uuid"
)

// checkRender fails unless appendBooking writes exactly what encoding/json writes for the
// reflective renderer, inside the success envelope too.
func checkRender(t *testing.T, b *Booking) {
	t.Helper()
	for _, show := range []bool{true, false} {
		want, err := json.Marshal(renderRef(b, show))
		if err != nil {
			t.Fatal(err)
		}
		if got := appendBooking(nil, b, show); string(got) != string(want) {
			t.Fatalf("appendBooking (seats shown: %v) differs from encoding/json\n got: %s\nwant: %s", show, got, want)
		}
		pag := &pagination{TotalItems: 3, ReturnedItems: 1, ItemsPerPage: 1, CurrentPage: 2, TotalPages: 3, HasNextPage: true, HasPreviousPage: true}
		env, _ := json.Marshal(successBody{Status: "success", Data: []any{renderRef(b, show)}, Pagination: pag})
		data := append(append([]byte{'['}, appendBooking(nil, b, show)...), ']')
		if got := appendSuccess(nil, data, pag); string(got) != string(env) {
			t.Fatalf("envelope differs\n got: %s\nwant: %s", got, env)
		}
	}
}

func TestAppendBookingMatchesEncodingJSON(t *testing.T) {
	start := time.Date(2025, 10, 10, 6, 0, 0, 0, time.UTC)
	upd := time.Date(2025, 10, 6, 9, 5, 0, 123e6, time.FixedZone("X", 3600))
	weird := "<a & \"b\"> \\ \b\f\n\r\t\x01\x1f é 日本 \u2028\u2029 \xff\xfe end"
	tests := []struct {
		name string
		b    Booking
	}{
		{"minimal", Booking{ID: 1, UID: "abc", EventTypeID: 1, HostID: 1, Start: start, End: start.Add(30 * time.Minute), Status: StatusAccepted}},
		{"full", Booking{
			ID: 123456, UID: "8TzuvRc7uSSYfdtaLXx7sS", EventTypeID: 2563193, HostID: 42, Start: start, End: start.Add(45 * time.Minute),
			Status: StatusCancelled, CreatedAt: start.Add(-time.Hour), UpdatedAt: upd,
			Metadata:     map[string]any{"call_id": "c1", "n": 1.5, "big": 1e21, "small": 1e-7, "tiny": -2.5e-10, "int": 42.0, "zero": 0.0, "ok": true, "no": false, "z": weird},
			AttendeeName: "Jane O'Neil", AttendeeEmail: "jane@example.com", AttendeePhone: "+4915112345678",
			AttendeeTimeZone: "Europe/Berlin", AttendeeLanguage: "de", Guests: []string{"g1@example.com", "g2@example.com"},
			CancellationReason: "reason", CancelledByEmail: "host42@fake-calcom.invalid", ReschedulingReason: "moved",
			RescheduledByEmail: "x@example.com", RescheduledToUID: "to", RescheduledFromUID: "from",
		}},
		{"escaping", Booking{ID: 7, UID: weird, HostID: 3, Start: start, End: start.Add(time.Minute), Status: StatusPending,
			AttendeeName: weird, AttendeeEmail: weird, AttendeeTimeZone: weird, AttendeeLanguage: weird,
			Guests: []string{weird, ""}, Metadata: map[string]any{weird: weird, "": ""}, CancellationReason: weird}},
		{"empty guests and metadata", Booking{ID: 2, Guests: []string{}, Metadata: map[string]any{}}},
		{"odd metadata values", Booking{ID: 3, Metadata: map[string]any{"nil": nil, "int": 3, "list": []any{"a", 1.0}, "max": math.MaxFloat64, "neg": -1e-6}}},
		{"far years", Booking{ID: 4, Start: time.Date(2700, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(12000, 1, 1, 0, 30, 0, 0, time.UTC)}},
		{"seated", Booking{ID: 5, UID: "u", HostID: 2, Start: start, End: start.Add(time.Hour), Status: StatusAccepted, Metadata: map[string]any{"call_id": "c1"},
			AttendeeName: "A", AttendeeEmail: "a@example.com", Seats: []Seat{
				{UID: "s1", AttendeeName: "A", AttendeeEmail: "a@example.com", AttendeeTimeZone: "UTC", AttendeeLanguage: "en", Metadata: map[string]any{"call_id": "c1"}, Status: StatusAccepted},
				{UID: "s2", AttendeeName: weird, AttendeeEmail: "b@example.com", AttendeePhone: "+491", Status: StatusCancelled},
				{UID: "s3", AttendeeName: "C", AttendeeEmail: "c@example.com", AttendeePhone: "+4915112345678", Status: StatusAccepted},
			}}},
		{"seated, every seat gone", Booking{ID: 6, Status: StatusCancelled, Seats: []Seat{{UID: "s1", Status: StatusCancelled}}}},
		{"location and custom answers", Booking{ID: 8, UID: "l", Location: "https://meet.google.com/abc-def-ghi", Guests: []string{"g@example.com"},
			Responses: map[string]any{"customField": "customValue", "n": 2.0, "list": []any{"a"}, "name": "ignored"}}},
		{"seated with custom answers", Booking{ID: 9, UID: "s", Location: "Via Roma 1", Seats: []Seat{
			{UID: "s1", AttendeeName: "A", Responses: map[string]any{"codingLanguage": "Go", weird: weird}, Status: StatusAccepted}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkRender(t, &tt.b) })
	}
	// A create's seat comes last, as CreateSeatedBookingOutput spreads it.
	b := tests[len(tests)-4].b
	want, _ := json.Marshal(createdSeatRef{seatedBookingOut: renderRef(&b, true).(seatedBookingOut), SeatUID: "s3"})
	if got := appendSeatUID(appendBooking(nil, &b, true), "s3"); string(got) != string(want) {
		t.Fatalf("seat uid\n got: %s\nwant: %s", got, want)
	}
}

// FuzzAppendBooking compares appendBooking with encoding/json for arbitrary strings and numbers.
func FuzzAppendBooking(f *testing.F) {
	f.Add("Jane", "jane@example.com", "call_1", "<&>\u2028", 1.5, 30)
	f.Add("\xff\xfe", "", "", "\x00", 1e-7, 0)
	f.Fuzz(func(t *testing.T, name, email, key, val string, num float64, mins int) {
		if math.IsNaN(num) || math.IsInf(num, 0) {
			return // JSON cannot carry them, so decoded metadata never holds them
		}
		start := time.Date(2025, 10, 10, 6, 0, 0, 0, time.UTC)
		b := &Booking{ID: mins, UID: val, HostID: mins, EventTypeID: mins, Start: start, End: start.Add(time.Duration(mins%100000) * time.Minute),
			Status: Status(key), AttendeeName: name, AttendeeEmail: email, AttendeePhone: val, AttendeeTimeZone: key,
			Metadata: map[string]any{key: val, name: num, email: mins%2 == 0}, Guests: []string{email, name}}
		checkRender(t, b)
	})
}

// TestUIDHelpersMatchReference pins the fast uuidv5 and base-58 encoding to google/uuid and
// the digit-by-digit long division they replace.
func TestUIDHelpersMatchReference(t *testing.T) {
	refShort := func(u uuid.UUID) string {
		n := [16]byte(u)
		var out [uidLength]byte
		for i := uidLength - 1; i >= 0; i-- {
			rem := 0
			for j := range n {
				cur := rem<<8 | int(n[j])
				n[j] = byte(cur / 58)
				rem = cur % 58
			}
			out[i] = flickrBase58[rem]
		}
		return string(out[:])
	}
	var ids []uuid.UUID
	for _, name := range []string{"", "host1:2025-10-10T06:00:00Z:1759741467123:1:1", "1760076000000.1760077800000.1", string(make([]byte, 200))} {
		want := uuid.NewSHA1(uuid.NameSpaceURL, []byte(name))
		if got := uuidV5([]byte(name)); got != want {
			t.Fatalf("uuidV5(%q) = %s, want %s", name, got, want)
		}
		ids = append(ids, want)
	}
	ids = append(ids, uuid.UUID{}, uuid.Max, uuid.UUID{15: 57}, uuid.UUID{0: 1})
	for _, u := range ids {
		if got, want := shortUUID(u), refShort(u); got != want {
			t.Fatalf("shortUUID(%s) = %s, want %s", u, got, want)
		}
	}
}
