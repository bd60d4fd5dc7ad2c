package fakecalcom

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// Trigger is a webhook trigger event.
type Trigger string

// The triggers the fake fires (docs/calcom.md §6).
const (
	TriggerBookingCreated     Trigger = "BOOKING_CREATED"
	TriggerBookingRequested   Trigger = "BOOKING_REQUESTED"
	TriggerBookingRescheduled Trigger = "BOOKING_RESCHEDULED"
	TriggerBookingCancelled   Trigger = "BOOKING_CANCELLED"
	TriggerBookingRejected    Trigger = "BOOKING_REJECTED"
)

// Delivery says when a webhook is delivered relative to the response of the request that
// caused it (docs/calcom.md §6).
type Delivery string

// The delivery modes.
const (
	// DeliverySync delivers before the response, as Cal.com's legacy path awaits the
	// webhook inside the request: a client that timed out may still cause BOOKING_CREATED.
	DeliverySync Delivery = "sync"
	// DeliveryAsync delivers after the response, as Cal.com's newer task queue does.
	DeliveryAsync Delivery = "async"
)

// Webhooks is the `calcom.webhooks` block of an incident file: delivery mode, and the first
// subscriber (URL and secret). More subscribers can be added with Fake.AddSubscriber.
type Webhooks struct {
	// Delivery is sync (default) or async.
	Delivery Delivery `json:"delivery,omitempty" yaml:"delivery"`
	// Secret signs every delivery to URL (X-Cal-Signature-256); empty sends the literal
	// "no-secret-provided".
	Secret string `json:"-" yaml:"secret"`
	// URL is a loopback subscriber; empty means none from the configuration.
	URL string `json:"url,omitempty" yaml:"url"`
}

// Validate names the first problem.
func (w Webhooks) Validate() error {
	switch w.Delivery {
	case "", DeliverySync, DeliveryAsync:
	default:
		return fmt.Errorf("webhooks: delivery %q is not sync or async", w.Delivery)
	}
	if w.URL != "" {
		return CheckSubscriberURL(w.URL)
	}
	if w.Secret != "" {
		return fmt.Errorf("webhooks: a secret without a url signs nothing; give the subscriber's url")
	}
	return nil
}

// Subscriber is a webhook subscription: where to POST and the secret to sign with. The
// secret is never rendered (admin API, logs).
type Subscriber struct {
	URL    string `json:"url"`
	Secret string `json:"secret,omitempty"`
}

// CheckSubscriberURL refuses anything but an http(s) URL on a loopback host: the fake never
// sends traffic off the machine.
func CheckSubscriberURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("webhook url %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("webhook url %q: scheme must be http or https", raw)
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); (ip == nil || !ip.IsLoopback()) && !strings.EqualFold(host, "localhost") {
		return fmt.Errorf("webhook url %q: only loopback subscribers are allowed (127.0.0.0/8, ::1, localhost)", raw)
	}
	return nil
}

// eventDetail is what a webhook needs besides the booking: the seat it is about, the
// request's metadata (BOOKING_CREATED echoes it), a cancellation or rejection reason, who
// acted, and the booking a reschedule moved from.
type eventDetail struct {
	seat     string
	metadata map[string]any
	reason   string
	by       string
	from     *Booking
	// noMetadata leaves metadata out of the payload: handleCancelBooking's BOOKING_CANCELLED
	// spreads the calendar event, which carries none.
	noMetadata bool
	// decided says the change is a confirm or decline (confirm.handler.ts), whose payload
	// writes times with toISOString (milliseconds).
	decided bool
}

// webhookEvent is one trigger with its body, built when the change happened (so the payload
// is the booking as it was then); each subscriber gets its own delivery of it.
type webhookEvent struct {
	seq     int64
	trigger Trigger
	uid     string
	seat    string
	callID  string
	at      time.Time // the fake's time when the change happened
	body    []byte
}
