// Package bbtest lets a package's test binary stand in as a black-box service under test:
// the reference core behind the contract (servecore), started by a sut.yaml whose command
// is the test binary itself. Tests of black-box runs then need no build step and no other
// language:
//
//	func TestMain(m *testing.M) {
//		bbtest.ServeIfAsked() // the test binary started as the service: serve, then exit
//		os.Exit(pgtest.Main(m, …))
//	}
//
//	world, err := world.New(ctx, env, world.Config{BlackBox: &world.BlackBox{SUT: bbtest.SUT(t, core.PolicySeed, blackbox.TimeHeader)}})
package bbtest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/blackbox"
	"github.com/bookingharness/bookingharness/sim/blackbox/servecore"
)

// Environment of the test binary started as the service.
const (
	// EnvPolicy holds the core's policy; set, the binary serves instead of testing.
	EnvPolicy = "BBTEST_SERVE_CORE"
	// EnvBare, "1", hides the optional routes (capabilities and layers answer 404): a
	// service that reports nothing about itself.
	EnvBare = "BBTEST_BARE"
	// EnvBreakCall names a call whose bookings are answered with a body that breaks the
	// contract ({"outcome":"booked"}, no ids), without booking: a contract violation to see.
	EnvBreakCall = "BBTEST_BREAK_CALL"
)

// ServeIfAsked serves the contract and exits when the test binary was started as the
// service (EnvPolicy set); otherwise it returns at once. Call it first in TestMain.
func ServeIfAsked() {
	if policy := os.Getenv(EnvPolicy); policy != "" {
		os.Exit(serve(policy))
	}
}

// serve runs the reference core behind the contract on HARNESS_PORT, with the fake Cal.com
// and the database the harness gave it in the sut.yaml's variables, until SIGTERM.
func serve(policy string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	srv, err := servecore.New(ctx, servecore.Config{Policy: core.Policy(policy), Layers: core.All(),
		CalcomURL: os.Getenv("CALCOM_BASE_URL"), CalcomAPIKey: os.Getenv("CALCOM_API_KEY"), DSN: os.Getenv("DATABASE_URL"),
		WebhookPath: blackbox.DefaultWebhookPath, WebhookSecret: os.Getenv("CALCOM_WEBHOOK_SECRET"),
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		fmt.Fprintln(os.Stderr, "bbtest service:", err)
		return 1
	}
	defer srv.Close()
	bare, broken := os.Getenv(EnvBare) == "1", os.Getenv(EnvBreakCall)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if bare && (strings.HasSuffix(r.URL.Path, "/capabilities") || strings.HasSuffix(r.URL.Path, "/layers")) {
			http.NotFound(w, r)
			return
		}
		if broken != "" && strings.HasSuffix(r.URL.Path, "/book") {
			body, _ := io.ReadAll(r.Body)
			if strings.Contains(string(body), `"call_id":"`+broken+`"`) {
				fmt.Fprintln(os.Stderr, "bbtest service: answering", broken, "with a broken body")
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"outcome":"booked"}`)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		srv.ServeHTTP(w, r)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:"+os.Getenv("HARNESS_PORT"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "bbtest service:", err)
		return 1
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	<-ctx.Done()
	_ = hs.Close()
	return 0
}

// Select is the serve-core schema's appointments SELECT with the checker's aliases.
const Select = `SELECT a.id AS appointment_id, c.retell_call_id AS call_id, a.calcom_v2_booking_id AS booking_uid,
       s.calcom_user_id AS host_id, a.starts_at, a.ends_at,
       (a.deleted_at IS NULL AND a.status <> 'cancelled') AS live
FROM appointments a LEFT JOIN calls c ON c.id = a.call_id JOIN staff s ON s.id = a.staff_id`

// SUT is a sut.yaml that starts the test binary as the service with policy, in time mode
// mode (header or age: a Go binary ignores libfaketime).
func SUT(t testing.TB, policy core.Policy, mode blackbox.TimeMode) *blackbox.SUT {
	t.Helper()
	s, err := NewSUT(policy, mode, false)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// BareSUT is SUT for a service that hides its optional routes (no capabilities: no layer
// switches, no time travel — so time: age).
func BareSUT(t testing.TB, policy core.Policy) *blackbox.SUT {
	t.Helper()
	s, err := NewSUT(policy, blackbox.TimeAge, true)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// BreakCall makes the service of s answer every booking of call with a body that breaks
// the contract.
func BreakCall(s *blackbox.SUT, call string) { s.Env[EnvBreakCall] = call }

// NewSUT is SUT for callers without a testing.TB (Ginkgo specs); bare hides the optional
// routes as BareSUT does. A race-built test binary as the service would sleep a second at
// every exit (the race detector's default atexit_sleep_ms); GORACE turns that off.
func NewSUT(policy core.Policy, mode blackbox.TimeMode, bare bool) (*blackbox.SUT, error) {
	b := "0"
	if bare {
		b = "1"
	}
	yaml := fmt.Sprintf(`base_url: http://127.0.0.1:${HARNESS_PORT}
command: ["${BOOKINGHARNESS}"]
env: {%s: %s, %s: %q, GORACE: "atexit_sleep_ms=0"}
calcom_env: {base_url: CALCOM_BASE_URL, api_key: CALCOM_API_KEY}
webhooks: {path: %s, secret_env: CALCOM_WEBHOOK_SECRET}
policy: %s
database:
  dsn_env: DATABASE_URL
  appointments: |
    %s
  age: UPDATE appointments SET created_at = created_at - $1::interval
time: %s
`, EnvPolicy, policy, EnvBare, b, blackbox.DefaultWebhookPath, policy, strings.ReplaceAll(Select, "\n", "\n    "), mode)
	return blackbox.ParseSUT("bbtest.sut.yaml", []byte(yaml))
}
