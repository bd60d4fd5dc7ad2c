package replay

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/pgenv"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/history"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/world"
)

// MaxAttempts bounds how often a black-box file whose concurrent step proved nothing (its
// requests never raced inside the service) is run again, each time in a fresh world: a
// server that only sometimes serialises requests (PHP's built-in server hands two
// connections to one worker at times) gets its race on another run, and a service that
// always serialises stays inconclusive. Every attempt is reported.
const MaxAttempts = 5

// Run replays inc in a fresh world on env and checks it. The error is non-nil only when the
// replay could not run (Postgres unavailable, a world that cannot be built); a replay whose
// expectations fail returns a Result with !OK() and a nil error. A black-box run that is
// only inconclusive runs again, up to MaxAttempts times in all (Result.Attempts).
func Run(ctx context.Context, env *pgenv.Env, inc *incident.Incident, opts Options) (*Result, error) {
	var earlier []string
	for attempt := 1; ; attempt++ {
		res, err := runOnce(ctx, env, inc, opts)
		if err != nil || res.Inconclusive == "" || len(res.Failures) > 0 || attempt == MaxAttempts {
			if res != nil {
				res.Attempts, res.InconclusiveAttempts = attempt, earlier
			}
			return res, err
		}
		earlier = append(earlier, res.Inconclusive)
	}
}

// runOnce is one replay of inc in a fresh world (see Run).
func runOnce(ctx context.Context, env *pgenv.Env, inc *incident.Incident, opts Options) (res *Result, err error) {
	began := time.Now()
	p, err := newPlan(inc, opts)
	if err != nil {
		return nil, err
	}
	if opts.BlackBox != nil && opts.BlackBox.SUT != nil {
		bb, reason, declared := blackBoxRun(inc, opts)
		if reason != "" {
			res := skipped(inc, p, opts, reason, began)
			res.SkipDeclared = declared
			return res, nil
		}
		opts.BlackBox = bb
	}
	if err := CheckSupported(inc); err != nil {
		return nil, err
	}
	cfg := worldConfig(inc, p, opts)
	w, err := world.New(ctx, env, cfg)
	if errors.Is(err, world.ErrLayersNotSwitchable) {
		return skipped(inc, p, opts, "layers "+p.layers.String()+": "+err.Error(), began), nil
	}
	if err != nil {
		return nil, fmt.Errorf("replay: %s: build the world: %w", inc.File, err)
	}
	defer func() {
		if cerr := w.Close(context.WithoutCancel(ctx)); cerr != nil && err == nil {
			err = fmt.Errorf("replay: %s: tear the world down: %w", inc.File, cerr)
		}
		if res != nil {
			res.TotalMS = ms(time.Since(began))
		}
	}()
	res = &Result{
		File: inc.File, Name: inc.Name, Description: inc.Description,
		Policy: string(p.policy), Layers: layersOf(w),
		FilePolicy: inc.Policy, FileLayers: p.fileLayers.String(), Expectations: p.expectations,
		Start: inc.Clock.Start, AppSkew: inc.Clock.AppSkew.String(), Steps: []Step{}, Failures: []string{},
		SetupMS: ms(time.Since(began)),
	}
	describeBlackBox(res, w, inc, &p, opts)
	ran := time.Now()
	r := &runner{w: w, inc: inc, plan: p, res: res, slots: map[string]history.SlotKey{}, db: map[string]*dbArm{}, uids: map[string]string{},
		keepHistory: opts.KeepHistory}
	for i, st := range inc.Steps {
		from, mark := len(res.Steps), r.logMark()
		if err := r.step(ctx, i, st); err != nil {
			return nil, err
		}
		r.attachLog(from, mark)
	}
	res.RunMS = ms(time.Since(ran))
	checked := time.Now()
	if err := r.final(ctx); err != nil {
		return nil, err
	}
	if err := r.finishBlackBox(); err != nil {
		return nil, err
	}
	res.CheckMS = ms(time.Since(checked))
	if opts.AfterRun != nil {
		if err := opts.AfterRun(ctx, w); err != nil {
			return nil, fmt.Errorf("replay: %s: after run: %w", inc.File, err)
		}
	}
	return res, nil
}

