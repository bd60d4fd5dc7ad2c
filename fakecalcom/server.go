package fakecalcom

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Server is a Fake listening on a loopback port, built like httptest.Server: New starts it,
// NewUnstarted lets the caller adjust Listener or HTTP before Start. The caller must Close it.
type Server struct {
	// URL is "http://127.0.0.1:port", set by Start.
	URL string
	// Fake is the handler: its ledger, journal, faults and clock.
	Fake *Fake
	// Listener is where the server accepts; NewUnstarted binds 127.0.0.1:0.
	Listener net.Listener
	// HTTP is the underlying server, adjustable before Start.
	HTTP *http.Server

	mu       sync.Mutex
	started  bool
	closed   bool
	inflight int        // handlers running, guarded by mu
	idle     *sync.Cond // signalled when inflight drops to 0
	serving  sync.WaitGroup
	clients  []*http.Client
}

// New starts a fake Cal.com on 127.0.0.1 with a free port. It panics if cfg is invalid or no
// port can be bound, like httptest.NewServer. The caller must call Close.
func New(cfg Config) *Server {
	s := NewUnstarted(cfg)
	s.Start()
	return s
}

// NewUnstarted builds the server and binds its listener but does not serve yet.
func NewUnstarted(cfg Config) *Server {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("fakecalcom: listen on 127.0.0.1: %v", err))
	}
	s := &Server{Fake: NewFake(cfg), Listener: ln}
	s.idle = sync.NewCond(&s.mu)
	s.HTTP = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second}
	return s
}

// serve counts in-flight handlers so Close can wait for them.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.inflight++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inflight--
		if s.inflight == 0 {
			s.idle.Broadcast()
		}
		s.mu.Unlock()
	}()
	s.Fake.ServeHTTP(w, r)
}

// Start begins serving. Calling it twice panics.
func (s *Server) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		panic("fakecalcom: Server already started")
	}
	s.started = true
	s.URL = "http://" + s.Listener.Addr().String()
	s.serving.Add(1)
	go func() {
		defer s.serving.Done()
		if err := s.HTTP.Serve(s.Listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			panic(fmt.Sprintf("fakecalcom: serve: %v", err))
		}
	}()
}

// Client returns an HTTP client for this server with its own connection pool; Close closes
// its idle connections, so tests with a goroutine-leak check stay clean.
func (s *Server) Client() *http.Client {
	c := &http.Client{Transport: &http.Transport{Proxy: nil, DisableCompression: true, MaxIdleConnsPerHost: 64}}
	s.mu.Lock()
	s.clients = append(s.clients, c)
	s.mu.Unlock()
	return c
}

// Close releases held responses and delays, closes the listener and every connection, waits
// for in-flight handlers to return, and closes the idle connections of clients made by Client.
// Calling it twice is harmless.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	started := s.started
	clients := s.clients
	s.mu.Unlock()

	s.Fake.Close()
	if started {
		_ = s.HTTP.Close()
		s.serving.Wait()
		s.mu.Lock()
		for s.inflight > 0 {
			s.idle.Wait()
		}
		s.mu.Unlock()
	} else {
		_ = s.Listener.Close()
	}
	for _, c := range clients {
		c.CloseIdleConnections()
	}
}
