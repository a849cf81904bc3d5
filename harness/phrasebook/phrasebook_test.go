package phrasebook

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const goodBook = `# our own wording
phrases:
  - phrase: that I'm logged in
    steps: [I am signed in as a clinician]
  - phrase: I search for a patient with {string}
    steps: ['I search for "{1}"']
  - regex: '^the following patients are found: "(?P<name>[^"]+)"$'
    steps: ['the search results include "{name}"']
    doc: the patient is in the results
  - phrase: I look up {string}
    steps:
      - Given that I'm logged in
      - When I search for a patient with "{1}"
`

func write(t *testing.T, name, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(src), 0o644))
	return p
}

func TestLoad(t *testing.T) {
	path := write(t, "phrasebook.yaml", goodBook)
	b, err := Load(path)
	require.NoError(t, err)
	require.Len(t, b.Phrases, 4)

	p := b.Phrases[0]
	assert.Equal(t, path+":3", p.At())
	assert.Equal(t, "that I'm logged in", p.Source())
	assert.Equal(t, []Target{{Text: "I am signed in as a clinician", Line: 4, Field: "phrases[0].steps[0]"}}, p.Steps)

	p = b.Phrases[2]
	assert.Equal(t, "the patient is in the results", p.Doc)
	assert.Equal(t, []string{"RABBIT, R"}, p.Arguments(`the following patients are found: "RABBIT, R"`))
	assert.Equal(t, "name", p.Params[0].Name)
	assert.Equal(t, `the search results include "RABBIT, R"`, p.fill(p.Steps[0], []string{"RABBIT, R"}))

	p = b.Phrases[3]
	assert.Equal(t, "that I'm logged in", p.Steps[0].Text, "the keyword is dropped")
	assert.Equal(t, 12, p.Steps[0].Line)
	assert.Equal(t, 13, p.Steps[1].Line)
	assert.Equal(t, `I search for a patient with "Z999991"`, p.fill(p.Steps[1], p.Arguments(`I look up 'Z999991'`)))
}

// Every problem is reported, each at file:line and field.
func TestLoadReportsEveryProblem(t *testing.T) {
	src := `phrases:
  - phrase: I have {cukes}
    steps: [a step]
  - phrase: fine
  - regex: '^broken(['
    steps: [x]
  - phrase: with {int}
    steps: ['uses {2}']
  - phrase: both
    regex: both
    steps: [x]
  - phrase: odd
    steps: [x]
    colour: red
  - steps: [x]
  - phrase: fine
    steps: [again]
  - phrase: empty steps
    steps: []
  - just text
extra: 1
`
	path := write(t, "pb.yaml", src)
	_, err := Load(path)
	require.Error(t, err)
	var le *LoadError
	require.True(t, errors.As(err, &le))
	var fe *FieldError
	require.True(t, errors.As(err, &fe), "errors.As finds a *FieldError")
	want := []string{
		path + ":2: phrases[0].phrase: column 8: {cukes} is no parameter type",
		path + ":4: phrases[1].steps: missing",
		path + ":5: phrases[2].regex: does not compile",
		path + ":8: phrases[3].steps[0]: {2} names no parameter of the phrase (it has {1})",
		path + ":9: phrases[4]: has both phrase: and regex:",
		path + ":14: phrases[5].colour: unknown field",
		path + ":15: phrases[6]: has neither phrase: nor regex:",
		path + ":19: phrases[8].steps: want a list of one or more steps",
		path + ":20: phrases[9]: want a mapping",
		path + ":21: extra: unknown field",
	}
	msg := err.Error()
	for _, w := range want {
		assert.Contains(t, msg, w)
	}
	// The duplicate is reported against the first; the first fine one has
	// no steps, so the second is the first that loads.
	assert.NotContains(t, msg, "phrases[7]")
	assert.Equal(t, len(want), len(strings.Split(msg, "\n")), msg)
}

func TestLoadDuplicateAcrossFiles(t *testing.T) {
	a := write(t, "a.yaml", "phrases:\n  - phrase: that I'm logged in\n    steps: [x]\n")
	b := write(t, "b.yaml", "phrases:\n  - phrase: that I'm logged in\n    steps: [y]\n")
	_, err := Load(a, b)
	require.Error(t, err)
	assert.Equal(t, b+":2: phrases[0]: the same phrase is already at "+a+":2", err.Error())
}

func TestLoadBadFiles(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "missing.yaml"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "missing.yaml: no phrasebook file here")

	_, err = Load(write(t, "bad.yaml", "phrases:\n  - phrase: [unclosed\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not YAML")

	_, err = Load(write(t, "empty.yaml", ""))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the file is empty")

	_, err = Load(write(t, "list.yaml", "- a\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), ":1: want a mapping with phrases:")
}

func TestRegexIsAnchored(t *testing.T) {
	b, err := Parse("pb.yaml", []byte("phrases:\n  - regex: 'logged in'\n    steps: [x]\n  - regex: '^a|b$'\n    steps: [x]\n"))
	require.NoError(t, err)
	assert.True(t, b.Phrases[0].Match("logged in"))
	assert.False(t, b.Phrases[0].Match("that I'm logged in"))
	assert.Equal(t, "logged in", b.Phrases[0].Example())
	assert.True(t, b.Phrases[1].Match("a"))
	assert.False(t, b.Phrases[1].Match("ab"))
}
