package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/pgenv"
	"github.com/bookingharness/bookingharness/sim/blackbox"
	"github.com/bookingharness/bookingharness/sim/clock"
	"github.com/bookingharness/bookingharness/sim/fault"
	"github.com/bookingharness/bookingharness/sim/history"
)

// BlackBox makes a world drive a booking service the harness did not build — over the
// black-box contract (DESIGN §12, package blackbox) — instead of the reference core. The
// world keeps everything else: its own fake Cal.com in this process (the service reaches it
// over loopback), the recorder, the checker. Book and Cancel go through the contract and
// are recorded as the core's are; State reads the service's appointments with sut.yaml's
// SELECT. The service is started per world (sut.yaml needs command:) with the world's fake
// and a fresh database, and stopped by Close.
//
// Time follows sut.yaml's time: mode.
//
//   - header, faketime: the fake's virtual clock moves exactly as in-process; the service's
//     clock is the world's application clock (AppClock, skew included), sent as
//     X-Harness-Now on every call or written to libfaketime's timestamp file before it.
//   - age: the service keeps its wall clock, so the fake runs near it: the world's virtual
//     clock starts at the real now and follows it, every slot is shifted by TimeShift (whole
//     days, so the incident's slots are in the future and keep their time of day), and a gap
//     between steps (MoveTo) becomes ageing — the fake moves every booking's createdAt back
//     by the gap and sut.yaml's database.age ages the service's rows — instead of a jump of
//     the fake's clock. Now is the incident's own time (clock.start plus what has passed),
//     for timelines and histories.
//
// What no mode can do: a wait inside one request (Cal.com latency, a delay fault, the
// check/insert gap) passes on the fake's clock only — the service's clock for that request
// was set when it began (header) or is its wall clock (age). A {timeout: after_commit}
// fault ends at once on the virtual clock with the connection cut (see holdCutter): the
// service sees its Cal.com request fail after the booking was made, without waiting out its
// own client timeout in real time.
type BlackBox struct {
	// SUT is the parsed sut.yaml; it must have command: so the service talks to this
	// world's fake.
	SUT *blackbox.SUT
	// LogOutput, when set, also receives the service's output as it comes.
	LogOutput io.Writer
}

// ServiceSystem is what the black-box service of sut offers the fault injectors (package
// sim/fault): the contract alone — no webhook receiver, no database proxy, no restart the
// harness controls — in sut.yaml's time mode. A fault that needs more is refused, with the
// catalogue's reason, before the service is started.
func ServiceSystem(sut *blackbox.SUT) fault.System {
	return fault.System{Name: "the service of " + sut.File, BlackBox: true, TimeMode: string(sut.Time)}
}

// ErrLayersNotSwitchable is returned by NewWorld when a black-box world asks for fewer
// layers than all and the service reports none it can switch: the run could not be what
// it claims, so it is refused rather than run with the service's own layers.
var ErrLayersNotSwitchable = errors.New("sim: the service reports no layers it can switch (capabilities layers: [])")

// blackBoxState is what a black-box world adds to a World.
type blackBoxState struct {
	mode blackbox.TimeMode
	// shift is added to every slot start (age mode; 0 otherwise).
	shift time.Duration
	// layers is what the service runs; known is false when it reports no layers.
	layers core.Layers
	known  bool
	// Age mode's translation from the incident's time to the wall clock: at the start of
	// the current step the incident's time was logical, the fake's clock virtual and the
	// real clock real (virtual == real then).
	logical, virtual, real time.Time
}

