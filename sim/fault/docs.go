package fault

import (
	"fmt"
	"strings"
)

// DocsFile is where the catalogue for users lives, relative to the repository's root.
const DocsFile = "docs/faults.md"

// Markdown renders the catalogue for users (DocsFile): per family, every fault's name, CLI
// form, YAML form, what it does and where it is available. A test in this package fails
// when the file differs from it.
func Markdown() string {
	var b strings.Builder
	b.WriteString(`# Faults

<!-- Generated from the fault catalogue (sim/fault, All). Do not edit: change the catalogue
and run UPDATE_DOCS=1 go test ./sim/fault -run TestDocsAreFresh. -->

Every fault the harness can inject, in one place. Each fault has a **name**, a **CLI form**
(an item of a ` + "`bookingharness load`" + ` flag), a **YAML form** (a key of an incident step) and
a place where it is **available**. The same fault means the same thing in both: a load that
injects ` + "`reset_after_commit=0.05`" + ` and an incident step with ` + "`fault: {reset: after_commit}`" + `
make the fake Cal.com do the same thing, which is how ` + "`load --shrink`" + ` writes every fault it
saw fire into the incident file that reproduces it.

- **Load flags** take comma-separated ` + "`KIND=SPEC`" + ` items, each kind at most once. ` + "`P`" + ` is a
  probability in (0, 1] written as a decimal (` + "`0.02`" + `) or a percentage (` + "`2%`" + `); ` + "`D`" + ` is a Go
  duration (` + "`5ms`" + `, ` + "`1.5s`" + `). Whether a call is faulted is drawn from ` + "`--seed`" + `, the rule and
  the call (and its attempt), never from arrival order: two runs with one seed fault the same
  calls.
- **Incident steps** take one fault per key on a book step or a concurrent entry (` + "`fault:`" + `
  may be a list, one fault per endpoint; ` + "`webhook_fault:`" + ` may also go on a cancel or host
  step). A step's fault fires once, on the step's call.
- **Availability.** Every fault works in process, against the reference core. Against a
  black-box service (` + "`--sut sut.yaml`" + `) a fault works when the service offers what the fault
  needs — a webhook receiver, the database proxy, a restart the harness controls. A black-box
  service offers none of these yet, so a file that needs one is skipped with the reason and a
  load refuses the flag. A caveat says what a black-box run of a fault cannot judge.

`)
	for _, fam := range Families() {
		fmt.Fprintf(&b, "## %s\n\n%s\n\n", familyTitle(fam), familyIntro(fam))
		b.WriteString("| name | CLI form | YAML form | what it does | available |\n|---|---|---|---|---|\n")
		for _, f := range Of(fam) {
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", f.Name, f.cliForm(), f.yamlForm(), f.Does, f.where())
		}
		b.WriteString("\n")
	}
	b.WriteString(`## Examples

` + "```sh" + `
bookingharness load --faults reset_after_commit=0.05,status_500=2% --webhook-faults duplicate=0.1 \
    --db-faults commit_ack_lost=0.02,latency=5ms@0.1 --seed 7 --policy hardened
` + "```" + `

` + "```yaml" + `
name: every-family
clock: {start: 2025-10-06T09:00:00Z}
calcom:
  webhooks: {delivery: async}     # a webhook_fault needs a subscription to disturb
  event_types: [{id: 1, kind: standard, length: 30, host: 1}]
steps:
  - at: 0s
    call: call_a
    book: {event_type: 1, start: 2025-10-10T06:00:00Z, attendee: {name: A, email: a@example.org}}
    fault: [{status_after_commit: 500}, {on: lookup, empty: true}]
    webhook_fault: {duplicate: true}
    db_fault: {reset: after_commit}
    crash: after_calcom
` + "```" + `
`)
	return b.String()
}

func familyTitle(fam Family) string {
	switch fam {
	case Calcom:
		return "Cal.com answers (`--faults`, `fault:`)"
	case Webhook:
		return "Webhook deliveries (`--webhook-faults`, `webhook_fault:`)"
	case DB:
		return "Postgres statements (`--db-faults`, `db_fault:`)"
	}
	return "Crashes (`crash:`)"
}

func familyIntro(fam Family) string {
	switch fam {
	case Calcom:
		return "The fake Cal.com spoils one answer. A load's faults fire on creates (`POST /v2/bookings`), " +
			"tried in flag order, at most one per request. A step's fault hits the call's next create, or with " +
			"`on:` the next request to another endpoint: " + "`" + strings.Join(Endpoints(), "`, `") + "`."
	case Webhook:
		return "The fake Cal.com disturbs one delivery of a `BOOKING_*` webhook to the subscriber. A load's " +
			"faults strike deliveries to the core's handler; a step's fault strikes the first webhook about the " +
			"step's call that the step causes. The fake applies one action per delivery: a step's " +
			"`webhook_fault` names one key."
	case DB:
		return "The wire proxy (`sim/pgproxy`) between the system under test and Postgres disturbs a statement. " +
			"A load's faults strike every statement of a call with the given probability; a step's `reset` strikes " +
			"the call's first committing statement after Cal.com answered its create (the commit that stores the " +
			"booking), `latency` every statement of the call during the step, and `refuse` starts once Cal.com " +
			"answered, dropping the pool's connections."
	}
	return "The system under test's process dies at a point of the call's booking; the harness restarts it " +
		"(the reference core runs its sweep at start-up) and judges the recovery."
}

// cliForm is f's load flag item, or a dash.
func (f Fault) cliForm() string {
	if f.CLI == "" {
		return "—"
	}
	s := "`" + f.Family.Flag() + " " + f.CLI + "=" + string(f.CLISpec) + "`"
	if f.CLISpec == SpecRate && f.Shape == ShapeDuration {
		s += " (D: `--fault-delay`)"
	}
	return s
}

// yamlForm is f's form in an incident step.
func (f Fault) yamlForm() string {
	value, note := f.Word, ""
	switch {
	case f.Shape == ShapeTrue:
		value = "true"
	case f.Shape == ShapeStatus && f.Word == "":
		value, note = "N", fmt.Sprintf(" (N: %d–599)", f.MinStatus)
	case f.Shape == ShapeDuration:
		value, note = "D", " (D > 0)"
	}
	s := "`" + f.Family.StepKey() + ": {" + f.Key + ": " + value + "}`"
	if f.Family == Crash {
		s = "`crash: " + value + "`"
	}
	if f.Endpoints != nil {
		note += "; `on:` " + strings.Join(f.Endpoints, ", ") + " only"
	}
	return s + note
}
