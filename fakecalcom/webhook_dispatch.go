package fakecalcom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bookingharness/bookingharness/internal/sabotage"
)

// WebhookDelivery is one journalled delivery of a webhook to one subscriber: made, lost to a
// fault, or answered by the subscriber with a failure (which Cal.com only logs: no retry).
type WebhookDelivery struct {
	Seq int64 `json:"seq"`
	// Event numbers the change that fired the webhook; a duplicated delivery shares it.
	Event      int64   `json:"event"`
	Trigger    Trigger `json:"trigger"`
	BookingUID string  `json:"bookingUid"`
	SeatUID    string  `json:"seatUid,omitempty"`
	CallID     string  `json:"callId,omitempty"`
	URL        string  `json:"url"`
	// Fired is the fake's time of the change; At when the delivery was sent or given up.
	Fired time.Time `json:"fired"`
	At    time.Time `json:"at"`
	// Status is the subscriber's HTTP status (or the one a subscriber_status fault made up);
	// 0 when nothing answered.
	Status int `json:"status"`
	// Attempt is 1, or 2 for the second delivery of a duplicate fault.
	Attempt int `json:"attempt"`
	// Rule and Action name the fault that struck this delivery, if any.
	Rule   string     `json:"rule,omitempty"`
	Action ActionKind `json:"action,omitempty"`
	// Sent is false when the subscriber never received the delivery (dropped, a
	// subscriber_status fault, the fake closed); Error says why a sent one failed.
	Sent  bool   `json:"sent"`
	Error string `json:"error,omitempty"`
}

// delivery is one webhook on its way to one subscriber.
type delivery struct {
	ev      *webhookEvent
	sub     Subscriber
	attempt int
	rule    *Rule
	due     time.Time // for a delayed delivery: when it is due on the fake's clock
}

// webhookTimeout bounds one delivery in real time, so a stuck subscriber cannot hold a
// create (sync delivery) or the queue forever.
const webhookTimeout = 10 * time.Second

// dispatcher delivers webhooks: inline before the response (sync) or from one worker
// goroutine after it (async); delayed deliveries wait for the fake's clock, reordered ones
// for the next delivery to their subscriber.
type dispatcher struct {
	f         *Fake
	mode      Delivery
	client    *http.Client
	ownClient bool
	ctx       context.Context // cancelled by close: in-flight deliveries give up
	cancel    context.CancelFunc
	// active mirrors len(subs) > 0, so a change with no subscriber builds no payload.
	active atomic.Bool
	// waiting mirrors len(timed) > 0, so a request checks for due deliveries without a lock.
	waiting atomic.Bool

	mu      sync.Mutex
	cond    *sync.Cond // broadcast whenever queue, sending or running change
	subs    []Subscriber
	queue   []*delivery // ready for the worker, in order
	timed   []*delivery // delayed, waiting for their due time
	held    []*delivery // reordered, waiting for the next delivery to their subscriber
	timers  []*time.Timer
	sending int  // deliveries being sent now
	firing  int  // async events announced by a request that has not fired them yet
	running bool // the worker goroutine is alive
	closed  bool
	log     []WebhookDelivery
	seq     int64 // deliveries journalled
	events  int64 // events fired
}

func newDispatcher(f *Fake, cfg Config) *dispatcher {
	d := &dispatcher{f: f, mode: cfg.Webhooks.Delivery, client: cfg.WebhookClient}
	if d.mode == "" {
		d.mode = DeliverySync
	}
	if d.client == nil {
		d.client = &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 8}, Timeout: webhookTimeout}
		d.ownClient = true
	} else {
		c := *d.client // the caller's client, without its redirect policy
		d.client = &c
	}
	// Cal.com's sender never follows a redirect (sendPayload.ts: fetch with redirect:
	// "manual"): a subscriber's 3xx is its answer, journalled as it came.
	d.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	d.ctx, d.cancel = context.WithCancel(context.Background())
	d.cond = sync.NewCond(&d.mu)
	if cfg.Webhooks.URL != "" {
		d.subs = []Subscriber{{URL: cfg.Webhooks.URL, Secret: cfg.Webhooks.Secret}}
		d.active.Store(true)
	}
	return d
}

