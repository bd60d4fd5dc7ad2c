package world

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/pgenv"
	"github.com/bookingharness/bookingharness/sim/blackbox"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/clock"
	"github.com/bookingharness/bookingharness/sim/fault"
	"github.com/bookingharness/bookingharness/sim/history"
	"github.com/bookingharness/bookingharness/sim/pgproxy"
)

// BlackBox makes a world drive a booking service the harness did not build — over the
// black-box contract (package sim/blackbox) — instead of the reference core. The world
// keeps everything else: its own fake Cal.com in this process (the service reaches it over
// loopback), the recorder, the checker. Book and Cancel go through the contract and are
// recorded as the core's are; the appointments are read with sut.yaml's SELECT. The service
// is started per world (sut.yaml needs command:) with the world's fake and a fresh
// database, and stopped by Close.
//
// What the harness owns besides the contract (docs/blackbox.md):
//
//   - the database: the service's DSN points at the harness's wire proxy (sim/pgproxy) in
//     front of its fresh database unless sut.yaml says database.proxy: false, so database
//     faults reach it and the concurrency that reached it shows in its statements; a
//     statement belongs to the call whose id (or booking uid) is among its parameters, else
//     to the one booking attempt outstanding, if there is exactly one (a sequential step);
//   - the webhooks: with sut.yaml webhooks: the fake subscribes base_url+path with a secret
//     the harness chooses (the file's calcom.webhooks.secret, else a fresh one), handed to
//     the service in webhooks.secret_env;
//   - the process group: Crash kills it (SIGKILL) at a point of a booking, Restart starts it
//     again with the same command and waits for its health route.
//
// Time follows sut.yaml's time: mode (or BlackBox.Time).
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
// A wait inside one request (a delay fault, the check/insert gap) passes on the fake's clock;
// under faketime the service's clock follows it within the request, under header and age it
// does not (its clock for that request was fixed when it began, or is its wall clock). A
// {timeout: after_commit} fault ends at once on the virtual clock with the connection cut
// (see holdCutter): the service sees its Cal.com request fail after the booking was made,
// without waiting out its own client timeout in real time.
type BlackBox struct {
	// SUT is the parsed sut.yaml; it must have command: so the service talks to this
	// world's fake.
	SUT *blackbox.SUT
	// LogOutput, when set, also receives the service's output as it comes.
	LogOutput io.Writer
	// Time, when set, runs the service in this time mode instead of sut.yaml's: an exact
	// mode the service offers (capabilities), for a file that needs one.
	Time blackbox.TimeMode
	// Capabilities, when known (sut check), is what the service said it can do: the replay
	// picks an exact time mode for a file that needs one from it.
	Capabilities *blackbox.CapabilitiesAnswer
}

// sut is the sut.yaml the world runs: BlackBox.SUT with BlackBox.Time.
func (b *BlackBox) sut() *blackbox.SUT {
	if b.SUT == nil || b.Time == "" || b.Time == b.SUT.Time {
		return b.SUT
	}
	s := *b.SUT
	s.Time = b.Time
	return &s
}

// ServiceSystem is what the black-box service of sut offers the fault injectors (package
// sim/fault), in sut.yaml's time mode: its webhook receiver (webhooks:), the database proxy
// (unless database.proxy: false) and a restart the harness controls (command:). A fault
// that needs more is refused, with the catalogue's reason, before the service is started.
func ServiceSystem(sut *blackbox.SUT) fault.System {
	sys := fault.System{Name: "the service of " + sut.File, BlackBox: true, TimeMode: string(sut.Time)}
	if sut.Webhooks != nil {
		sys.Offered = append(sys.Offered, fault.NeedWebhookReceiver)
	}
	if sut.Database.ProxyAllowed(sut) {
		sys.Offered = append(sys.Offered, fault.NeedProxy)
	}
	if sut.Command != nil {
		sys.Offered = append(sys.Offered, fault.NeedRestart)
	}
	return sys
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
	w      *World
	// layers is what the service runs; known is false when it reports no layers.
	layers core.Layers
	known  bool
	// proxy is the wire proxy in front of its database (nil: database.proxy: false).
	proxy *pgproxy.Proxy
	// points are what AfterCalcom armed, run when the fake has decided a create.
	points points
	crash  crashes
	// started is Target once Open has returned, for the fake's goroutines (followClock).
	started atomic.Pointer[blackbox.Target]
	// uids holds the booking uid each call's latest create was decided with (call → uid).
	uids sync.Map
}

