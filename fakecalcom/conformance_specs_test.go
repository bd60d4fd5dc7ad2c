package fakecalcom

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// conformanceSpecs is the table of conformance_test.go, spec by spec.
func conformanceSpecs() []specFile {
	return []specFile{userBookingsSpec(), seatedSpec(), seatedHostSpec(), reservedSlotSpec(), slotReservationsSpec(), confirmSpec()}
}

const v0813, v0904 = "2024-08-13", "2024-09-04"

// withExtra adds a value the row learned with a second request (a GET after a write) to the
// response, so one row's checks cover what the spec asserts across both.
func withExtra(r response, key string, v any) response {
	if r.body == nil {
		r.body = map[string]any{}
	}
	r.body[key] = v
	return r
}

func (c *conf) at(t time.Time) { c.clk.mu.Lock(); c.clk.now = t; c.clk.mu.Unlock() }

func (c *conf) tick() { c.clk.Advance(time.Second) }

// userBookingsSpec is ee/bookings/2024-08-13/controllers/e2e/user-bookings.e2e-spec.ts
// (@01c2d3c). Its test module authenticates every request as the event types' owner
// (withApiAuth), so every row sends the owner's key. Its recurring event type books three
// weekly occurrences; the fake books the first only, and the next two are booked as plain
// bookings so the list rows see the spec's five bookings.
func userBookingsSpec() specFile {
	const owner, et, rec = 10, 101, 102
	key := []string{"Authorization", "Bearer cal_user_bookings"}
	post := func(c *conf, body any) response { c.tick(); return c.req("POST", "/v2/bookings", v0813, body, key...) }
	get := func(c *conf, path string) response { return c.req("GET", path, v0813, nil, key...) }
	meta := func(m map[string]any) func(c *conf) response {
		return func(c *conf) response {
			return post(c, map[string]any{"start": "2030-01-08T13:00:00.000Z", "eventTypeId": et,
				"attendee": attendeeBody("Mr Proper", "mr_proper@gmail.com", "Europe/Rome", "it"), "location": "https://meet.google.com/abc-def-ghi",
				"bookingFieldsResponses": map[string]any{"customField": "customValue"}, "metadata": m})
		}
	}
	many := map[string]any{}
	for i := 1; i <= 51; i++ {
		many["key"+strconv.Itoa(i)] = strconv.Itoa(i)
	}
	list := func(title, q string, n float64, extra ...check) row {
		return row{title: title, do: func(c *conf) response { return get(c, "/v2/bookings"+q) }, status: 200,
			checks: append([]check{{"status", "success"}, {"data.#", n}}, extra...)}
	}
	recurring := func(c *conf, week int) response {
		return post(c, map[string]any{"start": time.Date(2030, 2, 4+7*week, 13, 0, 0, 0, time.UTC).Format(time.RFC3339), "eventTypeId": rec,
			"attendee": attendeeBody("Mr Proper Recurring", "mr_proper_recurring@gmail.com", "Europe/Rome", "it"),
			"location": "https://meet.google.com/abc-def-ghi", "metadata": map[string]any{"userId": "1000"}})
	}
	location := func(title string, hour int, loc map[string]any, want func(any) bool) row {
		return row{title: title, note: "each location row books another hour (the spec deletes each booking before the next)",
			do: func(c *conf) response {
				return post(c, map[string]any{"start": time.Date(2040, 1, 9, hour, 0, 0, 0, time.UTC).Format(time.RFC3339), "eventTypeId": et,
					"attendee": attendeeBody("Mr Proper", "mr_proper@gmail.com", "Europe/Rome", "it"), "location": loc})
			}, status: 201, checks: []check{{"data.id", present}, {"data.location", want}}}
	}
	eq := func(v string) func(any) bool { return func(x any) bool { return x == v } }
	return specFile{
		file: "ee/bookings/2024-08-13/controllers/e2e/user-bookings.e2e-spec.ts", version: "@01c2d3c",
		cfg: Config{KeyOwners: map[string]int{"cal_user_bookings": owner}, EventTypes: []EventType{
			{ID: et, Kind: Standard, LengthMinutes: 60, HostID: owner},
			{ID: rec, Kind: Standard, LengthMinutes: 60, HostID: owner},
		}},
		setup: func(c *conf) {
			// The spec writes a booking in the past straight into the database: here it is
			// booked while its time is still ahead, then the clock moves past it.
			c.at(time.Date(2019, 12, 1, 9, 0, 0, 0, time.UTC))
			r := post(c, map[string]any{"start": "2020-01-08T13:00:00Z", "eventTypeId": et, "attendee": attendeeBody("Oldie", "oldie@gmail.com", "Europe/Rome", "lv"),
				"location": "integrations:daily"})
			c.v["past"], c.v["pastStart"], c.v["pastUpdated"] = r.data()["uid"], r.data()["start"], r.data()["updatedAt"]
			c.at(time.Date(2029, 12, 1, 9, 0, 0, 0, time.UTC))
		},
		rows: []row{
			{title: "should not be able to create a booking with metadata with more than 50 keys", do: meta(many), status: 400},
			{title: "should not be able to create a booking with metadata with a key longer than 40 characters",
				do: meta(map[string]any{"aaaaaaaaaabbbbbbbbbbccccccccccdddddddddde": "1"}), status: 400},
			{title: "should not be able to create a booking with metadata with a value longer than 500 characters",
				do: meta(map[string]any{"key": strings.Repeat("a", 501)}), status: 400},
			{title: "should create a booking",
				note: "the spec compares attendees[0] and bookingFieldsResponses whole; the fake adds displayEmail (and displayGuests), as the newer seated spec's outputs have",
				do: func(c *conf) response {
					return inWindow(c, func() response {
						return post(c, map[string]any{"start": "2030-01-08T13:00:00.000Z", "eventTypeId": et,
							"attendee": attendeeBody("Mr Proper", "mr_proper@gmail.com", "Europe/Rome", "it"), "location": "https://meet.google.com/abc-def-ghi",
							"bookingFieldsResponses": map[string]any{"customField": "customValue"}, "metadata": map[string]any{"userId": "100"},
							"guests": []any{"bob@gmail.com"}})
					})
				}, status: 201, checks: []check{{"createdInWindow", true}, {"updatedInWindow", true},
					{"status", "success"}, {"data.id", present}, {"data.uid", isString}, {"data.hosts.0.id", float64(owner)},
					{"data.hosts.0.username", "host10"}, {"data.hosts.0.email", "host10@fake-calcom.invalid"}, {"data.status", "accepted"},
					{"data.start", "2030-01-08T13:00:00.000Z"}, {"data.end", "2030-01-08T14:00:00.000Z"}, {"data.duration", 60.0},
					{"data.eventTypeId", float64(et)}, {"data.eventType.id", float64(et)}, {"data.attendees.0.name", "Mr Proper"},
					{"data.attendees.0.email", "mr_proper@gmail.com"}, {"data.attendees.0.timeZone", "Europe/Rome"}, {"data.attendees.0.language", "it"},
					{"data.attendees.0.absent", false}, {"data.location", "https://meet.google.com/abc-def-ghi"}, {"data.meetingUrl", "https://meet.google.com/abc-def-ghi"},
					{"data.absentHost", false}, {"data.bookingFieldsResponses.name", "Mr Proper"}, {"data.bookingFieldsResponses.email", "mr_proper@gmail.com"},
					{"data.bookingFieldsResponses.customField", "customValue"}, {"data.bookingFieldsResponses.guests", []any{"bob@gmail.com"}},
					{"data.guests", []any{"bob@gmail.com"}}, {"data.metadata", map[string]any{"userId": "100"}},
				},
				save: func(c *conf, r response) {
					for k, v := range r.data() {
						c.v["created."+k] = v
					}
				}},
			{title: "should create a recurring booking", unmet: "recurring event types are not modelled: the fake books the first occurrence only, as a plain booking",
				do: func(c *conf) response { return recurring(c, 0) }, status: 201, checks: []check{{"data.#", 3.0}},
				save: func(c *conf, r response) {
					c.v["rec0"], c.v["rec0.end"], c.v["rec0.updatedAt"] = r.data()["uid"], r.data()["end"], r.data()["updatedAt"]
					r1, r2 := recurring(c, 1).data(), recurring(c, 2).data()
					c.v["rec1.start"], c.v["rec1.updatedAt"], c.v["rec2.updatedAt"] = r1["start"], r1["updatedAt"], r2["updatedAt"]
				}},
			{title: "should should get a booking", do: func(c *conf) response { return get(c, "/v2/bookings/"+c.str("created.uid")) }, status: 200,
				checks: []check{{"data.uid", func(v any) bool { return v != nil }}, {"data.hosts.0.id", float64(owner)}, {"data.status", "accepted"},
					{"data.start", "2030-01-08T13:00:00.000Z"}, {"data.end", "2030-01-08T14:00:00.000Z"}, {"data.duration", 60.0}, {"data.eventTypeId", float64(et)},
					{"data.attendees.0.email", "mr_proper@gmail.com"}, {"data.location", "https://meet.google.com/abc-def-ghi"}, {"data.absentHost", false}, {"data.createdAt", present}}},
			{title: "should should get a booking with rating", unmet: "the fake has no ratings (rating is always null); the spec writes rating 10 into the database",
				do: func(c *conf) response { return get(c, "/v2/bookings/"+c.str("past")) }, status: 200, checks: []check{{"data.rating", 10.0}}},
			{title: "should should get 1 recurrence of a recurring booking", unmet: "no recurring bookings: no recurringBookingUid",
				do: func(c *conf) response { return get(c, "/v2/bookings/"+c.str("rec0")) }, status: 200, checks: []check{{"data.recurringBookingUid", present}}},
			{title: "should should get all recurrences of the recurring bookings", unmet: "no recurring bookings: a recurring uid names nothing (404)",
				do: func(c *conf) response { return get(c, "/v2/bookings/recurring-"+c.str("rec0")) }, status: 200, checks: []check{{"data.#", 3.0}}},
			list("should should get all bookings", "", 5),
			list("should should take bookings", "?take=3", 3),
			list("should should skip bookings", "?skip=2", 3),
			list("should should get upcoming bookings", "?status=upcoming", 4),
			list("should should get past bookings", "?status=past", 1),
			list("should should get upcoming and past bookings", "?status=upcoming,past", 5),
			func() row {
				r := list("should should get recurring booking recurrences", "?status=recurring", 3)
				r.unmet = "no recurring bookings: status=recurring matches nothing"
				return r
			}(),
			list("should should get bookings by attendee email", "?attendeeEmail=mr_proper@gmail.com", 1),
			list("should should get bookings by attendee name", "?attendeeName="+url.QueryEscape("Mr Proper Recurring"), 3),
			list("should should get bookings by eventTypeId", "?eventTypeId="+strconv.Itoa(et), 2),
			list("should should get bookings by eventTypeIds", "?eventTypeIds="+strconv.Itoa(et)+","+strconv.Itoa(rec), 5),
			{title: "should should get bookings by after specified start time", do: func(c *conf) response { return get(c, "/v2/bookings?afterStart="+c.str("rec1.start")) },
				status: 200, checks: []check{{"data.#", 2.0}}},
			{title: "should should get bookings by before specified end time", do: func(c *conf) response { return get(c, "/v2/bookings?beforeEnd="+c.str("rec0.end")) },
				status: 200, checks: []check{{"data.#", 3.0}}},
			{title: "should should get bookings after specified update time", do: func(c *conf) response { return get(c, "/v2/bookings?afterUpdatedAt="+c.str("rec1.updatedAt")) },
				status: 200, checks: []check{{"data.#", 2.0}}},
			{title: "should should get bookings before specified update time", do: func(c *conf) response { return get(c, "/v2/bookings?beforeUpdatedAt="+c.str("rec0.updatedAt")) },
				status: 200, checks: []check{{"data.#", 3.0}}},
			{title: "should should get bookings in update range", do: func(c *conf) response {
				return get(c, "/v2/bookings?afterUpdatedAt="+c.str("rec0.updatedAt")+"&beforeUpdatedAt="+c.str("rec2.updatedAt"))
			}, status: 200, checks: []check{{"data.#", 3.0}}},
			sortRow("should should sort bookings by start in descending order", "sortStart=desc", "start", false),
			sortRow("should should sort bookings by start in ascending order", "sortStart=asc", "start", true),
			sortRow("should should sort bookings by end in descending order", "sortEnd=desc", "start", false),
			sortRow("should should sort bookings by end in ascending order", "sortEnd=asc", "start", true),
			sortRow("should should sort bookings by created in descending order", "sortCreated=desc", "start", false),
			sortRow("should should sort bookings by created in ascending order", "sortCreated=asc", "start", true),
			sortRow("should should sort bookings by updated in descending order", "sortUpdatedAt=desc", "updatedAt", false),
			sortRow("should should sort bookings by updated in ascending order", "sortUpdatedAt=asc", "updatedAt", true),
			{title: "should should reschedule normal booking", do: func(c *conf) response {
				c.tick()
				return inWindow(c, func() response {
					return c.req("POST", "/v2/bookings/"+c.str("created.uid")+"/reschedule", v0813,
						map[string]any{"start": "2035-01-08T14:00:00.000Z", "reschedulingReason": "Flying to mars that day"}, key...)
				})
			}, status: 201, checks: []check{{"createdInWindow", true}, {"data.reschedulingReason", "Flying to mars that day"}, {"data.start", "2035-01-08T14:00:00.000Z"},
				{"data.end", "2035-01-08T15:00:00.000Z"}, {"data.rescheduledFromUid", isString}, {"data.id", present}, {"data.uid", isString},
				{"data.hosts.0.id", float64(owner)}, {"data.status", "accepted"}, {"data.duration", 60.0}, {"data.eventTypeId", float64(et)},
				{"data.attendees.0.email", "mr_proper@gmail.com"}, {"data.location", "https://meet.google.com/abc-def-ghi"}, {"data.absentHost", false},
				{"data.metadata", map[string]any{"userId": "100"}}},
				save: func(c *conf, r response) { c.v["rescheduled"] = r.data()["uid"] }},
			{title: "should set rescheduled booking status to cancelled", do: func(c *conf) response { return get(c, "/v2/bookings/"+c.str("created.uid")) },
				status: 200, checks: []check{{"data.status", "cancelled"}}},
			{title: "should reschedule recurrence of a recurring booking", unmet: "no recurring bookings: no recurringBookingUid on the new booking",
				do: func(c *conf) response {
					return c.req("POST", "/v2/bookings/"+c.str("rec0")+"/reschedule", v0813, map[string]any{"start": "2035-01-09T14:00:00.000Z", "reschedulingReason": "Flying to mars again"}, key...)
				}, status: 201, checks: []check{{"data.recurringBookingUid", present}}},
			{title: "should mark host absent", unmet: "POST /v2/bookings/{uid}/mark-absent is not modelled (404)",
				do: func(c *conf) response {
					return c.req("POST", "/v2/bookings/"+c.str("rec0")+"/mark-absent", v0813, map[string]any{"host": true}, key...)
				}, status: 200, checks: []check{{"data.absentHost", true}}},
			{title: "should cancel booking", do: func(c *conf) response {
				return c.req("POST", "/v2/bookings/"+c.str("rescheduled")+"/cancel", v0813, map[string]any{"cancellationReason": "Going on a vacation"},
					append(key, "x-cal-client-id", "oauth-client")...)
			}, status: 200, checks: []check{{"data.status", "cancelled"}, {"data.cancellationReason", "Going on a vacation"},
				{"data.start", "2035-01-08T14:00:00.000Z"}, {"data.duration", 60.0}, {"data.attendees.0.email", "mr_proper@gmail.com"},
				{"data.location", "https://meet.google.com/abc-def-ghi"}, {"data.absentHost", false}, {"data.hosts.0.id", float64(owner)}}},
			{title: "should cancel recurring booking", unmet: "no recurring bookings: cancelling a recurring uid cancels nothing",
				do: func(c *conf) response {
					return c.req("POST", "/v2/bookings/recurring-"+c.str("rec0")+"/cancel", v0813, map[string]any{"cancellationReason": "Going on a vacation"}, key...)
				}, status: 200, checks: []check{{"data.#", 4.0}}},
			{title: "should return who cancelled a booking", unmet: "the spec writes an arbitrary cancelledBy into the database; the fake sets cancelledByEmail from the caller (host or attendee)",
				do: func(c *conf) response { return get(c, "/v2/bookings/"+c.str("past")) }, status: 200,
				checks: []check{{"data.cancelledByEmail", hasPrefix("user-bookings-canceller-")}}},
			location("can book with cal video location", 13, map[string]any{"type": "integration", "integration": "cal-video"}, contains("/video/")),
			func() row {
				r := location("can book with address location", 14, map[string]any{"type": "address"}, eq("123 Main St"))
				r.unmet = "event types have no locations: the event type's address is unknown, the booking keeps its video link"
				return r
			}(),
			func() row {
				r := location("can book with link location", 15, map[string]any{"type": "link"}, eq("https://cal.com/join/123456"))
				r.unmet = "event types have no locations: the event type's link is unknown"
				return r
			}(),
			func() row {
				r := location("can book with link location (phone)", 16, map[string]any{"type": "phone"}, eq("+37121999999"))
				r.unmet = "event types have no locations: the event type's phone is unknown"
				r.note = "the spec titles this phone test \"can book with link location\" too"
				return r
			}(),
			location("can book with attendeeAddress location", 17, map[string]any{"type": "attendeeAddress", "address": "123 Example St, City, Valhalla"}, eq("123 Example St, City, Valhalla")),
			func() row {
				r := location("can book with attendeeAddress location (phone)", 18, map[string]any{"type": "attendeePhone", "phone": "+37120993151"}, eq("+37120993151"))
				r.note = "the spec titles this attendeePhone test \"can book with attendeeAddress location\" too"
				return r
			}(),
			location("can book with attendeeDefined location", 19, map[string]any{"type": "attendeeDefined", "location": "namek 100"}, eq("namek 100")),
			{title: "can't book with not location that is not in event type", unmet: "event types have no locations: any integration is accepted",
				do: func(c *conf) response {
					return post(c, map[string]any{"start": "2040-01-09T20:00:00Z", "eventTypeId": et,
						"attendee": attendeeBody("Mr Proper", "mr_proper@gmail.com", "Europe/Rome", "it"),
						"location": map[string]any{"type": "integration", "integration": "google-meet"}})
				}, status: 400},
		},
	}
}

