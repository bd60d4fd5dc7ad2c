package pgproxy

import (
	"bytes"

	"github.com/bookingharness/bookingharness/internal/sabotage"
)

// holdLimit bounds what down withholds from the client while it waits to learn whether a
// transaction that may lose its commit acknowledgement commits. Beyond it the withheld
// messages are released and the fault is skipped (journalled), so the proxy never buffers
// without bound.
const holdLimit = 1 << 20

// downward relays server → client. It follows the transaction status the server reports in
// each ReadyForQuery, and, when a commit_ack_lost rule is a candidate for the transaction,
// withholds the end of each answer (from its first CommandComplete to its ReadyForQuery) until
// it knows whether the transaction committed: then it either drops it and resets the client
// or releases it.
type downward struct {
	c    *conn
	pipe *pipe
	// started: the ReadyForQuery that ends authentication has passed (it answers no group).
	started bool
	// answered counts ReadyForQuery messages after startup: the groups the server finished.
	answered uint64
	// The open transaction and the current group, as the server reported them.
	wrote      bool // a command that changes data completed in the transaction
	failed     bool // an ErrorResponse in the current group
	rolledBack bool // a ROLLBACK completed in the current group (or a COMMIT that rolled back)
	copyOut    bool // the command being answered is a COPY … TO STDOUT (a read)
	// The withheld end of the current group's answer.
	holding  bool
	overflow bool // the hold limit was exceeded in this group; the fault cannot apply
	held     []byte
}

// wantWholeDown: the messages down looks into are small; none needs reading whole.
func wantWholeDown(byte) bool { return false }

func (d *downward) relay() error {
	for {
		if err := d.pipe.next(wantWholeDown); err != nil {
			return err
		}
		switch d.pipe.typ {
		case 'C':
			d.commandComplete(d.pipe.body())
		case 'E':
			d.failed = true
		case 'H':
			d.copyOut = true
		case 'Z':
			if err := d.readyForQuery(d.pipe.body()); err != nil {
				return err
			}
			continue
		}
		if err := d.pass(); err != nil {
			return err
		}
	}
}

// pass forwards the current message, or withholds it while holding.
func (d *downward) pass() error {
	if !d.holding {
		return d.pipe.forward()
	}
	if d.pipe.raw != nil && len(d.held)+d.pipe.size <= holdLimit {
		d.held = append(d.held, d.pipe.raw...)
		return nil
	}
	d.overflow = true
	if err := d.release(); err != nil {
		return err
	}
	return d.pipe.forward()
}

// release forwards what was withheld and stops holding.
func (d *downward) release() error {
	d.holding = false
	if len(d.held) == 0 {
		return nil
	}
	_, err := d.pipe.out.Write(d.held)
	d.held = d.held[:0]
	return err
}

// commandComplete notes what a completed command means for the transaction and starts
// holding if a commit_ack_lost rule waits for the end of this group's transaction.
func (d *downward) commandComplete(body []byte) {
	tag := bytes.TrimRight(body, "\x00")
	verb, _, _ := bytes.Cut(tag, []byte{' '})
	copyOut := d.copyOut
	d.copyOut = false
	switch string(verb) {
	case "COPY":
		d.wrote = d.wrote || !copyOut
	case "ROLLBACK":
		d.rolledBack = true
	case "SELECT", "SHOW", "SET", "RESET", "BEGIN", "START", "COMMIT", "SAVEPOINT", "RELEASE",
		"FETCH", "MOVE", "DECLARE", "CLOSE", "DISCARD", "DEALLOCATE", "PREPARE", "EXPLAIN",
		"LISTEN", "UNLISTEN", "NOTIFY", "LOCK":
	default:
		d.wrote = true // INSERT, UPDATE, DELETE, MERGE, COPY, DDL, …
	}
	if !d.holding && !d.overflow && d.c.nCandidates.Load() > 0 && d.c.hasCandidate(d.answered+1) {
		d.holding = true
	}
}

// readyForQuery handles the end of a group. When it ends a transaction, the commit_ack_lost
// candidates of that transaction are decided: if one fires, the answer is dropped and the
// client reset (errCut); otherwise the answer goes on.
func (d *downward) readyForQuery(body []byte) error {
	if !d.started {
		d.started = true
		return d.pipe.forward()
	}
	d.answered++
	status := byte('I')
	if len(body) > 0 {
		status = body[0]
	}
	if status == 'I' { // the transaction is over: committed, rolled back, or never opened
		committed := d.wrote && !d.failed && !d.rolledBack
		if d.c.endTransaction(d.answered, committed, d.overflow) {
			d.held = d.held[:0]
			// Earlier answers (pipelined groups) were not lost; only this commit's is.
			_ = d.pipe.out.Flush()
			d.c.kill(true)
			return errCut
		}
		d.wrote = false
	}
	d.failed, d.rolledBack, d.overflow = false, false, false
	if err := d.release(); err != nil {
		return err
	}
	return d.pipe.forward()
}

// hasCandidate reports whether a commit_ack_lost candidate belongs to group or an earlier one.
func (c *conn) hasCandidate(group uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, cd := range c.candidates {
		if cd.group <= group {
			return true
		}
	}
	return false
}

// endTransaction closes the transaction that ended with group: it forgets the transaction's
// call key and its candidates and, if it committed a change, asks each candidate rule (in
// rule order) whether it fires, for the call its statements belong to. It reports whether
// the commit acknowledgement must be lost.
func (c *conn) endTransaction(group uint64, committed, overflow bool) bool {
	c.mu.Lock()
	c.txKey = ""
	var due []candidate
	kept := c.candidates[:0]
	for _, cd := range c.candidates {
		if cd.group <= group {
			due = append(due, cd)
		} else {
			kept = append(kept, cd)
		}
	}
	c.candidates = kept
	c.nCandidates.Store(int32(len(kept)))
	c.mu.Unlock()
	if !committed || len(due) == 0 {
		return false
	}
	p := c.p
	for _, r := range p.rules.snapshot() {
		cd, ok := firstCandidate(due, r)
		if !ok {
			continue
		}
		e := Entry{Conn: c.id, Event: EventFault, Rule: r.Name, Action: ActionCommitAckLost, SQL: cd.sql, CallKey: cd.key}
		if overflow {
			e.Event = EventSkipped
			e.Detail = "not applied: the commit's answer exceeded the hold limit and was already sent"
			p.record(e)
			return false
		}
		attempt, fire := p.rules.decide(r, cd.key)
		if fire && sabotage.On(sabotage.ProxyAckDelivered) {
			return false // the acknowledgement the rule drops is delivered after all
		}
		if fire {
			e.Attempt = attempt
			e.Detail = "transaction committed; acknowledgement dropped, client connection reset"
			p.record(e)
			return true
		}
	}
	return false
}

// firstCandidate returns r's candidate among cds, preferring the first that names a call.
func firstCandidate(cds []candidate, r *armedRule) (candidate, bool) {
	var found candidate
	ok := false
	for _, cd := range cds {
		if cd.rule != r {
			continue
		}
		if cd.key != "" {
			return cd, true
		}
		if !ok {
			found, ok = cd, true
		}
	}
	return found, ok
}
