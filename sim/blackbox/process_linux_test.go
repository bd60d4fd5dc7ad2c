package blackbox

import (
	"os/exec"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// A group whose only member has exited but is not reaped yet — a zombie, as a php -S
// worker is until init reaps it — is not running any more, though kill(-pgid, 0) still
// finds it. Stopping a service waits for running members only.
func TestGroupRunningIgnoresZombies(t *testing.T) {
	cmd := exec.Command("true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	var info unix.Siginfo
	// Wait for the exit without reaping: the child stays a zombie.
	if err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil); err != nil {
		t.Fatal(err)
	}
	if isGone(pid) || groupRunning(pid) {
		t.Fatalf("zombie group %d: kill finds it %v (want true), running %v (want false)", pid, !isGone(pid), groupRunning(pid))
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if !isGone(pid) {
		t.Fatalf("group %d still found after the reap", pid)
	}

	live := exec.Command("sleep", "60")
	live.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := live.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = live.Process.Kill(); _ = live.Wait() }()
	if !groupRunning(live.Process.Pid) {
		t.Fatalf("a sleeping member does not count as running")
	}
}
