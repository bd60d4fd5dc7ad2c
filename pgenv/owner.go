package pgenv

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// owner identifies the process that started a server — its pid and the time the kernel
// started it — so that a later run can tell a leftover whose owner died (remove it) from
// one whose owner still runs (leave it alone), even when the pid has been reused since.
type owner struct {
	pid   int
	start uint64 // clock ticks since boot (/proc/<pid>/stat, field 22)
}

// currentOwner is this process.
func currentOwner() owner {
	pid := os.Getpid()
	start, _ := processStart(pid)
	return owner{pid: pid, start: start}
}

// String is the form stored in labels and marker files: "pid:start".
func (o owner) String() string { return fmt.Sprintf("%d:%d", o.pid, o.start) }

// parseOwner reads String's form.
func parseOwner(s string) (owner, error) {
	pid, start, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return owner{}, fmt.Errorf("owner %q: want pid:start", s)
	}
	p, err := strconv.Atoi(pid)
	if err != nil || p <= 0 {
		return owner{}, fmt.Errorf("owner %q: bad pid", s)
	}
	st, err := strconv.ParseUint(start, 10, 64)
	if err != nil {
		return owner{}, fmt.Errorf("owner %q: bad start time", s)
	}
	return owner{pid: p, start: st}, nil
}

// gone reports whether the owner has certainly exited: its pid no longer exists, or belongs
// to a process started at another time. Where /proc cannot say (not Linux), the owner is
// assumed alive, so nothing is ever removed on a guess.
func (o owner) gone() bool {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		return false
	}
	start, ok := processStart(o.pid)
	return !ok || start != o.start
}

// processStart reads the start time of pid from /proc (false when there is no such process,
// or only its zombie: a process that has exited but was not yet reaped is gone).
func processStart(pid int) (uint64, bool) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// The command name (field 2) is in parentheses and may contain spaces; fields after the
	// last ')' are space-separated, starting with field 3 (the state) at index 0.
	s := string(raw)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	fields := strings.Fields(s[i+1:])
	const stateField, startField = 0, 22 - 3
	if len(fields) <= startField || fields[stateField] == "Z" || fields[stateField] == "X" {
		return 0, false
	}
	start, err := strconv.ParseUint(fields[startField], 10, 64)
	return start, err == nil
}
