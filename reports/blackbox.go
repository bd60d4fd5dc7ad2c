package reports

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/bookingharness/bookingharness/internal/stamp"
	"github.com/bookingharness/bookingharness/sim/blackbox"
	"github.com/bookingharness/bookingharness/sim/check"
)

// Where the black-box gate (`bookingharness gate --sut`) leaves its facts: FileBlackBox and
// FileBlackBoxSummary in its output directory, by default DirBlackBox under the report's.
// Collect reads DirBlackBox/FileBlackBox when it is there, so index.html and summary.md gain
// the black-box section.
const (
	DirBlackBox         = "blackbox"
	FileBlackBox        = "blackbox.json"
	FileBlackBoxSummary = "blackbox.md"
)

// Rules of the black-box gate, besides the shared RuleIncidents, RuleLayerDecides,
// RuleKnockedOut and RuleReproduce687.
const (
	RuleConformance = "conformance" // every `sut check` check passed (skips allowed)
	RuleContract    = "contract"    // no answer broke the contract
	RuleLoad        = "load"        // the black-box load found no violation the policy does not expect
	RuleAgreement   = "agreement"   // the service answers every catalogue file as the Go core under the same policy
	RuleConcurrency = "concurrency" // every contention run showed two requests for one slot in progress inside the service
	RuleMatrices    = "matrices"    // a service that reports layers gets its layer matrices (switches and knocked-out runs)
	RuleBlackBox    = "blackbox"    // (main gate) the black-box gate in the report passed
)

// BlackBox is the black-box section of a report: one service gated over the contract
// (docs/blackbox.md) — its conformance, the catalogue replayed against it, its answers beside the
// Go core's, the layer matrices from its deciding layers, a load, and everything that could
// not be judged, with why.
type BlackBox struct {
	GeneratedAt time.Time `json:"generated_at"`
	// Stamp is the tree and command that made this section.
	Stamp   *stamp.Stamp    `json:"stamp,omitempty"`
	Service BlackBoxService `json:"service"`
	// Setup is how the harness ran the service: what a reader must know first.
	Setup BlackBoxSetup `json:"setup"`
	// Conformance is `sut check`'s table.
	Conformance []ConformanceCheck `json:"conformance"`
	// Replays are the catalogue's black-box replays (as the files say, judged as
	// Service.JudgedAs).
	Replays []BlackBoxReplay `json:"replays"`
	// Comparison is incident × {Go core, service} under the policy the service is judged
	// as; empty when not compared.
	Comparison []ComparisonRow `json:"comparison"`
	// Reproduction is Call 687/688 with no layers, against the service.
	Reproduction *Reproduction `json:"reproduction,omitempty"`
	// Coverage and Necessity are the layer matrices from the service's deciding layers (the
	// contract reports no other verdict, so "reached" means "decided" here). Empty when the
	// service reports no layers.
	Coverage  Matrix     `json:"coverage"`
	Necessity *Necessity `json:"necessity,omitempty"`
	// ContractViolations are every answer that broke the contract, with where it happened.
	ContractViolations []ContractViolation `json:"contract_violations"`
	// Load is the black-box load, nil when none ran.
	Load *BlackBoxLoad `json:"load,omitempty"`
	// Skipped is everything that was not run or not judged black-box, with the reason.
	Skipped []Skip `json:"skipped"`
	// Logs are the service's output around each failure.
	Logs []LogExcerpt `json:"logs"`
	// Runs is the evidence the matrices were built from, so the gate can be re-run.
	Runs []Run `json:"runs"`
	// Gate is the black-box gate's verdict.
	Gate GateResult `json:"gate"`
}

// BlackBoxService is the service under test as the report names it.
type BlackBoxService struct {
	// Name labels the service in tables ("PHP seed"); SUT is its sut.yaml.
	Name string `json:"name"`
	SUT  string `json:"sut"`
	// TimeMode is sut.yaml's time: mode.
	TimeMode string `json:"time_mode"`
	// JudgedAs is the policy whose expectations judge it; Reference names the Go core it is
	// compared with ("Go seed").
	JudgedAs  string `json:"judged_as"`
	Reference string `json:"reference"`
	// Layers are the layers it reports; Switchable whether it accepts layer switches;
	// TimeTravel whether it honours X-Harness-Now; Reset whether it has a reset route.
	Layers     []string `json:"layers"`
	Switchable bool     `json:"switchable"`
	TimeTravel bool     `json:"time_travel"`
	Reset      bool     `json:"reset"`
}