// inWindow sends a request and notes whether the booking's createdAt and updatedAt lie between
// the fake's clock before and after it, as the spec checks them against its own clock.
func inWindow(c *conf, send func() response) response {
	before := c.clk.Now().Truncate(time.Millisecond)
	r := send()
	after := c.clk.Now()
	within := func(field string) bool {
		s, _ := r.data()[field].(string)
		t, err := time.Parse(time.RFC3339Nano, s)
		return err == nil && !t.Before(before) && !t.After(after)
	}
	return withExtra(withExtra(r, "createdInWindow", within("createdAt")), "updatedInWindow", within("updatedAt"))
}

// sortRow is one of user-bookings' sort tests: the spec lists eventTypeId's two bookings (the
// booking in the past and the created one) and checks which comes first by field (start, or
// updatedAt for the updatedAt sorts).
func sortRow(title, q, field string, pastFirst bool) row {
	past := "1"
	if pastFirst {
		past = "0"
	}
	return row{title: title, status: 200, checks: []check{{"data.#", 2.0}, {"pastInPlace", true}},
		do: func(c *conf) response {
			r := c.req("GET", "/v2/bookings?eventTypeId=101&"+q, v0813, nil, "Authorization", "Bearer cal_user_bookings")
			want := c.v["pastStart"]
			if field == "updatedAt" {
				want = c.v["pastUpdated"]
			}
			got, _ := lookup(r.body, "data."+past+"."+field)
			return withExtra(r, "pastInPlace", got == want)
		}}
}

