package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/har"
)

func TestRecordFlagErrors(t *testing.T) {
	out := filepath.Join(t.TempDir(), "x.har")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"record", "--out", out}, "--upstream and --out are required"},
		{[]string{"record", "--upstream", "http://127.0.0.1:1"}, "--upstream and --out are required"},
		{[]string{"record", "--upstream", "api.cal.com", "--out", out}, `--upstream "api.cal.com": want an http(s) URL`},
		{[]string{"record", "--upstream", "https://u:pw@api.cal.com", "--out", out, "--listen", "nope"}, `--listen "nope"`},
		{[]string{"record", "--upstream", "https://api.cal.com", "--out", out, "--listen", "0.0.0.0:8788"}, "is not a loopback address"},
		{[]string{"record", "--upstream", "https://api.cal.com", "--out", out, "--listen", ":8788"}, "is not a loopback address"},
		{[]string{"record", "--upstream", "https://api.cal.com", "--out", out, "--webhooks-listen", "127.0.0.1:0"}, "go together"},
		{[]string{"record", "--upstream", "https://api.cal.com", "--out", out, "--webhooks-listen", "192.0.2.1:9000", "--webhooks-forward", "http://127.0.0.1:1"}, "--webhooks-listen \"192.0.2.1:9000\" is not a loopback address"},
		{[]string{"record", "--upstream", "https://api.cal.com", "--out", out, "--redact-env", "BOOKINGHARNESS_TEST_UNSET_VAR"}, "the variable is not set"},
		{[]string{"record", "--upstream", "https://api.cal.com", "--out", filepath.Join(t.TempDir(), "no", "dir", "x.har")}, "har: create"},
		{[]string{"record", "--bogus"}, "unknown flag"},
	}
	for _, c := range cases {
		code, _, stderr := execute(t, c.args...)
		if code != exitInvalid || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", c.args, code, stderr, c.want)
		}
		if strings.Contains(stderr, "pw@") {
			t.Errorf("%v: the upstream's password was printed: %s", c.args, stderr)
		}
	}
}

// lines is a stderr that hands every "on http://ADDR" line to the test as it is written.
type lines struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	addr chan string
}

var onAddr = regexp.MustCompile(`on http://(\S+)`)

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	if m := onAddr.FindSubmatch(p); m != nil {
		l.addr <- string(m[1])
	}
	return len(p), nil
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// TestRecordUntilStopped runs the command against a fake Cal.com, books through it, stops
// it as Ctrl-C would and reads the file it left.
func TestRecordUntilStopped(t *testing.T) {
	fake := fakecalcom.New(fakecalcom.Config{APIKey: "cal_live_secret_key"})
	defer fake.Close()
	out := filepath.Join(t.TempDir(), "staging.har")
	stderr := &lines{addr: make(chan string, 2)}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	done := make(chan error, 1)
	go func() {
		done <- runRecord(ctx, stderr, recordFlags{upstream: fake.URL, listen: "127.0.0.1:0", out: out})
	}()
	var addr string
	select {
	case addr = <-stderr.addr:
	case err := <-done:
		t.Fatalf("record ended early: %v\n%s", err, stderr)
	case <-time.After(30 * time.Second):
		t.Fatalf("record did not start listening:\n%s", stderr)
	}
	client, err := calcom.New(calcom.Config{BaseURL: "http://" + addr, APIKey: "cal_live_secret_key", HTTPClient: &http.Client{}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.CreateBooking(context.Background(), calcom.CreateBookingInput{Start: time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC), EventTypeID: 1,
		Attendee: calcom.Attendee{Name: "Greta Gans", Email: "greta@example.org", TimeZone: "Europe/Berlin"}, Metadata: map[string]any{"call_id": "call_cli_1"}}); err != nil {
		t.Fatal(err)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("record: %v\n%s", err, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if errs := har.Validate(data); errs != nil {
		t.Fatal(errs)
	}
	for _, leak := range []string{"cal_live_secret_key", "Greta", "greta@example.org"} {
		if bytes.Contains(data, []byte(leak)) {
			t.Errorf("the file contains %q", leak)
		}
	}
	if !bytes.Contains(data, []byte("call_cli_1")) || !strings.Contains(stderr.String(), "wrote 1 exchange(s)") {
		t.Fatalf("file:\n%s\nstderr:\n%s", data, stderr)
	}
}
