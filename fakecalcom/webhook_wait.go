package fakecalcom

import (
	"context"
	"fmt"
	"time"
)

// WaitWebhooks waits until every delivery that can be made now has been made: delayed
// deliveries whose time has come (on the fake's clock) are queued, and the queue and the
// deliveries in flight drain — including the async webhooks of a request whose client has
// its answer (or its cut connection) while the fake has not fired them yet. Unlike FlushWebhooks it leaves a reordered delivery waiting for
// the next delivery to its subscriber — which may be caused by a later step — so a harness
// can wait after every step without undoing a reorder fault. Delayed deliveries not yet due
// stay pending (see NextWebhookDue). It returns ctx's error if ctx ends first.
func (f *Fake) WaitWebhooks(ctx context.Context) error {
	d := f.webhooks
	d.promoteDue()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.startLocked()
	stop := context.AfterFunc(ctx, func() {
		d.mu.Lock()
		d.cond.Broadcast()
		d.mu.Unlock()
	})
	defer stop()
	for (len(d.queue) > 0 || d.sending > 0 || d.running || d.firing > 0) && ctx.Err() == nil {
		d.cond.Wait()
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("fakecalcom: wait for webhooks: %w", err)
	}
	return nil
}

// NextWebhookDue returns when the earliest delayed delivery is due on the fake's clock, and
// false when none waits: a harness that wants every delivery made moves its clock there and
// flushes again.
func (f *Fake) NextWebhookDue() (time.Time, bool) {
	d := f.webhooks
	d.mu.Lock()
	defer d.mu.Unlock()
	var next time.Time
	for _, dl := range d.timed {
		if next.IsZero() || dl.due.Before(next) {
			next = dl.due
		}
	}
	return next, !next.IsZero()
}

// announce counts the async events of a request that will fire them once its response is
// done, so WaitWebhooks does not return in between: a client may hold its answer (or see its
// connection cut) before the handler's deferred fire has run.
func (d *dispatcher) announce() {
	d.mu.Lock()
	d.firing++
	d.mu.Unlock()
}

// fireAnnounced fires announced async events and ends their announcement.
func (d *dispatcher) fireAnnounced(events []*webhookEvent) {
	d.fire(events, false)
	d.mu.Lock()
	d.firing--
	d.cond.Broadcast()
	d.mu.Unlock()
}
