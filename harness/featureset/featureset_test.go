package featureset

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/tagexpr"
)

const sample = "testdata/sample.feature"

func selected(t *testing.T, sel *Selection) string {
	t.Helper()
	require.Len(t, sel.Paths, 1)
	b, err := fs.ReadFile(sel.FS, sel.Paths[0])
	require.NoError(t, err)
	return string(b)
}

func TestSelectAll(t *testing.T) {
	sel, err := Select([]string{"testdata"}, "")
	require.NoError(t, err)
	realworld, _ := filepath.Glob("testdata/realworld/*.feature")
	require.NotEmpty(t, realworld)
	assert.Equal(t, append(realworld, sample), sel.Paths, "folders are walked in sorted order")
	// sample.feature has 5 scenarios, the real-world files 10.
	assert.Equal(t, 5+10, sel.Scenarios)
	// Selecting everything leaves every file exactly as written.
	for _, p := range sel.Paths {
		orig, err := os.ReadFile(p)
		require.NoError(t, err)
		got, err := fs.ReadFile(sel.FS, p)
		require.NoError(t, err)
		assert.Equal(t, string(orig), string(got), p)
	}
}

func TestSelectKeepsLineNumbers(t *testing.T) {
	orig, _ := os.ReadFile(sample)
	for _, c := range []struct {
		path, tags string
		want       int
		kept, gone []string
	}{
		{sample + ":9", "", 1, []string{"Scenario: First"}, []string{"Scenario Outline", "Scenario: Third"}},
		{sample + ":11", "", 1, []string{"Scenario: First"}, []string{"Scenario Outline"}}, // a line inside
		{sample + ":16", "", 3, []string{"| 1 |", "| 3 |"}, []string{"Scenario: First"}},   // outline line: all rows
		{sample + ":22", "", 1, []string{"| 2 |"}, []string{"| 1 |", "| 3 |"}},             // one row
		{sample + ":19", "", 2, []string{"| 1 |", "| 2 |"}, []string{"| 3 |"}},             // an Examples line
		{sample, "@smoke or @big", 2, []string{"Scenario: First", "| 3 |"}, []string{"| 1 |", "Scenario: Third"}},
		{sample, "@search and not @slow", 2, []string{"Scenario: First", "Scenario: Third"}, []string{"Scenario Outline"}},
	} {
		sel, err := Select([]string{c.path}, c.tags)
		require.NoError(t, err, c.path)
		assert.Equal(t, c.want, sel.Scenarios, "%s %s", c.path, c.tags)
		got := selected(t, sel)
		assert.Equal(t, strings.Count(string(orig), "\n"), strings.Count(got, "\n"), "line count must not change")
		_, n, errs := selectFile("x.feature", []byte(got), all(t), nil)
		require.Empty(t, errs, "the rewritten file must parse: %v", errs)
		assert.Equal(t, c.want, n, "the rewritten file must hold exactly the selection")
		for _, k := range c.kept {
			assert.Contains(t, got, k, "%s %s", c.path, c.tags)
		}
		for _, g := range c.gone {
			assert.NotContains(t, got, g, "%s %s", c.path, c.tags)
		}
	}
}

func all(t *testing.T) tagexpr.Expr {
	e, err := tagexpr.Parse("")
	require.NoError(t, err)
	return e
}

func TestSelectNothingMatching(t *testing.T) {
	sel, err := Select([]string{sample}, "@nothing")
	require.NoError(t, err)
	assert.Zero(t, sel.Scenarios)
	assert.Empty(t, sel.Paths)
}

func TestSelectErrors(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.feature")
	src, _ := os.ReadFile("testdata/broken.feature.txt")
	require.NoError(t, os.WriteFile(broken, src, 0o644))

	_, err := Select([]string{broken}, "")
	var es Errors
	require.True(t, errors.As(err, &es), "%v", err)
	assert.Equal(t, 4, es[0].Line)
	assert.Contains(t, err.Error(), filepath.ToSlash(broken)+":4:")

	_, err = Select([]string{sample + ":2"}, "")
	require.Error(t, err)
	assert.Contains(t, err.Error(), sample+":2: no scenario at this line")

	_, err = Select([]string{"testdata/missing.feature"}, "")
	assert.ErrorContains(t, err, "testdata/missing.feature: no such feature file or folder")

	_, err = Select([]string{sample}, "@a and")
	assert.ErrorContains(t, err, "column 7")
	assert.True(t, IsInput(err))
}

// Absolute and parent-relative paths work: Godog opens the selected files
// under exactly the paths given.
func TestAbsolutePathsAreServed(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "abs.feature")
	require.NoError(t, os.WriteFile(file, []byte("Feature: Abs\n  Scenario: One\n    Given a step\n"), 0o644))
	sel, err := Select([]string{file}, "")
	require.NoError(t, err)
	require.Equal(t, []string{filepath.ToSlash(file)}, sel.Paths)
	data, err := fs.ReadFile(sel.FS, sel.Paths[0])
	require.NoError(t, err)
	assert.Contains(t, string(data), "Scenario: One")
	_, err = sel.FS.Open("elsewhere.feature")
	assert.ErrorIs(t, err, fs.ErrNotExist)
}
