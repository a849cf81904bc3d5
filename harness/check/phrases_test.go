package check

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/phrasebook"
	"github.com/eprharness/eprharness/steps"
	"github.com/eprharness/eprharness/steps/library"
)

const checkBook = `phrases:
  - phrase: that I'm logged in
    steps: [I am signed in as a clinician]
  - phrase: that I'm logged in as a(n) {word}
    steps: ['I am signed in as a {1}']
  - phrase: I search for a patient with {string}
    steps: ['I search for "{1}"']
  - regex: '^the following patients are found: "(?P<family>[A-Za-z]+), (?P<given>[A-Za-z]+)"$'
    steps: ['the search results include "{given} {family}"']
  - phrase: A {string}
    steps: ['B "{1}"']
  - phrase: B {string}
    steps: ['A "{1}"']
  - phrase: I look for {string}
    steps: ['I serch for the patient named "{1}"']
  - phrase: I find {string}
    steps: ['I search for "{1}"']
  - regex: 'I find (.*)'
    steps: ['I search for "{1}"']
`

const checkFeature = `@search
Feature: Our own wording

  Scenario: Clean
    Given that I'm logged in
    When I search for a patient with "Amy Pond"
    Then the following patients are found: "POND, Amy"

  Scenario: Problems through phrases
    Given that I'm logged in as a surgeon
    When I search for a patient with "Rory Wiliams"
    And I find "Amy Pond"
    And I look for "x"
    And that I am logged in
    And A "z"
    And that I'm logged in
      | a | b |
`

// phraseChecker is the real library's checker with a phrasebook.
func phraseChecker(t *testing.T, book string) (*Checker, string, string) {
	t.Helper()
	dir := t.TempDir()
	pbPath := filepath.Join(dir, "phrasebook.yaml")
	require.NoError(t, os.WriteFile(pbPath, []byte(book), 0o644))
	b, err := phrasebook.Load(pbPath)
	require.NoError(t, err)
	var defs []steps.Def
	for _, d := range library.Domains() {
		defs = append(defs, d.Defs...)
	}
	r, err := b.Resolve(defs)
	require.NoError(t, err)
	c := checker(t)
	WithPhrasebook(r)(c)
	return c, pbPath, dir
}

func TestPhrasebookCheck(t *testing.T) {
	c, pb, dir := phraseChecker(t, checkBook)
	feature := filepath.Join(dir, "team.feature")
	require.NoError(t, os.WriteFile(feature, []byte(checkFeature), 0o644))
	report, err := c.Paths([]string{feature})
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, report.Write(&out))
	got := out.String()

	// The book's own problems, at its file:line and field.
	assert.Contains(t, got, pb+`:15: undefined step: phrases[6].steps[0]: "I serch for the patient named \"{1}\"" matches no catalogue step or phrase
    did you mean:
      When I search for the patient named "Amy Pond"`)
	assert.Contains(t, got, pb+`:11: phrase cycle: phrases[4].steps[0]: phrases call each other in a cycle: "A {string}" (`+pb+`:11) → "B {string}" (`+pb+`:13) → "A {string}" (`+pb+`:10)`)
	assert.Contains(t, got, pb+`:16: ambiguous step: phrases[7].phrase: the phrase "I find {string}" overlaps the phrase "I find (.*)" (`+pb+`:18)`)

	// The feature's steps, resolved through the phrases: the clean
	// scenario has no problem.
	assert.NotContains(t, got, feature+":5:")
	assert.NotContains(t, got, feature+":6:")
	assert.NotContains(t, got, feature+":7:", "POND, Amy reordered by the regex is a fixture patient")
	assert.Contains(t, got, feature+`:10: unknown role: "surgeon" is not a role in the fixture users (as "I am signed in as a surgeon", `+pb+`:5)`)
	assert.Contains(t, got, feature+`:11: unknown patient: "Rory Wiliams" is not a fixture patient (did you mean "Rory Williams"?) (as "I search for \"Rory Wiliams\"", `+pb+`:7)`)
	assert.Contains(t, got, feature+`:12: ambiguous step: And I find "Amy Pond"
    it matches each of these; reword it, or the phrase, so only one fits:
      the phrase "I find {string}" (`+pb+`:16)
      the phrase "I find (.*)" (`+pb+`:18)`)
	assert.Contains(t, got, feature+`:13: undefined step: And I look for "x"
    through the phrase "I look for {string}" (`+pb+`:14)`)
	assert.Contains(t, got, feature+`:14: undefined step: And that I am logged in
    did you mean:
      that I'm logged in   (your phrase, `+pb+`:2)`)
	assert.Contains(t, got, feature+`:15: phrase cycle: And A "z"`)
	assert.Contains(t, got, feature+`:16: phrase table: And that I'm logged in: the step has a data table or doc string, but none of the steps of the phrase "that I'm logged in" (`+pb+`:2) takes one`)
	for _, p := range report.Problems {
		assert.True(t, p.StopsRun(), "%s stops a run", p)
	}
}

// A phrase and a catalogue step matching the same text is ambiguous at
// the feature's line, as Godog would find it.
func TestPhraseAndCatalogueStepClash(t *testing.T) {
	c, pb, dir := phraseChecker(t, "phrases:\n  - phrase: I am signed in as a {word}\n    steps: ['I am signed in as a {1}']\n")
	feature := filepath.Join(dir, "clash.feature")
	require.NoError(t, os.WriteFile(feature, []byte("@session\nFeature: x\n  Scenario: y\n    Given I am signed in as a nurse\n"), 0o644))
	report, err := c.Paths([]string{feature})
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, report.Write(&out))
	assert.Contains(t, out.String(), feature+":4: ambiguous step: Given I am signed in as a nurse\n    it matches each of these; reword it, or the phrase, so only one fits:\n      the phrase \"I am signed in as a {word}\" ("+pb+":2)\n      (I am|the user is) (signed|logged) in as (a|an|the) {role} (session)")
}

// Without a phrasebook, the team's wording is undefined as before.
func TestWithoutPhrasebookTeamStepsAreUndefined(t *testing.T) {
	dir := t.TempDir()
	feature := filepath.Join(dir, "team.feature")
	require.NoError(t, os.WriteFile(feature, []byte("@session\nFeature: x\n  Scenario: y\n    Given that I'm logged in\n"), 0o644))
	report, err := checker(t).Paths([]string{feature})
	require.NoError(t, err)
	require.Len(t, report.Problems, 1)
	assert.Equal(t, Undefined, report.Problems[0].Kind)
}
