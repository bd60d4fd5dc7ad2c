package fakecalcom

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
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
// delay faults, Config.CheckInsertGap and Config.Latency move the clock forward instead of
// waiting in real time, so a 12 s delay on a virtual clock costs nothing.
type Advancer interface {
	Advance(d time.Duration)
}

// Forwarder is an optional capability of a Clock, preferred over Advancer: every wait of a
// request moves the clock to that request's own time (when it began plus what it waited),
// never back. A clock that a harness holds still while several requests run at once (sim's
// virtual clock during a concurrent step) remembers the furthest instant and moves there
// when released, so no request's wait moves another request's time.
type Forwarder interface {
	AdvanceTo(t time.Time)
}

// realClock is the default Clock: wall time.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// Kind says how an event type answers a duplicate create; the kinds follow the regimes
// described in docs/calcom.md §3.
type Kind string

// The event-type kinds the fake models.
const (
	// Standard is an individual event confirmed by default: a sequential duplicate gets 400
	// "User either already has booking at this time or is not available".
	Standard Kind = "standard"
	// RoundRobin is a round-robin team event with one or more hosts: the same attendee
	// booking the same start gets the original booking back with 201 (stale idempotent
	// replay); another attendee gets another free host.
	RoundRobin Kind = "round_robin"
	// RequiresConfirmation creates bookings with status "pending" and no idempotency key; the
	// same attendee booking the same start gets the original pending booking back with 201.
	RequiresConfirmation Kind = "requires_confirmation"
	// Seated lets several attendees share one booking (one uid) up to EventType.Seats, each
	// with their own seatUid.
	Seated Kind = "seated"
)

// Kinds lists the kinds the fake implements, in the order error messages name them.
func Kinds() []Kind { return []Kind{Standard, RoundRobin, RequiresConfirmation, Seated} }

// Valid reports whether k is one of the kinds the fake implements.
func (k Kind) Valid() bool { return slices.Contains(Kinds(), k) }

// EventType is a bookable Cal.com event type. Its JSON and YAML keys are those of an incident
// file's calcom.event_types entries, with two differences: an incident file gives a
// round-robin host's weight and priority inside its hosts entry ({id, weight, priority}),
// EventType as the parallel lists host_weights and host_priorities; and required_fields,
// minimum_notice and booking_window_days exist here only (Go and the admin API).
type EventType struct {
	ID            int  `json:"id" yaml:"id"`
	Kind          Kind `json:"kind" yaml:"kind"`
	LengthMinutes int  `json:"length" yaml:"length"`
	// HostID is the host of a single-host event type. With Hosts set it may be left out;
	// the fake then reports the first of Hosts here.
	HostID int `json:"host" yaml:"host"`
	// Hosts are the round-robin hosts (several hosts are modelled for round_robin only),
	// among which a new booking's host is chosen as getLuckyUser chooses (roundrobin.go);
	// ties keep this order.
	Hosts []int `json:"hosts,omitempty" yaml:"hosts"`
	// Seats is the number of seats per time slot of a seated event type.
	Seats int `json:"seats,omitempty" yaml:"seats"`
	// BlockSlot is Cal.com's requiresConfirmationWillBlockSlot: pending bookings of this
	// requires_confirmation event type make the host busy for everyone else.
	BlockSlot bool `json:"block_slot,omitempty" yaml:"block_slot"`
	// SeatsShowAttendees is Cal.com's seatsShowAttendees (seated only): without it a seated
	// booking shows its attendees only to the event type's hosts (docs/calcom.md, item 4).
	SeatsShowAttendees bool `json:"seats_show_attendees,omitempty" yaml:"seats_show_attendees"`
	// HostWeights and HostPriorities (round robin only, one per host in Hosts' order) steer
	// getLuckyUser's choice of host: weights as Cal.com's (default 100 each), priorities 0
	// (lowest) to 4 (highest), default 2 each.
	HostWeights    []int `json:"host_weights,omitempty" yaml:"host_weights"`
	HostPriorities []int `json:"host_priorities,omitempty" yaml:"host_priorities"`
	// WeightsEnabled is Cal.com's isRRWeightsEnabled: the host furthest below its weighted
	// share of this month's bookings is chosen first.
	WeightsEnabled bool `json:"weights_enabled,omitempty" yaml:"weights_enabled"`
	// RescheduleWithSameHost is Cal.com's rescheduleWithSameRoundRobinHost: a reschedule keeps
	// the booking's host instead of choosing again.
	RescheduleWithSameHost bool `json:"reschedule_with_same_host,omitempty" yaml:"reschedule_with_same_host"`
	// RequiredFields are custom booking fields a create must answer in bookingFieldsResponses.
	RequiredFields []string `json:"required_fields,omitempty" yaml:"required_fields"`
	// MinimumNoticeMinutes and BookingWindowDays bound how soon and how far ahead a slot can
	// be booked (Cal.com's minimumBookingNotice and periodDays); 0 means no bound.
	MinimumNoticeMinutes int `json:"minimum_notice,omitempty" yaml:"minimum_notice"`
	BookingWindowDays    int `json:"booking_window_days,omitempty" yaml:"booking_window_days"`
}

