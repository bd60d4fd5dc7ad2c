package fakecalcom

import (
	"crypto/subtle"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// authenticate applies Cal.com's optional auth: no credentials is anonymous (authed=false,
// no error); a Bearer key must be valid when Config.APIKey is set; anything else is 401.
func (f *Fake) authenticate(r *http.Request) (authed bool, err *apiError) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return false, nil
	}
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || tok == "" {
		return false, httpErr(http.StatusUnauthorized, MsgNoAuth)
	}
	if f.cfg.APIKey == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(f.cfg.APIKey)) == 1 {
		return true, nil
	}
	if strings.HasPrefix(tok, "cal_") {
		return false, httpErr(http.StatusUnauthorized, MsgBadAPIKey)
	}
	return false, httpErr(http.StatusUnauthorized, MsgBadAccessToken)
}

// tracker is what the rate limit counts per: the Bearer key, or the client address.
func tracker(r *http.Request) string {
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && tok != "" {
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
	start time.Time
	count int
}

// rateLimiter is Cal.com's default fixed window: 120 requests per 60 s per tracker, on the
// fake's clock (so a virtual clock can roll the window over instantly).
type rateLimiter struct {
	mu      sync.Mutex
	windows map[string]*windowState
}

func (l *rateLimiter) take(key string, now time.Time) (rateWindow, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.windows == nil {
		l.windows = map[string]*windowState{}
	}
	w := l.windows[key]
	if w == nil || !now.Before(w.start.Add(rateLimitWindow)) {
		w = &windowState{start: now}
		l.windows[key] = w
	}
	reset := int(w.start.Add(rateLimitWindow).Sub(now).Round(time.Second) / time.Second)
	if w.count >= rateLimitPerWindow {
		return rateWindow{limit: rateLimitPerWindow, remaining: 0, resetSeconds: reset}, false
	}
	w.count++
	return rateWindow{limit: rateLimitPerWindow, remaining: rateLimitPerWindow - w.count, resetSeconds: reset}, true
}

func (l *rateLimiter) reset() {
	l.mu.Lock()
	l.windows = nil
	l.mu.Unlock()
}
