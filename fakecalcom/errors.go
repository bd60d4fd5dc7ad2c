package fakecalcom

import (
	"net/http"
	"time"
)

// Messages Cal.com uses (docs/calcom.md names their sources), so tests and callers can match
// on them.
const (
	MsgSlotTaken       = "User either already has booking at this time or is not available"
	MsgSlotTakenTeam   = "One of the hosts either already has booking at this time or is not available"
	MsgBookingConflict = "booking_conflict_error"
	MsgPastBooking     = "Attempting to book a meeting in the past."
	MsgBodyRequired    = "Body is required"
	MsgMetadataInvalid = "Metadata must have at most 50 keys, each key up to 40 characters, and string values up to 500 characters."
	MsgNoContact       = "Attendee must have at least one contact method (email or phone number)"
	MsgNoEventType     = "Either eventTypeId or eventTypeSlug + username or eventTypeSlug + teamSlug must be provided"
	MsgThrottled       = "CustomThrottlerGuard - Too many requests. Please try again later."
	MsgNoAuth          = "ApiAuthStrategy - No authentication method provided. Either pass an API key as 'Bearer' header or OAuth client credentials as 'x-cal-secret-key' and 'x-cal-client-id' headers"
	MsgBadAPIKey       = "ApiAuthStrategy - api key - Your api key is not valid"
	MsgBadAccessToken  = "ApiAuthStrategy - access token - INVALID_ACCESS_TOKEN"
	MsgInvalidRange    = "Invalid time range given - check the 'start' and 'end' query parameters."
	MsgInternal        = "Internal server error."
	MsgPayloadTooLarge = "request entity too large"
	// MsgDatabaseError is production's answer to a lost create race (typo as in Cal.com).
	MsgDatabaseError = "An error occured while querying the database."
	// MsgAlreadySignedUp is the seated event's answer to the same attendee booking again.
	MsgAlreadySignedUp = "already_signed_up_for_this_booking_error"
	// MsgNoSeatsLeft is the seated event's answer when every seat is taken.
	MsgNoSeatsLeft = "No more seats left at this seated booking."
	// MsgSlotBooked and MsgSlotReserved are the reservation endpoint's 422 messages.
	MsgSlotBooked   = "Can't reserve a slot if the event is already booked."
	MsgSlotReserved = "This time slot is already reserved by another user. Please choose a different time."

	maxBodyBytes       = 1 << 20
	apiVersionBookings = "2024-08-13"
	apiVersionSlots    = "2024-09-04"
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
	// raw selects Nest's base-filter body {"statusCode","message"} instead of the Cal.com
	// envelope: what Cal.com's own HttpError and unmapped errors reach the client as (docs/calcom.md §1).
	raw bool
}

// bookingNotFound is the 404 of GET, reschedule, confirm and decline for an unknown uid
// (cancel words it "Booking with uid=… not found").
func bookingNotFound(uid string) *apiError {
	return httpErr(http.StatusNotFound, "Booking with uid="+uid+" was not found in the database")
}

// nestRaw is an error Cal.com lets through to Nest's base exception filter.
func nestRaw(status int, msg string) *apiError {
	return &apiError{status: status, raw: true, info: errorInfo{Message: msg}}
}

type nestRawBody struct {
	StatusCode int    `json:"statusCode"`
	Message    string `json:"message"`
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

// trpcErr is the TRPCExceptionFilter form (apps/api/v2/src/filters/trpc-exception.filter.ts):
// the envelope with code "TRPCError" and the filter's own message for the status, no
// details. Handlers shared with Cal.com's web app (confirm.handler.ts) throw TRPCErrors.
func trpcErr(status int) *apiError {
	msg := map[int]string{
		http.StatusBadRequest:   "Bad request: Please check your request data and try again",
		http.StatusUnauthorized: "You are not authorized to access this resource",
	}[status]
	return &apiError{status: status, info: errorInfo{Code: "TRPCError", Message: msg}}
}

// throttled is the 429 ThrottlerException form, whose details is the bare message.
func throttled() *apiError {
	return &apiError{status: http.StatusTooManyRequests, info: errorInfo{Code: "ThrottlerException", Message: MsgThrottled, Details: MsgThrottled}}
}

func (e *apiError) body(now time.Time, path string) []byte {
	if e.raw {
		return mustJSON(nestRawBody{StatusCode: e.status, Message: e.info.Message})
	}
	return mustJSON(errorBody{Status: "error", Timestamp: jsTime(now), Path: path, Error: e.info})
}

// hostError turns an API refusal into the Go error of the host-side methods.
func (e *apiError) hostError() error { return &HostError{Status: e.status, Message: e.info.Message} }