// seatedBody is a create of the seated specs: an attendee with Italian language, a custom
// booking field and metadata userId.
func seatedBody(et int, start, name, email, coding string, userID string) map[string]any {
	return map[string]any{"start": start, "eventTypeId": et, "attendee": attendeeBody(name, email, "Europe/Rome", "it"),
		"bookingFieldsResponses": map[string]any{"codingLanguage": coding}, "metadata": map[string]any{"userId": userID}}
}

// seatedAttendee checks one seated attendee as the seated spec's toEqual lists it.
func seatedAttendee(prefix, name, email, coding, userID string) []check {
	return []check{{prefix + ".name", name}, {prefix + ".email", email}, {prefix + ".displayEmail", email}, {prefix + ".timeZone", "Europe/Rome"},
		{prefix + ".language", "it"}, {prefix + ".absent", false}, {prefix + ".seatUid", isString},
		{prefix + ".bookingFieldsResponses", map[string]any{"guests": []any{}, "name": name, "codingLanguage": coding}},
		{prefix + ".metadata", map[string]any{"userId": userID}}}
}

// seatedSpec is ee/bookings/2024-08-13/controllers/e2e/seated-bookings.e2e-spec.ts, the
// version with the seatsShowAttendees-disabled tests and the /by-seat endpoint (requests are
// anonymous unless the spec sends the owner's key). Its seated event type shows attendees;
// the second one does not.
func seatedSpec() specFile {
	const owner, shown, hidden = 20, 201, 202
	bearer := []string{"Authorization", "Bearer cal_test_seated"}
	post := func(c *conf, body any, hdr ...string) response {
		c.tick()
		return c.req("POST", "/v2/bookings", v0813, body, hdr...)
	}
	bookingChecks := func(et int, start, end string, attendees float64) []check {
		return []check{{"status", "success"}, {"data.seatUid", isString}, {"data.id", present}, {"data.uid", isString},
			{"data.hosts.0.id", float64(owner)}, {"data.status", "accepted"}, {"data.start", start}, {"data.end", end}, {"data.duration", 60.0},
			{"data.eventTypeId", float64(et)}, {"data.eventType.id", float64(et)}, {"data.attendees.#", attendees}, {"data.location", present},
			{"data.absentHost", false}}
	}
	bySeat := func(title, unmet string, status int, checks []check, seat string, hdr ...string) row {
		return row{title: title, unmet: unmet, status: status, checks: checks,
			do: func(c *conf) response { return c.req("GET", "/v2/bookings/by-seat/"+c.str(seat), v0813, nil, hdr...) }}
	}
	const bySeatUnmet = "GET /v2/bookings/by-seat/{seatUid} is not modelled (404)"
	return specFile{
		file: "ee/bookings/2024-08-13/controllers/e2e/seated-bookings.e2e-spec.ts", version: "@bbb2142",
		cfg: Config{KeyOwners: map[string]int{"cal_test_seated": owner}, EventTypes: []EventType{
			{ID: shown, Kind: Seated, LengthMinutes: 60, HostID: owner, Seats: 5, SeatsShowAttendees: true},
			{ID: hidden, Kind: Seated, LengthMinutes: 60, HostID: owner, Seats: 5},
		}},
		rows: []row{
			{title: "should book an event type with seats for the first time",
				do: func(c *conf) response {
					return post(c, seatedBody(shown, "2030-01-08T13:00:00.000Z", "Attendee One", "one@api.com", "TypeScript", "100"))
				},
				status: 201, checks: append(bookingChecks(shown, "2030-01-08T13:00:00.000Z", "2030-01-08T14:00:00.000Z", 1),
					seatedAttendee("data.attendees.0", "Attendee One", "one@api.com", "TypeScript", "100")...),
				save: func(c *conf, r response) { c.v["seated.uid"], c.v["seat1"] = r.data()["uid"], r.data()["seatUid"] }},
			{title: "should book an event type with seats for the second time",
				do: func(c *conf) response {
					return post(c, seatedBody(shown, "2030-01-08T13:00:00.000Z", "Attendee Two", "two@api.com", "Rust", "200"))
				},
				status: 201, checks: append(append(bookingChecks(shown, "2030-01-08T13:00:00.000Z", "2030-01-08T14:00:00.000Z", 2),
					seatedAttendee("data.attendees.0", "Attendee One", "one@api.com", "TypeScript", "100")...),
					seatedAttendee("data.attendees.1", "Attendee Two", "two@api.com", "Rust", "200")...),
				save: func(c *conf, r response) { c.v["seat2"] = r.data()["seatUid"] }},
			{title: "should get a booking for an event type with seats",
				do:     func(c *conf) response { return c.req("GET", "/v2/bookings/"+c.str("seated.uid"), v0813, nil) },
				status: 200, checks: []check{{"data.uid", isString}, {"data.seatUid", absent}, {"data.attendees.#", 2.0}, {"data.metadata", absent},
					{"data.attendees.1.seatUid", isString}}},
			{title: "should get all seated bookings",
				do:     func(c *conf) response { return c.req("GET", "/v2/bookings?sortCreated=asc", v0813, nil, bearer...) },
				status: 200, checks: []check{{"status", "success"}, {"data.#", 1.0}, {"data.0.attendees.#", 2.0}, {"data.0.seatUid", absent}}},
			bySeat("should get a booking by seatUid", bySeatUnmet, 200, []check{{"data.attendees.#", 2.0}}, "seat1"),
			{title: "should return 404 when getting booking by non-existent seatUid", unmet: "no /by-seat route: the fake's 404 is \"Cannot GET …\"",
				do:     func(c *conf) response { return c.req("GET", "/v2/bookings/by-seat/non-existent-seat-uid", v0813, nil) },
				status: 404, checks: []check{{"error.message", "Booking with seatUid=non-existent-seat-uid was not found in the database"}}},
			{title: "should book first seat on event type with seatsShowAttendees disabled",
				do: func(c *conf) response {
					return post(c, seatedBody(hidden, "2030-01-11T13:00:00.000Z", "Attendee One", "one@api.com", "TypeScript", "100"))
				},
				status: 201, checks: []check{{"data.seatUid", isString}}},
			{title: "should book second seat on same event type with seatsShowAttendees disabled",
				do: func(c *conf) response {
					return post(c, seatedBody(hidden, "2030-01-11T13:00:00.000Z", "Attendee Three", "three@api.com", "Rust", "300"))
				},
				status: 201, checks: []check{{"data.seatUid", isString}}, save: func(c *conf, r response) { c.v["seat3"] = r.data()["seatUid"] }},
			bySeat("should return only the attendee for the specific seatUid when seatsShowAttendees is false and no auth", bySeatUnmet, 200,
				[]check{{"data.attendees.#", 1.0}, {"data.attendees.0.email", "three@api.com"}}, "seat3"),
			bySeat("should return all attendees when admin auth is provided", bySeatUnmet, 200, []check{{"data.attendees.#", 2.0}}, "seat3", bearer...),
			{title: "should not be able to reschedule seated booking if seatUid is not provided",
				do: func(c *conf) response {
					return c.req("POST", "/v2/bookings/"+c.str("seated.uid")+"/reschedule", v0813, map[string]any{"start": "2030-01-08T15:00:00.000Z"})
				}, status: 400, checks: []check{{"error.message", func(v any) bool {
					s, _ := v.(string)
					return strings.HasPrefix(s, "Booking with uid=") && strings.Contains(s, " is a seated booking which means you have to provide seatUid in the request body") &&
						strings.HasSuffix(s, "reschedule-a-booking#option-2")
				}}}},
			{title: "should reschedule seated booking",
				do: func(c *conf) response {
					return c.req("POST", "/v2/bookings/"+c.str("seated.uid")+"/reschedule", v0813, map[string]any{"start": "2030-01-08T15:00:00.000Z", "seatUid": c.v["seat2"]})
				}, status: 201, checks: append(bookingChecks(shown, "2030-01-08T15:00:00.000Z", "2030-01-08T16:00:00.000Z", 1),
					seatedAttendee("data.attendees.0", "Attendee Two", "two@api.com", "Rust", "200")...),
				save: func(c *conf, r response) { c.v["moved.uid"], c.v["moved.seat"] = r.data()["uid"], r.data()["seatUid"] }},
			{title: "should return valid seatUid for subsequent reschedules",
				do: func(c *conf) response {
					r := post(c, seatedBody(shown, "2030-01-10T10:00:00.000Z", "Reschedule Test", "reschedule@api.com", "Go", "300"))
					for _, hour := range []int{11, 12, 13} {
						d := r.data()
						att, _ := lookup(r.body, "data.attendees.0.seatUid")
						if d == nil || att == nil {
							return r
						}
						r = c.req("POST", "/v2/bookings/"+d["uid"].(string)+"/reschedule", v0813,
							map[string]any{"start": time.Date(2030, 1, 10, hour, 0, 0, 0, time.UTC).Format(time.RFC3339), "seatUid": att})
					}
					return r
				}, status: 201, checks: []check{{"status", "success"}, {"data.seatUid", isString}, {"data.attendees.0.seatUid", isString}}},
			{title: "should book an event type with attendees disabled and no auth provided",
				do: func(c *conf) response {
					return post(c, seatedBody(hidden, "2030-01-09T14:00:00.000Z", "Attendee One", "one@api.com", "TypeScript", "100"))
				},
				status: 201, checks: bookingChecks(hidden, "2030-01-09T14:00:00.000Z", "2030-01-09T15:00:00.000Z", 0),
				save: func(c *conf, r response) { c.v["hidden.uid"] = r.data()["uid"] }},
			{title: "should fetch booking and not have attendees because no auth provided",
				do:     func(c *conf) response { return c.req("GET", "/v2/bookings/"+c.str("hidden.uid"), v0813, nil) },
				status: 200, checks: []check{{"data.hosts.#", 1.0}, {"data.hosts.0.id", float64(owner)}, {"data.status", "accepted"}, {"data.attendees.#", 0.0}},
				// The spec deletes the booking before the next test books the same slot; the
				// host cancels it here.
				save: func(c *conf, r response) {
					_, _ = c.tt.srv.Fake.HostCancel(c.t.Context(), c.str("hidden.uid"), "spec cleanup")
				}},
			{title: "should book an event type with attendees disabled and owner auth provided", note: "the spec sends the bare key as Authorization, without Bearer",
				do: func(c *conf) response {
					return post(c, seatedBody(hidden, "2030-01-09T14:00:00.000Z", "Attendee One", "one@api.com", "TypeScript", "100"), "Authorization", "cal_test_seated")
				}, status: 201, checks: append(bookingChecks(hidden, "2030-01-09T14:00:00.000Z", "2030-01-09T15:00:00.000Z", 1),
					check{"data.attendees.0.email", "one@api.com"}, check{"data.attendees.0.name", "Attendee One"}, check{"data.attendees.0.language", "it"}),
				save: func(c *conf, r response) { c.v["owned.uid"] = r.data()["uid"] }},
			{title: "should fetch booking and have attendees",
				do: func(c *conf) response {
					return c.req("GET", "/v2/bookings/"+c.str("owned.uid"), v0813, nil, "Authorization", "cal_test_seated")
				},
				status: 200, checks: []check{{"data.hosts.#", 1.0}, {"data.attendees.#", 1.0}, {"data.attendees.0.email", "one@api.com"}, {"data.attendees.0.seatUid", isString}}},
			{title: "should cancel seated booking (as attendee)", note: "the spec's describe is \"cancel seated booking as attendee\"; the seat is the one moved above, the only one of its booking",
				do: func(c *conf) response {
					return c.req("POST", "/v2/bookings/"+c.str("moved.uid")+"/cancel", v0813, map[string]any{"seatUid": c.v["moved.seat"]})
				}, status: 200, checks: []check{{"data.status", "cancelled"}, {"data.start", "2030-01-08T15:00:00.000Z"}, {"data.end", "2030-01-08T16:00:00.000Z"},
					{"data.duration", 60.0}, {"data.attendees.#", 0.0}, {"data.hosts.0.id", float64(owner)}}},
			{title: "should book an event type with seats (cancel as host)",
				do: func(c *conf) response {
					return post(c, seatedBody(shown, "2030-01-08T14:00:00.000Z", "Attendee One", "one@api.com", "TypeScript", "100"))
				},
				status: 201, checks: append(bookingChecks(shown, "2030-01-08T14:00:00.000Z", "2030-01-08T15:00:00.000Z", 1),
					seatedAttendee("data.attendees.0", "Attendee One", "one@api.com", "TypeScript", "100")...),
				save: func(c *conf, r response) { c.v["host.uid"] = r.data()["uid"] }},
			{title: "should not be able to cancel without cancellation reason",
				do: func(c *conf) response {
					return c.req("POST", "/v2/bookings/"+c.str("host.uid")+"/cancel", v0813, nil, bearer...)
				},
				status: 400, checks: []check{{"message", "Cancellation reason is required when you are the host"}}},
			{title: "should cancel seated booking (as host)",
				do: func(c *conf) response {
					return c.req("POST", "/v2/bookings/"+c.str("host.uid")+"/cancel", v0813, map[string]any{"cancellationReason": "I will be travelling without internet"}, bearer...)
				}, status: 200, checks: []check{{"data.status", "cancelled"}, {"data.attendees.#", 0.0}, {"data.cancellationReason", "I will be travelling without internet"}}},
		},
	}
}

