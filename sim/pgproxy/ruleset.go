package pgproxy

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/bookingharness/bookingharness/internal/seeded"
)

// statement is one statement as the rules see it.
type statement struct {
	sql    string
	params [][]byte // aliases the read buffer; valid only while the statement is judged
	key    string   // call key: the statement's own, else its transaction's
}

// armedRule is a rule with its compiled matcher and counters.
type armedRule struct {
	Rule
	text []*regexp.Regexp
	// Guarded by ruleSet.mu.
	attempts map[string]int // call key → statements matched
	fired    int
	removed  bool
}

func (r *armedRule) matches(st *statement) bool {
	if r.CallKey != "" && st.key != r.CallKey {
		return false
	}
	for _, re := range r.text {
		if !re.MatchString(st.sql) {
			return false
		}
	}
	if r.Param != "" && !slices.ContainsFunc(st.params, func(p []byte) bool { return string(p) == r.Param }) {
		return false
	}
	return true
}

// ruleSet holds the armed rules. Readers take a snapshot without locking (the common case in
// a load run is "no rules"); counting and firing happen under one mutex so Nth and Times are
// well defined under concurrency.
type ruleSet struct {
	seed   int64
	active atomic.Pointer[[]*armedRule]

	mu    sync.Mutex
	added int
}

func (s *ruleSet) add(r Rule) error {
	text, err := r.compile()
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.added++
	if r.Name == "" {
		r.Name = "rule-" + strconv.Itoa(s.added)
	}
	old := s.snapshot()
	if slices.ContainsFunc(old, func(a *armedRule) bool { return a.Name == r.Name }) {
		return fmt.Errorf("rule %q: a rule of that name is already armed", r.Name)
	}
	next := append(slices.Clip(old), &armedRule{Rule: r, text: text, attempts: map[string]int{}})
	s.active.Store(&next)
	return nil
}

// remove disarms the named rule; it reports whether there was one.
func (s *ruleSet) remove(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.snapshot()
	i := slices.IndexFunc(old, func(a *armedRule) bool { return a.Name == name })
	if i < 0 {
		return false
	}
	old[i].removed = true
	next := slices.Delete(slices.Clone(old), i, i+1)
	s.active.Store(&next)
	return true
}

func (s *ruleSet) clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.snapshot() {
		r.removed = true
	}
	s.active.Store(nil)
}

func (s *ruleSet) list() []Rule {
	rules := s.snapshot()
	out := make([]Rule, len(rules))
	for i, r := range rules {
		out[i] = r.Rule
	}
	return out
}

// snapshot is the armed rules in the order they were added; do not modify it.
func (s *ruleSet) snapshot() []*armedRule {
	if p := s.active.Load(); p != nil {
		return *p
	}
	return nil
}

// decide counts one matching statement (or, for commit_ack_lost, one committed transaction)
// of call key for r and says whether r fires on it, with the attempt number it used.
func (s *ruleSet) decide(r *armedRule, key string) (attempt int, fire bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.removed {
		return 0, false
	}
	r.attempts[key]++
	attempt = r.attempts[key]
	// Nth and EveryNth count the call's matches, as the seeded draw does.
	fire = r.schedule().Fires(s.seed, r.Name, seeded.Match{N: attempt, Key: key, Attempt: attempt, Fired: r.fired})
	if fire {
		r.fired++
	}
	return attempt, fire
}
