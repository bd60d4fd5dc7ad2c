package world

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
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/clock"
	"github.com/bookingharness/bookingharness/sim/fault"
	"github.com/bookingharness/bookingharness/sim/history"
)

// BlackBox makes a world drive a booking service the harness did not build — over the
// black-box contract (package sim/blackbox) — instead of the reference core. The world
// keeps everything else: its own fake Cal.com in this process (the service reaches it over
// loopback), the recorder, the checker. Book and Cancel go through the contract and are
// recorded as the core's are; the appointments are read with sut.yaml's SELECT. The service
// is started per world (sut.yaml needs command:) with the world's fake and a fresh
// database, and stopped by Close.
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

// ErrLayersNotSwitchable is returned by New when a black-box world asks for fewer layers than
// all and the service reports none it can switch: the run could not be what it claims, so it
// is refused rather than run with the service's own layers.
var ErrLayersNotSwitchable = errors.New("world: the service reports no layers it can switch (capabilities layers: [])")

// Service is a booking service behind the black-box contract as a world's system under
// test (see BlackBox): Target drives it, reads its rows and keeps its output and its
// contract findings.
type Service struct {
	Target *blackbox.Target
	sut    *blackbox.SUT
	// layers is what the service runs; known is false when it reports no layers.
	layers core.Layers
	known  bool
}

// openService starts the service of w's Config.BlackBox (see BlackBox) against w's fake.
func openService(ctx context.Context, env *pgenv.Env, w *World) (SUT, error) {
	cfg := w.Config
	s := cfg.BlackBox.SUT
	sys := fault.System{BlackBox: true}
	if s != nil {
		sys = ServiceSystem(s)
	}
	switch {
	case s == nil:
		return nil, errors.New("world: BlackBox.SUT is required")
	case s.Command == nil:
		return nil, fmt.Errorf("world: %s has no command: a black-box world starts the service itself, pointed at the world's own fake Cal.com (a service already running at base_url talks to another fake; check it with `bookingharness sut check --calcom-url`)", s.File)
	case s.Time == blackbox.TimeAge && cfg.AppSkew != 0:
		return nil, fmt.Errorf("world: an application clock skew (%v) needs time: header or faketime; with time: age the service keeps its own wall clock", cfg.AppSkew)
	case cfg.Webhooks != nil && !sys.Offers(fault.NeedWebhookReceiver):
		return nil, fmt.Errorf("world: Config.Webhooks: %s %s", sys.Name, fault.NeedWebhookReceiver.Reason())
	case cfg.DBFaults && !sys.Offers(fault.NeedProxy):
		return nil, fmt.Errorf("world: Config.DBFaults: %s %s", sys.Name, fault.NeedProxy.Reason())
	}
	var age *ageTime
	if s.Time == blackbox.TimeAge {
		age = newAgeTime(cfg.Start)
		w.startClocks(age.virtual, func(clk *clock.Virtual) timeline { age.clk = clk; return age })
	} else {
		w.startClocks(cfg.Start, func(clk *clock.Virtual) timeline { return virtualTime{clk: clk} })
	}
	key := blackbox.NewAPIKey()
	cut := holdCutter{clk: w.Clock, timeout: cfg.ClientTimeout}
	calcomURL, err := w.startFake(func(fc *fakecalcom.Config) { fc.APIKey, fc.OnHold = key, cut.onHold }, cut.wrap)
	if err != nil {
		return nil, err
	}
	bcfg := blackbox.Config{SUT: s, CalcomURL: w.Fake.URL, ServiceCalcomURL: calcomURL, CalcomAPIKey: key, Postgres: env, AppSkew: cfg.AppSkew, LogOutput: cfg.BlackBox.LogOutput}
	if s.Time != blackbox.TimeAge {
		bcfg.Clock = w.AppClock.Now
	}
	target, err := blackbox.Open(ctx, bcfg)
	if err != nil {
		return nil, err
	}
	svc := &Service{Target: target, sut: s}
	if age != nil {
		age.ager = target
	}
	if err := svc.switchLayers(ctx, cfg.Policy, cfg.Layers); err != nil {
		_ = svc.Close(context.WithoutCancel(ctx)) // the error that matters is err
		return nil, err
	}
	return svc, nil
}

