//go:build e2e

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/exitcode"
	"github.com/eprharness/eprharness/harness/results"
)

// phrasebookNeedsBrowser fails the test without Chromium when
// EPRHARNESS_REQUIRE_BROWSER=1, and skips it otherwise.
func phrasebookNeedsBrowser(t *testing.T) {
	t.Helper()
	if os.Getenv("EPRHARNESS_BROWSER_PATH") != "" {
		return
	}
	for _, name := range []string{"chromium-headless-shell", "chromium", "chromium-browser", "google-chrome"} {
		if _, err := exec.LookPath(name); err == nil {
			return
		}
	}
	home, _ := os.UserHomeDir()
	if m, _ := filepath.Glob(filepath.Join(home, ".cache", "ms-playwright", "chromium-*")); len(m) > 0 {
		return
	}
	if os.Getenv("EPRHARNESS_REQUIRE_BROWSER") == "1" {
		t.Fatal("Chromium is required (EPRHARNESS_REQUIRE_BROWSER=1): no chromium on PATH and no Playwright Chromium")
	}
	t.Skip("SKIPPED: no Chromium; set EPRHARNESS_REQUIRE_BROWSER=1 to make this a failure")
}

// runPhrasebookExample runs the example's configuration on the embedded
// backend, from the repository root, with extra arguments, and returns
// the exit code, the results and stderr.
func runPhrasebookExample(t *testing.T, extra ...string) (exitcode.Code, *results.Run, string) {
	t.Helper()
	phrasebookNeedsBrowser(t)
	repo, _ := filepath.Abs(filepath.Join("..", ".."))
	t.Chdir(repo)
	out := t.TempDir()
	args := append([]string{"run", "--config", filepath.Join("examples", "phrasebook", "eprharness.yaml"),
		"--out", out, "--store", "off", "--workers", "1"}, extra...)
	var stdout, stderr bytes.Buffer
	code := Main(args, &stdout, &stderr)
	data, err := os.ReadFile(filepath.Join(out, "results.json"))
	require.NoError(t, err, "exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	var run results.Run
	require.NoError(t, json.Unmarshal(data, &run))
	return code, &run, stderr.String()
}

// The example's feature files, in the team's own wording, run through
// the phrasebook: every scenario passes, and the results keep the steps
// as the team wrote them.
func TestPhrasebookExampleRuns(t *testing.T) {
	code, run, stderr := runPhrasebookExample(t)
	require.Equal(t, exitcode.Pass, code, stderr)
	var texts []string
	scenarios := 0
	for _, f := range run.Features {
		for _, s := range f.Scenarios {
			scenarios++
			assert.Equal(t, results.Passed, s.Status, "%s: %+v", s.Name, s.FailedStep())
			for _, st := range s.Steps {
				texts = append(texts, st.Text)
			}
		}
	}
	assert.Equal(t, 3, scenarios)
	assert.Contains(t, texts, "that I'm logged in")
	assert.Contains(t, texts, `I search for a patient with "9990000018"`)
	assert.Contains(t, texts, `the following patients are found: "POND, Amy"`)
	assert.Contains(t, texts, `the patient "Amy Pond" has been found by NHS number "999 000 0018"`)
	assert.Contains(t, texts, "I can see the clinical record", "a catalogue step beside the phrases")
	assert.NotContains(t, texts, "I am signed in as a clinician", "the report shows the team's step, not what it expands to")
}

const wrongPatientFeature = `@search
Feature: A phrase that fails

  Scenario: The wrong patient is expected
    Given patient "Amy Pond" is on the system
    And patient "Brian Pond" is on the system
    And that I'm logged in
    When I search for a patient with "9990000018"
    Then the following patients are found: "POND, Brian"
`

// A phrase whose catalogue step fails is a failed step, the team's, with
// an error naming the catalogue step and the phrasebook's line, and the
// failure is the EPR's (an assertion), not the harness's.
func TestPhrasebookFailureIsAFailedStep(t *testing.T) {
	dir := t.TempDir()
	feature := filepath.Join(dir, "wrong_patient.feature")
	require.NoError(t, os.WriteFile(feature, []byte(wrongPatientFeature), 0o644))
	code, run, stderr := runPhrasebookExample(t, feature)
	require.Equal(t, exitcode.Failures, code, stderr)
	require.Len(t, run.Features, 1)
	require.Len(t, run.Features[0].Scenarios, 1)
	s := run.Features[0].Scenarios[0]
	assert.Equal(t, results.Failed, s.Status)
	assert.Equal(t, results.KindAssertion, s.FailureKind)
	failed := s.FailedStep()
	require.NotNil(t, failed)
	assert.Equal(t, `the following patients are found: "POND, Brian"`, failed.Text)
	assert.Equal(t, 9, failed.Line)
	assert.True(t, strings.HasPrefix(failed.Error, `"the search results include \"Brian POND\"" (`+filepath.Join("examples", "phrasebook", "phrasebook.yaml")+`:30): `), failed.Error)
	for _, st := range s.Steps[:4] {
		assert.Equal(t, results.Passed, st.Status, st.Text)
	}
}
