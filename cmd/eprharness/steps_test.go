package main

import (
	"bytes"
	"os"
	"path/filepath"
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
