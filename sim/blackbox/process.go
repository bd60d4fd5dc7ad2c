package blackbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// maxLogBytes is how much of a service's output the harness keeps for the report (the end).
const maxLogBytes = 1 << 20

// logBuffer keeps the last maxLogBytes of a process's output; safe for concurrent writes.
type logBuffer struct {
	mu   sync.Mutex
	buf  []byte
	cut  bool
	copy io.Writer
	// total counts every byte ever written, kept or dropped (see mark).
	total int64
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total += int64(len(p))
	l.buf = append(l.buf, p...)
	if over := len(l.buf) - maxLogBytes; over > 0 {
		l.buf = append(l.buf[:0], l.buf[over:]...)
		l.cut = true
	}
	if l.copy != nil {
		_, _ = l.copy.Write(p)
	}
	return len(p), nil
}

// String is the kept output, marked when its beginning was dropped.
func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cut {
		return "[… earlier output dropped]\n" + string(l.buf)
	}
	return string(l.buf)
}

// mark is the number of bytes written so far.
func (l *logBuffer) mark() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total
}

// since is what was written after mark, as far as it is still kept.
func (l *logBuffer) since(mark int64) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.total - mark // bytes written since
	switch {
	case n <= 0:
		return ""
	case n > int64(len(l.buf)):
		return "[… earlier output dropped]\n" + string(l.buf)
	}
	return string(l.buf[int64(len(l.buf))-n:])
}

// tail is the last n lines, for error messages.
func (l *logBuffer) tail(n int) string {
	lines := strings.Split(strings.TrimRight(l.String(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// process is a service the harness started, in its own process group so that stopping it
// stops every worker it forked (php -S with PHP_CLI_SERVER_WORKERS forks).
type process struct {
	cmd  *exec.Cmd
	log  *logBuffer
	done chan struct{} // closed when the leader has exited
	err  error         // the leader's exit, valid after done
	// seen holds the pids of the group's members noticed while the harness stopped it, so
	// that what libfaketime left in /dev/shm under their pids is removed once they are gone.
	seen map[int]bool
}

// startProcess starts argv in dir with env; its output goes to log.
func startProcess(argv []string, dir string, env []string, log *logBuffer) (*process, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = dir, env
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = processAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("blackbox: start %q: %w", argv[0], err)
	}
	p := &process{cmd: cmd, log: log, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// pid is the leader's process id, which is also the group id.
func (p *process) pid() int { return p.cmd.Process.Pid }

// exited reports whether the leader has exited.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the whole group, waits up to grace for the leader and every other
// member to exit, then sends SIGKILL. It returns once no member of the group is left (or the
// kernel stops answering for it), so a run never leaves a service behind.
func (p *process) stop(grace time.Duration) error {
	pgid := p.pid()
	p.signalGroup(syscall.SIGTERM)
	if p.waitGroupGone(pgid, grace) {
		return nil
	}
	p.signalGroup(syscall.SIGKILL)
	if p.waitGroupGone(pgid, 5*time.Second) {
		return nil
	}
	return fmt.Errorf("blackbox: process group %d still has members after SIGKILL", pgid)
}

// signalGroup notes the group's members (see seen) and sends sig to every one of them.
func (p *process) signalGroup(sig syscall.Signal) {
	p.note(groupMembers(p.pid()))
	_ = syscall.Kill(-p.pid(), sig)
}

// note adds pids to the members seen.
func (p *process) note(pids []int) {
	if p.seen == nil {
		p.seen = map[int]bool{}
	}
	for _, pid := range pids {
		p.seen[pid] = true
	}
}

// isGone reports whether kill(-pgid, 0) finds nobody in the group.
func isGone(pgid int) bool { return errors.Is(syscall.Kill(-pgid, 0), syscall.ESRCH) }

// groupRunning reports whether any member of process group pgid is still running
// (groupMembers: zombies do not count where /proc tells them apart).
func groupRunning(pgid int) bool { return len(groupMembers(pgid)) > 0 }

// waitGroupGone polls until the leader has been reaped and no other member of the group is
// running (see groupMembers); once the group is gone, what libfaketime left behind for its
// members is removed (removeFaketimeSegments).
func (p *process) waitGroupGone(pgid int, within time.Duration) bool {
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		members := groupMembers(pgid)
		p.note(members)
		if p.exited() && len(members) == 0 {
			removeFaketimeSegments(p.seen)
			return true
		}
		select {
		case <-deadline.C:
			return false
		case <-tick.C:
		}
	}
}

// runOnce runs a short command (the service's migrations) to completion and returns its
// output with the error when it fails.
func runOnce(ctx context.Context, argv []string, dir string, env []string) error {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = dir, env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = processAttr()
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	err := cmd.Run()
	if cmd.Process != nil {
		// PHP's CLI leaves libfaketime's segments behind even when it exits normally.
		removeFaketimeSegments(map[int]bool{cmd.Process.Pid: true})
	}
	if err != nil {
		return fmt.Errorf("%q failed: %w\n%s", strings.Join(argv, " "), err, strings.TrimSpace(out.String()))
	}
	return nil
}
