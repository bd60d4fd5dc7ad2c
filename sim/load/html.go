package load

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/render"
)

// echartsJS is Apache ECharts 5.6.0 (dist/echarts.min.js from the npm package, Apache-2.0,
// see assets/ECHARTS-LICENSE and assets/ECHARTS-NOTICE). go-echarts loads ECharts from a CDN
// by default; the report inlines this copy instead, so it works offline and as a CI artefact.
//
//go:embed assets/echarts.min.js
var echartsJS string

// snippetRenderer is what a go-echarts chart offers for embedding in our own page.
type snippetRenderer interface {
	RenderSnippet() render.ChartSnippet
}

// WriteHTML writes the self-contained HTML report: the summary facts as tables, the
// violations with the calls involved, and four charts (latency percentiles, outcomes by
// deciding layer, completions per second with fault windows shaded, faults fired per
// second). timeline, when not empty, is the path of the porcupine timeline to link to (by
// its base name: keep it next to the report).
func (r *Result) WriteHTML(w io.Writer, timeline string) error {
	var chartHTML []template.HTML
	for _, c := range []snippetRenderer{r.latencyChart(), r.layerChart(), r.throughputChart(), r.faultChart()} {
		sn := c.RenderSnippet()
		chartHTML = append(chartHTML, template.HTML(sn.Element+sn.Script)) // go-echarts output, built from our numbers
	}
	link := ""
	if timeline != "" {
		link = filepath.Base(timeline)
	}
	data := struct {
		R        *Result
		Charts   []template.HTML
		ECharts  template.JS
		Timeline string
		Layers   string
		Faults   string
		Elapsed  string
		Mode     string
		SlotLine string
		PoolLine string
		Deciders []string
		Kinds    []string
	}{
		R: r, Charts: chartHTML, ECharts: template.JS(echartsJS), Timeline: link, // the vendored ECharts build
		Layers: orNone(strings.Join(r.Layers, ", ")), Faults: orNone(FormatFaults(r.Faults)),
		Elapsed: seconds(r.ElapsedSeconds), Mode: r.modeLine(), SlotLine: r.slotsLine(), PoolLine: r.poolLine(),
		Deciders: presentDeciders(r), Kinds: kindNames(),
	}
	if err := reportTemplate.Execute(w, data); err != nil {
		return fmt.Errorf("load: write HTML report: %w", err)
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func kindNames() []string {
	out := make([]string, len(outcomeKinds))
	for i, k := range outcomeKinds {
		out[i] = string(k)
	}
	return out
}

func presentDeciders(r *Result) []string {
	var out []string
	for _, d := range deciders {
		if _, ok := r.OutcomesByLayer[d]; ok {
			out = append(out, d)
		}
	}
	return out
}

func initOpts(id, title, subtitle string) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{ChartID: id, Width: "900px", Height: "380px"}),
		charts.WithTitleOpts(opts.Title{Title: title, Subtitle: subtitle}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "bottom"}),
		charts.WithAnimation(false),
	}
}

// latencyChart: Book latency (ms) at each percentile of the merged histogram.
func (r *Result) latencyChart() *charts.Line {
	c := charts.NewLine()
	c.SetGlobalOptions(append(initOpts("latency", "Latency percentiles",
		fmt.Sprintf("real time per Book call, %d samples, merged HDR histograms", r.Latency.Count)),
		charts.WithXAxisOpts(opts.XAxis{Name: "percentile", Type: "category"}),
		charts.WithYAxisOpts(opts.YAxis{Name: "ms", Type: "log"}))...)
	x := make([]string, 0, len(r.Latency.Percentiles))
	for _, p := range r.Latency.Percentiles {
		x = append(x, "p"+strconv.FormatFloat(p.Percentile, 'f', -1, 64))
	}
	c.SetXAxis(x)
	if r.Mode != "open" {
		c.AddSeries("latency", percentileLine(r.Latency), charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "top"}))
		return c
	}
	c.AddSeries("from intended start", percentileLine(r.Latency), charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "top"}))
	c.AddSeries("service time (from actual start)", percentileLine(r.ServiceTime))
	c.AddSeries("start lag", percentileLine(r.StartLag))
	return c
}

// percentileLine is a latency distribution in ms, one point per percentile.
func percentileLine(l Latency) []opts.LineData {
	y := make([]opts.LineData, 0, len(l.Percentiles))
	for _, p := range l.Percentiles {
		y = append(y, opts.LineData{Value: float64(max(p.Micros, 1)) / 1000})
	}
	return y
}

