//go:build e2e

package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func orthancImage() string { return envOr("ORTHANC_IMAGE", "eprharness/orthanc:1") }

// TestOrthancExample runs the Orthanc example suite (examples/orthanc) as a
// user would: a third-party clinical system nobody here wrote, driven by
// the declarative adapter (screens.yaml), started from a Compose file,
// loaded with synthetic DICOM studies and reset over its REST API between
// scenarios. Every scenario must pass and there must be at least 8.
func TestOrthancExample(t *testing.T) {
	requireBrowser(t)
	err := exec.Command("docker", "info").Run()
	requirePrereq(t, "EPRHARNESS_REQUIRE_DOCKER", "Docker", err == nil, "docker info failed")
	err = exec.Command("docker", "image", "inspect", orthancImage()).Run()
	requirePrereq(t, "EPRHARNESS_REQUIRE_DOCKER", "image "+orthancImage(), err == nil, "build it with `make image-orthanc`")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	r := harness(t, ctx, "run", "--config", "examples/orthanc/eprharness.yaml", "--store", "off")
	if r.code != 0 {
		r.dump(t)
	}
	require.Equal(t, 0, r.code, "the Orthanc example suite passes")
	run := readResults(t, r.out)
	c := run.Counts()
	assert.GreaterOrEqual(t, c.Scenarios, 8, "scenarios run")
	assert.Equal(t, c.Scenarios, c.Passed, "every scenario passed: %+v", c)
	assert.Equal(t, "declarative", run.Target.Adapter, "the run names its adapter")
	assert.NotEmpty(t, run.Target.Compose, "the run names its Compose project")
	assert.Contains(t, run.Target.Services, "orthanc")
	assert.NotEmpty(t, run.Target.Digests["orthanc"], "the report names the image digest")
	var blocked []string
	for _, f := range run.Features {
		for _, s := range f.Scenarios {
			blocked = append(blocked, s.Blocked...)
		}
	}
	assert.Contains(t, blocked, "example.invalid", "the egress scenario's blocked request is in its result")

	// Every page is checked for accessibility (a11y: pages): Orthanc
	// Explorer's known violations are accepted by the example's baseline,
	// each entry still matching, and nothing else fails.
	require.NotNil(t, run.Accessibility)
	assert.Contains(t, run.Accessibility.Baseline, "a11y-baseline.yaml")
	assert.GreaterOrEqual(t, run.Accessibility.Pages, 3, "%v", run.Accessibility.Checked)
	assert.Empty(t, run.AccessibilityViolations(), "only baselined violations")
	assert.Empty(t, run.Accessibility.Expired)
	assert.Empty(t, run.Accessibility.Fixed, "every baseline entry still matches a violation of Orthanc Explorer")
	accepted := map[string]bool{}
	for _, f := range run.Features {
		for _, s := range f.Scenarios {
			for _, c := range s.Accessibility {
				for _, v := range c.Violations {
					require.NotNil(t, v.Baselined, "%s on %s", v.Rule, c.Page)
					accepted[v.Rule] = true
				}
			}
		}
	}
	assert.True(t, accepted["html-has-lang"] && accepted["list"], "real violations of a third-party UI were found and accepted: %v", accepted)
	assert.Empty(t, labelled(t, "eprharness.run="+runIDOf(t, r.stderr)), "no container of the run may remain")
	assert.Empty(t, networksLabelled(t, "eprharness.run="+runIDOf(t, r.stderr)), "no network of the run may remain")
}

// check knows the Orthanc screen map: the suite is clean, and a step whose
// action the map does not bind is reported with its file and line before
// any browser starts; run refuses it the same way.
func TestOrthancCheckKnowsTheScreenMap(t *testing.T) {
	r := cli(t, "check", "--config", "examples/orthanc/eprharness.yaml")
	assert.Equal(t, 0, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)

	dir := t.TempDir()
	feature := filepath.Join(dir, "unbound.feature")
	require.NoError(t, os.WriteFile(feature, []byte("@smoke\nFeature: Unbound\n\n  Scenario: A check the map cannot do\n    When I search for the patient with NHS number \"999 004 2012\"\n    Then I am told the NHS number is not valid\n"), 0o644))
	r = cli(t, "check", "--config", "examples/orthanc/eprharness.yaml", feature)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stdout, "unbound.feature:6: unbound action")
	assert.Contains(t, r.stdout, `"expect-invalid-nhs-number"`)

	r = cli(t, "run", "--config", "examples/orthanc/eprharness.yaml", "--store", "off", "--out", filepath.Join(dir, "out"), feature)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "unbound.feature:6: unbound action")
	assert.NotContains(t, r.stderr, "chromium", "no browser starts")
}
