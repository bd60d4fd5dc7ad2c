package fakecalcom

import (
	"maps"
	"time"
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
	Reason string    `json:"reason"` // created, cancelled, rescheduled
}

// Booking is one booking in the fake's ledger: the ground truth of what Cal.com holds.
// Values returned by accessors are copies; changing them changes nothing in the fake.
type Booking struct {
	ID                 int            `json:"id"`
	UID                string         `json:"uid"`
	EventTypeID        int            `json:"eventTypeId"`
	HostID             int            `json:"hostId"`
	Start              time.Time      `json:"start"`
	End                time.Time      `json:"end"`
	Status             Status         `json:"status"`
	CreatedAt          time.Time      `json:"createdAt"`
	UpdatedAt          *time.Time     `json:"updatedAt"`
	Metadata           map[string]any `json:"metadata"`
	AttendeeName       string         `json:"attendeeName"`
	AttendeeEmail      string         `json:"attendeeEmail"`
	AttendeePhone      string         `json:"attendeePhone,omitempty"`
	AttendeeTimeZone   string         `json:"attendeeTimeZone"`
	AttendeeLanguage   string         `json:"attendeeLanguage"`
	Guests             []string       `json:"guests,omitempty"`
	IdempotencyKey     string         `json:"idempotencyKey,omitempty"` // empty = null
	CancellationReason string         `json:"cancellationReason,omitempty"`
	CancelledByEmail   string         `json:"cancelledByEmail,omitempty"`
	ReschedulingReason string         `json:"reschedulingReason,omitempty"`
	RescheduledByEmail string         `json:"rescheduledByEmail,omitempty"`
	RescheduledToUID   string         `json:"rescheduledToUid,omitempty"`
	RescheduledFromUID string         `json:"rescheduledFromUid,omitempty"`
	History            []Transition   `json:"history"`
}

// clone returns a deep copy, so callers never share maps or slices with the ledger.
func (b *Booking) clone() Booking {
	c := *b
	c.Metadata = maps.Clone(b.Metadata)
	if c.Metadata == nil {
		c.Metadata = map[string]any{}
	}
	c.Guests = append([]string(nil), b.Guests...)
	c.History = append([]Transition(nil), b.History...)
	if b.UpdatedAt != nil {
		u := *b.UpdatedAt
		c.UpdatedAt = &u
	}
	return c
}

// transition changes the status and records it; the caller holds the ledger lock.
func (b *Booking) transition(at time.Time, to Status, reason string) {
	b.History = append(b.History, Transition{At: at, From: b.Status, To: to, Reason: reason})
	b.Status = to
	u := at
	b.UpdatedAt = &u
	if to == StatusCancelled || to == StatusRejected {
		b.IdempotencyKey = "" // Cal.com's Prisma extension nulls the key on cancel/reject.
	}
}
