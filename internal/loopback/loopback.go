// Package loopback keeps the harness's traffic on this machine: it parses URLs that must
// name a loopback host and builds HTTP transports whose dialer refuses any other address.
// Every part of the harness that talks to a process it did not start in-process (an external
// fake Cal.com, a black-box service under test) goes through it, so a typo in a URL can never
// send a booking to a real server.
package loopback

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ParseURL parses raw and refuses anything but http(s) on a loopback host (localhost,
// 127.0.0.0/8, ::1): the harness may send traffic to this machine only.
func ParseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%q: scheme must be http or https", raw)
	}
	host := u.Hostname()
	if host == "" {
		return nil, fmt.Errorf("%q has no host", raw)
	}
	if !IsHost(host) {
		return nil, fmt.Errorf("%q: host %s is not a loopback address; the harness sends traffic only to 127.0.0.1, ::1 or localhost", raw, host)
	}
	return u, nil
}

// IsHost reports whether host (a name or an IP literal, without port) is localhost or a
// loopback IP address.
func IsHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// NewTransport returns an HTTP transport whose dialer refuses non-loopback addresses, both
// before dialling (the address asked for) and after (the address connected to), so not even
// a redirect or a DNS answer can take a request off the machine. It uses no proxy and keeps
// up to 1024 idle connections, enough for a load run's workers.
func NewTransport() *http.Transport {
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			if !IsHost(host) {
				return nil, fmt.Errorf("loopback: refusing to dial %s: not a loopback address", addr)
			}
			conn, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			if ra, ok := conn.RemoteAddr().(*net.TCPAddr); ok && !ra.IP.IsLoopback() {
				_ = conn.Close()
				return nil, fmt.Errorf("loopback: refusing connection to %s: not a loopback address", ra)
			}
			return conn, nil
		},
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 1024,
		IdleConnTimeout:     30 * time.Second,
	}
}

// NewClient is an *http.Client on NewTransport. The caller should CloseIdleConnections when
// done, so goroutine-leak checks stay clean.
func NewClient() *http.Client { return &http.Client{Transport: NewTransport()} }