// newBlackBoxWorld builds a world around the service of cfg.BlackBox (see BlackBox).
func newBlackBoxWorld(ctx context.Context, env *pgenv.Env, cfg Config) (w *World, err error) {
	s := cfg.BlackBox.SUT
	switch {
	case s == nil:
		return nil, errors.New("sim: BlackBox.SUT is required")
	case s.Command == nil:
		return nil, fmt.Errorf("sim: %s has no command: a black-box world starts the service itself, pointed at the world's own fake Cal.com (a service already running at base_url talks to another fake; check it with `bookingharness sut check --calcom-url`)", s.File)
	case s.Time == blackbox.TimeAge && cfg.AppSkew != 0:
		return nil, fmt.Errorf("sim: an application clock skew (%v) needs time: header or faketime; with time: age the service keeps its own wall clock", cfg.AppSkew)
	}
	bb := &blackBoxState{mode: s.Time}
	start := cfg.Start
	if s.Time == blackbox.TimeAge {
		now := time.Now().UTC().Round(0)
		bb.shift = wholeDaysAfter(now.Sub(cfg.Start))
		bb.logical, bb.virtual, bb.real = cfg.Start, now, now
		start = now
	}
	w = &World{Config: cfg, Clock: clock.NewVirtual(start), eventTypes: map[int64]fakecalcom.EventType{}, hostOf: map[int64]int64{}, bb: bb}
	defer func() {
		if err != nil {
			_ = w.Close(context.WithoutCancel(ctx))
		}
	}()
	w.AppClock = clock.Skewed{Base: w.Clock, Offset: cfg.AppSkew}
	for _, et := range cfg.EventTypes {
		w.eventTypes[int64(et.ID)] = et
	}
	key := blackbox.NewAPIKey()
	w.Fake = startCuttableFake(fakecalcom.Config{
		Clock: w.Clock, EventTypes: cfg.EventTypes, ForceReplay: cfg.ForceReplay, ConflictAnswer: cfg.ConflictAnswer,
		CheckInsertGap: cfg.CheckInsertGap, Latency: cfg.Latency, Seed: cfg.Seed, APIKey: key,
		BetweenCheckAndInsert: cfg.BetweenCheckAndInsert,
	}, w.Clock, cfg.ClientTimeout)
	bcfg := blackbox.Config{SUT: s, CalcomURL: w.Fake.URL, CalcomAPIKey: key, Postgres: env, AppSkew: cfg.AppSkew, LogOutput: cfg.BlackBox.LogOutput}
	if s.Time != blackbox.TimeAge {
		bcfg.Clock = w.AppClock.Now
	}
	if w.Target, err = blackbox.Open(ctx, bcfg); err != nil {
		return w, err
	}
	if err := w.switchLayers(ctx, cfg.Layers); err != nil {
		return w, err
	}
	var rc clock.Clock = w.Clock
	if s.Time == blackbox.TimeAge {
		rc = incidentClock{w}
	}
	w.Recorder = history.NewRecorder(rc, cfg.Capacity)
	return w, nil
}

// wholeDaysAfter rounds d up to whole days (0 for d ≤ 0).
func wholeDaysAfter(d time.Duration) time.Duration {
	const day = 24 * time.Hour
	if d <= 0 {
		return 0
	}
	return (d + day - 1) / day * day
}

// switchLayers makes the service run layers (restricted to the layers it has). A service
// that reports no layers runs its own: that is accepted only when every layer is asked for.
func (w *World) switchLayers(ctx context.Context, layers core.Layers) error {
	has := w.Target.Layers()
	if has == 0 {
		if layers != core.All() && layers != w.Config.Policy.Effective(core.All()) {
			return fmt.Errorf("%w; asked for layers %v", ErrLayersNotSwitchable, layers)
		}
		return nil
	}
	if err := w.Target.SetLayers(ctx, layers); err != nil {
		return err
	}
	w.bb.layers, w.bb.known = layers&has, true
	return nil
}

// BlackBoxed reports whether the world drives a black-box service (Target) rather than
// the reference core (Service).
func (w *World) BlackBoxed() bool { return w.Target != nil }

// Layers is what the system under test runs: the core's effective layers, or the layers
// the black-box service was switched to. known is false for a service that reports no
// layers (it runs its own, whatever they are).
func (w *World) Layers() (layers core.Layers, known bool) {
	if w.bb == nil {
		return w.Service.Layers(), true
	}
	return w.bb.layers, w.bb.known
}

// TimeShift is what every slot start is moved by in this world: zero, except for a
// black-box service with time: age, whose wall clock is today (see BlackBox).
func (w *World) TimeShift() time.Duration {
	if w.bb == nil {
		return 0
	}
	return w.bb.shift
}

// Now is the world's time on the incident's clock: the virtual clock, or — for a black-box
// service with time: age — clock.start plus everything that has passed since (gaps, waits
// and the real time the steps took).
func (w *World) Now() time.Time {
	if w.bb == nil || w.bb.mode != blackbox.TimeAge {
		return w.Clock.Now()
	}
	return w.bb.logical.Add(w.Clock.Now().Sub(w.bb.virtual))
}

