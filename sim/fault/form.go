package fault

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The YAML keys of the faults' forms, inside fault:, webhook_fault: and db_fault: (and
// crash: itself). They are a public contract (incident files).
const (
	KeyDelay             = "delay"
	KeyStatus            = "status"
	KeyStatusAfterCommit = "status_after_commit"
	KeyReset             = "reset"
	KeyTimeout           = "timeout"
	KeyDropField         = "drop_field"
	KeyMalformed         = "malformed"
	KeyEmpty             = "empty"
	KeyForceReplay       = "force_replay"
	KeyDrop              = "drop"
	KeyDuplicate         = "duplicate"
	KeyReorder           = "reorder"
	KeySubscriberStatus  = "subscriber_status"
	KeyLatency           = "latency"
	KeyRefuse            = "refuse"
	KeyCrash             = "crash"
)

// The words of phase- and point-shaped values.
const (
	// BeforeCommit and AfterCommit: before or after the booking (the transaction) was made.
	BeforeCommit = "before_commit"
	AfterCommit  = "after_commit"
	// AfterCalcom and BeforeSettle are the core's hook points a crash plays at
	// (core.HookAfterCalcom, core.HookBeforeSettle).
	AfterCalcom  = "after_calcom"
	BeforeSettle = "before_settle"
)

// The Cal.com endpoints a Calcom fault can hit (fault.on).
const (
	OnCreate      = "create"
	OnLookup      = "lookup"
	OnGet         = "get"
	OnCancel      = "cancel"
	OnReschedule  = "reschedule"
	OnConfirm     = "confirm"
	OnDecline     = "decline"
	OnReservation = "reservation"
)

// Endpoints lists the endpoints in the order docs name them.
func Endpoints() []string {
	return []string{OnCreate, OnLookup, OnGet, OnCancel, OnReschedule, OnConfirm, OnDecline, OnReservation}
}

// CalcomFault is a Cal.com fault as an incident step writes it: fault: {on: ENDPOINT, KEY:
// VALUE} (incident.Fault is this type).
type CalcomFault struct {
	// On is the endpoint it hits (the On* constants); "" means create.
	On string
	// Kind is the YAML key (the Key* constants).
	Kind string
	// Delay is a delay's duration.
	Delay time.Duration
	// Status is a status fault's status (e.g. 500, 429).
	Status int
	// Phase is before_commit or after_commit for reset and timeout faults.
	Phase string
	// Field is createdAt or metadata for drop_field faults.
	Field string
}

// WebhookFault is a webhook fault as an incident step writes it: webhook_fault:
// {drop|duplicate|reorder: true, delay: D, subscriber_status: N} (incident.WebhookFault is
// this type). The parser takes several keys at once; the fake applies one action per
// delivery, so only a form with one of them maps onto a rule (Fault).
type WebhookFault struct {
	// Mode is drop, duplicate or reorder; "" for none.
	Mode string
	// Delay makes the delivery due later on the fake's clock.
	Delay time.Duration
	// SubscriberStatus is the failing answer the subscriber gives instead of seeing it.
	SubscriberStatus int
}

// DBFault is a database fault as an incident step writes it: db_fault: {KEY: VALUE}
// (incident.DBFault is this type).
type DBFault struct {
	// Kind is reset, latency or refuse.
	Kind string
	// Phase is before_commit or after_commit for a reset (after_commit: the commit
	// acknowledgement is lost).
	Phase string
	// Duration is the added latency, or how long new connections are refused.
	Duration time.Duration
}

// KeyShape is what a YAML key of a family takes: the parser's view of the catalogue.
type KeyShape struct {
	Shape Shape
	// Words are the words the key's faults own (word shapes; also the statuses one fault
	// owns), in catalogue order.
	Words []string
	// MinStatus and Want describe a status parameter (ShapeStatus), Want also a duration
	// parameter.
	MinStatus int
	Want      string
}

// Keys lists the YAML keys of a family's faults in catalogue order, each once.
func Keys(fam Family) []string {
	var out []string
	for _, f := range Of(fam) {
		if !slices.Contains(out, f.Key) {
			out = append(out, f.Key)
		}
	}
	return out
}

