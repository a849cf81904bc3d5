package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/exitcode"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/results/resultstest"
)

// writeRun writes run as dir/results.json with its attachment files.
func writeRun(t *testing.T, dir string, run *results.Run) string {
	t.Helper()
	require.NoError(t, os.MkdirAll(dir, 0o755))
	resultstest.WriteAttachments(t, dir, run)
	data, err := json.Marshal(run)
	require.NoError(t, err)
	p := filepath.Join(dir, "results.json")
	require.NoError(t, os.WriteFile(p, data, 0o644))
	return p
}

func TestDiffOfResultsFilesGatesOnRegressions(t *testing.T) {
	dir := t.TempDir()
	base := resultstest.Sample()
	// In the baseline every scenario that fails in the sample passed.
	for _, f := range base.Features {
		for _, s := range f.Scenarios {
			if s.Status == results.Failed {
				s.Status, s.FailureKind, s.Error, s.Attachments = results.Passed, results.KindNone, "", nil
				for _, st := range s.Steps {
					st.Status, st.Error = results.Passed, ""
				}
			}
		}
	}
	base.ID = "baseline-run"
	basePath := writeRun(t, filepath.Join(dir, "base"), base)
	candPath := writeRun(t, filepath.Join(dir, "cand"), resultstest.Sample())
	t.Setenv("EPRHARNESS_STORE", "off")

	var stdout, stderr bytes.Buffer
	code := Main([]string{"diff", basePath, candPath}, &stdout, &stderr)
	assert.Equal(t, exitcode.Failures, code, "regressions gate: %s", stderr.String())
	assert.Contains(t, stdout.String(), "Searching by NHS number shows the patient")
	assert.Contains(t, stdout.String(), "cand/patient-search/searching-by-nhs-number-shows-the-patient/screenshot.png", "the regression's screenshot is named")

	stdout.Reset()
	md := filepath.Join(dir, "diff.md")
	code = Main([]string{"diff", "--format", "markdown", "--out", md, basePath, candPath}, &stdout, &stderr)
	assert.Equal(t, exitcode.Failures, code)
	data, err := os.ReadFile(md)
	require.NoError(t, err)
	assert.Contains(t, string(data), "eprharness run features/patient_search.feature:12", "each regression carries its repro line")

	stdout.Reset()
	code = Main([]string{"diff", "--format", "json", candPath, candPath}, &stdout, &stderr)
	assert.Equal(t, exitcode.Pass, code, "a run compared with itself is clean")
	var j struct {
		Gate        bool  `json:"gate"`
		Regressions []any `json:"regressions"`
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &j))
	assert.False(t, j.Gate)
	assert.Empty(t, j.Regressions)
}

func TestDiffBadInput(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("EPRHARNESS_STORE", "off")
	p := writeRun(t, dir, resultstest.Sample())
	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"features": 3}`), 0o644))
	cases := map[string]struct {
		args []string
		want string
	}{
		"one run":         {[]string{"diff", p}, "usage: eprharness diff"},
		"bad format":      {[]string{"diff", "--format", "pdf", p, p}, `--format: want one of text, markdown, html, json, got "pdf"`},
		"not results":     {[]string{"diff", bad, p}, "bad.json: not a results.json file"},
		"store off":       {[]string{"diff", "latest", p}, "the results store is off"},
		"report no store": {[]string{"report", "latest"}, "the results store is off"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			assert.Equal(t, exitcode.Usage, Main(c.args, &stdout, &stderr))
			assert.Contains(t, stderr.String(), c.want)
		})
	}
}
