package check

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/catalogue"
	"github.com/eprharness/eprharness/harness/config"
	"github.com/eprharness/eprharness/harness/fixtures"
	"github.com/eprharness/eprharness/steps"
	"github.com/eprharness/eprharness/steps/library"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// checker checks against the real step library and fixtures, plus extra
// domains.
func checker(t testing.TB, extra ...catalogue.Domain) *Checker {
	t.Helper()
	lib, err := fixtures.Open(filepath.Join("..", "..", "fixtures"))
	require.NoError(t, err)
	var ds []catalogue.Domain
	for _, d := range library.Domains() {
		ds = append(ds, catalogue.Domain{Name: d.Name, Defs: d.Defs})
	}
	cat, err := catalogue.New(append(ds, extra...), CatalogueOptions(lib, nil, nil)...)
	require.NoError(t, err)
	return New(cat, WithFixtures(lib), WithRequiredTags(config.Default().RequiredTags))
}

// clash is a step a developer might add that collides with an existing
// one, which makes "2 patients are found" ambiguous.
var clash = catalogue.Domain{Name: "clash", Defs: []steps.Def{{
	Pattern:  `^(\d+) patients? (?:is|are) (?:found|listed)$`,
	Doc:      "A step that collides with the patients domain.",
	Examples: []string{"Then 2 patients are listed"},
	Handler:  func(string) error { return nil },
}}}

// One feature file per kind of problem: syntax errors, undefined steps
// with suggestions (and a typographic apostrophe), an ambiguous step,
// unknown patients (also from an example row) and roles (also personas),
// and a scenario without a required tag. A patient registered through
// the form may be named afterwards; a rule's scenario inherits the
// feature's tag.
func TestGolden(t *testing.T) {
	report, err := checker(t, clash).Paths([]string{"testdata"})
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, report.Write(&out))
	golden := filepath.Join("testdata", "check.golden")
	if *update {
		require.NoError(t, os.WriteFile(golden, out.Bytes(), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), out.String(), "go test ./harness/check -update rewrites %s", golden)

	kinds := map[Kind]int{}
	for _, p := range report.Problems {
		kinds[p.Kind]++
	}
	for _, k := range []Kind{Syntax, Undefined, Ambiguous, UnknownPatient, UnknownRole, MissingTag, UnknownHazard, UntestedHazard} {
		assert.NotZero(t, kinds[k], "the testdata has a problem of kind %s", k)
	}
	assert.False(t, report.OK())
}

// The example suite in features/ is clean: every step is defined and
// unambiguous, every patient and role exists, every scenario has an area.
func TestExampleSuiteIsClean(t *testing.T) {
	report, err := checker(t).Paths([]string{filepath.Join("..", "..", "features")})
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, report.Write(&out))
	assert.True(t, report.OK(), out.String())
	assert.Greater(t, report.Scenarios, 50)
}

// Real-world Gherkin (harness/featureset/testdata/realworld) is checked
// without crashing; its one problem is the typographic apostrophe, which
// the check explains.
func TestRealWorldGherkin(t *testing.T) {
	report, err := checker(t).Paths([]string{filepath.Join("..", "featureset", "testdata", "realworld")})
	require.NoError(t, err)
	require.Len(t, report.Problems, 1)
	p := report.Problems[0]
	assert.Equal(t, Undefined, p.Kind)
	assert.Equal(t, 8, p.Line)
	assert.Contains(t, p.Hints[0], "typographic")
	assert.Contains(t, p.Hints, "  Then the patient's address is hidden")
}

// A hazard log's entries need a well-formed, unique id, a title and a
// control; each problem names the entry's line.
func TestReadHazardLog(t *testing.T) {
	file := filepath.Join(t.TempDir(), HazardLogFile)
	require.NoError(t, os.WriteFile(file, []byte(`hazards:
  - id: H-001
    title: Wrong patient
    control: Banner
  - id: H-1
    title: Short id
    control: x
  - id: H-001
    title: Twice
    control: x
  - id: H-002
    title: No control
`), 0o644))
	log, problems, err := ReadHazardLog(file)
	require.NoError(t, err)
	var got []string
	for _, p := range problems {
		got = append(got, p.String())
	}
	assert.Equal(t, []string{
		file + `:5: hazard log: hazards[1].id: want H- and three or more digits (H-004), got "H-1"`,
		file + ":8: hazard log: hazards[2].id: H-001 is also listed at line 2",
		file + ":11: hazard log: hazards[3].control: is required (H-002)",
	}, got)
	assert.True(t, log.Has("H-001"))
	assert.True(t, log.Has("H-002"))
	assert.False(t, log.Has("H-1"))

	require.NoError(t, os.WriteFile(file, []byte("hazard:\n  - id: H-001\n"), 0o644))
	_, problems, err = ReadHazardLog(file)
	require.NoError(t, err)
	require.Len(t, problems, 1)
	assert.Contains(t, problems[0].String(), file+":1: hazard log: ")
	assert.Contains(t, problems[0].String(), "field hazard not found")
}

