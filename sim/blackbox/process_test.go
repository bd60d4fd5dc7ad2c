package blackbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSUT is a sut.yaml that starts this test binary as a service in mode.
func fakeSUT(t *testing.T, mode, extra string) *SUT {
	t.Helper()
	yaml := `base_url: http://127.0.0.1:${HARNESS_PORT}
command: ["` + os.Args[0] + `"]
env: {` + fakeServiceVar + `: ` + mode + `}
calcom_env: {base_url: CALCOM_BASE_URL, api_key: CALCOM_API_KEY}
start_timeout: 20s
database:
  dsn_env: DATABASE_URL
  migrate: ["` + os.Args[0] + `"]
  appointments: SELECT id AS appointment_id, call AS call_id, uid AS booking_uid, host AS host_id, starts_at, ends_at, live FROM appts ORDER BY id
  age: UPDATE appts SET created_at = created_at - $1::interval
` + extra
	s, err := ParseSUT(filepath.Join(t.TempDir(), "sut.yaml"), []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	// The migration is the same binary in migrate mode: env: applies to it too, so give it
	// its own through a wrapper variable the fake service reads first.
	s.Database.Migrate = []string{"/usr/bin/env", fakeServiceVar + "=migrate", os.Args[0]}
	return s
}

// calcomStub stands in for the fake Cal.com's admin clock: it records every call and
// answers as the fake does, so the time modes can be tested before the fake has them.
type calcomStub struct {
	mu    sync.Mutex
	calls []string
	now   time.Time
}

func (s *calcomStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, r.Method+" "+r.URL.Path+" "+strings.TrimSpace(string(body)))
	var change struct {
		Advance string `json:"advance"`
		Age     string `json:"age"`
	}
	_ = json.Unmarshal(body, &change)
	if change.Advance != "" {
		d, _ := time.ParseDuration(change.Advance)
		s.now = s.now.Add(d)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"now": s.now, "offset": "0s"})
}

func (s *calcomStub) log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.calls...)
}

// groupGone reports whether no process of the group is left running (a forked worker may
// linger as a zombie until init reaps it; it can do nothing more).
func groupGone(pgid int) bool { return !groupRunning(pgid) }

// A started service gets the fake's URL, the key and its database in its environment, is
// migrated before it starts, becomes healthy, and is stopped with every process it forked.
func TestStartedServiceLifecycle(t *testing.T) {
	ctx := context.Background()
	stub := &calcomStub{now: time.Date(2025, 10, 6, 9, 4, 27, 0, time.UTC)}
	cal := httptest.NewServer(stub)
	defer cal.Close()
	tgt, err := Open(ctx, Config{SUT: fakeSUT(t, "serve", ""), CalcomURL: cal.URL, CalcomAPIKey: "cal_test_k", Postgres: env})
	if err != nil {
		t.Fatal(err)
	}
	pgid := tgt.proc.pid()
	if !strings.Contains(tgt.Log(), "started: calcom="+cal.URL+" key=cal_test_k db_set=true faketime=\n") {
		t.Errorf("service log = %q", tgt.Log())
	}
	if caps, err := tgt.Capabilities(); err != nil || caps.Offered {
		t.Errorf("capabilities = %+v, %v; want not offered (404)", caps, err)
	}
	// The migration ran before the start: the SELECT reads its table.
	if _, err := tgt.pool.Exec(ctx, `INSERT INTO appts (call, uid, host, starts_at, ends_at) VALUES ('call_1', 'u1', 7, '2025-10-10T06:00:00Z', '2025-10-10T06:45:00Z')`); err != nil {
		t.Fatal(err)
	}
	// Age mode: Advance asks the fake to age its bookings and runs database.age with the gap.
	if err := tgt.Advance(ctx, 35*time.Minute); err != nil {
		t.Fatal(err)
	}
	if got := stub.log(); len(got) != 1 || got[0] != `POST /__admin/clock {"age":"35m0s"}` {
		t.Errorf("fake's admin calls = %q", got)
	}
	var age int64
	if err := tgt.pool.QueryRow(ctx, `SELECT EXTRACT(EPOCH FROM now() - created_at)::bigint FROM appts`).Scan(&age); err != nil || age < 35*60 || age > 36*60 {
		t.Errorf("row age after Advance(35m) = %d s, %v", age, err)
	}
	apps, err := tgt.Appointments(ctx)
	if err != nil || len(apps) != 1 || apps[0].CallID != "call_1" || apps[0].StaffID != 7 || !apps[0].Live {
		t.Errorf("Appointments = %+v, %v", apps, err)
	}
	if err := tgt.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if !groupGone(pgid) {
		t.Fatalf("process group %d still has members after Close", pgid)
	}
	if !strings.Contains(tgt.Log(), "started:") {
		t.Error("the log must stay readable after Close")
	}
}

