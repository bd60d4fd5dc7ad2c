package doccheck

import (
	"bufio"
	"errors"
	"fmt"
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bookingharness/bookingharness/internal/gendoc"
)

// graph is the module's import graph: package (its path inside the module, "sim/world") →
// the module's packages it imports. A package's tests do not count, except for a package
// that is nothing but tests (the scenario suite), whose imports are its tests'.
type graph map[string][]string

// moduleGraph reads the import graph of the module at root with go/build (the build
// constraints of this machine, no sabotage tag).
func moduleGraph(t *testing.T, root string) graph {
	t.Helper()
	module := modulePath(t, root)
	g := graph{}
	err := filepath.WalkDir(root, func(dir string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if !d.IsDir() {
			return nil
		}
		if dir != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "node_modules") {
			return filepath.SkipDir
		}
		pkg, err := build.Default.ImportDir(dir, 0)
		var none *build.NoGoError
		if errors.As(err, &none) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", dir, err)
		}
		rel, _ := filepath.Rel(root, dir)
		imports := pkg.Imports
		if len(pkg.GoFiles) == 0 {
			imports = append(slices.Clone(pkg.TestImports), pkg.XTestImports...)
		}
		self := filepath.ToSlash(rel)
		g[self] = []string{}
		for _, imp := range imports {
			if p, ok := strings.CutPrefix(imp, module+"/"); ok && p != self && !slices.Contains(g[self], p) {
				g[self] = append(g[self], p)
			}
		}
		slices.Sort(g[self])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// modulePath reads the module line of root's go.mod.
func modulePath(t *testing.T, root string) string {
	t.Helper()
	f, err := os.Open(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m, ok := strings.CutPrefix(sc.Text(), "module "); ok {
			return strings.TrimSpace(m)
		}
	}
	t.Fatal("go.mod has no module line")
	return ""
}

// packages lists the graph's packages, sorted.
func (g graph) packages() []string {
	var out []string
	for p := range g {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// reaches reports whether from imports to, directly or through other packages, leaving out
// the direct edge from → skip.
func (g graph) reaches(from, to, skip string) bool {
	seen := map[string]bool{}
	var stack []string
	for _, p := range g[from] {
		if p != skip {
			stack = append(stack, p)
		}
	}
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if p == to {
			return true
		}
		if !seen[p] {
			seen[p] = true
			stack = append(stack, g[p]...)
		}
	}
	return false
}

// arrows are the imports the picture draws: the transitive reduction of the graph (an import
// that another path of imports implies is left out), as [from, to] pairs, sorted.
func (g graph) arrows() [][2]string {
	var out [][2]string
	for _, from := range g.packages() {
		for _, to := range g[from] {
			if !g.reaches(from, to, to) {
				out = append(out, [2]string{from, to})
			}
		}
	}
	return out
}

// group is a box of the picture: the packages whose path starts with one of its prefixes.
type group struct {
	id, title string
	prefixes  []string
}

// groups are the picture's boxes, top to bottom: what people run, the harness, the booking
// side it drives, and the plumbing under all of it. A package no box claims fails the test.
func groups() []group {
	return []group{
		{"run", "commands, suites, reports", []string{"cmd", "scenarios", "reports", "bench"}},
		{"harness", "the harness: sim/", []string{"sim"}},
		{"booking", "the booking side", []string{"core", "fakecalcom", "pgenv"}},
		{"plumbing", "internal/", []string{"internal"}},
	}
}

func (gr group) holds(pkg string) bool {
	for _, p := range gr.prefixes {
		if pkg == p || strings.HasPrefix(pkg, p+"/") {
			return true
		}
	}
	return false
}

// nodeID is a Mermaid node id for a package path.
func nodeID(pkg string) string { return strings.NewReplacer("/", "_", "-", "_", ".", "_").Replace(pkg) }

// mermaid draws the graph: one box per group, one node per package, one arrow per import of
// the transitive reduction.
func (g graph) mermaid(t *testing.T) string {
	var b strings.Builder
	b.WriteString("```mermaid\nflowchart TB\n")
	claimed := map[string]bool{}
	for _, gr := range groups() {
		fmt.Fprintf(&b, "  subgraph %s [\"%s\"]\n", gr.id, gr.title)
		for _, p := range g.packages() {
			if gr.holds(p) && !claimed[p] {
				claimed[p] = true
				fmt.Fprintf(&b, "    %s[\"%s\"]\n", nodeID(p), p)
			}
		}
		b.WriteString("  end\n")
	}
	for _, p := range g.packages() {
		if !claimed[p] {
			t.Errorf("package %s is in no group of the import picture: add it to groups()", p)
		}
	}
	for _, a := range g.arrows() {
		fmt.Fprintf(&b, "  %s --> %s\n", nodeID(a[0]), nodeID(a[1]))
	}
	b.WriteString("```\n")
	return b.String()
}

// The import picture of docs/architecture.md is the module's import graph: every package,
// and every import no other path of imports implies. A package added or an import removed
// makes the picture stale; UPDATE_DOCS=1 draws it again (internal/gendoc).
func TestImportPictureIsTrue(t *testing.T) {
	root := gendoc.Root(t)
	g := moduleGraph(t, root)
	for _, want := range []string{"core", "sim/world", "internal/doccheck", "scenarios"} {
		if _, ok := g[want]; !ok {
			t.Fatalf("the graph lacks %s: it is not this module's", want)
		}
	}
	gendoc.Section(t, "docs/architecture.md", "imports", g.mermaid(t))
}

// importRules are the one-way import rules of docs/architecture.md: a package under the
// first prefix must not import, directly or indirectly, a package under any of the others.
func importRules() [][]string {
	up := []string{"cmd", "scenarios", "bench"}
	return [][]string{
		append([]string{"core", "fakecalcom", "pgenv", "sim", "reports"}, up...),
		append([]string{"fakecalcom", "core", "pgenv", "sim", "reports"}, up...),
		append([]string{"pgenv", "fakecalcom", "sim", "reports"}, up...),
		append([]string{"sim", "reports"}, up...),
		append([]string{"internal", "core", "fakecalcom", "pgenv", "sim", "reports"}, up...),
		{"reports", "cmd", "scenarios"},
	}
}

// under reports whether pkg is prefix or below it.
func under(pkg, prefix string) bool { return pkg == prefix || strings.HasPrefix(pkg, prefix+"/") }

func TestImportRules(t *testing.T) {
	g := moduleGraph(t, gendoc.Root(t))
	for _, rule := range importRules() {
		from, banned := rule[0], rule[1:]
		for _, p := range g.packages() {
			if !under(p, from) {
				continue
			}
			for _, q := range g.packages() {
				if slices.ContainsFunc(banned, func(b string) bool { return under(q, b) }) && g.reaches(p, q, "") {
					t.Errorf("%s imports %s (directly or through other packages); %s must not import %s", p, q, from, strings.Join(banned, ", "))
				}
			}
		}
	}
}

func TestReachesAndArrows(t *testing.T) {
	g := graph{"a": {"b", "c"}, "b": {"c"}, "c": {}, "d": {"a"}}
	if !g.reaches("d", "c", "") || g.reaches("c", "a", "") || !g.reaches("a", "c", "c") {
		t.Fatal("reaches is wrong")
	}
	want := [][2]string{{"a", "b"}, {"b", "c"}, {"d", "a"}}
	if got := g.arrows(); !slices.Equal(got, want) {
		t.Fatalf("arrows = %v, want %v (a → c is implied by a → b → c)", got, want)
	}
}
