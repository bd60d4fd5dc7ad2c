package blackbox_test

import (
	"context"
	"net/http"
	"os/exec"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/blackbox"
)

// phpSUT is the PHP example's own sut.yaml, as a team would ship it.
const phpSUT = "../../examples/php-seed-service/sut.yaml"

// RequirePHP fails the test — it never skips — when php or its pdo_pgsql extension is
// missing: the black-box proof is part of the suite. scripts/prepare-blackbox.sh installs
// them from Debian.
func RequirePHP(t *testing.T) {
	t.Helper()
	out, err := exec.Command("php", "-r", `echo extension_loaded("pdo_pgsql") ? "ok" : "no pdo_pgsql";`).CombinedOutput()
	if err != nil || string(out) != "ok" {
		t.Fatalf("the PHP example needs php-cli with pdo_pgsql (got %q, %v): run scripts/prepare-blackbox.sh (apt-get install php-cli php-pgsql faketime)", out, err)
	}
}

// openPHP starts the PHP seed service with layers and the time mode given, against a fake
// Cal.com in this process.
func openPHP(t *testing.T, layers string, mode blackbox.TimeMode) (*blackbox.Target, *fakecalcom.Server) {
	t.Helper()
	RequirePHP(t)
	// The shipped file ages bookings (time: age); the same service runs under libfaketime or
	// X-Harness-Now without a change.
	tgt, fake, _ := openExample(t, phpSUT, mode, map[string]string{"APP_LAYERS": layers, webhookSecretEnv: webhookSecret}, incidentEventType())
	return tgt, fake
}

// The seed's PHP service reproduces the incident black-box: with its layers off, Call 688
// is stored as a second live appointment of Call 687's booking; with all layers, its
// freshness layer refuses it. The 35-minute gap reaches PHP through libfaketime (and, in
// the header case, through X-Harness-Now).
func TestPHPSeedServiceCall687688(t *testing.T) {
	tests := []struct {
		layers string
		want   core.Layers
		mode   blackbox.TimeMode
	}{
		{"none", 0, blackbox.TimeFaketime},
		{"all", core.All(), blackbox.TimeFaketime},
		{"all", core.All(), blackbox.TimeHeader},
	}
	for _, tt := range tests {
		t.Run(tt.layers+"/"+string(tt.mode), func(t *testing.T) {
			tgt, fake := openPHP(t, tt.layers, tt.mode)
			wantSequence(t, tt.want, call687688(t, tgt, fake))
		})
	}
}

// The PHP seed's webhook receiver is the shipped system's: it refuses a delivery without
// the subscription's signature (401) and answers a verified one 200 without acting on it,
// as the Go seed's handler does — so after the host cancels in Cal.com the row stays live
// on a cancelled booking (the phantom the seed is known for).
func TestPHPSeedServiceWebhookReceiver(t *testing.T) {
	ctx := context.Background()
	tgt, fake := openPHP(t, "all", blackbox.TimeHeader)
	subscribe(t, fake, tgt.BaseURL()+"/webhooks/calcom")
	et := incidentEventType()
	o, err := tgt.Book(ctx, blackbox.BookRequest{CallID: "call_phpwh000000000000000000001", EventTypeID: int64(et.ID),
		Start: fake.Fake.Now().Add(72 * time.Hour).Truncate(time.Hour).UTC(), Attendee: core.Attendee{Name: "Anna Arndt", Email: "anna@example.org", TimeZone: "Europe/Berlin"}})
	if err != nil || o.Kind != core.Booked {
		t.Fatalf("book: %+v, %v", o, err)
	}
	refuseForged(t, tgt.BaseURL()+"/webhooks/calcom", o.BookingUID)
	if _, err := fake.Fake.HostCancel(ctx, o.BookingUID, "the host is ill"); err != nil {
		t.Fatal(err)
	}
	if answers := delivered(t, fake, fakecalcom.TriggerBookingCancelled); len(answers) != 1 || answers[0] != http.StatusOK {
		t.Fatalf("BOOKING_CANCELLED answered %v, want one delivery answered 200", answers)
	}
	if live := liveRows(t, tgt); live != 1 {
		t.Fatalf("%d live rows after the host's cancel, want 1: the seed ignores the webhook", live)
	}
}
