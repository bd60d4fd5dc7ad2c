//go:build unix && !linux

package blackbox

import "syscall"

// processAttr puts the child in its own process group, so the whole group can be stopped.
func processAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// groupRunning reports whether any member of process group pgid is left (zombies included:
// without /proc they cannot be told apart).
func groupRunning(pgid int) bool { return !isGone(pgid) }
