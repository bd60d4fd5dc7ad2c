package calcom

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"unicode/utf8"
)

// errorEnvelope is {"status":"error","timestamp","path","error":{"code","message","details"}}.
type errorEnvelope struct {
	Timestamp string `json:"timestamp"`
	Path      string `json:"path"`
	Error     *struct {
		Code    json.RawMessage `json:"code"`
		Message json.RawMessage `json:"message"`
		Details json.RawMessage `json:"details"`
	} `json:"error"`
}

// rawNestError is Nest's own exception body, {"statusCode":400,"message":"…"} (message may
// be a list, as Nest's ValidationPipe sends it), which Cal.com answers for its own
// HttpErrors and for unknown errors, without its envelope.
type rawNestError struct {
	StatusCode json.RawMessage `json:"statusCode"`
	Message    json.RawMessage `json:"message"`
}

// MsgDatabaseError is the message of Cal.com's redacted database errors (the spelling is
// Cal.com's): what the loser of a concurrent create is told in production.
const MsgDatabaseError = "An error occured while querying the database."

// decodeAPIError builds the typed error for a non-2xx response. It never fails: a body that is
// neither an envelope nor Nest's raw body still yields an APIError whose Message is a
// readable prefix of the body.
func decodeAPIError(op string, meta Meta, body []byte, mutating bool) *APIError {
	e := &APIError{Op: op, StatusCode: meta.StatusCode, Meta: meta}
	var env errorEnvelope
	var raw rawNestError
	if err := json.Unmarshal(body, &env); err == nil && env.Error != nil {
		e.Code = looseString(env.Error.Code)
		e.Message = looseString(env.Error.Message)
		if !isNull(env.Error.Details) {
			e.Details = append(json.RawMessage(nil), env.Error.Details...)
		}
		if e.Message == "" {
			e.Message = detailsMessage(env.Error.Details)
		}
		e.Path, e.Timestamp = env.Path, env.Timestamp
	} else if err := json.Unmarshal(body, &raw); err == nil && jsonKind(raw.StatusCode) == "number" && !isNull(raw.Message) {
		e.Message, e.Raw = messageText(raw.Message), true
	} else {
		e.Message = printablePrefix(body, 200)
	}
	e.Kind = classify(meta.StatusCode, e.Message)
	e.MaybeCommitted = mutating && (e.Kind == ErrServer || e.Kind == ErrUnexplained)
	return e
}

// messageText renders a Nest message: a string as itself, a list of strings joined with
// "; ", anything else as its JSON text.
func messageText(raw json.RawMessage) string {
	var parts []string
	if jsonKind(raw) == "array" && json.Unmarshal(raw, &parts) == nil {
		return truncate(strings.Join(parts, "; "), 200)
	}
	return looseString(raw)
}

func classify(status int, message string) ErrorKind {
	switch {
	case status == http.StatusBadRequest:
		// Messages Cal.com uses when a slot cannot be booked (docs/calcom.md §3). Matching
		// is by substring and case-insensitive because the team and reservation variants
		// differ in their first words.
		lower := strings.ToLower(message)
		for _, f := range []string{"already has booking at this time", "reserved this booking time slot"} {
			if strings.Contains(lower, f) {
				return ErrSlotTaken
			}
		}
		if strings.Contains(lower, strings.ToLower(MsgDatabaseError)) {
			return ErrUnexplained
		}
		return ErrValidation
	case status == http.StatusUnprocessableEntity:
		return ErrValidation
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return ErrUnauthorized
	case status == http.StatusNotFound:
		return ErrNotFound
	case status == http.StatusConflict:
		return ErrConflict
	case status == http.StatusTooManyRequests:
		return ErrRateLimited
	case status >= 500:
		return ErrServer
	default:
		return ErrHTTP
	}
}

// looseString renders a JSON string as itself and any other JSON value as its text.
func looseString(raw json.RawMessage) string {
	if isNull(raw) {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s
	}
	return truncate(string(bytes.TrimSpace(raw)), 200)
}

// detailsMessage extracts details.message (Nest's HttpException response) or a string details.
func detailsMessage(raw json.RawMessage) string {
	switch jsonKind(raw) {
	case "string":
		return looseString(raw)
	case "object":
		var d struct {
			Message json.RawMessage `json:"message"`
		}
		if json.Unmarshal(raw, &d) == nil {
			return looseString(d.Message)
		}
	}
	return ""
}

// printablePrefix returns up to n bytes of body as valid UTF-8 text, for error messages about
// bodies that are not JSON (an HTML error page from a proxy, say).
func printablePrefix(body []byte, n int) string {
	if len(body) > n {
		body = body[:n]
	}
	s := strings.ToValidUTF8(string(body), "�")
	s = strings.TrimSpace(s)
	if s == "" {
		return "(empty body)"
	}
	if !utf8.ValidString(s) {
		return "(unprintable body)"
	}
	return s
}
