//go:build unix && !linux

package blackbox

import "syscall"

// processAttr puts the child in its own process group, so the whole group can be stopped.
func processAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// groupMembers answers the group id while any member of process group pgid is left
// (zombies included: without /proc they cannot be told apart, nor the members listed).
func groupMembers(pgid int) []int {
	if isGone(pgid) {
		return nil
	}
	return []int{pgid}
}
