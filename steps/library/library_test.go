package library

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/catalogue"
	"github.com/eprharness/eprharness/harness/fixtures"
)

func domains() []catalogue.Domain {
	var out []catalogue.Domain
	for _, d := range Domains() {
		out = append(out, catalogue.Domain{Name: d.Name, Defs: d.Defs})
	}
	return out
}

// Every step is fit for Godog and the catalogue, caught here rather than
// mid-run (catalogue.Lint): its pattern compiles and is anchored with
// ^...$; it has a description and examples; every example starts with a
// keyword and matches its own pattern and no other (Godog would call it
// ambiguous); no pattern is defined twice; and its handler takes one
// argument per capture group (and a table for a step ending with a colon).
func TestStepDefinitions(t *testing.T) {
	var msgs []string
	for _, err := range catalogue.Lint(domains()) {
		msgs = append(msgs, err.Error())
	}
	assert.Empty(t, msgs, "bad step definitions:\n%s", strings.Join(msgs, "\n"))
}

// Every step renders for the catalogue, and the domain names are unique.
func TestCatalogue(t *testing.T) {
	c, err := catalogue.New(domains())
	require.NoError(t, err)
	n := 0
	seen := map[string]bool{}
	for _, d := range Domains() {
		assert.False(t, seen[d.Name], "domain %s listed twice", d.Name)
		seen[d.Name] = true
		n += len(d.Defs)
	}
	assert.Len(t, c.Steps, n)
	for _, s := range c.Steps {
		assert.NotContains(t, s.Text, "\\", "%s renders without regex escapes: %s", s.Pattern, s.Text)
		assert.NotContains(t, s.Text, "{value}", "%s renders with a named placeholder: %s", s.Pattern, s.Text)
	}
}

// The example names are the reference fixtures' patients and users.
func TestExampleNamesAreTheReferenceFixtures(t *testing.T) {
	lib, err := fixtures.Open("../../fixtures")
	require.NoError(t, err)
	var patients, roles []string
	for _, p := range lib.Patients() {
		patients = append(patients, p.Name())
	}
	for _, u := range lib.Users() {
		roles = append(roles, u.Role)
	}
	assert.ElementsMatch(t, patients, ExamplePatients)
	assert.ElementsMatch(t, roles, ExampleRoles)
}
