package replay

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/blackbox"
	"github.com/bookingharness/bookingharness/sim/fault"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/world"
)

// Black-box replays (Options.BlackBox). The file runs unchanged against a service behind
// the contract (docs/blackbox.md): its world is a world.BlackBox world (its own fake Cal.com, the
// service started with a fresh database, time by sut.yaml's mode), and the same checker and
// expectations judge it. Where the service cannot show what the file asks, the replay says
// so — never a silent pass:
//
//   - a file that needs something the harness cannot do to a service it did not build is
//     skipped as a whole, with the reason (BlackBoxBlocker; also layers other than all on a
//     service that switches none);
//   - what cannot be judged in a file that runs is listed in Result.Unavailable: the policy
//     (the service runs its own design; the policy only chooses which expectations judge
//     it), the layer decisions (the contract reports the deciding layer only), expect.layer
//     when the service reports no layers, and waits inside a request;
//   - an answer without a layer that did not book (slot_taken, error, unknown) is recorded
//     as decided by "calcom": the contract's layer names only duplicate-prevention layers,
//     so such an answer was decided by Cal.com's answer, as expect.layer: calcom means;
//   - a contract violation fails the replay and is listed with the expected schema; a failed
//     step carries the service's output during it, a failed replay its last lines.

// BlackBoxBlocker says why inc cannot be replayed against the black-box service of sut in
// sut.yaml's time mode, "" when it can. What each fault needs comes from the fault catalogue
// (fault.Fault.Blocker, docs/faults.md) held against what the service offers
// (world.ServiceSystem); the rest is what the service's clock cannot follow in that mode
// (Run first picks a mode the file can be judged in: TimeModeFor).
func BlackBoxBlocker(inc *incident.Incident, sut *blackbox.SUT) string {
	sys := world.ServiceSystem(sut)
	if why := clockNeedOf(inc).not[sut.Time]; why != "" {
		return why
	}
	if c := inc.Calcom; c.Webhooks != nil && c.Webhooks.URL == "" && !sys.Offers(fault.NeedWebhookReceiver) {
		return "calcom.webhooks: " + fault.NeedWebhookReceiver.Reason()
	}
	for i, st := range inc.Steps {
		path := fmt.Sprintf("steps[%d]", i)
		if st.Host != nil && !sys.Offers(fault.NeedWebhookReceiver) {
			return path + ".host: a host-side change reaches a service through its webhook receiver: " + fault.NeedWebhookReceiver.Reason()
		}
		for j, b := range st.Books() {
			at := path
			if st.Concurrent != nil {
				at = fmt.Sprintf("%s.concurrent[%d]", path, j)
			}
			for _, inj := range injections(b) {
				if why := inj.fault.Blocker(sys); why != "" {
					return at + "." + inj.fault.Family.StepKey() + ": " + why
				}
			}
		}
	}
	return ""
}

// injection is one fault a booking entry injects, with its parameter.
type injection struct {
	fault fault.Fault
	value fault.Value
}

// injections lists the catalogue faults entry b injects, in the order a file writes them.
// The parser only admits forms of the catalogue, so nothing is left out; a webhook form that
// combines two keys (which the runner refuses before it starts) counts by its first.
func injections(b incident.Book) []injection {
	var out []injection
	add := func(f fault.Fault, v fault.Value, err error) {
		if err == nil {
			out = append(out, injection{f, v})
		}
	}
	for _, f := range b.Faults {
		add(f.Fault())
	}
	if w := b.WebhookFault; w != nil {
		for _, k := range w.Keys() {
			add(fault.Lookup(fault.Webhook, k, "", fault.Value{Status: w.SubscriberStatus, Duration: w.Delay}))
		}
	}
	if d := b.DBFault; d != nil {
		add(d.Fault())
	}
	if b.Crash != "" {
		f, err := fault.CrashAt(b.Crash)
		add(f, fault.Value{}, err)
	}
	return out
}

// declaredSkip is the reason sut.yaml's skip: gives for inc (by its name or its file name),
// "" when the service declares none.
func declaredSkip(inc *incident.Incident, sut *blackbox.SUT) string {
	if why, ok := sut.Skip[inc.Name]; ok {
		return why
	}
	return sut.Skip[filepath.Base(inc.File)]
}

// blackBoxRun decides how inc runs against the service of opts: in which time mode (with
// the BlackBox to build the world from), or skipped with the reason — declared by the
// service (sut.yaml skip:), or found by the harness (a clock, a receiver, a proxy the
// service does not offer).
func blackBoxRun(inc *incident.Incident, opts Options) (bb *world.BlackBox, skip string, declared bool) {
	sut := opts.BlackBox.SUT
	if why := declaredSkip(inc, sut); why != "" {
		return nil, "declared by the service (sut.yaml skip): " + why, true
	}
	mode, why := TimeModeFor(inc, sut, opts.BlackBox.Capabilities)
	if opts.force {
		return opts.BlackBox, "", false
	}
	if why != "" {
		return nil, why, false
	}
	b := *opts.BlackBox
	b.Time = mode
	s := *sut
	s.Time = mode
	if why := BlackBoxBlocker(inc, &s); why != "" {
		return nil, why, false
	}
	return &b, "", false
}

