package pgenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The embedded provider writes nothing outside one directory per server, named with this
// prefix under embeddedBase(): owner (who started it), sock/ (the private unix socket
// directory) and data/ (the cluster).
const embeddedDirPrefix = "bookingharness-pg-"

const (
	embeddedSuperuser = "postgres"
	// embeddedReadyTimeout bounds initdb plus start-up on a loaded machine.
	embeddedReadyTimeout = 60 * time.Second
	// embeddedPortAttempts: the free port is chosen before the postmaster binds it, so
	// another process may take it in between; then the start is retried on a new port.
	embeddedPortAttempts = 3
)

// embeddedServer is one running throw-away server.
type embeddedServer struct {
	dir     string
	port    int
	dsn     string
	version string
	pid     int // the postmaster
	keeper  *keeper
}

// startEmbedded is the embedded provider. It is unavailable when the machine has no server
// binaries.
//
// Why not github.com/fergusstrange/embedded-postgres (v1.34.0, evaluated with this machine's
// binaries): as root it runs initdb as root, which refuses ("cannot be run as root"), and
// it has no way to run the server as another user; when <BinariesPath>/bin/pg_ctl is
// missing it downloads binaries from Maven Central, with no switch to forbid that; it
// starts the server with pg_ctl, which detaches the postmaster, so a harness killed by a
// signal leaves a server running; and it offers neither a private socket directory nor a
// random port. This provider is the small part of it the harness needs, plus those.
func startEmbedded(ctx context.Context) (*Env, error) {
	began := time.Now()
	bin := findServerBinaries(ctx)
	if bin == "" {
		return nil, &unavailable{ProviderEmbedded, "no Postgres server binaries (initdb and postgres) on PATH, in `pg_config --bindir` or in /usr/lib/postgresql/*/bin"}
	}
	acct, err := chooseServerAccount()
	if err != nil {
		return nil, fmt.Errorf("pgenv: embedded: %w", err)
	}
	base := embeddedBase()
	removed := removeStaleEmbedded(base)
	srv, err := launchEmbedded(ctx, bin, acct, base)
	if err != nil {
		return nil, err
	}
	describe := fmt.Sprintf("Postgres %s from %s as user %s, data in %s, on 127.0.0.1:%d", srv.version, bin, acct.name, srv.dir, srv.port)
	if removed > 0 {
		describe += fmt.Sprintf(" (removed %d directories of runs that died)", removed)
	}
	return newEnv(ctx, ProviderEmbedded, srv.dsn, describe, began, srv.keeper.stop)
}

// embeddedBase is where server directories go: /dev/shm (memory) when the machine has it.
func embeddedBase() string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		return "/dev/shm"
	}
	return os.TempDir()
}

// launchEmbedded initialises a cluster under base and starts its server, retrying on a new
// port if another process took the chosen one first.
func launchEmbedded(ctx context.Context, bin string, acct serverAccount, base string) (*embeddedServer, error) {
	for attempt := 1; ; attempt++ {
		srv, err := launchEmbeddedOnce(ctx, bin, acct, base)
		if errors.Is(err, errPortTaken) && attempt < embeddedPortAttempts {
			continue
		}
		return srv, err
	}
}

var errPortTaken = errors.New("port taken")

func launchEmbeddedOnce(ctx context.Context, bin string, acct serverAccount, base string) (srv *embeddedServer, err error) {
	dir, err := os.MkdirTemp(base, embeddedDirPrefix)
	if err != nil {
		return nil, fmt.Errorf("pgenv: embedded: %w", err)
	}
	// Until the keeper owns the directory, this function removes it on failure.
	owned := true
	defer func() {
		if owned {
			os.RemoveAll(dir)
		}
	}()
	password, err := initCluster(ctx, bin, acct, dir)
	if err != nil {
		return nil, err
	}
	version, _ := os.ReadFile(filepath.Join(dir, "data", "PG_VERSION"))
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("pgenv: embedded: %w", err)
	}
	k, err := startKeeper(dir, acct, []string{
		filepath.Join(bin, "postgres"), "-D", filepath.Join(dir, "data"),
		"-k", filepath.Join(dir, "sock"), "-h", "127.0.0.1", "-p", strconv.Itoa(port),
		"-c", "unix_socket_permissions=0700", "-c", "max_connections=300",
		// Durability is worthless for throw-away data (and the directory is in memory).
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		// Only what explains a failed start; the harness's own errors say the rest.
		"-c", "log_min_messages=fatal",
	})
	if err != nil {
		return nil, fmt.Errorf("pgenv: embedded: %w", err)
	}
	owned = false
	srv = &embeddedServer{dir: dir, port: port, version: strings.TrimSpace(string(version)), keeper: k,
		dsn: fmt.Sprintf("postgres://%s:%s@127.0.0.1:%d/postgres?sslmode=disable", embeddedSuperuser, password, port)}
	if err := srv.waitReady(ctx); err != nil {
		_ = k.stop(context.WithoutCancel(ctx))
		return nil, err
	}
	return srv, nil
}

