//go:build e2e

package e2e

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/store"
)

// Fault injection (issue 11): a run killed with SIGKILL, an EPR container
// killed under a scenario, SIGINT and SIGTERM in the middle of a scenario,
// and scans of a run's evidence for the fixture users' passwords and of the
// temp folder for what a run leaves there. Each test checks the verdicts
// the run recorded (results.json, the store, the reports), not just the
// exit code. Browser and page crashes are in harness/runner
// (faults_e2e_test.go), where a test-only step can inject them.

// waitingFeature's first scenario is still waiting (on an NHS number the
// banner never shows) once its first four steps have passed, for as long
// as --timeout allows: the moment to inject a fault "mid-scenario".
const waitingFeature = `Feature: A ward round interrupted

  Scenario: The banner is awaited for an NHS number it never shows
    Given the patient "Amy Pond" is registered
    And I am signed in as a clinician
    When I search for "Amy Pond"
    And I open the record of "Amy Pond"
    Then the patient banner shows the NHS number "999 000 0026"

  Scenario: The record of Amy Pond shows her NHS number
    Given the patient "Amy Pond" is registered
    And I am signed in as a clinician
    When I search for "Amy Pond"
    And I open the record of "Amy Pond"
    Then the patient banner shows the NHS number "999 000 0018"

  Scenario: A clinician signs in after the fault
    Given I am signed in as a clinician
    Then I am shown as signed in as a clinician
`

const (
	waitingScenario = "The banner is awaited for an NHS number it never shows"
	// waitingSteps is how many steps of waitingScenario pass before it
	// waits.
	waitingSteps = 4
)

func writeWaitingFeature(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "features")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	file := filepath.Join(dir, "interrupted.feature")
	require.NoError(t, os.WriteFile(file, []byte(waitingFeature), 0o644))
	return file
}

// syncBuffer is a bytes.Buffer that a process writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// started is an eprharness process the test injects faults into.
type started struct {
	cmd            *exec.Cmd
	stdout, stderr *syncBuffer
	out            string
	begun          time.Time
	done           chan struct{}
	err            error
}

// startHarness starts the eprharness binary from the repository root with
// args (and --out), in a process group of its own so the test can remove
// whatever it leaves, with env added to the environment.
func startHarness(t *testing.T, env []string, args ...string) *started {
	t.Helper()
	s := &started{stdout: &syncBuffer{}, stderr: &syncBuffer{}, out: t.TempDir(), done: make(chan struct{})}
	args = append(append([]string{}, args...), "--out", s.out)
	s.cmd = exec.Command(binary, args...)
	s.cmd.Dir = repoRoot
	s.cmd.Env = append(append(os.Environ(), "EPRHARNESS_NO_COLOR=true"), env...)
	s.cmd.Stdout, s.cmd.Stderr = s.stdout, s.stderr
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	s.begun = time.Now()
	require.NoError(t, s.cmd.Start())
	t.Logf("started eprharness %s (pid %d)", strings.Join(args, " "), s.cmd.Process.Pid)
	go func() { s.err = s.cmd.Wait(); close(s.done) }()
	pgid := s.cmd.Process.Pid
	t.Cleanup(func() {
		// Whatever the test did, nothing it started outlives it: the
		// harness, its Playwright driver and its Chromium.
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-s.done
	})
	return s
}

// waitFor polls cond until it holds; the test fails after timeout.
func (s *started) waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		select {
		case <-s.done:
			t.Fatalf("eprharness ended (%v) before %s:\nstdout:\n%s\nstderr:\n%s", s.err, what, s.stdout, s.stderr)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %s:\nstdout:\n%s\nstderr:\n%s", what, timeout, s.stdout, s.stderr)
		}
	}
}

// stepsPassed counts the passed steps in Godog's progress output.
func (s *started) stepsPassed() int { return strings.Count(s.stdout.String(), ".") }

// runID waits for the run id eprharness prints when the run starts.
func (s *started) runID(t *testing.T) string {
	t.Helper()
	s.waitFor(t, "run id", 2*time.Minute, func() bool { return runIDRe.MatchString(s.stderr.String()) })
	return runIDOf(t, s.stderr.String())
}

