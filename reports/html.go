package reports

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"strings"
)

//go:embed assets/index.html.tmpl
var indexTemplate string

// Chart colours, also used in the legend of the coverage matrix.
const (
	colorAccept       = "#4caf50"
	colorReject       = "#e53935"
	colorInconclusive = "#ffb300"
	colorError        = "#6d4c41"
	colorSeed         = "#8e24aa"
	colorHardened     = "#1e88e5"
)

// page is what the template renders.
type page struct {
	Facts
	Verdict string
	Charts  []template.HTML
}

// RenderHTML renders the static index page: tables and inline-SVG charts, no script from
// the network, readable from the file system without a server.
func RenderHTML(f Facts) ([]byte, error) {
	tpl, err := template.New("index").Funcs(template.FuncMap{
		"join":     strings.Join,
		"pct":      func(v float64) string { return fmt.Sprintf("%.1f %%", v) },
		"cellText": cellText,
		"total":    func(m Matrix, policy, layer string) LayerTotal { return m.Total(policy, layer) },
		"necCell":  func(n *Necessity, policy, off string) NecessityCell { c, _ := n.Cell(policy, off); return c },
		"dur":      func(ms float64) string { return fmt.Sprintf("%.0f ms", ms) },
		"policies": Policies,
	}).Parse(indexTemplate)
	if err != nil {
		return nil, fmt.Errorf("reports: parse page template: %w", err)
	}
	p := page{Facts: f, Verdict: "PASS", Charts: charts(f)}
	if !f.Gate.Pass {
		p.Verdict = "FAIL"
	}
	var buf bytes.Buffer
	if err := tpl.Execute(&buf, p); err != nil {
		return nil, fmt.Errorf("reports: render page: %w", err)
	}
	return buf.Bytes(), nil
}

// cellText is a matrix cell's short label, e.g. "✗2 ✓5".
func cellText(c Cell) string {
	switch c.State {
	case StateOff:
		return "off"
	case StateNotReached:
		return "·"
	}
	var parts []string
	if c.Reject > 0 {
		parts = append(parts, fmt.Sprintf("✗%d", c.Reject))
	}
	if c.Accept > 0 {
		parts = append(parts, fmt.Sprintf("✓%d", c.Accept))
	}
	if c.Inconclusive > 0 {
		parts = append(parts, fmt.Sprintf("?%d", c.Inconclusive))
	}
	if c.Error > 0 {
		parts = append(parts, fmt.Sprintf("!%d", c.Error))
	}
	return strings.Join(parts, " ")
}

// charts builds every chart of the page from the facts.
func charts(f Facts) []template.HTML {
	var out []template.HTML
	for _, p := range Policies() {
		c := BarChart{ID: "decisions-" + p, Title: "Layer decisions, " + p + " policy (all normal worlds)", Categories: f.Coverage.Layers, Stacked: true}
		acc, rej, inc, errs := Series{Name: "accept", Color: colorAccept}, Series{Name: "reject", Color: colorReject},
			Series{Name: "inconclusive", Color: colorInconclusive}, Series{Name: "error", Color: colorError}
		for _, l := range f.Coverage.Layers {
			t := f.Coverage.Total(p, l)
			acc.Values = append(acc.Values, float64(t.Accept))
			rej.Values = append(rej.Values, float64(t.Reject))
			inc.Values = append(inc.Values, float64(t.Inconclusive))
			errs.Values = append(errs.Values, float64(t.Error))
		}
		c.Series = []Series{rej, acc, inc, errs}
		out = append(out, c.SVG())
	}
	if n := f.Necessity; n != nil {
		c := BarChart{ID: "necessity", Title: "Full-design scenarios that break an invariant with the layer off", Categories: n.Off}
		seed, hard := Series{Name: "seed", Color: colorSeed}, Series{Name: "hardened", Color: colorHardened}
		for _, off := range n.Off {
			s, _ := n.Cell("seed", off)
			h, _ := n.Cell("hardened", off)
			seed.Values = append(seed.Values, float64(s.NeededInFull))
			hard.Values = append(hard.Values, float64(h.NeededInFull))
		}
		c.Series = []Series{seed, hard}
		out = append(out, c.SVG())
	}
	if cc := f.CodeCoverage; cc != nil {
		c := BarChart{ID: "code-coverage", Title: "Statement coverage of each layer's functions (mean)", Max: 100, Unit: " %"}
		s := Series{Name: "coverage", Color: colorHardened}
		for _, l := range cc.Layers {
			c.Categories = append(c.Categories, l.Layer)
			s.Values = append(s.Values, l.Mean)
		}
		c.Categories = append(c.Categories, "total")
		s.Values = append(s.Values, cc.Total)
		c.Series = []Series{s}
		out = append(out, c.SVG())
	}
	if s := f.Suite; s != nil {
		c := BarChart{ID: "results", Title: "Results", Categories: []string{"scenario specs"}, Stacked: true}
		pass, fail, skip := Series{Name: "passed", Color: colorAccept, Values: []float64{float64(s.Passed)}},
			Series{Name: "failed", Color: colorReject, Values: []float64{float64(s.Failed)}},
			Series{Name: "skipped/pending", Color: colorInconclusive, Values: []float64{float64(s.Skipped + s.Pending)}}
		if len(f.Incidents) > 0 {
			c.Categories = append(c.Categories, "incident replays")
			ok := 0
			for _, i := range f.Incidents {
				if i.Pass {
					ok++
				}
			}
			pass.Values = append(pass.Values, float64(ok))
			fail.Values = append(fail.Values, float64(len(f.Incidents)-ok))
			skip.Values = append(skip.Values, 0)
		}
		c.Series = []Series{pass, fail, skip}
		out = append(out, c.SVG())
	}
	return out
}
