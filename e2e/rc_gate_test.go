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

// rcHazards is the hazard log of the gate's runs: the example log's
// hazards whose scenarios are in rcGatePaths, so that a run of those
// features alone can verify every control. (features/hazards.yaml, the
// whole suite's log, would leave the other features' controls unverified:
// the gate is right to refuse a candidate that ran a part of the suite.)
const rcHazards = `hazards:
  - id: H-002
    title: A known allergy is not seen by the clinician
    initial: {severity: Major, likelihood: Medium, risk: 3}
    residual: {severity: Major, likelihood: Very low, risk: 2}
    status: closed
    controls:
      - {id: C-004, description: The allergy alert lists every active allergy, verify: test}
      - {id: C-005, description: The allergy alert follows updates at once, verify: test}
  - id: H-004
    title: A deteriorating patient is not escalated
    controls:
      - {id: C-008, description: Vital signs are scored with NEWS2 and the response band shown, verify: test}
      - {id: C-009, description: Ward escalation policy and training, verify: other}
  - id: H-010
    title: Two patients booked into one appointment slot
    controls:
      - {id: C-010, description: A second booking of a taken slot is refused, verify: test}
`

// rcUnverified are the controls the release candidate's defects leave
// unverified: allergy-alert-stale fails a scenario tagged @control:C-005,
// news2-boundary one tagged @control:C-008, double-booking those tagged
// @hazard:H-010.
var rcUnverified = []string{"C-005", "C-008", "C-010"}

// diffJSON is the part of `eprharness diff --format json` the test reads.
type diffJSON struct {
	Gate       bool `json:"gate"`
	ExitCode   int  `json:"exit_code"`
	Unverified []struct {
		ID        string `json:"id"`
		Hazard    string `json:"hazard"`
		Message   string `json:"message"`
		Scenarios []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"scenarios"`
	} `json:"unverified"`
	Safety *struct {
		MustVerify int `json:"must_verify"`
		Verified   int `json:"verified"`
	} `json:"safety"`
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
	hazardFile := filepath.Join(t.TempDir(), "hazards.yaml")
	require.NoError(t, os.WriteFile(hazardFile, []byte(rcHazards), 0o644))
	run := func(image string) result {
		args := append([]string{"run", "--backend", "docker", "--workers", "2", "--epr-image", image, "--postgres-image", postgresImage(),
			"--store", storeFile, "--hazard-log", hazardFile}, rcGatePaths...)
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

	// The safety gate: the controls those scenarios verify are unverified,
	// each message naming the control, its hazard and a failed scenario.
	require.NotNil(t, got.Safety, "the candidate recorded its hazard log")
	assert.Equal(t, 4, got.Safety.MustVerify)
	var unverified []string
	for _, c := range got.Unverified {
		unverified = append(unverified, c.ID)
		assert.Contains(t, c.Message, "unverified control "+c.ID+" (hazard "+c.Hazard+" ")
		var failed []string
		for _, s := range c.Scenarios {
			if s.Status == string(results.Failed) {
				failed = append(failed, s.ID)
				assert.Contains(t, c.Message, s.ID+" failed")
			}
		}
		assert.NotEmpty(t, failed, "%s: a failed scenario leaves it unverified", c.ID)
		for _, id := range failed {
			assert.Contains(t, want, id, "%s: its failed scenarios are regressions", c.ID)
		}
	}
	assert.Equal(t, rcUnverified, unverified)

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
	assert.Empty(t, none.Unverified, "the clean candidate verifies every control")
	require.NotNil(t, none.Safety)
	assert.Equal(t, none.Safety.MustVerify, none.Safety.Verified)
}
