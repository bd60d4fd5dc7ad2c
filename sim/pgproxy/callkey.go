package pgproxy

import "strings"

// callIDPrefix is how phone-platform call ids begin (Retell's "call_927bf…"); the harness
// generates its call ids in the same form.
const callIDPrefix = "call_"

// DefaultCallKey is the call key used when Config.CallKey is nil: the first bind parameter
// that looks like a phone call id ("call_" followed by letters, digits, '_' or '-'), failing
// that the first string literal of that form in the statement text (simple queries carry
// their values inline).
// Statements with neither get no key of their own; inside a transaction they inherit the
// transaction's key (the first key seen since it began), so the COMMIT of a call's
// transaction belongs to that call.
func DefaultCallKey(sql string, params [][]byte) string {
	for _, p := range params {
		if looksLikeCallID(p) {
			return string(p)
		}
	}
	rest := sql
	for {
		i := strings.Index(rest, "'"+callIDPrefix)
		if i < 0 {
			return ""
		}
		rest = rest[i+1:]
		if end := strings.IndexByte(rest, '\''); end > 0 && looksLikeCallID([]byte(rest[:end])) {
			return rest[:end]
		}
	}
}

func looksLikeCallID(b []byte) bool {
	if len(b) <= len(callIDPrefix) || len(b) > 128 || string(b[:len(callIDPrefix)]) != callIDPrefix {
		return false
	}
	for _, c := range b[len(callIDPrefix):] {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}
