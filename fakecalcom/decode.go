package fakecalcom

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/mail"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// createInput is CreateBookingInput_2024_08_13 as far as the fake implements it. Fields that
// Cal.com accepts but the fake does not model are decoded (so they are not "unknown") and then
// either ignored or refused with a message naming the fake's limitation.
type createInput struct {
	Start                  *string         `json:"start"`
	EventTypeID            json.RawMessage `json:"eventTypeId"`
	EventTypeSlug          string          `json:"eventTypeSlug"`
	Username               string          `json:"username"`
	TeamSlug               string          `json:"teamSlug"`
	OrganizationSlug       string          `json:"organizationSlug"`
	Attendee               json.RawMessage `json:"attendee"`
	BookingFieldsResponses map[string]any  `json:"bookingFieldsResponses"`
	Metadata               json.RawMessage `json:"metadata"`
	LengthInMinutes        *int            `json:"lengthInMinutes"`
	Guests                 []string        `json:"guests"`
	Location               json.RawMessage `json:"location"`
	MeetingURL             string          `json:"meetingUrl"`
	Routing                json.RawMessage `json:"routing"`
	EmailVerificationCode  string          `json:"emailVerificationCode"`
	Instant                bool            `json:"instant"`
	RecurrenceCount        *int            `json:"recurrenceCount"`
	ReservedSlotUID        string          `json:"reservedSlotUid"`
}

type attendeeInput struct {
	Name        *string `json:"name"`
	Email       string  `json:"email"`
	TimeZone    *string `json:"timeZone"`
	PhoneNumber string  `json:"phoneNumber"`
	Language    string  `json:"language"`
}

// CreateRequest is a decoded, validated POST /v2/bookings body.
type CreateRequest struct {
	Start            time.Time
	EventTypeID      int
	LengthInMinutes  int // 0 = the event type's length
	AttendeeName     string
	AttendeeEmail    string
	AttendeePhone    string
	AttendeeTimeZone string
	AttendeeLanguage string
	Guests           []string
	Metadata         map[string]any
	// ReservedSlotUID is the reservation the create claims ("" for none).
	ReservedSlotUID string
	// Location is the location given, resolved to its text ("" for none or Cal.com's video).
	Location string
	// Responses are the custom booking-field answers (bookingFieldsResponses), nil for none.
	Responses map[string]any
}

// CallID is metadata.call_id when it is a string, the key the harness correlates calls with.
func (c *CreateRequest) CallID() string {
	s, _ := c.Metadata["call_id"].(string)
	return s
}

// wireError is an error whose text is Cal.com's message verbatim (capitals and full stop
// included), so it reaches the client unchanged.
type wireError string

func (e wireError) Error() string { return string(e) }

// validationError collects class-validator style failures, rendered the way Cal.com's
// CreateBookingInputPipe joins them: "<prop> property is wrong,<constraints> " joined by ", ".
type validationError struct{ parts []string }

func (v *validationError) add(prop string, msgs ...string) {
	v.parts = append(v.parts, prop+" property is wrong,"+strings.Join(msgs, ", ")+" ")
}

func (v *validationError) Error() string { return strings.Join(v.parts, ", ") }

// strictDecode decodes one JSON value into dst, refusing unknown fields and trailing data.
// Field names match exactly, case included, like Cal.com's whitelist (encoding/json alone
// would take "Start" for "start"). It reports the first unknown field (found, which may be
// the empty name "") separately so the caller can phrase it.
func strictDecode(data []byte, dst any) (unknown string, found bool, err error) {
	if k, ok := inexactKey(data, jsonNames(reflect.TypeOf(dst).Elem())); ok {
		return k, true, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields() // a safety net: inexactKey has seen every key already
	if err := dec.Decode(dst); err != nil {
		return "", false, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return "", false, errors.New("unexpected data after the JSON body")
	}
	return "", false, nil
}

// jsonNames lists the JSON names of a struct type's fields.
func jsonNames(t reflect.Type) []string {
	if t.Kind() != reflect.Struct {
		return nil
	}
	names := make([]string, 0, t.NumField())
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
}

// inexactKey returns the first key of the JSON object data that is not exactly one of
// names; found is false when every key is (or data is not a well-formed object: decoding
// then says why).
func inexactKey(data []byte, names []string) (key string, found bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return "", false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		key, _ := tok.(string)
		if !slices.Contains(names, key) {
			return key, true
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return "", false
		}
	}
	return "", false
}