// AddSubscriber subscribes a loopback URL to every trigger, signing with secret (may be
// empty). It fails, changing nothing, for a URL that is not loopback.
func (f *Fake) AddSubscriber(s Subscriber) error {
	if err := CheckSubscriberURL(s.URL); err != nil {
		return err
	}
	d := f.webhooks
	d.mu.Lock()
	d.subs = append(d.subs, s)
	d.active.Store(true)
	d.mu.Unlock()
	return nil
}

// ClearSubscribers removes every subscriber; deliveries already queued still go out.
func (f *Fake) ClearSubscribers() {
	d := f.webhooks
	d.mu.Lock()
	d.subs = nil
	d.active.Store(false)
	d.mu.Unlock()
}

// Subscribers lists the subscribers (with their secrets: the caller configured them).
func (f *Fake) Subscribers() []Subscriber {
	d := f.webhooks
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.subs)
}

// WebhookDeliveries returns a copy of the delivery journal since the last Reset, in the
// order deliveries were made or given up.
func (f *Fake) WebhookDeliveries() []WebhookDelivery {
	d := f.webhooks
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.log)
}

// PendingWebhooks counts deliveries not yet made: queued, in flight, held for reordering,
// or delayed until a later time on the fake's clock.
func (f *Fake) PendingWebhooks() int {
	d := f.webhooks
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.queue) + d.sending + len(d.held) + len(d.timed) + d.firing
}

// FlushWebhooks waits until every delivery that is due has been made: it releases reordered
// deliveries still waiting for a next one, moves delayed deliveries whose time has come (on
// the fake's clock) to the queue, and waits for the queue and in-flight deliveries to drain.
// Deliveries delayed beyond the fake's current time stay pending (advance the clock, then
// flush again). Tests use it instead of sleeping; it returns ctx's error if ctx ends first.
// WaitWebhooks is the same without releasing the reordered deliveries.
func (f *Fake) FlushWebhooks(ctx context.Context) error {
	d := f.webhooks
	d.promoteDue()
	d.mu.Lock()
	d.queue = append(d.queue, d.held...)
	d.held = nil
	d.mu.Unlock()
	return f.WaitWebhooks(ctx)
}

// event builds the webhook of a change, or nil when nobody subscribes. The caller holds the
// ledger lock, so the payload is the booking as the change left it.
func (d *dispatcher) event(trigger Trigger, b *Booking, detail eventDetail) []*webhookEvent {
	if !d.active.Load() {
		return nil
	}
	et, _ := d.f.eventType(b.EventTypeID)
	now := d.f.Now()
	body := buildPayload(trigger, b, detail, now, et)
	callID := eventCallID(b, detail)
	d.mu.Lock()
	d.events++
	seq := d.events
	d.mu.Unlock()
	return []*webhookEvent{{seq: seq, trigger: trigger, uid: b.UID, seat: detail.seat, callID: callID, at: now, body: mustJSON(body)}}
}

// eventCallID is the call a webhook is about, for fault matching and the journal: the call_id
// of the request's metadata, the seat's, or the booking's — also when the payload carries no
// metadata (BOOKING_CANCELLED).
func eventCallID(b *Booking, d eventDetail) string {
	meta := b.Metadata
	if s := b.seat(d.seat); s != nil {
		meta = s.Metadata
	}
	if d.metadata != nil {
		meta = d.metadata
	}
	c, _ := meta["call_id"].(string)
	return c
}

// fire delivers events to every subscriber: inline (before the caller answers) or through
// the worker. Fault rules decide, per delivery, whether it is dropped, answered, duplicated,
// delayed or held for reordering.
func (d *dispatcher) fire(events []*webhookEvent, inline bool) {
	for _, ev := range events {
		d.mu.Lock()
		subs := slices.Clone(d.subs)
		d.mu.Unlock()
		for _, sub := range subs {
			for _, dl := range d.plan(ev, sub) {
				if inline {
					d.sendInline(dl)
				} else {
					d.enqueue(dl)
				}
			}
		}
	}
}

