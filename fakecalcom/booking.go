package fakecalcom

import (
	"maps"
	"slices"
	"time"

	"github.com/bookingharness/bookingharness/internal/sabotage"
)

// Status is a booking's status, lower-case as the 2024-08-13 API renders it.
type Status string

// Booking statuses.
const (
	StatusAccepted  Status = "accepted"
	StatusPending   Status = "pending"
	StatusCancelled Status = "cancelled"
	StatusRejected  Status = "rejected"
)

// Live reports whether the booking still holds its slot (accepted or pending).
func (s Status) Live() bool { return s == StatusAccepted || s == StatusPending }

// Transition is one change of a booking's status, kept so the checker can see the whole life
// of a booking, not only its final state.
type Transition struct {
	At     time.Time `json:"at"`
	From   Status    `json:"from,omitempty"` // empty for the creation
	To     Status    `json:"to"`
	Reason string    `json:"reason"` // created, cancelled, rescheduled, confirmed, rejected, seat_added, seat_cancelled
	// SeatUID names the seat a seat_added or seat_cancelled transition is about.
	SeatUID string `json:"seatUid,omitempty"`
}

// Seat is one attendee's seat in a seated booking: Cal.com's BookingSeat. Each seat carries
// the metadata its own booker sent, so a checker can judge every seat by its call.
type Seat struct {
	UID              string         `json:"seatUid"`
	AttendeeName     string         `json:"attendeeName"`
	AttendeeEmail    string         `json:"attendeeEmail"`
	AttendeePhone    string         `json:"attendeePhone,omitempty"`
	AttendeeTimeZone string         `json:"attendeeTimeZone"`
	AttendeeLanguage string         `json:"attendeeLanguage"`
	Metadata         map[string]any `json:"metadata"`
	// Responses are the seat booker's custom booking-field answers (bookingFieldsResponses).
	Responses map[string]any `json:"responses,omitempty"`
	// Status is accepted while the seat is held, cancelled once its attendee left.
	Status    Status    `json:"status"`
	CreatedAt time.Time `json:"createdAt"`
}

// CallID is the seat booker's metadata.call_id when it is a string.
func (s Seat) CallID() string {
	c, _ := s.Metadata["call_id"].(string)
	return c
}

// Booking is one booking in the fake's ledger: the ground truth of what Cal.com holds.
// Values returned by accessors are copies; changing them changes nothing in the fake.
type Booking struct {
	ID          int       `json:"id"`
	UID         string    `json:"uid"`
	EventTypeID int       `json:"eventTypeId"`
	HostID      int       `json:"hostId"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	Status      Status    `json:"status"`
	CreatedAt   time.Time `json:"createdAt"`
	// UpdatedAt is set at creation and bumped on every change (docs/calcom.md §1).
	UpdatedAt        time.Time      `json:"updatedAt"`
	Metadata         map[string]any `json:"metadata"`
	AttendeeName     string         `json:"attendeeName"`
	AttendeeEmail    string         `json:"attendeeEmail"`
	AttendeePhone    string         `json:"attendeePhone,omitempty"`
	AttendeeTimeZone string         `json:"attendeeTimeZone"`
	AttendeeLanguage string         `json:"attendeeLanguage"`
	Guests           []string       `json:"guests,omitempty"`
	// Location is the location the booker gave (resolved to its text); empty means the
	// default, the booking's video link.
	Location string `json:"location,omitempty"`
	// Responses are the booker's custom booking-field answers (bookingFieldsResponses).
	Responses          map[string]any `json:"responses,omitempty"`
	IdempotencyKey     string         `json:"idempotencyKey,omitempty"` // empty = null
	CancellationReason string         `json:"cancellationReason,omitempty"`
	CancelledByEmail   string         `json:"cancelledByEmail,omitempty"`
	ReschedulingReason string         `json:"reschedulingReason,omitempty"`
	RescheduledByEmail string         `json:"rescheduledByEmail,omitempty"`
	RescheduledToUID   string         `json:"rescheduledToUid,omitempty"`
	RescheduledFromUID string         `json:"rescheduledFromUid,omitempty"`
	RejectionReason    string         `json:"rejectionReason,omitempty"`
	// Seats are the seats of a seated booking in the order they were taken (the first is
	// the booker whose attendee fields and metadata the booking carries); nil otherwise.
	Seats []Seat `json:"seats,omitempty"`
	// BlocksSlot is true for a pending booking of an event type with block_slot: it makes
	// the host busy although it is not accepted.
	BlocksSlot bool         `json:"blocksSlot,omitempty"`
	History    []Transition `json:"history"`
	// roundRobin marks a booking of a round-robin event type, indexed for the choice of host.
	roundRobin bool
}

// clone returns a deep copy, so callers never share maps or slices with the ledger.
func (b *Booking) clone() Booking {
	c := *b
	c.Metadata = maps.Clone(b.Metadata)
	if c.Metadata == nil {
		c.Metadata = map[string]any{}
	}
	c.Guests = append([]string(nil), b.Guests...)
	c.Responses = maps.Clone(b.Responses)
	c.History = append([]Transition(nil), b.History...)
	if b.Seats != nil {
		c.Seats = slices.Clone(b.Seats)
		for i := range c.Seats {
			c.Seats[i].Metadata = maps.Clone(c.Seats[i].Metadata)
			c.Seats[i].Responses = maps.Clone(c.Seats[i].Responses)
		}
	}
	return c
}

// busyFor reports whether the booking makes its host busy for others: accepted, or pending
// on an event type whose pending bookings block the slot.
func (b *Booking) busyFor() bool {
	return b.Status == StatusAccepted || (b.Status == StatusPending && b.BlocksSlot && !sabotage.On(sabotage.FakeBlockSlotIgnored))
}

// liveSeats counts the seats still held.
func (b *Booking) liveSeats() int {
	n := 0
	for _, s := range b.Seats {
		if s.Status == StatusAccepted {
			n++
		}
	}
	return n
}

// seat returns the seat with this uid, or nil.
func (b *Booking) seat(uid string) *Seat {
	for i := range b.Seats {
		if b.Seats[i].UID == uid {
			return &b.Seats[i]
		}
	}
	return nil
}

// transition changes the status and records it; the caller holds the ledger lock.
func (b *Booking) transition(at time.Time, to Status, reason string) {
	b.History = append(b.History, Transition{At: at, From: b.Status, To: to, Reason: reason})
	b.Status = to
	b.touch(at)
	if to == StatusCancelled || to == StatusRejected {
		b.IdempotencyKey = "" // Cal.com's Prisma extension nulls the key on cancel/reject.
	}
}

// touch bumps updatedAt, to the millisecond like a JavaScript Date.
func (b *Booking) touch(at time.Time) { b.UpdatedAt = at.Truncate(time.Millisecond) }