// wait waits for the process to end and returns how it ended.
func (s *started) wait(t *testing.T, timeout time.Duration) result {
	t.Helper()
	select {
	case <-s.done:
	case <-time.After(timeout):
		_ = s.cmd.Process.Kill()
		<-s.done
		t.Fatalf("eprharness did not end within %s:\nstdout:\n%s\nstderr:\n%s", timeout, s.stdout, s.stderr)
	}
	r := result{stdout: s.stdout.String(), stderr: s.stderr.String(), out: s.out, took: time.Since(s.begun)}
	if ee, ok := s.err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			r.code = 128 + int(ws.Signal())
		}
	} else if s.err != nil {
		t.Fatalf("run eprharness: %v", s.err)
	}
	t.Logf("eprharness -> exit %d in %s", r.code, r.took.Round(time.Millisecond))
	return r
}

func dockerArgs() []string {
	return []string{"--backend", "docker", "--epr-image", eprImage(), "--postgres-image", postgresImage()}
}

func scenarioNamed(run *results.Run, name string) *results.Scenario {
	for _, f := range run.Features {
		for _, s := range f.Scenarios {
			if s.Name == name {
				return s
			}
		}
	}
	return nil
}

func allScenarios(run *results.Run) []*results.Scenario {
	var out []*results.Scenario
	for _, f := range run.Features {
		out = append(out, f.Scenarios...)
	}
	return out
}

// tempLeftovers lists the entries of dir whose names start with one of the
// prefixes.
func tempLeftovers(t *testing.T, dir string, prefixes ...string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		for _, p := range prefixes {
			if strings.HasPrefix(e.Name(), p) {
				out = append(out, e.Name())
			}
		}
	}
	return out
}

// diffSides is the part of `eprharness diff --format json` these tests
// read.
type diffSides struct {
	Gate bool `json:"gate"`
	Base struct {
		ID string `json:"id"`
	} `json:"base"`
	Candidate struct {
		ID string `json:"id"`
	} `json:"candidate"`
	Removed []struct {
		ID string `json:"id"`
	} `json:"removed"`
}

