package fakecalcom

import (
	"slices"
	"sync"
	"time"
)

// ledger is the fake's booking table. One mutex guards it; every transition (insert, cancel,
// reschedule) happens entirely under that mutex, so each is atomic. The availability check
// of a create is deliberately a separate critical section from its insert (see create.go).
type ledger struct {
	mu     sync.Mutex
	seed   int64
	nextID int
	all    []*Booking
	byUID  map[string]*Booking
	keys   map[string]*Booking // idempotencyKey → booking (the UNIQUE column)
	hosts  map[int]*hostIndex
	// strs interns the attendee strings that repeat across bookings (email, time zone,
	// language), so a load run's 100 000 bookings share one copy of each (see intern).
	strs map[string]string
	// vals interns metadata values the same way (the core's source, customer and service
	// ids repeat in every booking's metadata).
	vals map[any]any
	// reservations are the slot reservations (POST /v2/slots/reservations) by uid.
	reservations map[string]*Reservation
	// nextReservation numbers reservations, for their uids and their order.
	nextReservation int
	// seatOf finds the booking of a seat uid; nextSeat numbers seats for their uids.
	seatOf   map[string]*Booking
	nextSeat int
	// byHostType lists each host's bookings of each round-robin event type in creation
	// order, for the choice of host (roundrobin.go).
	byHostType map[rrKey][]*Booking
}

// maxInterned bounds the intern table: past it, new values are stored as they come, so a
// run with all-distinct attendees costs no more than it did without interning.
const maxInterned = 1024

// intern returns the ledger's copy of s, adding it while the table has room. The caller
// holds l.mu.
func (l *ledger) intern(s string) string {
	if c, ok := l.strs[s]; ok {
		return c
	}
	if len(l.strs) < maxInterned {
		l.strs[s] = s
	}
	return s
}

// internValue is intern for a metadata value: JSON strings, numbers and booleans are shared
// (boxing them costs an allocation each); anything else is returned as it is.
func (l *ledger) internValue(v any) any {
	switch x := v.(type) {
	case string, bool:
	case float64:
		if x == 0 {
			return v // 0 and -0 are equal keys but render differently
		}
	default:
		return v
	}
	if c, ok := l.vals[v]; ok {
		return c
	}
	if len(l.vals) < maxInterned {
		l.vals[v] = v
	}
	return v
}

// compactMetadata returns m with interned keys and values: an equal map that shares its
// strings and boxed numbers with earlier bookings. nil and empty maps are kept as they are.
// The caller holds l.mu.
func (l *ledger) compactMetadata(m map[string]any) map[string]any {
	if len(m) == 0 {
		return m
	}
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[l.intern(k)] = l.internValue(v)
	}
	return c
}

// hostIndex keeps a host's bookings in one bucket per UTC day of their start, each sorted by
// start, so availability and duplicate lookups and inserts cost O(log k) for the k bookings
// of a day, even after hundreds of thousands of bookings arriving in any order (one sorted
// slice made a load test that books two far-apart ranges quadratic). Bookings are at most a
// day long (EventType.Validate), so a lookup visits at most three buckets.
type hostIndex struct {
	days   map[int64][]*Booking // day number (floor of Unix seconds / 86400) → bookings
	maxLen time.Duration
}

const secondsPerDay = 24 * 60 * 60

// dayOf is the bucket of t: its UTC day number, rounded down for times before 1970.
func dayOf(t time.Time) int64 {
	s := t.Unix()
	d := s / secondsPerDay
	if s%secondsPerDay < 0 {
		d--
	}
	return d
}

func newLedger(seed int64) *ledger {
	l := &ledger{seed: seed}
	l.resetLocked()
	return l
}

func (l *ledger) resetLocked() {
	l.nextID = 1
	l.all = nil
	l.byUID = map[string]*Booking{}
	l.keys = map[string]*Booking{}
	l.hosts = map[int]*hostIndex{}
	l.strs = map[string]string{}
	l.vals = map[any]any{}
	l.reservations = map[string]*Reservation{}
	l.nextReservation = 0
	l.seatOf = map[string]*Booking{}
	l.nextSeat = 0
	l.byHostType = map[rrKey][]*Booking{}
}

func (l *ledger) reset() {
	l.mu.Lock()
	l.resetLocked()
	l.mu.Unlock()
}

// near calls fn for every booking of host whose interval may intersect [start, end), in
// start order, until fn returns false.
func (l *ledger) near(host int, start, end time.Time, fn func(*Booking) bool) {
	h := l.hosts[host]
	if h == nil {
		return
	}
	from := start.Add(-h.maxLen)
	for d, last := dayOf(from), dayOf(end); d <= last; d++ {
		day := h.days[d]
		i, _ := slices.BinarySearchFunc(day, from, func(b *Booking, t time.Time) int { return b.Start.Compare(t) })
		for ; i < len(day); i++ {
			if !day[i].Start.Before(end) {
				return
			}
			if !fn(day[i]) {
				return
			}
		}
	}
}