// BlackBoxSetup is how the harness ran a service: the time modes, where the webhooks went,
// whether its database was behind the proxy and how often it was killed and restarted, and
// the concurrency that reached it — printed first, because every verdict below rests on it.
type BlackBoxSetup struct {
	// TimeModes are the time modes the replays ran in (a file that needs an exact clock runs
	// in one the service offers).
	TimeModes []string `json:"time_modes"`
	// Webhooks is the service's own receiver the fake delivered to ("" for none).
	Webhooks string `json:"webhooks"`
	// Proxy is true when the service's database was reached through the harness's proxy;
	// Restarts counts the kills and restarts (crash steps, load crashes).
	Proxy    bool `json:"proxy"`
	Restarts int  `json:"restarts"`
	// Concurrency is the concurrency that reached the service over every concurrent step
	// and the load (world.Contention).
	Concurrency string `json:"concurrency"`
}

// Lines renders the setup as the first lines of a report.
func (s BlackBoxSetup) Lines() []string {
	hooks := s.Webhooks
	if hooks == "" {
		hooks = "none (sut.yaml declares no webhooks:)"
	}
	restarts := "not used"
	if s.Restarts > 0 {
		restarts = fmt.Sprintf("%d kill(s) and restart(s) of the process group", s.Restarts)
	}
	proxy := "not used"
	if s.Proxy {
		proxy = "in front of the service's database"
	}
	return []string{
		"time mode: " + orNone(s.TimeModes),
		"webhooks receiver: " + hooks,
		"database proxy: " + proxy,
		"restarts: " + restarts,
		"concurrency reached: " + orDashStr(s.Concurrency),
	}
}

// ConformanceCheck is one row of `sut check`.
type ConformanceCheck struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

// Replay outcomes of a BlackBoxReplay.
const (
	ReplayPass    = "pass"
	ReplayFail    = "fail"
	ReplaySkipped = "skipped"
	ReplayShown   = "shown" // ran, but the file states no expectation for this policy
	// ReplayInconclusive: the file's expectations held, but a concurrent step's requests
	// never raced inside the service (it serialised them), so the run proved nothing.
	ReplayInconclusive = "inconclusive"
)

// BlackBoxReplay is one catalogue file replayed against the service.
type BlackBoxReplay struct {
	Name string `json:"name"`
	File string `json:"file"`
	// Result is pass, fail, skipped or shown; Expectations what was asserted.
	Result       string `json:"result"`
	Expectations string `json:"expectations"`
	// Summary is the answers on one line (replay.Summary).
	Summary  string   `json:"summary"`
	Violated []string `json:"violated"`
	Expected []string `json:"expected"`
	Failures []string `json:"failures,omitempty"`
	Skipped  string   `json:"skipped,omitempty"`
	// SkipDeclared is true when the service declared the skip (sut.yaml skip:).
	SkipDeclared bool     `json:"skip_declared,omitempty"`
	Unavailable  []string `json:"unavailable,omitempty"`
	// Concurrency is what its concurrent steps showed of the requests racing inside the
	// service ("" without one); Inconclusive why they proved nothing.
	Concurrency  string `json:"concurrency,omitempty"`
	Inconclusive string `json:"inconclusive,omitempty"`
	// Attempts is how many times the file ran: more than 1 when earlier runs proved nothing
	// about races (a server that sometimes serialises requests).
	Attempts int     `json:"attempts,omitempty"`
	TotalMS  float64 `json:"total_ms"`
}

// ComparisonRow is one catalogue file answered by the Go core and by the service.
type ComparisonRow struct {
	Incident string `json:"incident"`
	// Reference and Service are each run's answers on one line, "skipped" when it did not
	// run.
	Reference string `json:"reference"`
	Service   string `json:"service"`
	// Agree is true when they do not differ; Differences lists where they do; Explanation
	// says why, when the difference is understood.
	Agree       bool     `json:"agree"`
	Differences []string `json:"differences,omitempty"`
	Explanation string   `json:"explanation,omitempty"`
}

// ContractViolation is a contract_violation finding with the run it happened in.
type ContractViolation struct {
	Where string `json:"where"`
	blackbox.Finding
}

