package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/pgenv"
	"github.com/bookingharness/bookingharness/reports"
	"github.com/bookingharness/bookingharness/sim/blackbox"
	"github.com/bookingharness/bookingharness/sim/replay"
	"github.com/bookingharness/bookingharness/sim/world"
)

// probeService runs, after the contract's checks, what only a world can show of a service
// the harness starts: four calls for one slot at once (with the hold, as every black-box
// concurrent step: the concurrency that reached the service, and at most one live
// appointment for the slot), its webhook receiver answering a signed BOOKING_CREATED, and a
// kill and restart of its process group (healthy again, its rows still there). Like a
// replay, a probe whose calls never raced inside the service runs again in a fresh world, up
// to replay.MaxAttempts times. It returns the rows and how the service ran.
func probeService(ctx context.Context, s *blackbox.SUT, env *pgenv.Env) ([]blackbox.CheckResult, reports.BlackBoxSetup) {
	for attempt := 1; ; attempt++ {
		rows, setup, raced := probeOnce(ctx, s, env)
		if raced || attempt == replay.MaxAttempts {
			return rows, setup
		}
	}
}

// probeOnce is one probe in a fresh world; raced says whether its calls reached the service
// at once (or it failed in a way another run would not change).
func probeOnce(ctx context.Context, s *blackbox.SUT, env *pgenv.Env) ([]blackbox.CheckResult, reports.BlackBoxSetup, bool) {
	setup := reports.BlackBoxSetup{TimeModes: []string{string(s.Time)}}
	cfg := world.Config{Policy: core.Policy(s.Policy), Layers: core.All(), EventTypes: []fakecalcom.EventType{conformanceEventType()}, BlackBox: &world.BlackBox{SUT: s}}
	if s.Webhooks != nil {
		cfg.Webhooks = &fakecalcom.Webhooks{Delivery: fakecalcom.DeliverySync}
	}
	w, err := world.New(ctx, env, cfg)
	if err != nil {
		return []blackbox.CheckResult{{Name: "concurrent calls, same slot", Status: blackbox.Fail, Detail: err.Error(),
			Fix: "make the service start with a fresh database, the harness's fake Cal.com and (unless database.proxy: false) the harness's proxy in front of its database"}}, setup, true
	}
	defer w.Close(context.WithoutCancel(ctx))
	svc := w.Service()
	setup.Proxy = svc.DBProxy() != nil
	if s.Webhooks != nil {
		setup.Webhooks = svc.Target.BaseURL() + s.Webhooks.Path
	}
	start := world.DefaultStart().Add(72 * time.Hour).Truncate(time.Hour)
	var calls []world.BookCall
	for i := 1; i <= 4; i++ {
		calls = append(calls, world.BookCall{CallID: fmt.Sprintf("call_probe%020d", i), EventTypeID: int64(conformanceEventType().ID), Start: start,
			Attendee: core.Attendee{Name: fmt.Sprintf("Probe %d", i), Email: "front-desk@example.com"}})
	}
	w.Concurrent(ctx, calls)
	reached := w.Contention()
	setup.Concurrency = reached.String()
	rows := []blackbox.CheckResult{concurrentRow(ctx, w, reached)}
	if s.Webhooks != nil {
		rows = append(rows, receiverRow(w, setup.Webhooks))
	}
	rows = append(rows, restartRow(ctx, w))
	setup.Restarts = svc.Target.Restarts()
	return rows, setup, reached.Inconclusive() == ""
}

// concurrentRow judges the concurrent calls: at most one live appointment for the slot, and
// whether they reached the service at once.
func concurrentRow(ctx context.Context, w *world.World, reached world.Contention) blackbox.CheckResult {
	row := blackbox.CheckResult{Name: "concurrent calls, same slot"}
	// Four callers with the phone agent's one email: Cal.com gives each later one the first
	// one's booking back, which a service that checks its rows before its insert only
	// without a guard stores again.
	apps, err := w.Appointments(ctx)
	if err != nil {
		row.Status, row.Detail, row.Fix = blackbox.Fail, err.Error(), "database.appointments must read the rows"
		return row
	}
	live := 0
	for _, a := range apps {
		if a.Live {
			live++
		}
	}
	switch {
	case live > 1:
		row.Status, row.Detail = blackbox.Fail, fmt.Sprintf("%d live appointments for one slot after 4 concurrent calls (%s)", live, reached)
		row.Fix = "guard the slot against concurrent requests: a unique constraint, an exclusion constraint or a claim before calling Cal.com"
	case reached.Inconclusive() != "":
		row.Status, row.Detail = blackbox.Skip, reached.Inconclusive()
		row.Fix = "serve requests concurrently (more workers, an async server): a service that serialises them cannot be tested for races"
	default:
		row.Status, row.Detail = blackbox.Pass, fmt.Sprintf("%d live appointment; %s", live, reached)
	}
	return row
}

// receiverRow checks the receiver answered the BOOKING_CREATED deliveries with 2xx.
func receiverRow(w *world.World, url string) blackbox.CheckResult {
	row := blackbox.CheckResult{Name: "webhook receiver"}
	var bad []string
	n := 0
	for _, d := range w.Fake.Fake.WebhookDeliveries() {
		n++
		if d.Status < 200 || d.Status > 299 {
			bad = append(bad, fmt.Sprintf("%s answered %d", d.Trigger, d.Status))
		}
	}
	switch {
	case n == 0:
		row.Status, row.Detail, row.Fix = blackbox.Fail, "no delivery was made to "+url, "the fake delivers Cal.com's webhooks to base_url + webhooks.path"
	case len(bad) > 0:
		row.Status, row.Detail = blackbox.Fail, fmt.Sprintf("%s: %s", url, strings.Join(bad, "; "))
		row.Fix = "answer 2xx to a signed delivery; verify X-Cal-Signature-256 with the secret in webhooks.secret_env (the harness chooses it per run)"
	default:
		row.Status, row.Detail = blackbox.Pass, fmt.Sprintf("%d signed deliveries to %s answered 2xx", n, url)
	}
	return row
}

// restartRow kills the service's process group and starts it again: it must be healthy and
// its rows must still read.
func restartRow(ctx context.Context, w *world.World) blackbox.CheckResult {
	row := blackbox.CheckResult{Name: "restart", Fix: "the service must start again on the same database (crash: and load --crashes kill it with SIGKILL and restart it)"}
	if err := w.Restart(ctx); err != nil {
		row.Status, row.Detail = blackbox.Fail, err.Error()
		return row
	}
	if _, err := w.Appointments(ctx); err != nil {
		row.Status, row.Detail = blackbox.Fail, "after the restart: "+err.Error()
		return row
	}
	row.Status, row.Detail, row.Fix = blackbox.Pass, "SIGKILL to its process group, started again with the same command: healthy", ""
	return row
}