// HostIDs returns the event type's hosts in the order the fake tries them.
func (e EventType) HostIDs() []int {
	if len(e.Hosts) > 0 {
		return e.Hosts
	}
	return []int{e.HostID}
}

// normalized returns e with HostID set to the first host and Hosts copied, so the fake never
// shares a slice with its caller.
func (e EventType) normalized() EventType {
	if len(e.Hosts) > 0 {
		e.Hosts = slices.Clone(e.Hosts)
		e.HostID = e.Hosts[0]
	}
	e.HostWeights, e.HostPriorities = slices.Clone(e.HostWeights), slices.Clone(e.HostPriorities)
	e.RequiredFields = slices.Clone(e.RequiredFields)
	return e
}

// Validate says what is wrong with an event type, so bad configuration fails loudly.
func (e EventType) Validate() error {
	switch {
	case e.ID <= 0:
		return fmt.Errorf("event type id must be a positive integer, got %d", e.ID)
	case !e.Kind.Valid():
		return fmt.Errorf("event type %d: kind %q is not one of %s", e.ID, e.Kind, kindNames())
	case e.LengthMinutes <= 0 || e.LengthMinutes > 24*60:
		return fmt.Errorf("event type %d: length must be 1..1440 minutes, got %d", e.ID, e.LengthMinutes)
	case len(e.Hosts) == 0 && e.HostID <= 0:
		return fmt.Errorf("event type %d: host must be a positive user id, got %d", e.ID, e.HostID)
	case len(e.Hosts) > 0 && e.HostID != 0 && e.HostID != e.Hosts[0]:
		return fmt.Errorf("event type %d: host %d disagrees with hosts %v (leave host out, or make it the first of hosts)", e.ID, e.HostID, e.Hosts)
	case len(e.Hosts) > 1 && e.Kind != RoundRobin:
		return fmt.Errorf("event type %d: several hosts are modelled for round_robin only, not %s", e.ID, e.Kind)
	case e.Kind == Seated && (e.Seats < 1 || e.Seats > 1000):
		return fmt.Errorf("event type %d: a seated event type needs seats between 1 and 1000, got %d", e.ID, e.Seats)
	case e.Kind != Seated && e.Seats != 0:
		return fmt.Errorf("event type %d: seats is for kind seated only, not %s", e.ID, e.Kind)
	case e.BlockSlot && e.Kind != RequiresConfirmation:
		return fmt.Errorf("event type %d: block_slot is for kind requires_confirmation only, not %s", e.ID, e.Kind)
	case e.SeatsShowAttendees && e.Kind != Seated:
		return fmt.Errorf("event type %d: seats_show_attendees is for kind seated only, not %s", e.ID, e.Kind)
	case e.Kind != RoundRobin && (len(e.HostWeights) > 0 || len(e.HostPriorities) > 0 || e.WeightsEnabled || e.RescheduleWithSameHost):
		return fmt.Errorf("event type %d: host_weights, host_priorities, weights_enabled and reschedule_with_same_host are for kind round_robin only, not %s", e.ID, e.Kind)
	case len(e.HostWeights) > 0 && len(e.HostWeights) != len(e.HostIDs()):
		return fmt.Errorf("event type %d: host_weights has %d entries for %d hosts", e.ID, len(e.HostWeights), len(e.HostIDs()))
	case len(e.HostPriorities) > 0 && len(e.HostPriorities) != len(e.HostIDs()):
		return fmt.Errorf("event type %d: host_priorities has %d entries for %d hosts", e.ID, len(e.HostPriorities), len(e.HostIDs()))
	case e.MinimumNoticeMinutes < 0 || e.BookingWindowDays < 0:
		return fmt.Errorf("event type %d: minimum_notice and booking_window_days must not be negative", e.ID)
	}
	for _, w := range e.HostWeights {
		if w < 0 {
			return fmt.Errorf("event type %d: host_weights must not be negative, got %v", e.ID, e.HostWeights)
		}
	}
	for _, p := range e.HostPriorities {
		if p < 0 || p > 4 {
			return fmt.Errorf("event type %d: host_priorities are 0 (lowest) to 4 (highest), got %v", e.ID, e.HostPriorities)
		}
	}
	for _, f := range e.RequiredFields {
		if strings.TrimSpace(f) == "" {
			return fmt.Errorf("event type %d: required_fields must be non-empty names, got %q", e.ID, e.RequiredFields)
		}
	}
	seen := map[int]bool{}
	for _, h := range e.Hosts {
		if h <= 0 || seen[h] {
			return fmt.Errorf("event type %d: hosts must be distinct positive user ids, got %v", e.ID, e.Hosts)
		}
		seen[h] = true
	}
	return nil
}

