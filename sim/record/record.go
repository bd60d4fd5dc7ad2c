package record

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bookingharness/bookingharness/sim/har"
)

// DefaultMaxBody is how much of each request and response body goes into the file.
// Cal.com's bodies are far smaller (its request limit is 1 MiB).
const DefaultMaxBody = 1 << 20

// Config configures a Recorder.
type Config struct {
	// Out receives every exchange as it completes.
	Out *har.Writer
	// Now is the recorder's clock (default time.Now): startedDateTime and every timing come
	// from it, so a recording inside a harness world is on the world's virtual clock.
	Now func() time.Time
	// KeepPII leaves attendee names, emails and phone numbers as they were.
	KeepPII bool
	// PseudonymKey keys the pseudonyms (default: random, so pseudonyms are stable within
	// one recording and cannot be reversed by guessing).
	PseudonymKey []byte
	// Secrets are further values replaced wherever they appear (the webhook secret, say).
	Secrets []string
	// Transport sends the forwarded requests (default: a clone of http.DefaultTransport).
	Transport http.RoundTripper
	// MaxBody bounds each body kept in the file (default DefaultMaxBody); the exchange
	// itself is forwarded whole.
	MaxBody int64
	// Logger receives one line per exchange that could not be written (nil: discarded).
	Logger *slog.Logger
}

// Recorder records exchanges: each of its proxies (Proxy) forwards to one target — Cal.com's
// API for the service's requests, the service's webhook receiver for Cal.com's deliveries —
// and all of them write every exchange to Config.Out as it completes, numbered by one
// counter (see the package doc).
type Recorder struct {
	cfg   Config
	pseud *pseudonyms // nil with KeepPII
	ticks atomic.Int64
	wg    sync.WaitGroup

	mu      sync.Mutex
	err     error // the first exchange that could not be written
	written atomic.Int64
}

// New validates cfg and builds a Recorder.
func New(cfg Config) (*Recorder, error) {
	if cfg.Out == nil {
		return nil, errors.New("record: no output (Config.Out)")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.Transport == nil {
		cfg.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	r := &Recorder{cfg: cfg}
	if !cfg.KeepPII {
		key := cfg.PseudonymKey
		if len(key) == 0 {
			key = make([]byte, 32)
			_, _ = rand.Read(key) // crypto/rand.Read never fails
		}
		r.pseud = &pseudonyms{key: key}
	}
	return r, nil
}

// Proxy returns a handler that forwards every request to target (scheme://host[:port]
// [/prefix], the request's path appended) and records it as kind: har.KindAPI for the
// service's requests to Cal.com's API (target: Cal.com, which may be remote), har.KindWebhook
// for Cal.com's deliveries to the service (target: the service's base URL).
func (r *Recorder) Proxy(kind string, target *url.URL) (http.Handler, error) {
	switch {
	case kind != har.KindAPI && kind != har.KindWebhook:
		return nil, fmt.Errorf("record: kind %q is not %s or %s", kind, har.KindAPI, har.KindWebhook)
	case target == nil || target.Host == "" || (target.Scheme != "http" && target.Scheme != "https"):
		what := "(none)"
		if target != nil {
			what = target.Redacted()
		}
		return nil, fmt.Errorf("record: target %s: want an absolute http(s) URL such as https://api.cal.com", what)
	}
	return r.proxy(kind, target), nil
}

// Written is how many exchanges have been written.
func (r *Recorder) Written() int64 { return r.written.Load() }

// Err is the first error writing an exchange (nil when every one was written).
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Wait blocks until every exchange in flight has been written, or ctx ends. Stop the
// servers from accepting first (http.Server.Shutdown), then Wait, then close Out.
func (r *Recorder) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		r.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("record: exchanges still in flight: %w", context.Cause(ctx))
	}
}

// exchangeKey carries an exchange through the reverse proxy to its transport.
type exchangeKey struct{}

// proxy is a reverse proxy to target that records each exchange as kind.
func (r *Recorder) proxy(kind string, target *url.URL) http.Handler {
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = target.Host
			// Without the client's Accept-Encoding the transport asks for gzip itself and
			// decodes the answer, so the file holds text the scrubber can read — never
			// compressed bytes that would carry attendee data past it.
			pr.Out.Header.Del("Accept-Encoding")
		},
		Transport: captureTransport{base: r.cfg.Transport},
		ErrorHandler: func(w http.ResponseWriter, req *http.Request, err error) {
			x, _ := req.Context().Value(exchangeKey{}).(*exchange)
			if x != nil {
				x.failed(err)
			}
			if req.Context().Err() != nil {
				return // the client has gone: nothing to answer
			}
			// The upstream cut the exchange or could not be reached: cut the client's too,
			// as it would have seen without the recorder.
			panic(http.ErrAbortHandler)
		},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		x := r.begin(kind, req)
		defer r.finish(x)
		rp.ServeHTTP(w, req.WithContext(context.WithValue(req.Context(), exchangeKey{}, x)))
	})
}

// begin starts recording an exchange: its arrival tick and time, and a copy of its body as
// the proxy reads it.
func (r *Recorder) begin(kind string, req *http.Request) *exchange {
	r.wg.Add(1)
	x := &exchange{kind: kind, began: r.ticks.Add(1), start: r.cfg.Now(), now: r.cfg.Now, in: req, max: r.cfg.MaxBody}
	if req.Body != nil && req.Body != http.NoBody {
		x.reqBody = &capture{rc: req.Body, max: r.cfg.MaxBody}
		req.Body = x.reqBody
	}
	return x
}

// finish writes the exchange (whether it completed or failed) to the file.
func (r *Recorder) finish(x *exchange) {
	defer r.wg.Done()
	x.ended = r.ticks.Add(1)
	x.mu.Lock()
	if x.end.IsZero() {
		x.end = r.cfg.Now()
	}
	x.mu.Unlock()
	e := x.entry(r.scrubber())
	if err := r.cfg.Out.Append(e); err != nil {
		r.mu.Lock()
		if r.err == nil {
			r.err = err
		}
		r.mu.Unlock()
		if r.cfg.Logger != nil {
			r.cfg.Logger.Error("record: an exchange was not written", "method", e.Request.Method, "url", e.Request.URL, "err", err)
		}
		return
	}
	r.written.Add(1)
}

// scrubber is what an exchange's entry is cleaned with.
func (r *Recorder) scrubber() scrubber {
	return scrubber{pseud: r.pseud, secrets: r.cfg.Secrets}
}