// layerChart: attempts per deciding layer, stacked by outcome kind.
func (r *Result) layerChart() *charts.Bar {
	c := charts.NewBar()
	c.SetGlobalOptions(append(initOpts("layers", "Outcomes by deciding layer",
		"who decided each attempt: a layer, Cal.com's answer, or none (a plain success)"),
		charts.WithXAxisOpts(opts.XAxis{Name: "decided by", Type: "category"}),
		charts.WithYAxisOpts(opts.YAxis{Name: "attempts"}))...)
	ds := presentDeciders(r)
	c.SetXAxis(ds)
	for _, k := range outcomeKinds {
		data := make([]opts.BarData, len(ds))
		for i, d := range ds {
			data[i] = opts.BarData{Value: r.OutcomesByLayer[d][string(k)]}
		}
		c.AddSeries(string(k), data, charts.WithBarChartOpts(opts.BarChart{Stack: "outcomes"}))
	}
	return c
}

// seconds labels the run's seconds 0..n-1.
func (r *Result) seconds() []string {
	n := len(r.CompletedPerSecond)
	for _, f := range r.FaultsFired {
		n = max(n, len(f.PerSecond))
	}
	x := make([]string, n)
	for i := range x {
		x[i] = strconv.Itoa(i)
	}
	return x
}

// faultWindows are the runs of consecutive seconds in which some fault fired.
func (r *Result) faultWindows() [][2]int {
	n := len(r.seconds())
	fired := make([]bool, n)
	for _, f := range r.FaultsFired {
		for i, v := range f.PerSecond {
			fired[i] = fired[i] || v > 0
		}
	}
	var out [][2]int
	for i := 0; i < n; i++ {
		if !fired[i] {
			continue
		}
		j := i
		for j+1 < n && fired[j+1] {
			j++
		}
		out = append(out, [2]int{i, j})
		i = j
	}
	return out
}

// throughputChart: attempts finished per second, with the seconds in which faults fired
// shaded.
func (r *Result) throughputChart() *charts.Line {
	c := charts.NewLine()
	c.SetGlobalOptions(append(initOpts("throughput", "Throughput over time",
		fmt.Sprintf("attempts finished per second (mean %.1f/s); red: seconds in which faults fired; blue: stalls", r.Throughput)),
		charts.WithXAxisOpts(opts.XAxis{Name: "second", Type: "category"}),
		charts.WithYAxisOpts(opts.YAxis{Name: "attempts/s"}))...)
	x := r.seconds()
	y := make([]opts.LineData, len(x))
	for i := range x {
		v := 0
		if i < len(r.CompletedPerSecond) {
			v = r.CompletedPerSecond[i]
		}
		y[i] = opts.LineData{Value: v}
	}
	var areas [][]opts.MarkAreaData
	for _, w := range r.faultWindows() {
		areas = append(areas, []opts.MarkAreaData{{Name: "faults", XAxis: strconv.Itoa(w[0])}, {XAxis: strconv.Itoa(w[1])}})
	}
	var stalls [][]opts.MarkAreaData
	for _, st := range r.Stalls {
		first, last := int(st.StartSeconds), min(int(st.EndSeconds), len(x)-1)
		stalls = append(stalls, []opts.MarkAreaData{{Name: "stall", XAxis: strconv.Itoa(first)}, {XAxis: strconv.Itoa(last)}})
	}
	c.SetXAxis(x).AddSeries("finished/s", y,
		charts.WithMarkAreaData(areas...),
		charts.WithMarkAreaStyleOpts(opts.MarkAreaStyle{ItemStyle: &opts.ItemStyle{Color: "rgba(255, 99, 71, 0.15)"}}))
	if len(stalls) > 0 {
		zero := make([]opts.LineData, len(x))
		c.AddSeries("stalls", zero, charts.WithMarkAreaData(stalls...),
			charts.WithMarkAreaStyleOpts(opts.MarkAreaStyle{ItemStyle: &opts.ItemStyle{Color: "rgba(80, 80, 200, 0.18)"}}))
	}
	return c
}

