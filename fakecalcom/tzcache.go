package fakecalcom

import "sync"

// tzCache remembers which time-zone names are valid, so validating attendee.timeZone does
// not read the zoneinfo database on every request.
type tzCache struct {
	mu    sync.RWMutex
	known map[string]bool
}

func (c *tzCache) valid(name string) bool {
	c.mu.RLock()
	ok, seen := c.known[name]
	c.mu.RUnlock()
	if seen {
		return ok
	}
	ok = validTimeZone(name)
	c.mu.Lock()
	if c.known == nil {
		c.known = map[string]bool{}
	}
	if len(c.known) < 4096 { // bounded: garbage names must not grow memory forever
		c.known[name] = ok
	}
	c.mu.Unlock()
	return ok
}
