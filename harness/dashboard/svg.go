package dashboard

import (
	"fmt"
	"strings"
	"time"

	"github.com/eprharness/eprharness/harness/results"
)

// strip is a pass/fail strip: one coloured cell per run, oldest first, each
// linking to its run. It is drawn as inline SVG by the templates.
type strip struct {
	Width int
	Cells []cell
}

type cell struct {
	X           int
	Class, Href string
	Title       string
}

const cellW, cellGap = 12, 2

func newStrip(pts []results.HistoryPoint) strip {
	s := strip{Width: len(pts)*(cellW+cellGap) + 1}
	for i, pt := range pts {
		s.Cells = append(s.Cells, cell{
			X:     i * (cellW + cellGap),
			Class: statusClass(pt.Status),
			Href:  runURL(pt.RunID),
			Title: fmt.Sprintf("%s: %s, %s", pt.RunID, pt.Status, seconds(pt.Duration)),
		})
	}
	return s
}

// bars is a bar chart of durations, oldest first, scaled to the longest.
type bars struct {
	Width, Height int
	Max           string
	Bars          []bar
}

type bar struct {
	X, Y, H     int
	Class, Href string
	Title       string
}

const barsH = 80

func newBars(pts []results.HistoryPoint) bars {
	b := bars{Width: len(pts)*(cellW+cellGap) + 1, Height: barsH}
	var longest time.Duration
	for _, pt := range pts {
		longest = max(longest, pt.Duration)
	}
	b.Max = seconds(longest)
	for i, pt := range pts {
		h := 1
		if longest > 0 {
			h = max(1, int(float64(barsH)*float64(pt.Duration)/float64(longest)))
		}
		b.Bars = append(b.Bars, bar{
			X: i * (cellW + cellGap), Y: barsH - h, H: h,
			Class: statusClass(pt.Status),
			Href:  runURL(pt.RunID),
			Title: fmt.Sprintf("%s: %s (%s)", pt.RunID, seconds(pt.Duration), pt.Status),
		})
	}
	return b
}

// statusClass is the CSS class colouring a status.
func statusClass(s results.Status) string {
	switch s {
	case results.Passed:
		return "s-passed"
	case results.Flaky:
		return "s-flaky"
	case results.Skipped:
		return "s-skipped"
	default:
		return "s-failed"
	}
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }

// trendChart is a line chart of a few counts per run, oldest first, on one
// scale (the largest count), drawn as inline SVG by the templates. Each
// point has a <title>; the page beside it gives the numbers in a table.
type trendChart struct {
	Width, Height int
	Max           int
	// Top and Bottom are the y of the largest count and of 0; Left the x
	// of the axis.
	Top, Bottom, Left int
	Series            []trendSeries
}

type trendSeries struct {
	Name, Class string
	Points      string // polyline points
	Dots        []trendDot
}

type trendDot struct {
	X, Y  int
	Title string
}

const (
	trendStep   = 28
	trendLeft   = 34
	trendTop    = 10
	trendBottom = 110
)

// trendCSS styles the trend pages' chart, legend and matrix.
const trendCSS = `svg.trend{display:block;margin:.6em 0;max-width:100%;height:auto}
svg.trend .axis{stroke:#768692;stroke-width:1}
svg.trend text{font-size:10px;fill:#4c6272}
svg.trend polyline{fill:none;stroke-width:2}
.t-failing{stroke:#d5281b}svg.trend circle.t-failing{fill:#d5281b}
.t-accepted{stroke:#8a5300;stroke-dasharray:5 3}svg.trend circle.t-accepted{fill:#8a5300}
.t-pages{stroke:#005eb8;stroke-dasharray:1 3}svg.trend circle.t-pages{fill:#005eb8}
ul.legend{list-style:none;padding:0;display:flex;gap:1.5em;flex-wrap:wrap}
ul.legend .key{display:inline-block;width:2em;margin-right:.4em;vertical-align:middle;border-top-width:3px}
ul.legend .t-failing{border-top-style:solid;border-top-color:#d5281b}
ul.legend .t-accepted{border-top-style:dashed;border-top-color:#8a5300}
ul.legend .t-pages{border-top-style:dotted;border-top-color:#005eb8}
td.num{text-align:right}
.matrix{overflow-x:auto}
.matrix th.run{font-size:.8em;font-weight:normal}
.matrix td.good,.matrix td.bad,.matrix td.warn{font-weight:normal}
.matrix td.good{background:#e6f4ea;color:#005a2b}.matrix td.bad{background:#fdecea;color:#a01a10}.matrix td.warn{background:#fff4e0;color:#6b4100}
.matrix td.na{color:#4c6272}
.matrix th.hazard{background:#e8edee}
.why{display:block;font-size:.85em;font-weight:normal;color:#4c6272}
caption{text-align:left;font-weight:bold;padding:.2em 0}`

// newTrendChart charts runs (newest first, as the page lists them)
// oldest first: violations failing their checks, violations the baseline
// accepts, and pages checked.
func newTrendChart(runs []a11yRun) trendChart {
	c := trendChart{Height: trendBottom + 4, Top: trendTop, Bottom: trendBottom, Left: trendLeft, Max: 1}
	c.Width = max(240, trendLeft+len(runs)*trendStep+trendStep/2)
	for _, r := range runs {
		c.Max = max(c.Max, r.Failing, r.Accepted, r.Pages)
	}
	series := []struct {
		name, class string
		val         func(a11yRun) int
	}{
		{"violations failing their checks", "t-failing", func(r a11yRun) int { return r.Failing }},
		{"violations accepted by the baseline", "t-accepted", func(r a11yRun) int { return r.Accepted }},
		{"pages checked", "t-pages", func(r a11yRun) int { return r.Pages }},
	}
	for _, sr := range series {
		ts := trendSeries{Name: sr.name, Class: sr.class}
		var pts []string
		for i := range runs {
			r := runs[len(runs)-1-i]
			v := sr.val(r)
			x := trendLeft + trendStep/2 + i*trendStep
			y := trendBottom - (trendBottom-trendTop)*v/c.Max
			pts = append(pts, fmt.Sprintf("%d,%d", x, y))
			ts.Dots = append(ts.Dots, trendDot{X: x, Y: y, Title: fmt.Sprintf("%s, %s: %d", r.ID, sr.name, v)})
		}
		ts.Points = strings.Join(pts, " ")
		c.Series = append(c.Series, ts)
	}
	return c
}
