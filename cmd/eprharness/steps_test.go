package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/config"
	"github.com/eprharness/eprharness/harness/exitcode"
)

const preflightFeature = `@search
Feature: Preflight

  Scenario: Clean
    Given I am signed in as a receptionist
    When I search for patients named "Pond"
    Then 2 patients are found

  @wip
  Scenario: A role the fixtures do not have
    Given I am signed in as a surgeon
`

// preflightConfig is the default configuration on the repository's
// fixtures and one feature file.
func preflightConfig(t *testing.T, src string) (config.Config, string) {
	t.Helper()
	repo, _ := filepath.Abs(filepath.Join("..", ".."))
	file := filepath.Join(t.TempDir(), "preflight.feature")
	require.NoError(t, os.WriteFile(file, []byte(src), 0o644))
	cfg := config.Default()
	cfg.Fixtures = filepath.Join(repo, "fixtures")
	cfg.Paths = []string{file}
	return cfg, file
}

// The preflight checks what the run selects: the whole file fails on the
// unknown role, its :LINE or a tag expression that leaves that scenario
// out passes.
func TestPreflightChecksTheSelection(t *testing.T) {
	cfg, file := preflightConfig(t, preflightFeature)
	var stderr bytes.Buffer
	assert.Equal(t, exitcode.Usage, preflight(cfg, &stderr))
	assert.Contains(t, stderr.String(), file+`:11: unknown role: "surgeon" is not a role in the fixture users`)
	assert.Contains(t, stderr.String(), "nothing was started")

	cfg.Paths = []string{file + ":4"}
	stderr.Reset()
	assert.Equal(t, exitcode.Pass, preflight(cfg, &stderr), stderr.String())
	assert.Empty(t, stderr.String())

	cfg.Paths = []string{file}
	cfg.Tags = "not @wip"
	stderr.Reset()
	assert.Equal(t, exitcode.Pass, preflight(cfg, &stderr), stderr.String())

	cfg.Tags = "@nothing"
	stderr.Reset()
	assert.Equal(t, exitcode.Usage, preflight(cfg, &stderr))
	assert.Contains(t, stderr.String(), `matches the tag expression "@nothing"`)
}

// Missing required tags fail check but not a run: one warning line.
func TestPreflightOnlyWarnsOfBookkeeping(t *testing.T) {
	cfg, file := preflightConfig(t, "Feature: Untagged\n\n  Scenario: Clean\n    Given I am signed in as a receptionist\n")
	var stderr bytes.Buffer
	assert.Equal(t, exitcode.Pass, preflight(cfg, &stderr))
	assert.Equal(t, "eprharness: warning: `eprharness check` finds 1 problem(s) that do not stop a run (required tags, hazard log)\n", stderr.String())

	var stdout bytes.Buffer
	repo, _ := filepath.Abs(filepath.Join("..", ".."))
	t.Chdir(repo)
	assert.Equal(t, exitcode.Usage, Main([]string{"check", file}, &stdout, &stderr), "check still fails on it")
	assert.Contains(t, stdout.String(), "missing tag")
}

// Every problem check finds that stops a run stops it, before anything
// starts: the run command returns 2 without a browser or backend.
func TestRunRefusesWhatCheckFinds(t *testing.T) {
	repo, _ := filepath.Abs(filepath.Join("..", ".."))
	t.Chdir(repo)
	t.Setenv("EPRHARNESS_STORE", filepath.Join(t.TempDir(), "results.db"))
	t.Setenv("EPRHARNESS_BROWSER_PATH", filepath.Join(t.TempDir(), "no-chromium"))
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
	_, file := preflightConfig(t, preflightFeature)
	var stdout, stderr bytes.Buffer
	assert.Equal(t, exitcode.Usage, Main([]string{"run", "--backend", "docker", "--out", t.TempDir(), file}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), file+":11: unknown role")
	stdout.Reset()
	assert.Equal(t, exitcode.Usage, Main([]string{"check", file}, &stdout, &stderr))
	assert.Contains(t, stdout.String(), file+":11: unknown role")
}

// The team's phrases are listed beside the catalogue, in every format.
func TestStepsListsThePhrasebook(t *testing.T) {
	repo, _ := filepath.Abs(filepath.Join("..", ".."))
	t.Chdir(repo)
	book := filepath.Join("examples", "phrasebook", "phrasebook.yaml")

	var stdout, stderr bytes.Buffer
	require.Equal(t, exitcode.Pass, Main([]string{"steps", "--phrasebook", book}, &stdout, &stderr), stderr.String())
	text := stdout.String()
	assert.Contains(t, text, "\nYour phrasebook (10 phrases)")
	assert.Contains(t, text, "  that I'm logged in\n      signs in as the clinician of the fixture users\n      → I am signed in as a clinician\n      ("+book+":8)\n")
	assert.Less(t, strings.Index(text, "\nweb\n"), strings.Index(text, "Your phrasebook"), "after the catalogue")

	stdout.Reset()
	require.Equal(t, exitcode.Pass, Main([]string{"steps", "--format", "markdown", "--phrasebook", book}, &stdout, &stderr), stderr.String())
	assert.Contains(t, stdout.String(), "## Your phrasebook\n")
	assert.Contains(t, stdout.String(), "**`I search for a patient with {string}`**  \nWritten at `"+book+":19`; expands to:\n\n```gherkin\nI search for the patient with NHS number \"{1}\"\n```\n")

	stdout.Reset()
	require.Equal(t, exitcode.Pass, Main([]string{"steps", "--format", "json", "--phrasebook", book}, &stdout, &stderr), stderr.String())
	var doc struct {
		Steps   []map[string]any `json:"steps"`
		Phrases []struct {
			Phrase, Kind, Pattern, At string
			Steps                     []string
		} `json:"phrases"`
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &doc))
	assert.Greater(t, len(doc.Steps), 100)
	require.Len(t, doc.Phrases, 10)
	assert.Equal(t, "regex", doc.Phrases[6].Kind)
	assert.Equal(t, []string{`the search results include "{given} {family}"`}, doc.Phrases[6].Steps)
	assert.Equal(t, book+":29", doc.Phrases[6].At)

	// Without one, the catalogue is as it was.
	stdout.Reset()
	require.Equal(t, exitcode.Pass, Main([]string{"steps"}, &stdout, &stderr))
	assert.NotContains(t, stdout.String(), "Your phrasebook")
}

