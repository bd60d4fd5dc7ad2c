package fakecalcom

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// Cal.com's throttler (apps/api/v2/src/lib/throttler-guard.ts, @42e7dc4): a fixed window of
// RATE_LIMIT_DEFAULT_TTL_MS (60 s) per tracker — the API key, else the OAuth client, else the
// client address — with RATE_LIMIT_DEFAULT_LIMIT_API_KEY (120) requests; a tracker that goes
// over is blocked for RATE_LIMIT_DEFAULT_BLOCK_DURATION_MS (60 s). Every response carries
// X-RateLimit-{Limit,Remaining,Reset}-Default; Reset is the block's (else the window's)
// remaining seconds; no Retry-After is sent.
const (
	rateLimitWindow    = 60 * time.Second
	rateLimitBlock     = 60 * time.Second
	rateLimitPerWindow = 120
)

// tracker is what the rate limit counts per: the API key, or the client address.
func tracker(r *http.Request) string {
	if tok := bearerToken(r); tok != "" {
		return "key:" + tok
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "ip:" + host
}

// rateWindow is the state reported in the X-RateLimit-*-Default headers.
type rateWindow struct {
	limit, remaining, resetSeconds int
}

type windowState struct {
	start        time.Time
	count        int
	blockedUntil time.Time // zero unless the tracker went over its limit
}

// rateLimiter keeps one fixed window per tracker on the fake's clock (so a virtual clock can
// roll a window over instantly).
type rateLimiter struct {
	mu      sync.Mutex
	windows map[string]*windowState
}

// limitFor is the steady limit of a request per window: Config.KeyRateLimits for its key,
// else Cal.com's default when Config.RateLimit is on; 0 means not limited.
func (f *Fake) limitFor(r *http.Request) int {
	if n, ok := f.cfg.KeyRateLimits[bearerToken(r)]; ok {
		return n
	}
	if f.cfg.RateLimit {
		return rateLimitPerWindow
	}
	return 0
}

// take counts one request of key against limit and reports the window and whether the
// request may proceed.
func (l *rateLimiter) take(key string, limit int, now time.Time) (rateWindow, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.windows == nil {
		l.windows = map[string]*windowState{}
	}
	w := l.windows[key]
	if w != nil && now.Before(w.blockedUntil) {
		return rateWindow{limit: limit, remaining: 0, resetSeconds: seconds(w.blockedUntil.Sub(now))}, false
	}
	if w == nil || !now.Before(w.start.Add(rateLimitWindow)) {
		w = &windowState{start: now}
		l.windows[key] = w
	}
	w.count++
	if w.count > limit {
		w.blockedUntil = now.Add(rateLimitBlock)
		return rateWindow{limit: limit, remaining: 0, resetSeconds: seconds(rateLimitBlock)}, false
	}
	return rateWindow{limit: limit, remaining: limit - w.count, resetSeconds: seconds(w.start.Add(rateLimitWindow).Sub(now))}, true
}

// seconds rounds a remaining duration up to whole seconds, as the Redis storage reports it.
func seconds(d time.Duration) int { return int((d + time.Second - 1) / time.Second) }

func (l *rateLimiter) reset() {
	l.mu.Lock()
	l.windows = nil
	l.mu.Unlock()
}