func worldConfig(inc *incident.Incident, p plan, opts Options) world.Config {
	cfg := world.Config{
		Policy: p.policy, Layers: p.layers, Start: inc.Clock.Start, AppSkew: inc.Clock.AppSkew,
		Latency: inc.Calcom.Latency, ForceReplay: inc.Calcom.ForceReplay, ClientTimeout: opts.ClientTimeout,
		Logger: opts.Logger, Capacity: 64, DBFaults: usesDBFaults(inc),
	}
	cfg.ConflictAnswer = fakecalcom.ConflictAnswer(inc.Calcom.ConflictAnswer) // "" keeps the world's default
	cfg.CheckInsertGap = inc.Calcom.CheckInsertGap
	cfg.EventTypes = CalcomConfig(inc.Calcom).EventTypes
	if w := inc.Calcom.Webhooks; w != nil { // url "" → the core's handler (world.Config.Webhooks)
		cfg.Webhooks = &fakecalcom.Webhooks{Delivery: fakecalcom.Delivery(w.Delivery), Secret: w.Secret, URL: w.URL}
	}
	if h := inc.Calcom.Hold; h != nil {
		cfg.Hold = &world.Hold{CreatesPerSlot: h.CreatesPerSlot, Max: h.Max}
	}
	cfg.BlackBox, cfg.Front = opts.BlackBox, opts.Front
	return cfg
}

// runner carries one replay's state through its steps.
type runner struct {
	w     *world.World
	inc   *incident.Incident
	plan  plan
	res   *Result
	slots map[string]history.SlotKey // call → the slot of its latest booking step
	db    map[string]*dbArm          // entry path → its armed db_fault
	uids  map[string]string          // call → the uid its latest step says it holds ("" for none)
	// logMarks are where a black-box service's output stood when each step began.
	logMarks []int64
	// keepHistory is Options.KeepHistory.
	keepHistory bool
}

func (r *runner) step(ctx context.Context, i int, st incident.Step) error {
	if err := r.w.MoveTo(ctx, r.inc.Clock.Start.Add(st.At)); err != nil {
		return fmt.Errorf("replay: %s: steps[%d]: %w", r.inc.File, i, err)
	}
	path := fmt.Sprintf("steps[%d]", i)
	switch {
	case st.Host != nil:
		return r.host(ctx, path, st)
	case st.Cancel != nil:
		return r.cancel(ctx, path, st)
	case st.Book != nil:
		return r.books(ctx, path, st, []incident.Book{*st.Book}, false)
	default:
		return r.books(ctx, path, st, st.Concurrent, true)
	}
}

// books runs one booking step: a single book, or the entries of a concurrent step at once.
// Each entry's faults are armed for the step and disarmed when it ends.
func (r *runner) books(ctx context.Context, path string, st incident.Step, books []incident.Book, concurrent bool) error {
	paths := make([]string, len(books))
	calls := make([]world.BookCall, len(books))
	var disarm []func()
	defer func() {
		for _, undo := range disarm {
			undo()
		}
	}()
	for j, b := range books {
		paths[j] = path
		if concurrent {
			paths[j] = fmt.Sprintf("%s.concurrent[%d]", path, j)
		}
		undo, err := r.arm(paths[j], b)
		disarm = append(disarm, undo...)
		if err != nil {
			return fmt.Errorf("replay: %s: %s: %w", r.inc.File, paths[j], err)
		}
		calls[j] = r.bookCall(b)
	}
	now, t0 := r.w.Now(), time.Now()
	var results []world.Result
	if concurrent {
		r.w.ResetContention()
		results = r.w.Concurrent(ctx, calls)
		r.contention(path)
	} else {
		out, err := r.w.Book(ctx, calls[0])
		results = []world.Result{{Call: calls[0], Outcome: out, Err: err}}
	}
	elapsed := time.Since(t0)
	died := false
	for j, b := range books {
		r.record(paths[j], st, b, now, elapsed, concurrent, results[j].Outcome, results[j].Err)
		died = died || crashed(results[j].Err)
	}
	if died {
		return r.restart(ctx, path, st)
	}
	return nil
}