// MoveTo brings the world to t on the incident's clock (never back): the virtual clock
// jumps there; for a black-box service with time: age the gap becomes ageing instead —
// Cal.com's bookings and the service's rows grow older by the gap minus the real time that
// passed meanwhile, and the fake's clock is brought back to the wall clock (see BlackBox).
func (w *World) MoveTo(ctx context.Context, t time.Time) error {
	if w.bb == nil || w.bb.mode != blackbox.TimeAge {
		if w.Clock.Now().Before(t) {
			w.Clock.Set(t)
		}
		return nil
	}
	now := w.Now()
	if t.Before(now) {
		t = now
	}
	real := time.Now().UTC().Round(0)
	if age := t.Sub(w.bb.logical) - real.Sub(w.bb.real); age > 0 {
		if err := w.Target.Advance(ctx, age); err != nil {
			return fmt.Errorf("sim: age the service's world by %v: %w", age, err)
		}
	}
	w.Clock.Set(real)
	w.bb.logical, w.bb.virtual, w.bb.real = t, real, real
	return nil
}

// incidentClock reads a world's Now, for the recorder of a time: age world.
type incidentClock struct{ w *World }

func (c incidentClock) Now() time.Time { return c.w.Now() }

// bookBlackBox books through the contract and records the attempt like Book does.
func (w *World) bookBlackBox(ctx context.Context, c BookCall) (core.Outcome, error) {
	if w.bb.mode == blackbox.TimeAge {
		w.Clock.AdvanceTo(time.Now()) // the fake follows the service's wall clock
	}
	tok := w.Recorder.Begin(c.CallID, history.KindBook, w.Slot(c))
	att := c.Attendee
	if att.TimeZone == "" {
		att.TimeZone = "Europe/Berlin"
	}
	o, err := w.Target.Book(ctx, blackbox.BookRequest{CallID: c.CallID, EventTypeID: c.EventTypeID, Start: c.Start.UTC().Add(w.bb.shift), Attendee: att})
	endErr := w.Recorder.End(tok, o.Response(err))
	out := core.Outcome{Kind: o.Kind, AppointmentID: o.AppointmentID, BookingUID: o.BookingUID, Layer: o.Layer, Reason: o.Reason}
	return out, errors.Join(err, endErr)
}

// ErrCancelRefused wraps a black-box service's definite refusal of a cancel (outcome
// error): nothing changed, as with core.ErrNothingToCancel.
var ErrCancelRefused = errors.New("sim: the service refused the cancel")

// CancelOutcome is the history's outcome of a cancel that returned err: cancelled when
// nil, a definite failure when nothing was (or could be) cancelled, unknown otherwise.
func CancelOutcome(err error) string {
	switch {
	case err == nil:
		return history.OutcomeCancelled
	case errors.Is(err, core.ErrNothingToCancel), errors.Is(err, ErrCancelRefused):
		return history.OutcomeError
	}
	return history.OutcomeUnknown
}

// cancelBlackBox cancels through the contract and records the attempt like Cancel does.
func (w *World) cancelBlackBox(ctx context.Context, callID string, slot history.SlotKey) (core.CancelResult, error) {
	tok := w.Recorder.Begin(callID, history.KindCancel, slot)
	o, err := w.Target.Cancel(ctx, callID)
	switch o.Kind {
	case blackbox.NothingToCancel:
		err = fmt.Errorf("%w (the service answered nothing_to_cancel)", core.ErrNothingToCancel)
	case blackbox.CancelError:
		err = fmt.Errorf("%w: %s", ErrCancelRefused, o.Reason)
	}
	endErr := w.Recorder.End(tok, history.Response{Outcome: o.HistoryOutcome(), Err: err})
	return core.CancelResult{}, errors.Join(err, endErr)
}

// cutKey carries the function that ends a held request of a black-box world's fake.
type cutKey struct{}

// startCuttableFake starts the fake of a black-box world. A {timeout: after_commit} fault
// makes the fake hold its answer until the client gives up; a black-box service's client
// gives up in real time (often 10 s or more). Here the hold ends at once instead: the
// virtual clock moves by timeout — the client waited that long — and the connection is cut,
// so the service sees its request fail after Cal.com booked, as a timeout would leave it,
// and no real time decides the outcome.
func startCuttableFake(cfg fakecalcom.Config, clk *clock.Virtual, timeout time.Duration) *fakecalcom.Server {
	cfg.OnHold = func(r *http.Request) {
		if cut, ok := r.Context().Value(cutKey{}).(context.CancelFunc); ok {
			clk.AdvanceTo(clk.Now().Add(timeout))
			cut()
		}
	}
	s := fakecalcom.NewUnstarted(cfg)
	inner := s.HTTP.Handler
	s.HTTP.Handler = http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		inner.ServeHTTP(rw, r.WithContext(context.WithValue(ctx, cutKey{}, context.CancelFunc(cancel))))
	})
	s.Start()
	return s
}
