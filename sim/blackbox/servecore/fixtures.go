package servecore

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/bookingharness/bookingharness/core/store"
)

// fixtures makes and remembers the reference rows (customer, service, staff) per event
// type, the first time a booking for it arrives without local ids.
type fixtures struct {
	admin calcomAdmin
	mu    sync.Mutex
	byET  map[int64]resolved
}

// resolved is what a core.Request needs for one event type.
type resolved struct {
	customer, service, staff int64
	length                   int
	seated                   bool
}

func newFixtures(a calcomAdmin) *fixtures { return &fixtures{admin: a, byET: map[int64]resolved{}} }

// resolve returns the local ids for event type id, seeding them on first use.
func (f *fixtures) resolve(ctx context.Context, q store.Querier, id int64) (resolved, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r, ok := f.byET[id]; ok {
		return r, nil
	}
	et, err := f.admin.eventType(ctx, id)
	if err != nil {
		return resolved{}, err
	}
	fixture := store.EventTypeFixture{EventTypeID: id, HostUserID: et.Host, LengthMinutes: et.Length}
	if len(et.Hosts) > 1 {
		fixture.HostUserIDs = et.Hosts // every round-robin host gets its staff row, as in a world
	}
	fx, err := store.SeedFixtures(ctx, q, []store.EventTypeFixture{fixture})
	if err != nil {
		return resolved{}, err
	}
	ref := fx.Services[id]
	r := resolved{customer: fx.CustomerID, service: ref.ServiceID, staff: ref.StaffID, length: et.Length, seated: et.Kind == "seated"}
	f.byET[id] = r
	return r, nil
}

// calcomAdmin reads the fake Cal.com's event types.
type calcomAdmin struct {
	base string
	http *http.Client
}

// adminEventType is the part of the fake's event type the reference rows need: its hosts
// (several for a round robin) and whether it is seated (one appointment per seat).
type adminEventType struct {
	ID     int64   `json:"id"`
	Kind   string  `json:"kind"`
	Length int     `json:"length"`
	Host   int64   `json:"host"`
	Hosts  []int64 `json:"hosts"`
}

func (a calcomAdmin) eventType(ctx context.Context, id int64) (adminEventType, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(a.base, "/")+"/__admin/event-types", nil)
	if err != nil {
		return adminEventType{}, err
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return adminEventType{}, fmt.Errorf("servecore: read event types from the fake Cal.com: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return adminEventType{}, fmt.Errorf("servecore: read event types from the fake Cal.com: HTTP %d", resp.StatusCode)
	}
	var all []adminEventType
	if err := json.NewDecoder(resp.Body).Decode(&all); err != nil {
		return adminEventType{}, fmt.Errorf("servecore: decode the fake's event types: %w", err)
	}
	for _, et := range all {
		if et.ID == id {
			return et, nil
		}
	}
	return adminEventType{}, fmt.Errorf("%w %d (the fake Cal.com has no such event type)", errNoEventType, id)
}
