package pgproxy

import (
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"
)

// upward relays client → server and judges each statement against the rules before it is
// forwarded.
type upward struct {
	c    *conn
	pipe *pipe
	// prepared maps prepared-statement names to their text, so a Bind can be matched by the
	// text of the statement it executes ("" is the unnamed statement).
	prepared map[string]string
	// groups counts the Query, Sync and FunctionCall messages forwarded. The server answers
	// each with exactly one ReadyForQuery, so a statement's group number (groups+1 while it
	// is judged) tells down which ReadyForQuery ends it, pipelining included.
	groups uint64
	bind   pgproto3.Bind
}

// wantWholeUp: the messages up must read whole however large, to judge or to remember them.
func wantWholeUp(typ byte) bool { return typ == 'Q' || typ == 'P' || typ == 'B' || typ == 'C' }

func (u *upward) relay() error {
	for {
		if err := u.pipe.next(wantWholeUp); err != nil {
			return err
		}
		if err := u.look(); err != nil {
			return err
		}
		if err := u.pipe.forward(); err != nil {
			return err
		}
		switch u.pipe.typ {
		case 'Q', 'S', 'F':
			u.groups++
		case 'X':
			return nil
		}
	}
}

// look handles the current message before it is forwarded: it keeps the prepared-statement
// names and judges statements (a Query, or a Bind of a prepared statement).
func (u *upward) look() error {
	body := u.pipe.body()
	if body == nil {
		if (u.pipe.typ == 'Q' || u.pipe.typ == 'B') && u.judging() {
			u.c.p.record(Entry{Conn: u.c.id, Event: EventSkipped, Detail: fmt.Sprintf("a %d-byte statement was too large to inspect; relayed without judging", u.pipe.size)})
		}
		return nil
	}
	switch u.pipe.typ {
	case 'P':
		var m pgproto3.Parse
		if err := m.Decode(body); err != nil {
			return fmt.Errorf("pgproxy: client sent a bad Parse: %w", err)
		}
		u.prepared[m.Name] = m.Query
	case 'C':
		var m pgproto3.Close
		if err := m.Decode(body); err != nil {
			return fmt.Errorf("pgproxy: client sent a bad Close: %w", err)
		}
		if m.ObjectType == 'S' {
			delete(u.prepared, m.Name)
		}
	case 'Q':
		u.forgetDeallocated(body)
		if !u.judging() {
			return nil
		}
		var m pgproto3.Query
		if err := m.Decode(body); err != nil {
			return fmt.Errorf("pgproxy: client sent a bad Query: %w", err)
		}
		return u.judge(m.String, nil)
	case 'B':
		if !u.judging() {
			return nil
		}
		if err := u.bind.Decode(body); err != nil {
			return fmt.Errorf("pgproxy: client sent a bad Bind: %w", err)
		}
		return u.judge(u.prepared[u.bind.PreparedStatement], u.bind.Parameters)
	}
	return nil
}

// judging reports whether statements need to be looked at: rules are armed or statements are
// journalled. Otherwise they pass without being decoded.
func (u *upward) judging() bool {
	return u.c.p.cfg.JournalStatements || u.c.p.cfg.Watch != nil || len(u.c.p.rules.snapshot()) > 0
}

// judge applies the rules to one statement before it is forwarded. Every rule that matches
// and fires acts, in the order the rules were added; a reset ends the connection (errCut).
// commit_ack_lost rules are only noted here: they are decided when the transaction ends.
func (u *upward) judge(sql string, params [][]byte) error {
	c, p := u.c, u.c.p
	st := statement{sql: sql, params: params, key: c.keyFor(p.cfg.CallKey(sql, params))}
	if p.cfg.JournalStatements {
		p.record(Entry{Conn: c.id, Event: EventStatement, SQL: sql, CallKey: st.key})
	}
	if p.cfg.Watch != nil {
		p.cfg.Watch(Entry{Conn: c.id, Event: EventStatement, SQL: sql, CallKey: st.key, Time: p.cfg.Clock.Now()})
	}
	for _, r := range p.rules.snapshot() {
		if !r.matches(&st) {
			continue
		}
		if r.Action.Kind == ActionCommitAckLost {
			c.addCandidate(candidate{group: u.groups + 1, rule: r, sql: sql, key: st.key})
			continue
		}
		attempt, fire := p.rules.decide(r, st.key)
		if !fire {
			continue
		}
		e := Entry{Conn: c.id, Event: EventFault, Rule: r.Name, Action: r.Action.Kind, SQL: sql, CallKey: st.key, Attempt: attempt}
		switch r.Action.Kind {
		case ActionLatency:
			e.Detail = "statement held for " + r.Action.Delay.String()
			p.record(e)
			if err := u.pipe.out.Flush(); err != nil { // what came before is not delayed
				return err
			}
			p.wait(c.done, r.Action.Delay)
		case ActionRefuse:
			p.refusal.start(r.Action.For)
			e.Detail = p.refusal.describe()
			p.record(e)
		case ActionReset:
			e.Detail = "connection reset before the statement reached the server"
			p.record(e)
			// What the client sent before this statement was on its way; this statement is not.
			_ = u.pipe.out.Flush()
			c.kill(true)
			return errCut
		}
	}
	return nil
}

// keyFor returns a statement's call key: its own, or else the open transaction's. The first
// own key of a transaction becomes the transaction's key.
func (c *conn) keyFor(own string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if own == "" {
		return c.txKey
	}
	if c.txKey == "" {
		c.txKey = own
	}
	return own
}

func (c *conn) addCandidate(cd candidate) {
	c.mu.Lock()
	c.candidates = append(c.candidates, cd)
	c.nCandidates.Store(int32(len(c.candidates)))
	c.mu.Unlock()
}

// forgetDeallocated keeps prepared from growing on clients that free their statements with
// SQL rather than Close messages (PDO sends "DEALLOCATE pdo_stmt_…"): it drops the named
// statement, or all of them for DEALLOCATE ALL and DISCARD ALL.
func (u *upward) forgetDeallocated(body []byte) {
	if len(body) < 10 || body[0]|0x20 != 'd' {
		return // a cheap exit for every other query
	}
	words := strings.Fields(strings.TrimRight(string(body), "\x00; \n"))
	if len(words) < 2 {
		return
	}
	last := words[len(words)-1]
	switch {
	case strings.EqualFold(words[0], "discard") && strings.EqualFold(last, "all"),
		strings.EqualFold(words[0], "deallocate") && strings.EqualFold(last, "all"):
		clear(u.prepared)
	case strings.EqualFold(words[0], "deallocate"):
		if quoted, ok := strings.CutPrefix(last, `"`); ok {
			delete(u.prepared, strings.TrimSuffix(quoted, `"`))
		} else {
			delete(u.prepared, strings.ToLower(last)) // Postgres folds unquoted names
		}
	}
}
