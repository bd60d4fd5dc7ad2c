package fakecalcom

import (
	"math"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
)

// The helpers below append JSON byte for byte as encoding/json.Marshal writes it (HTML-safe
// string escaping, ES6 float format, sorted map keys), without reflection: the booking
// response is written on every request, and reflection marshalling was the fake's largest
// cost after decoding. render_test.go checks the output against json.Marshal.

const hexDigits = "0123456789abcdef"

// htmlSafe reports whether encoding/json writes the ASCII byte c unescaped.
func htmlSafe(c byte) bool {
	return c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
}

// appendJSONString appends s as a JSON string, escaped exactly like encoding/json.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = appendJSONChars(dst, s)
	return append(dst, '"')
}

// appendJSONChars appends s escaped, without quotes, so a string can be written in pieces.
// Pieces must split s between runes (ASCII literals around a value always do).
func appendJSONChars(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if htmlSafe(c) {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '\\', '"':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(dst, s[start:]...)
}

// appendJSONFloat appends a finite float64 the way encoding/json does (ES6 number format).
func appendJSONFloat(dst []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if n := len(dst) - start; format == 'e' && n >= 4 && dst[len(dst)-4] == 'e' && dst[len(dst)-3] == '-' && dst[len(dst)-2] == '0' {
		dst[len(dst)-2] = dst[len(dst)-1] // e-09 → e-9
		dst = dst[:len(dst)-1]
	}
	return dst
}

// appendJSONMap appends a metadata map with sorted keys. Values the fake stores are strings,
// numbers and booleans; anything else goes through encoding/json.
func appendJSONMap(dst []byte, m map[string]any) []byte {
	if len(m) == 0 {
		return append(dst, '{', '}')
	}
	var arr [8]string
	keys := arr[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, k)
		dst = append(dst, ':')
		dst = appendJSONValue(dst, m[k])
	}
	return append(dst, '}')
}

func appendJSONValue(dst []byte, v any) []byte {
	switch x := v.(type) {
	case string:
		return appendJSONString(dst, x)
	case float64:
		if !math.IsInf(x, 0) && !math.IsNaN(x) {
			return appendJSONFloat(dst, x)
		}
	case bool:
		return strconv.AppendBool(dst, x)
	case nil:
		return append(dst, "null"...)
	}
	return append(dst, mustJSON(v)...)
}

// appendJSONStrings appends a string array; nil is written as [] (Cal.com never sends null).
func appendJSONStrings(dst []byte, ss []string) []byte {
	dst = append(dst, '[')
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, s)
	}
	return append(dst, ']')
}

// bufPool recycles response buffers (a booking is about 1.3 KB of JSON), one per Fake.
type bufPool struct{ p sync.Pool }

func (p *bufPool) get() *[]byte {
	if b, ok := p.p.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, 0, 2048)
	return &b
}

func (p *bufPool) put(b *[]byte) {
	if cap(*b) > 64<<10 { // do not keep the buffers of huge list responses
		return
	}
	*b = (*b)[:0]
	p.p.Put(b)
}
