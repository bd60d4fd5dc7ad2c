package incident

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/bookingharness/bookingharness/internal/gendoc"
)

// The catalogue section of docs/replay.md lists every file of scenarios/incidents/ (and its
// found/ folder) with what its own expectations say, read from the files themselves: a file
// added, removed or changed makes the section stale. UPDATE_DOCS=1 writes it again.
func TestDocsCatalogueIsFresh(t *testing.T) {
	root := gendoc.Root(t)
	var files []string
	for _, pattern := range []string{"scenarios/incidents/*.yaml", "scenarios/incidents/found/*.yaml"} {
		m, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(pattern)))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no incident files under scenarios/incidents")
	}
	var b strings.Builder
	b.WriteString("| file | policy, layers | what it shows | violations it expects | under the other policy |\n|---|---|---|---|---|\n")
	for _, path := range files {
		inc, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(filepath.Join(root, "docs"), path)
		rel = filepath.ToSlash(rel)
		name := strings.TrimPrefix(rel, "../scenarios/incidents/")
		other := "—"
		for policy, fe := range inc.ExpectByPolicy {
			vs := fe.Violations
			if vs == nil {
				vs = inc.Expect.Violations
			}
			other = policy + ": " + violationList(vs)
		}
		fmt.Fprintf(&b, "| [`%s`](%s) | %s, %s | %s | %s | %s |\n", name, rel, inc.Policy, layersOf(inc), firstSentence(inc.Description),
			violationList(inc.Expect.Violations), other)
	}
	gendoc.Section(t, "docs/replay.md", "catalogue", b.String())
}

// layersOf says which layers a file runs, as the file says it.
func layersOf(inc *Incident) string {
	if inc.LayersSpec == "list" {
		return strings.Join(inc.Layers, ", ")
	}
	if inc.LayersSpec == "none" {
		return "no layers"
	}
	return "all layers"
}

// violationList renders expected violations: "none" for none.
func violationList(vs []string) string {
	if len(vs) == 0 {
		return "none"
	}
	return "`" + strings.Join(vs, "`, `") + "`"
}

var sentenceEnd = regexp.MustCompile(`\.(\s|$)`)

// firstSentence is a description's first sentence on one line, at most about 240 characters,
// with the characters a Markdown table cell cannot hold escaped.
func firstSentence(desc string) string {
	s := strings.Join(strings.Fields(desc), " ")
	if loc := sentenceEnd.FindStringIndex(s); loc != nil {
		s = s[:loc[0]+1]
	}
	if r := []rune(s); len(r) > 240 {
		cut := string(r[:240])
		s = cut[:strings.LastIndex(cut, " ")] + " …"
	}
	return strings.NewReplacer("|", "\\|", "<", "&lt;").Replace(s)
}