// skipped is the result of a file that could not be replayed against the service.
func skipped(inc *incident.Incident, p plan, opts Options, reason string, began time.Time) *Result {
	return &Result{
		File: inc.File, Name: inc.Name, Description: inc.Description, Policy: string(p.policy), Layers: p.layers.String(),
		FilePolicy: inc.Policy, FileLayers: p.fileLayers.String(), Expectations: ExpectNone, Start: inc.Clock.Start,
		AppSkew: inc.Clock.AppSkew.String(), Steps: []Step{}, Failures: []string{}, Service: serviceOf(opts, nil, p),
		Skipped: reason, TotalMS: ms(time.Since(began)),
	}
}

// serviceOf describes the black-box service of opts (nil for the reference core); w adds
// what only the running world knows.
func serviceOf(opts Options, w *world.World, p plan) *Service {
	if opts.BlackBox == nil {
		return nil
	}
	s := opts.BlackBox.SUT
	out := &Service{SUT: s.File, TimeMode: string(s.Time), JudgedAs: string(p.policy), Layers: []string{}}
	if w == nil || w.Service() == nil {
		return out
	}
	svc := w.Service()
	out.BaseURL, out.TimeMode = svc.Target.BaseURL(), string(svc.Target.TimeMode())
	if s.Webhooks != nil {
		out.Webhooks = out.BaseURL + s.Webhooks.Path
	}
	out.Proxy = svc.DBProxy() != nil
	if d := w.TimeShift(); d != 0 {
		out.TimeShift = d.String()
	}
	for _, l := range svc.Target.Layers().List() {
		out.Layers = append(out.Layers, string(l))
	}
	return out
}

// describeBlackBox fills what a black-box replay cannot judge (Result.Unavailable) and
// stops asserting step layers when the service reports none.
func describeBlackBox(res *Result, w *world.World, inc *incident.Incident, p *plan, opts Options) {
	if w.Service() == nil {
		return
	}
	res.Service = serviceOf(opts, w, *p)
	res.Unavailable = append(res.Unavailable,
		fmt.Sprintf("policy: the service runs its own design; the expectations for policy %s judge it", p.policy),
		"decisions: the contract reports the deciding layer only, not every layer's verdict")
	if _, known := w.Layers(); !known {
		p.ignoreLayer = true
		res.Unavailable = append(res.Unavailable, "expect.layer: the service reports no layers (capabilities), so step layers are shown, not asserted")
	}
	if g := inc.Calcom.CheckInsertGap; g != 0 && w.Service().Target.TimeMode() != blackbox.TimeFaketime {
		res.Unavailable = append(res.Unavailable, fmt.Sprintf("calcom.check_insert_gap %v: it passes on Cal.com's clock before the booking is made; the service's clock for the request does not move (time: %s), so it sees each booking up to %v younger than the core would — never older", g, w.Service().Target.TimeMode(), g))
	}
	if l := inc.Calcom.Latency; l != 0 && w.Service().Target.TimeMode() == blackbox.TimeAge {
		res.Unavailable = append(res.Unavailable, fmt.Sprintf("calcom.latency %v: under time: age it passes in real time (the service's wall clock must see it), which the run pays for", l))
	}
	for i, st := range inc.Steps {
		for _, b := range st.Books() {
			for _, inj := range injections(b) {
				if c := inj.fault.Where.Caveat; c != "" {
					res.Unavailable = append(res.Unavailable, fmt.Sprintf("steps[%d] %s: %s", i, inj.fault.Describe(inj.value), c))
				}
			}
		}
	}
}

// contention adds what the concurrent step at path showed of the requests racing inside a
// black-box service to the result; a step whose racing requests the service serialised
// makes the run inconclusive (see world.Contention). The reference core is not measured:
// its races are forced by the scenario specs' parked attempts.
func (r *runner) contention(path string) {
	if r.w.Service() == nil {
		return
	}
	c := r.w.Contention()
	total := c
	if r.res.Concurrency != nil {
		total = r.res.Concurrency.Add(c)
	}
	r.res.Concurrency = &total
	if why := c.Inconclusive(); why != "" && r.res.Inconclusive == "" {
		r.res.Inconclusive = path + ": " + why
	}
}

// layerOf is the deciding layer of call's answer as the file names it. A black-box answer
// that did not book and names no layer was decided by Cal.com's answer when the call's
// latest create at the fake failed — an error status, a fault that spoiled or cut the
// answer — as expect.layer: calcom means (the contract's layer names only duplicate-
// prevention layers); a failure after a clean answer (the database, a crash) names none.
func (r *runner) layerOf(o core.Outcome, call string) string {
	l := LayerOf(o)
	if l == "" && r.w.Service() != nil && (o.Kind == core.SlotTaken || o.Kind == core.Error || o.Kind == core.Unknown) && r.calcomFailed(call) {
		return incident.DecidedByCalcom
	}
	return l
}

