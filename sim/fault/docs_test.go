package fault

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// docs/faults.md is the catalogue for users, generated from All: the test fails when the
// file is stale. UPDATE_DOCS=1 writes it instead.
func TestDocsAreFresh(t *testing.T) {
	path := filepath.Join("..", "..", DocsFile)
	want := Markdown()
	if os.Getenv("UPDATE_DOCS") != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v: run UPDATE_DOCS=1 go test ./sim/fault -run TestDocsAreFresh", err)
	}
	if string(got) != want {
		t.Fatalf("%s is stale: run UPDATE_DOCS=1 go test ./sim/fault -run TestDocsAreFresh", DocsFile)
	}
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
