package fakecalcom

import (
	"net/http"
	"time"
)

// Messages Cal.com uses, quoted from the reference so tests and callers can match on them.
const (
	MsgSlotTaken         = "User either already has booking at this time or is not available"
	MsgSlotTakenTeam     = "One of the hosts either already has booking at this time or is not available"
	MsgBookingConflict   = "booking_conflict_error"
	MsgPastBooking       = "Attempting to book a meeting in the past."
	MsgBodyRequired      = "Body is required"
	MsgMetadataInvalid   = "Metadata must have at most 50 keys, each key up to 40 characters, and string values up to 500 characters."
	MsgNoContact         = "Attendee must have at least one contact method (email or phone number)"
	MsgNoEventType       = "Either eventTypeId or eventTypeSlug + username or eventTypeSlug + teamSlug must be provided"
	MsgThrottled         = "CustomThrottlerGuard - Too many requests. Please try again later."
	MsgNoAuth            = "ApiAuthStrategy - No authentication method provided. Either pass an API key as 'Bearer' header or OAuth client credentials as 'x-cal-secret-key' and 'x-cal-client-id' headers"
	MsgBadAPIKey         = "ApiAuthStrategy - api key - Your api key is not valid"
	MsgBadAccessToken    = "ApiAuthStrategy - access token - INVALID_ACCESS_TOKEN"
	MsgInvalidRange      = "Invalid time range given - check the 'start' and 'end' query parameters."
	MsgInternal          = "Internal server error."
	MsgPayloadTooLarge   = "request entity too large"
	rateLimitWindow      = 60 * time.Second
	rateLimitPerWindow   = 120
	maxBodyBytes         = 1 << 20
	apiVersionBookings   = "2024-08-13"
	apiVersionSlots      = "2024-09-04"
	defaultConflictState = http.StatusConflict
)

// nestCode maps a status to the NestJS exception class name Cal.com puts in error.code.
func nestCode(status int) string {
	switch status {
	case 400:
		return "BadRequestException"
	case 401:
		return "UnauthorizedException"
	case 403:
		return "ForbiddenException"
	case 404:
		return "NotFoundException"
	case 409:
		return "ConflictException"
	case 413:
		return "PayloadTooLargeException"
	case 422:
		return "UnprocessableEntityException"
	case 429:
		return "ThrottlerException"
	default:
		return "HttpException"
	}
}

type errorDetails struct {
	Message    string `json:"message"`
	Error      string `json:"error"`
	StatusCode int    `json:"statusCode"`
}

type errorInfo struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Details any    `json:"details,omitempty"`
}

type errorBody struct {
	Status    string    `json:"status"`
	Timestamp string    `json:"timestamp"`
	Path      string    `json:"path"`
	Error     errorInfo `json:"error"`
}

// apiError is a Cal.com error response waiting to be written.
type apiError struct {
	status int
	info   errorInfo
}

// httpErr is the HttpExceptionFilter form for `new XException(msg)`: details carry
// {message, error, statusCode}. 5xx statuses get the Sentry catch-all form instead.
func httpErr(status int, msg string) *apiError {
	if status >= 500 {
		if msg == "" {
			msg = MsgInternal
		}
		return &apiError{status: status, info: errorInfo{Code: "INTERNAL_SERVER_ERROR", Message: msg}}
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	return &apiError{status: status, info: errorInfo{
		Code: nestCode(status), Message: msg,
		Details: errorDetails{Message: msg, Error: http.StatusText(status), StatusCode: status},
	}}
}

// throttled is the 429 ThrottlerException form, whose details is the bare message.
func throttled() *apiError {
	return &apiError{status: http.StatusTooManyRequests, info: errorInfo{Code: "ThrottlerException", Message: MsgThrottled, Details: MsgThrottled}}
}

// conflict is what the loser of a concurrent create race gets: 409 booking_conflict_error
// (the 2024-04-15 mapping of the HttpError) or, if configured, the 500 catch-all.
func conflict(status int) *apiError {
	if status >= 500 {
		return httpErr(status, MsgInternal)
	}
	return &apiError{status: status, info: errorInfo{Code: "HttpException", Message: MsgBookingConflict, Details: MsgBookingConflict}}
}

func (e *apiError) body(now time.Time, path string) []byte {
	return mustJSON(errorBody{Status: "error", Timestamp: jsTime(now), Path: path, Error: e.info})
}
