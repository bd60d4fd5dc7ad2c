package blackbox

import "syscall"

// processAttr puts the child in its own process group (so the whole group can be stopped)
// and has the kernel kill it if the harness dies first, so no service outlives its run.
func processAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
