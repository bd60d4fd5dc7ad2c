package fakecalcom

import (
	"fmt"
	"net/http"
)

// ConflictAnswer names what the loser of a concurrent create gets: the insert violated the
// unique idempotency key (Prisma P2002) after both creates passed the availability check.
type ConflictAnswer string

// The conflict answers (docs/calcom.md §3).
const (
	// ConflictProd400 is what production answers: Cal.com's error redaction turns the P2002
	// into a plain Error, which becomes HttpError(400) and reaches the client as Nest's raw
	// body {"statusCode":400,"message":"An error occured while querying the database."},
	// without the Cal.com envelope. The client cannot tell it from a database failure.
	ConflictProd400 ConflictAnswer = "prod_400"
	// Conflict409 is what the code intends (and 2024-04-15 maps): 409 booking_conflict_error
	// in the envelope.
	Conflict409 ConflictAnswer = "conflict_409"
	// ConflictError500 is the catch-all 500 INTERNAL_SERVER_ERROR envelope.
	ConflictError500 ConflictAnswer = "error_500"
)

// DefaultConflictAnswer is the answer of a Config that names none.
const DefaultConflictAnswer = ConflictProd400

// Validate names the problem with an unknown answer.
func (c ConflictAnswer) Validate() error {
	switch c {
	case "", ConflictProd400, Conflict409, ConflictError500:
		return nil
	}
	return fmt.Errorf("conflict answer %q is not one of %s, %s, %s", c, ConflictProd400, Conflict409, ConflictError500)
}

// conflict is the error response for the loser of a concurrent create.
func conflict(c ConflictAnswer) *apiError {
	switch c {
	case Conflict409:
		return &apiError{status: http.StatusConflict, info: errorInfo{Code: "HttpException", Message: MsgBookingConflict, Details: MsgBookingConflict}}
	case ConflictError500:
		return httpErr(http.StatusInternalServerError, MsgInternal)
	}
	return nestRaw(http.StatusBadRequest, MsgDatabaseError)
}