// TestKilledRunFailsTheGate: a docker run killed with SIGKILL after some
// of its scenarios finished. A sweep removes its containers (and its saved
// sign-ins); `diff last-green latest` fails the gate, saying the candidate
// is unfinished and how many planned scenarios never ran (never "removed");
// `report latest` counts every planned scenario.
func TestKilledRunFailsTheGate(t *testing.T) {
	requireBrowser(t)
	requireDocker(t)
	// Four scenarios, killed after two, as in issue 11.
	features := []string{"features/admissions.feature:13", "features/admissions.feature:17",
		"features/admissions.feature:23", "features/admissions.feature:29"}
	planned := len(features)
	storeFile := filepath.Join(t.TempDir(), "results.db")
	tmp := t.TempDir()
	env := []string{"TMPDIR=" + tmp}

	baseline := harness(t, context.Background(), append([]string{"run", "--backend", "embedded", "--store", storeFile}, features...)...)
	if baseline.code != 0 {
		baseline.dump(t)
	}
	require.Equal(t, 0, baseline.code, "the baseline must be green")
	require.Equal(t, planned, readJUnit(t, baseline.out).Tests)

	s := startHarness(t, env, append(append(append([]string{"run"}, dockerArgs()...), "--store", storeFile), features...)...)
	runID := s.runID(t)
	s.waitFor(t, "EPR started", 3*time.Minute, func() bool { return strings.Contains(s.stderr.String(), "EPR at ") })
	st, err := store.Open(context.Background(), storeFile)
	require.NoError(t, err)
	recorded := func() int {
		run, err := st.Run(context.Background(), runID)
		if err != nil {
			return 0 // not yet readable: the run is writing
		}
		return len(allScenarios(run))
	}
	s.waitFor(t, "two recorded scenarios", 3*time.Minute, func() bool { return recorded() >= 2 })
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGKILL))
	r := s.wait(t, time.Minute)
	require.Equal(t, 128+int(syscall.SIGKILL), r.code)

	killed, err := st.Run(context.Background(), runID)
	require.NoError(t, err)
	require.NoError(t, st.Close())
	ran := len(allScenarios(killed))
	require.Less(t, ran, planned, "the run was killed before it finished")
	notRun := planned - ran
	assert.True(t, killed.Unfinished(), "a killed run never recorded its end")
	assert.Len(t, killed.Planned, planned, "the store knows what the run planned")
	assert.Len(t, killed.NotRun(), notRun)

	// The killed run left its containers; the next sweep removes them.
	require.NotEmpty(t, labelled(t, "eprharness.run="+runID), "SIGKILL leaves the run's containers behind")
	sw := cliEnv(t, env, "sweep")
	require.Equal(t, 0, sw.code, sw.stderr)
	assert.Empty(t, labelled(t, "eprharness.run="+runID), "the sweep removes the killed run's containers")
	assert.Empty(t, networksLabelled(t, "eprharness.run="+runID), "the sweep removes the killed run's networks")
	assert.Empty(t, tempLeftovers(t, tmp, "eprharness-signins-"), "the sweep removes the killed run's saved sign-ins (live session cookies)")

	// The gate fails: the candidate is unfinished.
	d := cliEnv(t, nil, "diff", "--store", storeFile, "last-green", "latest")
	assert.Equal(t, 1, d.code, "an unfinished candidate fails the gate:\n%s%s", d.stdout, d.stderr)
	text := d.stdout + d.stderr
	t.Logf("diff last-green latest:\n%s", text)
	assert.Regexp(t, `(?i)unfinished`, text, "the diff says the candidate is unfinished")
	assert.Regexp(t, fmt.Sprintf(`(?i)\b%d\b[^\n]*not run|not run[^\n]*\b%d\b`, notRun, notRun), text,
		"the diff says how many planned scenarios never ran")
	assert.NotContains(t, text, "Gate: PASS")
	for _, p := range killed.NotRun() {
		assert.NotRegexp(t, `(?s)Removed.*`+regexp.QuoteMeta(p.ID), text, "a scenario that never ran is not removed: %s", p.ID)
	}
	dj := cliEnv(t, nil, "diff", "--store", storeFile, "--format", "json", "last-green", "latest")
	assert.Equal(t, 1, dj.code, dj.stderr)
	var sides diffSides
	require.NoError(t, json.Unmarshal([]byte(dj.stdout), &sides), dj.stdout)
	assert.True(t, sides.Gate, "the gate blocks the unfinished candidate")
	assert.Equal(t, runIDOf(t, baseline.stderr), sides.Base.ID, "last-green is the baseline, never the killed run")
	assert.Equal(t, runID, sides.Candidate.ID)
	assert.Empty(t, sides.Removed, "scenarios that never ran are not removed")

	// The report counts the planned scenarios, not only those that ran.
	out := t.TempDir()
	rep := cliEnv(t, nil, "report", "--store", storeFile, "--out", out, "latest")
	require.Equal(t, 0, rep.code, rep.stderr)
	j := readJUnit(t, out)
	assert.Equal(t, planned, j.Tests, "junit counts every planned scenario of the killed run")
}

// TestEPRContainerKilledIsABackendFailure: the EPR container of the only
// worker is killed (docker kill) while a scenario runs. That scenario is a
// backend failure naming the container's exit, with the EPR's log; the
// later scenarios pass on a restarted backend or are backend failures,
// never assertions; the run exits 4 and leaves no container.
func TestEPRContainerKilledIsABackendFailure(t *testing.T) {
	requireBrowser(t)
	requireDocker(t)
	feature := writeWaitingFeature(t)
	s := startHarness(t, nil, append(append([]string{"run"}, dockerArgs()...), "--timeout", "10s",
		"--store", filepath.Join(t.TempDir(), "results.db"), feature)...)
	runID := s.runID(t)
	s.waitFor(t, "the first scenario waiting", 3*time.Minute, func() bool { return s.stepsPassed() >= waitingSteps })
	epr := fields(mustOutput(t, "docker", "ps", "-q", "--filter", "label=eprharness.run="+runID, "--filter", "label=eprharness.role=epr"))
	require.Len(t, epr, 1, "one worker, one EPR container")
	mustOutput(t, "docker", "kill", epr[0])

	r := s.wait(t, 4*time.Minute)
	if r.code != 4 {
		r.dump(t)
	}
	assert.Equal(t, 4, r.code, "a dead EPR container is a backend fault")
	run := readResults(t, r.out)
	killed := scenarioNamed(run, waitingScenario)
	require.NotNil(t, killed, "the scenario in flight has a result")
	assert.Equal(t, results.Failed, killed.Status)
	assert.Equal(t, results.KindBackend, killed.FailureKind, "the EPR is not blamed for its container's death: %s", killed.Error)
	assert.Contains(t, killed.Error, "the EPR container exited (code 137)")
	var eprLog bool
	for _, a := range killed.Attachments {
		if strings.HasPrefix(a.Name, "backend-") && strings.Contains(a.Name, "epr") {
			info, err := os.Stat(filepath.Join(r.out, filepath.FromSlash(a.Path)))
			if assert.NoError(t, err, a.Name) {
				eprLog = eprLog || info.Size() > 0
			}
		}
	}
	assert.True(t, eprLog, "the dead EPR's log is attached: %+v", killed.Attachments)
	for _, sc := range allScenarios(run) {
		t.Logf("%s: %s %s %s", sc.Name, sc.Status, sc.FailureKind, firstLineOf(sc.Error))
		if sc == killed {
			continue
		}
		if sc.Status != results.Passed {
			assert.Equal(t, results.KindBackend, sc.FailureKind, "%s after the EPR died: passed (restarted) or a backend failure, never %s: %s",
				sc.Name, sc.FailureKind, sc.Error)
		}
	}
	assert.Empty(t, labelled(t, "eprharness.run="+runID), "no container of the run may remain")
	assert.Empty(t, networksLabelled(t, "eprharness.run="+runID), "no network of the run may remain")
}