// plan applies the webhook fault rules to one delivery and returns what is to be sent now.
func (d *dispatcher) plan(ev *webhookEvent, sub Subscriber) []*delivery {
	dl := &delivery{ev: ev, sub: sub, attempt: 1}
	t := faultTarget{method: MethodWebhook, path: string(ev.trigger), callID: ev.callID, key: ev.callID}
	if t.key == "" {
		t.key = MethodWebhook + " " + string(ev.trigger) + " " + ev.uid
	}
	if d.f.faults.wantsBody() {
		_ = json.Unmarshal(ev.body, &t.body)
	}
	rule, _ := d.f.faults.fire(t)
	if rule == nil {
		return []*delivery{dl}
	}
	dl.rule = rule
	switch rule.Action.Kind {
	case ActionDrop:
		d.record(dl, 0, nil, false)
		return nil
	case ActionStatus:
		d.record(dl, rule.Action.Status, nil, false)
		return nil
	case ActionDuplicate:
		second := *dl
		second.attempt = 2
		return []*delivery{dl, &second}
	case ActionDelay:
		dl.due = ev.at.Add(rule.Action.Delay.D())
		d.delay(dl, rule.Action.Delay.D())
		return nil
	case ActionReorder:
		d.mu.Lock()
		d.held = append(d.held, dl)
		d.mu.Unlock()
		return nil
	}
	return []*delivery{dl}
}

// delay parks a delivery until it is due on the fake's clock. On an Advancer clock it is
// moved to the queue when a request, a host action, Age or FlushWebhooks finds it due; on a
// real clock a timer does it.
func (d *dispatcher) delay(dl *delivery, after time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.timed = append(d.timed, dl)
	d.waiting.Store(true)
	if !d.f.virtual() && !d.closed {
		d.timers = append(d.timers, time.AfterFunc(after, func() { d.wake(dl) }))
	}
}

// wake is a real-clock timer's callback: it queues what is due and, if the clock offset
// moved back so that dl is not due yet, waits again for the rest of its delay.
func (d *dispatcher) wake(dl *delivery) {
	d.promoteDue()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed || !slices.Contains(d.timed, dl) {
		return
	}
	d.timers = append(d.timers, time.AfterFunc(dl.due.Sub(d.f.Now()), func() { d.wake(dl) }))
}

// promoteDue queues the delayed deliveries whose time has come on the fake's clock.
func (d *dispatcher) promoteDue() {
	if !d.waiting.Load() {
		return
	}
	now := d.f.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	keep := d.timed[:0]
	var due []*delivery
	for _, dl := range d.timed {
		if dl.due.After(now) {
			keep = append(keep, dl)
		} else {
			due = append(due, dl)
		}
	}
	clear(d.timed[len(keep):])
	d.timed = keep
	d.waiting.Store(len(keep) > 0)
	slices.SortStableFunc(due, func(a, b *delivery) int { return a.due.Compare(b.due) })
	d.queue = append(d.queue, due...)
	d.startLocked()
}

// enqueue hands a delivery to the worker.
func (d *dispatcher) enqueue(dl *delivery) {
	d.mu.Lock()
	d.queue = append(d.queue, dl)
	d.startLocked()
	d.mu.Unlock()
}

// startLocked starts the worker if there is work and none runs. The caller holds d.mu.
func (d *dispatcher) startLocked() {
	if d.running || d.closed || len(d.queue) == 0 {
		return
	}
	d.running = true
	go d.work()
}

// work sends queued deliveries in order until the queue is empty.
func (d *dispatcher) work() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for len(d.queue) > 0 && !d.closed {
		dl := d.queue[0]
		d.queue[0] = nil
		d.queue = d.queue[1:]
		d.sending++
		d.mu.Unlock()
		d.send(dl)
		d.mu.Lock()
		d.sending--
		d.queue = append(d.takeHeldLocked(dl.sub.URL), d.queue...) // held ones go right after
		d.cond.Broadcast()
	}
	d.running = false
	d.cond.Broadcast()
}

// sendInline sends a delivery in the calling goroutine (sync delivery), then the deliveries
// held back to come after it.
func (d *dispatcher) sendInline(dl *delivery) {
	d.mu.Lock()
	d.sending++
	d.mu.Unlock()
	d.send(dl)
	d.mu.Lock()
	held := d.takeHeldLocked(dl.sub.URL)
	d.mu.Unlock()
	for _, h := range held {
		d.send(h)
	}
	d.mu.Lock()
	d.sending--
	d.cond.Broadcast()
	d.mu.Unlock()
}

