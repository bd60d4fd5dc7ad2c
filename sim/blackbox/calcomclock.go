package blackbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/bookingharness/bookingharness/fakecalcom"
)

// calcomClock moves the fake Cal.com's time through its admin API (POST /__admin/clock), so
// it works alike for a fake in this process and one started with `bookingharness
// fake-calcom`.
type calcomClock struct {
	base string
	http *http.Client
}

// age moves every booking's createdAt and updatedAt back by gap: Cal.com's view of "35
// minutes later" for a service that keeps its own wall clock.
func (c calcomClock) age(ctx context.Context, gap time.Duration) error {
	return c.post(ctx, map[string]string{"age": gap.String()}, nil)
}

// advance moves the fake's clock forward by gap and returns its new now.
func (c calcomClock) advance(ctx context.Context, gap time.Duration) (time.Time, error) {
	d := fakecalcom.Duration(gap)
	var st fakecalcom.ClockState
	err := c.post(ctx, fakecalcom.ClockChange{Advance: &d}, &st)
	return st.Now, err
}

// now reads the fake's clock.
func (c calcomClock) now(ctx context.Context) (time.Time, error) {
	var st fakecalcom.ClockState
	err := c.call(ctx, http.MethodGet, nil, &st)
	return st.Now, err
}

func (c calcomClock) post(ctx context.Context, body, out any) error {
	return c.call(ctx, http.MethodPost, body, out)
}

func (c calcomClock) call(ctx context.Context, method string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+"/__admin/clock", rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("blackbox: fake Cal.com clock: %w", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("blackbox: fake Cal.com clock: %s %s: HTTP %d: %s", method, "/__admin/clock", resp.StatusCode, strings.TrimSpace(string(data)))
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("blackbox: fake Cal.com clock: decode: %w", err)
		}
	}
	return nil
}
