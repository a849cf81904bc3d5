package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/exitcode"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/results/resultstest"
	"github.com/eprharness/eprharness/harness/safety"
)

const evidenceLog = "testdata/evidence/hazards.yaml"

// storeEvidenceRuns records two runs made against testdata's hazard log
// into a new SQLite store: a day-earlier run in which every scenario that
// did not pass in the sample passed, then the sample run itself.
// Their output folders are gone: only the store holds the evidence.
func storeEvidenceRuns(t *testing.T) (storeFile string) {
	t.Helper()
	log, err := safety.Read(evidenceLog)
	require.NoError(t, err)
	storeFile = filepath.Join(t.TempDir(), "store", "results.db")

	earlier := resultstest.Sample()
	earlier.ID = "run-20260531T090000Z"
	earlier.StartedAt = earlier.StartedAt.Add(-24 * time.Hour)
	earlier.FinishedAt = earlier.FinishedAt.Add(-24 * time.Hour)
	for _, f := range earlier.Features {
		for _, s := range f.Scenarios {
			if s.Status == results.Failed || s.Status == results.Flaky {
				s.Status, s.FailureKind, s.Error, s.Attachments, s.Attempts = results.Passed, results.KindNone, "", nil, nil
				for _, st := range s.Steps {
					st.Status, st.Error = results.Passed, ""
				}
			}
		}
	}
	latest := resultstest.Sample()
	for _, run := range []*results.Run{earlier, latest} {
		run.HazardLog = log
		src := resultstest.AttachmentDir(t, run)
		storeRun(t, storeFile, run, src)
		require.NoError(t, os.RemoveAll(src))
	}
	return storeFile
}

// `eprharness evidence latest` writes the appendix beside nothing but the
// store, links the stored evidence relative to itself, shows each
// scenario's history, and says what it found in one line.
func TestEvidenceWritesTheAppendix(t *testing.T) {
	storeFile := storeEvidenceRuns(t)
	out := filepath.Join(filepath.Dir(filepath.Dir(storeFile)), "safety", "evidence.html")
	require.NoError(t, os.MkdirAll(filepath.Dir(out), 0o755))

	var stdout, stderr bytes.Buffer
	code := Main([]string{"evidence", "--store", storeFile, "--out", out, "latest"}, &stdout, &stderr)
	require.Equal(t, exitcode.Pass, code, "the appendix does not gate: %s", stderr.String())
	assert.Equal(t, "evidence: 4 controls, 4 must be verified by test, 0 verified, 4 unverified -> "+out+"\n", stderr.String())
	assert.Empty(t, stdout.String())

	page, err := os.ReadFile(out)
	require.NoError(t, err)
	html := string(page)
	assert.Contains(t, html, "<code>run-20260601T090000Z</code>")
	assert.Contains(t, html, "<code>"+evidenceLog+"</code>", "the hazard log the run recorded")
	assert.Contains(t, html, "Control H-010 of hazard H-010 (Two patients booked into one appointment slot) is unverified: no scenario verifies it.")
	assert.Contains(t, html, "features/patient_search.feature:12 failed")
	assert.Contains(t, html, "Passed in 1 of the last 2 runs, this one included.", "history from the store")
	assert.NotContains(t, html, "(missing:", "every linked evidence file is in the store")

	links := regexp.MustCompile(`<a href="(\.\./store/artifacts/sha256/[^"]+)">Screenshot</a>`).FindAllStringSubmatch(html, -1)
	require.NotEmpty(t, links, "screenshots link into the store's artifacts, relative to the appendix")
	for _, l := range links {
		assert.FileExists(t, filepath.Join(filepath.Dir(out), filepath.FromSlash(l[1])))
	}
}

// On standard output the links are absolute; an earlier run is named as
// in report and diff.
func TestEvidenceToStandardOutput(t *testing.T) {
	storeFile := storeEvidenceRuns(t)
	var stdout, stderr bytes.Buffer
	code := Main([]string{"evidence", "--store", storeFile, "--out", "-", "--history", "3", "latest~1"}, &stdout, &stderr)
	require.Equal(t, exitcode.Pass, code, stderr.String())
	assert.Equal(t, "evidence: 4 controls, 4 must be verified by test, 3 verified, 1 unverified -> standard output\n", stderr.String())
	assert.Contains(t, stdout.String(), "<code>run-20260531T090000Z</code>")
	assert.Contains(t, stdout.String(), "History strips show up to 3 earlier runs")
	assert.Contains(t, stdout.String(), "No earlier runs in the store.", "the first run has no history")
	artifacts := filepath.Join(filepath.Dir(storeFile), "artifacts")
	assert.Contains(t, stdout.String(), `href="`+filepath.ToSlash(artifacts)+`/sha256/`)
}

// --hazard-log judges the run against another log, and the appendix says
// it is not the run's own.
func TestEvidenceWithAnotherHazardLog(t *testing.T) {
	storeFile := storeEvidenceRuns(t)
	dir := t.TempDir()
	other := filepath.Join(dir, "hazards.yaml")
	require.NoError(t, os.WriteFile(other, []byte(`hazards:
  - id: H-010
    title: Two patients booked into one appointment slot
    control: A second booking of a taken slot is refused
`), 0o644))
	out := filepath.Join(dir, "evidence.html")
	var stdout, stderr bytes.Buffer
	code := Main([]string{"evidence", "--store", storeFile, "--out", out, "--hazard-log", other, "latest"}, &stdout, &stderr)
	require.Equal(t, exitcode.Pass, code, stderr.String())
	assert.Equal(t, "evidence: 1 control, 1 must be verified by test, 0 verified, 1 unverified -> "+out+"\n", stderr.String())
	page, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Contains(t, string(page), "This appendix judges the run against "+other)
	assert.NotContains(t, string(page), "H-004")
}

