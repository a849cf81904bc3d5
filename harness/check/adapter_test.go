package check

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/catalogue"
	"github.com/eprharness/eprharness/harness/fixtures"
	"github.com/eprharness/eprharness/steps/library"
)

// binder is a fake adapter that binds only some actions.
type binder struct {
	binds  map[string]bool
	source string
}

func (b binder) Binds(action string) bool { return b.binds[action] }
func (b binder) Source() string           { return b.source }

// A feature whose steps use actions a screen map leaves out: a background
// step, a scenario step needing two unbound actions, an outline step with
// two example rows, a step whose actions are all bound, and a step using
// no action at all.
const unboundFeature = `@search
Feature: Search on an EPR with a partial screen map

  Background:
    Given I am signed in as a clinician

  Scenario: Find and read the banner
    Given the patient "Amy Pond" is registered
    When I search for the patient with NHS number "999 000 0018"
    And I open the record of "Amy Pond"
    Then the patient banner shows the NHS number "999 000 0018"

  Scenario: Pages of results
    When I search for patients named "Pond"
    Then the results show 1 to 2 of 2

  Scenario Outline: Numbers
    When I search for the patient with NHS number "<nhs>"
    Then <count> patients are found

    Examples:
      | nhs          | count |
      | 999 000 0018 | 1     |
      | 999 000 0026 | 1     |
`

func writeFeature(t *testing.T, src string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "x.feature")
	require.NoError(t, os.WriteFile(file, []byte(src), 0o644))
	return file
}

// Each step needing an action the adapter does not bind is one problem at
// its line, background steps included, naming every missing action and
// where bindings are written; an outline's step is one problem for all its
// rows. The adapter's warnings are printed and do not fail the check.
func TestUnboundActions(t *testing.T) {
	file := writeFeature(t, unboundFeature)
	b := binder{source: "examples/x/screens.yaml", binds: map[string]bool{
		"search-by-nhs-number": true, "search-by-name": true, "expect-result-count": true,
	}}
	c := checker(t)
	WithAdapter(b)(c)
	WithAdapterWarnings([]string{"examples/x/screens.yaml:14: css locator: prefer role, label or text"})(c)
	report, err := c.Paths([]string{file})
	require.NoError(t, err)

	var got []string
	for _, p := range report.Problems {
		assert.Equal(t, Unbound, p.Kind, p.String())
		assert.Len(t, p.Hints, 1)
		got = append(got, p.String())
	}
	assert.Equal(t, []string{
		file + `:5: unbound action: step "Given I am signed in as a clinician" needs the actions "expect-signed-in", "resume-sign-in" and "sign-in", which examples/x/screens.yaml does not bind`,
		file + `:10: unbound action: step "And I open the record of "Amy Pond"" needs the action "open-record", which examples/x/screens.yaml does not bind`,
		file + `:11: unbound action: step "Then the patient banner shows the NHS number "999 000 0018"" needs the action "expect-banner", which examples/x/screens.yaml does not bind`,
		file + `:15: unbound action: step "Then the results show 1 to 2 of 2" needs the action "expect-results-range", which examples/x/screens.yaml does not bind`,
	}, got)
	assert.Equal(t, []string{"examples/x/screens.yaml:14: css locator: prefer role, label or text"}, report.Warnings)

	var out bytes.Buffer
	require.NoError(t, report.Write(&out))
	assert.Contains(t, out.String(), "\nwarning: examples/x/screens.yaml:14: css locator: prefer role, label or text\n")
	assert.Contains(t, out.String(), "eprharness check: 4 problems in 1 file, 1 warning (1 file, 4 scenarios, 14 steps checked)\n")
	assert.Contains(t, out.String(), "    bind them under actions: in examples/x/screens.yaml, or leave the scenario out of runs on this adapter (a tag and --tags)\n")
}

// An adapter binding everything the steps use finds nothing, and its
// warnings alone leave the check OK; without WithAdapter nothing is
// checked; an outline's step is named as written, once for all its rows.
func TestUnboundActionsOutlineAndAllBound(t *testing.T) {
	file := writeFeature(t, unboundFeature)
	all := binder{source: "screens.yaml", binds: map[string]bool{}}
	for _, d := range library.Domains() {
		for _, def := range d.Defs {
			for _, u := range def.Uses {
				all.binds[u] = true
			}
		}
	}
	c := checker(t)
	WithAdapter(all)(c)
	WithAdapterWarnings([]string{"screens.yaml:3: a warning"})(c)
	report, err := c.Paths([]string{file})
	require.NoError(t, err)
	assert.True(t, report.OK(), "%v", report.Problems)
	var out bytes.Buffer
	require.NoError(t, report.Write(&out))
	assert.Contains(t, out.String(), "eprharness check: no problems, 1 warning (")

	// Without the option, actions are not checked.
	report, err = checker(t).Paths([]string{file})
	require.NoError(t, err)
	assert.True(t, report.OK(), "%v", report.Problems)
	assert.Empty(t, report.Warnings)

	// The outline's step is named as written, once for both rows.
	none := binder{source: "screens.yaml", binds: map[string]bool{"search-by-nhs-number": true}}
	c = checker(t)
	WithAdapter(none)(c)
	report, err = c.Paths([]string{file})
	require.NoError(t, err)
	var lines []string
	for _, p := range report.Problems {
		if p.Line == 19 {
			lines = append(lines, p.Msg)
		}
	}
	assert.Equal(t, []string{`step "Then <count> patients are found" needs the action "expect-result-count", which screens.yaml does not bind`}, lines)
}

// users.yaml is optional: a scenario naming a role (a sign-in step or a
// persona) in a library without users is reported at its line, with the
// library's advice on where users.yaml goes.
func TestRolesWithoutUsers(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "patients"), 0o755))
	lib, err := fixtures.Open(dir)
	require.NoError(t, err, "a fixture folder without users.yaml opens")
	require.Empty(t, lib.Users())
	var ds []catalogue.Domain
	for _, d := range library.Domains() {
		ds = append(ds, catalogue.Domain{Name: d.Name, Defs: d.Defs})
	}
	cat, err := catalogue.New(ds, CatalogueOptions(lib, nil, nil)...)
	require.NoError(t, err)
	file := writeFeature(t, `Feature: No users

  Scenario: Roles
    Given I am signed in as a nurse
    When the receptionist searches for patients named "Pond"
    Then the sign-in is refused
`)
	report, err := New(cat, WithFixtures(lib)).Paths([]string{file})
	require.NoError(t, err)
	require.Len(t, report.Problems, 2, "%v", report.Problems)
	assert.Equal(t, file+`:4: unknown role: the step names the role "nurse", but the fixture library has no users`, report.Problems[0].String())
	assert.Equal(t, file+`:5: unknown role: the step names the role "receptionist", but the fixture library has no users`, report.Problems[1].String())
	assert.Contains(t, report.Problems[0].Hints[0], dir, "the hint says where users.yaml goes")
	assert.Contains(t, report.Problems[0].Hints[0], "users.yaml")
}
