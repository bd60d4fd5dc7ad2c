package stamp_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bookingharness/bookingharness/internal/stamp"
)

func write(t *testing.T, root, name, body string) {
	t.Helper()
	p := filepath.Join(root, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func gitRun(t *testing.T, root string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", root, "-c", "user.email=t@example.org", "-c", "user.name=t"}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// newTree is a small module with a core file, a scenario, a README and generated output.
func newTree(t *testing.T) string {
	root := t.TempDir()
	write(t, root, "go.mod", "module example.org/x\n")
	write(t, root, "core/a.go", "package core\n")
	write(t, root, "scenarios/incidents/one.yaml", "name: one\n")
	write(t, root, "README.md", "readme\n")
	write(t, root, ".gitignore", "/reports/out/\n")
	write(t, root, "reports/out/ginkgo.json", "[]\n")
	return root
}

// The inputs hash changes with every input file and with nothing else: not the README, not
// generated output, not a commit that changes no input.
func TestInputsFollowTheCodeThatDecidesTheArtefact(t *testing.T) {
	for _, withGit := range []bool{true, false} {
		root := newTree(t)
		if withGit {
			gitRun(t, root, "init", "-q")
			gitRun(t, root, "add", "-A")
			gitRun(t, root, "commit", "-qm", "first")
		}
		base, err := stamp.Take(root, []string{"make", "scenarios"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(base.Inputs, "sha256:") || strings.Join(base.Command, " ") != "make scenarios" || base.Time.IsZero() {
			t.Fatalf("stamp %+v", base)
		}
		if withGit && (len(base.Commit) != 40 || base.Dirty) {
			t.Fatalf("git stamp %+v: want the commit, clean", base)
		}
		if !withGit && base.Commit != "" {
			t.Fatalf("no git, yet commit %q", base.Commit)
		}
		same := func(what string, want bool) {
			t.Helper()
			got, err := stamp.Tree(root)
			if err != nil {
				t.Fatal(err)
			}
			if got.SameTree(base) != want {
				t.Errorf("git=%v, %s: same tree %v, want %v", withGit, what, got.SameTree(base), want)
			}
		}
		write(t, root, "README.md", "changed\n")
		write(t, root, "reports/out/ginkgo.json", "[1]\n")
		same("README and generated output changed", true)
		write(t, root, "scenarios/incidents/one.yaml", "name: two\n")
		same("an incident file changed", false)
		write(t, root, "scenarios/incidents/one.yaml", "name: one\n")
		same("the incident file changed back", true)
		write(t, root, "core/b.go", "package core\n")
		same("a new core file", false)
		if err := os.Remove(filepath.Join(root, "core", "b.go")); err != nil {
			t.Fatal(err)
		}
		if withGit {
			got, _ := stamp.Tree(root)
			if !got.Dirty {
				t.Error("a changed README leaves the tree dirty")
			}
			gitRun(t, root, "commit", "-qam", "readme")
			same("a commit that changes no input", true)
		}
	}
}

func TestRootIsFoundAboveAnyDirectory(t *testing.T) {
	root := newTree(t)
	got, err := stamp.Root(filepath.Join(t.TempDir(), "nowhere"), filepath.Join(root, "scenarios", "incidents"))
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := filepath.EvalSymlinks(root); got != root && got != want {
		t.Fatalf("Root = %s, want %s", got, root)
	}
	if _, err := stamp.Root(t.TempDir()); err == nil {
		t.Fatal("a directory with no go.mod above it has no root")
	}
}

func TestStringNamesCommitDirtyAndCommand(t *testing.T) {
	s := stamp.Stamp{Commit: "0123456789abcdef0123", Dirty: true, Inputs: "sha256:" + strings.Repeat("a", 64), Command: []string{"ginkgo", "-p"}}
	got := s.String()
	for _, want := range []string{"0123456789ab+dirty", "sha256:aaaaaaaaaaaa…", "by ginkgo -p"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
}

// A sidecar stamp holds only for the artefact it was written for.
func TestSidecarRefusesAReplacedArtefact(t *testing.T) {
	dir := t.TempDir()
	profile := filepath.Join(dir, "core.cover")
	if _, err := stamp.ReadSidecar(profile); err == nil {
		t.Fatal("a missing artefact has no stamp")
	}
	write(t, dir, "core.cover", "mode: atomic\n")
	if _, err := stamp.ReadSidecar(profile); err == nil || !strings.Contains(err.Error(), "carries no stamp") {
		t.Fatalf("no sidecar: %v", err)
	}
	want := stamp.Stamp{Commit: "abc", Inputs: "sha256:1"}
	if err := stamp.WriteSidecar(profile, want); err != nil {
		t.Fatal(err)
	}
	if got, err := stamp.ReadSidecar(profile); err != nil || got.Inputs != want.Inputs || got.Commit != want.Commit {
		t.Fatalf("ReadSidecar = %+v, %v", got, err)
	}
	write(t, dir, "core.cover", "mode: atomic\nx.go:1.1,2.2 1 1\n")
	if _, err := stamp.ReadSidecar(profile); err == nil || !strings.Contains(err.Error(), "changed after it was stamped") {
		t.Fatalf("a replaced artefact: %v", err)
	}
}
