package runner

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/featureset"
	"github.com/eprharness/eprharness/harness/fixtures"
)

// A @patient: tag naming no fixture file stops the run before anything
// starts, with the tag's file and line; a known one is accepted.
func TestCheckPatientTags(t *testing.T) {
	lib, err := fixtures.Open(filepath.Join("..", "..", "fixtures"))
	require.NoError(t, err)
	t.Chdir(t.TempDir()) // feature paths are relative, as the CLI's are
	feature := "tags.feature"
	require.NoError(t, os.WriteFile(feature, []byte(`@patient:amy-pond
Feature: Patients by tag

  Scenario: Known
    Given the patient "Amy Pond" is registered

  @patient:amy-pund
  Scenario: Unknown
    Given the patient "Amy Pond" is registered
`), 0o644))

	sel, err := featureset.Select([]string{feature}, "")
	require.NoError(t, err)
	err = checkPatientTags(sel, lib)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "tags.feature:7: tag @patient:amy-pund names no fixture patient file amy-pund.json")
	assert.NotContains(t, err.Error(), "amy-pond.json", "the feature's own tag names a fixture")

	sel, err = featureset.Select([]string{feature}, "not @patient:amy-pund")
	require.NoError(t, err)
	assert.NoError(t, checkPatientTags(sel, lib), "a scenario that is not selected is not checked")
}
