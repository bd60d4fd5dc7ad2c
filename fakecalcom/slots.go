package fakecalcom

import (
	"net/http"
	"strconv"
	"time"
)

// maxSlotRange bounds GET /v2/slots so one request cannot ask for years of slots.
const maxSlotRange = 62 * 24 * time.Hour

type slotOut struct {
	Start string `json:"start"`
	End   string `json:"end,omitempty"`
}

// parseSlotBound reads a slots range bound: a full ISO date-time, or a date alone (start of
// day for "start", 23:59:59 for "end").
func parseSlotBound(s string, isEnd bool) (time.Time, bool) {
	if t, err := parseISO(s); err == nil {
		return t, true
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, false
	}
	if isEnd {
		d = d.Add(24*time.Hour - time.Second)
	}
	return d, true
}

// slots is GET /v2/slots (2024-09-04). The host is available around the clock, slots start
// every event-type length from 00:00 UTC, and a slot is offered when it is not in the past,
// no accepted booking of the host overlaps it and no unexpired reservation holds it (the
// user-event-type-slots e2e spec: a reserved slot "should not appear in available slots").
func (x *exchange) slots() result {
	q := x.r.URL.Query()
	start, ok1 := parseSlotBound(q.Get("start"), false)
	end, ok2 := parseSlotBound(q.Get("end"), true)
	if !ok1 || !ok2 || end.Before(start) {
		return result{err: httpErr(http.StatusBadRequest, MsgInvalidRange)}
	}
	if end.Sub(start) > maxSlotRange {
		return result{err: httpErr(http.StatusBadRequest, "fakecalcom: the fake serves at most 62 days of slots per request")}
	}
	idStr := q.Get("eventTypeId")
	if idStr == "" {
		return result{err: httpErr(http.StatusBadRequest, "fakecalcom: the fake resolves slots by eventTypeId only")}
	}
	id, err := strconv.Atoi(idStr)
	if err != nil {
		return result{err: httpErr(http.StatusBadRequest, "eventTypeId must be an integer, got "+strconv.Quote(idStr))}
	}
	et, ok := x.f.eventType(id)
	if !ok {
		return result{err: httpErr(http.StatusNotFound, "Event type with id "+idStr+" not found.")}
	}
	if d := q.Get("duration"); d != "" && d != strconv.Itoa(et.LengthMinutes) {
		return result{err: httpErr(http.StatusBadRequest, "fakecalcom: duration must equal the event type's length ("+strconv.Itoa(et.LengthMinutes)+"); multiple durations are not implemented")}
	}
	loc := time.UTC
	if tz := q.Get("timeZone"); tz != "" {
		if loc, err = time.LoadLocation(tz); err != nil || !validTimeZone(tz) {
			return result{err: httpErr(http.StatusBadRequest, "timeZone must be a valid IANA time-zone, got "+strconv.Quote(tz))}
		}
	}
	ranged := q.Get("format") == "range"
	length := time.Duration(et.LengthMinutes) * time.Minute
	now := x.t.now()
	out := map[string][]slotOut{}
	l := x.f.ledger
	l.mu.Lock()
	defer l.mu.Unlock()
	for day := start.Truncate(24 * time.Hour); !day.After(end); day = day.Add(24 * time.Hour) {
		for t := day; t.Before(day.Add(24 * time.Hour)); t = t.Add(length) {
			if t.Before(start) || t.After(end) || t.Before(now) || l.busy(et.HostID, t, t.Add(length), nil) ||
				(et.Kind != Seated && l.overlappingReservation(et.ID, t, t.Add(length), now)) {
				continue
			}
			s := slotOut{Start: slotTime(t, loc)}
			if ranged {
				s.End = slotTime(t.Add(length), loc)
			}
			key := t.In(loc).Format(time.DateOnly)
			out[key] = append(out[key], s)
		}
	}
	return result{status: http.StatusOK, data: out}
}

// slotTime renders UTC as "…Z" and other zones with their offset, as Luxon's toISO does.
func slotTime(t time.Time, loc *time.Location) string {
	if loc == time.UTC {
		return jsTime(t)
	}
	return t.In(loc).Format("2006-01-02T15:04:05.000-07:00")
}
