package blackbox_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/blackbox"
)

// Every field of the book answer is checked on its own: each broken body must be refused
// with a message naming the field, and each valid one accepted with its values.
func TestParseBookAnswer(t *testing.T) {
	tests := []struct {
		name, body string
		wantErr    string // "" = valid
		want       blackbox.BookAnswer
	}{
		{name: "booked", body: `{"outcome":"booked","appointment_id":7,"booking_uid":"u1","reason":"ok"}`,
			want: blackbox.BookAnswer{Outcome: core.Booked, AppointmentID: ptr(int64(7)), BookingUID: ptr("u1"), Reason: "ok"}},
		{name: "slot taken with layer", body: `{"outcome":"slot_taken","appointment_id":null,"booking_uid":"u1","layer":"freshness"}`,
			want: blackbox.BookAnswer{Outcome: core.SlotTaken, BookingUID: ptr("u1"), Layer: core.LayerFreshness}},
		{name: "error with nulls", body: `{"outcome":"error","appointment_id":null,"booking_uid":null,"layer":null,"reason":null}`,
			want: blackbox.BookAnswer{Outcome: core.Error}},
		{name: "extension key", body: `{"outcome":"unknown","appointment_id":null,"booking_uid":null,"x-trace":"abc"}`,
			want: blackbox.BookAnswer{Outcome: core.Unknown}},
		{name: "not json", body: `{"outcome":`, wantErr: "not a JSON object"},
		{name: "empty body", body: ``, wantErr: "body is empty"},
		{name: "null body", body: `null`, wantErr: "body is null"},
		{name: "a list", body: `[]`, wantErr: "not a JSON object"},
		{name: "trailing data", body: `{"outcome":"error","appointment_id":null,"booking_uid":null} {}`, wantErr: "data after"},
		{name: "unknown key", body: `{"outcome":"error","appointment_id":null,"booking_uid":null,"layers":"x"}`, wantErr: `unknown key "layers"`},
		{name: "missing outcome", body: `{"appointment_id":null,"booking_uid":null}`, wantErr: `"outcome" is missing`},
		{name: "unknown outcome", body: `{"outcome":"maybe","appointment_id":null,"booking_uid":null}`, wantErr: `"outcome" is "maybe"`},
		{name: "outcome not a string", body: `{"outcome":1,"appointment_id":null,"booking_uid":null}`, wantErr: `"outcome" is 1 (a number)`},
		{name: "appointment id missing", body: `{"outcome":"error","booking_uid":null}`, wantErr: `"appointment_id" is missing`},
		{name: "appointment id a string", body: `{"outcome":"booked","appointment_id":"12","booking_uid":"u"}`, wantErr: `"appointment_id" is "12" (a string)`},
		{name: "appointment id zero", body: `{"outcome":"error","appointment_id":0,"booking_uid":null}`, wantErr: `"appointment_id" is 0`},
		{name: "appointment id fraction", body: `{"outcome":"error","appointment_id":1.5,"booking_uid":null}`, wantErr: `"appointment_id" is 1.5`},
		{name: "booked without appointment", body: `{"outcome":"booked","appointment_id":null,"booking_uid":"u"}`, wantErr: `outcome "booked" must name the appointment`},
		{name: "booking uid missing", body: `{"outcome":"error","appointment_id":null}`, wantErr: `"booking_uid" is missing`},
		{name: "booking uid a number", body: `{"outcome":"error","appointment_id":null,"booking_uid":5}`, wantErr: `"booking_uid" is 5 (a number)`},
		{name: "booking uid empty", body: `{"outcome":"error","appointment_id":null,"booking_uid":""}`, wantErr: `"booking_uid" is an empty string`},
		{name: "already booked without uid", body: `{"outcome":"already_booked","appointment_id":3,"booking_uid":null}`, wantErr: `must name the Cal.com booking`},
		{name: "unknown layer", body: `{"outcome":"slot_taken","appointment_id":null,"booking_uid":null,"layer":"fresh"}`, wantErr: `unknown layer "fresh"`},
		{name: "layer not a string", body: `{"outcome":"slot_taken","appointment_id":null,"booking_uid":null,"layer":true}`, wantErr: `"layer" is true (a boolean)`},
		{name: "reason not a string", body: `{"outcome":"error","appointment_id":null,"booking_uid":null,"reason":{}}`, wantErr: `"reason" is {} (an object)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := blackbox.ParseBookAnswer([]byte(tt.body))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseBookAnswer(%s) = %v, want an error containing %q", tt.body, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseBookAnswer(%s): %v", tt.body, err)
			}
			if got.Outcome != tt.want.Outcome || got.Layer != tt.want.Layer || got.Reason != tt.want.Reason ||
				deref(got.AppointmentID) != deref(tt.want.AppointmentID) || deref(got.BookingUID) != deref(tt.want.BookingUID) ||
				(got.AppointmentID == nil) != (tt.want.AppointmentID == nil) || (got.BookingUID == nil) != (tt.want.BookingUID == nil) {
				t.Fatalf("ParseBookAnswer(%s) = %+v, want %+v", tt.body, got, tt.want)
			}
		})
	}
}

func TestParseOtherAnswers(t *testing.T) {
	tests := []struct {
		name    string
		parse   func([]byte) error
		body    string
		wantErr string
	}{
		{"cancel ok", cancel, `{"outcome":"cancelled"}`, ""},
		{"cancel nothing", cancel, `{"outcome":"nothing_to_cancel","reason":"none"}`, ""},
		{"cancel unknown outcome", cancel, `{"outcome":"canceled"}`, `"outcome" is "canceled"`},
		{"cancel extra key", cancel, `{"outcome":"cancelled","appointment_id":1}`, `unknown key "appointment_id"`},
		{"capabilities ok", capabilities, `{"time_travel":false,"layers":[],"reset":true}`, ""},
		{"capabilities layer typo", capabilities, `{"time_travel":true,"layers":["callid"],"reset":true}`, `unknown layer "callid"`},
		{"capabilities layer twice", capabilities, `{"time_travel":true,"layers":["unique","unique"],"reset":true}`, `"unique" twice`},
		{"capabilities missing reset", capabilities, `{"time_travel":true,"layers":[]}`, `"reset" is missing`},
		{"capabilities bool as string", capabilities, `{"time_travel":"yes","layers":[],"reset":true}`, `"time_travel" is "yes" (a string)`},
		{"capabilities null layers", capabilities, `{"time_travel":true,"layers":null,"reset":true}`, `"layers" is missing or null`},
		{"capabilities time modes", capabilities, `{"time_travel":true,"layers":[],"reset":true,"time_modes":["age","faketime"]}`, ""},
		{"capabilities time mode typo", capabilities, `{"time_travel":true,"layers":[],"reset":true,"time_modes":["fake_time"]}`, `"fake_time" is not a time mode`},
		{"capabilities time modes not a list", capabilities, `{"time_travel":true,"layers":[],"reset":true,"time_modes":"header"}`, `want a list of time modes`},
		{"layers ok", layers, `{"layers":["freshness","call_id"]}`, ""},
		{"layers not a list", layers, `{"layers":"all"}`, `"layers" is "all" (a string)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.parse([]byte(tt.body))
			if tt.wantErr == "" && err != nil {
				t.Fatalf("%s: %v", tt.body, err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("%s: got %v, want an error containing %q", tt.body, err, tt.wantErr)
			}
		})
	}
}

func cancel(b []byte) error       { _, err := blackbox.ParseCancelAnswer(b); return err }
func capabilities(b []byte) error { _, err := blackbox.ParseCapabilities(b); return err }
func layers(b []byte) error       { _, err := blackbox.ParseLayers(b); return err }

func ptr[T any](v T) *T { return &v }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// What a service runs in: age always, header when it honours X-Harness-Now, and what it
// lists in time_modes.
func TestCapabilitiesModes(t *testing.T) {
	for _, tt := range []struct {
		body string
		want []blackbox.TimeMode
	}{
		{`{"time_travel":false,"layers":[],"reset":false}`, []blackbox.TimeMode{blackbox.TimeAge}},
		{`{"time_travel":true,"layers":[],"reset":false}`, []blackbox.TimeMode{blackbox.TimeAge, blackbox.TimeHeader}},
		{`{"time_travel":false,"layers":[],"reset":false,"time_modes":["faketime","age"]}`, []blackbox.TimeMode{blackbox.TimeAge, blackbox.TimeFaketime}},
	} {
		c, err := blackbox.ParseCapabilities([]byte(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Modes(); !slices.Equal(got, tt.want) {
			t.Errorf("%s: modes %v, want %v", tt.body, got, tt.want)
		}
	}
}
