package pgproxy

import (
	"bufio"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
)

// errCut ends a relay whose connection the proxy cut on purpose (a fault fired).
var errCut = errors.New("pgproxy: connection cut by a fault")

// conn is one relayed client connection and its upstream connection. Two goroutines carry
// it: up (client → server, where statements are judged) and down (server → client, where
// transactions are seen to end and commit acknowledgements can be withheld).
type conn struct {
	p      *Proxy
	id     uint64
	client net.Conn
	done   chan struct{} // closed by kill

	killOnce sync.Once
	mu       sync.Mutex
	server   net.Conn // set once dialled; guarded by mu until the relays start
	killed   bool
	// Shared by up and down, guarded by mu: the open transaction's call key and the
	// commit_ack_lost rules its statements matched.
	txKey      string
	candidates []candidate
	// nCandidates mirrors len(candidates) so down can skip the lock on the common path.
	nCandidates atomic.Int32

	up   upward
	down downward
}

// candidate is a commit_ack_lost rule matched by a statement, waiting for the end of the
// statement's transaction.
type candidate struct {
	group uint64 // the statement's group (see upward.groups)
	rule  *armedRule
	sql   string
	key   string // the statement's call key
}

// serve runs the connection from the first startup packet to the end.
func (c *conn) serve() {
	defer c.kill(false)
	in := bufio.NewReaderSize(c.client, bufferSize)
	st, err := readStartup(in, c.client)
	if err != nil {
		return
	}
	p := c.p
	if st.cancel {
		c.forwardCancel(st.raw)
		return
	}
	if p.refusal.refusing() {
		p.record(Entry{Conn: c.id, Event: EventRefused, Detail: p.refusal.describe()})
		_ = sendFatal(c.client, "53300", "sorry, too many clients already (pgproxy is refusing new connections)")
		return
	}
	server, err := p.dial()
	if err != nil {
		p.record(Entry{Conn: c.id, Event: EventUpstreamDown, Detail: err.Error()})
		_ = sendFatal(c.client, "08006", "pgproxy: cannot reach the upstream server: "+err.Error())
		return
	}
	if !c.setServer(server) {
		return
	}
	if _, err := server.Write(st.raw); err != nil {
		return
	}
	if p.cfg.JournalStatements {
		p.record(Entry{Conn: c.id, Event: EventConnect, Detail: "user=" + st.user + " database=" + st.database})
	}
	c.up = upward{c: c, pipe: newPipe(in, server), prepared: map[string]string{}}
	c.down = downward{c: c, pipe: newPipe(bufio.NewReaderSize(server, bufferSize), c.client)}
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := c.down.relay(); errors.Is(err, io.EOF) {
			_ = c.down.pipe.out.Flush() // the server's last words, e.g. a FATAL error
		}
		c.kill(false)
	})
	err = c.up.relay()
	if err == nil || errors.Is(err, io.EOF) {
		// The client said goodbye: let the server see the end of its input and finish
		// answering, as it would on a direct connection.
		if c.up.pipe.out.Flush() == nil {
			if tc, ok := server.(*net.TCPConn); ok {
				_ = tc.CloseWrite()
			}
		}
	} else {
		c.kill(false)
	}
	wg.Wait()
}

// setServer records the upstream connection; it reports false (and closes server) if the
// connection was killed meanwhile.
func (c *conn) setServer(server net.Conn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.killed {
		_ = server.Close()
		return false
	}
	c.server = server
	return true
}

// kill tears the connection down. With reset the client gets a TCP RST, as when a network
// path dies, rather than an orderly close.
func (c *conn) kill(reset bool) {
	c.killOnce.Do(func() {
		c.mu.Lock()
		c.killed = true
		server := c.server
		c.mu.Unlock()
		if tc, ok := c.client.(*net.TCPConn); ok && reset {
			_ = tc.SetLinger(0)
		}
		_ = c.client.Close()
		if server != nil {
			_ = server.Close()
		}
		close(c.done)
	})
}

// forwardCancel relays a CancelRequest to the upstream server on a connection of its own,
// as PostgreSQL expects; the key data the client holds is the server's own, relayed untouched.
func (c *conn) forwardCancel(raw []byte) {
	server, err := c.p.dial()
	if err != nil || !c.setServer(server) {
		return
	}
	if _, err := server.Write(raw); err != nil {
		return
	}
	_, _ = io.Copy(io.Discard, server) // the server closes when it has read the request
}
