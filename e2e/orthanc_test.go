//go:build e2e

package e2e

import (
	"context"
	"os/exec"
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
}