// calcomFailed reports whether call's latest create at the fake failed for the service: an
// error status, a fault rule that fired on it, or a cut connection.
func (r *runner) calcomFailed(call string) bool {
	var last *fakecalcom.JournalEntry
	r.w.Fake.Fake.EachJournalEntry(func(e fakecalcom.JournalEntry) bool {
		if e.Method == http.MethodPost && e.Path == "/v2/bookings" && e.CallID == call {
			last = &e
		}
		return true
	})
	return last != nil && (last.Status >= 400 || last.Rule != "" || last.Cut)
}

// logMark is where the service's output stands before a step (0 for the core).
func (r *runner) logMark() int64 {
	svc := r.w.Service()
	if svc == nil {
		return 0
	}
	return svc.Target.LogMark()
}

// maxLogLines bounds a log excerpt in a result.
const maxLogLines = 30

// attachLog remembers where the service's output stood when the steps from index from on
// began; finishBlackBox quotes it for the ones that fail.
func (r *runner) attachLog(from int, mark int64) {
	for i := from; i < len(r.res.Steps); i++ {
		r.logMarks = append(r.logMarks, mark)
	}
}

// finishBlackBox turns contract violations into failures, stops the service so that its
// output is complete (it arrives through a pipe, after the answers), and quotes it: each
// step that failed or was answered unknown gets the first lines written from its start on,
// a failed replay the last lines.
func (r *runner) finishBlackBox() error {
	svc := r.w.Service()
	if svc == nil {
		return nil
	}
	r.res.ContractViolations = svc.Target.Findings()
	r.res.Service.Restarts = svc.Target.Restarts()
	for _, f := range r.res.ContractViolations {
		r.res.Failures = append(r.res.Failures, fmt.Sprintf("%s: %s (call %s): %s", f.Kind, f.Route, orDash(f.CallID), f.Problem))
	}
	if err := svc.Target.Stop(); err != nil {
		return fmt.Errorf("replay: %s: stop the service: %w", r.inc.File, err)
	}
	for i := range r.res.Steps {
		if s := &r.res.Steps[i]; !s.Pass || s.Outcome == string(core.Unknown) {
			s.ServiceLog = firstLines(svc.Target.LogSince(r.logMarks[i]), maxLogLines)
		}
	}
	if !r.res.OK() {
		r.res.ServiceLog = lastLines(svc.Target.Log(), maxLogLines)
	}
	return nil
}

// firstLines is the first n lines of s.
func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append(lines[:n], fmt.Sprintf("[… %d later line(s)]", len(lines)-n))
	}
	return strings.Join(lines, "\n")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// lastLines is the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("[… %d earlier line(s)]", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// layersOf names what the world runs, as Result.Layers shows it.
func layersOf(w *world.World) string {
	l, known := w.Layers()
	if !known {
		return "the service's own (not reported)"
	}
	return l.String()
}

// writeService adds a black-box replay's service line and what it could not judge to a
// timeline.
func writeService(b *strings.Builder, r *Result) {
	s := r.Service
	fmt.Fprintf(b, "  black-box service %s", s.SUT)
	if s.BaseURL != "" {
		fmt.Fprintf(b, " at %s", s.BaseURL)
	}
	fmt.Fprintf(b, " · time: %s", s.TimeMode)
	if s.TimeShift != "" {
		fmt.Fprintf(b, " (slots moved %s to the service's today)", s.TimeShift)
	}
	fmt.Fprintf(b, " · judged as %s", s.JudgedAs)
	if s.Webhooks != "" {
		fmt.Fprintf(b, " · webhooks to %s", s.Webhooks)
	}
	if s.Proxy {
		b.WriteString(" · database through the proxy")
	}
	if s.Restarts > 0 {
		fmt.Fprintf(b, " · restarted %d×", s.Restarts)
	}
	b.WriteString("\n")
	if c := r.Concurrency; c != nil {
		fmt.Fprintf(b, "  concurrency reached: %s\n", c)
	}
	for _, u := range r.Unavailable {
		fmt.Fprintf(b, "  not judged black-box: %s\n", u)
	}
}

// writeServiceEvidence adds the contract violations and the service's output around each
// failure to a timeline.
func writeServiceEvidence(b *strings.Builder, r *Result) {
	for _, f := range r.ContractViolations {
		b.WriteString("  ")
		b.WriteString(strings.ReplaceAll(strings.TrimRight(f.String(), "\n"), "\n", "\n  "))
		b.WriteString("\n")
	}
	for _, s := range r.Steps {
		if s.ServiceLog != "" {
			fmt.Fprintf(b, "  service output during %s (%s):\n    %s\n", s.Path, s.Call, strings.ReplaceAll(s.ServiceLog, "\n", "\n    "))
		}
	}
	if r.ServiceLog != "" {
		fmt.Fprintf(b, "  service output (end):\n    %s\n", strings.ReplaceAll(r.ServiceLog, "\n", "\n    "))
	}
}