// A service that dies at start, or never becomes healthy, fails Open with its own output,
// and nothing of it is left running.
func TestStartedServiceFailures(t *testing.T) {
	ctx := context.Background()
	cal := httptest.NewServer(&calcomStub{})
	defer cal.Close()
	tests := []struct {
		mode, extra, want string
	}{
		{"exit", "", "boom: CALCOM_BASE_URL points nowhere"},
		// The service answers 503 forever: only start_timeout can end the wait.
		{"unhealthy", "", "was not healthy within"},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			s := fakeSUT(t, tt.mode, tt.extra)
			if tt.mode == "unhealthy" {
				s.StartTimeout = 300 * time.Millisecond
			}
			_, err := Open(ctx, Config{SUT: s, CalcomURL: cal.URL, Postgres: env})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Open = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// ${NAME} must name something set; an unset one stops Open before anything starts.
func TestUnsetVariable(t *testing.T) {
	cal := httptest.NewServer(&calcomStub{})
	defer cal.Close()
	s := fakeSUT(t, "serve", "")
	s.Command = append(s.Command, "${NO_SUCH_VARIABLE}")
	_, err := Open(context.Background(), Config{SUT: s, CalcomURL: cal.URL, Postgres: env})
	if err == nil || !strings.Contains(err.Error(), "command[1]: ${NO_SUCH_VARIABLE} is not set") {
		t.Fatalf("Open = %v", err)
	}
}

// faketime: the service runs with libfaketime preloaded and a timestamp file holding the
// offset; Advance moves the fake's clock and rewrites the file by the same gap.
func TestFaketimeFile(t *testing.T) {
	if _, err := findLibfaketime(); err != nil {
		t.Fatal(err) // the machine and CI install it (scripts/prepare-blackbox.sh)
	}
	ctx := context.Background()
	stub := &calcomStub{now: time.Now().Add(time.Hour)}
	cal := httptest.NewServer(stub)
	defer cal.Close()
	tgt, err := Open(ctx, Config{SUT: fakeSUT(t, "serve", "time: faketime\n"), CalcomURL: cal.URL, Postgres: env, AppSkew: -10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close(ctx)
	leaderSegments := faketimeSegments(tgt.proc.pid())
	for _, f := range leaderSegments {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("libfaketime made no %s for the service (%v): this test would not see a leak", f, err)
		}
	}
	if !strings.Contains(tgt.Log(), "faketime="+tgt.ft.path) {
		t.Errorf("service log = %q, want FAKETIME_TIMESTAMP_FILE=%s", tgt.Log(), tgt.ft.path)
	}
	offset := func() time.Duration {
		b, err := os.ReadFile(tgt.ft.path)
		if err != nil {
			t.Fatal(err)
		}
		var secs float64
		if _, err := fmt.Sscan(strings.TrimSpace(string(b)), &secs); err != nil {
			t.Fatalf("timestamp file %q: %v", b, err)
		}
		return time.Duration(secs * float64(time.Second))
	}
	before := offset()
	if before < 59*time.Minute || before > 61*time.Minute { // one hour ahead, 10 s behind
		t.Fatalf("initial offset %v, want about 59m50s", before)
	}
	if err := tgt.Advance(ctx, 35*time.Minute); err != nil {
		t.Fatal(err)
	}
	if d := offset() - before; d < 34*time.Minute || d > 36*time.Minute {
		t.Fatalf("Advance(35m) moved the offset by %v", d)
	}
	if got := stub.log(); got[len(got)-1] != `POST /__admin/clock {"advance":"35m0s"}` {
		t.Errorf("fake's admin calls = %q", got)
	}

	// A killed service (crash:) and a stopped one leave nothing of libfaketime's in /dev/shm.
	if err := tgt.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := tgt.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	restarted := faketimeSegments(tgt.proc.pid())
	if err := tgt.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for _, f := range append(leaderSegments, restarted...) {
		if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is left behind after the service was killed or stopped (stat: %v)", f, err)
		}
	}
}

// A short command under libfaketime (the service's migrations) leaves nothing in /dev/shm
// either, though it exits on its own: PHP's CLI and Go binaries end without running
// libfaketime's clean-up.
func TestRunOnceLeavesNoFaketimeSegments(t *testing.T) {
	lib, err := findLibfaketime()
	if err != nil {
		t.Fatal(err)
	}
	ft, err := newFaketimeFile()
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(ft.dir)
	if err := ft.set(time.Hour); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), fakeServiceVar+"=exit")
	for k, v := range ft.env(lib) {
		env = append(env, k+"="+v)
	}
	err = runOnce(context.Background(), []string{os.Args[0]}, t.TempDir(), env)
	var pid int
	if err == nil || !strings.Contains(err.Error(), "(pid ") {
		t.Fatalf("runOnce = %v, want the command's failure with its pid", err)
	}
	if _, scanErr := fmt.Sscanf(err.Error()[strings.Index(err.Error(), "(pid "):], "(pid %d)", &pid); scanErr != nil {
		t.Fatal(scanErr)
	}
	for _, f := range faketimeSegments(pid) {
		if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is left behind by a command that ended (stat: %v)", f, err)
		}
	}
}

// faketimeSegments are the files libfaketime 0.9.10 makes in /dev/shm for process pid.
func faketimeSegments(pid int) []string {
	return []string{fmt.Sprintf("/dev/shm/faketime_shm_%d", pid), fmt.Sprintf("/dev/shm/sem.faketime_sem_%d", pid)}
}

// A group member that ignores SIGTERM is killed after the grace period: stop returns only
// when the whole group is gone.
func TestStopKillsStubbornGroup(t *testing.T) {
	env := append(os.Environ(), fakeServiceVar+"=stubborn")
	ready := &signalOn{text: "ready", seen: make(chan struct{})}
	p, err := startProcess([]string{os.Args[0]}, t.TempDir(), env, &logBuffer{copy: ready})
	if err != nil {
		t.Fatal(err)
	}
	<-ready.seen // SIGTERM is ignored from here on
	if err := p.stop(100 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if !groupGone(p.pid()) || !strings.Contains(p.err.Error(), "killed") {
		t.Fatalf("after stop: group gone %v, leader's exit %v (want killed)", groupGone(p.pid()), p.err)
	}
}

// signalOn closes seen the first time text is written to it.
type signalOn struct {
	text string
	seen chan struct{}
	once sync.Once
}

func (s *signalOn) Write(p []byte) (int, error) {
	if strings.Contains(string(p), s.text) {
		s.once.Do(func() { close(s.seen) })
	}
	return len(p), nil
}
