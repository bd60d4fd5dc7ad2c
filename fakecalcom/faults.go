package fakecalcom

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ActionKind names what a fault rule does to a matching request.
type ActionKind string

// The fault actions. "Before commit" means no booking is created; "after commit" means the
// request is fully processed (a create is in the ledger) and only the response is spoiled.
const (
	// ActionDelay waits Action.Delay (advancing an Advancer clock instead) before processing,
	// or after committing when Action.AfterCommit is set.
	ActionDelay ActionKind = "delay"
	// ActionStatus answers Action.Status with a Cal.com error body (Action.Message, or the
	// status text). Before commit by default; with AfterCommit the booking is created first.
	ActionStatus ActionKind = "status"
	// ActionRateLimit answers 429 ThrottlerException with the X-RateLimit-*-Default headers.
	ActionRateLimit ActionKind = "rate_limit"
	// ActionResetBeforeCommit cuts the connection (TCP RST) before anything is processed.
	ActionResetBeforeCommit ActionKind = "reset_before_commit"
	// ActionResetAfterCommit processes the request, then cuts the connection: the booking
	// exists, the client gets a transport error.
	ActionResetAfterCommit ActionKind = "reset_after_commit"
	// ActionTimeoutAfterCommit processes the request, then holds the response until the
	// client gives up (request context done) or the fake is closed.
	ActionTimeoutAfterCommit ActionKind = "timeout_after_commit"
	// ActionMalformed commits, then sends the success status with a truncated JSON body.
	ActionMalformed ActionKind = "malformed"
	// ActionEmpty commits, then sends the success status with an empty body.
	ActionEmpty ActionKind = "empty"
	// ActionDropField commits, then removes Action.Field (e.g. "createdAt", "metadata")
	// from the booking object in the response.
	ActionDropField ActionKind = "drop_field"
	// ActionForceReplay makes a create that duplicates an existing live booking of the same
	// host and slot return that booking (201), whatever the kind or attendee.
	ActionForceReplay ActionKind = "force_replay"
)

var actionKinds = map[ActionKind]bool{
	ActionDelay: true, ActionStatus: true, ActionRateLimit: true, ActionResetBeforeCommit: true,
	ActionResetAfterCommit: true, ActionTimeoutAfterCommit: true, ActionMalformed: true,
	ActionEmpty: true, ActionDropField: true, ActionForceReplay: true,
}

// Duration is a time.Duration that reads and writes JSON as a Go duration string ("12s"),
// so admin-API users need not count nanoseconds. Plain numbers are read as nanoseconds.
type Duration time.Duration

// MarshalJSON writes the duration as a string such as "1.5s".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads "12s"-style strings or integer nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		n, nerr := strconv.ParseInt(string(b), 10, 64)
		if nerr != nil {
			return fmt.Errorf("duration must be a string like \"12s\" or integer nanoseconds, got %s", b)
		}
		*d = Duration(n)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: %w", s, err)
	}
	*d = Duration(v)
	return nil
}

// Action is what a fired rule does.
type Action struct {
	Kind        ActionKind `json:"kind"`
	Delay       Duration   `json:"delay,omitempty"`       // ActionDelay
	Status      int        `json:"status,omitempty"`      // ActionStatus
	Message     string     `json:"message,omitempty"`     // ActionStatus (default: status text)
	Field       string     `json:"field,omitempty"`       // ActionDropField
	AfterCommit bool       `json:"afterCommit,omitempty"` // ActionDelay, ActionStatus
}

// Rule is one fault: which requests it matches, when it fires, and what it does. Empty match
// fields match everything; with no firing field set the rule fires on every match.
type Rule struct {
	// Name labels the rule in the journal; defaults to "rule-<n>".
	Name string `json:"name,omitempty"`
	// Method matches the HTTP method exactly (e.g. "POST").
	Method string `json:"method,omitempty"`
	// Path is a path.Match pattern on the URL path, e.g. "/v2/bookings" or "/v2/bookings/*/cancel".
	Path string `json:"path,omitempty"`
	// CallID matches metadata.call_id of the JSON body.
	CallID string `json:"callId,omitempty"`
	// BodyField (dotted, e.g. "attendee.email") and BodyValue match any JSON body value whose
	// string form equals BodyValue.
	BodyField string `json:"bodyField,omitempty"`
	BodyValue string `json:"bodyValue,omitempty"`
	// Nth fires only on the nth matching request (1-based).
	Nth int `json:"nth,omitempty"`
	// EveryNth fires on every nth matching request (n, 2n, 3n…).
	EveryNth int `json:"everyNth,omitempty"`
	// Probability fires with this probability per match, drawn from a generator seeded with
	// Config.Seed and the rule's position, so a run can be repeated exactly.
	Probability float64 `json:"probability,omitempty"`
	// Times caps how often the rule fires in total (0 = no cap).
	Times int `json:"times,omitempty"`
	// Action is what happens when the rule fires.
	Action Action `json:"action"`
}