// openService starts the service of w's Config.BlackBox (see BlackBox) against w's fake.
func openService(ctx context.Context, env *pgenv.Env, w *World) (SUT, error) {
	cfg := w.Config
	s := cfg.BlackBox.sut()
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
	case cfg.Webhooks != nil && cfg.Webhooks.URL == "" && !sys.Offers(fault.NeedWebhookReceiver):
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
	svc := &Service{sut: s, w: w}
	key := blackbox.NewAPIKey()
	cut := holdCutter{clk: w.Clock, timeout: cfg.ClientTimeout}
	calcomURL, err := w.startFake(func(fc *fakecalcom.Config) {
		fc.APIKey, fc.OnHold = key, cut.onHold
		fc.OnCreate = svc.onCreate
		switch {
		case s.Time == blackbox.TimeFaketime:
			fc.Clock = followingClock{Virtual: w.Clock, moved: svc.followClock}
		case s.Time == blackbox.TimeAge && cfg.Latency > 0 && fc.RealLatency == nil:
			// The service's wall clock sees Cal.com's latency only if it passes for real.
			fc.RealLatency = func(fakecalcom.LatencyRequest) time.Duration { return cfg.Latency }
		}
	}, cut.wrap)
	if err != nil {
		return nil, err
	}
	bcfg := blackbox.Config{SUT: s, CalcomURL: w.Fake.URL, ServiceCalcomURL: calcomURL, CalcomAPIKey: key, Postgres: env, AppSkew: cfg.AppSkew,
		LogOutput: cfg.BlackBox.LogOutput, WebhookSecret: webhookSecret(cfg.Webhooks)}
	if s.Time != blackbox.TimeAge {
		bcfg.Clock = w.AppClock.Now
	}
	if sys.Offers(fault.NeedProxy) {
		bcfg.DatabaseFront = svc.startProxy
	}
	defer func() {
		if err != nil {
			_ = svc.Close(context.WithoutCancel(ctx)) // the error that matters is err
		}
	}()
	if svc.Target, err = blackbox.Open(ctx, bcfg); err != nil {
		return nil, err
	}
	svc.started.Store(svc.Target)
	if age != nil {
		age.ager = svc.Target
	}
	if err = svc.subscribe(bcfg.WebhookSecret); err != nil {
		return nil, err
	}
	if err = svc.switchLayers(ctx, cfg.Policy, cfg.Layers); err != nil {
		return nil, err
	}
	return svc, nil
}

// onCreate is the fake's Config.OnCreate: what AfterCalcom armed runs the moment a create
// is decided, then the world follows the race (the hold included).
func (s *Service) onCreate(ctx context.Context, e fakecalcom.CreateEvent) {
	if e.Phase == fakecalcom.CreateDecided {
		s.uids.Store(e.CallID, e.UID)
		_ = s.points.run(ctx, core.HookAfterCalcom, e.CallID) // a service's crash is a kill, not an error
		s.crashNow(e.CallID)
	}
	s.w.races.onCreate(ctx, e)
}

// followClock brings a faketime service's clock to the world's (followingClock).
func (s *Service) followClock() {
	if t := s.started.Load(); t != nil {
		_ = t.FollowClock() // a failed write shows as a wrong clock, which the run judges
	}
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

// Offers is what sut.yaml declares (ServiceSystem).
func (s *Service) Offers() fault.System { return ServiceSystem(s.sut) }

// Book books through the contract. An attempt during which Crash killed the service wraps
// ErrCrashed.
func (s *Service) Book(ctx context.Context, c BookCall) (core.Outcome, history.Response, error) {
	att := c.Attendee
	if att.TimeZone == "" {
		att.TimeZone = "Europe/Berlin"
	}
	if err := s.crash.waitUp(ctx); err != nil {
		return core.Outcome{Kind: core.Unknown, Reason: err.Error()}, history.Response{Outcome: history.OutcomeUnknown, Err: err}, err
	}
	kills := s.crash.count()
	o, err := s.Target.Book(ctx, blackbox.BookRequest{CallID: c.CallID, EventTypeID: c.EventTypeID, Start: c.Start.UTC(), Attendee: att})
	if own := s.crash.took(c.CallID); own || (s.crash.count() != kills && o.Kind == core.Unknown) {
		// Killed during this booking, or in flight when a crash killed the service: unknown,
		// and no answer is the crash's doing, not a broken contract.
		s.Target.Excuse(c.CallID)
		o = blackbox.Outcome{Kind: core.Unknown, Reason: "the service's process was killed while this booking was in flight (crash:)"}
		err = fmt.Errorf("%w: %s", ErrCrashed, o.Reason)
	}
	out := core.Outcome{Kind: o.Kind, AppointmentID: o.AppointmentID, BookingUID: o.BookingUID, Layer: o.Layer, Reason: o.Reason}
	return out, o.Response(err), err
}

// Cancel cancels through the contract: nothing_to_cancel is core.ErrNothingToCancel, a
// refusal ErrCancelRefused.
func (s *Service) Cancel(ctx context.Context, callID string) (core.CancelResult, history.Response, error) {
	if err := s.crash.waitUp(ctx); err != nil {
		return core.CancelResult{}, history.Response{Outcome: history.OutcomeUnknown, Err: err}, err
	}
	o, err := s.Target.Cancel(ctx, callID)
	switch o.Kind {
	case blackbox.NothingToCancel:
		err = fmt.Errorf("%w (the service answered nothing_to_cancel)", core.ErrNothingToCancel)
	case blackbox.CancelError:
		err = fmt.Errorf("%w: %s", ErrCancelRefused, o.Reason)
	}
	return core.CancelResult{}, history.Response{Outcome: o.HistoryOutcome(), Err: err}, err
}

// Appointments reads the service's rows with sut.yaml's SELECT (host ids straight from it),
// around the proxy.
func (s *Service) Appointments(ctx context.Context) ([]check.Appointment, error) {
	return s.Target.Appointments(ctx)
}

// Close stops the service, its proxy and drops its database.
func (s *Service) Close(ctx context.Context) error {
	var errs []error
	if s.Target != nil {
		errs = append(errs, s.Target.Close(ctx))
	}
	if s.proxy != nil {
		_ = s.proxy.Close() // its listener's close error says nothing about the run
	}
	return errors.Join(errs...)
}

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
