package check

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/nhsnumber"
)

// problems checks paths with the example fixtures plus opts and returns
// every problem as a line.
func problems(t *testing.T, paths []string, opts ...Option) []string {
	t.Helper()
	c := checker(t)
	for _, o := range opts {
		o(c)
	}
	report, err := c.Paths(paths)
	require.NoError(t, err)
	var out []string
	for _, p := range report.Problems {
		out = append(out, p.String())
	}
	return out
}

const twoScenarios = `@search
Feature: Two

  Scenario: Clean
    Given I am signed in as a receptionist
    When I search for patients named "Pond"
    Then 2 patients are found

  @wip
  Scenario: Undefined
    Given I am signed in as a receptionist
    When I serch for "Amy Pond"
`

// check honours :LINE as run does: only that scenario is checked, and a
// line that names no scenario is a problem.
func TestLineSelectsTheScenario(t *testing.T) {
	file := writeFeature(t, twoScenarios)
	assert.Empty(t, problems(t, []string{file + ":4"}), "the clean scenario only")
	got := problems(t, []string{file + ":12"})
	require.Len(t, got, 1)
	assert.Contains(t, got[0], file+":12: undefined step")
	assert.Equal(t, []string{file + ":2: no scenario at this line"}, problems(t, []string{file + ":2"}))
}

// With WithTags, check checks what run would run.
func TestTagsSelectTheScenarios(t *testing.T) {
	file := writeFeature(t, twoScenarios)
	assert.Empty(t, problems(t, []string{file}, WithTags("not @wip")))
	assert.Len(t, problems(t, []string{file}, WithTags("@wip")), 1)
	assert.Equal(t, []string{`--tags: no scenario in ` + file + ` matches the tag expression "@nothing"`},
		problems(t, []string{file}, WithTags("@nothing")))
	_, err := checker(t).withOpts(WithTags("@a and")).Paths([]string{file})
	assert.ErrorContains(t, err, "column 7")
}

func (c *Checker) withOpts(opts ...Option) *Checker {
	for _, o := range opts {
		o(c)
	}
	return c
}

// A real NHS number (valid, outside the test ranges) is refused by run;
// check reports it at its line, and a configured range allows it.
func TestRealNHSNumber(t *testing.T) {
	file := writeFeature(t, `@search
Feature: Real data

  Scenario: Searching for a real patient
    Given I am signed in as a receptionist
    When I search for the patient with NHS number "401 023 2137"
    Then no patient is found
`)
	got := problems(t, []string{file})
	require.Len(t, got, 1)
	assert.Equal(t, file+":6: real NHS number: step: NHS number 401 023 2137 is not in a reserved test range (999…) or a configured one (nhs-test-ranges); scenarios must use synthetic data only", got[0])
	assert.Empty(t, problems(t, []string{file}, WithNHSTestRanges(nhsnumber.Range{First: "4010232137", Last: "4010232137"})))
}

// Input featureset refuses becomes a problem of its own kind, at its line.
func TestInputProblems(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"bom.feature":     "\xef\xbb\xbf@search\nFeature: BOM\n  Scenario: S\n    Given I am signed in as a receptionist\n",
		"latin1.feature":  "@search\nFeature: L\n  Scenario: caf\xe9\n    Given I am signed in as a receptionist\n",
		"empty.feature":   "",
		"long.feature":    "@search\nFeature: L\n  Scenario: S\n    Given I search for \"" + strings.Repeat("x", 40000) + "\"\n",
		"outline.feature": "@search\nFeature: O\n  Scenario Outline: O\n    When I search for the patient with NHS number \"<nhs number>\"\n\n    Examples:\n      | how |\n      | a   |\n",
	}
	for name, src := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644))
	}
	report, err := checker(t).Paths([]string{dir})
	require.NoError(t, err)
	got := map[string]Problem{}
	for _, p := range report.Problems {
		got[filepath.Base(p.File)] = p
		assert.True(t, p.StopsRun(), "%s", p)
	}
	assert.NotContains(t, got, "bom.feature", "a byte-order mark is dropped")
	assert.Equal(t, Encoding, got["latin1.feature"].Kind)
	assert.Equal(t, 3, got["latin1.feature"].Line)
	assert.Equal(t, Empty, got["empty.feature"].Kind)
	assert.Equal(t, filepath.Join(dir, "empty.feature")+": no scenarios (the file has no Scenario or Scenario Outline, so it would run nothing)", got["empty.feature"].String())
	assert.Equal(t, TooLong, got["long.feature"].Kind)
	assert.Equal(t, 4, got["long.feature"].Line)
	assert.Equal(t, Outline, got["outline.feature"].Kind)
	assert.Contains(t, got["outline.feature"].Msg, "<nhs number> is not a column")

	_, err = checker(t).Paths([]string{t.TempDir()})
	assert.ErrorContains(t, err, "no .feature files")
}

// Bookkeeping problems fail check but do not stop a run.
func TestStopsRun(t *testing.T) {
	for _, k := range []Kind{MissingTag, UnknownHazard, UntestedHazard, BadHazardLog} {
		assert.False(t, Problem{Kind: k}.StopsRun(), k)
	}
	for _, k := range []Kind{Syntax, Undefined, Ambiguous, UnknownPatient, UnknownRole, Unbound, Encoding, TooLong, Outline, Empty, Selection, RealNHSNumber} {
		assert.True(t, Problem{Kind: k}.StopsRun(), k)
	}
}

// A selection checks the tags of what it runs only: an unknown @patient:
// tag on a scenario left out does not count, as in run.
func TestSelectionChecksOnlyItsTags(t *testing.T) {
	file := writeFeature(t, `@search
Feature: Patient tags

  Scenario: Clean
    Given I am signed in as a receptionist

  @patient:zed-zebra
  Scenario: Unknown patient tag
    Given I am signed in as a receptionist
`)
	got := problems(t, []string{file})
	require.Len(t, got, 1)
	assert.Contains(t, got[0], file+":7: unknown patient")
	assert.Empty(t, problems(t, []string{file + ":4"}))
	assert.Len(t, problems(t, []string{file + ":8"}), 1)
}