// describeDecodeErr turns an encoding/json error into a property-level message.
func describeDecodeErr(v *validationError, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		prop, _, _ := strings.Cut(te.Field, ".")
		v.add(prop, fmt.Sprintf("%s must be of type %s, got JSON %s", te.Field, jsonTypeName(te.Type.Kind().String()), te.Value))
		return v
	}
	return fmt.Errorf("body is not valid JSON: %w", err)
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "int", "int64", "float64":
		return "number"
	case "bool":
		return "boolean"
	case "slice":
		return "array"
	default:
		return "object"
	}
}

// DecodeCreate decodes and validates a create-booking body the way Cal.com's
// CreateBookingInputPipe does (whitelist + forbidNonWhitelisted), returning an error whose
// message is the 400 message the fake sends. It is exported for fuzzing and for callers that
// want to check a body without a server.
func DecodeCreate(body []byte) (*CreateRequest, error) {
	return decodeCreate(body, validTimeZone)
}

// decodeCreate is DecodeCreate with a pluggable time-zone check, so the Fake can use its
// cache instead of reading the zoneinfo database on every request.
func decodeCreate(body []byte, validTZ func(string) bool) (*CreateRequest, error) {
	return decodeCreateWith(body, validTZ, true)
}

// decodeCreateWith is decodeCreate with the one-pass fast path switchable, so tests can check
// that both paths agree.
func decodeCreateWith(body []byte, validTZ func(string) bool, fast bool) (*CreateRequest, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, wireError(MsgBodyRequired)
	}
	var in createInput
	var att *attendeeInput
	var meta map[string]any
	v := &validationError{}
	if fp, ok := parseCreateFast(body); fast && ok {
		in, att, meta = fp.in, &fp.att, fp.meta
	} else {
		unknown, found, err := strictDecode(body, &in)
		if err != nil {
			return nil, describeDecodeErr(v, err)
		}
		if found {
			v.add(unknown, "property "+unknown+" should not exist")
			return nil, v
		}
	}
	out := &CreateRequest{Guests: in.Guests, ReservedSlotUID: in.ReservedSlotUID, Responses: customResponses(in.BookingFieldsResponses)}
	if loc, ok := resolveLocation(in.Location); ok {
		out.Location = loc
	} else {
		v.add("location", "location must be a string or an object whose type is one of "+strings.Join(locationTypes, ", "))
	}
	if in.Start == nil {
		v.add("start", "start must be a valid ISO 8601 date string")
	} else if t, err := parseISO(*in.Start); err != nil {
		v.add("start", "start must be a valid ISO 8601 date string")
	} else {
		out.Start = t
	}
	switch {
	case len(in.EventTypeID) > 0 && string(in.EventTypeID) != "null":
		if n, ok := jsonInt(in.EventTypeID); ok && n >= 1 && n <= 1<<31-1 {
			out.EventTypeID = int(n)
		} else {
			v.add("eventTypeId", "eventTypeId must be an integer number")
		}
	case in.EventTypeSlug != "":
		return nil, errors.New("fakecalcom: the fake resolves event types by eventTypeId only; eventTypeSlug is not implemented")
	default:
		return nil, wireError(MsgNoEventType)
	}
	if att != nil {
		checkAttendee(v, att, out, validTZ)
	} else {
		decodeAttendee(v, in.Attendee, out, validTZ)
	}
	metaOK := true
	if meta != nil {
		metaOK = checkMetadata(meta)
	} else {
		meta, metaOK = decodeMetadata(in.Metadata)
	}
	if !metaOK {
		v.add("metadata", MsgMetadataInvalid)
	} else {
		out.Metadata = meta
	}
	for i, g := range in.Guests {
		if !validEmail(g) {
			v.add("guests", fmt.Sprintf("each value in guests must be an email (index %d)", i))
			break
		}
	}
	if len(v.parts) > 0 {
		return nil, v
	}
	switch {
	case in.LengthInMinutes != nil:
		return nil, wireError("Can't specify 'lengthInMinutes' because event type does not have multiple possible lengths. Please remove it from the request or set it to the event type's length.")
	case in.Instant:
		return nil, errors.New("fakecalcom: instant bookings are not implemented by the fake")
	case in.RecurrenceCount != nil:
		return nil, errors.New("fakecalcom: recurring bookings (recurrenceCount) are not implemented by the fake")
	case len(in.Routing) > 0 && string(in.Routing) != "null":
		return nil, errors.New("fakecalcom: routing is not implemented by the fake")
	}
	return out, nil
}

