package fault

import (
	"strings"
	"testing"

	"github.com/bookingharness/bookingharness/internal/gendoc"
)

// docs/faults.md is the catalogue for users, generated from All: the test fails when the
// file is stale. UPDATE_DOCS=1 writes it instead (internal/gendoc).
func TestDocsAreFresh(t *testing.T) {
	gendoc.File(t, DocsFile, Markdown())
}

// The docs name every fault with its CLI and YAML forms.
func TestDocsNameEveryFault(t *testing.T) {
	md := Markdown()
	for _, f := range All() {
		for _, s := range []string{"| `" + f.Name + "` |", f.yamlForm()} {
			if !strings.Contains(md, s) {
				t.Errorf("%s: the docs lack %q", f.ID(), s)
			}
		}
		if f.CLI != "" && !strings.Contains(md, f.CLI+"="+string(f.CLISpec)) {
			t.Errorf("%s: the docs lack its CLI form", f.ID())
		}
	}
}
