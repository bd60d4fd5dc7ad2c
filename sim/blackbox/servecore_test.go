package blackbox_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/blackbox"
	"github.com/bookingharness/bookingharness/sim/blackbox/servecore"
)

const serveCoreSelect = `SELECT a.id AS appointment_id, c.retell_call_id AS call_id, a.calcom_v2_booking_id AS booking_uid,
       s.calcom_user_id AS host_id, a.starts_at, a.ends_at, (a.deleted_at IS NULL AND a.status <> 'cancelled') AS live
FROM appointments a LEFT JOIN calls c ON c.id = a.call_id JOIN staff s ON s.id = a.staff_id ORDER BY a.id`

// serveCore runs the reference core behind the contract in this process and opens a
// black-box Target on it (base_url mode; the harness reads its database from SERVECORE_DSN).
func serveCore(t *testing.T, policy core.Policy, layers core.Layers) (*blackbox.Target, *fakecalcom.Server) {
	t.Helper()
	ctx := context.Background()
	fake := fakecalcom.New(fakecalcom.Config{EventTypes: []fakecalcom.EventType{incidentEventType()}})
	t.Cleanup(fake.Close)
	db := blackbox.Postgres().NewTestDatabase(t, blackbox.EmptyTemplate())
	srv, err := servecore.New(ctx, servecore.Config{Policy: policy, Layers: layers, CalcomURL: fake.URL, DSN: db.DSN})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	t.Setenv("SERVECORE_DSN", db.DSN)
	sut, err := blackbox.ParseSUT("serve-core.sut.yaml", []byte("base_url: "+hs.URL+"\ntime: header\ndatabase:\n  dsn_env: SERVECORE_DSN\n  appointments: |\n    "+strings.ReplaceAll(serveCoreSelect, "\n", "\n    ")+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	tgt, err := blackbox.Open(ctx, blackbox.Config{SUT: sut, CalcomURL: fake.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tgt.Close(context.Background()) })
	return tgt, fake
}

// The reference core behind the contract reaches the in-process verdicts on Call 687/688:
// X-Harness-Now carries the 35-minute gap to the core's freshness layer, and with no layers
// the duplicate is reproduced.
func TestServeCoreCall687688(t *testing.T) {
	for _, layers := range []core.Layers{core.All(), 0} {
		t.Run(layers.String(), func(t *testing.T) {
			tgt, fake := serveCore(t, core.PolicySeed, layers)
			wantSequence(t, layers, call687688(t, tgt, fake))
		})
	}
}

// Layer switches through the contract: switching the unique layer re-migrates serve-core's
// schema, and with every layer off the duplicate comes back.
func TestServeCoreLayerSwitch(t *testing.T) {
	tgt, fake := serveCore(t, core.PolicySeed, core.All())
	ctx := context.Background()
	if got := tgt.Layers(); got != core.PolicySeed.Effective(core.All()) {
		t.Fatalf("reported layers %v", got)
	}
	if err := tgt.SetLayers(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if err := tgt.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	wantSequence(t, 0, call687688(t, tgt, fake))
}
