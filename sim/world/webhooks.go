package world

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/fakecalcom"
)

// WebhookPath is where the world serves the core's webhook handler on its loopback server.
const WebhookPath = "/calcom/webhooks"

// webhooks is the world's webhook wiring: the core's handler behind a loopback server the
// fake delivers to. The handler is swapped on Restart (a restarted process starts with an
// empty memory), so it sits behind an atomic pointer.
type webhooks struct {
	server  *httptest.Server
	handler atomic.Pointer[core.WebhookHandler]
}

// fakeWebhooks is the fake's part of Config.Webhooks: the delivery mode, and a subscriber
// only when the configuration names its URL (an empty URL means the core's handler, which
// openCore subscribes once it exists).
func fakeWebhooks(cfg *fakecalcom.Webhooks) (fakecalcom.Webhooks, error) {
	if cfg == nil {
		return fakecalcom.Webhooks{}, nil
	}
	out := fakecalcom.Webhooks{Delivery: cfg.Delivery}
	if cfg.URL != "" {
		out.URL, out.Secret = cfg.URL, cfg.Secret
	}
	if err := out.Validate(); err != nil {
		return fakecalcom.Webhooks{}, fmt.Errorf("world: Config.Webhooks: %w", err)
	}
	return out, nil
}

// serveWebhooks starts the core's webhook handler on 127.0.0.1 and subscribes it to the fake
// with Config.Webhooks' secret, unless Config.Webhooks is nil or names its own URL.
func (c *Core) serveWebhooks() error {
	cfg := c.w.Config.Webhooks
	if cfg == nil || cfg.URL != "" {
		return nil
	}
	if err := c.newWebhookHandler(); err != nil {
		return err
	}
	c.hooks.server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path != WebhookPath {
			http.NotFound(rw, r)
			return
		}
		c.hooks.handler.Load().ServeHTTP(rw, r)
	}))
	url, err := c.w.front(FrontWebhook, c.WebhookURL())
	if err != nil {
		return err
	}
	return c.w.Fake.Fake.AddSubscriber(fakecalcom.Subscriber{URL: url, Secret: cfg.Secret})
}

// newWebhookHandler builds the handler of the current Service (a no-op without one).
func (c *Core) newWebhookHandler() error {
	if c.w.Config.Webhooks == nil || c.w.Config.Webhooks.URL != "" {
		return nil
	}
	h, err := core.NewWebhookHandler(c.Service, core.WebhookConfig{Secret: c.w.Config.Webhooks.Secret})
	if err != nil {
		return err
	}
	c.hooks.handler.Store(h)
	return nil
}

// WebhookURL is the loopback URL of the core's webhook handler; "" when the world has none
// (no Config.Webhooks, or a subscriber URL of its own).
func (c *Core) WebhookURL() string {
	if c.hooks.server == nil {
		return ""
	}
	return c.hooks.server.URL + WebhookPath
}

// WebhookHandler is the core's webhook handler the world serves; nil when it serves none.
func (c *Core) WebhookHandler() *core.WebhookHandler { return c.hooks.handler.Load() }

// AwaitWebhooks waits until the fake has made every webhook delivery that is due now (its
// WaitWebhooks): queued and in-flight deliveries, and delayed ones whose time has come on the
// virtual clock. Reordered deliveries keep waiting for the next delivery, delayed ones for
// their time. The world calls it before and after each Book, Cancel, concurrent step and host
// action, so what a webhook changes is settled deterministically between steps; nothing
// sleeps. Without Config.Webhooks it does nothing.
func (w *World) AwaitWebhooks(ctx context.Context) error {
	if w.Config.Webhooks == nil {
		return nil
	}
	return w.Fake.Fake.WaitWebhooks(ctx)
}

// SettleWebhooks makes every delivery still pending before the final state is read: it
// releases reordered deliveries that never saw a next one, and moves the virtual clock to each
// delayed delivery's due time in turn (webhooks arrive late, not never), so the run ends
// quiet. Dropped deliveries stay dropped.
func (w *World) SettleWebhooks(ctx context.Context) error {
	if w.Config.Webhooks == nil {
		return nil
	}
	for {
		if err := w.Fake.Fake.FlushWebhooks(ctx); err != nil {
			return err
		}
		due, ok := w.Fake.Fake.NextWebhookDue()
		if !ok {
			return nil
		}
		if w.Clock.Now().Before(due) {
			w.Clock.Set(due)
		}
	}
}

// closeWebhooks stops the handler's server (after the fake, so no delivery is on its way).
func (c *Core) closeWebhooks() {
	if c.hooks.server != nil {
		c.hooks.server.Close()
	}
}
