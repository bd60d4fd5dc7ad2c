package blackbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/bookingharness/bookingharness/core"
)

// object is a decoded JSON object whose fields are checked one by one, so that every
// problem names its field and what came instead.
type object map[string]json.RawMessage

// decodeObject reads body as exactly one JSON object and refuses keys outside allowed
// (x-… keys are extensions and always allowed).
func decodeObject(body []byte, allowed ...string) (object, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var obj object
	if err := dec.Decode(&obj); err != nil {
		if len(bytes.TrimSpace(body)) == 0 {
			return nil, errors.New("the body is empty, want a JSON object")
		}
		return nil, fmt.Errorf("the body is not a JSON object: %v", err)
	}
	if obj == nil {
		return nil, errors.New("the body is null, want a JSON object")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("the body has data after the JSON object")
	}
	var unknown []string
	for k := range obj {
		if !slices.Contains(allowed, k) && !strings.HasPrefix(k, "x-") {
			unknown = append(unknown, strconv.Quote(k))
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return nil, fmt.Errorf("unknown key %s (allowed: %s, and x-… extensions)", strings.Join(unknown, ", "), strings.Join(allowed, ", "))
	}
	return obj, nil
}

// isNull reports whether the field is absent or JSON null.
func (o object) isNull(key string) bool {
	raw, ok := o[key]
	return !ok || string(bytes.TrimSpace(raw)) == "null"
}

// describe says what a raw JSON value is, for error messages: the value itself, shortened.
func describe(raw json.RawMessage) string {
	s := strings.TrimSpace(string(raw))
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	kind := "a number"
	switch {
	case s == "null":
		return "null"
	case strings.HasPrefix(s, `"`):
		kind = "a string"
	case strings.HasPrefix(s, "{"):
		kind = "an object"
	case strings.HasPrefix(s, "["):
		kind = "a list"
	case s == "true" || s == "false":
		kind = "a boolean"
	}
	return s + " (" + kind + ")"
}

// str reads a required-or-optional string field; required means present and not null.
func (o object) str(key string, required bool) (string, error) {
	if o.isNull(key) {
		if required {
			if _, ok := o[key]; !ok {
				return "", fmt.Errorf("%q is missing", key)
			}
			return "", fmt.Errorf("%q is null, want a string", key)
		}
		return "", nil
	}
	var s string
	if err := json.Unmarshal(o[key], &s); err != nil {
		return "", fmt.Errorf("%q is %s, want a string", key, describe(o[key]))
	}
	return s, nil
}

// present checks a required key exists (its value may be null).
func (o object) present(key string) error {
	if _, ok := o[key]; !ok {
		return fmt.Errorf("%q is missing (write null when there is none)", key)
	}
	return nil
}

// positiveInt reads an integer ≥ 1 or null (0, false).
func (o object) positiveInt(key string) (int64, bool, error) {
	if o.isNull(key) {
		return 0, false, nil
	}
	var n json.Number
	raw := bytes.TrimSpace(o[key])
	// json.Number would also take "12" (a string); the contract wants a JSON number.
	if len(raw) == 0 || raw[0] == '"' || json.Unmarshal(raw, &n) != nil {
		return 0, false, fmt.Errorf("%q is %s, want an integer ≥ 1 or null", key, describe(o[key]))
	}
	v, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil || v < 1 {
		return 0, false, fmt.Errorf("%q is %s, want an integer ≥ 1 or null", key, describe(o[key]))
	}
	return v, true, nil
}

func (o object) boolean(key string) (bool, error) {
	if _, ok := o[key]; !ok {
		return false, fmt.Errorf("%q is missing", key)
	}
	var b bool
	if err := json.Unmarshal(o[key], &b); err != nil {
		return false, fmt.Errorf("%q is %s, want true or false", key, describe(o[key]))
	}
	return b, nil
}

// layerList reads a required list of known, distinct layer names.
func (o object) layerList(key string) ([]core.Layer, error) {
	if o.isNull(key) {
		return nil, fmt.Errorf("%q is missing or null, want a list of layer names (may be empty)", key)
	}
	var names []string
	if err := json.Unmarshal(o[key], &names); err != nil {
		return nil, fmt.Errorf("%q is %s, want a list of layer names", key, describe(o[key]))
	}
	out := make([]core.Layer, 0, len(names))
	for _, n := range names {
		l, err := layerName(n)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", key, err)
		}
		if slices.Contains(out, l) {
			return nil, fmt.Errorf("%q lists %q twice", key, n)
		}
		out = append(out, l)
	}
	return out, nil
}

// layerName checks n is one of the harness's layer names.
func layerName(n string) (core.Layer, error) {
	for _, l := range core.AllLayers() {
		if string(l) == n {
			return l, nil
		}
	}
	return "", fmt.Errorf("unknown layer %q (want one of %s)", n, quotedLayers())
}

func quotedLayers() string {
	var q []string
	for _, l := range core.AllLayers() {
		q = append(q, strconv.Quote(string(l)))
	}
	return strings.Join(q, ", ")
}