func decodeAttendee(v *validationError, raw json.RawMessage, out *CreateRequest, validTZ func(string) bool) {
	if len(raw) == 0 || string(raw) == "null" {
		v.add("attendee", "attendee must be an object", "nested property attendee must be either object or array")
		return
	}
	var a attendeeInput
	unknown, found, err := strictDecode(raw, &a)
	switch {
	case err != nil:
		v.add("attendee", "attendee must be an object with string fields name, email, timeZone, phoneNumber, language")
		return
	case found:
		v.add("attendee", "property attendee."+unknown+" should not exist")
		return
	}
	checkAttendee(v, &a, out, validTZ)
}

// checkAttendee validates a decoded attendee and copies it into out.
func checkAttendee(v *validationError, a *attendeeInput, out *CreateRequest, validTZ func(string) bool) {
	var msgs []string
	if a.Name == nil || strings.TrimSpace(*a.Name) == "" {
		msgs = append(msgs, "name must be a string")
	} else {
		out.AttendeeName = *a.Name
	}
	if a.TimeZone == nil || !validTZ(*a.TimeZone) {
		msgs = append(msgs, "timeZone must be a valid IANA time-zone")
	} else {
		out.AttendeeTimeZone = *a.TimeZone
	}
	if a.Email != "" && !validEmail(a.Email) {
		msgs = append(msgs, "email must be an email")
	}
	if a.PhoneNumber != "" && !validPhone(a.PhoneNumber) {
		msgs = append(msgs, "Invalid phone number format. Please use international format.")
	}
	if a.Email == "" && a.PhoneNumber == "" {
		msgs = append(msgs, MsgNoContact)
	}
	if len(msgs) > 0 {
		v.add("attendee", msgs...)
		return
	}
	out.AttendeeEmail, out.AttendeePhone = a.Email, a.PhoneNumber
	if out.AttendeeEmail == "" {
		out.AttendeeEmail = smsEmail(a.PhoneNumber)
	}
	out.AttendeeLanguage = a.Language
	if out.AttendeeLanguage == "" {
		out.AttendeeLanguage = "en"
	}
}

// smsEmail is the address Cal.com gives an attendee who has only a phone number: its
// digits at sms.cal.com.
func smsEmail(phone string) string {
	digits := make([]byte, 0, len(phone)+len("@sms.cal.com"))
	for i := 0; i < len(phone); i++ {
		if phone[i] >= '0' && phone[i] <= '9' {
			digits = append(digits, phone[i])
		}
	}
	return string(append(digits, "@sms.cal.com"...))
}

