package doccheck

import (
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/bookingharness/bookingharness/internal/gendoc"
)

// pendingPages are pages the docs link to that other branches are writing now. A link to one
// of them is let through while the page is missing; once it exists the test fails until the
// entry is removed, so the exception cannot outlive the merge.
func pendingPages() []string { return nil }

// outside are references to places outside the repository: the team's design notes and
// shared reference are not shipped, so a page must say what it needs in its own words.
var outside = regexp.MustCompile(`\.\./shared|DESIGN\.md|DESIGN[ ]§`)

var (
	// mdLink is an inline link or image: [text](target) or [text](target "title").
	mdLink = regexp.MustCompile(`!?\[[^\]]*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)`)
	// refDef is a reference-style definition: [label]: target.
	refDef = regexp.MustCompile(`^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$`)
	// codeSpan is inline code, where brackets are text, not links.
	codeSpan = regexp.MustCompile("`[^`]*`")
	scheme   = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`)
)

// trackedMarkdown lists the repository's Markdown files (slash paths from root): git's
// tracked files, or — without git — every *.md below root outside hidden, generated and
// dependency directories.
func trackedMarkdown(t *testing.T, root string) []string {
	t.Helper()
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "*.md")
	cmd.Dir = root
	if out, err := cmd.Output(); err == nil {
		var files []string
		for _, f := range strings.Split(string(out), "\x00") {
			if f != "" {
				if _, err := os.Stat(filepath.Join(root, f)); err == nil { // deleted but not staged: gone
					files = append(files, f)
				}
			}
		}
		return files
	}
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && p != root && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata" || p == filepath.Join(root, "reports", "out")) {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(name, ".md") {
			rel, _ := filepath.Rel(root, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// link is one link target written on a page.
type link struct {
	line   int
	target string
}

// links lists the link targets of a Markdown page, outside fenced code blocks and code spans.
func links(markdown string) []link {
	var out []link
	for _, pl := range prose(markdown) {
		if m := refDef.FindStringSubmatch(pl.text); m != nil {
			out = append(out, link{pl.number, m[1]})
			continue
		}
		for _, m := range mdLink.FindAllStringSubmatch(codeSpan.ReplaceAllString(pl.text, "``"), -1) {
			out = append(out, link{pl.number, m[1]})
		}
	}
	return out
}

// problem says what is wrong with a link target written on the page at file (a slash path
// from root), "" when nothing is.
func problem(root, file, target string) string {
	if target == "" || scheme.MatchString(target) || strings.HasPrefix(target, "//") {
		return "" // a web address (http:, mailto:): not this repository's to check
	}
	target, frag, _ := strings.Cut(target, "#")
	target, _, _ = strings.Cut(target, "?")
	p, err := url.PathUnescape(target)
	if err != nil {
		return "is not a valid path"
	}
	dest := file
	if p != "" {
		if strings.HasPrefix(p, "/") {
			return "is an absolute path; write it relative to the page"
		}
		dest = path.Join(path.Dir(file), p)
		if dest == ".." || strings.HasPrefix(dest, "../") {
			return "points outside the repository"
		}
	}
	info, err := os.Stat(filepath.Join(root, filepath.FromSlash(dest)))
	if err != nil {
		if slices.Contains(pendingPages(), dest) {
			return ""
		}
		return "does not exist"
	}
	if frag == "" || info.IsDir() || !strings.HasSuffix(dest, ".md") {
		return ""
	}
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(dest)))
	if err != nil {
		return err.Error()
	}
	if !anchors(string(data))[frag] {
		return "names #" + frag + ", which is no heading of " + dest
	}
	return ""
}

// Every relative link of every Markdown file resolves inside the repository (an #anchor to a
// heading of its page), and no page refers to the team's notes outside it.
func TestMarkdownLinksResolve(t *testing.T) {
	root := gendoc.Root(t)
	files := trackedMarkdown(t, root)
	if !slices.Contains(files, "README.md") {
		t.Fatalf("found no README.md among %d Markdown files: is %s the repository?", len(files), root)
	}
	for _, file := range files {
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(file)))
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		for i, line := range strings.Split(text, "\n") {
			if m := outside.FindString(line); m != "" {
				t.Errorf("%s:%d: refers to %q, outside the repository: cite a page under docs/ or say it in words", file, i+1, m)
			}
		}
		for _, l := range links(text) {
			if why := problem(root, file, l.target); why != "" {
				t.Errorf("%s:%d: link %q %s", file, l.line, l.target, why)
			}
		}
	}
}

// A pending page that exists is no longer pending: its exception must go.
func TestPendingPagesArePending(t *testing.T) {
	root := gendoc.Root(t)
	for _, p := range pendingPages() {
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(p))); err == nil {
			t.Errorf("%s exists now: remove it from pendingPages (links to it are checked like any other)", p)
		}
	}
}

func TestLinks(t *testing.T) {
	page := "see [a](docs/a.md), ![img](pic.svg \"title\") and `[not](a link)`\n" +
		"```\n[also not](x.md)\n```\n[ref]: docs/b.md#part\n<https://example.org> [web](https://example.org)\n"
	want := []link{{1, "docs/a.md"}, {1, "pic.svg"}, {5, "docs/b.md#part"}, {6, "https://example.org"}}
	if got := links(page); !reflect.DeepEqual(got, want) {
		t.Fatalf("links = %v, want %v", got, want)
	}
}
