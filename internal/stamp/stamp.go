// Package stamp says which source tree made an artefact: the commit, whether the tree was
// dirty, a hash of the inputs that decide the artefact, the command and flags that made it,
// and when. Every artefact the CI gate judges carries one (docs/gate.md), so the gate can
// refuse evidence that is stale (made from another tree), partial or made differently, and
// evidence merged from several runs can be checked to come from one tree.
package stamp

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Stamp is the provenance of one artefact.
type Stamp struct {
	// Commit is the tree's HEAD commit; "" outside a git checkout.
	Commit string `json:"commit"`
	// Dirty is true when the checkout had changes that are not committed.
	Dirty bool `json:"dirty"`
	// Inputs is "sha256:<hex>" over every input file's path and content (Inputs lists
	// them): two artefacts with the same Inputs were made from the same code.
	Inputs string `json:"inputs"`
	// Command is the command line (and the settings that matter) that made the artefact.
	Command []string `json:"command,omitempty"`
	// Time is when the artefact was begun.
	Time time.Time `json:"time"`
}

// Inputs are the paths, relative to the repository root, whose files decide an artefact: the
// module, the Makefile (the flags the evidence is made with), the core, the scenario suite
// with its incident catalogue, and the harness's own packages and examples. Generated output
// (reports/out) and files git ignores are not inputs.
func Inputs() []string {
	return []string{"go.mod", "go.sum", "Makefile", "cmd", "core", "examples", "fakecalcom", "internal", "pgenv", "reports", "scenarios", "sim"}
}

// skipDirs are never walked when the tree is not a git checkout: generated output and
// installed dependencies.
func skipDirs() []string {
	return []string{".git", ".bin", "node_modules", filepath.Join("reports", "out")}
}

// Take stamps an artefact made now by command from the tree at root.
func Take(root string, command []string) (Stamp, error) {
	s, err := Tree(root)
	s.Command = command
	return s, err
}

// Tree is the stamp of the tree at root itself (no command): what the gate holds artefacts
// against.
func Tree(root string) (Stamp, error) {
	s := Stamp{Time: time.Now().UTC()}
	files, inGit, err := inputFiles(root)
	if err != nil {
		return s, err
	}
	if s.Inputs, err = hashFiles(root, files); err != nil {
		return s, err
	}
	if inGit {
		s.Commit = strings.TrimSpace(git(root, "rev-parse", "HEAD"))
		s.Dirty = strings.TrimSpace(git(root, "status", "--porcelain", "--untracked-files=normal")) != ""
	}
	return s, nil
}

// Root finds the repository root (the directory with go.mod) at or above the first of dirs
// that has one.
func Root(dirs ...string) (string, error) {
	for _, d := range dirs {
		d, err := filepath.Abs(d)
		if err != nil {
			continue
		}
		for {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				return d, nil
			}
			up := filepath.Dir(d)
			if up == d {
				break
			}
			d = up
		}
	}
	return "", fmt.Errorf("stamp: no go.mod at or above %s", strings.Join(dirs, ", "))
}

// SameTree reports whether s was made from the code other was: the same inputs. The commit
// may differ (a commit that changes no input, e.g. the README, keeps evidence current).
func (s Stamp) SameTree(other Stamp) bool { return s.Inputs != "" && s.Inputs == other.Inputs }

// String is the stamp on one line: commit (+dirty), inputs, when, command.
func (s Stamp) String() string {
	commit := s.Commit
	if len(commit) > 12 {
		commit = commit[:12]
	}
	if commit == "" {
		commit = "(no commit)"
	}
	if s.Dirty {
		commit += "+dirty"
	}
	inputs := s.Inputs
	if len(inputs) > 19 {
		inputs = inputs[:19] + "…"
	}
	out := fmt.Sprintf("%s inputs %s at %s", commit, inputs, s.Time.UTC().Format(time.RFC3339))
	if len(s.Command) > 0 {
		out += " by " + strings.Join(s.Command, " ")
	}
	return out
}

// inputFiles lists the input files under root, sorted: through git (tracked and untracked
// files it does not ignore) in a checkout, else by walking the input paths.
func inputFiles(root string) ([]string, bool, error) {
	if out, err := gitErr(root, append([]string{"ls-files", "-z", "--cached", "--others", "--exclude-standard", "--"}, Inputs()...)...); err == nil {
		var files []string
		for _, f := range strings.Split(out, "\x00") {
			if f != "" {
				files = append(files, filepath.FromSlash(f))
			}
		}
		slices.Sort(files)
		return slices.Compact(files), true, nil
	}
	var files []string
	for _, in := range Inputs() {
		err := filepath.WalkDir(filepath.Join(root, in), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			rel, _ := filepath.Rel(root, p)
			if d.IsDir() {
				if slices.Contains(skipDirs(), rel) || d.Name() == "node_modules" {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() {
				files = append(files, rel)
			}
			return nil
		})
		if err != nil {
			return nil, false, fmt.Errorf("stamp: list inputs: %w", err)
		}
	}
	slices.Sort(files)
	return files, false, nil
}

// hashFiles hashes each file's path and content; a listed file that is gone (deleted but not
// yet committed) counts as deleted.
func hashFiles(root string, files []string) (string, error) {
	all := sha256.New()
	for _, f := range files {
		h := sha256.New()
		file, err := os.Open(filepath.Join(root, f))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			fmt.Fprintf(all, "%s\x00deleted\n", filepath.ToSlash(f))
			continue
		case err != nil:
			return "", fmt.Errorf("stamp: %w", err)
		}
		_, err = io.Copy(h, file)
		file.Close()
		if err != nil {
			return "", fmt.Errorf("stamp: read %s: %w", f, err)
		}
		fmt.Fprintf(all, "%s\x00%x\n", filepath.ToSlash(f), h.Sum(nil))
	}
	return "sha256:" + hex.EncodeToString(all.Sum(nil)), nil
}

func git(root string, args ...string) string {
	out, _ := gitErr(root, args...)
	return out
}

func gitErr(root string, args ...string) (string, error) {
	cmd := exec.Command("git", append([]string{"-C", root}, args...)...)
	out, err := cmd.Output()
	return string(out), err
}

// ReportEntryName is the Ginkgo report entry under which the scenario suite attaches its
// stamp (to its SynchronizedBeforeSuite node), so a --json-report carries its own stamp.
const ReportEntryName = "bookingharness.stamp"

// settings are the environment variables that change what a run of the harness does; a
// stamp's command records those that are set. Connection strings are not among them: they
// may carry a password, and they decide where a run happens, not what it shows.
func settings() []string {
	return []string{"HARNESS_LAYERS_OFF", "HARNESS_SABOTAGE", "HARNESS_GATED_TIMEOUT", "HARNESS_PG_PROVIDER", "HARNESS_PG_IMAGE"}
}

// Command is args preceded by the settings of the environment that change what the run does
// (NAME=value), the form a stamp records.
func Command(args []string) []string {
	var out []string
	for _, name := range settings() {
		if v, ok := os.LookupEnv(name); ok {
			out = append(out, name+"="+v)
		}
	}
	return append(out, args...)
}