// switchLayers makes the service run layers (restricted to the layers it has). A service
// that reports no layers runs its own: that is accepted only when every layer is asked for.
func (s *Service) switchLayers(ctx context.Context, policy core.Policy, layers core.Layers) error {
	has := s.Target.Layers()
	if has == 0 {
		if layers != core.All() && layers != policy.Effective(core.All()) {
			return fmt.Errorf("%w; asked for layers %v", ErrLayersNotSwitchable, layers)
		}
		return nil
	}
	if err := s.Target.SetLayers(ctx, layers); err != nil {
		return err
	}
	s.layers, s.known = layers&has, true
	return nil
}

// Layers is what the service was switched to; known is false for a service that reports
// no layers.
func (s *Service) Layers() (core.Layers, bool) { return s.layers, s.known }

// Offers is the contract alone (ServiceSystem).
func (s *Service) Offers() fault.System { return ServiceSystem(s.sut) }

// Book books through the contract.
func (s *Service) Book(ctx context.Context, c BookCall) (core.Outcome, history.Response, error) {
	att := c.Attendee
	if att.TimeZone == "" {
		att.TimeZone = "Europe/Berlin"
	}
	o, err := s.Target.Book(ctx, blackbox.BookRequest{CallID: c.CallID, EventTypeID: c.EventTypeID, Start: c.Start.UTC(), Attendee: att})
	out := core.Outcome{Kind: o.Kind, AppointmentID: o.AppointmentID, BookingUID: o.BookingUID, Layer: o.Layer, Reason: o.Reason}
	return out, o.Response(err), err
}

// Cancel cancels through the contract: nothing_to_cancel is core.ErrNothingToCancel, a
// refusal ErrCancelRefused.
func (s *Service) Cancel(ctx context.Context, callID string) (core.CancelResult, history.Response, error) {
	o, err := s.Target.Cancel(ctx, callID)
	switch o.Kind {
	case blackbox.NothingToCancel:
		err = fmt.Errorf("%w (the service answered nothing_to_cancel)", core.ErrNothingToCancel)
	case blackbox.CancelError:
		err = fmt.Errorf("%w: %s", ErrCancelRefused, o.Reason)
	}
	return core.CancelResult{}, history.Response{Outcome: o.HistoryOutcome(), Err: err}, err
}

// Appointments reads the service's rows with sut.yaml's SELECT (host ids straight from it).
func (s *Service) Appointments(ctx context.Context) ([]check.Appointment, error) {
	return s.Target.Appointments(ctx)
}

// Restart is not offered yet: the harness does not kill and restart a service's process
// (fault.NeedRestart).
func (s *Service) Restart(context.Context) error {
	return fmt.Errorf("world: restart %s: %s", s.sut.File, fault.NeedRestart.Reason())
}

// Close stops the service and drops its database.
func (s *Service) Close(ctx context.Context) error { return s.Target.Close(ctx) }

// holdCutter ends a black-box world's held answers. A {timeout: after_commit} fault makes
// the fake hold its answer until the client gives up; a black-box service's client gives up
// in real time (often 10 s or more). Here the hold ends at once instead: the virtual clock
// moves by timeout — the client waited that long — and the connection is cut, so the
// service sees its request fail after Cal.com booked, as a timeout would leave it, and no
// real time decides the outcome.
type holdCutter struct {
	clk     *clock.Virtual
	timeout time.Duration
}

// cutKey carries the function that ends a held request of a black-box world's fake.
type cutKey struct{}

// wrap gives every request the function that cuts it.
func (h holdCutter) wrap(inner http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		inner.ServeHTTP(rw, r.WithContext(context.WithValue(ctx, cutKey{}, context.CancelFunc(cancel))))
	})
}

// onHold is the fake's OnHold hook: the client waited its timeout, and the connection goes.
func (h holdCutter) onHold(r *http.Request) {
	if cut, ok := r.Context().Value(cutKey{}).(context.CancelFunc); ok {
		h.clk.AdvanceTo(h.clk.Now().Add(h.timeout))
		cut()
	}
}
