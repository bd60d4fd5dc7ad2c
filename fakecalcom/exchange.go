package fakecalcom

import (
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
)

// exchange is one /v2 request on its way through the fake: faults before, processing,
// faults after, latency, response. rec is the journal entry being filled in.
type exchange struct {
	f     *Fake
	t     *moment // the request's own time (createdAt, updatedAt, Date)
	w     http.ResponseWriter
	r     *http.Request
	entry *JournalEntry
	rec   JournalEntry
	body  []byte
	rule  *Rule
	rl    *rateWindow
	who   caller    // the authenticated caller, or anonymous
	bufs  []*[]byte // pooled buffers, returned by release
	// events are the webhooks the request's change fires; async delivery sends them after
	// the response (see Fake.ServeHTTP).
	events []*webhookEvent
	// watch is the create Config.OnCreate follows (nil for other requests, or without it).
	watch *createWatch
}

// result is what a route handler produced, before after-commit faults spoil it.
type result struct {
	status   int
	data     any    // marshalled with encoding/json
	raw      []byte // pre-encoded data (bookings), used instead of data when set
	bare     bool   // {"status":"success"} without data (DELETE of a reservation)
	pag      *pagination
	err      *apiError
	uid      string
	seat     string // the seat the request created or cancelled
	replayed bool
	created  bool
	events   []*webhookEvent
}

func (x *exchange) serve() {
	f, r := x.f, x.r
	if r.ContentLength > maxBodyBytes {
		x.writeErr(httpErr(http.StatusRequestEntityTooLarge, MsgPayloadTooLarge))
		return
	}
	if r.Body != nil {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
		if err != nil {
			x.writeErr(httpErr(http.StatusBadRequest, "could not read the request body: "+err.Error()))
			return
		}
		if len(b) > maxBodyBytes {
			x.writeErr(httpErr(http.StatusRequestEntityTooLarge, MsgPayloadTooLarge))
			return
		}
		x.body = b
	}
	if f.faults.armed.Load() {
		t := faultTarget{method: r.Method, path: r.URL.Path, query: r.URL.Query(), booking: f.Booking}
		if len(x.body) > 0 && f.faults.wantsBody() {
			_ = json.Unmarshal(x.body, &t.body) // a non-JSON body simply matches no body predicate
			t.callID = lookupString(t.body, "metadata.call_id")
		}
		t.key = requestKey(t.callID, r.Method, r.URL.Path, t.query)
		var attempt int
		if x.rule, attempt = f.faults.fire(t); x.rule != nil {
			x.rec.Rule, x.rec.Action, x.rec.CallID, x.rec.Attempt = x.rule.Name, x.rule.Action.Kind, t.callID, attempt
			if x.beforeCommit() {
				return
			}
		}
	}
	if limit := f.limitFor(r); limit > 0 {
		w, ok := f.limiter.take(tracker(r), limit, f.Now())
		x.rl = &w
		if !ok {
			x.writeErr(throttled())
			return
		}
	}
	who, aerr := f.authenticate(r)
	if aerr != nil {
		x.writeErr(aerr)
		return
	}
	x.who = who
	res := x.route()
	x.rec.BookingUID, x.rec.SeatUID, x.rec.Replayed, x.rec.Created = res.uid, res.seat, res.replayed, res.created
	x.events = res.events
	switch {
	case len(res.events) == 0:
	case f.webhooks.mode == DeliverySync:
		f.webhooks.fire(res.events, true) // before the response, as Cal.com's legacy path
	default:
		f.webhooks.announce() // fired after the response (ServeHTTP)
	}
	x.respond(res)
}

// beforeCommit applies a fired rule's pre-processing action; true means the request is done.
func (x *exchange) beforeCommit() bool {
	a := x.rule.Action
	switch {
	case a.Kind == ActionDelay && !a.AfterCommit:
		x.t.wait(x.r.Context().Done(), a.Delay.D())
	case a.Kind == ActionStatus && !a.AfterCommit:
		x.writeErr(httpErr(a.Status, a.Message))
		return true
	case a.Kind == ActionRateLimit:
		x.rl = &rateWindow{limit: rateLimitPerWindow, remaining: 0, resetSeconds: seconds(rateLimitBlock)}
		x.writeErr(throttled())
		return true
	case a.Kind == ActionResetBeforeCommit:
		x.cut()
		return true
	}
	return false
}

