package record

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// piiKind says how an attendee value is pseudonymised.
type piiKind int

const (
	piiName piiKind = iota
	piiEmail
	piiPhone
)

// pseudonyms replaces attendee names, emails and phone numbers by stable pseudonyms: a keyed
// hash (HMAC-SHA256) of the value, so one value always gets one pseudonym within a recording
// — a replayed booking of the same attendee stays the same attendee — without keeping any
// table of values, and nobody without the key can test a guess against the file. The key
// is random per recording unless the caller fixes it.
//
// Names are pseudonymised word by word (Hansi Sputer → Nf3a2c1 N8b7e11), so a first name
// alone (a webhook's firstName) or a name inside a title gets the same pseudonym as in the
// full name. Emails become attendee-<hash>@pseudonym.invalid, phone numbers +99<10 digits>
// (99 is no country's calling code): both still pass Cal.com's format checks, so a derived
// incident file replays.
type pseudonyms struct{ key []byte }

func (p pseudonyms) sum(kind string, v string) []byte {
	m := hmac.New(sha256.New, p.key)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(v))
	return m.Sum(nil)
}

func (p pseudonyms) email(v string) string {
	return "attendee-" + hex.EncodeToString(p.sum("email", v)[:5]) + "@pseudonym.invalid"
}

func (p pseudonyms) phone(v string) string {
	n := binary.BigEndian.Uint64(p.sum("phone", v)) % 1e10
	return fmt.Sprintf("+99%010d", n)
}

func (p pseudonyms) word(v string) string {
	return "N" + hex.EncodeToString(p.sum("name", v)[:3])
}

// found is the set of attendee values one exchange revealed, to be replaced wherever they
// occur in it.
type found struct {
	values map[string]string // value → pseudonym
}

func (f *found) add(p pseudonyms, kind piiKind, v string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return
	}
	if f.values == nil {
		f.values = map[string]string{}
	}
	switch kind {
	case piiEmail:
		f.values[v] = p.email(v)
	case piiPhone:
		f.values[v] = p.phone(v)
	default:
		for _, w := range strings.FieldsFunc(v, func(r rune) bool { return unicode.IsSpace(r) || r == ',' }) {
			f.values[w] = p.word(w)
		}
	}
}

// replacer replaces every found value in a text: longest values first, each only where it
// stands as a whole word (a name "Li" must not change "Links").
type replacer struct {
	olds []string
	news map[string]string
}

func (f *found) replacer() *replacer {
	r := &replacer{news: f.values}
	for v := range f.values {
		r.olds = append(r.olds, v)
	}
	slices.SortFunc(r.olds, func(a, b string) int { return cmp.Or(cmp.Compare(len(b), len(a)), cmp.Compare(a, b)) })
	return r
}

// replace returns s with every found value replaced.
func (r *replacer) replace(s string) string {
	if r == nil || len(r.olds) == 0 || s == "" {
		return s
	}
	if n, ok := r.news[s]; ok {
		return n
	}
	for _, old := range r.olds {
		if strings.Contains(s, old) {
			s = replaceWords(s, old, r.news[old])
		}
	}
	return s
}

// replaceWords replaces old in s where it is not glued to a letter or digit on either side.
func replaceWords(s, old, repl string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, old)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[i+len(old):])
		b.WriteString(s[:i])
		if isWordRune(before) || isWordRune(after) {
			b.WriteString(old)
		} else {
			b.WriteString(repl)
		}
		s = s[i+len(old):]
	}
}

func isWordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// attendeeField says whether the string at path (rewriteJSON's path) is an attendee's
// name, email or phone number in Cal.com's API v2 or webhook payloads: the attendee of a
// create, attendees[], guests, bookingFieldsResponses and a webhook's responses.
func attendeeField(path []string) (piiKind, bool) {
	n := len(path)
	if n < 2 {
		return 0, false
	}
	last, parent := path[n-1], path[n-2]
	grand := ""
	if n >= 3 {
		grand = path[n-3]
	}
	switch {
	case parent == "attendee" || (parent == arrayItem && grand == "attendees"):
		return fieldKind(last)
	case last == arrayItem && (parent == "guests" || parent == "displayGuests"):
		return piiEmail, true
	case parent == "bookingFieldsResponses":
		return fieldKind(last)
	case last == "value" && grand == "responses":
		return fieldKind(parent)
	case last == arrayItem && parent == "value" && grand == "guests":
		return piiEmail, true
	}
	return 0, false
}

// fieldKind classifies an attendee object's key.
func fieldKind(key string) (piiKind, bool) {
	switch key {
	case "name", "firstName", "lastName":
		return piiName, true
	case "email", "displayEmail":
		return piiEmail, true
	case "phoneNumber", "attendeePhoneNumber", "smsReminderNumber":
		return piiPhone, true
	}
	return 0, false
}

// attendeeQuery classifies the query parameters Cal.com's booking list filters by attendee.
func attendeeQuery(name string) (piiKind, bool) {
	switch name {
	case "attendeeEmail":
		return piiEmail, true
	case "attendeeName":
		return piiName, true
	case "attendeePhoneNumber":
		return piiPhone, true
	}
	return 0, false
}
