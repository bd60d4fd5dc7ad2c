// Package gendoc keeps generated documentation true. A test renders a page — or one marked
// section of a hand-written page — from the code it describes (a catalogue, a parser's key
// tables, the import graph) and hands it to File or Section: the test fails when the
// committed text differs, and with UPDATE_DOCS=1 in the environment it writes the text
// instead. It is the one mechanism behind every generated doc (docs/faults.md,
// docs/incident-format.md, the import picture of docs/architecture.md), so each is
// refreshed the same way:
//
//	UPDATE_DOCS=1 go test ./sim/fault -run TestDocsAreFresh
package gendoc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// EnvUpdate names the environment variable that makes File and Section write instead of
// compare.
const EnvUpdate = "UPDATE_DOCS"

// Root returns the repository's root: the nearest directory at or above the test's working
// directory (its package directory) that holds go.mod.
func Root(t testing.TB) string {
	t.Helper()
	root, err := findRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("gendoc: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("gendoc: no go.mod above the working directory")
		}
		dir = parent
	}
}

// File checks that the file at rel (a slash path relative to Root, e.g. "docs/faults.md")
// holds exactly want. With UPDATE_DOCS set it writes want there first. A stale or missing
// file fails the test with the command that regenerates it.
func File(t testing.TB, rel, want string) {
	t.Helper()
	path := filepath.Join(Root(t), filepath.FromSlash(rel))
	if os.Getenv(EnvUpdate) != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v: run %s", err, regenerate(t))
	}
	if string(got) != want {
		t.Fatalf("%s is stale: run %s", rel, regenerate(t))
	}
}

// Section checks the generated part of a hand-written file: the lines strictly between
// BeginMarker(name) and EndMarker(name) in the file at rel must be want (which ends in a
// newline). With UPDATE_DOCS set it replaces them first; the rest of the file is never
// touched. Both markers must be there, once each.
func Section(t testing.TB, rel, name, want string) {
	t.Helper()
	path := filepath.Join(Root(t), filepath.FromSlash(rel))
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	before, got, after, err := split(string(data), name)
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	if os.Getenv(EnvUpdate) != "" {
		if err := os.WriteFile(path, []byte(before+want+after), 0o644); err != nil {
			t.Fatal(err)
		}
		got = want
	}
	if got != want {
		t.Fatalf("%s: the section %q is stale: run %s", rel, name, regenerate(t))
	}
}

// BeginMarker and EndMarker are the HTML comments (invisible on a rendered page) that frame
// the generated section name, each on a line of its own.
func BeginMarker(name string) string {
	return "<!-- BEGIN generated " + name + ": UPDATE_DOCS=1 go test rewrites it; do not edit -->"
}

// EndMarker closes the section BeginMarker opens.
func EndMarker(name string) string { return "<!-- END generated " + name + " -->" }

// split cuts text around the section name: everything up to and including the begin
// marker's line, the section, and everything from the end marker's line on.
func split(text, name string) (before, section, after string, err error) {
	begin, end := BeginMarker(name)+"\n", EndMarker(name)
	i := strings.Index(text, begin)
	if i < 0 || strings.Count(text, begin) != 1 {
		return "", "", "", fmt.Errorf("want the line %q exactly once", BeginMarker(name))
	}
	i += len(begin)
	j := strings.Index(text[i:], end)
	if j < 0 || strings.Count(text, end) != 1 || (j > 0 && text[i+j-1] != '\n') {
		return "", "", "", fmt.Errorf("want the line %q exactly once, after the begin marker", end)
	}
	j += i
	return text[:i], text[i:j], text[j:], nil
}

// regenerate is the command that rewrites what the running test checks.
func regenerate(t testing.TB) string {
	pkg := "."
	if root, err := findRoot(); err == nil {
		if wd, err := os.Getwd(); err == nil {
			if rel, err := filepath.Rel(root, wd); err == nil && rel != "." {
				pkg = "./" + filepath.ToSlash(rel)
			}
		}
	}
	test, _, _ := strings.Cut(t.Name(), "/")
	return fmt.Sprintf("%s=1 go test %s -run '^%s$'", EnvUpdate, pkg, test)
}