// faultChart: fault firings per second, stacked by kind (from the fake's journal).
func (r *Result) faultChart() *charts.Bar {
	c := charts.NewBar()
	sub := "no faults configured"
	if len(r.FaultsFired) > 0 {
		parts := make([]string, len(r.FaultsFired))
		for i, f := range r.FaultsFired {
			parts[i] = fmt.Sprintf("%s %d", f.Kind, f.Fired)
		}
		sub = "from the fake's journal, by the faulted call's start: " + strings.Join(parts, ", ")
	}
	c.SetGlobalOptions(append(initOpts("faults", "Fault windows", sub),
		charts.WithXAxisOpts(opts.XAxis{Name: "second", Type: "category"}),
		charts.WithYAxisOpts(opts.YAxis{Name: "faults fired"}))...)
	x := r.seconds()
	c.SetXAxis(x)
	for _, f := range r.FaultsFired {
		data := make([]opts.BarData, len(x))
		for i := range x {
			v := 0
			if i < len(f.PerSecond) {
				v = f.PerSecond[i]
			}
			data[i] = opts.BarData{Value: v}
		}
		c.AddSeries(string(f.Kind), data, charts.WithBarChartOpts(opts.BarChart{Stack: "faults"}))
	}
	return c
}

var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"us":   func(v int64) string { return us(v) },
	"cell": func(m map[string]map[string]int, d, k string) int { return m[d][k] },
	"join": strings.Join,
	"ids": func(ids []int64) string {
		s := make([]string, len(ids))
		for i, id := range ids {
			s[i] = strconv.FormatInt(id, 10)
		}
		return strings.Join(s, ", ")
	},
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>bookingharness load — {{.R.Policy}}, {{.R.Attempts}} attempts</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 960px; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th:first-child, td:first-child, td.l { text-align: left; }
.ok { color: #1a7f37; font-weight: bold; } .fail { color: #cf222e; font-weight: bold; }
code { background: #f4f4f4; padding: 0 0.2em; }
.container { margin: 1em 0; }
</style>
<script>{{.ECharts}}</script>
</head>
<body>
<h1>Load-test same-slot bookings</h1>
<p>
{{- if .R.OK}}<span class="ok">OK</span>: no unexpected invariant violation.
{{- else}}<span class="fail">FAIL</span>: unexpected violations: {{join .R.UnexpectedViolations ", "}}.{{end}}
Expected for policy <code>{{.R.Policy}}</code>: {{if .R.ExpectedViolations}}{{join .R.ExpectedViolations ", "}}{{else}}none{{end}}.
</p>
<table>
<tr><th>policy</th><td class="l">{{.R.Policy}}</td></tr>
<tr><th>layers</th><td class="l">{{.Layers}}</td></tr>
<tr><th>seed</th><td class="l">{{.R.Seed}}</td></tr>
<tr><th>Cal.com</th><td class="l">{{.R.Calcom}}</td></tr>
<tr><th>plan</th><td class="l">{{.R.PlannedCalls}} calls, {{.Mode}}</td></tr>
<tr><th>slots</th><td class="l">{{.SlotLine}}</td></tr>
<tr><th>faults</th><td class="l">{{.Faults}}</td></tr>
<tr><th>Cal.com latency</th><td class="l">{{.R.CalcomLatency}} added to every answer</td></tr>
<tr><th>Postgres pool</th><td class="l">{{.PoolLine}}</td></tr>
{{- if .R.Database.Sampled}}
<tr><th>Postgres sessions</th><td class="l">peak {{.R.Database.PeakLockWaits}} waiting on a lock, {{.R.Database.PeakIdleInTransaction}} idle in a transaction; longest transaction {{printf "%.2f" .R.Database.LongestTransactionSec}}s</td></tr>
{{- end}}
<tr><th>attempts</th><td class="l">{{.R.Attempts}} in {{.Elapsed}}{{if .R.StoppedEarly}} (stopped early){{end}}</td></tr>
<tr><th>throughput</th><td class="l">{{printf "%.1f" .R.Throughput}} attempts/s</td></tr>
<tr><th>latency</th><td class="l">p50 {{us .R.Latency.P50}}, p90 {{us .R.Latency.P90}}, p99 {{us .R.Latency.P99}}, p99.9 {{us .R.Latency.P999}}, max {{us .R.Latency.Max}}{{if eq .R.Mode "open"}} (from the intended start){{end}}</td></tr>
{{- if eq .R.Mode "open"}}
<tr><th>service time</th><td class="l">p50 {{us .R.ServiceTime.P50}}, p99 {{us .R.ServiceTime.P99}}, max {{us .R.ServiceTime.Max}} (from the actual start)</td></tr>
<tr><th>start lag</th><td class="l">p50 {{us .R.StartLag.P50}}, p99 {{us .R.StartLag.P99}}, max {{us .R.StartLag.Max}}; {{.R.Late}} late (over {{us .R.LateAfterMicros}}), {{.R.Dropped}} dropped</td></tr>
{{- end}}
{{- if .R.Cancels.Attempted}}
<tr><th>cancels</th><td class="l">{{.R.Cancels.Attempted}} (rate {{.R.CancelRate}}): {{.R.Cancels.Cancelled}} cancelled, {{.R.Cancels.NothingToCancel}} nothing to cancel, {{.R.Cancels.Unknown}} unknown</td></tr>
{{- end}}
<tr><th>recovered by lookup</th><td class="l">{{.R.Recovered}}</td></tr>
<tr><th>Go runtime</th><td class="l">GC {{printf "%.2f" .R.Runtime.GCCPUSeconds}}s CPU ({{printf "%.2f" .R.Runtime.GCAssistSeconds}}s mark assists) in {{.R.Runtime.GCCycles}} cycles, peak live heap {{.R.Runtime.PeakLiveHeapMiB}} MiB; {{.R.Runtime.SlowCPUWaits}} waits of 20ms+ for a CPU</td></tr>
</table>

<h2>Stalls</h2>
{{- if eq .R.StallsTotal 0}}
<p class="ok">None: no {{printf "%g" .R.StallWindowSeconds}}s without a completion while attempts were in flight.</p>
{{- else}}
<p>{{.R.StallsTotal}} stretches of at least {{printf "%g" .R.StallWindowSeconds}}s without a completion while attempts were in flight{{if gt .R.StallsTotal (len .R.Stalls)}} (the {{len .R.Stalls}} longest listed){{end}}:</p>
<table>
<tr><th>from</th><th>to</th><th>length</th><th>in flight</th><th>causes</th></tr>
{{- range .R.Stalls}}
<tr><td>{{printf "%.1f" .StartSeconds}}s</td><td>{{printf "%.1f" .EndSeconds}}s</td><td>{{printf "%.1f" .Seconds}}s</td><td>{{.InFlight}}</td><td class="l">{{join .Causes "; "}}</td></tr>
{{- end}}
</table>
{{- end}}

<h2>Outcomes by deciding layer</h2>
<table>
<tr><th>decided by</th>{{range .Kinds}}<th>{{.}}</th>{{end}}<th>total</th></tr>
{{- $r := .R}}{{$kinds := .Kinds}}
{{- range $d := .Deciders}}
<tr><td>{{$d}}</td>{{range $k := $kinds}}<td>{{cell $r.OutcomesByLayer $d $k}}</td>{{end}}<td>{{index $r.DecidingLayers $d}}</td></tr>
{{- end}}
<tr><th>total</th>{{range $k := $kinds}}<th>{{index $r.Outcomes $k}}</th>{{end}}<th>{{$r.Attempts}}</th></tr>
</table>

<h2>Invariants</h2>
{{- if eq .R.Violations.Total 0}}
<p class="ok">All invariants hold.</p>
{{- else}}
<p>{{.R.Violations.Total}} violations{{if .R.Violations.Truncated}} (list bounded){{end}}:</p>
<table>
<tr><th>invariant</th><th>detail</th><th>calls</th><th>appointments</th><th>bookings</th></tr>
{{- range .R.Violations.Listed}}
<tr><td>{{.Invariant}}</td><td class="l">{{.Detail}}</td><td class="l">{{join .Calls ", "}}</td><td class="l">{{ids .AppointmentIDs}}</td><td class="l">{{join .BookingUIDs ", "}}</td></tr>
{{- end}}
</table>
{{- end}}
<p>Linearizability (porcupine, per slot): {{.R.Linearizability.Slots}} slots, {{.R.Linearizability.OK}} ok,
{{.R.Linearizability.Illegal}} illegal, {{.R.Linearizability.Timeout}} timed out.
{{- if .Timeline}} <a href="{{.Timeline}}">Timeline of {{if .R.Linearizability.Illegal}}the illegal slots{{else}}a sample of slots{{end}}</a>.{{end}}</p>
{{- if .R.Linearizability.IllegalSlots}}
<ul>{{range .R.Linearizability.IllegalSlots}}<li>{{.}}</li>{{end}}</ul>
{{- end}}

<h2>Charts</h2>
{{range .Charts}}{{.}}
{{end}}
</body>
</html>
`))
