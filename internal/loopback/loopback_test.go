package loopback_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/bookingharness/bookingharness/internal/loopback"
)

func TestParseURL(t *testing.T) {
	for _, ok := range []string{"http://127.0.0.1:8787", "http://localhost:1", "http://[::1]:8787/", "https://127.0.0.2"} {
		if _, err := loopback.ParseURL(ok); err != nil {
			t.Errorf("ParseURL(%q) = %v, want accepted", ok, err)
		}
	}
	for _, bad := range []string{"http://203.0.113.5:8787", "http://example.com", "https://api.cal.com", "http://0.0.0.0:8787", "ftp://127.0.0.1", "127.0.0.1:8787", "http://"} {
		if _, err := loopback.ParseURL(bad); err == nil {
			t.Errorf("ParseURL(%q) accepted, want refused", bad)
		}
	}
}

// TestTransportRefusesOtherHosts dials a documentation address (RFC 5737): the dialer must
// refuse before any packet leaves, so the error names the guard, not a network failure.
func TestTransportRefusesOtherHosts(t *testing.T) {
	c := loopback.NewClient()
	defer c.CloseIdleConnections()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, "http://192.0.2.10:80/", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Do(req)
	if err == nil || !strings.Contains(err.Error(), "not a loopback address") {
		t.Fatalf("Do = %v, want the loopback guard's refusal", err)
	}
}