func (r *runner) bookCall(b incident.Book) world.BookCall {
	c := world.BookCall{CallID: b.Call, EventTypeID: b.EventType, Start: b.Start, Attendee: core.Attendee{
		Name: b.Attendee.Name, Email: b.Attendee.Email, Phone: b.Attendee.Phone, TimeZone: b.Attendee.TimeZone}}
	r.slots[b.Call] = r.w.Slot(c)
	return c
}

// LayerOf is the deciding layer of an outcome as incident files name it: the core's layer,
// "calcom" when Cal.com's own answer decided, "" when nothing stopped the booking.
func LayerOf(o core.Outcome) string {
	switch {
	case o.Layer != "":
		return string(o.Layer)
	case o.CalcomError != "":
		return incident.DecidedByCalcom
	}
	return ""
}

func (r *runner) record(path string, st incident.Step, b incident.Book, now time.Time, elapsed time.Duration, concurrent bool, out core.Outcome, err error) {
	s := Step{
		Path: path, Line: b.Line, At: st.At.String(), Time: now, Kind: "book", Call: b.Call, Concurrent: concurrent,
		EventType: b.EventType, SlotStart: b.Start, AttendeeEmail: b.Attendee.Email, Fault: r.describeInjections(path, b, err),
		WebhookFault: describeWebhookFault(b.WebhookFault),
		Outcome:      string(out.Kind), Layer: r.layerOf(out, b.Call), Reason: out.Reason, AppointmentID: out.AppointmentID,
		BookingUID: out.BookingUID, Recovered: out.Recovered, Decisions: decisionsOf(out.Decisions),
		Expect: r.plan.stepExpect(b), Pass: true, ElapsedMS: ms(elapsed),
	}
	if s.Outcome == "" {
		s.Outcome = string(core.Unknown)
	}
	r.uids[b.Call] = heldUID(out)
	if err != nil {
		s.Error = err.Error()
	}
	if e := s.Expect; e != nil && (e.Outcome != s.Outcome || (e.Layer != "" && e.Layer != s.Layer)) {
		s.Pass = false
		s.Message = fmt.Sprintf("%s (line %d) %s: want %s, got %s", path, b.Line, b.Call, describe(e.Outcome, e.Layer), describe(s.Outcome, s.Layer))
		r.res.Failures = append(r.res.Failures, s.Message)
	}
	r.res.Steps = append(r.res.Steps, s)
}

func describe(outcome, layer string) string {
	if layer == "" {
		return outcome
	}
	return outcome + " (" + layer + ")"
}

func (r *runner) cancel(ctx context.Context, path string, st incident.Step) error {
	call := st.Cancel.Call
	undo, err := r.armWebhookFault(path, call, st.Cancel.WebhookFault)
	defer undo()
	if err != nil {
		return fmt.Errorf("replay: %s: %w", r.inc.File, err)
	}
	now, t0 := r.w.Now(), time.Now()
	res, err := r.w.Cancel(ctx, call, r.slots[call])
	s := Step{Path: path, Line: st.Line, At: st.At.String(), Time: now, Kind: "cancel", Call: call,
		WebhookFault: describeWebhookFault(st.Cancel.WebhookFault),
		Outcome:      world.CancelOutcome(err), Decisions: []Decision{}, Pass: true, ElapsedMS: ms(time.Since(t0))}
	if len(res.BookingUIDs) > 0 {
		s.BookingUID = res.BookingUIDs[0]
	}
	if len(res.AppointmentIDs) > 0 {
		s.AppointmentID = res.AppointmentIDs[0]
	}
	if err != nil {
		s.Error = err.Error()
	}
	r.res.Steps = append(r.res.Steps, s)
	return nil
}