func kindNames() string {
	names := make([]string, 0, 4)
	for _, k := range Kinds() {
		names = append(names, string(k))
	}
	return strings.Join(names, ", ")
}

// ParseEventType parses the CLI form "id:kind:length:hosts[:option]": hosts is one user id
// or a comma-separated list (round robin), option is "seats=N" (seated) or "block_slot"
// (requires_confirmation). Examples: "2563193:round_robin:45:1", "7:round_robin:30:1,2,3",
// "8:seated:60:4:seats=3", "9:requires_confirmation:30:5:block_slot".
func ParseEventType(s string) (EventType, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 4 && len(parts) != 5 {
		return EventType{}, fmt.Errorf("event type %q: want id:kind:length:hosts[:seats=N|block_slot] (e.g. 1:standard:30:1)", s)
	}
	atoi := func(name, v string) (int, error) {
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, fmt.Errorf("event type %q: %s %q is not an integer", s, name, v)
		}
		return n, nil
	}
	id, err := atoi("id", parts[0])
	if err != nil {
		return EventType{}, err
	}
	length, err := atoi("length", parts[2])
	if err != nil {
		return EventType{}, err
	}
	et := EventType{ID: id, Kind: Kind(parts[1]), LengthMinutes: length}
	for h := range strings.SplitSeq(parts[3], ",") {
		n, err := atoi("host", h)
		if err != nil {
			return EventType{}, err
		}
		et.Hosts = append(et.Hosts, n)
	}
	if len(et.Hosts) == 1 {
		et.HostID, et.Hosts = et.Hosts[0], nil
	}
	if len(parts) == 5 {
		switch opt := parts[4]; {
		case opt == "block_slot":
			et.BlockSlot = true
		case strings.HasPrefix(opt, "seats="):
			if et.Seats, err = atoi("seats", opt[len("seats="):]); err != nil {
				return EventType{}, err
			}
		default:
			return EventType{}, fmt.Errorf("event type %q: option %q is not seats=N or block_slot", s, opt)
		}
	}
	if err := et.Validate(); err != nil {
		return EventType{}, fmt.Errorf("event type %q: %w", s, err)
	}
	return et.normalized(), nil
}

// DefaultEventTypes is the catalogue used when Config.EventTypes is empty: one event type of
// each original kind on host 1, including the round-robin event type of the Call 687/688
// incident.
func DefaultEventTypes() []EventType {
	return []EventType{
		{ID: 1, Kind: Standard, LengthMinutes: 30, HostID: 1},
		{ID: 2, Kind: RequiresConfirmation, LengthMinutes: 30, HostID: 1},
		{ID: 2563193, Kind: RoundRobin, LengthMinutes: 45, HostID: 1},
	}
}

