package world_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/blackbox"
	"github.com/bookingharness/bookingharness/sim/world"
)

// front is a forwarding proxy in front of the fake, as a recording proxy would stand: it
// counts the Cal.com API requests that pass it.
type front struct {
	srv   *httptest.Server
	calls atomic.Int32
}

// calcomFront is a Config.Front that starts a front to the fake's API and hands its URL on.
func (f *front) calcomFront(t *testing.T) func(*world.World, string, string) (string, error) {
	return func(_ *world.World, kind, fakeURL string) (string, error) {
		if kind != world.FrontAPI {
			return fakeURL, nil
		}
		target, err := url.Parse(fakeURL)
		if err != nil {
			return "", err
		}
		rp := httputil.NewSingleHostReverseProxy(target)
		f.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/v2/") {
				f.calls.Add(1)
			}
			rp.ServeHTTP(rw, r)
		}))
		t.Cleanup(f.srv.Close)
		return f.srv.URL, nil
	}
}

// The Cal.com URL the system under test is handed is Config.Front's, for the core in
// process and for a black-box service alike: every booking request passes the front, and the
// booking is still made (the harness's own reads go to the fake directly).
func TestCalcomFrontStandsBetweenTheSystemAndTheFake(t *testing.T) {
	for _, tc := range []struct {
		name string
		open func(*testing.T, world.Config) *world.World
	}{
		{"in process", newWorld},
		{"black box", func(t *testing.T, cfg world.Config) *world.World {
			return blackBoxWorld(t, cfg, core.PolicySeed, blackbox.TimeHeader)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &front{}
			w := tc.open(t, world.Config{Front: f.calcomFront(t)})
			out, err := w.Book(context.Background(), call687)
			if err != nil || out.Kind != core.Booked {
				t.Fatalf("call 687: %+v, %v", out, err)
			}
			if n := f.calls.Load(); n == 0 {
				t.Fatal("no Cal.com request passed the front: the system was handed the fake's URL")
			}
			if len(w.LedgerBookings()) != 1 {
				t.Fatalf("the fake holds %d bookings, want 1", len(w.LedgerBookings()))
			}
		})
	}
}

// A Front that fails fails the world, naming it.
func TestCalcomFrontError(t *testing.T) {
	_, err := world.New(context.Background(), env, world.Config{Front: func(*world.World, string, string) (string, error) { return "", errors.New("no recorder") }})
	if err == nil || !strings.Contains(err.Error(), "Config.Front of the api at") || !strings.Contains(err.Error(), "no recorder") {
		t.Fatalf("err %v", err)
	}
}