// final lets every pending webhook land (the clock moves to the last delayed one), reads the
// end state, runs the checker and asserts the final expectations.
func (r *runner) final(ctx context.Context) error {
	if err := r.w.SettleWebhooks(ctx); err != nil {
		return fmt.Errorf("replay: %s: deliver the pending webhooks: %w", r.inc.File, err)
	}
	state, err := r.w.State(ctx)
	if err != nil {
		return fmt.Errorf("replay: %s: %w", r.inc.File, err)
	}
	ops := r.w.Recorder.Operations()
	report := check.Check(ops, state)
	if err := report.Err(); err != nil {
		return fmt.Errorf("replay: %s: the invariant check could not judge the run: %w", r.inc.File, err)
	}
	if r.plan.policy == core.PolicyHardened && r.inc.Policy != incident.PolicyHardened && len(report.Violations) == 0 {
		r.res.FixedByHardened = slices.Clone(r.inc.Expect.Violations)
	}
	var want FinalExpect
	switch {
	case r.plan.assertFinal:
		want.Violations = r.plan.final.Violations
		if want.Violations == nil {
			want.Violations = []string{}
		}
		want.Appointments, want.CalcomBookings = r.plan.final.Appointments, r.plan.final.CalcomBookings
	case r.plan.noViolations:
		want.Violations = []string{}
	}
	var failures []string
	r.res.Final, r.res.Violations, failures = JudgeFinal(report, state, want)
	r.res.Failures = append(r.res.Failures, failures...)
	if r.keepHistory {
		r.res.kept = &kept{ops: ops, state: state, report: report}
	}
	return nil
}

// FinalExpect is what a run asserts about its end: the violated invariants (nil: not
// asserted) and the live counts (nil: not asserted).
type FinalExpect struct {
	Violations                   []string
	Appointments, CalcomBookings *int
}

// JudgeFinal holds a checker's report and the final state it judged to want: the final
// counts, each violation marked expected or not, and every failed expectation. The replay's
// last step, and `bookingharness check` on a history file, judge with it.
func JudgeFinal(report check.Report, state check.State, want FinalExpect) (Final, []Violation, []string) {
	var f Final
	for _, a := range state.Appointments {
		if a.Live {
			f.Appointments++
		}
	}
	for _, b := range state.Bookings {
		if fakecalcom.Status(b.Status).Live() {
			f.CalcomBookings++
		}
	}
	f.Violated = report.Names()
	if f.Violated == nil {
		f.Violated = []string{}
	}
	f.ExpectViolations = want.Violations
	f.ExpectAppointments, f.ExpectCalcomBookings = want.Appointments, want.CalcomBookings
	var failures []string
	for _, c := range []struct {
		field, what string
		want        *int
		got         int
	}{{"expect.appointments", "live appointment(s)", want.Appointments, f.Appointments}, {"expect.calcom_bookings", "live Cal.com booking(s)", want.CalcomBookings, f.CalcomBookings}} {
		if c.want != nil && *c.want != c.got {
			failures = append(failures, fmt.Sprintf("%s: want %d %s, got %d", c.field, *c.want, c.what, c.got))
		}
	}
	vs := violationsOf(report, want.Violations)
	if want.Violations == nil {
		return f, vs, failures
	}
	for _, v := range vs {
		if !v.Expected {
			failures = append(failures, "unexpected violation: "+v.Violation.String())
		}
	}
	for _, name := range want.Violations {
		if !slices.Contains(f.Violated, name) {
			failures = append(failures, fmt.Sprintf("expect.violations: %s must be violated (the file reproduces it) but was not", name))
		}
	}
	return f, vs, failures
}
