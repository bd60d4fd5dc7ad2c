//go:build linux

package pgenv

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/bookingharness/bookingharness/core/store"
)

func requireServerBinaries(t *testing.T) {
	t.Helper()
	if findServerBinaries(context.Background()) == "" {
		t.Skip("skipped: no Postgres server binaries on this machine (apt-get install postgresql) — the embedded provider was not tested")
	}
}

// pidfd opens a handle on pid that becomes readable when the process exits, whoever its
// parent is: the way to wait for a process that is not this one's child.
func pidfd(t *testing.T, pid int) int {
	t.Helper()
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		t.Fatalf("pidfd_open(%d): %v", pid, err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}

// exited waits at most within for the process behind fd to exit.
func exited(t *testing.T, fd int, within time.Duration) bool {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		left := time.Until(deadline)
		if left < 0 {
			left = 0
		}
		n, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, int(left.Milliseconds()))
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			t.Fatalf("poll: %v", err)
		}
		return n == 1
	}
}

func assertNoDirectory(t *testing.T, dir string) {
	t.Helper()
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("server directory %s still exists (stat: %v)", dir, err)
	}
}

// Close stops the postmaster and its keeper and removes the directory, and the server in
// between serves FILE_COPY template clones like any other provider.
func TestEmbeddedCloseLeavesNothing(t *testing.T) {
	requireServerBinaries(t)
	ctx := context.Background()
	srv, err := launchTestServer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	postmaster, keeperFD := pidfd(t, srv.pid), pidfd(t, srv.keeper.cmd.Process.Pid)
	env, err := newEnv(ctx, ProviderEmbedded, srv.dsn, "test", time.Now(), srv.keeper.stop)
	if err != nil {
		t.Fatal(err)
	}
	if env.cloneStrategy != " STRATEGY FILE_COPY" {
		t.Errorf("clone strategy %q, want FILE_COPY on Postgres %s", env.cloneStrategy, srv.version)
	}
	db, err := env.NewDatabase(ctx, StoreTemplate(store.FullSchema()))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Drop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := env.Close(ctx); err != nil {
		t.Fatal(err)
	}
	// Close returns after the keeper has exited, and the keeper after the postmaster.
	if !exited(t, postmaster, 0) || !exited(t, keeperFD, 0) {
		t.Error("a server process is still running after Close")
	}
	assertNoDirectory(t, srv.dir)
}

// However the harness ends — SIGINT, SIGTERM, even SIGKILL — the keeper stops the
// postmaster and removes the directory, without any signal handler in the harness.
func TestEmbeddedHarnessKilledLeavesNothing(t *testing.T) {
	requireServerBinaries(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			child := exec.Command(os.Args[0], "-test.run=^$")
			child.Env = append(os.Environ(), EmbeddedChildEnv+"=1")
			child.Stderr = os.Stderr
			stdin, err := child.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			defer stdin.Close()
			out, err := child.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := child.Start(); err != nil {
				t.Fatal(err)
			}
			line, err := bufio.NewReader(out).ReadString('\n')
			if err != nil {
				_ = child.Process.Kill()
				_ = child.Wait()
				t.Fatalf("child harness printed nothing: %v", err)
			}
			var dir string
			var pid, keeperPID int
			if _, err := fmt.Sscan(line, &dir, &pid, &keeperPID); err != nil {
				t.Fatalf("child said %q: %v", line, err)
			}
			postmaster, keeperFD := pidfd(t, pid), pidfd(t, keeperPID)
			if !strings.HasPrefix(filepath.Base(dir), embeddedDirPrefix) {
				t.Fatalf("unexpected server directory %s", dir)
			}
			if err := child.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err = child.Wait()
			ws, ok := child.ProcessState.Sys().(syscall.WaitStatus)
			if !ok || !ws.Signaled() || ws.Signal() != sig {
				t.Errorf("child harness ended with %v, want death by %s (nothing in the harness handles it)", err, sig)
			}
			if !exited(t, postmaster, 30*time.Second) {
				t.Errorf("postmaster %d still runs 30 s after the harness died", pid)
			}
			if !exited(t, keeperFD, 30*time.Second) {
				t.Errorf("keeper %d still runs 30 s after the harness died", keeperPID)
			}
			assertNoDirectory(t, dir)
		})
	}
}

func TestRemoveStaleEmbeddedRemovesOnlyDeadRuns(t *testing.T) {
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	dead := owner{pid: gone.Process.Pid, start: 1}
	base := t.TempDir()
	for _, tc := range []struct {
		name       string
		owner      string // "" = no owner file
		postmaster int    // pid in data/postmaster.pid, 0 = none
		removed    bool
	}{
		{"dead owner", dead.String(), 0, true},
		{"dead owner, postmaster gone", dead.String(), gone.Process.Pid, true},
		{"dead owner, postmaster still running", dead.String(), os.Getpid(), false},
		{"live owner", currentOwner().String(), 0, false},
		{"no owner file", "", 0, false},
		{"unreadable owner", "garbage", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(base, embeddedDirPrefix+strings.ReplaceAll(tc.name, " ", "-"))
			if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
				t.Fatal(err)
			}
			if tc.owner != "" {
				writeFile(t, filepath.Join(dir, "owner"), tc.owner)
			}
			if tc.postmaster != 0 {
				writeFile(t, filepath.Join(dir, "data", "postmaster.pid"), fmt.Sprintf("%d\n%s\n", tc.postmaster, dir))
			}
			removeStaleEmbedded(base)
			_, err := os.Stat(dir)
			if got := errors.Is(err, os.ErrNotExist); got != tc.removed {
				t.Errorf("removed = %v, want %v", got, tc.removed)
			}
		})
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// zombie starts a child that exits at once and is not reaped until the test ends; it
// returns the child as an owner, start time included.
func zombie(t *testing.T) owner {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Wait() })
	fd := pidfd(t, cmd.Process.Pid)
	if !exited(t, fd, 30*time.Second) {
		t.Fatal("true did not exit")
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(raw)[strings.LastIndexByte(string(raw), ')')+1:])
	start, err := strconv.ParseUint(fields[19], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return owner{pid: cmd.Process.Pid, start: start}
}

func TestOwner(t *testing.T) {
	me := currentOwner()
	back, err := parseOwner(me.String())
	if err != nil || back != me {
		t.Fatalf("parseOwner(%q) = %v, %v", me.String(), back, err)
	}
	for _, tc := range []struct {
		name string
		o    owner
		gone bool
	}{
		{"this process", me, false},
		{"this pid, another start time", owner{pid: me.pid, start: me.start + 1}, true},
		{"no such pid", owner{pid: 1 << 30, start: 1}, true},
		{"exited, not yet reaped", zombie(t), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.o.gone(); got != tc.gone {
				t.Errorf("gone() = %v, want %v", got, tc.gone)
			}
		})
	}
	for _, bad := range []string{"", "12", "x:1", "-3:1", "12:x"} {
		if _, err := parseOwner(bad); err == nil {
			t.Errorf("parseOwner(%q) accepted", bad)
		}
	}
}
