package reports

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"strings"
)

//go:embed assets/demo.html.tmpl
var demoTemplate string

// Colours of the outcome kinds in the demo's charts.
var demoKindColors = map[string]string{
	"booked": colorAccept, "already_booked": "#81c784", "slot_taken": "#90a4ae", "error": colorReject, "unknown": colorInconclusive,
}

// demoPage is what the demo template renders.
type demoPage struct {
	Demo
	Rows []DemoIncidentRow
	// Charts are the load charts, one row per chart kind, one chart per policy in each row.
	Charts [][]template.HTML
}

// RenderDemoHTML renders the demo page: the verdict per policy, the incident table (each
// incident under both policies, with links to its replay timeline), the load charts of the
// policies side by side, and links to the full load reports and porcupine timelines. Like
// the gate's page it is static: inline SVG, no script or style from the network.
func RenderDemoHTML(d Demo) ([]byte, error) {
	tpl, err := template.New("demo").Funcs(template.FuncMap{
		"join": strings.Join,
		"ms":   func(us int64) string { return fmt.Sprintf("%.1f ms", float64(us)/1000) },
	}).Parse(demoTemplate)
	if err != nil {
		return nil, fmt.Errorf("reports: parse demo template: %w", err)
	}
	var buf bytes.Buffer
	if err := tpl.Execute(&buf, demoPage{Demo: d, Rows: d.IncidentRows(), Charts: demoCharts(d)}); err != nil {
		return nil, fmt.Errorf("reports: render demo page: %w", err)
	}
	return buf.Bytes(), nil
}

// demoCharts draws, for each policy's load, the outcomes by deciding layer, the latency
// percentiles and the violations; charts of one kind share their axis so they compare.
func demoCharts(d Demo) [][]template.HTML {
	deciders := d.PresentDeciders()
	kinds := DemoOutcomeKinds()
	names := DemoViolationNames()
	var outcomes, latency, violations []BarChart
	for _, p := range d.Policies {
		if p.Load == nil {
			continue
		}
		r := p.Load
		oc := BarChart{ID: "load-outcomes-" + p.Policy, Title: p.Policy + ": outcomes by deciding layer", Categories: deciders, Stacked: true}
		for _, k := range kinds {
			s := Series{Name: k, Color: demoKindColors[k]}
			for _, dec := range deciders {
				s.Values = append(s.Values, float64(r.OutcomesByLayer[dec][k]))
			}
			oc.Series = append(oc.Series, s)
		}
		outcomes = append(outcomes, oc)
		latency = append(latency, BarChart{ID: "load-latency-" + p.Policy, Title: p.Policy + ": latency of Book (ms)",
			Categories: []string{"p50", "p90", "p99", "max"}, Unit: " ms",
			Series: []Series{{Name: "latency", Color: policyColor(p.Policy), Values: []float64{
				msOf(r.Latency.P50), msOf(r.Latency.P90), msOf(r.Latency.P99), msOf(r.Latency.Max)}}}})
		vs := Series{Name: "violations", Color: colorReject}
		for _, n := range names {
			vs.Values = append(vs.Values, float64(loadCount(r, n)))
		}
		violations = append(violations, BarChart{ID: "load-violations-" + p.Policy, Title: p.Policy + ": invariant violations under load",
			Categories: names, Series: []Series{vs}})
	}
	var rows [][]template.HTML
	for _, row := range [][]BarChart{outcomes, latency, violations} {
		shareAxis(row)
		var svgs []template.HTML
		for _, c := range row {
			svgs = append(svgs, c.SVG())
		}
		rows = append(rows, svgs)
	}
	return rows
}

// shareAxis gives charts that sit side by side one axis maximum, so equal bars mean equal
// numbers.
func shareAxis(charts []BarChart) {
	top := 0.0
	for _, c := range charts {
		for i := range c.Categories {
			sum := 0.0
			for _, s := range c.Series {
				if c.Stacked {
					sum += at(s.Values, i)
				} else {
					sum = max(sum, at(s.Values, i))
				}
			}
			top = max(top, sum)
		}
	}
	for i := range charts {
		charts[i].Max = max(top, 1)
	}
}

func msOf(us int64) float64 { return float64(us) / 1000 }

func policyColor(p string) string {
	if p == "seed" {
		return colorSeed
	}
	return colorHardened
}
