package fakecalcom

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bookingharness/bookingharness/internal/seeded"
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

	// The webhook actions (rules with Method MethodWebhook). ActionDelay and ActionStatus
	// apply to deliveries too: a delay makes the delivery due Delay later on the fake's clock
	// without holding anything else up; a status records that the subscriber answered it
	// (the delivery is not sent, so the subscriber never sees it), with no retry, as Cal.com.

	// ActionDrop loses the delivery.
	ActionDrop ActionKind = "drop"
	// ActionDuplicate delivers twice, back to back (attempts 1 and 2).
	ActionDuplicate ActionKind = "duplicate"
	// ActionReorder holds the delivery until the next delivery to the same subscriber has
	// been sent (or FlushWebhooks), so the two arrive in the opposite order.
	ActionReorder ActionKind = "reorder"
)

// MethodWebhook is the Rule.Method of rules that match webhook deliveries instead of
// requests; their Path is a pattern on the trigger (e.g. "BOOKING_CREATED", "BOOKING_*").
const MethodWebhook = "WEBHOOK"

// requestActions and webhookActions list which actions a request rule and a webhook rule
// may take.
func requestActions() []ActionKind {
	return []ActionKind{ActionDelay, ActionStatus, ActionRateLimit, ActionResetBeforeCommit, ActionResetAfterCommit,
		ActionTimeoutAfterCommit, ActionMalformed, ActionEmpty, ActionDropField, ActionForceReplay}
}

func webhookActions() []ActionKind {
	return []ActionKind{ActionDelay, ActionStatus, ActionDrop, ActionDuplicate, ActionReorder}
}

