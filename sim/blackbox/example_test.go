package blackbox_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/blackbox"
)

// exampleAPIKey is the Bearer key the example services get for the fake Cal.com.
const exampleAPIKey = "cal_test_example"

// openExample starts the example service of sutPath (its own sut.yaml, as a team would ship
// it) in time mode mode, with env added to the sut.yaml's env:, against a fake Cal.com in
// this process serving ets. Both are stopped when the test ends.
func openExample(t *testing.T, sutPath string, mode blackbox.TimeMode, env map[string]string, ets ...fakecalcom.EventType) (*blackbox.Target, *fakecalcom.Server, *blackbox.SUT) {
	t.Helper()
	sut, err := blackbox.LoadSUT(sutPath)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range env {
		sut.Env[k] = v
	}
	sut.Time = mode
	fake := fakecalcom.New(fakecalcom.Config{EventTypes: ets, APIKey: exampleAPIKey})
	t.Cleanup(fake.Close)
	tgt, err := blackbox.Open(context.Background(), blackbox.Config{SUT: sut, CalcomURL: fake.URL, CalcomAPIKey: exampleAPIKey, Postgres: blackbox.Postgres()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := tgt.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return tgt, fake, sut
}

// The example services' webhook receivers read their subscription's secret from
// webhookSecretEnv; the tests subscribe them with webhookSecret.
const (
	webhookSecretEnv = "CALCOM_WEBHOOK_SECRET"
	webhookSecret    = "whsec_example_tests"
)

// subscribe makes the fake deliver every webhook to receiver, signed with webhookSecret.
func subscribe(t *testing.T, fake *fakecalcom.Server, receiver string) {
	t.Helper()
	if err := fake.Fake.AddSubscriber(fakecalcom.Subscriber{URL: receiver, Secret: webhookSecret}); err != nil {
		t.Fatal(err)
	}
}

// refuseForged posts a BOOKING_CANCELLED for uid to receiver unsigned, badly signed and
// signed as if the subscription had no secret: each must be answered 401.
func refuseForged(t *testing.T, receiver, uid string) {
	t.Helper()
	body := []byte(`{"triggerEvent":"BOOKING_CANCELLED","createdAt":"2025-10-06T10:00:00Z","payload":{"uid":"` + uid + `"}}`)
	for _, sig := range []string{"", "0000", "no-secret-provided"} {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, receiver, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if sig != "" {
			req.Header.Set("X-Cal-Signature-256", sig)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("a delivery signed %q answered %d, want 401", sig, resp.StatusCode)
		}
	}
}

// delivered waits (bounded) for the fake's due webhooks and returns the subscriber's
// status for each delivery of trigger, in order.
func delivered(t *testing.T, fake *fakecalcom.Server, trigger fakecalcom.Trigger) []int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := fake.Fake.FlushWebhooks(ctx); err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, d := range fake.Fake.WebhookDeliveries() {
		if d.Trigger == trigger {
			out = append(out, d.Status)
		}
	}
	return out
}
