package blackbox_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/sim/blackbox"
)

const validSUT = `base_url: http://127.0.0.1:${HARNESS_PORT}
command: [php, -S, "127.0.0.1:${HARNESS_PORT}", -t, public]
env: {APP_LAYERS: all}
calcom_env: {base_url: CALCOM_BASE_URL, api_key: CALCOM_API_KEY}
database:
  dsn_env: DATABASE_URL
  migrate: [php, migrate.php]
  appointments: SELECT 1
  reset: TRUNCATE appointments
  age: UPDATE appointments SET created_at = created_at - $1::interval
time: faketime
paths: {book: /test/book}
timeout: 3s
x-owner: team-booking
`

func TestParseSUT(t *testing.T) {
	s, err := blackbox.ParseSUT("dir/sut.yaml", []byte(validSUT))
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs("dir")
	if s.BaseURL != "http://127.0.0.1:${HARNESS_PORT}" || len(s.Command) != 5 || s.Env["APP_LAYERS"] != "all" ||
		s.CalcomEnv != (blackbox.CalcomEnv{BaseURL: "CALCOM_BASE_URL", APIKey: "CALCOM_API_KEY"}) ||
		s.Database.DSNEnv != "DATABASE_URL" || s.Database.Migrate[1] != "migrate.php" || s.Time != blackbox.TimeFaketime ||
		s.Timeout != 3*time.Second || s.StartTimeout != blackbox.DefaultStartTimeout || s.Dir != abs || s.Workdir != abs {
		t.Fatalf("parsed %+v", s)
	}
	want := blackbox.DefaultPaths()
	want.Book = "/test/book"
	if s.Paths != want {
		t.Fatalf("paths = %+v, want %+v (defaults kept for the others)", s.Paths, want)
	}
	for _, file := range []string{"../../examples/php-seed-service/sut.yaml", "testdata/serve-core.sut.yaml"} {
		if _, err := blackbox.LoadSUT(file); err != nil {
			t.Errorf("shipped %s: %v", file, err)
		}
	}
}

// Every mistake is reported at its line and column with the field's path; typos get a
// did-you-mean; nothing unknown passes silently.
func TestParseSUTErrors(t *testing.T) {
	const db = "database: {dsn_env: DATABASE_URL, appointments: SELECT 1}\n"
	const cmd = "base_url: http://127.0.0.1:1\ncommand: [svc]\ncalcom_env: {base_url: A, api_key: B}\n"
	tests := []struct {
		name, yaml string
		where      string // file:line:col: field
		msg        string
	}{
		{"typo at top", "base_url: http://127.0.0.1:1\ncomand: [svc]\n" + db, "sut.yaml:2:1: comand", `unknown key "comand" (did you mean "command"?)`},
		{"typo nested", "base_url: http://127.0.0.1:1\ndatabase:\n  dsn_env: X\n  apointments: SELECT 1\n", "sut.yaml:4:3: database.apointments", `did you mean "appointments"?`},
		{"unknown key no suggestion", "base_url: http://127.0.0.1:1\nfrobnicate: 1\n" + db, "sut.yaml:2:1: frobnicate", `unknown key "frobnicate"; the keys here are base_url`},
		{"time typo", "base_url: http://127.0.0.1:1\ntime: headr\n" + db, "sut.yaml:2:7: time", `did you mean "header"?`},
		{"no base url", db, "sut.yaml:1:1: base_url", "is required"},
		{"no database", "base_url: http://127.0.0.1:1\n", "sut.yaml:1:1: database", "is required"},
		{"no appointments", "base_url: http://127.0.0.1:1\ndatabase: {dsn_env: X}\n", "sut.yaml:2:11: database.appointments", "appointment_id, call_id"},
		{"appointments not a select", "base_url: http://127.0.0.1:1\ndatabase: {dsn_env: X, appointments: DELETE FROM a}\n", "sut.yaml:2:38: database.appointments", "one SELECT"},
		{"bad env var name", "base_url: http://127.0.0.1:1\ndatabase: {dsn_env: 1X, appointments: SELECT 1}\n", "sut.yaml:2:21: database.dsn_env", "not an environment variable name"},
		{"env without command", "base_url: http://127.0.0.1:1\nenv: {A: b}\n" + db, "sut.yaml:2:6: env", "needs command"},
		{"migrate without command", "base_url: http://127.0.0.1:1\ndatabase: {dsn_env: X, appointments: SELECT 1, migrate: [m]}\n", "sut.yaml:2:57: database.migrate", "needs command"},
		{"faketime without command", "base_url: http://127.0.0.1:1\ntime: faketime\n" + db, "sut.yaml:2:7: time", "faketime needs command"},
		{"command without calcom_env", "base_url: http://127.0.0.1:1\ncommand: [svc]\n" + db, "sut.yaml:1:1: calcom_env", "is required with command"},
		{"calcom_env half", "base_url: http://127.0.0.1:1\ncommand: [svc]\ncalcom_env: {base_url: A}\n" + db, "sut.yaml:3:13: calcom_env.api_key", "is required"},
		{"command empty", "base_url: http://127.0.0.1:1\ncommand: []\n" + db, "sut.yaml:2:10: command", "non-empty list"},
		{"command not a list", "base_url: http://127.0.0.1:1\ncommand: php -S\n" + db, "sut.yaml:2:10: command", "non-empty list"},
		{"age without $1", cmd + "database: {dsn_env: X, appointments: SELECT 1, age: UPDATE a SET b = 1}\n", "sut.yaml:4:53: database.age", "$1"},
		{"path without slash", "base_url: http://127.0.0.1:1\npaths: {book: book}\n" + db, "sut.yaml:2:15: paths.book", "starting with /"},
		{"paths typo", "base_url: http://127.0.0.1:1\npaths: {bok: /b}\n" + db, "sut.yaml:2:9: paths.bok", `did you mean "book"?`},
		{"bad timeout", "base_url: http://127.0.0.1:1\ntimeout: soon\n" + db, "sut.yaml:2:10: timeout", "not a positive duration"},
		{"duplicate key", "base_url: http://127.0.0.1:1\nbase_url: http://127.0.0.1:2\n" + db, "sut.yaml:2:1: base_url", "duplicate key"},
		{"invalid yaml", "base_url: [\n", "sut.yaml:1:1", "invalid YAML"},
		{"empty", "", "sut.yaml:1:1", "empty sut file"},
		{"two documents", "base_url: http://127.0.0.1:1\n" + db + "---\nbase_url: x\n", "sut.yaml:3:1", "more than one YAML document"},
		{"policy typo", "base_url: http://127.0.0.1:1\npolicy: hardend\n" + db, "sut.yaml:2:9: policy", `did you mean "hardened"?`},
		{"webhooks without command", "base_url: http://127.0.0.1:1\nwebhooks: {secret_env: S}\n" + db, "sut.yaml:2:11: webhooks", "needs command"},
		{"webhooks without secret", cmd + "webhooks: {path: /hook}\n" + db, "sut.yaml:4:11: webhooks.secret_env", "is required"},
		{"webhooks path", cmd + "webhooks: {path: hook, secret_env: S}\n" + db, "sut.yaml:4:18: webhooks.path", "starting with /"},
		{"webhooks typo", cmd + "webhooks: {secret: S}\n" + db, "sut.yaml:4:12: webhooks.secret", `did you mean "secret_env"?`},
		{"skip without reason", "base_url: http://127.0.0.1:1\nskip: {host-cancel: ''}\n" + db, "sut.yaml:2:21: skip.host-cancel", "needs a reason"},
		{"skip not a mapping", "base_url: http://127.0.0.1:1\nskip: [host-cancel]\n" + db, "sut.yaml:2:7: skip", "must be a mapping"},
		{"proxy without command", "base_url: http://127.0.0.1:1\ndatabase: {dsn_env: X, appointments: SELECT 1, proxy: true}\n", "sut.yaml:2:55: database.proxy", "needs command"},
		{"proxy not a boolean", cmd + "database: {dsn_env: X, appointments: SELECT 1, proxy: maybe}\n", "sut.yaml:4:55: database.proxy", "true or false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := blackbox.ParseSUT("sut.yaml", []byte(tt.yaml))
			var fe *blackbox.FileError
			if !errors.As(err, &fe) {
				t.Fatalf("ParseSUT = %v, want a *FileError", err)
			}
			if !strings.HasPrefix(err.Error(), tt.where) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("error = %q\nwant it to start with %q and contain %q", err, tt.where, tt.msg)
			}
		})
	}
}