// TestSignalInterruptsTheScenarioInFlight: SIGINT and SIGTERM (each on its
// own run) while a scenario waits: exit 130, that scenario is recorded as
// interrupted (in results.json and the store), none is failed, and no
// container remains.
func TestSignalInterruptsTheScenarioInFlight(t *testing.T) {
	requireBrowser(t)
	requireDocker(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			feature := writeWaitingFeature(t)
			storeFile := filepath.Join(t.TempDir(), "results.db")
			s := startHarness(t, nil, append(append([]string{"run"}, dockerArgs()...), "--timeout", "60s", "--store", storeFile, feature)...)
			runID := s.runID(t)
			s.waitFor(t, "the first scenario waiting", 3*time.Minute, func() bool { return s.stepsPassed() >= waitingSteps })
			require.NotEmpty(t, labelled(t, "eprharness.run="+runID))
			require.NoError(t, s.cmd.Process.Signal(sig))

			r := s.wait(t, 90*time.Second)
			if r.code != 130 {
				r.dump(t)
			}
			assert.Equal(t, 130, r.code)
			assert.Empty(t, labelled(t, "eprharness.run="+runID), "no container may remain after %s", sig)
			assert.Empty(t, networksLabelled(t, "eprharness.run="+runID), "no network may remain after %s", sig)

			run := readResults(t, r.out)
			assert.True(t, run.Interrupted)
			inFlight := scenarioNamed(run, waitingScenario)
			require.NotNil(t, inFlight, "the scenario in flight is recorded")
			assert.Equal(t, results.Interrupted, inFlight.Status, "%s: %s", inFlight.FailureKind, inFlight.Error)
			for _, sc := range allScenarios(run) {
				assert.NotEqual(t, results.Failed, sc.Status, "%s is not failed by %s: %s", sc.Name, sig, sc.Error)
			}

			st, err := store.Open(context.Background(), storeFile)
			require.NoError(t, err)
			defer st.Close()
			stored, err := st.Run(context.Background(), run.ID)
			require.NoError(t, err)
			assert.True(t, stored.Interrupted)
			_, sc, ok := stored.Scenario(inFlight.ID)
			require.True(t, ok, "the store holds the scenario in flight")
			assert.Equal(t, results.Interrupted, sc.Status)
			for _, sc := range allScenarios(stored) {
				assert.NotEqual(t, results.Failed, sc.Status, "stored %s", sc.Name)
			}
		})
	}
}

// fixturePasswords reads the passwords of fixtures/users.yaml.
func fixturePasswords(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "fixtures", "users.yaml"))
	require.NoError(t, err)
	var f struct {
		Users []struct {
			Password string `yaml:"password"`
		} `yaml:"users"`
	}
	require.NoError(t, yaml.Unmarshal(data, &f))
	var out []string
	for _, u := range f.Users {
		if u.Password != "" && !slices.Contains(out, u.Password) {
			out = append(out, u.Password)
		}
	}
	require.NotEmpty(t, out)
	return out
}

