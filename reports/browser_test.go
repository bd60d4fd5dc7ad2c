package reports

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// EnvReportPage names a built index.html to check in the browser as well as the fixture
// page (make report-browser-check sets it to reports/out/index.html).
const EnvReportPage = "HARNESS_REPORT_PAGE"

// chromium returns Debian's headless browser, or "" when it is not installed.
func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestPageInBrowser loads the fixture report (and the page named by HARNESS_REPORT_PAGE)
// in headless Chromium with the network unreachable, and requires that every chart
// rendered (the page's own script writes "charts-rendered:n/n" into the DOM) and that the
// console stayed silent — a missing asset, a script error or a network fetch all log there.
func TestPageInBrowser(t *testing.T) {
	bin := chromium()
	if bin == "" {
		t.Skip("skipped: chromium not installed (apt-get install chromium) — the page was not checked in a browser")
	}
	dir := copyFixture(t)
	if err := os.WriteFile(filepath.Join(dir, FileLoadHTML), []byte("<!DOCTYPE html><title>load</title><p>load stub</p>"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Collect(fixtureInputs(dir))
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(dir, f); err != nil {
		t.Fatal(err)
	}
	pages := []string{filepath.Join(dir, FileIndex)}
	if p := os.Getenv(EnvReportPage); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, abs)
	}
	for _, page := range pages {
		t.Run(filepath.Base(filepath.Dir(page)), func(t *testing.T) { checkInBrowser(t, bin, page) })
	}
}

var renderedRE = regexp.MustCompile(`charts-rendered:(\d+)/(\d+)`)

func checkInBrowser(t *testing.T, bin, page string) {
	raw, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range browserProblems(t, bin, page, string(raw)) {
		t.Error(p)
	}
}

// browserProblems loads page and lists what is wrong with it: no render marker, charts
// that did not draw, anything on the console.
func browserProblems(t *testing.T, bin, page, raw string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
		"--host-resolver-rules=MAP * ~NOTFOUND", "--user-data-dir="+t.TempDir(), "--enable-logging=stderr", "--v=0",
		"--virtual-time-budget=5000", "--dump-dom", "file://"+page)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, tail(stderr.String(), 40))
	}
	problems := offlineProblems(raw)
	dom := stdout.String()
	if m := renderedRE.FindStringSubmatch(dom); m == nil {
		problems = append(problems, "the page's render marker never ran (script blocked or broken); DOM tail:\n"+tail(dom, 10))
	} else {
		if m[1] != m[2] || m[2] == "0" || !strings.Contains(dom, `data-ok="true"`) {
			problems = append(problems, fmt.Sprintf("charts rendered %s of %s", m[1], m[2]))
		}
		if want := strings.Count(raw, `<svg class="chart"`); m[2] != strconv.Itoa(want) {
			problems = append(problems, fmt.Sprintf("the browser saw %s charts, the page has %d", m[2], want))
		}
	}
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(line, "CONSOLE") || strings.Contains(line, "Uncaught") || strings.Contains(line, "net::ERR_") {
			problems = append(problems, "browser console: "+line)
		}
	}
	return problems
}

// TestBrowserCheckCatchesBrokenPages proves the browser check can fail: a chart that does
// not draw, a script error and a network fetch must each be reported.
func TestBrowserCheckCatchesBrokenPages(t *testing.T) {
	bin := chromium()
	if bin == "" {
		t.Skip("skipped: chromium not installed")
	}
	page, err := RenderHTML(Facts{Suite: &SuiteSummary{Total: 1, Passed: 1}, Coverage: BuildMatrix(nil)})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, inject, want string }{
		{"hidden chart", `<style>svg.chart{display:none}</style>`, "charts rendered 0 of"},
		{"script error", `<script>undefinedFunction()</script>`, "console"},
		{"network fetch", `<img src="http://example.invalid/x.png">`, "loads from the network"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			html := strings.Replace(string(page), "</head>", tt.inject+"</head>", 1)
			p := filepath.Join(t.TempDir(), "index.html")
			if err := os.WriteFile(p, []byte(html), 0o644); err != nil {
				t.Fatal(err)
			}
			problems := browserProblems(t, bin, p, html)
			if !strings.Contains(strings.Join(problems, "\n"), tt.want) {
				t.Fatalf("problems = %q, want one containing %q", problems, tt.want)
			}
		})
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
