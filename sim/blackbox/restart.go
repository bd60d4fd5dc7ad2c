package blackbox

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"
)

// Kill plays the started service's process dying: SIGKILL to its whole process group at
// once — no signal it can catch, no cleanup — and it returns once no member of the group is
// left, so the service's output up to its death is all in Log. Every connection the service
// held dies with it (its requests in flight are never answered); the harness's own are not
// touched. Restart starts it again.
func (t *Target) Kill() error {
	t.life.Lock()
	defer t.life.Unlock()
	if t.proc == nil {
		return errors.New("blackbox: kill: the harness did not start this service (no command:) or it is already stopped")
	}
	p := t.proc
	t.proc = nil
	pgid := p.pid()
	p.signalGroup(syscall.SIGKILL)
	if !p.waitGroupGone(pgid, 10*time.Second) {
		return fmt.Errorf("blackbox: kill: process group %d still has members after SIGKILL", pgid)
	}
	t.restarts++
	return nil
}

// Restart starts the service again after Kill, with the same command, environment and
// database, and waits for its health route (start_timeout): whatever the service does when
// it starts — a sweep of what it left unfinished — it does now, and the harness then judges
// its recovery.
func (t *Target) Restart(ctx context.Context) error {
	t.life.Lock()
	defer t.life.Unlock()
	if t.proc != nil {
		return errors.New("blackbox: restart: the service is still running (Kill it first)")
	}
	if t.argv == nil {
		return errors.New("blackbox: restart: the harness did not start this service (no command:)")
	}
	p, err := startProcess(t.argv, t.sut.Workdir, t.env, t.log)
	if err != nil {
		return err
	}
	t.proc = p
	if err := t.waitHealthy(ctx); err != nil {
		return fmt.Errorf("blackbox: restart: %w", err)
	}
	return nil
}

// Excuse forgets the contract violations of call's requests that got no answer at all: the
// harness killed the service (Kill) while they were in flight, so their silence is the
// crash's, not a broken contract. Their outcome stays unknown.
func (t *Target) Excuse(callID string) {
	if t.client != nil {
		t.client.findings.excuse(callID)
	}
}

// Restarts counts the kills this service has had (each followed by a Restart).
func (t *Target) Restarts() int {
	t.life.Lock()
	defer t.life.Unlock()
	return t.restarts
}