// takeHeldLocked removes and returns the reordered deliveries waiting for a delivery to url.
func (d *dispatcher) takeHeldLocked(url string) []*delivery {
	var out []*delivery
	keep := d.held[:0]
	for _, h := range d.held {
		if h.sub.URL == url {
			out = append(out, h)
		} else {
			keep = append(keep, h)
		}
	}
	clear(d.held[len(keep):])
	d.held = keep
	return out
}

// send POSTs one delivery as Cal.com does (sendPayload.ts) and journals the answer.
func (d *dispatcher) send(dl *delivery) {
	ctx, cancel := context.WithTimeout(d.ctx, webhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, dl.sub.URL, bytes.NewReader(dl.ev.body))
	if err != nil {
		d.record(dl, 0, err, true)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	secret := dl.sub.Secret
	if sabotage.On(sabotage.FakeWebhookSecret) {
		secret = "not-" + secret
	}
	req.Header.Set("X-Cal-Signature-256", WebhookSignature(secret, dl.ev.body))
	req.Header.Set("x-cal-webhook-version", WebhookVersion)
	res, err := d.client.Do(req)
	if err != nil {
		d.record(dl, 0, err, true)
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, maxBodyBytes))
	_ = res.Body.Close()
	d.record(dl, res.StatusCode, nil, true)
}

// record journals a delivery and logs it (without the secret).
func (d *dispatcher) record(dl *delivery, status int, err error, sent bool) {
	e := WebhookDelivery{
		Event: dl.ev.seq, Trigger: dl.ev.trigger, BookingUID: dl.ev.uid, SeatUID: dl.ev.seat, CallID: dl.ev.callID,
		URL: dl.sub.URL, Fired: dl.ev.at, At: d.f.Now(), Status: status, Attempt: dl.attempt, Sent: sent,
	}
	if dl.rule != nil {
		e.Rule, e.Action = dl.rule.Name, dl.rule.Action.Kind
	}
	if err != nil {
		e.Error = err.Error()
		if errors.Is(err, context.Canceled) && d.ctx.Err() != nil {
			e.Error = "the fake was closed during the delivery"
		}
	}
	d.mu.Lock()
	d.seq++
	e.Seq = d.seq
	d.log = append(d.log, e)
	d.mu.Unlock()
	if lg := d.f.cfg.Logger; lg != nil {
		lg.LogAttrs(d.ctx, slog.LevelInfo, "webhook",
			slog.Int64("seq", e.Seq), slog.String("trigger", string(e.Trigger)), slog.String("booking_uid", e.BookingUID),
			slog.String("call_id", e.CallID), slog.String("url", e.URL), slog.Int("status", e.Status),
			slog.Int("attempt", e.Attempt), slog.Bool("sent", e.Sent), slog.String("rule", e.Rule), slog.String("error", e.Error))
	}
}

// reset drops deliveries not yet made and the journal; subscribers are configuration.
func (d *dispatcher) reset() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, t := range d.timers {
		t.Stop()
	}
	d.timers, d.queue, d.timed, d.held, d.log, d.seq, d.events = nil, nil, nil, nil, nil, 0, 0
	d.waiting.Store(false)
	d.cond.Broadcast()
}

// age moves the due times of delayed deliveries back by by, as Fake.Age moves the ledger.
func (d *dispatcher) age(by time.Duration) {
	d.mu.Lock()
	for _, dl := range d.timed {
		dl.due = dl.due.Add(-by)
	}
	d.mu.Unlock()
	d.promoteDue()
}

// close stops the worker and every timer, cancels in-flight deliveries and waits for the
// worker to return. Queued deliveries are not made.
func (d *dispatcher) close() {
	d.mu.Lock()
	d.closed = true
	for _, t := range d.timers {
		t.Stop()
	}
	d.timers = nil
	d.cancel()
	d.cond.Broadcast()
	for d.running {
		d.cond.Wait()
	}
	d.mu.Unlock()
	if d.ownClient {
		d.client.CloseIdleConnections()
	}
}
