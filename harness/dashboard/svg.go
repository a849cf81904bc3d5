package dashboard

import (
	"fmt"
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
