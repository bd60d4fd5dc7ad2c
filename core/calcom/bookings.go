package calcom

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// BookingResult is one booking plus what the client kept from the response headers (notably
// Meta.Date, Cal.com's clock at the time of the answer).
type BookingResult struct {
	Booking Booking
	Meta    Meta
}

// BookingsResult is the answer of ListBookings.
type BookingsResult struct {
	Bookings   []Booking
	Pagination *Pagination
	Meta       Meta
}

// CreateBooking sends POST /v2/bookings. A 201 may carry an *existing* booking (Cal.com's
// idempotent replay for round-robin and requires-confirmation event types), so callers must
// check ownership (metadata) and age (Meta.Date − CreatedAt) themselves. Errors: *InputError
// (nothing sent), *APIError (errors.Is with ErrSlotTaken, ErrConflict, …), *TransportError,
// *DecodeError; IsAmbiguous tells whether the booking may exist anyway.
func (c *Client) CreateBooking(ctx context.Context, in CreateBookingInput) (BookingResult, error) {
	const op = "create booking"
	if err := in.validate(op); err != nil {
		return BookingResult{}, err
	}
	return c.bookingCall(ctx, request{op: op, method: http.MethodPost, path: "/v2/bookings",
		body: in.body(), version: BookingsAPIVersion, mutating: true})
}

// GetBooking sends GET /v2/bookings/{uid}. Only the uid is accepted; Cal.com answers 404 for
// a numeric id.
func (c *Client) GetBooking(ctx context.Context, uid string) (BookingResult, error) {
	const op = "get booking"
	if err := checkUID(op, uid); err != nil {
		return BookingResult{}, err
	}
	return c.bookingCall(ctx, request{op: op, method: http.MethodGet, path: "/v2/bookings/" + url.PathEscape(uid),
		version: BookingsAPIVersion})
}

// ListBookings sends GET /v2/bookings with the given filters (authentication required by
// Cal.com). Used to resolve an ambiguous create: match metadata.call_id in the result.
func (c *Client) ListBookings(ctx context.Context, f ListBookingsFilter) (BookingsResult, error) {
	const op = "list bookings"
	q, err := f.query(op)
	if err != nil {
		return BookingsResult{}, err
	}
	r := request{op: op, method: http.MethodGet, path: "/v2/bookings", query: q, version: BookingsAPIVersion}
	resp, err := c.do(ctx, r)
	if err != nil {
		return BookingsResult{}, err
	}
	bs, pg, err := DecodeBookingListEnvelope(resp.body)
	if err != nil {
		return BookingsResult{}, decodeFailure(r, resp, err)
	}
	return BookingsResult{Bookings: bs, Pagination: pg, Meta: resp.meta}, nil
}

// CancelBooking sends POST /v2/bookings/{uid}/cancel and returns the cancelled booking.
// Cancelling frees the slot in Cal.com (its idempotency key is cleared).
func (c *Client) CancelBooking(ctx context.Context, uid string, in CancelInput) (BookingResult, error) {
	const op = "cancel booking"
	if err := checkUID(op, uid); err != nil {
		return BookingResult{}, err
	}
	if err := in.validate(op); err != nil {
		return BookingResult{}, err
	}
	return c.bookingCall(ctx, request{op: op, method: http.MethodPost, path: "/v2/bookings/" + url.PathEscape(uid) + "/cancel",
		body: in, version: BookingsAPIVersion, mutating: true})
}

// RescheduleBooking sends POST /v2/bookings/{uid}/reschedule and returns the NEW booking (new
// uid; the old one becomes cancelled).
func (c *Client) RescheduleBooking(ctx context.Context, uid string, in RescheduleInput) (BookingResult, error) {
	const op = "reschedule booking"
	if err := checkUID(op, uid); err != nil {
		return BookingResult{}, err
	}
	if in.Start.IsZero() {
		return BookingResult{}, &InputError{Op: op, Field: "start", Problem: "is zero"}
	}
	body := rescheduleBody{Start: formatTime(in.Start), RescheduledBy: in.RescheduledBy, ReschedulingReason: in.Reason}
	return c.bookingCall(ctx, request{op: op, method: http.MethodPost, path: "/v2/bookings/" + url.PathEscape(uid) + "/reschedule",
		body: body, version: BookingsAPIVersion, mutating: true})
}

func (c *Client) bookingCall(ctx context.Context, r request) (BookingResult, error) {
	resp, err := c.do(ctx, r)
	if err != nil {
		return BookingResult{}, err
	}
	b, err := DecodeBookingEnvelope(resp.body)
	if err != nil {
		return BookingResult{}, decodeFailure(r, resp, err)
	}
	return BookingResult{Booking: b, Meta: resp.meta}, nil
}

func checkUID(op, uid string) error {
	if strings.TrimSpace(uid) == "" {
		return &InputError{Op: op, Field: "uid", Problem: "is empty"}
	}
	if strings.ContainsAny(uid, "/?#") {
		return &InputError{Op: op, Field: "uid", Problem: "contains a path character"}
	}
	return nil
}