// ShapeOf says what key of fam takes; false when no fault of fam has the key.
func ShapeOf(fam Family, key string) (KeyShape, bool) {
	var ks KeyShape
	found := false
	for _, f := range Of(fam) {
		if f.Key != key {
			continue
		}
		if !found || f.Word == "" {
			ks.Shape, ks.MinStatus, ks.Want = f.Shape, f.MinStatus, f.Want
		}
		found = true
		if f.Word != "" {
			ks.Words = append(ks.Words, f.Word)
		}
	}
	return ks, found
}

// Lookup finds the fault of fam that a YAML key and its value name: the one that owns word
// (a word shape, or a status it owns), else the key's parameterised fault with v checked.
// The incident parser calls it once it has read the value by ShapeOf; what it returns is
// the fault and its parameter.
func Lookup(fam Family, key, word string, v Value) (Fault, Value, error) {
	var param *Fault
	for _, f := range Of(fam) {
		if f.Key != key {
			continue
		}
		switch {
		case f.Word != "" && f.Word == word:
			return f, Value{}, nil
		case f.Word == "" && f.Shape != ShapeTrue:
			param = &f
		case f.Shape == ShapeTrue:
			return f, Value{}, nil
		}
	}
	if param == nil {
		if ks, ok := ShapeOf(fam, key); ok {
			return Fault{}, Value{}, fmt.Errorf("%s %q is not one of %s", key, word, strings.Join(ks.Words, ", "))
		}
		return Fault{}, Value{}, fmt.Errorf("unknown %s key %q (want one of %s)", fam.StepKey(), key, strings.Join(Keys(fam), ", "))
	}
	return *param, v, param.check(v)
}

// check says what is wrong with v as f's parameter (nothing for a fault without one).
func (f Fault) check(v Value) error {
	if f.Word != "" {
		return nil
	}
	switch f.Shape {
	case ShapeStatus:
		if v.Status < f.MinStatus || v.Status > 599 {
			return fmt.Errorf("%s: HTTP status %d is not %s", f.Key, v.Status, f.Want)
		}
	case ShapeDuration:
		if v.Duration <= 0 {
			return fmt.Errorf("%s: %v is not %s (it must be greater than 0)", f.Key, v.Duration, f.Want)
		}
	}
	return nil
}

// ownedStatus is the status a fault owns (status_429: 429), 0 for none.
func (f Fault) ownedStatus() int {
	if f.Shape != ShapeStatus || f.Word == "" {
		return 0
	}
	n, _ := strconv.Atoi(f.Word)
	return n
}

// Calcom is f's form on endpoint on ("" for create) with parameter v (a Calcom fault).
func (f Fault) Calcom(v Value, on string) CalcomFault {
	cf := CalcomFault{On: on, Kind: f.Key}
	switch f.Shape {
	case ShapePhase:
		cf.Phase = f.Word
	case ShapeField:
		cf.Field = f.Word
	case ShapeStatus:
		cf.Status = v.Status
		if owned := f.ownedStatus(); owned != 0 {
			cf.Status = owned
		}
	case ShapeDuration:
		cf.Delay = v.Duration
	}
	return cf
}

// Webhook is f's form with parameter v (a Webhook fault).
func (f Fault) Webhook(v Value) WebhookFault {
	switch f.Shape {
	case ShapeStatus:
		return WebhookFault{SubscriberStatus: v.Status}
	case ShapeDuration:
		return WebhookFault{Delay: v.Duration}
	}
	return WebhookFault{Mode: f.Key}
}

// DB is f's form with parameter v (a DB fault).
func (f Fault) DB(v Value) DBFault {
	if f.Shape == ShapeDuration {
		return DBFault{Kind: f.Key, Duration: v.Duration}
	}
	return DBFault{Kind: f.Key, Phase: f.Word}
}

