package incident

import (
	"fmt"
	"strings"
)

// DocsFile is where the format's reference for users lives, relative to the repository's
// root.
const DocsFile = "docs/incident-format.md"

// Markdown renders the format's reference (DocsFile) from Format: every mapping with every
// key's type, default and meaning, and example files. A test in this package fails when
// the file differs from it, and parses every example in it.
func Markdown() string {
	var b strings.Builder
	b.WriteString(`# Incident files: the format

<!-- Generated from the parser's key tables (sim/incident, Format). Do not edit: change the
tables and run UPDATE_DOCS=1 go test ./sim/incident -run TestDocsAreFresh. -->

An incident file is a small YAML timeline: the calls that booked, what Cal.com did, the
faults, and what must or must not happen. ` + "`bookingharness replay FILE`" + ` runs it in a fresh
world on a virtual clock ([replay.md](replay.md)); the catalogue in
[` + "`scenarios/incidents/`" + `](../scenarios/incidents/) is a set of such files, and
` + "`load --shrink`" + ` and ` + "`incident from-har`" + ` write them.

The format is a public contract: it is extended, never broken — a file that works today keeps
meaning what it means. This page is the reference, generated from the tables the parser
checks keys against, so it names exactly the keys the parser takes.

## Rules for every file

- **Strict keys.** A key the format does not have is an error, with ` + "`file:line:col`" + `, the
  field's path and a did-you-mean from the keys valid at that place, so a typo can never
  silently change what runs:

  ` + "```" + `
  typo.yaml:3:1: polcy: unknown key "polcy" (did you mean "policy"?)
  ` + "```" + `

- **Your own keys** start with ` + "`x-`" + ` (` + "`x-ticket: OPS-1234`" + `), anywhere in the file; they are never
  read.
- **Every value is validated**, and every error names file, line, column and the field's
  path (` + "`steps[1].book.start`" + `). ` + "`replay`" + ` exits 2 on an invalid file and runs nothing.
- **One YAML document** per file; anchors and aliases work.
- **Types.** *duration*: Go syntax — ` + "`35m`" + `, ` + "`12s`" + `, ` + "`1h30m`" + `, ` + "`-27s`" + ` — or a plain ` + "`0`" + `.
  *time*: RFC 3339 (` + "`2025-10-10T06:00:00Z`" + `), converted to UTC. *count*: a whole number ≥ 0.
  *text*: a YAML string.
- **Names.** Outcomes, layers and invariants are the harness's own names: outcomes
  ` + oneOf(outcomes()...) + `; layers ` + oneOf(AllLayers()...) + `; invariants as in
  [invariants.md](invariants.md).

`)
	for _, s := range Format() {
		fmt.Fprintf(&b, "## %s\n\n%s\n\n", s.Title, s.About)
		for _, m := range s.Mappings {
			title := m.Title
			if title == "" {
				title = "`" + m.Path + "`"
			}
			fmt.Fprintf(&b, "### %s\n\n", title)
			if m.About != "" {
				fmt.Fprintf(&b, "%s\n\n", m.About)
			}
			b.WriteString("| key | type | default | meaning |\n|---|---|---|---|\n")
			for _, k := range m.Keys {
				fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", k.Name, k.Type, k.Default, k.Meaning)
			}
			b.WriteString("\n")
		}
		for i, ex := range s.Examples {
			label := "Example"
			if len(s.Examples) > 1 {
				label = fmt.Sprintf("Example %d", i+1)
			}
			fmt.Fprintf(&b, "%s:\n\n```yaml\n%s```\n\n", label, ex)
		}
	}
	b.WriteString(`## What a runner may refuse

A form the parser takes but the runner cannot execute yet is refused with exit 2, naming the
field and its line — never silently ignored. Today ` + "`replay`" + ` executes every form above except a
` + "`webhook_fault`" + ` with more than one key (the fake applies one action per delivery: give each its
own step). Against a black-box service (` + "`replay --sut`" + `) a file that needs what the service does
not offer is skipped with the reason ([faults.md](faults.md) says what each fault needs).
`)
	return b.String()
}