func actionList(ks []ActionKind) string {
	names := make([]string, len(ks))
	for i, k := range ks {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
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

// Rule is one fault: which requests (any method, any path) or webhook deliveries it matches,
// when it fires, and what it does. Empty match fields match everything; with no firing field
// set the rule fires on every match.
type Rule struct {
	// Name labels the rule in the journal; defaults to "rule-<n>". A seeded rule's firing
	// depends on it (see Probability).
	Name string `json:"name,omitempty"`
	// Method matches the HTTP method (case-insensitive, e.g. "POST"); MethodWebhook makes
	// the rule match webhook deliveries, and only those.
	Method string `json:"method,omitempty"`
	// Path is a path.Match pattern on the URL path, e.g. "/v2/bookings" or
	// "/v2/bookings/*/cancel"; for a webhook rule, on the trigger, e.g. "BOOKING_*".
	Path string `json:"path,omitempty"`
	// Query matches query parameters exactly (each listed parameter must have this value),
	// e.g. {"attendeeEmail": "a@example.com"} targets one attendee's lookup.
	Query map[string]string `json:"query,omitempty"`
	// Finds, when set, matches every GET that could find the booking it describes, whatever
	// its path and query (see Finds); Method must be GET or empty and Path and Query empty.
	Finds *Finds `json:"finds,omitempty"`
	// CallID matches metadata.call_id of the JSON body (of a webhook: of its payload).
	CallID string `json:"callId,omitempty"`
	// BodyField (dotted, e.g. "attendee.email"; for a webhook e.g. "payload.uid") and
	// BodyValue match any JSON body value whose string form equals BodyValue.
	BodyField string `json:"bodyField,omitempty"`
	BodyValue string `json:"bodyValue,omitempty"`
	// Nth fires only on the nth matching request (1-based).
	Nth int `json:"nth,omitempty"`
	// EveryNth fires on every nth matching request (n, 2n, 3n…).
	EveryNth int `json:"everyNth,omitempty"`
	// Probability fires with this probability per match. Whether it fires is a pure function
	// of (Config.Seed, Name, the request's key, the attempt number of that key for this rule)
	// — never of arrival order — so two runs fault exactly the same calls however their
	// requests interleave (the harness's one seeded draw, package internal/seeded). The key is metadata.call_id of the body; a request without one
	// uses "METHOD path?query" (query parameters sorted), a webhook delivery without one
	// "WEBHOOK trigger uid".
	Probability float64 `json:"probability,omitempty"`
	// Times caps how often the rule fires in total (0 = no cap). Which matches use up the cap
	// depends on arrival order, as Nth and EveryNth do.
	Times int `json:"times,omitempty"`
	// Action is what happens when the rule fires.
	Action Action `json:"action"`
}

// Validate says what is wrong with a rule, so bad fault configuration fails loudly.
func (r Rule) Validate() error {
	a := r.Action
	webhook := r.Method == MethodWebhook
	switch {
	case webhook && !slices.Contains(webhookActions(), a.Kind):
		return fmt.Errorf("rule %q: action kind %q is not a webhook action (want one of %s)", r.Name, a.Kind, actionList(webhookActions()))
	case !webhook && !slices.Contains(requestActions(), a.Kind):
		if slices.Contains(webhookActions(), a.Kind) {
			return fmt.Errorf("rule %q: action kind %q applies to webhook deliveries only (set method %q)", r.Name, a.Kind, MethodWebhook)
		}
		return fmt.Errorf("rule %q: action kind %q is unknown (want one of %s)", r.Name, a.Kind, actionList(requestActions()))
	case webhook && (len(r.Query) > 0 || a.AfterCommit || r.Finds != nil):
		return fmt.Errorf("rule %q: a webhook rule has no query, no finds and no afterCommit", r.Name)
	case r.Finds != nil && (r.Path != "" || len(r.Query) > 0 || (r.Method != "" && !strings.EqualFold(r.Method, "GET"))):
		return fmt.Errorf("rule %q: finds matches the lookups (GET) of a booking itself; leave method, path and query out", r.Name)
	case r.Path != "":
		if _, err := path.Match(r.Path, "/"); err != nil {
			return fmt.Errorf("rule %q: path pattern %q: %w", r.Name, r.Path, err)
		}
	}
	if err := r.schedule().Validate(); err != nil {
		return fmt.Errorf("rule %q: %w", r.Name, err)
	}
	switch {
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

// schedule is when the rule fires (the one firing schedule of every fault, package
// internal/seeded): Nth and EveryNth count the rule's matches overall, Probability draws per
// (Config.Seed, Name, key, the key's attempt).
func (r Rule) schedule() seeded.Schedule {
	return seeded.Schedule{Nth: r.Nth, EveryNth: r.EveryNth, Probability: r.Probability, Times: r.Times}
}

// needsBody says whether matching the rule needs the parsed body: a body predicate, or the
// call id that keys a seeded rule's firing.
func (r Rule) needsBody() bool { return r.CallID != "" || r.BodyField != "" || r.Probability > 0 }

// armedRule is a rule with its counters.
type armedRule struct {
	Rule
	pos            int // index in faultSet.rules, the rule's slot in attempts
	matched, fired int
	// removed rules keep their position (and so their attempt counters' slot) but match
	// nothing and are not listed.
	removed bool
}

// faultSet holds the active rules. Matching and counting happen under one mutex, so "the nth
// matching request" is well defined under concurrency.
type faultSet struct {
	mu    sync.Mutex
	seed  int64
	added int
	rules []*armedRule
	body  bool // some rule needs the parsed body
	// attempts counts, per fault key, how often each seeded rule has judged it: the
	// attempt number in the seeded firing function. One slice per key (indexed by rule
	// position) keeps a 100 000-call load run to one small entry per call.
	attempts map[string][]uint32
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
	r.Query = maps.Clone(r.Query)
	s.rules = append(s.rules, &armedRule{Rule: r, pos: len(s.rules)})
	s.body = s.body || r.needsBody()
	s.armed.Store(true)
	s.wantBody.Store(s.body)
	return nil
}

func (s *faultSet) clear() {
	s.mu.Lock()
	s.rules, s.body, s.added, s.attempts = nil, false, 0, nil
	s.armed.Store(false)
	s.wantBody.Store(false)
	s.mu.Unlock()
}

// remove disarms the rule named name; false when no armed rule has that name.
func (s *faultSet) remove(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	found := false
	armed, body := false, false
	for _, r := range s.rules {
		if !r.removed && r.Name == name {
			r.removed, found = true, true
		}
		if !r.removed {
			armed, body = true, body || r.needsBody()
		}
	}
	s.body = body
	s.armed.Store(armed)
	s.wantBody.Store(body)
	return found
}

func (s *faultSet) list() []Rule {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Rule, 0, len(s.rules))
	for _, r := range s.rules {
		if !r.removed {
			out = append(out, r.Rule)
		}
	}
	return out
}

// wantsBody reports whether matching needs the parsed JSON body.
func (s *faultSet) wantsBody() bool { return s.wantBody.Load() }

// faultTarget is what rules are matched against: a request or a webhook delivery.
type faultTarget struct {
	method, path string // for a webhook: MethodWebhook and the trigger
	query        url.Values
	body         map[string]any // the parsed JSON body, when some rule needs it
	callID       string         // metadata.call_id of the body (of a webhook: of its payload)
	key          string         // the seeded-firing key (see Rule.Probability)
	// booking reads the ledger (Rule.Finds); nil for a webhook delivery.
	booking func(uid string) (Booking, bool)
}

// requestKey is the seeded-firing key of a request: its call id, or method, path and sorted
// query.
func requestKey(callID, method, urlPath string, query url.Values) string {
	if callID != "" {
		return callID
	}
	if len(query) == 0 {
		return method + " " + urlPath
	}
	return method + " " + urlPath + "?" + query.Encode()
}

// match returns the first rule that matches and fires for t, or nil, and for a seeded rule
// the attempt number it judged.
func (s *faultSet) match(t faultTarget) (*Rule, int) {
	if !s.armed.Load() {
		return nil, 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.rules {
		if r.removed || !r.matches(t) {
			continue
		}
		r.matched++
		attempt := 0
		if r.Probability > 0 {
			attempt = s.attempt(t.key, r.pos)
		}
		if r.schedule().Fires(s.seed, r.Name, seeded.Match{N: r.matched, Key: t.key, Attempt: attempt, Fired: r.fired}) {
			r.fired++
			rule := r.Rule
			return &rule, attempt
		}
	}
	return nil, 0
}

// attempt counts one more judgement of key by the rule at pos and returns its number
// (1-based). The caller holds s.mu.
func (s *faultSet) attempt(key string, pos int) int {
	if s.attempts == nil {
		s.attempts = map[string][]uint32{}
	}
	a := s.attempts[key]
	if len(a) <= pos {
		a = append(a, make([]uint32, len(s.rules)-len(a))...)
		s.attempts[key] = a
	}
	a[pos]++
	return int(a[pos])
}

func (r *armedRule) matches(t faultTarget) bool {
	if (r.Method == MethodWebhook) != (t.method == MethodWebhook) {
		return false // request rules never see deliveries, webhook rules never see requests
	}
	if r.Method != "" && !strings.EqualFold(r.Method, t.method) {
		return false
	}
	if r.Path != "" {
		if ok, _ := path.Match(r.Path, t.path); !ok {
			return false
		}
	}
	for k, v := range r.Query {
		if vs, ok := t.query[k]; !ok || len(vs) == 0 || vs[0] != v {
			return false
		}
	}
	if r.Finds != nil && !r.Finds.request(t) {
		return false
	}
	if r.CallID != "" && t.callID != r.CallID {
		return false
	}
	if r.BodyField != "" && lookupString(t.body, r.BodyField) != r.BodyValue {
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