// Fault finds the catalogue fault the form names, and its parameter.
func (c CalcomFault) Fault() (Fault, Value, error) {
	word := c.Phase
	if c.Field != "" {
		word = c.Field
	}
	if ks, _ := ShapeOf(Calcom, c.Kind); ks.Shape == ShapeStatus {
		word = strconv.Itoa(c.Status)
	}
	f, v, err := Lookup(Calcom, c.Kind, word, Value{Status: c.Status, Duration: c.Delay})
	if err == nil && c.On != "" && f.Endpoints != nil && !slices.Contains(f.Endpoints, c.On) {
		err = fmt.Errorf("%s on %s: %s", c.Kind, c.On, f.EndpointNote)
	}
	return f, v, err
}

// Keys lists the keys the form sets, in the order a file writes them.
func (w WebhookFault) Keys() []string {
	var out []string
	if w.Mode != "" {
		out = append(out, w.Mode)
	}
	if w.Delay != 0 {
		out = append(out, KeyDelay)
	}
	if w.SubscriberStatus != 0 {
		out = append(out, KeySubscriberStatus)
	}
	return out
}

// Fault finds the catalogue fault the form names, and its parameter. The fake applies one
// action per delivery, so a form with two keys (duplicate with a delay) is an error: give
// each its own step.
func (w WebhookFault) Fault() (Fault, Value, error) {
	keys := w.Keys()
	switch len(keys) {
	case 0:
		return Fault{}, Value{}, fmt.Errorf("webhook_fault: nothing to do")
	case 1:
	default:
		return Fault{}, Value{}, fmt.Errorf("webhook_fault %s combines %d actions; the fake applies one per delivery, so give each its own step", w, len(keys))
	}
	return Lookup(Webhook, keys[0], strconv.Itoa(w.SubscriberStatus), Value{Status: w.SubscriberStatus, Duration: w.Delay})
}

// Fault finds the catalogue fault the form names, and its parameter.
func (d DBFault) Fault() (Fault, Value, error) {
	return Lookup(DB, d.Kind, d.Phase, Value{Duration: d.Duration})
}

// CrashAt finds the crash fault of point (crash: after_calcom).
func CrashAt(point string) (Fault, error) {
	f, _, err := Lookup(Crash, KeyCrash, point, Value{})
	return f, err
}

// Describe renders f with parameter v as a step writes it under its family's key ("status:
// 503", "duplicate: true", "latency: 2s", "crash: after_calcom").
func (f Fault) Describe(v Value) string {
	switch f.Family {
	case Calcom:
		return f.Calcom(v, "").String()
	case Webhook:
		return f.Webhook(v).String()
	case DB:
		return f.DB(v).String()
	}
	return KeyCrash + ": " + f.Word
}

// String renders the form as a file writes its key and value ("reset: after_commit",
// "status: 500"), without the endpoint; for timelines and the comments of generated files.
func (c CalcomFault) String() string {
	ks, _ := ShapeOf(Calcom, c.Kind)
	switch ks.Shape {
	case ShapeDuration:
		return c.Kind + ": " + c.Delay.String()
	case ShapeStatus:
		return c.Kind + ": " + strconv.Itoa(c.Status)
	case ShapePhase:
		return c.Kind + ": " + c.Phase
	case ShapeField:
		return c.Kind + ": " + c.Field
	}
	return c.Kind + ": true"
}

// String renders the form as a file writes it ("duplicate: true, delay: 30s"); "" for none.
func (w WebhookFault) String() string {
	var parts []string
	for _, k := range w.Keys() {
		switch k {
		case KeyDelay:
			parts = append(parts, "delay: "+w.Delay.String())
		case KeySubscriberStatus:
			parts = append(parts, "subscriber_status: "+strconv.Itoa(w.SubscriberStatus))
		default:
			parts = append(parts, k+": true")
		}
	}
	return strings.Join(parts, ", ")
}

// String renders the form as a file writes it ("reset: after_commit", "latency: 2s").
func (d DBFault) String() string {
	if d.Phase != "" {
		return d.Kind + ": " + d.Phase
	}
	return d.Kind + ": " + d.Duration.String()
}
