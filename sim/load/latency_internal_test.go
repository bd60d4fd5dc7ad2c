package load

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// answered is a RoundTripper that answers every request at once with 200.
type answered struct{}

func (answered) RoundTrip(*http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(strings.NewReader("{}"))}, nil
}

// Every Cal.com request of a call waits that call's n-th sampled latency; requests that
// belong to no call (the harness's own admin calls) wait nothing.
func TestLatencyTransportWaitsEachCallsSample(t *testing.T) {
	dist := LatencyDist{Base: 100 * time.Millisecond, Spread: 50 * time.Millisecond, Seed: 9}
	var waited []time.Duration
	tr := latencyTransport{base: answered{}, dist: dist, wait: func(_ context.Context, d time.Duration) error {
		waited = append(waited, d)
		return nil
	}}
	do := func(ctx context.Context) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1/v2/bookings", nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	a, b := withCall(context.Background(), "call_a"), withCall(context.Background(), "call_b")
	do(a)
	do(b)
	do(a)
	do(context.Background())
	want := []time.Duration{dist.Sample("call_a", 0), dist.Sample("call_b", 0), dist.Sample("call_a", 1)}
	if len(waited) != 3 || waited[0] != want[0] || waited[1] != want[1] || waited[2] != want[2] {
		t.Fatalf("waited %v, want %v", waited, want)
	}
}

// A latency longer than the core's client timeout ends as the timeout: the answer is
// dropped and the context's error returned.
func TestLatencyTransportGivesUpWithTheRequest(t *testing.T) {
	tr := latencyTransport{base: answered{}, dist: LatencyDist{Base: time.Hour}}
	ctx, cancel := context.WithCancel(withCall(context.Background(), "call_a"))
	cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://127.0.0.1/v2/bookings", nil)
	resp, err := tr.RoundTrip(req)
	if resp != nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("RoundTrip = %v, %v; want the context's error", resp, err)
	}
}

func TestWithLatencyLeavesAnInstantCalcomAlone(t *testing.T) {
	c := &http.Client{}
	if withLatency(c, LatencyDist{}) != c {
		t.Error("a zero latency wrapped the client")
	}
	if _, ok := withLatency(c, LatencyDist{Base: time.Millisecond}).Transport.(latencyTransport); !ok {
		t.Error("a latency did not wrap the client's transport")
	}
}
