package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/exitcode"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/results/resultstest"
	"github.com/eprharness/eprharness/harness/store"
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

// `eprharness report RUN` rebuilds every report of a stored run from the
// store alone: the run's output folder is gone.
func TestReportRebuildsAStoredRun(t *testing.T) {
	dir := t.TempDir()
	storeFile := filepath.Join(dir, "store", "results.db")
	run := resultstest.Sample()
	src := resultstest.AttachmentDir(t, run)
	storeRun(t, storeFile, run, src)
	require.NoError(t, os.RemoveAll(src))

	out := filepath.Join(dir, "rebuilt")
	var stdout, stderr bytes.Buffer
	code := Main([]string{"report", "--store", storeFile, "--out", out, "latest"}, &stdout, &stderr)
	require.Equal(t, exitcode.Pass, code, stderr.String())
	for _, name := range []string{"results.json", "junit.xml", "cucumber.json", "messages.ndjson", "report.html"} {
		assert.FileExists(t, filepath.Join(out, name))
	}
	page, err := os.ReadFile(filepath.Join(out, "report.html"))
	require.NoError(t, err)
	assert.Contains(t, string(page), "Searching by NHS number shows the patient")
	assert.Contains(t, string(page), "data:image/png;base64,", "screenshots come from the store's artifacts, inline")
	junit, err := os.ReadFile(filepath.Join(out, "junit.xml"))
	require.NoError(t, err)
	assert.Contains(t, string(junit), "../store/artifacts/sha256/", "JUnit links the stored attachments relative to the report")

	code = Main([]string{"report", "--store", storeFile, "no-such-run"}, &stdout, &stderr)
	assert.Equal(t, exitcode.Usage, code)
	assert.Contains(t, stderr.String(), `run "no-such-run"`)
}

// A read-only command never creates a store: a mistyped --store is exit 2
// with a clear message, and no file or folder appears.
func TestResultsCommandsNeverCreateAStore(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "sub", "missing.db")
	for _, args := range [][]string{
		{"diff", "--store", missing, "last-green", "latest"},
		{"report", "--store", missing, "latest"},
		{"serve", "--store", missing, "--addr", "127.0.0.1:0"},
	} {
		var stdout, stderr bytes.Buffer
		assert.Equal(t, exitcode.Usage, Main(args, &stdout, &stderr), args)
		assert.Contains(t, stderr.String(), "no results store at "+missing, args)
		assert.NoFileExists(t, missing)
		assert.NoDirExists(t, filepath.Dir(missing), "not even its folder")
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries)
}

// storeKilled records a green run and, after it, a run killed after 2 of
// its 4 planned scenarios (resultstest.Killed) into a new SQLite store.
func storeKilled(t *testing.T) (storeFile string, green, killed *results.Run) {
	t.Helper()
	dir := t.TempDir()
	storeFile = filepath.Join(dir, "store", "results.db")
	ctx := context.Background()
	st, err := store.Open(ctx, storeFile)
	require.NoError(t, err)
	defer st.Close()
	green = resultstest.Sample()
	green.ID = "run-green"
	green.Features = green.Features[:1] // patient search, every scenario passed
	for _, sc := range green.Features[0].Scenarios {
		sc.Status, sc.FailureKind, sc.Error, sc.Attachments, sc.Repro = results.Passed, results.KindNone, "", nil, ""
		for _, step := range sc.Steps {
			step.Status, step.Error = results.Passed, ""
		}
	}
	killed = resultstest.Killed()
	for _, run := range []*results.Run{green, killed} {
		recordRun(t, st, run, resultstest.AttachmentDir(t, run))
	}
	return storeFile, green, killed
}

// storeRun records run, its attachments in src, into the SQLite store
// storeFile (created when missing).
func storeRun(t *testing.T, storeFile string, run *results.Run, src string) {
	t.Helper()
	st, err := store.Open(context.Background(), storeFile)
	require.NoError(t, err)
	recordRun(t, st, run, src)
	require.NoError(t, st.Close())
}

// recordRun records run, its attachments in src, into st: its start, every
// scenario, and its end unless the run is unfinished.
func recordRun(t *testing.T, st store.Store, run *results.Run, src string) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, st.Begin(ctx, run))
	for _, f := range run.Features {
		for _, sc := range f.Scenarios {
			require.NoError(t, st.Record(ctx, run.ID, f, sc, src))
		}
	}
	if !run.Unfinished() {
		require.NoError(t, st.Finish(ctx, run))
	}
}

// After kill -9 of a run that had finished 2 of 4 scenarios, `diff
// last-green latest` once printed "Gate: PASS" and exited 0, and `report`
// rebuilt the run as tests="2".
func TestKilledRunFailsTheGateAndReportsItsPlan(t *testing.T) {
	storeFile, green, killed := storeKilled(t)
	var stdout, stderr bytes.Buffer
	code := Main([]string{"diff", "--store", storeFile, "last-green", "latest"}, &stdout, &stderr)
	assert.Equal(t, exitcode.Failures, code, stderr.String())
	out := stdout.String()
	assert.Contains(t, out, "eprharness diff: candidate "+killed.ID)
	assert.Contains(t, out, "against base "+green.ID, "last-green is never the killed run")
	assert.Contains(t, out, "Gate: FAIL")
	assert.Contains(t, out, "candidate run "+killed.ID+" is unfinished: it never recorded its end; 2 of 4 planned scenarios never ran")
	assert.Contains(t, out, "Not run (never started by the candidate run) (2)")
	assert.NotRegexp(t, `(?s)Removed.*medications\.feature`, out, "a planned scenario that never ran is never removed")

	stdout.Reset()
	stderr.Reset()
	dir := filepath.Join(t.TempDir(), "report")
	code = Main([]string{"report", "latest", "--store", storeFile, "--out", dir}, &stdout, &stderr)
	require.Equal(t, exitcode.Pass, code, "the reports were written: %s", stderr.String())
	assert.Contains(t, stderr.String(), "run "+killed.ID+" is unfinished: it never recorded its end; 2 of 4 planned scenarios never ran")
	junit, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
	require.NoError(t, err)
	assert.Contains(t, string(junit), `<testsuites name="eprharness" tests="4" failures="0" errors="2"`)
	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	require.NoError(t, err)
	assert.Contains(t, string(page), "Result: <strong>Unfinished</strong>")
}