// BlackBoxLoad summarises the black-box load.
type BlackBoxLoad struct {
	Calls       int `json:"calls"`
	Concurrency int `json:"concurrency"`
	// Slots is the slot window; RollEvery how many calls move it one slot on (0: fixed).
	Slots      int            `json:"slots"`
	RollEvery  int            `json:"roll_every"`
	Faults     string         `json:"faults"`
	Attempts   int            `json:"attempts"`
	Outcomes   map[string]int `json:"outcomes"`
	Violations map[string]int `json:"violations"`
	// Expected are the violations the judged policy is known to show; Unexpected the others
	// found (the gate fails on them).
	Expected   []string `json:"expected"`
	Unexpected []string `json:"unexpected"`
	Throughput float64  `json:"throughput"`
	P50MS      float64  `json:"p50_ms"`
	P99MS      float64  `json:"p99_ms"`
	// ConcurrencyReached is what reached the service of the requests sent at once for one
	// slot; Inconclusive says why the run proved nothing about races (it fails the gate).
	ConcurrencyReached string `json:"concurrency_reached"`
	Inconclusive       string `json:"inconclusive,omitempty"`
	// Error is set when the load could not run.
	Error string `json:"error,omitempty"`
}

// Skip is something not run or not judged, with why.
type Skip struct {
	What   string `json:"what"`
	Reason string `json:"reason"`
}

// LogExcerpt is the service's output around one failure.
type LogExcerpt struct {
	Where string `json:"where"`
	Text  string `json:"text"`
}

// MinLoadAttempts is the smallest black-box load the gate accepts: a rolling window of four
// slots, eight calls each, moved on four times.
const MinLoadAttempts = 32

// BlackBoxGateConfig tunes the black-box gate.
type BlackBoxGateConfig struct {
	// Layers must each decide somewhere (those the service reports; default all).
	Layers []string
	// RequireReproduction makes a missing no-layers Call 687/688 duplicate a failure.
	RequireReproduction bool
	// RequireAgreement makes an unexplained difference from the Go core a failure.
	RequireAgreement bool
}

