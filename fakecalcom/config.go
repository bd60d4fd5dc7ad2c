package fakecalcom

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// Clock is where the fake's "now" comes from. Sharing one virtual clock between the fake and
// the code under test makes 35-minute gaps and clock skew free and deterministic.
type Clock interface {
	Now() time.Time
}

// Advancer is an optional capability of a Clock. When the configured clock implements it,
// delay faults and Config.Latency move the clock forward instead of waiting in real time, so a
// 12 s delay on a virtual clock costs nothing.
type Advancer interface {
	Advance(d time.Duration)
}

// realClock is the default Clock: wall time.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// Kind says how an event type answers a duplicate create; the three kinds follow the three
// regimes researched in the Cal.com reference (§2.2).
type Kind string

// The event-type kinds the fake models.
const (
	// Standard is an individual event confirmed by default: a sequential duplicate gets 400
	// "User either already has booking at this time or is not available".
	Standard Kind = "standard"
	// RoundRobin is a round-robin team event: the same attendee booking the same start gets the
	// original booking back with 201 (stale idempotent replay).
	RoundRobin Kind = "round_robin"
	// RequiresConfirmation creates bookings with status "pending" and no idempotency key; the
	// same attendee booking the same start gets the original pending booking back with 201.
	RequiresConfirmation Kind = "requires_confirmation"
)

// Valid reports whether k is one of the kinds the fake implements.
func (k Kind) Valid() bool {
	return k == Standard || k == RoundRobin || k == RequiresConfirmation
}

// EventType is a bookable Cal.com event type: one host, one length, one duplicate regime.
type EventType struct {
	ID            int  `json:"id"`
	Kind          Kind `json:"kind"`
	LengthMinutes int  `json:"length"`
	HostID        int  `json:"host"`
}

// Validate says what is wrong with an event type, so bad configuration fails loudly.
func (e EventType) Validate() error {
	switch {
	case e.ID <= 0:
		return fmt.Errorf("event type id must be a positive integer, got %d", e.ID)
	case !e.Kind.Valid():
		return fmt.Errorf("event type %d: kind %q is not one of standard, round_robin, requires_confirmation", e.ID, e.Kind)
	case e.LengthMinutes <= 0 || e.LengthMinutes > 24*60:
		return fmt.Errorf("event type %d: length must be 1..1440 minutes, got %d", e.ID, e.LengthMinutes)
	case e.HostID <= 0:
		return fmt.Errorf("event type %d: host must be a positive user id, got %d", e.ID, e.HostID)
	}
	return nil
}

// ParseEventType parses the CLI form "id:kind:length:host", e.g. "2563193:round_robin:45:1".
func ParseEventType(s string) (EventType, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 4 {
		return EventType{}, fmt.Errorf("event type %q: want id:kind:length:host (e.g. 1:standard:30:1)", s)
	}
	nums := make([]int, 0, 3)
	for _, p := range []struct{ name, v string }{{"id", parts[0]}, {"length", parts[2]}, {"host", parts[3]}} {
		n, err := strconv.Atoi(p.v)
		if err != nil {
			return EventType{}, fmt.Errorf("event type %q: %s %q is not an integer", s, p.name, p.v)
		}
		nums = append(nums, n)
	}
	et := EventType{ID: nums[0], Kind: Kind(parts[1]), LengthMinutes: nums[1], HostID: nums[2]}
	if err := et.Validate(); err != nil {
		return EventType{}, fmt.Errorf("event type %q: %w", s, err)
	}
	return et, nil
}

// DefaultEventTypes is the catalogue used when Config.EventTypes is empty: one event type of
// each kind on host 1, including the round-robin event type of the Call 687/688 incident.
func DefaultEventTypes() []EventType {
	return []EventType{
		{ID: 1, Kind: Standard, LengthMinutes: 30, HostID: 1},
		{ID: 2, Kind: RequiresConfirmation, LengthMinutes: 30, HostID: 1},
		{ID: 2563193, Kind: RoundRobin, LengthMinutes: 45, HostID: 1},
	}
}

// Config configures a Fake. The zero value is usable: real clock, default event types, any
// API key accepted, concurrent-conflict answered with 409, no latency, no rate limit.
type Config struct {
	// Clock is the fake's time source (default: wall time). If it also implements Advancer,
	// delays advance it instead of waiting.
	Clock Clock
	// EventTypes is the bookable catalogue; empty means DefaultEventTypes().
	EventTypes []EventType
	// APIKey, when set, is the only Bearer key accepted; empty accepts any key. Requests
	// without credentials are always accepted on optional-auth routes, like Cal.com.
	APIKey string
	// ForceReplay returns the existing booking of the same host and slot for any duplicate
	// create, whatever the kind or attendee (the worst case the Call 687/688 incident showed).
	ForceReplay bool
	// ConflictStatus is the status for the loser of a concurrent create race on one
	// host+start+end: 409 (default, booking_conflict_error) or 500 (what 2024-08-13 most
	// likely answers, per the reference §2.2 C).
	ConflictStatus int
	// Latency is added to every /v2 response (advancing the clock if it can).
	Latency time.Duration
	// Seed makes probabilistic fault rules and booking uids deterministic.
	Seed int64
	// RateLimit turns on Cal.com's default limit: 120 requests per 60 s window per API key
	// (or per client address when anonymous), measured on the fake's clock.
	RateLimit bool
	// Logger, when set, receives one line per /v2 request. The API key is never logged.
	Logger *slog.Logger
	// BetweenCheckAndInsert, when set, runs in every create after the availability check has
	// passed and before the insert. Tests use it to force the interleaving of two "truly
	// concurrent" creates deterministically (block one attempt until the other has finished).
	BetweenCheckAndInsert func(a CreateAttempt)
}

// CreateAttempt describes a create that passed the availability check and is about to
// insert; it is what Config.BetweenCheckAndInsert sees.
type CreateAttempt struct {
	CallID        string
	EventTypeID   int
	HostID        int
	Start, End    time.Time
	AttendeeEmail string
}
