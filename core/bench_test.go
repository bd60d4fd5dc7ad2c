package core

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/core/calcom"
)

// BenchmarkLayers12 measures layers 1 and 2 on a decoded Cal.com response (target ≤ 5 µs/op).
func BenchmarkLayers12(b *testing.B) {
	body, err := os.ReadFile("calcom/testdata/booking_687.json")
	if err != nil {
		b.Fatal(err)
	}
	res, err := calcom.DecodeBookingEnvelope(body)
	if err != nil {
		b.Fatal(err)
	}
	meta := calcom.Meta{Date: created687.Add(35 * time.Minute)}
	now := created687.Add(35 * time.Minute)
	b.Run("seed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if SeedFreshness(now, res, DefaultFreshnessThreshold).Verdict != Reject || SeedCallID(res, call688).Verdict != Reject {
				b.Fatal("unexpected verdict")
			}
		}
	})
	b.Run("hardened", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if OwnershipCallID(res, call688).Verdict != Reject || CalcomFreshness(meta, res, DefaultFreshnessThreshold).Verdict != Reject {
				b.Fatal("unexpected verdict")
			}
		}
	})
}

// BenchmarkBook measures Book end to end (all layers, distinct slots) against the httpmock
// Cal.com and a real Postgres; ops/s = 1e9 / ns/op.
func BenchmarkBook(b *testing.B) {
	for _, p := range []Policy{PolicySeed, PolicyHardened} {
		b.Run(string(p), func(b *testing.B) {
			f := newFixture(b, p, All(), 0)
			ctx := context.Background()
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				req := f.request(fmt.Sprintf("call_bench_%d", i), "Bench")
				req.Start = slot687.Add(time.Duration(i) * time.Hour)
				i++
				if o, err := f.svc.Book(ctx, req); o.Kind != Booked {
					b.Fatalf("%s: %v", o.Kind, err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "books/s")
		})
	}
}
