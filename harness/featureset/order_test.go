package featureset

import (
	"io/fs"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOrderedGivesEachScenarioAFileOfItsOwnInTheGivenOrder(t *testing.T) {
	sel, err := Select([]string{sample}, "")
	require.NoError(t, err)
	ids := []string{sample + ":31", sample + ":27", sample + ":9", sample + ":22", sample + ":21"}
	ord, err := sel.Ordered(ids)
	require.NoError(t, err)
	assert.Equal(t, []string{sample + "#31", sample + "#27", sample + "#9", sample + "#22", sample + "#21"}, ord.Paths)
	assert.Equal(t, 5, ord.Scenarios)
	orig, err := os.ReadFile(sample)
	require.NoError(t, err)
	origLines := strings.Split(string(orig), "\n")
	for i, p := range ord.Paths {
		assert.Equal(t, sample, ord.File(p), "the real file behind %s", p)
		data, err := fs.ReadFile(ord.FS, p)
		require.NoError(t, err)
		lines := strings.Split(string(data), "\n")
		require.Len(t, lines, len(origLines), "line numbers are kept")
		// Every kept line is the original one; the feature line and the
		// background are kept in every file.
		for n, l := range lines {
			if l != "#" {
				assert.Equal(t, origLines[n], l, "%s line %d", p, n+1)
			}
		}
		assert.Equal(t, "Feature: Sample", lines[1])
		assert.Equal(t, "    Given a background step", lines[5])
		// Exactly the one scenario: Godog sees one pickle.
		doc, errs := Parse(p, data)
		require.Nil(t, errs)
		require.Len(t, doc.Pickles, 1, p)
		assert.Equal(t, lineOf(t, ids[i]), pickleLine(doc, doc.Pickles[0]))
	}
	row22, _ := fs.ReadFile(ord.FS, sample+"#22")
	assert.Contains(t, string(row22), "| 2 |")
	assert.NotContains(t, string(row22), "| 1 |")
	assert.NotContains(t, string(row22), "| 3 |")
	assert.NotContains(t, string(row22), "Scenario: First")
	_, err = sel.Ordered([]string{sample + ":16"})
	assert.ErrorContains(t, err, "not the line of a selected scenario", "an outline's own line names all its rows, not one scenario")
	assert.Equal(t, "other.feature", ord.File("other.feature"), "a path that is not virtual is its own file")
	assert.Equal(t, sample, sel.File(sample))
}

func lineOf(t *testing.T, id string) int {
	_, n, ok := cutID(id)
	require.True(t, ok, id)
	return n
}

func TestOrderedKeepsTheSelectionsBlanks(t *testing.T) {
	sel, err := Select([]string{sample}, "@smoke or @ruled")
	require.NoError(t, err)
	ord, err := sel.Ordered([]string{sample + ":31", sample + ":9"})
	require.NoError(t, err)
	assert.Equal(t, 2, ord.Scenarios)

	for _, c := range []struct {
		ids  []string
		want string
	}{
		{[]string{sample + ":16"}, "not the line of a selected scenario"}, // the outline, left out by the tags (and an outline's own line)
		{[]string{sample + ":21"}, "not the line of a selected scenario"}, // a row the tags left out: it falls inside First's extent
		{[]string{sample + ":10"}, "not the line of a selected scenario"}, // a line inside a scenario is not its id
		{[]string{sample + ":9", sample + ":9"}, "listed twice"},
		{[]string{"testdata/realworld/tabs.feature:3"}, "not a file of the selection"},
		{[]string{"no-line"}, "not a scenario id"},
	} {
		_, err := sel.Ordered(c.ids)
		require.Error(t, err, "%v", c.ids)
		assert.Contains(t, err.Error(), c.want, "%v", c.ids)
		assert.True(t, IsInput(err))
	}
}

func BenchmarkOrdered(b *testing.B) {
	sel, err := Select([]string{"testdata"}, "")
	require.NoError(b, err)
	var ids []string
	for _, p := range sel.Paths {
		src, _ := fs.ReadFile(sel.FS, p)
		doc, _ := Parse(p, src)
		for _, pk := range doc.Pickles {
			ids = append(ids, p+":"+itoa(pickleLine(doc, pk)))
		}
	}
	for b.Loop() {
		if _, err := sel.Ordered(ids); err != nil {
			b.Fatal(err)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
