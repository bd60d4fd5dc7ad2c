package core

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/core/store"
)

func TestParseLayers(t *testing.T) {
	cases := []struct {
		in   string
		want Layers
		err  string
	}{
		{"all", All(), ""},
		{" ALL ", All(), ""},
		{"none", 0, ""},
		{" None ", 0, ""},
		{"freshness", NewLayers(LayerFreshness), ""},
		{"freshness,call_id", NewLayers(LayerFreshness, LayerCallID), ""},
		{"freshness, call_id", NewLayers(LayerFreshness, LayerCallID), ""},
		{"[db_check, unique]", NewLayers(LayerDBCheck, LayerUnique), ""},
		{"[db_check]", NewLayers(LayerDBCheck), ""},
		{"slot_exclusion unique", NewLayers(LayerUnique, LayerSlotExclusion), ""},
		{"", 0, "empty"},
		{"   ", 0, "empty"},
		{",", 0, "empty item"},
		{",,", 0, "empty item"},
		{"freshness,", 0, "empty item (#2)"},
		{",freshness", 0, "empty item (#1)"},
		{"freshness,,unique", 0, "empty item (#2)"},
		{"[]", 0, "empty list; write none"},
		{"[ ]", 0, "empty list; write none"},
		{"[,]", 0, "empty item"},
		{"[freshness", 0, "never closes"},
		{"freshness]", 0, "never opened"},
		{"[none]", 0, "write none on its own"},
		{"none,freshness", 0, "write none on its own"},
		{"all,unique", 0, "write all on its own"},
		{"freshness unique,call_id", 0, `unknown layer "freshness unique"`},
		{"freshnes", 0, `unknown layer "freshnes"`},
		{"unique,unique", 0, "twice"},
	}
	for _, tc := range cases {
		got, err := ParseLayers(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseLayers(%q) err = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseLayers(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
		// Round trip through String / text marshalling.
		var back Layers
		text, _ := got.MarshalText()
		if err := back.UnmarshalText(text); err != nil || back != got {
			t.Errorf("round trip of %v via %q = %v, %v", got, text, back, err)
		}
	}
	if err := new(Layers).UnmarshalText([]byte("bogus")); err == nil {
		t.Error("UnmarshalText accepted bogus")
	}
}

func TestLayersSetOperations(t *testing.T) {
	s := All().Without(LayerUnique)
	if s.Has(LayerUnique) || !s.Has(LayerDBCheck) || s.With(LayerUnique) != All() {
		t.Errorf("set ops: %v", s)
	}
	if s.String() != "freshness,call_id,db_check,slot_exclusion" {
		t.Errorf("String = %q", s.String())
	}
	if got := len(All().List()); got != 5 {
		t.Errorf("All has %d layers", got)
	}
	if Layers(0).Has(Layer("nope")) || NewLayers(Layer("nope")) != 0 {
		t.Error("unknown layer must be in no set")
	}
	if All().Schema() != (store.Schema{Unique: true, SlotExclusion: true}) || NewLayers(LayerDBCheck).Schema() != (store.Schema{}) {
		t.Error("schema follows the migration layers")
	}
	if PolicySeed.Effective(All()).Has(LayerSlotExclusion) || !PolicyHardened.Effective(All()).Has(LayerSlotExclusion) {
		t.Error("seed has no slot_exclusion layer; hardened does")
	}
}

func TestPolicyLayers(t *testing.T) {
	seedLayers := NewLayers(LayerFreshness, LayerCallID, LayerDBCheck, LayerUnique)
	cases := []struct {
		policy Policy
		in     string
		want   Layers
		err    string
	}{
		{PolicySeed, "all", All(), ""},
		{PolicyHardened, "all", All(), ""},
		{PolicySeed, "none", 0, ""},
		{PolicySeed, "freshness,unique", NewLayers(LayerFreshness, LayerUnique), ""},
		{PolicySeed, "freshness,call_id,db_check,unique", seedLayers, ""},
		{PolicyHardened, "slot_exclusion", NewLayers(LayerSlotExclusion), ""},
		{PolicySeed, "slot_exclusion", 0, "the seed policy has no slot_exclusion layer; its layers are [freshness, call_id, db_check, unique] (or write all)"},
		{PolicySeed, "unique,slot_exclusion", 0, "has no slot_exclusion layer"},
		{PolicySeed, "freshness,call_id,db_check,unique,slot_exclusion", 0, "has no slot_exclusion layer"},
		{PolicySeed, "", 0, "empty"},
		{PolicyHardened, ",", 0, "empty item"},
		{PolicyHardened, "[]", 0, "empty list"},
	}
	for _, tc := range cases {
		got, err := tc.policy.ParseLayers(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s.ParseLayers(%q) = %v, %v; want error %q", tc.policy, tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s.ParseLayers(%q) = %v, %v; want %v", tc.policy, tc.in, got, err, tc.want)
		}
	}
	if PolicySeed.Layers() != seedLayers || PolicyHardened.Layers() != All() {
		t.Errorf("Layers(): seed %v, hardened %v", PolicySeed.Layers(), PolicyHardened.Layers())
	}
	// CheckLayers works on sets: All() reads as "all"; any other set with slot_exclusion
	// is refused under seed.
	if PolicySeed.CheckLayers(All()) != nil || PolicySeed.CheckLayers(seedLayers) != nil || PolicyHardened.CheckLayers(NewLayers(LayerSlotExclusion)) != nil {
		t.Error("CheckLayers refused a valid set")
	}
	if err := PolicySeed.CheckLayers(All().Without(LayerFreshness)); err == nil || !strings.Contains(err.Error(), "slot_exclusion") {
		t.Errorf("CheckLayers(seed, …slot_exclusion) = %v", err)
	}
}

func TestParsePolicy(t *testing.T) {
	for in, want := range map[string]Policy{"": PolicySeed, "seed": PolicySeed, " Hardened ": PolicyHardened} {
		if got, err := ParsePolicy(in); err != nil || got != want {
			t.Errorf("ParsePolicy(%q) = %v %v", in, got, err)
		}
	}
	if _, err := ParsePolicy("paranoid"); err == nil {
		t.Error("unknown policy accepted")
	}
}

func booking(created calcom.Timestamp, meta map[string]any) calcom.Booking {
	return calcom.Booking{UID: uid687, Start: slot687, End: slot687.Add(45 * time.Minute), CreatedAt: created,
		Metadata: meta, HasMetadata: meta != nil}
}

func validTS(t time.Time) calcom.Timestamp {
	return calcom.Timestamp{Time: t, State: calcom.TimestampValid}
}

func TestSeedFreshnessBoundaries(t *testing.T) {
	b := booking(validTS(created687), nil)
	cases := []struct {
		age  time.Duration
		want Verdict
	}{
		{29999 * time.Millisecond, Accept},
		{30000 * time.Millisecond, Accept}, // exactly 30 s passes (strictly greater rejects)
		{30001 * time.Millisecond, Reject},
		{35 * time.Minute, Reject},
		{-time.Hour, Accept}, // an application clock behind Cal.com sees a "future" booking as fresh
	}
	for _, tc := range cases {
		d := SeedFreshness(created687.Add(tc.age), b, DefaultFreshnessThreshold)
		if d.Verdict != tc.want || !d.AgeKnown || d.Age != tc.age || d.Layer != LayerFreshness {
			t.Errorf("age %v: %+v, want %s", tc.age, d, tc.want)
		}
	}
	if d := SeedFreshness(created687.Add(time.Hour), booking(calcom.Timestamp{}, nil), DefaultFreshnessThreshold); d.Verdict != Accept || d.AgeKnown {
		t.Errorf("missing createdAt: %+v (the seed accepted it unchecked)", d)
	}
	bad := calcom.Timestamp{State: calcom.TimestampInvalid, Raw: `"06.10.2025"`}
	if d := SeedFreshness(created687, booking(bad, nil), DefaultFreshnessThreshold); d.Verdict != Failed || d.CreatedAt != "06.10.2025" {
		t.Errorf("unparsable createdAt: %+v", d)
	}
}

func TestCalcomFreshnessUsesCalcomClock(t *testing.T) {
	b := booking(validTS(created687), nil)
	at := func(age time.Duration) calcom.Meta { return calcom.Meta{Date: created687.Add(age)} }
	cases := []struct {
		name string
		meta calcom.Meta
		b    calcom.Booking
		want Verdict
	}{
		{"fresh", at(29 * time.Second), b, Accept},
		{"exactly threshold", at(30 * time.Second), b, Accept},
		{"stale", at(31 * time.Second), b, Reject},
		{"35 minutes", at(35 * time.Minute), b, Reject},
		{"date second resolution", at(-2 * time.Millisecond), b, Accept},
		{"createdAt far after Date", at(-time.Minute), b, Inconclusive},
		{"no Date header", calcom.Meta{}, b, Inconclusive},
		{"no createdAt", at(time.Second), booking(calcom.Timestamp{}, nil), Inconclusive},
		{"bad createdAt", at(time.Second), booking(calcom.Timestamp{State: calcom.TimestampInvalid, Raw: "1"}, nil), Inconclusive},
	}
	for _, tc := range cases {
		if d := CalcomFreshness(tc.meta, tc.b, DefaultFreshnessThreshold); d.Verdict != tc.want {
			t.Errorf("%s: %+v, want %s", tc.name, d, tc.want)
		}
	}
}

func TestCallIDLayers(t *testing.T) {
	cases := []struct {
		name      string
		meta      map[string]any
		seed      Verdict
		ownership Verdict
	}{
		{"equal", map[string]any{"call_id": call688}, Accept, Accept},
		{"different", map[string]any{"call_id": call687}, Reject, Reject},
		{"missing metadata", nil, Accept, Inconclusive},
		{"missing key", map[string]any{"source": "x"}, Accept, Inconclusive},
		{"empty", map[string]any{"call_id": ""}, Accept, Inconclusive},
		{"blank", map[string]any{"call_id": "  "}, Accept, Inconclusive},
		{"null", map[string]any{"call_id": nil}, Accept, Inconclusive},
		{"number", map[string]any{"call_id": 688}, Reject, Reject},
	}
	for _, tc := range cases {
		b := booking(validTS(created687), tc.meta)
		if d := SeedCallID(b, call688); d.Verdict != tc.seed || d.Layer != LayerCallID {
			t.Errorf("seed %s: %+v", tc.name, d)
		}
		if d := OwnershipCallID(b, call688); d.Verdict != tc.ownership {
			t.Errorf("hardened %s: %+v", tc.name, d)
		}
	}
	if d := SeedCallID(booking(validTS(created687), map[string]any{"call_id": call687}), call688); d.ReceivedCallID != call687 {
		t.Errorf("received call id not kept: %+v", d)
	}
}

func TestRequestValidation(t *testing.T) {
	ok := Request{CallID: call687, EventTypeID: eventType, Start: slot687,
		Attendee: Attendee{Name: "Hansi", Email: "a@b.de", TimeZone: "Europe/Berlin"}, CustomerID: 1, ServiceID: 1, StaffID: 1}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	mut := func(f func(*Request)) Request { r := ok; f(&r); return r }
	cases := map[string]Request{
		"CallID":            mut(func(r *Request) { r.CallID = "" }),
		"CallID long":       mut(func(r *Request) { r.CallID = strings.Repeat("c", 501) }),
		"CallID space":      mut(func(r *Request) { r.CallID = "call 1" }),
		"EventTypeID":       mut(func(r *Request) { r.EventTypeID = 0 }),
		"Start":             mut(func(r *Request) { r.Start = time.Time{} }),
		"LengthMinutes":     mut(func(r *Request) { r.LengthMinutes = -5 }),
		"Attendee.Name":     mut(func(r *Request) { r.Attendee.Name = "" }),
		"Attendee":          mut(func(r *Request) { r.Attendee.Email = "" }),
		"Attendee.Email":    mut(func(r *Request) { r.Attendee.Email = "nope" }),
		"Attendee.TimeZone": mut(func(r *Request) { r.Attendee.TimeZone = "" }),
		"CustomerID":        mut(func(r *Request) { r.CustomerID = 0 }),
		"ServiceID":         mut(func(r *Request) { r.ServiceID = -1 }),
		"StaffID":           mut(func(r *Request) { r.StaffID = 0 }),
	}
	for name, r := range cases {
		var ve *ValidationError
		if err := r.Validate(); !errors.As(err, &ve) || !strings.HasPrefix(name, ve.Field) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if in := mut(func(r *Request) { r.Attendee.Phone = "+4930123"; r.Attendee.Email = "" }).calcomInput(); in.Attendee.PhoneNumber != "+4930123" || in.Metadata["call_id"] != call687 {
		t.Errorf("calcom input = %+v", in)
	}
}

func TestNewServiceValidatesConfig(t *testing.T) {
	cal, _ := calcom.New(calcom.Config{BaseURL: calcomTest})
	st := &store.Store{}
	cases := map[string]Config{
		"policy":    {Policy: "x", Calcom: cal, Store: st},
		"calcom":    {Store: st},
		"store":     {Calcom: cal},
		"layers":    {Calcom: cal, Store: st, Layers: 0x80},
		"threshold": {Calcom: cal, Store: st, FreshnessThreshold: -time.Second},
	}
	for name, cfg := range cases {
		if _, err := NewService(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	s, err := NewService(Config{Calcom: cal, Store: st, Layers: All()})
	if err != nil || s.Policy() != PolicySeed || s.Layers() != All().Without(LayerSlotExclusion) || s.threshold != 30*time.Second {
		t.Errorf("defaults: %v %v", s, err)
	}
}

func TestClockFunc(t *testing.T) {
	at := time.Unix(42, 0)
	if (ClockFunc(func() time.Time { return at })).Now() != at || SystemClock.Now(SystemClock{}).IsZero() {
		t.Error("clocks")
	}
}