// jsonInt reads a JSON number literal holding an integer (1, 1.0 and 1e3 are integers to
// JavaScript). A string such as "1" is not: class-validator's IsInt refuses it.
func jsonInt(raw json.RawMessage) (int64, bool) {
	if len(raw) == 0 || (raw[0] != '-' && (raw[0] < '0' || raw[0] > '9')) {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// decodeMetadata applies validate-metadata.ts: at most 50 keys, keys ≤ 40 characters, values
// string (≤ 500 characters), number or boolean. Absent or null metadata becomes {}.
func decodeMetadata(raw json.RawMessage) (map[string]any, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return map[string]any{}, true
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || m == nil || !checkMetadata(m) {
		return nil, false
	}
	return m, true
}

// checkMetadata applies validate-metadata.ts to a decoded object.
func checkMetadata(m map[string]any) bool {
	if len(m) > 50 {
		return false
	}
	for k, val := range m {
		if utf8.RuneCountInString(k) > 40 {
			return false
		}
		switch x := val.(type) {
		case string:
			if utf8.RuneCountInString(x) > 500 {
				return false
			}
		case float64, bool:
		default:
			return false
		}
	}
	return true
}

// parseISO accepts the ISO-8601 forms clients send for "start": RFC 3339 with or without
// fractional seconds, with Z or an offset.
func parseISO(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

// validEmail accepts a bare address (no display name) with a dotted domain, as far as
// net/mail parses it. Plain dot-atom addresses, what clients send, are recognised without
// net/mail; the answer is the same (FuzzValidEmail checks).
func validEmail(s string) bool {
	if plainEmail(s) {
		return true
	}
	return mailEmail(s)
}

// plainEmail reports whether s is local@domain where both parts are dot-atoms of letters,
// digits and ._%+- (domain: letters, digits, - and at least one dot), at most 254 bytes: a
// subset of what mailEmail accepts.
func plainEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	if len(s) > 254 || at < 0 {
		return false
	}
	return dotAtom(s[:at], "._%+-") && dotAtom(s[at+1:], ".-") && strings.IndexByte(s[at+1:], '.') > 0
}

// dotAtom reports whether s is non-empty, made of letters, digits and the extra bytes, with
// no leading, trailing or doubled dot.
func dotAtom(s, extra string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(extra, c) >= 0) {
			return false
		}
	}
	return true
}

// mailEmail is the full check through net/mail.
func mailEmail(s string) bool {
	if len(s) > 254 || strings.ContainsAny(s, " <>") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return false
	}
	_, domain, _ := strings.Cut(s, "@")
	return strings.Contains(domain, ".")
}

func validPhone(s string) bool {
	if len(s) < 8 || len(s) > 16 || s[0] != '+' {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// validTimeZone accepts UTC and Area/Location names, loading each distinct name once.
func validTimeZone(s string) bool {
	if s == "UTC" || s == "Etc/UTC" {
		return true
	}
	if s == "" || s == "Local" || strings.HasPrefix(s, "/") || strings.Contains(s, "..") {
		return false
	}
	_, err := time.LoadLocation(s)
	return err == nil
}

// locationTypes are the location object types CreateBookingInput_2024_08_13 accepts
// (packages/platform/types/bookings/2024-08-13/inputs/create-booking.input.ts).
var locationTypes = []string{"address", "attendeeAddress", "attendeeDefined", "attendeePhone", "integration", "link", "phone", "organizersDefaultApp"}

// resolveLocation turns the request's location into the text Cal.com stores: a legacy string
// as it is; the booker's own address, phone or text for attendeeAddress, attendeePhone and
// attendeeDefined. Types that take the event type's configured location (address, link,
// phone, an integration, the organizer's default app) resolve to "" — the booking's video
// link — because the fake's event types have no locations. ok is false for a location that
// is neither a string nor such an object.
func resolveLocation(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", true
	}
	var text string
	if json.Unmarshal(raw, &text) == nil {
		return text, true
	}
	var obj map[string]any
	if json.Unmarshal(raw, &obj) != nil {
		return "", false
	}
	typ, _ := obj["type"].(string)
	if !slices.Contains(locationTypes, typ) {
		return "", false
	}
	field := map[string]string{"attendeeAddress": "address", "attendeePhone": "phone", "attendeeDefined": "location"}[typ]
	if field == "" {
		return "", true
	}
	v, ok := obj[field].(string)
	return v, ok && v != ""
}

// systemFields are booking fields the request answers elsewhere (attendee, guests); answers
// under these names in bookingFieldsResponses do not replace them.
var systemFields = []string{"name", "email", "guests", "displayEmail", "displayGuests", "attendeePhoneNumber"}

// customResponses keeps the custom answers of bookingFieldsResponses; nil when there are none.
func customResponses(in map[string]any) map[string]any {
	var out map[string]any
	for k, v := range in {
		if slices.Contains(systemFields, k) {
			continue
		}
		if out == nil {
			out = map[string]any{}
		}
		out[k] = v
	}
	return out
}
