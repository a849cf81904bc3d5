//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/results"
)

// rcGatePaths are the features the release-candidate image's defects
// (RC_DEFECTS in the Makefile) act in, and more.
var rcGatePaths = []string{"features/allergies.feature", "features/appointments.feature", "features/observations.feature"}

// rcDefects are the defects built into the release-candidate image.
var rcDefects = []string{"news2-boundary", "allergy-alert-stale", "double-booking"}

func rcImage() string { return envOr("EPRHARNESS_RC_IMAGE", "eprharness/refepr:rc") }

// diffJSON is the part of `eprharness diff --format json` the test reads.
type diffJSON struct {
	Gate        bool `json:"gate"`
	ExitCode    int  `json:"exit_code"`
	Regressions []struct {
		ID        string `json:"id"`
		Name      string `json:"name"`
		Repro     string `json:"repro"`
		Candidate *struct {
			Status      results.Status       `json:"status"`
			FailureKind results.FailureKind  `json:"failure_kind"`
			Attachments []results.Attachment `json:"attachments"`
		} `json:"candidate"`
	} `json:"regressions"`
	Fixed []struct {
		ID string `json:"id"`
	} `json:"fixed"`
}

// TestReleaseCandidateGate proves `make rc-check`: a baseline on the normal
// image, then a candidate on the release-candidate image with defects
// built in, recorded in one store. The diff names exactly the scenarios
// that claim those defects as regressions, each with its screenshot in the
// store's artifacts and its repro line, and exits 1. A second run on the
// normal image compared with the baseline is clean and exits 0.
func TestReleaseCandidateGate(t *testing.T) {
	requireBrowser(t)
	requireDocker(t)
	requirePrereq(t, "EPRHARNESS_REQUIRE_DOCKER", "the release-candidate image "+rcImage(),
		exec.Command("docker", "image", "inspect", rcImage()).Run() == nil, "build it with make image-rc")
	storeFile := filepath.Join(t.TempDir(), "results.db")
	run := func(image string) result {
		args := append([]string{"run", "--backend", "docker", "--workers", "2", "--epr-image", image, "--postgres-image", postgresImage(), "--store", storeFile}, rcGatePaths...)
		return harness(t, context.Background(), args...)
	}

	baseline := run(eprImage())
	if baseline.code != 0 {
		baseline.dump(t)
	}
	require.Equal(t, 0, baseline.code, "the baseline must pass")
	candidate := run(rcImage())
	require.Equal(t, 1, candidate.code, "the candidate fails its defects' scenarios:\n%s", candidate.stderr)
	candRun := readResults(t, candidate.out)
	assert.ElementsMatch(t, rcDefects, candRun.Target.Defects, "the run records the defects the EPR reports")

	// Expected regressions: the candidate's scenarios tagged with one of
	// the image's defects.
	var want []string
	for _, f := range candRun.Features {
		for _, s := range f.Scenarios {
			for _, d := range rcDefects {
				if slices.Contains(s.Tags, "@defect:"+d) {
					want = append(want, s.ID)
				}
			}
		}
	}
	sort.Strings(want)
	require.NotEmpty(t, want)

	d := cli(t, "diff", "--store", storeFile, "--format", "json", "latest~1", "latest")
	require.Equal(t, 1, d.code, "regressions fail the gate:\n%s", d.stderr)
	var got diffJSON
	require.NoError(t, json.Unmarshal([]byte(d.stdout), &got), d.stdout)
	assert.True(t, got.Gate)
	var ids, shots []string
	artifacts := filepath.Join(filepath.Dir(storeFile), "artifacts")
	for _, r := range got.Regressions {
		ids = append(ids, r.ID)
		require.NotNil(t, r.Candidate, r.ID)
		assert.Contains(t, []results.FailureKind{results.KindAssertion, results.KindTimeout}, r.Candidate.FailureKind, r.ID)
		assert.Contains(t, r.Repro, "eprharness run "+r.ID, "each regression carries its repro line")
		assert.Contains(t, r.Repro, "--epr-image "+rcImage())
		var shot string
		for _, a := range r.Candidate.Attachments {
			if a.Name == "screenshot" {
				shot = a.Path
			}
		}
		require.NotEmpty(t, shot, "%s: the regression has a screenshot", r.ID)
		shots = append(shots, shot)
		assert.FileExists(t, filepath.Join(artifacts, filepath.FromSlash(shot)), "the screenshot is in the store's artifacts")
	}
	sort.Strings(ids)
	assert.Equal(t, want, ids, "the diff names exactly the scenarios that claim the candidate's defects")

	// The Markdown for a pull request names each regression with its
	// screenshot and repro line.
	md := cli(t, "diff", "--store", storeFile, "--format", "markdown", "latest~1", "latest")
	assert.Equal(t, 1, md.code)
	for _, r := range got.Regressions {
		assert.Contains(t, md.stdout, r.Name)
		assert.Contains(t, md.stdout, r.Repro)
	}
	for _, shot := range shots {
		assert.Contains(t, md.stdout, shot, "the Markdown links each regression's stored screenshot")
	}

	// Reports rebuild from the store: the HTML report shows the failures
	// with their screenshots inline.
	reportDir := t.TempDir()
	rep := cli(t, "report", "--store", storeFile, "--out", reportDir, candRun.ID)
	require.Equal(t, 0, rep.code, rep.stderr)
	page, err := os.ReadFile(filepath.Join(reportDir, "report.html"))
	require.NoError(t, err)
	for _, r := range got.Regressions {
		assert.Contains(t, string(page), r.Name)
	}
	assert.Contains(t, string(page), "data:image/png;base64,", "screenshots are inline")
	for _, name := range []string{"junit.xml", "cucumber.json", "messages.ndjson", "results.json"} {
		assert.FileExists(t, filepath.Join(reportDir, name))
	}

	// No defects: the diff is clean and exits 0.
	clean := run(eprImage())
	require.Equal(t, 0, clean.code, clean.stderr)
	ok := cli(t, "diff", "--store", storeFile, "--format", "json", readResults(t, baseline.out).ID, readResults(t, clean.out).ID)
	require.Equal(t, 0, ok.code, "%s\n%s", ok.stdout, ok.stderr)
	var none diffJSON
	require.NoError(t, json.Unmarshal([]byte(ok.stdout), &none))
	assert.False(t, none.Gate)
	assert.Empty(t, none.Regressions)
}