// A phrasebook that does not load is bad input: exit 2, naming each
// problem's file:line and field, for steps, check and run alike, before
// anything starts.
func TestBadPhrasebookIsRefused(t *testing.T) {
	repo, _ := filepath.Abs(filepath.Join("..", ".."))
	t.Chdir(repo)
	t.Setenv("EPRHARNESS_STORE", filepath.Join(t.TempDir(), "results.db"))
	t.Setenv("EPRHARNESS_BROWSER_PATH", filepath.Join(t.TempDir(), "no-chromium"))
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
	book := filepath.Join(t.TempDir(), "phrasebook.yaml")
	require.NoError(t, os.WriteFile(book, []byte("phrases:\n  - phrase: that I'm logged in\n    steps: [I am signed in as a clinician]\n  - phrase: I have {cukes}\n    steps: [x]\n  - phrase: fine\n    steps: ['uses {1}']\n"), 0o644))
	feature := filepath.Join("examples", "phrasebook", "features")

	var stdout, stderr bytes.Buffer
	assert.Equal(t, exitcode.Usage, Main([]string{"steps", "--phrasebook", book}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), book+":4: phrases[1].phrase: column 8: {cukes} is no parameter type")
	assert.Contains(t, stderr.String(), book+":7: phrases[2].steps[0]: {1} names no parameter of the phrase (it has none)")

	for _, cmd := range []string{"check", "run"} {
		stdout.Reset()
		stderr.Reset()
		assert.Equal(t, exitcode.Usage, Main([]string{cmd, "--phrasebook", book, "--out", t.TempDir(), feature}, &stdout, &stderr), cmd)
		assert.Contains(t, stderr.String(), "eprharness: phrasebook: does not load:\n  "+book+":4: phrases[1].phrase: column 8", cmd)
		assert.Contains(t, stderr.String(), book+":7: phrases[2].steps[0]", cmd)
	}

	stderr.Reset()
	assert.Equal(t, exitcode.Usage, Main([]string{"run", "--phrasebook", filepath.Join(t.TempDir(), "missing.yaml"), feature}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "phrasebook: no file at")
}

// The example's team wording checks clean through its phrasebook, and
// fails without it.
func TestCheckResolvesThePhrasebook(t *testing.T) {
	repo, _ := filepath.Abs(filepath.Join("..", ".."))
	t.Chdir(repo)
	cfg := filepath.Join("examples", "phrasebook", "eprharness.yaml")
	var stdout, stderr bytes.Buffer
	assert.Equal(t, exitcode.Pass, Main([]string{"check", "--config", cfg}, &stdout, &stderr), stdout.String()+stderr.String())
	assert.Contains(t, stdout.String(), "eprharness check: no problems (2 files, 3 scenarios")

	stdout.Reset()
	assert.Equal(t, exitcode.Usage, Main([]string{"check", "--config", cfg, "--phrasebook", ""}, &stdout, &stderr))
	assert.Contains(t, stdout.String(), `undefined step: Given that I'm logged in`)
}

// Without --phrasebook, steps lists the phrasebook the configuration
// names (eprharness.yaml, EPRHARNESS_PHRASEBOOK), as run and check use it.
func TestStepsListsTheConfiguredPhrasebook(t *testing.T) {
	book, err := filepath.Abs(filepath.Join("..", "..", "examples", "phrasebook", "phrasebook.yaml"))
	require.NoError(t, err)
	dir := t.TempDir()
	t.Chdir(dir)
	require.NoError(t, os.WriteFile("eprharness.yaml", []byte("phrasebook: "+book+"\n"), 0o644))
	var stdout, stderr bytes.Buffer
	require.Equal(t, exitcode.Pass, Main([]string{"steps"}, &stdout, &stderr), stderr.String())
	assert.Contains(t, stdout.String(), "\nYour phrasebook (10 phrases)")

	require.NoError(t, os.WriteFile("eprharness.yaml", []byte("phrasebook: missing.yaml\n"), 0o644))
	stdout.Reset()
	stderr.Reset()
	assert.Equal(t, exitcode.Usage, Main([]string{"steps"}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "phrasebook")
}