// seatedHostSpec is the older seated-bookings.e2e-spec.ts (@0562b7d), whose module
// authenticates every request as the host (withApiAuth): the host's cancels of seats and of
// the whole seated booking.
func seatedHostSpec() specFile {
	const owner, et = 21, 211
	key := []string{"Authorization", "Bearer cal_test_host"}
	book := func(c *conf, hour int) response {
		c.tick()
		return c.req("POST", "/v2/bookings", v0813, map[string]any{"start": time.Date(2030, 1, 9, hour, 0, 0, 0, time.UTC).Format(time.RFC3339), "eventTypeId": et,
			"attendee": attendeeBody("Test Host", "host-seat-"+strconv.Itoa(hour)+"@api.com", "Europe/Rome", "it")}, key...)
	}
	cancel := func(hour int, body func(seat any) any) func(c *conf) response {
		return func(c *conf) response {
			d := book(c, hour).data()
			return c.req("POST", "/v2/bookings/"+d["uid"].(string)+"/cancel", v0813, body(d["seatUid"]), key...)
		}
	}
	return specFile{
		file: "ee/bookings/2024-08-13/controllers/e2e/seated-bookings.e2e-spec.ts", version: "@0562b7d",
		cfg: Config{KeyOwners: map[string]int{"cal_test_host": owner}, EventTypes: []EventType{{ID: et, Kind: Seated, LengthMinutes: 60, HostID: owner, Seats: 5, SeatsShowAttendees: true}}},
		rows: []row{
			{title: "should allow host to cancel individual seat without cancellation reason",
				do: cancel(10, func(seat any) any { return map[string]any{"seatUid": seat} }), status: 200, checks: []check{{"status", "success"}, {"data", present}}},
			{title: "should require cancellation reason when host cancels entire seated booking",
				do: cancel(11, func(any) any { return map[string]any{} }), status: 400, checks: []check{{"message", contains("Cancellation reason is required when you are the host")}}},
			{title: "should allow host to cancel entire seated booking with cancellation reason",
				do:     cancel(12, func(any) any { return map[string]any{"cancellationReason": "Host decided to cancel the entire event"} }),
				status: 200, checks: []check{{"data.status", "cancelled"}, {"data.attendees.#", 0.0}}},
			{title: "should reject seated booking cancellation with both seatUid and cancellationReason",
				unmet: "CancelBookingInputPipe throws a BadRequestException, which the HttpExceptionFilter (apps/api/v2/src/filters/http-exception.filter.ts) puts in error.message; the spec reads body.message — the fake follows the filter",
				do: cancel(13, func(seat any) any {
					return map[string]any{"seatUid": seat, "cancellationReason": "This should not be allowed"}
				}),
				status: 400, checks: []check{{"message", contains("cancellationReason property is wrong")}}},
		},
	}
}