// respond applies after-commit faults and latency, then writes the result. After-commit
// faults apply whatever the outcome: a cut or spoiled response hides an error as well as a
// success (the journal's Created says whether anything was committed).
func (x *exchange) respond(res result) {
	x.createDecided(res)
	status, body := res.status, []byte(nil)
	if res.err != nil {
		status = res.err.status
	} else if res.raw != nil {
		p := x.buf()
		*p = appendSuccess(*p, res.raw, res.pag)
		body = *p
	} else if res.bare {
		body = []byte(`{"status":"success"}`)
	} else {
		body = mustJSON(successBody{Status: "success", Data: res.data, Pagination: res.pag})
	}
	if x.rule != nil {
		a := x.rule.Action
		switch a.Kind {
		case ActionResetAfterCommit:
			x.rec.Status = status
			x.cut()
			return
		case ActionTimeoutAfterCommit:
			x.rec.Status = status
			x.f.journal.finish(x.entry, x.rec) // visible while held
			if hold := x.f.cfg.OnHold; hold != nil {
				hold(x.r)
			}
			select {
			case <-x.r.Context().Done():
			case <-x.f.closed:
			}
			x.cut()
			return
		case ActionMalformed, ActionEmpty, ActionDropField:
			if res.err != nil {
				body = res.err.body(x.t.now(), x.r.URL.RequestURI())
			}
			switch a.Kind {
			case ActionMalformed:
				body = body[:len(body)/2]
			case ActionEmpty:
				body = nil
			default:
				body = dropField(body, a.Field)
			}
			x.t.wait(x.r.Context().Done(), x.f.cfg.Latency)
			x.realDelay()
			x.write(status, body)
			return
		case ActionDelay:
			if a.AfterCommit {
				x.t.wait(x.r.Context().Done(), a.Delay.D())
			}
		case ActionStatus:
			if a.AfterCommit {
				res.err = httpErr(a.Status, a.Message)
			}
		}
	}
	x.t.wait(x.r.Context().Done(), x.f.cfg.Latency)
	x.realDelay()
	if res.err != nil {
		x.writeErr(res.err)
		return
	}
	x.write(status, body)
}

// dropField removes one key from the envelope's data object (re-encoding it; key order
// becomes alphabetical, which JSON clients must not depend on anyway).
func dropField(body []byte, field string) []byte {
	var env map[string]json.RawMessage
	if json.Unmarshal(body, &env) != nil {
		return body
	}
	var data map[string]json.RawMessage
	if json.Unmarshal(env["data"], &data) != nil {
		return body
	}
	delete(data, field)
	env["data"] = mustJSON(data)
	return mustJSON(env)
}

func (x *exchange) writeErr(e *apiError) {
	x.write(e.status, e.body(x.t.now(), x.r.URL.RequestURI()))
}

// write sends the response with Cal.com's headers; Date comes from the fake's clock, because
// a hardened client judges freshness by it.
func (x *exchange) write(status int, body []byte) {
	now := x.t.now()
	h := x.w.Header()
	h["Date"] = []string{now.Format(http.TimeFormat)}
	h["Content-Type"] = []string{"application/json; charset=utf-8"}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	id := x.r.Header.Get("X-Request-Id")
	if id == "" {
		id = "unknown-request-id"
	}
	h["X-Request-Id"] = []string{id}
	if x.rl != nil {
		h["X-Ratelimit-Limit-Default"] = []string{strconv.Itoa(x.rl.limit)}
		h["X-Ratelimit-Remaining-Default"] = []string{strconv.Itoa(x.rl.remaining)}
		h["X-Ratelimit-Reset-Default"] = []string{strconv.Itoa(x.rl.resetSeconds)}
	}
	x.rec.Status = status
	x.rec.ResponseStarted = now
	x.finish() // publish before the client can see the response, so its view never runs ahead
	x.w.WriteHeader(status)
	_, _ = x.w.Write(body)
}

// cut ends the exchange without a response: a TCP reset on a real connection, a transport
// error through the httpmock responder, an aborted stream otherwise.
func (x *exchange) cut() {
	x.rec.Cut = true
	x.finish() // publish before the client can see the cut
	if m, ok := x.w.(*mockWriter); ok {
		m.cut = true
		return
	}
	conn, _, err := http.NewResponseController(x.w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // net/http aborts the stream and logs nothing
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // close sends RST, not FIN: a true connection reset
	}
	_ = conn.Close()
}

// buf lends the exchange a pooled buffer until release.
func (x *exchange) buf() *[]byte {
	b := x.f.bufs.get()
	x.bufs = append(x.bufs, b)
	return b
}

