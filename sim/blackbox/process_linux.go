package blackbox

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// processAttr puts the child in its own process group (so the whole group can be stopped)
// and has the kernel kill it if the harness dies first, so no service outlives its run.
func processAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// groupMembers lists the pids of the running members of process group pgid. Zombies do not
// count: a service's forked workers (php -S) outlive their parent only as zombies until init
// reaps them, which can take a second, and they can no longer do anything. Without /proc it
// answers the group id while the kernel still knows the group (zombies included).
func groupMembers(pgid int) []int {
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil || len(stats) == 0 {
		if isGone(pgid) {
			return nil
		}
		return []int{pgid}
	}
	var pids []int
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // the process ended meanwhile
		}
		// pid (comm) state ppid pgrp …; comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := bytes.Fields(b[i+1:])
		if len(f) < 3 || string(f[0]) == "Z" || string(f[0]) == "X" {
			continue
		}
		if g, err := strconv.Atoi(string(f[2])); err == nil && g == pgid {
			if pid, err := strconv.Atoi(string(bytes.Fields(b)[0])); err == nil {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}
