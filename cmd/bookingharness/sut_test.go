package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// `sut check` passes the reference core and the PHP seed service, fails a service whose
// SELECT lacks an alias (1), and refuses a broken sut.yaml or flag (2).
func TestSUTCheckExitCodes(t *testing.T) {
	out, err := exec.Command("php", "-r", `echo extension_loaded("pdo_pgsql") ? "ok" : "no pdo_pgsql";`).CombinedOutput()
	if err != nil || string(out) != "ok" {
		t.Fatalf("the PHP example needs php-cli with pdo_pgsql (got %q, %v): run scripts/prepare-blackbox.sh", out, err)
	}
	env := pg.Env(t)
	// serve-core.sut.yaml starts ${BOOKINGHARNESS}: this test binary, acting as main.
	t.Setenv(runMainVar, "1")

	serveCore := "../../sim/blackbox/testdata/serve-core.sut.yaml"
	data, err := os.ReadFile(serveCore)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	noAlias := filepath.Join(dir, "no-alias.sut.yaml")
	if err := os.WriteFile(noAlias, []byte(strings.Replace(string(data), "AS live", "AS alive", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	typo := filepath.Join(dir, "typo.sut.yaml")
	if err := os.WriteFile(typo, []byte(strings.Replace(string(data), "health:", "healthz:", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	running := filepath.Join(dir, "running.sut.yaml")
	if err := os.WriteFile(running, []byte("base_url: http://127.0.0.1:1\ndatabase: {dsn_env: X, appointments: SELECT 1}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr []string
	}{
		{"PHP seed service", []string{"--sut", "../../examples/php-seed-service/sut.yaml"}, 0,
			[]string{"same call again", "concurrent calls, same slot  PASS", "restart                      PASS", "  time mode: age, header (offered), faketime (offered)", "the service keeps the contract"}, nil},
		{"serve-core", []string{"--sut", serveCore}, 0, []string{"layer switch", "the service keeps the contract"}, nil},
		{"missing alias", []string{"--sut", noAlias}, 1, []string{`missing column "live"`, `unknown column "alive" (did you mean "live"?)`, "fix:"}, []string{"could not be started"}},
		{"typo in sut.yaml", []string{"--sut", typo}, 2, nil, []string{"typo.sut.yaml:12:1: healthz", `did you mean "health"?`}},
		{"no --sut", nil, 2, nil, []string{"--sut is required"}},
		{"running service without its fake", []string{"--sut", running}, 2, nil, []string{"needs --calcom-url"}},
		{"fake given for a started service", []string{"--sut", serveCore, "--calcom-url", "http://127.0.0.1:1"}, 2, nil, []string{"--calcom-url is for a service at base_url"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expectRun(t, append([]string{"sut", "check", "--pg-dsn", env.AdminDSN()}, tc.args...), tc.code, tc.stdout, tc.stderr)
		})
	}
}

// serve-core refuses what would listen or call beyond loopback, and bad flags, with exit 2.
func TestServeCoreFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--addr", "0.0.0.0:8081"}, "listen on 127.0.0.1"},
		{[]string{"--addr", ":8081"}, "listen on 127.0.0.1"},
		{[]string{"--calcom-url", "https://api.cal.com"}, "--calcom-url"},
		{[]string{"--policy", "paranoid"}, "--policy"},
		{[]string{"--layers", "magic"}, "--layers"},
		{[]string{"--log-level", "loud"}, "--log-level"},
	} {
		code, _, stderr := execute(t, append([]string{"serve-core"}, tc.args...)...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("serve-core %v: exit %d, stderr %q; want 2 naming %q", tc.args, code, stderr, tc.want)
		}
	}
}
