package fakecalcom

import "time"

// moment is one request's — or one host action's — own view of the fake's time: the clock
// when it began plus the time it spent itself (delays, the check/insert gap, latency). Its
// createdAt, updatedAt and Date header are read from it, so when a harness runs several
// requests at once on a held clock (see Forwarder), a delay of one request cannot change the
// age of another's booking: each request's times depend on its own waits only, never on
// which request arrived first.
type moment struct {
	f     *Fake
	start time.Time     // Config.Clock when the request began (without the admin offset)
	local time.Duration // what the request itself has waited
}

func (f *Fake) newMoment() *moment { return &moment{f: f, start: f.clock.Now()} }

// now is the request's time: its own start plus what it waited, or the fake's time if that
// is later (other requests, or the harness, moved the clock further).
func (m *moment) now() time.Time {
	own := m.start.Add(m.local).Add(time.Duration(m.f.offset.Load())).UTC()
	if n := m.f.Now(); n.After(own) {
		return n
	}
	return own
}

// wait lets d pass for this request: on a Forwarder clock it moves the clock to the
// request's own time (start + everything it waited), on an Advancer clock it advances the
// clock by d, otherwise it waits in real time until d elapses, done is closed (the client
// went away) or the fake is closed. A nil done waits whatever the client does: Cal.com keeps
// processing a request whose client went away.
func (m *moment) wait(done <-chan struct{}, d time.Duration) {
	if d <= 0 {
		return
	}
	m.local += d
	f := m.f
	switch {
	case f.forwarder != nil:
		f.forwarder.AdvanceTo(m.start.Add(m.local))
	case f.advancer != nil:
		f.advancer.Advance(d)
	default:
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-done:
		case <-f.closed:
		}
	}
}

// virtual reports whether the fake's clock is moved by the fake itself (a Forwarder or an
// Advancer) rather than by real time passing.
func (f *Fake) virtual() bool { return f.forwarder != nil || f.advancer != nil }