// reservedSlotSpec is ee/bookings/2024-08-13/controllers/e2e/reserved-slot-bookings.e2e-spec.ts
// (the version with the recurring event type). The spec writes its reservations straight into
// the database (15 minutes long); here they go into the fake's ledger the same way.
func reservedSlotSpec() specFile {
	const owner, et = 30, 301
	reserve := func(c *conf, uid string, start time.Time, until time.Duration) {
		l := c.tt.srv.Fake.ledger
		l.mu.Lock()
		l.nextReservation++
		l.reservations[uid] = &Reservation{UID: uid, EventTypeID: et, SlotStart: start, SlotEnd: start.Add(time.Hour), Minutes: 15,
			Until: c.clk.Now().Add(until), seq: l.nextReservation}
		l.mu.Unlock()
	}
	gone := func(c *conf, r response, uid string) response {
		g := c.req("GET", "/v2/slots/reservations/"+uid, v0904, nil)
		return withExtra(r, "reservationAfter", g.body["data"])
	}
	book := func(start string) map[string]any {
		return map[string]any{"start": start, "eventTypeId": et, "attendee": map[string]any{"name": "Test Attendee", "email": "reserved-" + start[11:13] + "@example.com", "timeZone": "Europe/Rome"}}
	}
	message := regexp.MustCompile(`^Someone else reserved this booking time slot before you\. This time slot will be freed up in (\d+) seconds\.$`)
	recurringUnmet := "recurring event types are not modelled: the answer is one booking, not the array the spec asserts"
	return specFile{
		file: "ee/bookings/2024-08-13/controllers/e2e/reserved-slot-bookings.e2e-spec.ts", version: "@91f65eb",
		cfg: Config{EventTypes: []EventType{{ID: et, Kind: Standard, LengthMinutes: 60, HostID: owner}, {ID: 302, Kind: Standard, LengthMinutes: 60, HostID: 31}}},
		rows: []row{
			{title: "should create booking with reservedSlotUid from cookie and remove selected slot", do: func(c *conf) response {
				reserve(c, "reserved-cookie", time.Date(2040, 5, 21, 9, 30, 0, 0, time.UTC), 15*time.Minute)
				return gone(c, c.req("POST", "/v2/bookings", v0813, book("2040-05-21T09:30:00.000Z"), "Cookie", "uid=reserved-cookie"), "reserved-cookie")
			}, status: 201, checks: []check{{"status", "success"}, {"data.id", present}, {"reservationAfter", nil}}},
			{title: "should create booking with reservedSlotUid from request body and remove selected slot", do: func(c *conf) response {
				reserve(c, "reserved-body", time.Date(2040, 5, 22, 11, 30, 0, 0, time.UTC), 15*time.Minute)
				b := book("2040-05-22T11:30:00.000Z")
				b["reservedSlotUid"] = "reserved-body"
				return gone(c, c.req("POST", "/v2/bookings", v0813, b), "reserved-body")
			}, status: 201, checks: []check{{"status", "success"}, {"data.id", present}, {"reservationAfter", nil}}},
			{title: "should fail when trying to book with reservedSlotUid that is not first in line", do: func(c *conf) response {
				start := time.Date(2040, 5, 21, 13, 30, 0, 0, time.UTC)
				reserve(c, "reserved-first", start, 15*time.Minute)
				c.clk.Advance(100 * time.Millisecond)
				reserve(c, "reserved-second", start, 15*time.Minute)
				b := book("2040-05-21T13:30:00.000Z")
				b["reservedSlotUid"] = "reserved-second"
				r := c.req("POST", "/v2/bookings", v0813, b)
				first, second := c.req("GET", "/v2/slots/reservations/reserved-first", v0904, nil), c.req("GET", "/v2/slots/reservations/reserved-second", v0904, nil)
				return withExtra(r, "bothStillThere", first.body["data"] != nil && second.body["data"] != nil)
			}, status: 400, checks: []check{{"error.message", func(v any) bool { s, _ := v.(string); return message.MatchString(s) }}, {"bothStillThere", true}}},
			{title: "should create booking with reservedSlotUid from cookie and remove selected slot (recurring)", unmet: recurringUnmet,
				do: func(c *conf) response {
					return c.req("POST", "/v2/bookings", v0813, map[string]any{"start": "2040-05-23T09:30:00.000Z", "eventTypeId": 302,
						"attendee": map[string]any{"name": "Test Attendee", "email": "rec@example.com", "timeZone": "Europe/Rome"}})
				}, status: 201, checks: []check{{"data.0.id", present}}},
			{title: "should create booking with reservedSlotUid from request body and remove selected slot (recurring)", unmet: recurringUnmet,
				do: func(c *conf) response {
					return c.req("POST", "/v2/bookings", v0813, map[string]any{"start": "2040-05-23T11:30:00.000Z", "eventTypeId": 302,
						"attendee": map[string]any{"name": "Test Attendee", "email": "rec@example.com", "timeZone": "Europe/Rome"}})
				}, status: 201, checks: []check{{"data.0.id", present}}},
			{title: "should fail when trying to book with reservedSlotUid that is not first in line (recurring)", unmet: recurringUnmet + "; nothing recurring to be refused",
				do: func(c *conf) response {
					return c.req("POST", "/v2/bookings", v0813, map[string]any{"start": "2040-05-23T13:30:00.000Z", "eventTypeId": 302,
						"attendee": map[string]any{"name": "Test Attendee", "email": "rec@example.com", "timeZone": "Europe/Rome"}, "reservedSlotUid": "nobody"})
				}, status: 400},
		},
	}
}

