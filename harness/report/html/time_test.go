package html

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	nethtml "golang.org/x/net/html"

	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/results/resultstest"
)

func TestGoldenPhased(t *testing.T) {
	resultstest.Golden(t, "phased.golden", write(t, resultstest.Phased(), sampleConfig()))
}

// rows returns the text of each cell of each body row of the table with
// the given class, in the time section.
func rows(t *testing.T, doc *nethtml.Node, class string) [][]string {
	t.Helper()
	tables := findAll(doc, classed("table", class))
	require.Len(t, tables, 1, class)
	var out [][]string
	for _, tr := range findAll(tables[0], tag("tr")) {
		if tr.Parent == nil || tr.Parent.Data != "tbody" {
			continue
		}
		var cells []string
		for c := tr.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == nethtml.ElementNode {
				cells = append(cells, strings.TrimSpace(text(c)))
			}
		}
		out = append(out, cells)
	}
	return out
}

func TestWhereTheTimeWent(t *testing.T) {
	doc := parse(t, write(t, resultstest.Phased(), Config{}))
	sections := findAll(doc, func(n *nethtml.Node) bool { v, _ := attr(n, "id"); return n.Data == "section" && v == "time" })
	require.Len(t, sections, 1)
	assert.Contains(t, text(sections[0]), "Where the time went")

	run := rows(t, doc, "time-run")
	require.Len(t, run, 3)
	assert.Equal(t, []string{"first-step", "5.1 s", "from the command's start to the first step of the first scenario"}, run[2])

	phases := rows(t, doc, "time-phases")
	var names []string
	for _, r := range phases {
		names = append(names, r[0])
	}
	assert.Equal(t, []string{"reset", "context", "fixtures", "sign-in", "steps", "evidence", "teardown", "other"}, names)
	assert.Equal(t, []string{"sign-in", "9.1 s", "12.7%", "signing in, or restoring a saved sign-in"}, phases[3])

	slowest := rows(t, doc, "time-slowest")
	require.Len(t, slowest, 10)
	assert.Contains(t, slowest[0][0], "features/medications.feature:5")
	assert.Equal(t, "30.2 s", slowest[0][1])
	assert.Equal(t, "reset 40 ms · context 55 ms · steps 30.0 s · evidence 25 ms · teardown 30 ms", slowest[0][2])
	links := findAll(findAll(doc, classed("table", "time-slowest"))[0], tag("a"))
	require.Len(t, links, 10, "each slow scenario links to its place in the report")
	href, _ := attr(links[0], "href")
	target := strings.TrimPrefix(href, "#")
	assert.Len(t, findAll(doc, func(n *nethtml.Node) bool { v, _ := attr(n, "id"); return v == target && n.Data == "details" }), 1)

	steps := rows(t, doc, "time-steps")
	require.Len(t, steps, 10)
	assert.Equal(t, []string{`I am logged in as "dr.jones"`, "5", "5.8 s", "1.2 s", "1.2 s"}, steps[2])
}

// A run recorded without phases shows its steps' time and says the rest
// is unknown; a run with no scenario says so.
func TestWhereTheTimeWentWithoutPhases(t *testing.T) {
	out := write(t, resultstest.Sample(), Config{})
	assert.Contains(t, string(out), "This run was recorded without phase timings")
	doc := parse(t, out)
	assert.Empty(t, findAll(doc, classed("table", "time-run")))
	phases := rows(t, doc, "time-phases")
	require.Len(t, phases, 2)
	assert.Equal(t, "steps", phases[0][0])
	assert.Equal(t, "other", phases[1][0])

	empty := write(t, &results.Run{ID: "r0"}, Config{})
	assert.Contains(t, string(empty), "No scenario took any time.")
}