// GateBlackBox judges a black-box section. Like Gate it cannot pass vacuously: nothing
// replayed, a conformance check that failed, a contract violation, a layer the service
// reports that never decides, an errored knocked-out run, a missing reproduction, a load
// that found what the policy does not expect (or could not run), and — when required — an
// unexplained disagreement with the Go core all refuse.
func GateBlackBox(bb BlackBox, cfg BlackBoxGateConfig) GateResult {
	var g GateResult
	fail := func(rule, format string, args ...any) {
		g.Findings = append(g.Findings, Finding{Rule: rule, Message: fmt.Sprintf(format, args...)})
	}
	g.Checks = append(g.Checks, "the service passes `sut check` (conformance to the contract)")
	if len(bb.Conformance) == 0 {
		fail(RuleConformance, "no conformance check ran")
	}
	for _, c := range bb.Conformance {
		if c.Status == string(blackbox.Fail) {
			fail(RuleConformance, "%s: %s (fix: %s)", c.Name, firstLine(c.Detail, 300), c.Fix)
		}
	}
	g.Checks = append(g.Checks, "no answer broke the contract")
	for _, v := range bb.ContractViolations {
		fail(RuleContract, "%s: %s %s: %s", v.Where, v.Route, v.CallID, v.Problem)
	}
	g.Checks = append(g.Checks, "every catalogue file ran against the service, or the service declared why not (sut.yaml skip:)")
	for _, r := range bb.Replays {
		if r.Result == ReplaySkipped && !r.SkipDeclared {
			fail(RuleSkipped, "incident %s was skipped: %s — if the service cannot take it, say so in its sut.yaml (skip: {%s: why}); the report prints the reason", r.Name, r.Skipped, r.Name)
		}
	}
	g.Checks = append(g.Checks, "the catalogue ran against the service and every replay met its expectations")
	ran := 0
	for _, r := range bb.Replays {
		switch r.Result {
		case ReplaySkipped:
			continue
		case ReplayFail:
			fail(RuleIncidents, "incident %s (%s) failed against the service: %s", r.Name, r.File, clip(r.Failures, 3))
		}
		ran++
	}
	if ran == 0 {
		fail(RuleIncidents, "no incident file ran against the service (%d skipped): the catalogue proves nothing unless it runs", len(bb.Replays))
	}
	policy := bb.Service.JudgedAs
	if len(bb.Service.Layers) > 0 {
		g.Checks = append(g.Checks, "a service that reports layers gets its layer matrices: it accepts layer switches, and the knocked-out runs ran")
		switch {
		case !bb.Service.Switchable:
			fail(RuleMatrices, "the service reports layers %s but does not accept layer switches (POST layers): without them the necessity matrix cannot be built; accept switches, or report no layers", strings.Join(bb.Service.Layers, ", "))
		case bb.Necessity == nil:
			fail(RuleMatrices, "the service reports layers %s but no knocked-out run was made (--knock-out=false): the necessity matrix is missing", strings.Join(bb.Service.Layers, ", "))
		}
	}
	if len(bb.Service.Layers) > 0 {
		g.Checks = append(g.Checks, "every layer the service reports decides in some run, with every layer on or with a layer before it knocked out: "+strings.Join(cfg.Layers, ", "))
		for _, l := range cfg.Layers {
			if !slices.Contains(bb.Service.Layers, l) {
				continue
			}
			if t := bb.Coverage.Total(policy, l); t.Reject == 0 && knockedOutRejects(bb.Runs, policy, l) == 0 {
				fail(RuleLayerDecides, "layer %s never decides against the service: no catalogue file or load run is stopped by it (%d run(s) had it on), nor any knocked-out run", l, t.Worlds)
			}
		}
	}
	g.Checks = append(g.Checks, "no knocked-out run errored")
	if n := bb.Necessity; n != nil {
		for _, c := range n.Cells {
			if c.Errored > 0 {
				fail(RuleKnockedOut, "%s off: %d run(s) errored (%s)", c.Off, c.Errored, clip(c.ErroredScenarios, 3))
			}
		}
	}
	if cfg.RequireReproduction && len(bb.Service.Layers) > 0 {
		// Demanded only of a service that claims layers: one without layer switches has no
		// "no layers" to run.
		g.Checks = append(g.Checks, "with no layers, the service reproduces the Call 687/688 duplicate")
		switch r := bb.Reproduction; {
		case r == nil:
			fail(RuleReproduce687, "the no-layers Call 687/688 replay was not run")
		case r.Error != "":
			fail(RuleReproduce687, "the no-layers Call 687/688 replay could not run: %s (pass --no-reproduce for a service without layer switches)", r.Error)
		case !r.Reproduced:
			fail(RuleReproduce687, "with no layers, %s did not reproduce %s against the service: violated %v", r.Incident, check.DuplicateBookingID, r.Violated)
		}
	}
	g.Checks = append(g.Checks, "every race the harness sent reached the service: each concurrent step and the load showed two requests for one slot in progress inside it at once")
	for _, r := range bb.Replays {
		if r.Result == ReplayInconclusive {
			fail(RuleConcurrency, "incident %s proved nothing about races: %s", r.Name, r.Inconclusive)
		}
	}
	if l := bb.Load; l != nil && l.Inconclusive != "" {
		fail(RuleConcurrency, "the load proved nothing about races: %s", l.Inconclusive)
	}
	g.Checks = append(g.Checks, fmt.Sprintf("a black-box load of at least %d attempts ran", MinLoadAttempts))
	switch l := bb.Load; {
	case l == nil:
		fail(RuleLoad, "no load ran (--load-calls 0): the gate needs a contention load of at least %d attempts", MinLoadAttempts)
	case l.Error == "" && l.Attempts < MinLoadAttempts:
		fail(RuleLoad, "the load made %d attempts, fewer than the %d the gate needs to judge contention", l.Attempts, MinLoadAttempts)
	}
	if l := bb.Load; l != nil {
		g.Checks = append(g.Checks, "the black-box load finds only what the policy is known to break")
		switch {
		case l.Error != "":
			fail(RuleLoad, "the load could not run: %s", l.Error)
		case len(l.Unexpected) > 0:
			fail(RuleLoad, "the load found %s, which the %s policy does not expect", strings.Join(l.Unexpected, ", "), policy)
		}
	}
	if cfg.RequireAgreement {
		g.Checks = append(g.Checks, "the service answers every catalogue file as "+bb.Service.Reference+" does (or the difference is explained)")
		for _, r := range bb.Comparison {
			if !r.Agree && r.Explanation == "" {
				fail(RuleAgreement, "%s: %s differs from %s: %s", r.Incident, bb.Service.Name, bb.Service.Reference, strings.Join(r.Differences, "; "))
			}
		}
	}
	g.Pass = len(g.Findings) == 0
	if g.Findings == nil {
		g.Findings = []Finding{}
	}
	return g
}

