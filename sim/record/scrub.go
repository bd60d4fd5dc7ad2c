package record

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Redacted replaces every secret in a recording.
const Redacted = "[redacted]"

// secretHeader reports whether a header carries a credential: Authorization (the API key
// as a Bearer token), cookies, Cal.com's OAuth client secret, the webhook signature, and
// anything named like a key, token, secret, signature or password.
func secretHeader(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "authorization", "proxy-authorization", "cookie", "set-cookie", "x-cal-secret-key", "x-cal-client-id":
		return true
	}
	for _, w := range []string{"secret", "token", "signature", "password", "api-key", "apikey", "auth"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// secretKey reports whether a JSON key or query parameter holds a credential (a webhook
// subscription's secret, an API key, an OAuth token).
func secretKey(name string) bool {
	n := strings.ToLower(strings.ReplaceAll(name, "_", ""))
	switch n {
	case "secret", "apikey", "password", "token", "accesstoken", "refreshtoken", "clientsecret", "webhooksecret", "signature":
		return true
	}
	return false
}

// secrets is what one exchange must not leak: the configured values plus the credentials
// its own headers carried (the Bearer key), which are also replaced wherever else they
// appear (an error body echoing the key, a URL).
type secrets struct{ values []string }

// fromHeaders adds the credential values of h.
func (s *secrets) fromHeaders(h http.Header) {
	for name, vs := range h {
		if !secretHeader(name) {
			continue
		}
		for _, v := range vs {
			if scheme, cred, ok := strings.Cut(v, " "); ok && (strings.EqualFold(scheme, "bearer") || strings.EqualFold(scheme, "basic")) {
				v = cred
			}
			if v = strings.TrimSpace(v); len(v) >= 4 && !slices.Contains(s.values, v) {
				s.values = append(s.values, v)
			}
		}
	}
}

// scrub replaces every known secret value in text.
func (s *secrets) scrub(text string) string {
	for _, v := range s.values {
		text = strings.ReplaceAll(text, v, Redacted)
	}
	return text
}

// header redacts a header's value, keeping an Authorization's scheme (Bearer [redacted]):
// that a key was sent is worth knowing, the key is not.
func redactHeader(name, value string) string {
	if !secretHeader(name) {
		return value
	}
	if scheme, _, ok := strings.Cut(value, " "); ok && (strings.EqualFold(name, "authorization") || strings.EqualFold(name, "proxy-authorization")) {
		return scheme + " " + Redacted
	}
	return Redacted
}

// cleanURL drops a URL's user information and redacts its secret query parameters.
func cleanURL(u *url.URL) *url.URL {
	c := *u
	c.User = nil
	if c.RawQuery != "" {
		q := c.Query()
		changed := false
		for k := range q {
			if secretKey(k) {
				q[k] = []string{Redacted}
				changed = true
			}
		}
		if changed {
			c.RawQuery = q.Encode()
		}
	}
	return &c
}