// Bad input is exit 2 with a message that says what to correct, and no
// appendix is written.
func TestEvidenceBadInput(t *testing.T) {
	storeFile := storeEvidenceRuns(t)
	noLog := filepath.Join(t.TempDir(), "nolog", "results.db")
	run := resultstest.Sample()
	storeRun(t, noLog, run, resultstest.AttachmentDir(t, run))
	missing := filepath.Join(t.TempDir(), "sub", "missing.db")

	cases := map[string]struct {
		args []string
		want string
	}{
		"no run":         {[]string{"--store", storeFile}, "want one run (RUN), got 0 arguments"},
		"two runs":       {[]string{"--store", storeFile, "latest", "latest~1"}, "want one run (RUN), got 2 arguments"},
		"history 0":      {[]string{"--store", storeFile, "--history", "0", "latest"}, "--history: want 1 or more runs, got 0"},
		"unknown run":    {[]string{"--store", storeFile, "no-such-run"}, `run "no-such-run"`},
		"missing store":  {[]string{"--store", missing, "latest"}, "no results store at " + missing},
		"no hazard log":  {[]string{"--store", noLog, "latest"}, "the run has no hazard log: run run-20260601T090000Z recorded none"},
		"bad hazard log": {[]string{"--store", storeFile, "--hazard-log", "testdata/evidence/bad-hazards.yaml", "latest"}, "testdata/evidence/bad-hazards.yaml:4: hazards[1].id: want H- and three or more digits"},
		"no such log":    {[]string{"--store", storeFile, "--hazard-log", "testdata/evidence/none.yaml", "latest"}, "read hazard log: open testdata/evidence/none.yaml"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "evidence.html")
			var stdout, stderr bytes.Buffer
			code := Main(append([]string{"evidence", "--out", out}, c.args...), &stdout, &stderr)
			assert.Equal(t, exitcode.Usage, code)
			assert.Contains(t, stderr.String(), c.want)
			assert.NoFileExists(t, out)
		})
	}
	assert.NoDirExists(t, filepath.Dir(missing), "a mistyped store is never created")

	var stdout, stderr bytes.Buffer
	code := Main([]string{"evidence", "--store", noLog, "latest"}, &stdout, &stderr)
	assert.Equal(t, exitcode.Usage, code)
	assert.Contains(t, stderr.String(), "give one with --hazard-log FILE")
}

// A killed run's planned scenarios that never ran still count against
// the controls they verify: their tags come from the last green run. Here
// features/medications.feature:5 also verifies H-001, whose other
// scenario passed; without its tags H-001 would read as verified.
func TestEvidenceOfAKilledRun(t *testing.T) {
	log, err := safety.Read(evidenceLog)
	require.NoError(t, err)
	storeFile := filepath.Join(t.TempDir(), "store", "results.db")
	green := resultstest.Sample()
	green.ID = "run-20260531T090000Z"
	green.StartedAt = green.StartedAt.Add(-24 * time.Hour)
	green.FinishedAt = green.FinishedAt.Add(-24 * time.Hour)
	for _, f := range green.Features {
		for _, s := range f.Scenarios {
			s.Status, s.FailureKind, s.Error, s.Attachments, s.Attempts = results.Passed, results.KindNone, "", nil, nil
			for _, st := range s.Steps {
				st.Status, st.Error = results.Passed, ""
			}
			if s.ID == "features/medications.feature:5" {
				s.Tags = append(s.Tags, "@hazard:H-001")
			}
		}
	}
	killed := resultstest.Killed()
	for _, run := range []*results.Run{green, killed} {
		run.HazardLog = log
		storeRun(t, storeFile, run, resultstest.AttachmentDir(t, run))
	}

	out := filepath.Join(t.TempDir(), "evidence.html")
	var stdout, stderr bytes.Buffer
	code := Main([]string{"evidence", "--store", storeFile, "--out", out, "latest"}, &stdout, &stderr)
	require.Equal(t, exitcode.Pass, code, stderr.String())
	assert.Equal(t, "evidence: 4 controls, 4 must be verified by test, 0 verified, 4 unverified -> "+out+"\n"+
		"eprharness evidence: run "+killed.ID+" is unfinished: it never recorded its end; 2 of 4 planned scenarios never ran; the appendix says so\n",
		stderr.String())
	page, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Contains(t, string(page), "Control H-001 of hazard H-001 (Wrong patient identified on a record page) is unverified: features/medications.feature:5 did not run.")
	assert.Contains(t, string(page), "never recorded its end (killed, or still running)")
	assert.NotContains(t, string(page), "no earlier run tells which controls", "the green run tells the tags of both")
}

// By default the appendix is evidence.html in the current folder, and its
// links to the store are relative to that folder.
func TestEvidenceDefaultOut(t *testing.T) {
	storeFile := storeEvidenceRuns(t)
	dir := filepath.Join(filepath.Dir(filepath.Dir(storeFile)), "here")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	t.Chdir(dir)
	var stdout, stderr bytes.Buffer
	code := Main([]string{"evidence", "--store", storeFile, "latest"}, &stdout, &stderr)
	require.Equal(t, exitcode.Pass, code, stderr.String())
	assert.Equal(t, "evidence: 4 controls, 4 must be verified by test, 0 verified, 4 unverified -> evidence.html\n", stderr.String())
	page, err := os.ReadFile(filepath.Join(dir, "evidence.html"))
	require.NoError(t, err)
	assert.Contains(t, string(page), `href="../store/artifacts/sha256/`)
}
