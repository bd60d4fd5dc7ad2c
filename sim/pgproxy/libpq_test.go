package pgproxy_test

import (
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/bookingharness/bookingharness/sim/pgproxy"
)

// libpqTarget is where a libpq client reaches the proxy, with the server's credentials
// (the proxy relays authentication untouched: trust, md5 or SCRAM).
func libpqTarget(t *testing.T, f *fixture) (host, port, user, password, db string) {
	t.Helper()
	cfg, err := pgx.ParseConfig(f.direct)
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ = net.SplitHostPort(f.proxy.Addr())
	return host, port, cfg.User, cfg.Password, cfg.Database
}

// libpqEnv is the environment of a libpq client: the password, when the server wants one,
// goes in PGPASSWORD so no command line shows it.
func libpqEnv(password string) []string {
	env := os.Environ()
	if password != "" {
		env = append(env, "PGPASSWORD="+password)
	}
	return env
}

// psql (libpq) works through the proxy — SSL negotiated down with sslmode=prefer, simple
// queries — and a reset aimed at a call's literal cuts it before the server sees it.
func TestPsqlThroughTheProxy(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Logf("psql not found (%v): the libpq check is not run on this machine", err)
		return
	}
	f := newFixture(t, pgproxy.Config{})
	host, port, user, password, db := libpqTarget(t, f)
	conninfo := "host=" + host + " port=" + port + " user=" + user + " dbname=" + db + " sslmode=prefer"
	run := func(sql string) ([]byte, error) {
		cmd := exec.Command(psql, conninfo, "-Atc", sql)
		cmd.Env = libpqEnv(password)
		return cmd.CombinedOutput()
	}
	out, err := run("select 40 + 2")
	if err != nil || strings.TrimSpace(string(out)) != "42" {
		t.Fatalf("psql: %v: %s", err, out)
	}
	const id = "call_psql00001"
	if err := f.proxy.AddRule(pgproxy.Rule{CallKey: id, Action: pgproxy.Action{Kind: pgproxy.ActionReset}}); err != nil {
		t.Fatal(err)
	}
	out, err = run("INSERT INTO bookings (call_id) VALUES ('" + id + "')")
	if err == nil {
		t.Fatalf("psql survived the reset: %s", out)
	}
	if n := f.rowsOf(t, id); n != 0 {
		t.Fatalf("%d rows, want 0", n)
	}
}

// A PHP service (PDO pgsql, server-side prepared statements over the extended protocol)
// loses a commit acknowledgement: PDO reports an error, and the row is committed.
func TestPHPPDOThroughTheProxy(t *testing.T) {
	php, err := exec.LookPath("php")
	if err != nil {
		t.Logf("php not found (%v): the PDO check is not run on this machine", err)
		return
	}
	if out, err := exec.Command(php, "-r", `exit(extension_loaded("pdo_pgsql") ? 0 : 1);`).CombinedOutput(); err != nil {
		t.Logf("php has no pdo_pgsql (%v %s): the PDO check is not run on this machine", err, out)
		return
	}
	f := newFixture(t, pgproxy.Config{})
	const id = "call_php000001"
	if err := f.proxy.AddRule(pgproxy.Rule{Param: id, Action: pgproxy.Action{Kind: pgproxy.ActionCommitAckLost}}); err != nil {
		t.Fatal(err)
	}
	host, port, user, password, db := libpqTarget(t, f)
	script := `
$db = new PDO("pgsql:host=` + host + `;port=` + port + `;dbname=` + db + `", "` + user + `", getenv("PGPASSWORD") ?: null,
	[PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);
echo $db->query("select 6 * 7")->fetchColumn(), "\n";
try {
	$st = $db->prepare("INSERT INTO bookings (call_id, note) VALUES (?, ?)");
	$st->execute(["` + id + `", "php"]);
	echo "acknowledged\n";
} catch (PDOException $e) {
	echo "lost\n";
}`
	cmd := exec.Command(php, "-r", script)
	cmd.Env = libpqEnv(password)
	out, err := cmd.CombinedOutput()
	if err != nil || string(out) != "42\nlost\n" {
		t.Fatalf("php: %v: %q", err, out)
	}
	if n := f.rowsOf(t, id); n != 1 {
		t.Fatalf("%d rows, want the committed one", n)
	}
}