// WriteBlackBox writes FileBlackBox and FileBlackBoxSummary into dir.
func WriteBlackBox(dir string, bb BlackBox) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	js, err := json.MarshalIndent(bb, "", "  ")
	if err != nil {
		return fmt.Errorf("reports: encode black-box facts: %w", err)
	}
	for name, data := range map[string][]byte{FileBlackBox: append(js, '\n'), FileBlackBoxSummary: []byte(BlackBoxSummary(bb))} {
		if err := os.WriteFile(dir+"/"+name, data, 0o644); err != nil {
			return fmt.Errorf("reports: write %s: %w", name, err)
		}
	}
	return nil
}

// ReadBlackBox reads a FileBlackBox written by WriteBlackBox.
func ReadBlackBox(path string) (*BlackBox, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var bb BlackBox
	if err := json.Unmarshal(data, &bb); err != nil {
		return nil, fmt.Errorf("reports: %s: %w", path, err)
	}
	return &bb, nil
}

// BlackBoxSummary renders the section as Markdown: verdict, service, conformance, the
// replay table, the comparison with the Go core, the matrices, the load, contract
// violations, what was skipped and the service's output around failures.
func BlackBoxSummary(bb BlackBox) string {
	var b strings.Builder
	s := bb.Service
	verdict := "PASS"
	if !bb.Gate.Pass {
		verdict = "FAIL"
	}
	fmt.Fprintf(&b, "## Black-box: %s — gate %s\n\n", mdEscape(s.Name), verdict)
	for _, line := range bb.Setup.Lines() {
		fmt.Fprintf(&b, "- %s\n", mdEscape(line))
	}
	b.WriteString("\n")
	for _, x := range bb.Gate.Findings {
		fmt.Fprintf(&b, "- `%s` %s\n", x.Rule, mdEscape(x.Message))
	}
	fmt.Fprintf(&b, "\n**Service:** `%s` · time: %s · judged as %s · layers %s (switchable: %v) · X-Harness-Now: %v · reset: %v\n",
		s.SUT, s.TimeMode, s.JudgedAs, orNone(s.Layers), s.Switchable, s.TimeTravel, s.Reset)

	b.WriteString("\n### Contract conformance (`sut check`)\n\n| check | result | detail |\n|---|---|---|\n")
	for _, c := range bb.Conformance {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", c.Name, strings.ToUpper(c.Status), mdEscape(firstLine(c.Detail, 300)))
	}

	b.WriteString("\n### Incident replays against the service\n\n| incident | result | answers ⇒ violations | expected |\n|---|---|---|---|\n")
	for _, r := range bb.Replays {
		res := r.Result
		switch r.Result {
		case ReplayFail:
			res = "**FAIL**: " + mdEscape(clip(r.Failures, 2))
		case ReplaySkipped:
			res = "skipped: " + mdEscape(r.Skipped)
			if r.SkipDeclared {
				res = "skipped (declared): " + mdEscape(r.Skipped)
			}
		case ReplayInconclusive:
			res = "**INCONCLUSIVE**: " + mdEscape(r.Inconclusive)
		}
		if r.Attempts > 1 {
			res += fmt.Sprintf(" (run %d times)", r.Attempts)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", mdEscape(r.Name), res, mdEscape(r.Summary), orNone(r.Expected))
	}
	if r := bb.Reproduction; r != nil {
		state := "reproduced"
		if !r.Reproduced {
			state = "NOT reproduced"
		}
		fmt.Fprintf(&b, "\n**Call 687/688 with no layers:** duplicate %s (violated: %s)%s\n", state, orNone(r.Violated), mdEscape(prefixed(" ", r.Error)))
	}

	if len(bb.Comparison) > 0 {
		agree := 0
		for _, r := range bb.Comparison {
			if r.Agree {
				agree++
			}
		}
		fmt.Fprintf(&b, "\n### %s vs %s\n\n%d of %d catalogue files answered alike.\n\n| incident | %s | %s | |\n|---|---|---|---|\n",
			mdEscape(s.Reference), mdEscape(s.Name), agree, len(bb.Comparison), mdEscape(s.Reference), mdEscape(s.Name))
		for _, r := range bb.Comparison {
			mark := "agree"
			if !r.Agree {
				mark = "**differs**: " + mdEscape(strings.Join(r.Differences, "; "))
				if r.Explanation != "" {
					mark += " — " + mdEscape(r.Explanation)
				}
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", mdEscape(r.Incident), mdEscape(r.Reference), mdEscape(r.Service), mark)
		}
	}

	if len(bb.Coverage.Layers) > 0 && len(s.Layers) > 0 {
		b.WriteString("\n### Layers (deciding layer of each answer)\n\n| layer | runs it decided in (runs with it on) |")
		if bb.Necessity != nil {
			b.WriteString(" answers it decided with other layers off | with it off |")
		}
		b.WriteString("\n|---|---|")
		if bb.Necessity != nil {
			b.WriteString("---|---|")
		}
		b.WriteString("\n")
		for _, l := range s.Layers {
			t := bb.Coverage.Total(s.JudgedAs, l)
			fmt.Fprintf(&b, "| `%s` | %d (%d) |", l, t.Rejected, t.Worlds)
			if bb.Necessity != nil {
				fmt.Fprintf(&b, " %d |", knockedOutRejects(bb.Runs, s.JudgedAs, l))
				c, _ := bb.Necessity.Cell(s.JudgedAs, l)
				fmt.Fprintf(&b, " %s |", necessityCell(c))
			}
			b.WriteString("\n")
		}
	}

	if l := bb.Load; l != nil {
		if l.Error != "" {
			fmt.Fprintf(&b, "\n### Load\n\nThe load could not run: %s\n", mdEscape(l.Error))
		} else {
			fmt.Fprintf(&b, "\n### Load\n\n%d attempts by %d workers on %s, faults %s: outcomes %s; violations %s (expected for %s: %s); unexpected: %s; %.1f attempts/s, p50 %.0f ms, p99 %.0f ms.\n\nConcurrency reached: %s.\n",
				l.Attempts, l.Concurrency, l.slotsText(), orDashStr(l.Faults), countsText(l.Outcomes), countsText(l.Violations), s.JudgedAs, orNone(l.Expected), orNone(l.Unexpected), l.Throughput, l.P50MS, l.P99MS, mdEscape(l.ConcurrencyReached))
		}
	}

	if len(bb.ContractViolations) > 0 {
		b.WriteString("\n### Contract violations\n\n")
		for _, v := range bb.ContractViolations {
			fmt.Fprintf(&b, "**%s**\n\n```\n%s```\n\n", mdEscape(v.Where), v.String())
		}
	}
	if len(bb.Skipped) > 0 {
		b.WriteString("\n### Not run or not judged black-box\n\n")
		for _, x := range bb.Skipped {
			fmt.Fprintf(&b, "- **%s**: %s\n", mdEscape(x.What), mdEscape(x.Reason))
		}
	}
	if len(bb.Logs) > 0 {
		b.WriteString("\n### The service's output around failures\n\n")
		for _, x := range bb.Logs {
			fmt.Fprintf(&b, "<details><summary>%s</summary>\n\n```\n%s\n```\n\n</details>\n\n", mdEscape(x.Where), x.Text)
		}
	}
	return b.String()
}

// countsText renders counts as "a 3, b 1" in key order, "none" when empty.
func countsText(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k, v := range m {
		if v > 0 {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return orNone(parts)
}

func orDashStr(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// slotsText describes the load's slots: a fixed set or a rolling window.
func (l BlackBoxLoad) slotsText() string {
	if l.RollEvery > 0 {
		return fmt.Sprintf("a rolling window of %d slots (one slot on every %d calls)", l.Slots, l.RollEvery)
	}
	return fmt.Sprintf("%d slots", l.Slots)
}

// prefixed is s after p, "" for an empty s.
func prefixed(p, s string) string {
	if s == "" {
		return ""
	}
	return p + s
}

// knockedOutRejects counts the bookings layer rejected in the knocked-out runs under
// policy. A hardened service's layers are defence in depth: with every layer on, the claim
// (slot_exclusion) stops most bookings before a later layer is asked, and the contract
// reports only the deciding layer — so a later layer shows that it decides when one before
// it is off, as the in-process suite shows it in specs that run other layer sets.
func knockedOutRejects(runs []Run, policy, layer string) int {
	n := 0
	for _, r := range runs {
		if len(r.Entry.LayersOff) == 0 || r.Entry.Policy != policy {
			continue
		}
		n += cellOf(r.Entry, layer).Reject
	}
	return n
}