// Validate says what is wrong with a rule, so bad fault configuration fails loudly.
func (r Rule) Validate() error {
	a := r.Action
	switch {
	case !actionKinds[a.Kind]:
		return fmt.Errorf("rule %q: action kind %q is unknown (want one of delay, status, rate_limit, reset_before_commit, reset_after_commit, timeout_after_commit, malformed, empty, drop_field, force_replay)", r.Name, a.Kind)
	case r.Path != "":
		if _, err := path.Match(r.Path, "/"); err != nil {
			return fmt.Errorf("rule %q: path pattern %q: %w", r.Name, r.Path, err)
		}
	}
	switch {
	case r.Nth < 0 || r.EveryNth < 0 || r.Times < 0:
		return fmt.Errorf("rule %q: nth, everyNth and times must not be negative", r.Name)
	case r.Probability < 0 || r.Probability > 1:
		return fmt.Errorf("rule %q: probability must be within [0, 1], got %v", r.Name, r.Probability)
	case (r.Nth > 0 && r.EveryNth > 0) || (r.Nth > 0 && r.Probability > 0) || (r.EveryNth > 0 && r.Probability > 0):
		return fmt.Errorf("rule %q: set at most one of nth, everyNth, probability", r.Name)
	case (r.BodyField == "") != (r.BodyValue == ""):
		return fmt.Errorf("rule %q: bodyField and bodyValue go together", r.Name)
	case a.Kind == ActionDelay && a.Delay <= 0:
		return fmt.Errorf("rule %q: delay action needs a positive delay", r.Name)
	case a.Kind == ActionStatus && (a.Status < 400 || a.Status > 599):
		return fmt.Errorf("rule %q: status action needs a 4xx or 5xx status, got %d", r.Name, a.Status)
	case a.Kind == ActionDropField && a.Field == "":
		return fmt.Errorf("rule %q: drop_field action needs a field (e.g. createdAt, metadata)", r.Name)
	}
	return nil
}

func (r Rule) needsBody() bool { return r.CallID != "" || r.BodyField != "" }

// armedRule is a rule with its counters and random source.
type armedRule struct {
	Rule
	matched, fired int
	rng            *rand.Rand
}

// faultSet holds the active rules. Matching and counting happen under one mutex, so "the nth
// matching request" is well defined under concurrency.
type faultSet struct {
	mu    sync.Mutex
	seed  int64
	added int
	rules []*armedRule
	body  bool // some rule needs the parsed body
	// armed and wantBody mirror len(rules) > 0 and body, so a request with no rules armed
	// (the load-test case) takes no lock.
	armed, wantBody atomic.Bool
}

func (s *faultSet) add(r Rule) error {
	if err := r.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.added++
	if r.Name == "" {
		r.Name = "rule-" + strconv.Itoa(s.added)
	}
	src := rand.NewPCG(uint64(s.seed), uint64(s.added))
	s.rules = append(s.rules, &armedRule{Rule: r, rng: rand.New(src)})
	s.body = s.body || r.needsBody()
	s.armed.Store(true)
	s.wantBody.Store(s.body)
	return nil
}

func (s *faultSet) clear() {
	s.mu.Lock()
	s.rules, s.body, s.added = nil, false, 0
	s.armed.Store(false)
	s.wantBody.Store(false)
	s.mu.Unlock()
}

func (s *faultSet) list() []Rule {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Rule, len(s.rules))
	for i, r := range s.rules {
		out[i] = r.Rule
	}
	return out
}

// wantsBody reports whether matching needs the parsed JSON body.
func (s *faultSet) wantsBody() bool { return s.wantBody.Load() }

// match returns the first rule that matches and fires for this request, or nil.
func (s *faultSet) match(method, urlPath string, body map[string]any) *Rule {
	if !s.armed.Load() {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.rules {
		if !r.matches(method, urlPath, body) {
			continue
		}
		r.matched++
		if r.Times > 0 && r.fired >= r.Times {
			continue
		}
		fire := true
		switch {
		case r.Nth > 0:
			fire = r.matched == r.Nth
		case r.EveryNth > 0:
			fire = r.matched%r.EveryNth == 0
		case r.Probability > 0:
			fire = r.rng.Float64() < r.Probability
		}
		if fire {
			r.fired++
			rule := r.Rule
			return &rule
		}
	}
	return nil
}

func (r *armedRule) matches(method, urlPath string, body map[string]any) bool {
	if r.Method != "" && !strings.EqualFold(r.Method, method) {
		return false
	}
	if r.Path != "" {
		if ok, _ := path.Match(r.Path, urlPath); !ok {
			return false
		}
	}
	if r.CallID != "" && lookupString(body, "metadata.call_id") != r.CallID {
		return false
	}
	if r.BodyField != "" && lookupString(body, r.BodyField) != r.BodyValue {
		return false
	}
	return true
}

// lookupString follows a dotted path through a decoded JSON object and returns the value's
// string form ("" when absent).
func lookupString(body map[string]any, dotted string) string {
	var cur any = body
	for part := range strings.SplitSeq(dotted, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = m[part]
	}
	switch v := cur.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }
