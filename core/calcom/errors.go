package calcom

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/bookingharness/bookingharness/internal/sabotage"
)

// ErrorKind classifies a Cal.com error answer so callers can branch with errors.Is instead of
// matching message strings. Each kind is also usable as a sentinel error:
// errors.Is(err, calcom.ErrSlotTaken).
type ErrorKind string

// The kinds of error the client reports. Their string values are stable (they appear in logs
// and outcomes).
const (
	// ErrSlotTaken is Cal.com's 400 "User either already has booking at this time or is not
	// available" (or the team / reservation variants): the slot is not bookable. Definite.
	ErrSlotTaken ErrorKind = "slot_taken"
	// ErrConflict is a 409 such as booking_conflict_error (a concurrent create lost the race)
	// or "No more seats left". Definite: this request created nothing.
	ErrConflict ErrorKind = "conflict"
	// ErrUnexplained is a 400 whose message is "An error occured while querying the
	// database." — Cal.com's production answer (Nest's raw {statusCode,message} body, no
	// envelope) to the loser of a concurrent create, and equally its answer to a real database
	// failure (docs/calcom.md §3). It says neither "someone else holds the slot" nor "your
	// request was invalid", and a failure after the insert is possible, so after a create it is
	// ambiguous: only a lookup of the booking can tell what happened.
	ErrUnexplained ErrorKind = "unexplained"
	// ErrValidation is any other 400 or 422: the request was rejected as invalid. Definite.
	ErrValidation ErrorKind = "validation"
	// ErrUnauthorized is a 401 or 403: the API key is invalid, expired or not allowed. Definite.
	ErrUnauthorized ErrorKind = "unauthorized"
	// ErrNotFound is a 404 (unknown booking uid or event type). Definite.
	ErrNotFound ErrorKind = "not_found"
	// ErrRateLimited is a 429; the APIError carries the X-RateLimit-* values. Definite.
	ErrRateLimited ErrorKind = "rate_limited"
	// ErrServer is a 5xx. On a request that changes state it is ambiguous: Cal.com may have
	// committed the booking before failing.
	ErrServer ErrorKind = "server"
	// ErrHTTP is any other non-2xx status (e.g. 413, 405).
	ErrHTTP ErrorKind = "http"
	// ErrTransport is a network failure or timeout; see TransportError for whether the request
	// reached the server.
	ErrTransport ErrorKind = "transport"
	// ErrDecode is a response that could not be read or decoded (malformed JSON, missing or
	// wrongly typed fields, oversized body).
	ErrDecode ErrorKind = "decode"
	// ErrInput is a request the client refused to send because it is invalid (no Cal.com call
	// was made). Definite.
	ErrInput ErrorKind = "input"
)

// Error makes an ErrorKind usable as a sentinel for errors.Is.
func (k ErrorKind) Error() string { return "calcom: " + string(k) }

// IsAmbiguous reports whether err leaves open whether Cal.com changed state (a booking may
// exist, or a cancel may have happened). Callers must resolve an ambiguous result by looking
// the booking up, never by re-sending blindly and never by guessing. A nil error is not
// ambiguous.
func IsAmbiguous(err error) bool {
	var a interface{ Ambiguous() bool }
	if errors.As(err, &a) {
		return a.Ambiguous() && !sabotage.On(sabotage.CoreErrorClass)
	}
	return false
}

// KindOf returns the ErrorKind of an error returned by this package, or "" for other errors.
func KindOf(err error) ErrorKind {
	var k interface{ ErrorKind() ErrorKind }
	if errors.As(err, &k) {
		return k.ErrorKind()
	}
	return ""
}

// APIError is a non-2xx answer from Cal.com, decoded from its error envelope
// {"status":"error","timestamp","path","error":{"code","message","details"}} or from Nest's
// raw {"statusCode","message"} body, which Cal.com sends for its own HttpErrors and for
// unknown errors (docs/calcom.md §1).
type APIError struct {
	// Op names the client operation, e.g. "create booking".
	Op string
	// StatusCode is the HTTP status.
	StatusCode int
	// Kind classifies the error (slot taken, conflict, ...).
	Kind ErrorKind
	// Code is error.code, e.g. "BadRequestException" or "ThrottlerException"; empty when the
	// body was not an envelope.
	Code string
	// Message is error.message (or details.message, or the raw body's message, or a prefix of
	// a body that is neither).
	Message string
	// Raw is true when the body was Nest's raw {statusCode,message} rather than Cal.com's
	// envelope.
	Raw bool
	// Details is error.details as sent (an object, a string, or nothing).
	Details json.RawMessage
	// Path and Timestamp echo the envelope's fields.
	Path, Timestamp string
	// Meta carries the response headers the client keeps (Date, request id, rate limits).
	Meta Meta
	// MaybeCommitted is true when the request may have changed state despite the error (5xx
	// or ErrUnexplained on a state-changing request).
	MaybeCommitted bool
}

// Error describes the answer, never including request secrets.
func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = "(no message)"
	}
	if e.Code != "" {
		return fmt.Sprintf("calcom: %s: HTTP %d %s: %s", e.Op, e.StatusCode, e.Code, msg)
	}
	return fmt.Sprintf("calcom: %s: HTTP %d: %s", e.Op, e.StatusCode, msg)
}

// Is makes errors.Is(err, calcom.ErrSlotTaken) and friends work.
func (e *APIError) Is(target error) bool {
	k, ok := target.(ErrorKind)
	return ok && k == e.Kind
}

// Ambiguous reports whether Cal.com may have committed the change anyway.
func (e *APIError) Ambiguous() bool { return e.MaybeCommitted }

// ErrorKind returns the classification.
func (e *APIError) ErrorKind() ErrorKind { return e.Kind }

// RateLimit returns the rate-limit window named "Default" when present, else the first one.
func (e *APIError) RateLimit() (RateLimit, bool) {
	return e.Meta.RateLimit("Default")
}

// TransportError is a failure to get a complete HTTP response: refused or reset connection,
// timeout, or a response cut short. Written tells whether the request was fully written (as
// reported by net/http/httptrace); a state-changing request that was written, or whose fate
// the transport could not report, is ambiguous.
type TransportError struct {
	// Op names the client operation.
	Op string
	// Written is true when httptrace reported the request fully written.
	Written bool
	// MaybeCommitted is true when the server may have acted on the request.
	MaybeCommitted bool
	// Err is the underlying error (e.g. context.DeadlineExceeded, *net.OpError).
	Err error
}

// Error describes the failure.
func (e *TransportError) Error() string {
	state := "request not sent"
	if e.Written {
		state = "request sent, no complete response"
	} else if e.MaybeCommitted {
		state = "request may have been sent"
	}
	return fmt.Sprintf("calcom: %s: %s: %v", e.Op, state, e.Err)
}

// Unwrap exposes the cause (errors.Is(err, context.DeadlineExceeded) works).
func (e *TransportError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, calcom.ErrTransport) work.
func (e *TransportError) Is(target error) bool { return target == ErrTransport }

// Ambiguous reports whether the server may have acted on the request.
func (e *TransportError) Ambiguous() bool { return e.MaybeCommitted }

// ErrorKind returns ErrTransport.
func (e *TransportError) ErrorKind() ErrorKind { return ErrTransport }

// DecodeError is a response whose body could not be read or decoded. After a 2xx on a
// state-changing request it is ambiguous: Cal.com said yes, but we cannot tell to what.
type DecodeError struct {
	// Op names the client operation.
	Op string
	// StatusCode is the HTTP status of the undecodable response.
	StatusCode int
	// Meta carries the response headers the client keeps.
	Meta Meta
	// MaybeCommitted is true when the server may have acted on the request.
	MaybeCommitted bool
	// Err names the problem.
	Err error
}

// Error describes the problem.
func (e *DecodeError) Error() string {
	return fmt.Sprintf("calcom: %s: HTTP %d: undecodable response: %v", e.Op, e.StatusCode, e.Err)
}

// Unwrap exposes the cause.
func (e *DecodeError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, calcom.ErrDecode) work.
func (e *DecodeError) Is(target error) bool { return target == ErrDecode }

// Ambiguous reports whether the server may have acted on the request.
func (e *DecodeError) Ambiguous() bool { return e.MaybeCommitted }

// ErrorKind returns ErrDecode.
func (e *DecodeError) ErrorKind() ErrorKind { return ErrDecode }

// InputError is a request the client refused to send. No Cal.com call was made.
type InputError struct {
	// Op names the client operation.
	Op string
	// Field names the offending input field.
	Field string
	// Problem says what is wrong with it.
	Problem string
}

// Error names the field and the problem.
func (e *InputError) Error() string {
	return fmt.Sprintf("calcom: %s: invalid %s: %s", e.Op, e.Field, e.Problem)
}

// Is makes errors.Is(err, calcom.ErrInput) work.
func (e *InputError) Is(target error) bool { return target == ErrInput }

// ErrorKind returns ErrInput.
func (e *InputError) ErrorKind() ErrorKind { return ErrInput }

// ErrBodyTooLarge is returned (wrapped in a DecodeError or APIError message) when a response
// body exceeds MaxBodyBytes.
var ErrBodyTooLarge = errors.New("response body exceeds limit")