// secretForms are the ways a password can appear in evidence: plain, in
// a form body or URL, and as a JSON string.
func secretForms(pw string) []string {
	js, _ := json.Marshal(pw)
	forms := []string{pw, url.QueryEscape(pw), url.PathEscape(pw), strings.Trim(string(js), `"`)}
	seen := map[string]bool{}
	var out []string
	for _, f := range forms {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

// scanForSecrets walks root and returns "file[!entry]: form" for every
// occurrence of a form of a password, unzipping every zip (trace.zip, and
// traces stored in the artifacts folder under their hash).
func scanForSecrets(t *testing.T, root string, passwords []string) (found []string, files int) {
	t.Helper()
	check := func(name string, data []byte) {
		for _, pw := range passwords {
			for _, f := range secretForms(pw) {
				if n := bytes.Count(data, []byte(f)); n > 0 {
					found = append(found, fmt.Sprintf("%s: %q x%d", name, f, n))
				}
			}
		}
	}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		rel, _ := filepath.Rel(root, path)
		if !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
			check(rel, data)
			return nil
		}
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return fmt.Errorf("unzip %s: %w", rel, err)
		}
		for _, zf := range zr.File {
			rc, err := zf.Open()
			if err != nil {
				return fmt.Errorf("unzip %s!%s: %w", rel, zf.Name, err)
			}
			entry, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				return fmt.Errorf("unzip %s!%s: %w", rel, zf.Name, err)
			}
			files++
			check(rel+"!"+zf.Name, entry)
		}
		return nil
	})
	require.NoError(t, err)
	return found, files
}

// TestSignInEvidenceHoldsNoPasswords runs scenarios that sign in as every
// kind of user with --trace always (on the embedded backend), then scans
// the output folder and the store's artifacts folder, every trace.zip
// unzipped, for the fixture users' passwords: none may be there. It runs
// with a private temp folder and checks that the run left no saved
// sign-ins and no Playwright tracing folders in it.
func TestSignInEvidenceHoldsNoPasswords(t *testing.T) {
	requireBrowser(t)
	tmp := t.TempDir()
	storeDir := t.TempDir()
	storeFile := filepath.Join(storeDir, "results.db")
	s := startHarness(t, []string{"TMPDIR=" + tmp}, "run", "--backend", "embedded", "--trace", "always", "--store", storeFile,
		"features/sign_in.feature", "features/audit.feature")
	r := s.wait(t, 4*time.Minute)
	if r.code != 0 {
		r.dump(t)
	}
	require.Equal(t, 0, r.code, "the sign-in scenarios pass")
	run := readResults(t, r.out)
	traces := 0
	for _, sc := range allScenarios(run) {
		require.Equal(t, results.Passed, sc.Status, sc.Name)
		if _, ok := findAttachment(sc.Attachments, "trace"); ok {
			traces++
		}
	}
	require.Equal(t, len(allScenarios(run)), traces, "--trace always keeps every scenario's trace")

	passwords := fixturePasswords(t)
	t.Run("output folder", func(t *testing.T) {
		found, files := scanForSecrets(t, r.out, passwords)
		t.Logf("scanned %d files and zip entries in %s", files, r.out)
		assert.Greater(t, files, traces, "the traces were unzipped and scanned")
		assert.Empty(t, found, "fixture passwords in the run's evidence")
	})
	t.Run("store artifacts", func(t *testing.T) {
		artifacts := filepath.Join(storeDir, "artifacts")
		found, files := scanForSecrets(t, artifacts, passwords)
		t.Logf("scanned %d files and zip entries in %s", files, artifacts)
		assert.Greater(t, files, traces, "the stored traces were unzipped and scanned")
		assert.Empty(t, found, "fixture passwords in the store's artifacts, which serve hands out")
	})
	t.Run("temp folder", func(t *testing.T) {
		entries, err := os.ReadDir(tmp)
		require.NoError(t, err)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Logf("left in the run's temp folder: %v", names)
		assert.Empty(t, tempLeftovers(t, tmp, "eprharness-signins-", "playwright-tracing-"),
			"a normal run leaves no saved sign-ins or tracing folders in the temp folder")
	})
}

func findAttachment(atts []results.Attachment, name string) (results.Attachment, bool) {
	for _, a := range atts {
		if a.Name == name {
			return a, true
		}
	}
	return results.Attachment{}, false
}
