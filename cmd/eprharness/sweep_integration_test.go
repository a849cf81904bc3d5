//go:build integration

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/backend/docker"
	"github.com/eprharness/eprharness/harness/exitcode"
)

// A kept container of a finished run survives a plain sweep, which says how
// to remove it; sweep --run removes it.
func TestSweepKeptThenRun(t *testing.T) {
	if err := exec.Command("docker", "info").Run(); err != nil {
		if os.Getenv("EPRHARNESS_REQUIRE_DOCKER") == "1" {
			t.Fatalf("Docker is required (EPRHARNESS_REQUIRE_DOCKER=1): %v", err)
		}
		t.Skipf("SKIPPED: Docker not available: %v", err)
	}
	image := os.Getenv("EPRHARNESS_EPR_IMAGE")
	if image == "" {
		image = "eprharness/refepr:dev"
	}
	runID := fmt.Sprintf("it-cli-keep-%d", time.Now().UnixNano())
	host, _ := os.Hostname()
	out, err := exec.Command("docker", "create", "--label", docker.LabelManaged+"=true", "--label", docker.LabelRun+"="+runID,
		"--label", docker.LabelPID+"=2147483646", "--label", docker.LabelHost+"="+host, "--label", docker.LabelKeep+"=true", image).CombinedOutput()
	require.NoError(t, err, string(out))
	id := strings.TrimSpace(string(out))
	t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", id).Run() })
	exists := func() bool {
		out, err := exec.Command("docker", "ps", "-aq", "--filter", "label="+docker.LabelRun+"="+runID).CombinedOutput()
		require.NoError(t, err, string(out))
		return strings.TrimSpace(string(out)) != ""
	}

	var stdout, stderr bytes.Buffer
	require.Equal(t, exitcode.Pass, Main([]string{"sweep"}, &stdout, &stderr), stderr.String())
	assert.True(t, exists(), "a plain sweep leaves a kept container")
	assert.Contains(t, stderr.String(), "kept container(s) left running")
	assert.Contains(t, stderr.String(), runID)
	assert.Contains(t, stderr.String(), "eprharness sweep --run ID")

	stderr.Reset()
	require.Equal(t, exitcode.Pass, Main([]string{"sweep", "--run", runID}, &stdout, &stderr), stderr.String())
	assert.Contains(t, stderr.String(), "removed 1 container(s)")
	assert.False(t, exists(), "sweep --run removes it")
}