// ParseBookAnswer validates a book answer's body against BookAnswerSchema. The error names
// every field it could not accept; the caller then records the attempt as unknown.
func ParseBookAnswer(body []byte) (BookAnswer, error) {
	o, err := decodeObject(body, "outcome", "appointment_id", "booking_uid", "layer", "reason")
	if err != nil {
		return BookAnswer{}, err
	}
	var errs []error
	outcome, err := o.str("outcome", true)
	switch {
	case err != nil:
		errs = append(errs, err)
	case !slices.Contains([]string{"booked", "already_booked", "slot_taken", "error", "unknown"}, outcome):
		errs = append(errs, fmt.Errorf(`"outcome" is %q, want one of "booked", "already_booked", "slot_taken", "error", "unknown"`, outcome))
	}
	var a BookAnswer
	a.Outcome = core.OutcomeKind(outcome)
	holds := a.Outcome == core.Booked || a.Outcome == core.AlreadyBooked
	if err := o.present("appointment_id"); err != nil {
		errs = append(errs, err)
	} else if id, ok, err := o.positiveInt("appointment_id"); err != nil {
		errs = append(errs, err)
	} else if ok {
		a.AppointmentID = &id
	} else if holds {
		errs = append(errs, fmt.Errorf(`"appointment_id" is null, but outcome %q must name the appointment`, outcome))
	}
	if err := o.present("booking_uid"); err != nil {
		errs = append(errs, err)
	} else if uid, err := o.str("booking_uid", false); err != nil {
		errs = append(errs, err)
	} else if !o.isNull("booking_uid") {
		if strings.TrimSpace(uid) == "" {
			errs = append(errs, errors.New(`"booking_uid" is an empty string, want the booking uid or null`))
		} else {
			a.BookingUID = &uid
		}
	} else if holds {
		errs = append(errs, fmt.Errorf(`"booking_uid" is null, but outcome %q must name the Cal.com booking`, outcome))
	}
	if layer, err := o.str("layer", false); err != nil {
		errs = append(errs, err)
	} else if layer != "" {
		if a.Layer, err = layerName(layer); err != nil {
			errs = append(errs, fmt.Errorf(`"layer": %w`, err))
		}
	}
	if a.Reason, err = o.str("reason", false); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return BookAnswer{}, errors.Join(errs...)
	}
	return a, nil
}

// ParseCancelAnswer validates a cancel answer against CancelAnswerSchema.
func ParseCancelAnswer(body []byte) (CancelAnswer, error) {
	o, err := decodeObject(body, "outcome", "reason")
	if err != nil {
		return CancelAnswer{}, err
	}
	var errs []error
	outcome, err := o.str("outcome", true)
	switch {
	case err != nil:
		errs = append(errs, err)
	case !slices.Contains([]CancelKind{Cancelled, NothingToCancel, CancelError, CancelUnknown}, CancelKind(outcome)):
		errs = append(errs, fmt.Errorf(`"outcome" is %q, want one of "cancelled", "nothing_to_cancel", "error", "unknown"`, outcome))
	}
	reason, err := o.str("reason", false)
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return CancelAnswer{}, errors.Join(errs...)
	}
	return CancelAnswer{Outcome: CancelKind(outcome), Reason: reason}, nil
}

// ParseCapabilities validates a capabilities answer against CapabilitiesSchema.
func ParseCapabilities(body []byte) (CapabilitiesAnswer, error) {
	o, err := decodeObject(body, "time_travel", "layers", "reset", "time_modes")
	if err != nil {
		return CapabilitiesAnswer{}, err
	}
	var c CapabilitiesAnswer
	var errs []error
	if c.TimeTravel, err = o.boolean("time_travel"); err != nil {
		errs = append(errs, err)
	}
	if c.Layers, err = o.layerList("layers"); err != nil {
		errs = append(errs, err)
	}
	if c.Reset, err = o.boolean("reset"); err != nil {
		errs = append(errs, err)
	}
	if c.TimeModes, err = o.timeModes("time_modes"); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return CapabilitiesAnswer{}, errors.Join(errs...)
	}
	return c, nil
}

// timeModes reads an optional list of distinct time modes (age, header, faketime).
func (o object) timeModes(key string) ([]TimeMode, error) {
	if o.isNull(key) {
		return nil, nil
	}
	var names []string
	if err := json.Unmarshal(o[key], &names); err != nil {
		return nil, fmt.Errorf("%q is %s, want a list of time modes (age, header, faketime)", key, describe(o[key]))
	}
	out := make([]TimeMode, 0, len(names))
	for _, n := range names {
		m := TimeMode(n)
		if !slices.Contains(TimeModes(), m) {
			return nil, fmt.Errorf("%q: %q is not a time mode (want age, header or faketime)", key, n)
		}
		if slices.Contains(out, m) {
			return nil, fmt.Errorf("%q lists %q twice", key, n)
		}
		out = append(out, m)
	}
	return out, nil
}

// ParseLayers validates a layers answer against LayersSchema.
func ParseLayers(body []byte) (LayersBody, error) {
	o, err := decodeObject(body, "layers")
	if err != nil {
		return LayersBody{}, err
	}
	ls, err := o.layerList("layers")
	if err != nil {
		return LayersBody{}, err
	}
	return LayersBody{Layers: ls}, nil
}