// Checking one file of a folder does not report the log's hazards that
// other files would name.
func TestUntestedHazardsNeedTheWholeFolder(t *testing.T) {
	report, err := checker(t).Paths([]string{filepath.Join("testdata", "tags.feature")})
	require.NoError(t, err)
	for _, p := range report.Problems {
		assert.NotEqual(t, UntestedHazard, p.Kind, p.String())
	}
	assert.NotEmpty(t, report.Problems)
}

func TestNoRequiredTags(t *testing.T) {
	c := checker(t)
	c.requiredTags = nil
	report, err := c.Paths([]string{filepath.Join("testdata", "untagged.feature")})
	require.NoError(t, err)
	assert.True(t, report.OK(), "%v", report.Problems)
}

func TestMissingPath(t *testing.T) {
	_, err := checker(t).Paths([]string{"testdata/nope.feature"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "testdata/nope.feature: no such feature file or folder")
}

func TestSimilarity(t *testing.T) {
	assert.Equal(t, 1.0, similarity(`I search for "Amy Pond"`, `I search for "Rory Williams"`), "values are masked")
	assert.Greater(t, similarity(`I serch for "Amy Pond"`, `I search for "Amy Pond"`), similarity(`I serch for "Amy Pond"`, `I discharge "Amy Pond"`))
	assert.Less(t, similarity("I fly to the moon", "I sign the note"), minSimilarity)
	assert.Equal(t, 3, levenshtein("kitten", "sitting"))
	assert.Equal(t, 1, levenshtein("patient’s", "patient's"))
}

// The whole example suite must check in well under a second.
func BenchmarkCheckExampleSuite(b *testing.B) {
	c := checker(b)
	features := filepath.Join("..", "..", "features")
	for b.Loop() {
		report, err := c.Paths([]string{features})
		if err != nil || !report.OK() {
			b.Fatalf("check: %v %v", err, report.Problems)
		}
	}
}

// A step's own check of its input (steps.Def.Check) is run with the
// feature's path, the step's arguments, doc string and table, and its
// error is a problem at the step's line that stops a run.
func TestStepInputIsChecked(t *testing.T) {
	var got []steps.Input
	picky := catalogue.Domain{Name: "picky", Defs: []steps.Def{{
		Pattern:  `^the interface engine replays "([^"]*)"$`,
		Doc:      "A step that names a file.",
		Examples: []string{`When the interface engine replays "messages/a08.hl7"`},
		Handler:  func(string) error { return nil },
		Check: func(in steps.Input) error {
			got = append(got, in)
			if in.Args[0] == "missing.hl7" {
				return errors.New(`message template missing.hl7: no such file`)
			}
			return nil
		},
	}}}
	dir := t.TempDir()
	feature := filepath.Join(dir, "replay.feature")
	require.NoError(t, os.WriteFile(feature, []byte(`@messaging
Feature: Replays
  Scenario: One good, one missing
    When the interface engine replays "good.hl7"
    And the interface engine replays "missing.hl7"
`), 0o644))
	report, err := checker(t, picky).Paths([]string{feature})
	require.NoError(t, err)
	require.Len(t, report.Problems, 1, "%v", report.Problems)
	p := report.Problems[0]
	assert.Equal(t, BadInput, p.Kind)
	assert.Equal(t, 5, p.Line)
	assert.Contains(t, p.Msg, "missing.hl7: no such file")
	assert.True(t, p.StopsRun(), "a broken input stops the run before anything starts")
	require.Len(t, got, 2)
	assert.Equal(t, feature, got[0].FeatureFile)
	assert.Equal(t, []string{"good.hl7"}, got[0].Args)
}