// busy reports whether host has a booking that makes it busy (accepted, or pending with
// block_slot) overlapping [start, end), ignoring except. Other pending bookings are
// invisible to Cal.com's availability check (#29958).
func (l *ledger) busy(host int, start, end time.Time, except *Booking) bool {
	found := false
	l.near(host, start, end, func(b *Booking) bool {
		if b != except && b.busyFor() && b.Start.Before(end) && b.End.After(start) {
			found = true
		}
		return !found
	})
	return found
}

// oldest returns the live booking with the lowest id among those of hosts starting exactly
// at start for which keep holds.
func (l *ledger) oldest(hosts []int, start, end time.Time, keep func(*Booking) bool) *Booking {
	var hit *Booking
	for _, h := range hosts {
		l.near(h, start, end, func(b *Booking) bool {
			if b.Status.Live() && b.Start.Equal(start) && keep(b) && (hit == nil || b.ID < hit.ID) {
				hit = b
			}
			return true
		})
	}
	return hit
}

// sameSlot returns the oldest live booking of the hosts with exactly [start, end): what a
// forced replay hands back.
func (l *ledger) sameSlot(hosts []int, start, end time.Time) *Booking {
	return l.oldest(hosts, start, end, func(b *Booking) bool { return b.End.Equal(end) })
}

// sameAttendee is BookingRepository.getValidBookingFromEventTypeForAttendee: same event type,
// same exact start, an attendee with exactly the same email (Prisma equality, docs/calcom.md §3) and the
// same phone if one is given, the given status; on any of the event type's hosts.
func (l *ledger) sameAttendee(et EventType, start time.Time, email, phone string, status Status) *Booking {
	return l.oldest(et.HostIDs(), start, start.Add(time.Nanosecond), func(b *Booking) bool {
		return b.EventTypeID == et.ID && b.Status == status && b.AttendeeEmail == email && (phone == "" || b.AttendeePhone == phone)
	})
}

// seatedAt returns the live booking of a seated event type starting at start, which a new
// booker joins instead of creating another booking.
func (l *ledger) seatedAt(et EventType, start time.Time) *Booking {
	return l.oldest(et.HostIDs(), start, start.Add(time.Nanosecond), func(b *Booking) bool { return b.EventTypeID == et.ID })
}

// insertLocked assigns id and uid and adds b to every index. The caller holds l.mu and has
// checked the idempotency key.
func (l *ledger) insertLocked(b *Booking, now time.Time) {
	b.ID = l.nextID
	l.nextID++
	b.UID = newUID(l.seed, b.ID, b.HostID, b.Start, now)
	for l.byUID[b.UID] != nil { // cannot happen with distinct ids; kept as a guard
		b.UID = newUID(l.seed+int64(b.ID), b.ID, b.HostID, b.Start, now.Add(time.Millisecond))
	}
	b.CreatedAt, b.UpdatedAt = now, now
	b.AttendeeEmail, b.AttendeeTimeZone = l.intern(b.AttendeeEmail), l.intern(b.AttendeeTimeZone)
	b.AttendeeLanguage = l.intern(b.AttendeeLanguage)
	b.Metadata = l.compactMetadata(b.Metadata)
	b.History = append(b.History, Transition{At: now, To: b.Status, Reason: "created"})
	l.all = append(l.all, b)
	l.byUID[b.UID] = b
	if b.IdempotencyKey != "" {
		l.keys[b.IdempotencyKey] = b
	}
	for _, s := range b.Seats {
		l.seatOf[s.UID] = b
	}
	if b.roundRobin {
		k := rrKey{b.EventTypeID, b.HostID}
		l.byHostType[k] = append(l.byHostType[k], b)
	}
	h := l.hosts[b.HostID]
	if h == nil {
		h = &hostIndex{days: map[int64][]*Booking{}}
		l.hosts[b.HostID] = h
	}
	if d := b.End.Sub(b.Start); d > h.maxLen {
		h.maxLen = d
	}
	// Insert after every booking with the same start; appending is the common case.
	d := dayOf(b.Start)
	day := h.days[d]
	i := len(day)
	if i > 0 && day[i-1].Start.After(b.Start) {
		i, _ = slices.BinarySearchFunc(day, b.Start, func(x *Booking, t time.Time) int {
			if x.Start.After(t) {
				return 1
			}
			return -1 // x.Start <= t: insert after it
		})
	}
	h.days[d] = slices.Insert(day, i, b)
}

// clearKeyLocked drops b's idempotency key from the unique index (cancel, reject).
func (l *ledger) clearKeyLocked(b *Booking) {
	if b.IdempotencyKey != "" && l.keys[b.IdempotencyKey] == b {
		delete(l.keys, b.IdempotencyKey)
	}
}

// snapshot returns deep copies of every booking in creation order.
func (l *ledger) snapshot() []Booking {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Booking, len(l.all))
	for i, b := range l.all {
		out[i] = b.clone()
	}
	return out
}
