package check

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dcbLog is a DCB0129 hazard log: H-001's C-001 and C-002 must be verified
// by test, C-003 is verified another way; H-002's C-004 must be.
const dcbLog = `hazards:
  - id: H-001
    title: Wrong patient
    controls:
      - id: C-001
        description: Banner
        verify: test
      - id: C-002
        description: Date of birth as registered
        verify: test
      - id: C-003
        description: Training
        verify: other
  - id: H-002
    title: Allergy not seen
    controls:
      - id: C-004
        description: Allergy alert
`

// suite writes a features folder with the hazard log (named logName) and
// the feature files, and checks the folder.
func suite(t *testing.T, logName, log string, features map[string]string) []string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "features")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	if log != "" {
		require.NoError(t, os.WriteFile(filepath.Join(dir, logName), []byte(log), 0o644))
	}
	for name, src := range features {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644))
	}
	report, err := checker(t).Paths([]string{dir})
	require.NoError(t, err)
	var out []string
	for _, p := range report.Problems {
		rel, err := filepath.Rel(dir, p.File)
		require.NoError(t, err)
		p.File = rel
		s := p.String()
		for _, h := range p.Hints {
			s += "\n    " + h
		}
		out = append(out, strings.ReplaceAll(s, dir+string(filepath.Separator), ""))
	}
	return out
}

const signIn = "    Given I am signed in as a nurse\n"

func TestControlTags(t *testing.T) {
	got := suite(t, "hazards.yaml", dcbLog, map[string]string{"a.feature": `@banner
Feature: Banner

  @hazard:H-001 @control:C-001
  Scenario: Banner
` + signIn + `
  @hazard:H-001 @control:C-009 @control:H-002
  Scenario: Typos
` + signIn})
	assert.Equal(t, []string{
		"a.feature:8: unknown hazard: @control:C-009 is not a control in the hazard log " + "hazards.yaml" +
			"\n    controls in the log: C-001 (H-001), C-002 (H-001), C-003 (H-001), C-004 (H-002)" +
			"\n    (add the control to its hazard in the log, or correct the tag)",
		"a.feature:8: unknown hazard: @control:H-002 is not a control in the hazard log " + "hazards.yaml" +
			"\n    H-002 is a hazard, not a control: tag @hazard:H-002, or one of its controls" +
			"\n    controls in the log: C-001 (H-001), C-002 (H-001), C-003 (H-001), C-004 (H-002)" +
			"\n    (add the control to its hazard in the log, or correct the tag)",
		// The second scenario names no control of H-001 the log has, so
		// it verifies all of H-001's: only H-002's C-004 lacks one.
		"hazards.yaml:17: untested hazard: control C-004 of hazard H-002 (Allergy not seen) must be verified by test, but no scenario is tagged @control:C-004 or @hazard:H-002" +
			"\n    tag the scenario that verifies it (Allergy alert)" +
			"\n    (or, if it is verified another way, say so in the log: verify: other)",
	}, got)
}

// A scenario tagged with one of a hazard's controls verifies only that
// one: the hazard's other controls need their own scenarios. Controls
// verified another way need none.
func TestUntestedControls(t *testing.T) {
	got := suite(t, "hazards.yaml", dcbLog, map[string]string{"a.feature": `@banner
Feature: Banner

  @hazard:H-001 @control:C-001
  Scenario: Banner
` + signIn + `
  @allergies @hazard:H-002
  Scenario: Allergy
` + signIn})
	require.Len(t, got, 1)
	assert.Contains(t, got[0], "hazards.yaml:8: untested hazard: control C-002 of hazard H-001 (Wrong patient) must be verified by test, but no scenario is tagged @control:C-002 or @hazard:H-001")
}

// Tags inherited from the feature, a rule and an Examples block count.
func TestControlTagsInherited(t *testing.T) {
	got := suite(t, "hazards.yaml", dcbLog, map[string]string{"a.feature": `@banner @control:C-001
Feature: Banner

  Scenario: Banner
` + signIn + `
  @control:C-002
  Rule: Dates

    Scenario: Date of birth
` + signIn + `
  Scenario Outline: Allergy <n>
` + signIn + `
    @control:C-004
    Examples:
      | n |
      | 1 |
`})
	assert.Empty(t, got)
}

// The log may be a CSV file, found like hazards.yaml.
func TestCSVHazardLog(t *testing.T) {
	csv := "\ufeffHazard ID,Title,Control ID,Control,Verify\r\nH-001,Wrong patient,C-001,Banner,test\r\n,,C-002,Training,other\r\n"
	got := suite(t, "hazards.csv", csv, map[string]string{"a.feature": `@banner
Feature: Banner

  @control:C-001
  Scenario: Banner
` + signIn})
	assert.Empty(t, got)

	got = suite(t, "hazards.csv", csv+"H-002,,C-001,Twice,test\r\n", map[string]string{"a.feature": `@banner
Feature: Banner

  @control:C-001 @hazard:H-002
  Scenario: Banner
` + signIn})
	assert.Equal(t, []string{
		"hazards.csv:4: hazard log: title: is required (H-002)",
		"hazards.csv:4: hazard log: control_id: C-001 is also listed at line 2: control ids are unique across the log",
	}, got, "H-002 is read despite its problems, so its tag is known")
}

// A simple log has no control ids: a @control: tag is an error that says
// so.
func TestControlTagWithSimpleLog(t *testing.T) {
	got := suite(t, "hazards.yaml", "hazards:\n  - id: H-001\n    title: Wrong patient\n    control: Banner\n", map[string]string{"a.feature": `@banner
Feature: Banner

  @hazard:H-001 @control:C-001
  Scenario: Banner
` + signIn})
	require.Len(t, got, 1)
	assert.Contains(t, got[0], "a.feature:4: unknown hazard: @control:C-001 is not a control in the hazard log ")
	assert.Contains(t, got[0], "is in the simple form, whose controls have no ids of their own")
}

func TestControlTagWithoutLog(t *testing.T) {
	got := suite(t, "", "", map[string]string{"a.feature": `@banner
Feature: Banner

  @control:C-001
  Scenario: Banner
` + signIn})
	require.Len(t, got, 1)
	assert.Contains(t, got[0], "a.feature:4: unknown hazard: @control:C-001: no hazard log (hazards.yaml, hazards.yml, hazards.csv) in the feature file's folder or above it")
}
