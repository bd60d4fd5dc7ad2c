package fakecalcom

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// get is GET /v2/bookings/{uid}.
func (x *exchange) get(uid string) result {
	l := x.f.ledger
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.byUID[uid]
	if b == nil {
		return result{err: bookingNotFound(uid)}
	}
	return result{status: http.StatusOK, raw: x.bookingJSON(b, ""), uid: uid}
}

// listFilter is the subset of GET /v2/bookings query parameters the fake implements.
type listFilter struct {
	attendeeEmail, attendeeName, bookingUID string
	afterStart, beforeEnd                   time.Time
	afterCreated, beforeCreated             time.Time
	afterUpdated, beforeUpdated             time.Time
	statuses                                []string
	eventTypeIDs                            []int
	take, skip                              int
	sort                                    listSort
}

// listSort is the order of a list: a booking time and a direction.
type listSort struct {
	key  string // startTime, endTime, createdAt, updatedAt
	desc bool
}

var listStatuses = []string{"upcoming", "recurring", "past", "cancelled", "unconfirmed"}

// sortParams are the sort query parameters in the order Cal.com's getOrderBy tries them
// (packages/lib/bookings/getAllUserBookings.ts): only the first one given applies.
var sortParams = []struct{ param, key string }{
	{"sortStart", "startTime"}, {"sortEnd", "endTime"}, {"sortCreated", "createdAt"}, {"sortUpdatedAt", "updatedAt"},
}

// parseListFilter reads the query, naming the first bad parameter.
func parseListFilter(q url.Values) (listFilter, error) {
	lf := listFilter{take: 100, attendeeEmail: q.Get("attendeeEmail"), attendeeName: q.Get("attendeeName"), bookingUID: q.Get("bookingUid")}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"afterStart", &lf.afterStart}, {"beforeEnd", &lf.beforeEnd}, {"afterCreatedAt", &lf.afterCreated},
		{"beforeCreatedAt", &lf.beforeCreated}, {"afterUpdatedAt", &lf.afterUpdated}, {"beforeUpdatedAt", &lf.beforeUpdated}} {
		if v := q.Get(p.name); v != "" {
			t, err := parseISO(v)
			if err != nil {
				return lf, fmt.Errorf("%s must be a valid ISO 8601 date string, got %q", p.name, v)
			}
			*p.dst = t
		}
	}
	if v := q.Get("status"); v != "" {
		for s := range strings.SplitSeq(v, ",") {
			if !slices.Contains(listStatuses, s) {
				return lf, fmt.Errorf("status %q is not one of %s", s, strings.Join(listStatuses, ", "))
			}
			lf.statuses = append(lf.statuses, s)
		}
	}
	ids := q.Get("eventTypeIds")
	if v := q.Get("eventTypeId"); v != "" {
		ids = strings.Trim(v+","+ids, ",")
	}
	if ids != "" {
		for s := range strings.SplitSeq(ids, ",") {
			n, err := strconv.Atoi(s)
			if err != nil {
				return lf, fmt.Errorf("eventTypeId %q is not an integer", s)
			}
			lf.eventTypeIDs = append(lf.eventTypeIDs, n)
		}
	}
	for _, p := range []struct {
		name     string
		dst      *int
		min, max int
	}{{"take", &lf.take, 1, 250}, {"skip", &lf.skip, 0, 1 << 30}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < p.min || n > p.max {
				return lf, fmt.Errorf("%s must be an integer between %d and %d, got %q", p.name, p.min, p.max, v)
			}
			*p.dst = n
		}
	}
	return lf, lf.parseSort(q)
}

// parseSort applies getOrderBy: the first sort parameter given; without one, a single
// status of past or cancelled sorts by start descending; otherwise by start ascending.
func (lf *listFilter) parseSort(q url.Values) error {
	lf.sort = listSort{key: "startTime"}
	for _, p := range sortParams {
		v := q.Get(p.param)
		if v == "" {
			continue
		}
		if v != "asc" && v != "desc" {
			return fmt.Errorf("%s must be asc or desc, got %q", p.param, v)
		}
		lf.sort = listSort{key: p.key, desc: v == "desc"}
		return nil
	}
	if len(lf.statuses) == 1 && (lf.statuses[0] == "past" || lf.statuses[0] == "cancelled") {
		lf.sort.desc = true
	}
	return nil
}

