package blackbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/internal/loopback"
)

// NewAPIKey is a fresh Cal.com API key for one run: the service under test gets it in
// calcom_env.api_key and the fake insists on it, so a service that reads its key from
// elsewhere fails loudly instead of booking unauthenticated.
func NewAPIKey() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "cal_test_" + hex.EncodeToString(b)
}

// FakeAdmin drives a fake Cal.com through its admin API (/__admin/), so black-box runs work
// alike with a fake in this process and one started with `bookingharness fake-calcom` that an
// already-running service talks to.
type FakeAdmin struct {
	base string
	http *http.Client
}

// NewFakeAdmin checks baseURL is on loopback; client nil means a loopback-only client.
func NewFakeAdmin(baseURL string, client *http.Client) (*FakeAdmin, error) {
	u, err := loopback.ParseURL(baseURL)
	if err != nil {
		return nil, fmt.Errorf("blackbox: Cal.com URL: %w", err)
	}
	if client == nil {
		client = loopback.NewClient()
	}
	return &FakeAdmin{base: strings.TrimRight(u.String(), "/"), http: client}, nil
}

// URL is the fake's root URL.
func (a *FakeAdmin) URL() string { return a.base }

// Age moves every booking's createdAt and updatedAt back by gap (POST /__admin/clock
// {"age": gap}): Cal.com's view of "gap later" for a service that keeps its wall clock.
func (a *FakeAdmin) Age(ctx context.Context, gap time.Duration) error {
	return a.Call(ctx, http.MethodPost, "/__admin/clock", map[string]string{"age": gap.String()}, nil)
}

// Advance moves the fake's clock forward by gap and returns its new now.
func (a *FakeAdmin) Advance(ctx context.Context, gap time.Duration) (time.Time, error) {
	d := fakecalcom.Duration(gap)
	var st fakecalcom.ClockState
	err := a.Call(ctx, http.MethodPost, "/__admin/clock", fakecalcom.ClockChange{Advance: &d}, &st)
	return st.Now, err
}

// Now reads the fake's clock.
func (a *FakeAdmin) Now(ctx context.Context) (time.Time, error) {
	var st fakecalcom.ClockState
	err := a.Call(ctx, http.MethodGet, "/__admin/clock", nil, &st)
	return st.Now, err
}

// Bookings reads the fake's ledger.
func (a *FakeAdmin) Bookings(ctx context.Context) ([]fakecalcom.Booking, error) {
	var out []fakecalcom.Booking
	err := a.Call(ctx, http.MethodGet, "/__admin/bookings", nil, &out)
	return out, err
}

// SetEventType adds or replaces an event type.
func (a *FakeAdmin) SetEventType(ctx context.Context, et fakecalcom.EventType) error {
	return a.Call(ctx, http.MethodPost, "/__admin/event-types", et, nil)
}

// Call is any admin request: body (when not nil) is sent as JSON, the answer decoded into
// out (when not nil); a status of 300 or more is an error quoting the answer.
func (a *FakeAdmin) Call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return fmt.Errorf("blackbox: fake Cal.com %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("blackbox: fake Cal.com %s %s: HTTP %d: %s", method, path, resp.StatusCode, strings.TrimSpace(string(msg)))
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("blackbox: fake Cal.com %s %s: decode: %w", method, path, err)
	}
	return nil
}