// The keys of round three: whose expectations judge the service (hardened unless it says
// seed), its webhook receiver, the files it declares skipped with why, and whether the
// harness may put its proxy in front of its database (yes unless database.proxy: false).
func TestParseSUTJudging(t *testing.T) {
	const head = "base_url: http://127.0.0.1:1\ncommand: [svc]\ncalcom_env: {base_url: A, api_key: B}\n"
	s, err := blackbox.ParseSUT("sut.yaml", []byte(head+`database: {dsn_env: X, appointments: SELECT 1}
policy: seed
webhooks: {secret_env: CALCOM_WEBHOOK_SECRET}
skip: {host-reschedule: our receiver ignores reschedules, crash-after-calcom.yaml: no restart in this build}
`))
	if err != nil {
		t.Fatal(err)
	}
	if s.Policy != "seed" || *s.Webhooks != (blackbox.Webhooks{Path: blackbox.DefaultWebhookPath, SecretEnv: "CALCOM_WEBHOOK_SECRET"}) ||
		s.Skip["host-reschedule"] != "our receiver ignores reschedules" || s.Skip["crash-after-calcom.yaml"] != "no restart in this build" ||
		!s.Database.ProxyAllowed(s) {
		t.Fatalf("parsed %+v (webhooks %+v)", s, s.Webhooks)
	}
	plain, err := blackbox.ParseSUT("sut.yaml", []byte(head+"database: {dsn_env: X, appointments: SELECT 1, proxy: false}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if plain.Policy != "hardened" || plain.Webhooks != nil || plain.Skip != nil || plain.Database.ProxyAllowed(plain) {
		t.Fatalf("defaults: %+v", plain)
	}
	running, err := blackbox.ParseSUT("sut.yaml", []byte("base_url: http://127.0.0.1:1\ndatabase: {dsn_env: X, appointments: SELECT 1}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if running.Database.ProxyAllowed(running) {
		t.Fatal("the proxy is allowed in front of a database the harness did not make")
	}
}

func TestLoadSUTMissingFile(t *testing.T) {
	_, err := blackbox.LoadSUT("testdata/no-such.sut.yaml")
	var fe *blackbox.FileError
	if !errors.As(err, &fe) || fe.Line != 1 || !strings.Contains(err.Error(), "cannot read") {
		t.Fatalf("LoadSUT = %v", err)
	}
}