// sortTime is the booking time a list is sorted by.
func (s listSort) sortTime(b *Booking) time.Time {
	switch s.key {
	case "endTime":
		return b.End
	case "createdAt":
		return b.CreatedAt
	case "updatedAt":
		return b.UpdatedAt
	}
	return b.Start
}

// matches applies the filters; status names follow Cal.com's list semantics on the fake's clock.
func (lf *listFilter) matches(b *Booking, now time.Time) bool {
	switch {
	case lf.attendeeEmail != "" && !hasAttendee(b, lf.attendeeEmail),
		lf.attendeeName != "" && !strings.EqualFold(b.AttendeeName, lf.attendeeName),
		lf.bookingUID != "" && b.UID != lf.bookingUID,
		!lf.afterStart.IsZero() && b.Start.Before(lf.afterStart),
		!lf.beforeEnd.IsZero() && b.End.After(lf.beforeEnd),
		!lf.afterCreated.IsZero() && b.CreatedAt.Before(lf.afterCreated),
		!lf.beforeCreated.IsZero() && b.CreatedAt.After(lf.beforeCreated),
		!lf.afterUpdated.IsZero() && b.UpdatedAt.Before(lf.afterUpdated),
		!lf.beforeUpdated.IsZero() && b.UpdatedAt.After(lf.beforeUpdated),
		len(lf.eventTypeIDs) > 0 && !slices.Contains(lf.eventTypeIDs, b.EventTypeID):
		return false
	}
	if len(lf.statuses) == 0 {
		return true
	}
	for _, s := range lf.statuses {
		if statusMatches(s, b, now) {
			return true
		}
	}
	return false
}

// hasAttendee reports whether email (compared exactly, as Prisma does) is the booking's
// attendee or holds one of its seats (a live seat, unless the whole booking has ended).
func hasAttendee(b *Booking, email string) bool {
	if b.Seats == nil {
		return b.AttendeeEmail == email
	}
	for _, s := range b.Seats {
		if s.AttendeeEmail == email && (s.Status == StatusAccepted || !b.Status.Live()) {
			return true
		}
	}
	return false
}

func statusMatches(s string, b *Booking, now time.Time) bool {
	switch s {
	case "upcoming":
		return b.Status.Live() && !b.End.Before(now)
	case "past":
		return b.Status.Live() && !b.End.After(now)
	case "cancelled":
		return b.Status == StatusCancelled || b.Status == StatusRejected
	case "unconfirmed":
		return b.Status == StatusPending && !b.End.Before(now)
	}
	return false // "recurring": the fake has no recurring bookings
}

// list is GET /v2/bookings, which needs credentials in Cal.com and shows the caller's own
// bookings (its user is the host, or its email is an attendee's; getAllUserBookings.ts). A
// key Config.KeyOwners does not name sees every booking. Ties of the sort go by id.
func (x *exchange) list() result {
	if !x.who.authed {
		return result{err: httpErr(http.StatusUnauthorized, MsgNoAuth)}
	}
	lf, err := parseListFilter(x.r.URL.Query())
	if err != nil {
		return result{err: httpErr(http.StatusBadRequest, err.Error())}
	}
	now := x.t.now()
	l := x.f.ledger
	l.mu.Lock()
	var hits []*Booking
	for _, b := range l.all {
		if x.who.sees(b) && lf.matches(b, now) {
			hits = append(hits, b)
		}
	}
	slices.SortStableFunc(hits, func(a, b *Booking) int {
		c := lf.sort.sortTime(a).Compare(lf.sort.sortTime(b))
		if lf.sort.desc {
			c = -c
		}
		if c != 0 {
			return c
		}
		return a.ID - b.ID
	})
	total := len(hits)
	page := hits[min(lf.skip, total):min(lf.skip+lf.take, total)]
	p := x.buf()
	data := append(*p, '[')
	for i, b := range page {
		if i > 0 {
			data = append(data, ',')
		}
		data = appendBooking(data, b, x.seesSeats(b))
	}
	data = append(data, ']')
	*p = data
	l.mu.Unlock()
	pages := (total + lf.take - 1) / lf.take
	return result{status: http.StatusOK, raw: data, pag: &pagination{
		TotalItems: total, RemainingItems: max(0, total-lf.skip-len(page)), ReturnedItems: len(page),
		ItemsPerPage: lf.take, CurrentPage: lf.skip/lf.take + 1, TotalPages: pages,
		HasNextPage: lf.skip+len(page) < total, HasPreviousPage: lf.skip > 0,
	}}
}