// initCluster prepares dir (owner marker, private socket directory) for acct and runs
// initdb in dir/data with a random superuser password, which it returns.
func initCluster(ctx context.Context, bin string, acct serverAccount, dir string) (string, error) {
	secret := make([]byte, 16)
	if _, err := rand.Read(secret); err != nil {
		return "", fmt.Errorf("pgenv: embedded: password: %w", err)
	}
	password := hex.EncodeToString(secret)
	files := []struct {
		path    string
		content string // "" = a directory
	}{
		{filepath.Join(dir, "owner"), currentOwner().String() + "\n"},
		{filepath.Join(dir, "sock"), ""},
		{filepath.Join(dir, "pwfile"), password + "\n"},
	}
	for _, f := range files {
		var err error
		if f.content == "" {
			err = os.Mkdir(f.path, 0o700)
		} else {
			err = os.WriteFile(f.path, []byte(f.content), 0o600)
		}
		if err != nil {
			return "", fmt.Errorf("pgenv: embedded: %w", err)
		}
	}
	if acct.switchUser {
		paths := []string{dir}
		for _, f := range files {
			paths = append(paths, f.path)
		}
		for _, p := range paths {
			if err := os.Chown(p, int(acct.uid), int(acct.gid)); err != nil {
				return "", fmt.Errorf("pgenv: embedded: give %s to user %s: %w", p, acct.name, err)
			}
		}
	}
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "initdb"),
		"-D", filepath.Join(dir, "data"), "-U", embeddedSuperuser, "--pwfile", files[2].path,
		"-A", "scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
	cmd.Dir = dir
	cmd.Env = serverEnv()
	cmd.SysProcAttr = acct.sysProcAttr(false)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("pgenv: embedded: initdb as user %s: %w\n%s", acct.name, err, strings.TrimSpace(string(out)))
	}
	if err := os.Remove(files[2].path); err != nil {
		return "", fmt.Errorf("pgenv: embedded: %w", err)
	}
	return password, nil
}

// waitReady waits until the server answers SQL, its keeper reports that it exited, ctx
// ends, or embeddedReadyTimeout passes.
func (s *embeddedServer) waitReady(ctx context.Context) error {
	deadline := time.NewTimer(embeddedReadyTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case pid := <-s.keeper.pidSeen:
			s.pid = pid
		case <-s.keeper.exited:
			<-s.keeper.drained
			log := s.keeper.logTail()
			if strings.Contains(log, "could not create any TCP/IP sockets") || strings.Contains(log, "Address already in use") {
				return fmt.Errorf("pgenv: embedded: %w: 127.0.0.1:%d", errPortTaken, s.port)
			}
			return fmt.Errorf("pgenv: embedded: the server exited during start-up:\n%s", log)
		case <-deadline.C:
			return fmt.Errorf("pgenv: embedded: no answer on 127.0.0.1:%d within %s:\n%s", s.port, embeddedReadyTimeout, s.keeper.logTail())
		case <-ctx.Done():
			return fmt.Errorf("pgenv: embedded: start-up interrupted: %w", ctx.Err())
		case <-tick.C:
			if s.pid != 0 && ping(ctx, s.dsn) == nil {
				return nil
			}
		}
	}
}

// freePort asks the kernel for a free TCP port on 127.0.0.1.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// removeStaleEmbedded removes the server directories under base that a dead harness left
// behind (its keeper was killed too, or the machine stopped): those whose owner has exited
// and whose postmaster no longer runs. It returns how many it removed.
func removeStaleEmbedded(base string) int {
	dirs, _ := filepath.Glob(filepath.Join(base, embeddedDirPrefix+"*"))
	removed := 0
	for _, dir := range dirs {
		raw, err := os.ReadFile(filepath.Join(dir, "owner"))
		if err != nil {
			continue
		}
		o, err := parseOwner(string(raw))
		if err != nil || !o.gone() || postmasterRuns(dir) {
			continue
		}
		if os.RemoveAll(dir) == nil {
			removed++
		}
	}
	return removed
}

// postmasterRuns reports whether dir's postmaster.pid names a process that still exists.
func postmasterRuns(dir string) bool {
	raw, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid"))
	if err != nil {
		return false
	}
	first, _, _ := strings.Cut(string(raw), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		return true // unreadable: leave it alone
	}
	_, exists := processStart(pid)
	return exists
}
