package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/blackbox"
	"github.com/bookingharness/bookingharness/sim/har"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/replay"
	"github.com/bookingharness/bookingharness/sim/world"
)

// phpSUT is the PHP seed service's own sut.yaml.
const phpSUT = "../../examples/php-seed-service/sut.yaml"

// requirePHP fails — never skips — when php-cli or php-pgsql is missing
// (scripts/prepare-blackbox.sh installs them).
func requirePHP(t *testing.T) {
	t.Helper()
	out, err := exec.Command("php", "-r", `echo extension_loaded("pdo_pgsql") ? "ok" : "no pdo_pgsql";`).CombinedOutput()
	if err != nil || string(out) != "ok" {
		t.Fatalf("needs php-cli with pdo_pgsql (got %q, %v): run scripts/prepare-blackbox.sh", out, err)
	}
}

// recordingFront runs `bookingharness record` in front of a world's fake Cal.com, with a tap
// between the two that notes the API key the service really sent (so the test can grep the
// file for it).
type recordingFront struct {
	t      *testing.T
	out    string
	mu     sync.Mutex
	keys   []string
	stop   context.CancelFunc
	done   chan error
	stderr *lines
	tap    *httptest.Server
}

func (f *recordingFront) front(_ *world.World, kind, target string) (string, error) {
	if kind != world.FrontAPI {
		return target, nil
	}
	u, err := url.Parse(target)
	if err != nil {
		return "", err
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	f.tap = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if k := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "); k != "" {
			f.mu.Lock()
			f.keys = append(f.keys, k)
			f.mu.Unlock()
		}
		rp.ServeHTTP(w, r)
	}))
	ctx, stop := context.WithCancel(context.Background())
	f.stop, f.done, f.stderr = stop, make(chan error, 1), &lines{addr: make(chan string, 1)}
	go func() {
		f.done <- runRecord(ctx, f.stderr, recordFlags{upstream: f.tap.URL, listen: "127.0.0.1:0", out: f.out})
	}()
	select {
	case addr := <-f.stderr.addr:
		return "http://" + addr, nil
	case err := <-f.done:
		return "", err
	}
}

// finish stops the recorder as Ctrl-C would.
func (f *recordingFront) finish() {
	f.stop()
	if err := <-f.done; err != nil {
		f.t.Fatalf("record: %v\n%s", err, f.stderr)
	}
	f.tap.Close()
}

// The test of done: `record` in front of the PHP seed service while Call 687/688
// replays through it (no layers) writes a HAR that validates, holding no secret and no
// attendee data — grepped for the values that went in —, and `incident from-har` turns it
// into a file that reproduces the duplicate.
func TestRecordPHPSeedCall687688AndDerive(t *testing.T) {
	requirePHP(t)
	env := pg.Env(t)
	dir := t.TempDir()
	front := &recordingFront{t: t, out: filepath.Join(dir, "staging.har")}
	inc, err := incident.Load("../../scenarios/incidents/call-687-688.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sut, err := blackbox.LoadSUT(phpSUT)
	if err != nil {
		t.Fatal(err)
	}
	none := core.Layers(0)
	res, err := replay.Run(context.Background(), env, inc, replay.Options{Layers: &none, BlackBox: &world.BlackBox{SUT: sut}, Front: front.front})
	if err != nil {
		t.Fatal(err)
	}
	front.finish()
	if !strings.Contains(strings.Join(res.Final.Violated, ","), "duplicate_booking_id") {
		t.Fatalf("the PHP seed without layers should store the duplicate:\n%s", res.Timeline())
	}
	data, err := os.ReadFile(front.out)
	if err != nil {
		t.Fatal(err)
	}
	if errs := har.Validate(data); errs != nil {
		t.Fatalf("not valid HAR 1.2: %v", errs)
	}
	if len(front.keys) == 0 {
		t.Fatal("the tap saw no API key: the test would prove nothing")
	}
	went := append([]string{"Hansi", "Sputer", "Schuster", "termin@askproai.de", "termin%40askproai.de", "askproai"}, front.keys...)
	for _, v := range went {
		if strings.Contains(string(data), v) {
			t.Errorf("the recording contains %q", v)
		}
	}
	if m := regexp.MustCompile(`cal_test_[0-9a-f]{8,}`).Find(data); m != nil {
		t.Errorf("the recording contains an API key: %s", m)
	}
	out := filepath.Join(dir, "call-687-688-derived.yaml")
	_, stderr := expectRun(t, []string{"incident", "from-har", front.out, "--layers", "none", "--out", out, "--pg-dsn", env.AdminDSN()}, 0, nil,
		[]string{"violates double_booked_slot, duplicate_booking_id", "wrote " + out})
	derived, err := incident.Load(out)
	if err != nil {
		t.Fatalf("the derived file does not load: %v\n%s", err, stderr)
	}
	if len(derived.Steps) != 2 || derived.Calcom.EventTypes[0].Kind != incident.KindRoundRobin || derived.LayersSpec != "none" {
		t.Fatalf("derived: %+v", derived)
	}
	text, _ := os.ReadFile(out)
	for _, v := range went {
		if strings.Contains(string(text), v) {
			t.Errorf("the derived file contains %q", v)
		}
	}
	// As written (no expectation invented) the file is a regression test: the duplicate
	// fails it.
	expectRun(t, []string{"replay", "--pg-dsn", env.AdminDSN(), out}, 1, []string{"duplicate_booking_id"}, nil)
}

func TestFromHARFlagErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "x.har")
	if err := os.WriteFile(good, []byte(`{"log":{"version":"1.2","creator":{"name":"t","version":"1"},"entries":[]}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.har")
	if err := os.WriteFile(bad, []byte(`{"entries":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"incident", "from-har"}, "accepts 1 arg"},
		{[]string{"incident", "from-har", filepath.Join(dir, "missing.har")}, "no such file"},
		{[]string{"incident", "from-har", bad, "--no-judge"}, `no "log" object`},
		{[]string{"incident", "from-har", good, "--no-judge"}, "no booking request"},
		{[]string{"incident", "from-har", good, "--policy", "strict"}, "--policy"},
		{[]string{"incident", "from-har", good, "--policy", "seed", "--layers", "slot_exclusion"}, "--layers"},
		{[]string{"incident", "from-har", good, "--sut", phpSUT, "--no-judge"}, "give one"},
		{[]string{"incident", "from-har", good, "--shrink", dir, "--no-judge"}, "--shrink needs the judging replay"},
		{[]string{"incident", "from-har", good, "--sut", filepath.Join(dir, "nope.sut.yaml")}, "nope.sut.yaml"},
	} {
		code, _, stderr := execute(t, c.args...)
		if code != exitInvalid || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
}
