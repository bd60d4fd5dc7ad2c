//go:build unix && !linux

package blackbox

import "syscall"

// processAttr puts the child in its own process group, so the whole group can be stopped.
func processAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
