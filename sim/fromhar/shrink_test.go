package fromhar_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/bookingharness/bookingharness/sim/fromhar"
	"github.com/bookingharness/bookingharness/sim/har"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/record"
	"github.com/bookingharness/bookingharness/sim/replay"
)

// noisy is Call 687/688 among three calls that book other slots.
const noisy = `
name: noisy-687-688
policy: seed
layers: none
clock: {start: 2025-10-06T09:00:00Z}
calcom:
  event_types:
    - {id: 2563193, kind: round_robin, length: 45, host: 1}
steps:
  - {at: 0s, call: call_other_1, book: {event_type: 2563193, start: 2025-10-10T08:00:00Z, attendee: {name: O One, email: o1@example.org}}}
  - {at: 1m, call: call_687, book: {event_type: 2563193, start: 2025-10-10T06:00:00Z, attendee: {name: Hansi Sputer, email: termin@askproai.de}}}
  - {at: 5m, call: call_other_2, book: {event_type: 2563193, start: 2025-10-10T09:00:00Z, attendee: {name: O Two, email: o2@example.org}}}
  - {at: 20m, call: call_other_3, book: {event_type: 2563193, start: 2025-10-10T10:00:00Z, attendee: {name: O Three, email: o3@example.org}}}
  - {at: 36m, call: call_688, book: {event_type: 2563193, start: 2025-10-10T06:00:00Z, attendee: {name: Hans Schuster, email: termin@askproai.de}}}
`

// TestShrinkKeepsTheFewStepsThatShowTheBug records a run where the duplicate hides among
// other calls, derives a file from it, and shrinks that file: what is left is the two calls
// of the duplicate, and it reproduces.
func TestShrinkKeepsTheFewStepsThatShowTheBug(t *testing.T) {
	env := pg.Env(t)
	ctx := context.Background()
	inc, err := incident.Parse("noisy.yaml", []byte(noisy))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "noisy.har")
	wr, err := record.RecordWorld(path, record.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := replay.Run(ctx, env, inc, replay.Options{Front: wr.Front}); err != nil {
		t.Fatal(err)
	}
	if err := wr.Close(); err != nil {
		t.Fatal(err)
	}
	l, err := har.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d, err := fromhar.Derive(l, fromhar.Options{Source: path, Layers: []string{"none"}})
	if err != nil {
		t.Fatal(err)
	}
	j, err := fromhar.Judge(ctx, env, d.Incident, replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	files, err := d.Shrink(ctx, j, fromhar.Oracle(env, replay.Options{}), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var dup *fromhar.Shrunk
	for i := range files {
		if files[i].Invariant == "duplicate_booking_id" {
			dup = &files[i]
		}
	}
	if dup == nil || !dup.Reproduced || dup.Steps != 2 {
		t.Fatalf("shrunk: %+v (judged %v)", files, j.Violated)
	}
	small, err := incident.Load(dup.Path)
	if err != nil {
		t.Fatal(err)
	}
	if small.Steps[0].Book.Call != "call_687" || small.Steps[1].Book.Call != "call_688" || len(small.Expect.Violations) == 0 {
		t.Fatalf("shrunk file: %+v", small)
	}
	res, err := replay.Run(ctx, env, small, replay.Options{})
	if err != nil || !res.OK() {
		t.Fatalf("the shrunk file does not reproduce: %v\n%s", err, res.Timeline())
	}
}
