package pgproxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Proxy is a Postgres wire proxy on a loopback port, built like httptest.Server: New binds
// the listener, Start serves, Close stops. The caller must Close it.
type Proxy struct {
	upstream string
	cfg      Config
	ln       net.Listener
	rules    ruleSet
	journal  journal
	refusal  refusal
	advancer Advancer // nil unless cfg.Clock can advance

	ctx    context.Context // cancelled by Close: dials and waits stop
	cancel context.CancelFunc
	nextID atomic.Uint64

	mu      sync.Mutex
	started bool
	closed  bool
	conns   map[*conn]struct{}
	serving sync.WaitGroup
}

// New validates cfg and binds the proxy's listener (cfg.ListenAddr, default a free port on
// 127.0.0.1) in front of the Postgres server at upstreamAddr ("host:port"). It does not
// accept connections until Start.
func New(upstreamAddr string, cfg Config) (*Proxy, error) {
	cfg = cfg.withDefaults()
	if _, _, err := net.SplitHostPort(upstreamAddr); err != nil {
		return nil, fmt.Errorf("pgproxy: upstream address %q: %w", upstreamAddr, err)
	}
	if err := checkLoopback(cfg.ListenAddr); err != nil {
		return nil, err
	}
	p := &Proxy{upstream: upstreamAddr, cfg: cfg, conns: map[*conn]struct{}{}}
	p.rules.seed = cfg.Seed
	p.refusal.clock = cfg.Clock
	p.advancer, _ = cfg.Clock.(Advancer)
	for _, r := range cfg.Rules {
		if err := p.rules.add(r); err != nil {
			return nil, fmt.Errorf("pgproxy: %w", err)
		}
	}
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return nil, fmt.Errorf("pgproxy: listen on %s: %w", cfg.ListenAddr, err)
	}
	p.ln = ln
	p.ctx, p.cancel = context.WithCancel(context.Background())
	return p, nil
}

// Start begins accepting connections. Calling it twice, or after Close, panics.
func (p *Proxy) Start() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started || p.closed {
		panic("pgproxy: Start called twice or after Close")
	}
	p.started = true
	p.serving.Add(1)
	go p.accept()
}

// Addr is the proxy's listening address, "127.0.0.1:port".
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Close stops accepting, cuts every relayed connection, and waits until every goroutine the
// proxy started has returned. Calling it twice is harmless.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	conns := make([]*conn, 0, len(p.conns))
	for c := range p.conns {
		conns = append(conns, c)
	}
	p.mu.Unlock()

	err := p.ln.Close()
	p.cancel()
	for _, c := range conns {
		c.kill(false)
	}
	p.serving.Wait()
	return err
}

// AddRule arms a fault rule; from the next statement on, every connection sees it.
func (p *Proxy) AddRule(r Rule) error {
	if err := p.rules.add(r); err != nil {
		return fmt.Errorf("pgproxy: %w", err)
	}
	return nil
}

// RemoveRule disarms the named rule and reports whether it was armed. A commit_ack_lost
// decision still pending for it is dropped.
func (p *Proxy) RemoveRule(name string) bool { return p.rules.remove(name) }

// ClearRules disarms every rule.
func (p *Proxy) ClearRules() { p.rules.clear() }

// Rules lists the armed rules in the order they are tried, with their names filled in.
func (p *Proxy) Rules() []Rule { return p.rules.list() }

// Refuse makes the proxy refuse new connections for d on Config.Clock, or until StopRefusing
// when d is 0. A refused client gets PostgreSQL's FATAL 53300 ("too many clients") at
// startup; connections already open are not touched.
func (p *Proxy) Refuse(d time.Duration) { p.refusal.start(d) }

// CutClients resets every connection relayed now, as a restarting server does: the client
// sees its connection die, the server rolls back what was open. New connections are not
// affected (Refuse refuses them).
func (p *Proxy) CutClients() {
	p.mu.Lock()
	conns := make([]*conn, 0, len(p.conns))
	for c := range p.conns {
		conns = append(conns, c)
	}
	p.mu.Unlock()
	for _, c := range conns {
		c.kill(true)
	}
}

// StopRefusing ends any refusal window at once.
func (p *Proxy) StopRefusing() { p.refusal.stop() }

// Journal returns a copy of the journal: every fired fault and refused connection, and with
// Config.JournalStatements every connection and statement, in the order they happened.
func (p *Proxy) Journal() []Entry { return p.journal.list() }

func (p *Proxy) record(e Entry) {
	e.Time = p.cfg.Clock.Now()
	if e.Event == EventFault && p.cfg.Watch != nil {
		p.cfg.Watch(e)
	}
	p.journal.add(e)
}

func (p *Proxy) accept() {
	defer p.serving.Done()
	for {
		nc, err := p.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue // a transient accept error (e.g. too many open files): keep serving
		}
		c := &conn{p: p, id: p.nextID.Add(1), client: nc, done: make(chan struct{})}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			_ = nc.Close()
			continue
		}
		p.conns[c] = struct{}{}
		p.serving.Add(1)
		p.mu.Unlock()
		go func() {
			defer p.serving.Done()
			c.serve()
			p.mu.Lock()
			delete(p.conns, c)
			p.mu.Unlock()
		}()
	}
}

// wait lets d pass before a delayed statement goes on: on an Advancer clock it advances the
// clock; otherwise it waits in real time until d elapses, the connection dies or the proxy
// closes.
func (p *Proxy) wait(done <-chan struct{}, d time.Duration) {
	if p.advancer != nil {
		p.advancer.Advance(d)
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-done:
	case <-p.ctx.Done():
	}
}

// dial connects to the upstream server.
func (p *Proxy) dial() (net.Conn, error) {
	ctx, cancel := context.WithTimeout(p.ctx, p.cfg.DialTimeout)
	defer cancel()
	var d net.Dialer
	return d.DialContext(ctx, "tcp", p.upstream)
}