// slotReservationsSpec is the reservation tests of
// modules/slots/slots-2024-09-04/controllers/e2e/user-event-type-slots.controller.e2e-spec.ts
// (the version with "overlapping slot reservations"). The spec moves its clock with
// advanceTo; here the fake's clock moves.
func slotReservationsSpec() specFile {
	const owner, et = 40, 401
	slotStart := "2050-09-05T10:00:00.000Z"
	reserve := func(c *conf, start string, hdr ...string) response {
		return c.req("POST", "/v2/slots/reservations", v0904, map[string]any{"eventTypeId": et, "slotStart": start}, hdr...)
	}
	offered := func(c *conf, start string) bool {
		r := c.req("GET", "/v2/slots?eventTypeId="+strconv.Itoa(et)+"&start=2050-09-05&end=2050-09-09", v0904, nil)
		day, _ := lookup(r.body, "data.2050-09-05")
		list, _ := day.([]any)
		for _, s := range list {
			if m, _ := s.(map[string]any); m["start"] == start {
				return true
			}
		}
		return false
	}
	overlap := func(title string, shift time.Duration) row {
		return row{title: title, status: 422, checks: []check{{"error.message", "This time slot is already reserved by another user. Please choose a different time."}},
			do: func(c *conf) response {
				start, _ := time.Parse(time.RFC3339, c.str("slot.start"))
				return reserve(c, start.Add(shift).Format(time.RFC3339))
			}}
	}
	customDuration := func(c *conf, hdr ...string) response {
		return c.req("POST", "/v2/slots/reservations", v0904, map[string]any{"eventTypeId": et, "slotStart": slotStart, "reservationDuration": 10}, hdr...)
	}
	availabilityUnmet := "the spec compares the whole slot map, built from the owner's Rome working hours; the fake's hosts are free around the clock"
	return specFile{
		file: "modules/slots/slots-2024-09-04/controllers/e2e/user-event-type-slots.controller.e2e-spec.ts", version: "@30f11f5",
		cfg: Config{KeyOwners: map[string]int{"cal_test_owner": owner, "cal_test_unrelated": 41},
			EventTypes: []EventType{{ID: et, Kind: Standard, LengthMinutes: 60, HostID: owner}}},
		rows: []row{
			{title: "should reserve a slot and it should not appear in available slots", do: func(c *conf) response {
				c.at(time.Date(2049, 9, 5, 12, 0, 0, 0, time.UTC))
				r := reserve(c, slotStart)
				return withExtra(r, "offered", offered(c, slotStart))
			}, status: 201, checks: []check{{"status", "success"}, {"data.reservationUid", isString}, {"data.eventTypeId", float64(et)},
				{"data.slotStart", slotStart}, {"data.slotDuration", 60.0}, {"data.slotEnd", "2050-09-05T11:00:00.000Z"}, {"data.reservationDuration", 5.0},
				{"data.reservationUntil", "2049-09-05T12:05:00.000Z"}, {"offered", false}},
				note: "the spec also compares the rest of the slot map (see the availability row)",
				save: func(c *conf, r response) {
					c.v["slot.uid"], c.v["slot.start"] = r.data()["reservationUid"], r.data()["slotStart"]
					c.v["slot.end"], c.v["slot.until"] = r.data()["slotEnd"], r.data()["reservationUntil"]
				}},
			{title: "should get reserved slot", do: func(c *conf) response { return c.req("GET", "/v2/slots/reservations/"+c.str("slot.uid"), v0904, nil) },
				status: 200, checks: []check{{"status", "success"}, {"data.reservationUid", func(v any) bool { return v != nil }}, {"data.eventTypeId", float64(et)},
					{"data.slotStart", slotStart}, {"data.slotEnd", "2050-09-05T11:00:00.000Z"}, {"data.slotDuration", 60.0},
					{"data.reservationUntil", "2049-09-05T12:05:00.000Z"}, {"data.reservationDuration", absent}}},
			overlap("start of request slot overlaps already existing reserved slot", 15*time.Minute),
			overlap("end of request slot overlaps already existing reserved slot", -15*time.Minute),
			overlap("request slot is inside already existing reserved slot", 10*time.Minute),
			{title: "should update a reserved slot and it should not appear in available slots", do: func(c *conf) response {
				c.at(time.Date(2049, 9, 5, 14, 0, 0, 0, time.UTC))
				r := c.req("PATCH", "/v2/slots/reservations/"+c.str("slot.uid"), v0904, map[string]any{"eventTypeId": et, "slotStart": "2050-09-05T13:00:00.000Z"})
				return withExtra(r, "offered", offered(c, "2050-09-05T13:00:00.000Z"))
			}, status: 200, checks: []check{{"data.reservationUid", isString}, {"data.eventTypeId", float64(et)}, {"data.slotStart", "2050-09-05T13:00:00.000Z"},
				{"data.slotDuration", 60.0}, {"data.slotEnd", "2050-09-05T14:00:00.000Z"}, {"data.reservationDuration", 5.0},
				{"data.reservationUntil", "2049-09-05T14:05:00.000Z"}, {"offered", false}}},
			{title: "should delete reserved slot and it should not appear in available slots", do: func(c *conf) response {
				r := c.req("DELETE", "/v2/slots/reservations/"+c.str("slot.uid"), v0904, nil)
				return withExtra(r, "offered", offered(c, "2050-09-05T13:00:00.000Z"))
			}, status: 200, checks: []check{{"offered", true}}},
			{title: "should not be able reserve a slot with custom duration if no auth is provided", do: func(c *conf) response { return customDuration(c) }, status: 401},
			{title: "should not be able reserve a slot with custom duration if provided auth user is not owner of event type nor shares team membership with owner",
				do: func(c *conf) response { return customDuration(c, "Authorization", "Bearer cal_test_unrelated") }, status: 403},
			{title: "should reserve a slot as event type owner with custom duration and it should not appear in available slots", do: func(c *conf) response {
				c.at(time.Date(2049, 9, 5, 12, 0, 0, 0, time.UTC))
				r := customDuration(c, "Authorization", "Bearer cal_test_owner")
				return withExtra(r, "offered", offered(c, slotStart))
			}, status: 201, checks: []check{{"data.reservationUid", isString}, {"data.reservationUntil", "2049-09-05T12:10:00.000Z"}, {"offered", false}},
				save: func(c *conf, r response) {
					c.req("DELETE", "/v2/slots/reservations/"+r.data()["reservationUid"].(string), v0904, nil) // the spec deletes it too
				}},
			{title: "should reserve a slot as someone who shares team with event type owner with custom duration and it should not appear in available slots",
				unmet: "teams and memberships are not modelled: a key of another user is refused a custom reservationDuration (403)",
				do:    func(c *conf) response { return customDuration(c, "Authorization", "Bearer cal_test_unrelated") }, status: 201},
			{title: "should do a booking and slot should not be available at that time", unmet: availabilityUnmet,
				do: func(c *conf) response {
					r := c.req("GET", "/v2/slots?eventTypeId="+strconv.Itoa(et)+"&start=2050-09-05&end=2050-09-09", v0904, nil)
					return withExtra(r, "days", float64(len(r.data())))
				}, status: 200, checks: []check{{"days", 5.0}, {"data.2050-09-05.#", 7.0}}},
			{title: "should not be able to reserve a slot for variable length event type with invalid duration",
				unmet: "several durations (multipleDuration) are not modelled: the fake refuses any slotDuration but the event type's length, in its own words",
				do: func(c *conf) response {
					return c.req("POST", "/v2/slots/reservations", v0904, map[string]any{"eventTypeId": et, "slotStart": slotStart, "slotDuration": 1000})
				}, status: 400, checks: []check{{"error.message", hasPrefix("Provided 'slotDuration' is not one of the possible lengths for the event type.")}}},
		},
	}
}

