package record

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bookingharness/bookingharness/sim/har"
	"github.com/bookingharness/bookingharness/sim/world"
)

// WorldRecording records a harness world's traffic with Cal.com: its Front is the world's
// world.Config.Front (replay.Options.Front), so the system under test — the reference core or
// a black-box service — talks to the world's fake through a recorder, and the fake delivers
// the core's webhooks through it too. Its clock is the world's (World.Now: the virtual clock,
// or a black-box age-mode world's incident time), so the recording's times are the
// incident's. One WorldRecording records one world; Close it after the world is closed.
type WorldRecording struct {
	rec     *Recorder
	out     *har.Writer
	world   atomic.Pointer[world.World]
	mu      sync.Mutex
	servers []*httptest.Server
}

// RecordWorld writes to path what the world using Front exchanges with Cal.com; cfg's Out
// and Now are set here.
func RecordWorld(path string, cfg Config) (*WorldRecording, error) {
	out, err := har.Create(path, har.Creator{Name: "bookingharness", Version: "world"})
	if err != nil {
		return nil, err
	}
	wr := &WorldRecording{out: out}
	cfg.Out = out
	cfg.Now = func() time.Time {
		if w := wr.world.Load(); w != nil {
			return w.Now()
		}
		return time.Now()
	}
	if wr.rec, err = New(cfg); err != nil {
		_ = out.Close()
		return nil, err
	}
	return wr, nil
}

// Front serves a recording proxy to target on loopback and returns its URL.
func (wr *WorldRecording) Front(w *world.World, kind, target string) (string, error) {
	if old := wr.world.Swap(w); old != nil && old != w {
		return "", errors.New("record: a WorldRecording records one world")
	}
	u, err := url.Parse(target)
	if err != nil {
		return "", fmt.Errorf("record: %w", err)
	}
	hkind := har.KindAPI
	if kind == world.FrontWebhook {
		hkind = har.KindWebhook
	}
	h, err := wr.rec.Proxy(hkind, &url.URL{Scheme: u.Scheme, Host: u.Host})
	if err != nil {
		return "", err
	}
	srv := httptest.NewServer(h)
	wr.mu.Lock()
	wr.servers = append(wr.servers, srv)
	wr.mu.Unlock()
	return srv.URL + u.EscapedPath(), nil
}

// Close stops the proxies, waits for the exchanges in flight and closes the file. The
// world must be closed first (its service no longer calls).
func (wr *WorldRecording) Close() error {
	wr.mu.Lock()
	for _, s := range wr.servers {
		s.Close()
	}
	wr.servers = nil
	wr.mu.Unlock()
	wr.rec.wg.Wait()
	return errors.Join(wr.out.Close(), wr.rec.Err())
}