// Config configures a Fake. The zero value is usable: real clock, default event types, any
// API key accepted, the loser of a concurrent create answered as production does (prod_400),
// no latency, no webhooks, no rate limit.
//
// The fields with a yaml key are exactly the `calcom:` block of an incident file (and of
// `bookingharness fake-calcom --config`), one to one: event_types, force_replay,
// conflict_answer, check_insert_gap, latency, webhooks {delivery, secret, url}. The others
// are for programs.
type Config struct {
	// Clock is the fake's time source (default: wall time). If it also implements Advancer,
	// delays advance it instead of waiting.
	Clock Clock `yaml:"-"`
	// EventTypes is the bookable catalogue; empty means DefaultEventTypes().
	EventTypes []EventType `yaml:"event_types"`
	// APIKey, when set, is the only Bearer key accepted; empty accepts any key. Requests
	// without credentials are always accepted on optional-auth routes, like Cal.com.
	APIKey string `yaml:"-"`
	// ForceReplay returns the existing booking of the same host and slot for any duplicate
	// create, whatever the kind or attendee (the worst case the Call 687/688 incident showed).
	ForceReplay bool `yaml:"force_replay"`
	// ConflictAnswer is what the loser of a concurrent create on one host+start+end gets
	// (default ConflictProd400, what production answers; docs/calcom.md §3).
	ConflictAnswer ConflictAnswer `yaml:"conflict_answer"`
	// CheckInsertGap passes between a create's availability check and its insert (advancing
	// an Advancer clock, real time otherwise), so check-then-insert races happen without a
	// test hook, as they do in Cal.com (docs/calcom.md §3). Reschedules go through it too.
	CheckInsertGap time.Duration `yaml:"check_insert_gap"`
	// RealCheckInsertGap is real time that also passes in that gap, even on a virtual clock:
	// a load run's creates race in real time this way while its clock stays virtual.
	RealCheckInsertGap time.Duration `yaml:"-"`
	// Latency passes after every /v2 request has been processed and before its response is
	// written (advancing the clock if it can): the webhooks, emails and calendar writes
	// Cal.com awaits after the insert, so a fresh booking is already Latency old when the
	// client sees it.
	Latency time.Duration `yaml:"latency"`
	// Webhooks configures delivery and the first subscriber (see Fake.AddSubscriber).
	Webhooks Webhooks `yaml:"webhooks"`
	// Seed makes probabilistic fault rules and booking uids deterministic.
	Seed int64 `yaml:"-"`
	// RateLimit turns on Cal.com's default limit: 120 requests per 60 s window per API key
	// (or per client address when anonymous), then 60 s blocked, measured on the fake's
	// clock (see ratelimit.go).
	RateLimit bool `yaml:"-"`
	// KeyRateLimits gives API keys a steady limit of their own (requests per 60 s window),
	// as Cal.com's RateLimit table does per key; a key listed here is limited even when
	// RateLimit is off.
	KeyRateLimits map[string]int `yaml:"-"`
	// KeyOwners names the user (host id) each API key belongs to. A request with a listed
	// key acts as that user: it is the host only of that user's bookings (the cancel reason,
	// seated cancels, confirm and decline, seated attendees and the list depend on it). With
	// KeyOwners set, keys neither listed nor equal to APIKey are refused. Without it, every
	// accepted key acts as the host of every booking.
	KeyOwners map[string]int `yaml:"-"`
	// Logger, when set, receives one line per /v2 request and per webhook delivery. API keys
	// and webhook secrets are never logged.
	Logger *slog.Logger `yaml:"-"`
	// AdminToken, when set, is the Bearer token the admin API (/__admin/) requires. Leave it
	// empty only on loopback: the admin API can rewrite the ledger and the clock.
	AdminToken string `yaml:"-"`
	// WebhookClient sends webhook deliveries (default: a client of its own with a 10 s
	// timeout, no proxy). Subscriber URLs must be loopback whatever the client.
	WebhookClient *http.Client `yaml:"-"`
	// BetweenCheckAndInsert, when set, runs in every create after the availability check has
	// passed and before the insert (before CheckInsertGap). Tests use it to force the
	// interleaving of two "truly concurrent" creates deterministically.
	BetweenCheckAndInsert func(a CreateAttempt)
	// RealLatency, when set, adds a wait in real time — even on a virtual clock — to every
	// /v2 answer, after the insert and after Latency: load runs give Cal.com real response
	// times this way while replays keep theirs virtual. It is asked per request (see
	// LatencyRequest), so a seeded distribution can be reproduced per call.
	RealLatency func(LatencyRequest) time.Duration
	// OnHold, when set, is called when a timeout_after_commit fault starts holding a
	// response, with the held request. A harness that controls its client's deadline ends the
	// client's wait from here (sim's worlds do), so no real-time timeout decides an outcome.
	OnHold func(r *http.Request) `yaml:"-"`
	// OnCreate, when set, is told of every create (POST /v2/bookings) that reaches the
	// availability check, three times: when it arrives, when the fake has decided it (it may
	// block there, holding the answer: how a harness keeps creates for one slot in flight
	// together, or kills a service the moment Cal.com has booked), and when the answer is out.
	// ctx is the request's. Creates a fault ends before processing are not told.
	OnCreate func(ctx context.Context, e CreateEvent) `yaml:"-"`
}

// CreateAttempt describes a create that passed the availability check and is about to
// insert; it is what Config.BetweenCheckAndInsert sees.
type CreateAttempt struct {
	CallID        string
	EventTypeID   int
	HostID        int // the host the create chose (round robin: the first free one)
	Start, End    time.Time
	AttendeeEmail string
	// SeatOf is the uid of the seated booking the attempt joins ("" for a new booking).
	SeatOf string
}