// bookingJSON renders b into a pooled buffer as the request's caller sees it, with the
// seatUid of the seat the request took when seat is set; the caller holds the ledger lock (or
// b is a copy).
func (x *exchange) bookingJSON(b *Booking, seat string) []byte {
	p := x.buf()
	*p = appendBooking(*p, b, x.seesSeats(b))
	if seat != "" {
		*p = appendSeatUID(*p, seat)
	}
	return *p
}

// seesSeats reports whether the caller sees a seated booking's attendees: the event type
// shows them (seatsShowAttendees), or the caller is one of its hosts. Lock order: the caller
// may hold the ledger lock; event types come after it.
func (x *exchange) seesSeats(b *Booking) bool {
	if b.Seats == nil {
		return true
	}
	et, _ := x.f.eventType(b.EventTypeID)
	return et.SeatsShowAttendees || x.who.hosts(et)
}

// release returns the pooled buffers once the response has been written.
func (x *exchange) release() {
	for _, b := range x.bufs {
		x.f.bufs.put(b)
	}
	x.bufs = nil
}

// finish publishes the journal entry and logs the request.
func (x *exchange) finish() {
	if !x.rec.Completed.IsZero() {
		return
	}
	x.rec.Completed = x.t.now()
	x.f.journal.finish(x.entry, x.rec)
	if lg := x.f.cfg.Logger; lg != nil {
		lg.LogAttrs(x.r.Context(), slog.LevelInfo, "request",
			slog.Int64("seq", x.rec.Seq), slog.String("method", x.rec.Method), slog.String("path", x.rec.Path),
			slog.Int("status", x.rec.Status), slog.Bool("cut", x.rec.Cut), slog.String("call_id", x.rec.CallID),
			slog.String("booking_uid", x.rec.BookingUID), slog.Bool("replayed", x.rec.Replayed),
			slog.String("rule", x.rec.Rule), slog.Duration("fake_elapsed", x.rec.Completed.Sub(x.rec.Received)))
	}
}

// route dispatches to the endpoint handlers after checking the API version.
func (x *exchange) route() result {
	p, m := x.r.URL.Path, x.r.Method
	notFound := result{err: httpErr(http.StatusNotFound, "Cannot "+m+" "+p)}
	switch {
	case p == "/v2/bookings":
		if e := x.version(apiVersionBookings); e != nil {
			return result{err: e}
		}
		switch m {
		case http.MethodPost:
			return x.create()
		case http.MethodGet:
			return x.list()
		}
	case strings.HasPrefix(p, "/v2/bookings/"):
		uid, action, _ := strings.Cut(p[len("/v2/bookings/"):], "/")
		if uid == "" {
			return notFound
		}
		if e := x.version(apiVersionBookings); e != nil {
			return result{err: e}
		}
		switch {
		case action == "" && m == http.MethodGet:
			return x.get(uid)
		case action == "cancel" && m == http.MethodPost:
			return x.cancelRoute(uid)
		case action == "reschedule" && m == http.MethodPost:
			return x.rescheduleRoute(uid)
		case (action == "confirm" || action == "decline") && m == http.MethodPost:
			return x.decisionRoute(uid, action)
		}
	case p == "/v2/slots" && m == http.MethodGet:
		if e := x.version(apiVersionSlots); e != nil {
			return result{err: e}
		}
		return x.slots()
	case p == "/v2/slots/reservations" || strings.HasPrefix(p, "/v2/slots/reservations/"):
		uid := strings.TrimPrefix(strings.TrimPrefix(p, "/v2/slots/reservations"), "/")
		if strings.Contains(uid, "/") {
			return notFound
		}
		if e := x.version(apiVersionSlots); e != nil {
			return result{err: e}
		}
		return x.reservationRoute(uid)
	}
	return notFound
}

// version insists on the one cal-api-version the fake implements for the route. Real Cal.com
// silently falls back to 2024-04-15 (a different request and response shape); the fake
// refuses instead, so a client that forgot the header finds out in tests.
func (x *exchange) version(want string) *apiError {
	got := x.r.Header.Get("cal-api-version")
	if got == want {
		return nil
	}
	return httpErr(http.StatusBadRequest, "fakecalcom implements cal-api-version "+want+" for "+x.r.URL.Path+
		" (bookings: "+apiVersionBookings+", slots: "+apiVersionSlots+"); got "+strconv.Quote(got)+
		". Real Cal.com would silently fall back to 2024-04-15.")
}
