package fakecalcom

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// fastCreate is a create body read in one pass by parseCreateFast.
type fastCreate struct {
	in   createInput // Start, EventTypeID and Guests only
	att  attendeeInput
	meta map[string]any // {} when absent
}

// parseCreateFast reads the common shape of a create body in one pass, without reflection:
// an object with exactly-spelled start (string), eventTypeId (integer literal), attendee
// (object of string fields), and optional metadata (object of strings, numbers and booleans)
// and guests (array of strings); strings without escapes, in valid UTF-8. Anything else —
// other fields, null, escapes, duplicate keys, wrong types, invalid JSON — returns ok=false
// and the body goes through the strict encoding/json path, which words the errors. When it
// returns ok, the result is exactly what the strict path decodes (FuzzDecodeCreate checks).
func parseCreateFast(body []byte) (fastCreate, bool) {
	var fc fastCreate
	s := jsonScanner{b: body}
	const (
		seenStart = 1 << iota
		seenEventType
		seenAttendee
		seenMetadata
		seenGuests
	)
	var seen uint
	ok := s.object(func(key []byte) bool {
		switch string(key) {
		case "start":
			if seen&seenStart != 0 {
				return false
			}
			seen |= seenStart
			v, ok := s.str()
			if !ok {
				return false
			}
			str := string(v)
			fc.in.Start = &str
			return true
		case "eventTypeId":
			if seen&seenEventType != 0 {
				return false
			}
			seen |= seenEventType
			v, ok := s.number()
			if !ok {
				return false
			}
			fc.in.EventTypeID = json.RawMessage(v)
			return true
		case "attendee":
			if seen&seenAttendee != 0 {
				return false
			}
			seen |= seenAttendee
			return s.attendee(&fc.att)
		case "metadata":
			if seen&seenMetadata != 0 {
				return false
			}
			seen |= seenMetadata
			fc.meta = map[string]any{}
			return s.metadata(fc.meta)
		case "guests":
			if seen&seenGuests != 0 {
				return false
			}
			seen |= seenGuests
			fc.in.Guests = []string{}
			return s.array(func() bool {
				v, ok := s.str()
				fc.in.Guests = append(fc.in.Guests, string(v))
				return ok
			})
		}
		return false
	})
	if !ok || seen&(seenStart|seenEventType|seenAttendee) != seenStart|seenEventType|seenAttendee {
		return fastCreate{}, false
	}
	if s.ws(); s.i != len(s.b) {
		return fastCreate{}, false
	}
	if fc.meta == nil {
		fc.meta = map[string]any{}
	}
	return fc, true
}

func (s *jsonScanner) attendee(a *attendeeInput) bool {
	var seen uint
	return s.object(func(key []byte) bool {
		var dst *string
		var bit uint
		switch string(key) {
		case "name":
			a.Name, bit = new(string), 1
			dst = a.Name
		case "email":
			dst, bit = &a.Email, 2
		case "timeZone":
			a.TimeZone, bit = new(string), 4
			dst = a.TimeZone
		case "phoneNumber":
			dst, bit = &a.PhoneNumber, 8
		case "language":
			dst, bit = &a.Language, 16
		default:
			return false
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		v, ok := s.str()
		*dst = string(v)
		return ok
	})
}

func (s *jsonScanner) metadata(m map[string]any) bool {
	return s.object(func(key []byte) bool {
		if _, dup := m[string(key)]; dup {
			return false
		}
		s.ws()
		if s.i >= len(s.b) {
			return false
		}
		switch c := s.b[s.i]; {
		case c == '"':
			v, ok := s.str()
			if !ok {
				return false
			}
			m[string(key)] = string(v)
		case c == 't' || c == 'f':
			v, ok := s.boolean()
			if !ok {
				return false
			}
			m[string(key)] = v
		default:
			v, ok := s.number()
			if !ok {
				return false
			}
			f, err := strconv.ParseFloat(string(v), 64)
			if err != nil {
				return false
			}
			m[string(key)] = f
		}
		return true
	})
}

// jsonScanner is a minimal JSON reader for parseCreateFast. Every method reports false on
// anything outside the subset it reads, leaving the caller to fall back.
type jsonScanner struct {
	b []byte
	i int
}

func (s *jsonScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *jsonScanner) consume(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// object reads {"key": value, …}, calling member for each key with the scanner positioned
// at the value; member must read the value.
func (s *jsonScanner) object(member func(key []byte) bool) bool {
	if !s.consume('{') {
		return false
	}
	if s.consume('}') {
		return true
	}
	for {
		key, ok := s.str()
		if !ok || !s.consume(':') || !member(key) {
			return false
		}
		if s.consume('}') {
			return true
		}
		if !s.consume(',') {
			return false
		}
	}
}

// array reads [value, …], calling elem for each value.
func (s *jsonScanner) array(elem func() bool) bool {
	if !s.consume('[') {
		return false
	}
	if s.consume(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if s.consume(']') {
			return true
		}
		if !s.consume(',') {
			return false
		}
	}
}

// str reads a string with no escapes and no control characters, in valid UTF-8; the bytes
// are the decoded value.
func (s *jsonScanner) str() ([]byte, bool) {
	if !s.consume('"') {
		return nil, false
	}
	start, ascii := s.i, true
	for ; s.i < len(s.b); s.i++ {
		switch c := s.b[s.i]; {
		case c == '"':
			v := s.b[start:s.i]
			s.i++
			return v, ascii || utf8.Valid(v)
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, false
}

// number reads a JSON number literal: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *jsonScanner) number() ([]byte, bool) {
	s.ws()
	b, start := s.b, s.i
	i := start
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return nil, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return nil, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return nil, false
		}
	}
	s.i = i
	return b[start:i], true
}

func (s *jsonScanner) boolean() (bool, bool) {
	rest := s.b[s.i:]
	switch {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		s.i += 4
		return true, true
	case len(rest) >= 5 && string(rest[:5]) == "false":
		s.i += 5
		return false, true
	}
	return false, false
}
