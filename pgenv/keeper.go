package pgenv

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// keeperScript runs the postmaster and owns its end. It waits for its standard input to
// close — the harness closes it in Close, and the kernel closes it when the harness exits
// for any reason: return from main, SIGINT, SIGTERM, a panic, even SIGKILL — then stops the
// postmaster (SIGINT: fast shutdown) and removes the server's directory. The harness
// therefore never needs a signal handler, and nothing is left behind when it dies.
//
// Arguments: the directory to remove, then the postmaster's command line. It prints
// "keeper: postmaster PID" once the postmaster runs; the postmaster's own log follows on the
// same output. The reader of standard input runs in the background so that the keeper also
// notices a postmaster that exits on its own (a start-up failure) and cleans up at once.
const keeperScript = `dir=$1; shift
exec 3<&0 </dev/null
"$@" 3<&- 2>&1 &
pid=$!
echo "keeper: postmaster $pid"
{ read -r _ <&3; kill -INT "$pid"; } 2>/dev/null &
reader=$!
exec 3<&-
wait "$pid"
kill "$reader" 2>/dev/null
rm -rf "$dir"
`

// keeperStopTimeout bounds a clean stop; after it the keeper's whole process group is killed.
const keeperStopTimeout = 30 * time.Second

// logLines is how many of the postmaster's last log lines a start-up error shows.
const logLines = 30

// keeper is a running keeper process and what it reported.
type keeper struct {
	cmd     *exec.Cmd
	dir     string
	release *os.File // the write end of the keeper's standard input; closing it stops the server

	exited  chan struct{} // closed when the keeper process has exited
	drained chan struct{} // closed when its output has been read to the end
	pidSeen chan int      // receives the postmaster's pid once

	mu  sync.Mutex
	log []string // the last logLines lines of output
}

// startKeeper starts the keeper for the server in dir, running postmaster (argv) as acct.
func startKeeper(dir string, acct serverAccount, argv []string) (*keeper, error) {
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("keeper pipe: %w", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		stdinR.Close()
		stdinW.Close()
		return nil, fmt.Errorf("keeper pipe: %w", err)
	}
	cmd := exec.Command("/bin/sh", append([]string{"-c", keeperScript, "keeper", dir}, argv...)...)
	cmd.Dir = dir
	cmd.Env = serverEnv()
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdinR, outW, outW
	// Its own process group: a Ctrl-C on the terminal reaches the harness only, and the
	// keeper stops the server in order when the harness is gone.
	cmd.SysProcAttr = acct.sysProcAttr(true)
	err = cmd.Start()
	stdinR.Close()
	outW.Close()
	if err != nil {
		stdinW.Close()
		outR.Close()
		return nil, fmt.Errorf("start keeper: %w", err)
	}
	k := &keeper{cmd: cmd, dir: dir, release: stdinW, exited: make(chan struct{}), drained: make(chan struct{}), pidSeen: make(chan int, 1)}
	go func() {
		_ = cmd.Wait()
		close(k.exited)
	}()
	go k.read(outR)
	return k, nil
}

// read keeps the tail of the keeper's output and picks out the postmaster's pid.
func (k *keeper) read(r *os.File) {
	defer close(k.drained)
	defer r.Close()
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "keeper: postmaster "); ok {
			if pid, err := strconv.Atoi(rest); err == nil {
				k.pidSeen <- pid
			}
			continue
		}
		k.mu.Lock()
		k.log = append(k.log, line)
		if len(k.log) > logLines {
			k.log = k.log[len(k.log)-logLines:]
		}
		k.mu.Unlock()
	}
}

// logTail is the postmaster's last log lines, for error messages.
func (k *keeper) logTail() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return strings.Join(k.log, "\n")
}

// stop releases the keeper and waits until the server has stopped and its directory is
// gone. If that takes longer than keeperStopTimeout (or ctx ends first), it kills the
// keeper's process group and removes the directory itself, and says so.
func (k *keeper) stop(ctx context.Context) error {
	k.release.Close()
	timer := time.NewTimer(keeperStopTimeout)
	defer timer.Stop()
	var forced error
	select {
	case <-k.exited:
	case <-timer.C:
		forced = fmt.Errorf("the server did not stop within %s; killed it", keeperStopTimeout)
	case <-ctx.Done():
		forced = fmt.Errorf("stop interrupted (%w); killed the server", ctx.Err())
	}
	if forced != nil {
		_ = syscall.Kill(-k.cmd.Process.Pid, syscall.SIGKILL)
		<-k.exited
	}
	<-k.drained
	if err := os.RemoveAll(k.dir); err != nil && forced == nil {
		forced = err
	}
	if forced != nil {
		return fmt.Errorf("pgenv: embedded: %w", forced)
	}
	return nil
}

// sysProcAttr runs a process as the account (when the harness runs as root), optionally in
// its own process group.
func (a serverAccount) sysProcAttr(ownGroup bool) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Setpgid: ownGroup}
	if a.switchUser {
		attr.Credential = &syscall.Credential{Uid: a.uid, Gid: a.gid, Groups: []uint32{}}
	}
	return attr
}

// serverEnv is the whole environment of initdb and the server: nothing of the harness's own
// (which may hold DSNs with passwords) leaks into it.
func serverEnv() []string {
	return []string{"PATH=/usr/bin:/bin", "LC_ALL=C"}
}
