package reports

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"
)

// Series is one coloured data set of a bar chart.
type Series struct {
	Name  string
	Color string
	// Values has one value per category.
	Values []float64
}

// BarChart is a horizontal bar chart rendered as inline SVG: no script, no network, and it
// prints. Stacked bars sum the series per category; grouped bars draw them side by side.
type BarChart struct {
	// ID names the chart in the page (data-chart) for the browser check.
	ID         string
	Title      string
	Categories []string
	Series     []Series
	Stacked    bool
	// Max fixes the axis maximum (0: the data's maximum).
	Max  float64
	Unit string
}

// SVG renders the chart. Every bar is a rect of class "bar", so a page script can confirm
// that each chart drew its bars.
func (c BarChart) SVG() template.HTML {
	const (
		labelW, barH, gap, width, pad, legendH = 150.0, 16.0, 8.0, 640.0, 10.0, 44.0
	)
	groupH := barH
	if !c.Stacked {
		groupH = barH * float64(max(len(c.Series), 1))
	}
	height := legendH + pad + float64(len(c.Categories))*(groupH+gap) + 20
	maxV := c.Max
	if maxV == 0 {
		for i := range c.Categories {
			sum := 0.0
			for _, s := range c.Series {
				v := at(s.Values, i)
				if c.Stacked {
					sum += v
				} else {
					sum = math.Max(sum, v)
				}
			}
			maxV = math.Max(maxV, sum)
		}
	}
	if maxV == 0 {
		maxV = 1
	}
	plotW := width - labelW - 60
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" data-chart="%s" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" role="img" aria-label="%s">`,
		esc(c.ID), width, height, width, height, esc(c.Title))
	fmt.Fprintf(&b, `<title>%s</title><text x="0" y="14" class="title" font-weight="bold">%s</text>`, esc(c.Title), esc(c.Title))
	x := labelW
	for _, s := range c.Series {
		fmt.Fprintf(&b, `<rect x="%.0f" y="26" width="12" height="12" fill="%s"/><text x="%.0f" y="36" class="legend">%s</text>`, x, esc(s.Color), x+16, esc(s.Name))
		x += 16 + 8*float64(len(s.Name)) + 16
	}
	y := legendH + pad
	for i, cat := range c.Categories {
		fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" class="cat" text-anchor="end">%s</text>`, labelW-6, y+groupH/2+4, esc(cat))
		off := labelW
		total := 0.0
		for j, s := range c.Series {
			v := at(s.Values, i)
			w := v / maxV * plotW
			by := y
			if !c.Stacked {
				by = y + float64(j)*barH
				off = labelW
			}
			fmt.Fprintf(&b, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.0f" fill="%s"><title>%s — %s: %s%s</title></rect>`,
				off, by, w, barH-2, esc(s.Color), esc(cat), esc(s.Name), num(v), esc(c.Unit))
			if c.Stacked {
				off += w
				total += v
			} else if v > 0 {
				fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" class="val">%s%s</text>`, off+w+4, by+barH-5, num(v), esc(c.Unit))
			}
		}
		if c.Stacked {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" class="val">%s%s</text>`, off+4, y+barH-5, num(total), esc(c.Unit))
		}
		y += groupH + gap
	}
	fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="#999"/>`, labelW, legendH+pad-4, labelW, y)
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // every interpolated string is escaped above
}

func at(vs []float64, i int) float64 {
	if i < len(vs) {
		return vs[i]
	}
	return 0
}

func num(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func esc(s string) string { return html.EscapeString(s) }