// confirmSpec is ee/bookings/2024-08-13/controllers/e2e/confirm-bookings.e2e-spec.ts
// (@188fb4b), whose module authenticates as the owner (withApiAuth). The spec writes PENDING
// bookings straight into the database; here they are requested on a requires-confirmation
// event type.
func confirmSpec() specFile {
	const owner, et = 50, 501
	key := []string{"Authorization", "Bearer cal_test_confirm"}
	decide := func(action string, hour int) func(c *conf) response {
		return func(c *conf) response {
			r := c.req("POST", "/v2/bookings", v0813, map[string]any{"start": time.Date(2050, 1, 7, hour, 0, 0, 0, time.UTC).Format(time.RFC3339), "eventTypeId": et,
				"attendee": attendeeBody("Bob", "bob@gmail.com", "Europe/Rome", "it")}, key...)
			if r.data()["status"] != "pending" {
				return r
			}
			d := c.req("POST", "/v2/bookings/"+r.data()["uid"].(string)+"/"+action, v0813, nil, key...)
			b, _ := c.tt.srv.Fake.Booking(r.data()["uid"].(string))
			return withExtra(d, "ledger", string(b.Status))
		}
	}
	return specFile{
		file: "ee/bookings/2024-08-13/controllers/e2e/confirm-bookings.e2e-spec.ts", version: "@188fb4b",
		cfg: Config{KeyOwners: map[string]int{"cal_test_confirm": owner}, EventTypes: []EventType{{ID: et, Kind: RequiresConfirmation, LengthMinutes: 60, HostID: owner}}},
		rows: []row{
			{title: "should confirm a booking", do: decide("confirm", 13), status: 200,
				checks: []check{{"status", "success"}, {"data.uid", isString}, {"data.status", "accepted"}, {"ledger", "accepted"}}},
			{title: "should decline a booking", do: decide("decline", 10), status: 200,
				checks: []check{{"status", "success"}, {"data.uid", isString}, {"data.status", "rejected"}, {"ledger", "rejected"}}},
		},
	}
}
