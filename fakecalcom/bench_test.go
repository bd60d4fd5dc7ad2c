package fakecalcom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// benchCreate drives h with create-booking POSTs on distinct slots, the load of
// scripts/bench-fake.sh, and fails on any status other than 201.
func benchCreate(b *testing.B, h http.Handler) {
	var n atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			body := fmt.Appendf(nil, `{"start":"%s","eventTypeId":1,"attendee":{"name":"A","email":"a@example.com","timeZone":"Europe/Berlin"},"metadata":{"call_id":"call_%d"}}`,
				slot.Add(time.Duration(i)*30*time.Minute).Format(time.RFC3339), i)
			req := httptest.NewRequest("POST", "/v2/bookings", bytes.NewReader(body))
			req.Header.Set("cal-api-version", "2024-08-13")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != 201 {
				b.Fatalf("status %d: %s", w.Code, w.Body.String())
			}
		}
	})
}

// BenchmarkCreateBooking measures POST /v2/bookings through the handler (no socket), journal
// on, each create on a distinct slot so the ledger grows as in a throughput load test.
func BenchmarkCreateBooking(b *testing.B) { benchCreate(b, NewFake(Config{Clock: newVClock()})) }

// BenchmarkBareHandler is the same load on the baseline of scripts/bench-fake.sh (a copy of
// bench/barehttp's handler); ns/op of BenchmarkCreateBooking over this is the in-process
// cost ratio.
func BenchmarkBareHandler(b *testing.B) {
	var id atomic.Int64
	benchCreate(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in map[string]any
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{"status": "success", "data": map[string]any{"id": id.Add(1), "start": in["start"], "metadata": in["metadata"]}})
	}))
}
