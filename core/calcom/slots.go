package calcom

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"time"
)

// Slot is one bookable start (and, with format=range, its end).
type Slot struct {
	Start time.Time
	// End is zero unless Cal.com sent one.
	End time.Time
}

// SlotsResult maps a date ("2050-09-05", in the requested time zone) to its slots, plus the
// response metadata. Days with no slots are absent.
type SlotsResult struct {
	Days map[string][]Slot
	Meta Meta
}

// Dates returns the result's dates in order.
func (s SlotsResult) Dates() []string {
	out := make([]string, 0, len(s.Days))
	for d := range s.Days {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

// Slots sends GET /v2/slots (cal-api-version 2024-09-04).
func (c *Client) Slots(ctx context.Context, q SlotsQuery) (SlotsResult, error) {
	const op = "get slots"
	vals, err := q.query(op)
	if err != nil {
		return SlotsResult{}, err
	}
	r := request{op: op, method: http.MethodGet, path: "/v2/slots", query: vals, version: SlotsAPIVersion}
	resp, err := c.do(ctx, r)
	if err != nil {
		return SlotsResult{}, err
	}
	days, err := DecodeSlotsEnvelope(resp.body)
	if err != nil {
		return SlotsResult{}, decodeFailure(r, resp, err)
	}
	return SlotsResult{Days: days, Meta: resp.meta}, nil
}

// DecodeSlotsEnvelope decodes {"status":"success","data":{"<date>":[{"start":…,"end"?:…}]}}.
func DecodeSlotsEnvelope(body []byte) (map[string][]Slot, error) {
	env, err := decodeSuccess(body)
	if err != nil {
		return nil, err
	}
	var raw map[string][]struct {
		Start json.RawMessage `json:"start"`
		End   json.RawMessage `json:"end"`
	}
	if err := json.Unmarshal(env.Data, &raw); err != nil {
		return nil, fmt.Errorf("slots: want an object of date → slot list: %w", err)
	}
	out := make(map[string][]Slot, len(raw))
	for day, list := range raw {
		slots := make([]Slot, 0, len(list))
		for i, s := range list {
			start, err := requiredTime(s.Start, "start")
			if err != nil {
				return nil, fmt.Errorf("slots[%s][%d]: %w", day, i, err)
			}
			sl := Slot{Start: start}
			if end := decodeTimestamp(s.End); end.Valid() {
				sl.End = end.Time
			} else if end.State == TimestampInvalid {
				return nil, fmt.Errorf("slots[%s][%d]: \"end\" is not an RFC 3339 time", day, i)
			}
			slots = append(slots, sl)
		}
		out[day] = slots
	}
	return out, nil
}
