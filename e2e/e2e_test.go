//go:build e2e || defects

package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/store"
)

var (
	repoRoot string
	binary   string
)

func TestMain(m *testing.M) {
	wd, _ := os.Getwd()
	repoRoot = filepath.Dir(wd)
	dir, err := os.MkdirTemp("", "eprharness-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "eprharness")
	build := exec.Command("go", "build", "-o", binary, "./cmd/eprharness")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build eprharness: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// require reports a missing prerequisite: fatal when the switch is 1.
func requirePrereq(t *testing.T, envSwitch, what string, ok bool, why string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv(envSwitch) == "1" {
		t.Fatalf("%s is required (%s=1) but not available: %s", what, envSwitch, why)
	}
	t.Skipf("SKIPPED: %s not available (%s); set %s=1 to make this a failure", what, why, envSwitch)
}

func requireBrowser(t *testing.T) {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if _, err := exec.LookPath(name); err == nil {
			return
		}
	}
	home, _ := os.UserHomeDir()
	matches, _ := filepath.Glob(filepath.Join(home, ".cache", "ms-playwright", "chromium-*"))
	requirePrereq(t, "EPRHARNESS_REQUIRE_BROWSER", "Chromium", len(matches) > 0 || os.Getenv("EPRHARNESS_BROWSER_PATH") != "", "no chromium on PATH and no Playwright Chromium")
}

func requireDocker(t *testing.T) {
	err := exec.Command("docker", "info").Run()
	requirePrereq(t, "EPRHARNESS_REQUIRE_DOCKER", "Docker", err == nil, fmt.Sprint("docker info: ", err))
	for _, img := range []string{eprImage(), postgresImage()} {
		err := exec.Command("docker", "image", "inspect", img).Run()
		requirePrereq(t, "EPRHARNESS_REQUIRE_DOCKER", "image "+img, err == nil, "build it with `make images`")
	}
}

func eprImage() string      { return envOr("EPRHARNESS_EPR_IMAGE", "eprharness/refepr:dev") }
func postgresImage() string { return envOr("EPRHARNESS_POSTGRES_IMAGE", "eprharness/postgres:15") }

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

type result struct {
	code           int
	stdout, stderr string
	out            string // the --out folder
	took           time.Duration
}

// harness runs the eprharness binary from the repository root.
// runLimit is the longest one eprharness run of these tests may take (the
// longest, the defect test's whole suite, takes a few minutes).
const runLimit = 20 * time.Minute

func harness(t *testing.T, ctx context.Context, args ...string) result {
	t.Helper()
	out := t.TempDir()
	args = append(append([]string{}, args...), "--out", out)
	// A run that hangs would take the whole package's -timeout with it and
	// say nothing: after runLimit it gets SIGQUIT, so Go prints where
	// every goroutine was, and the test fails with that.
	limited := false
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, runLimit)
		defer cancel()
		limited = true
	}
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Cancel = func() error {
		if limited && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return cmd.Process.Signal(syscall.SIGQUIT)
		}
		return cmd.Process.Kill()
	}
	cmd.WaitDelay = 15 * time.Second
	cmd.Dir = repoRoot
	// Each run records into a store of its own unless the test names one
	// (--store), so the repository's .eprharness/ is never written.
	cmd.Env = append(os.Environ(), "EPRHARNESS_NO_COLOR=true", "EPRHARNESS_STORE="+filepath.Join(t.TempDir(), "results.db"))
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: so.String(), stderr: se.String(), out: out, took: time.Since(start)}
	if limited && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("eprharness %s did not end within %s; where it was:\n%s", strings.Join(args, " "), runLimit, r.stderr)
	}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run eprharness: %v", err)
	}
	t.Logf("eprharness %s -> exit %d in %s", strings.Join(args, " "), r.code, r.took.Round(time.Millisecond))
	return r
}

// cli runs the eprharness binary with exactly args (no --out added).
func cli(t *testing.T, args ...string) result {
	t.Helper()
	return cliEnv(t, nil, args...)
}

func (r result) dump(t *testing.T) {
	t.Helper()
	t.Logf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
}

// junitReport is the part of JUnit XML the tests check.
type junitReport struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Skipped  int `xml:"skipped,attr"`
	Suites   []struct {
		Name  string `xml:"name,attr"`
		Cases []struct {
			Name    string `xml:"name,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Body    string `xml:",chardata"`
			} `xml:"failure"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func readJUnit(t *testing.T, out string) junitReport {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(out, "junit.xml"))
	require.NoError(t, err)
	var j junitReport
	require.NoError(t, xml.Unmarshal(data, &j))
	return j
}

// exampleScenarios counts the scenarios of features/ (outline rows count
// one each), so the test notices a scenario that silently did not run.
func exampleScenarios(t *testing.T) int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot, "features", "*.feature"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 3)
	n := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		inExamples, header := false, false
		for _, line := range strings.Split(string(data), "\n") {
			l := strings.TrimSpace(line)
			switch {
			case strings.HasPrefix(l, "Scenario:"):
				n++
				inExamples = false
			case strings.HasPrefix(l, "Scenario Outline:"):
				inExamples = false
			case strings.HasPrefix(l, "Examples:"):
				inExamples, header = true, true
			case inExamples && strings.HasPrefix(l, "|"):
				if header {
					header = false
				} else {
					n++
				}
			}
		}
	}
	return n
}

func checkSuitePassed(t *testing.T, r result) {
	t.Helper()
	if r.code != 0 {
		r.dump(t)
	}
	require.Equal(t, 0, r.code, "the example suite must pass")
	want := exampleScenarios(t)
	require.GreaterOrEqual(t, want, 8)
	j := readJUnit(t, r.out)
	assert.Equal(t, want, j.Tests, "every scenario of features/ must have run")
	assert.Zero(t, j.Failures+j.Errors+j.Skipped)
	assert.FileExists(t, filepath.Join(r.out, "cucumber.json"))
	assert.FileExists(t, filepath.Join(r.out, "results.json"))
	assert.Contains(t, r.stderr, fmt.Sprintf("%d scenario(s): %d passed, 0 failed", want, want))
}

func TestExampleSuitePassesOnDockerBackend(t *testing.T) {
	requireBrowser(t)
	requireDocker(t)
	// The whole example suite is checked for accessibility as it goes
	// (a11y: pages): every distinct page the scenarios reach, once.
	r := harness(t, context.Background(), "run", "--backend", "docker", "--workers", "2", "--a11y", "pages",
		"--epr-image", eprImage(), "--postgres-image", postgresImage())
	checkSuitePassed(t, r)
	run := readResults(t, r.out)
	require.NotNil(t, run.Accessibility, "the run-wide accessibility check leaves its summary")
	assert.Equal(t, "pages", run.Accessibility.Scan)
	assert.Contains(t, run.Accessibility.Engine, "axe-core")
	assert.GreaterOrEqual(t, run.Accessibility.Pages, 10, "the suite reaches at least 10 distinct pages: %v", run.Accessibility.Checked)
	for _, page := range []string{"/login", "/patients", "/patients/{id}", "/register", "/audit"} {
		assert.Contains(t, run.Accessibility.Checked, page)
	}
	checks := 0
	for _, f := range run.Features {
		for _, s := range f.Scenarios {
			checks += len(s.Accessibility)
		}
	}
	assert.GreaterOrEqual(t, checks, run.Accessibility.Pages, "every scanned page is recorded with the scenario that reached it")
	assert.Empty(t, run.AccessibilityViolations(), "the reference EPR's pages pass with an empty baseline")
	assert.Equal(t, 2, strings.Count(r.stderr, "EPR at http://"), "each worker has its own EPR")
	assert.Contains(t, r.stderr, "EPR at http://localhost:")
	runID := runIDOf(t, r.stderr)
	assert.Empty(t, labelled(t, "eprharness.run="+runID), "no container of the run may remain")
	assert.Empty(t, networksLabelled(t, "eprharness.run="+runID), "no network of the run may remain")
}

func TestFailingScenarioLeavesEvidence(t *testing.T) {
	requireBrowser(t)
	r := harness(t, context.Background(), "run", "--backend", "embedded", "--timeout", "3s", "testdata/failing")
	if r.code != 1 {
		r.dump(t)
	}
	require.Equal(t, 1, r.code, "a failing scenario must give exit code 1")

	j := readJUnit(t, r.out)
	require.Equal(t, 1, j.Tests)
	require.Equal(t, 1, j.Failures)
	tc := j.Suites[0].Cases[0]
	require.NotNil(t, tc.Failure)
	assert.Contains(t, tc.Failure.Message, `Then the patient banner shows the NHS number "999 000 0026"`, "the failure must name the step")
	assert.Equal(t, "assertion", tc.Failure.Type)
	assert.Contains(t, tc.Failure.Body, "999 000 0018", "the failure must show what the banner actually said")

	dir := filepath.Join(r.out, "wrong-banner", "the-banner-is-checked-against-the-wrong-nhs-number-L6")
	for _, f := range []string{"screenshot.png", "trace.zip", "page.html"} {
		info, err := os.Stat(filepath.Join(dir, f))
		require.NoError(t, err, f)
		assert.Greater(t, info.Size(), int64(100), f)
		assert.Contains(t, tc.SystemOut, "wrong-banner/the-banner-is-checked-against-the-wrong-nhs-number-L6/"+f, "JUnit must reference "+f)
	}
	png, _ := os.ReadFile(filepath.Join(dir, "screenshot.png"))
	assert.True(t, bytes.HasPrefix(png, []byte("\x89PNG")), "screenshot must be a PNG")
	html, _ := os.ReadFile(filepath.Join(dir, "page.html"))
	assert.Contains(t, string(html), "999 000 0018", "the saved page is the record that was on screen")

	var features []struct {
		Elements []struct {
			Steps []struct {
				Embeddings []struct {
					MimeType string `json:"mime_type"`
					Data     string `json:"data"`
				} `json:"embeddings"`
			} `json:"steps"`
		} `json:"elements"`
	}
	cj, err := os.ReadFile(filepath.Join(r.out, "cucumber.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(cj, &features))
	var embedded []string
	for _, f := range features {
		for _, e := range f.Elements {
			for _, st := range e.Steps {
				for _, em := range st.Embeddings {
					data, err := base64.StdEncoding.DecodeString(em.Data)
					require.NoError(t, err)
					embedded = append(embedded, em.MimeType+" "+string(data[:min(len(data), 200)]))
				}
			}
		}
	}
	joined := strings.Join(embedded, "\n")
	assert.Contains(t, joined, "image/png \x89PNG", "cucumber.json embeds the screenshot")
	assert.Contains(t, joined, "trace.zip", "cucumber.json references the trace")
	assert.Contains(t, r.stderr, "rerun:  eprharness run testdata/failing/wrong_banner.feature:6 --backend embedded --clock 2026-06-01 --headed --trace always --keep-backends")
	assert.FileExists(t, filepath.Join(r.out, "report.html"))
	assert.FileExists(t, filepath.Join(r.out, "messages.ndjson"))
}

// On docker, a failed scenario's evidence holds what the EPR and its
// database logged while it ran; with --keep-backends the containers stay up,
// reachable as printed, until `eprharness sweep --run` removes them.
func TestFailingScenarioOnDockerKeepsLogsAndBackends(t *testing.T) {
	requireBrowser(t)
	requireDocker(t)
	r := harness(t, context.Background(), "run", "--backend", "docker", "--timeout", "3s", "--keep-backends",
		"--epr-image", eprImage(), "--postgres-image", postgresImage(), "testdata/failing")
	runID := runIDOf(t, r.stderr)
	t.Cleanup(func() { _ = exec.Command(binary, "sweep", "--run", runID).Run() })
	require.Equal(t, 1, r.code, r.stderr)

	run := readResults(t, r.out)
	_, sc, ok := run.Scenario("testdata/failing/wrong_banner.feature:6")
	require.True(t, ok)
	var logs []string
	for _, a := range sc.Attachments {
		if strings.HasPrefix(a.Name, "backend-") {
			logs = append(logs, a.Name)
			data, err := os.ReadFile(filepath.Join(r.out, filepath.FromSlash(a.Path)))
			require.NoError(t, err)
			assert.NotEmpty(t, data, a.Name)
		}
	}
	assert.Contains(t, logs, "backend-epr log", "the EPR's log while the scenario ran is evidence")

	// Kept: running, reachable, and named with the way to remove them.
	assert.Contains(t, r.stderr, "kept running")
	assert.Contains(t, r.stderr, "eprharness sweep --run "+runID)
	kept := labelled(t, "eprharness.run="+runID)
	require.Len(t, kept, 2, "the EPR and PostgreSQL containers stay up")
	m := regexp.MustCompile(`EPR:\s+(http://\S+)`).FindStringSubmatch(r.stderr)
	require.Len(t, m, 2, r.stderr)
	resp, err := http.Get(m[1] + "/version")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode, "the kept EPR answers")

	// A plain sweep leaves them; sweep --run removes them.
	mustOutput(t, binary, "sweep")
	assert.Len(t, labelled(t, "eprharness.run="+runID), 2, "sweeps leave kept containers alone")
	mustOutput(t, binary, "sweep", "--run", runID)
	assert.Empty(t, labelled(t, "eprharness.run="+runID))
}

func TestOneScenarioByLine(t *testing.T) {
	requireBrowser(t)
	r := harness(t, context.Background(), "run", "features/patient_search.feature:20")
	if r.code != 0 {
		r.dump(t)
	}
	require.Equal(t, 0, r.code)
	j := readJUnit(t, r.out)
	assert.Equal(t, 1, j.Tests, "a line of an example row runs that row only")
}

func TestInterruptRemovesContainers(t *testing.T) {
	requireBrowser(t)
	requireDocker(t)
	out := t.TempDir()
	storeFile := filepath.Join(t.TempDir(), "results.db")
	cmd := exec.Command(binary, "run", "--backend", "docker", "--out", out,
		"--epr-image", eprImage(), "--postgres-image", postgresImage(), "--store", storeFile)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "EPRHARNESS_NO_COLOR=true")
	var se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &bytes.Buffer{}, &se
	require.NoError(t, cmd.Start())
	pidLabel := "eprharness.pid=" + strconv.Itoa(cmd.Process.Pid)

	// Interrupt once the EPR is up and scenarios are running.
	deadline := time.Now().Add(2 * time.Minute)
	for !strings.Contains(se.String(), "EPR at ") && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	require.Contains(t, se.String(), "EPR at ", "the docker backend did not start:\n%s", se.String())
	require.NotEmpty(t, labelled(t, pidLabel), "the run's containers must carry the harness's labels")
	time.Sleep(time.Second)
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))

	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		ee, ok := err.(*exec.ExitError)
		require.True(t, ok, "want a non-zero exit, got %v\n%s", err, se.String())
		assert.Equal(t, 130, ee.ExitCode(), se.String())
	case <-time.After(90 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("eprharness did not stop within 90s of SIGINT:\n%s", se.String())
	}
	assert.Empty(t, labelled(t, pidLabel), "no container may remain after SIGINT")
	assert.Empty(t, networksLabelled(t, pidLabel), "no network may remain after SIGINT")
	assert.FileExists(t, filepath.Join(out, "junit.xml"), "finished scenarios are still reported")

	// The store kept every scenario the run settled, and knows the run was
	// interrupted.
	fromFile := readResults(t, out)
	st, err := store.Open(context.Background(), storeFile)
	require.NoError(t, err)
	defer st.Close()
	stored, err := st.Run(context.Background(), fromFile.ID)
	require.NoError(t, err)
	assert.True(t, stored.Interrupted)
	assert.Equal(t, fromFile.Counts(), stored.Counts(), "the store holds what results.json holds")
}

func TestSweepRemovesContainersOfKilledRuns(t *testing.T) {
	requireDocker(t)
	host, _ := os.Hostname()
	// A container as a killed run would leave it: our labels, a pid that is
	// not running.
	id := strings.TrimSpace(mustOutput(t, "docker", "create",
		"--label", "eprharness.managed=true", "--label", "eprharness.run=killed-run",
		"--label", "eprharness.pid=2147483646", "--label", "eprharness.host="+host, eprImage()))
	t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", id).Run() })
	r := cli(t, "sweep")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "removed 1 container(s)")
	assert.Empty(t, labelled(t, "eprharness.run=killed-run"))
}

var runIDRe = regexp.MustCompile(`run (\d{8}-\d{6}-[0-9a-f]{4})`)

func runIDOf(t *testing.T, stderr string) string {
	m := runIDRe.FindStringSubmatch(stderr)
	require.NotNil(t, m, "no run id in:\n%s", stderr)
	return m[1]
}

func labelled(t *testing.T, label string) []string {
	return fields(mustOutput(t, "docker", "ps", "-aq", "--filter", "label="+label))
}

func networksLabelled(t *testing.T, label string) []string {
	return fields(mustOutput(t, "docker", "network", "ls", "-q", "--filter", "label="+label))
}

func fields(s string) []string { return strings.Fields(s) }

func mustOutput(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	require.NoError(t, err, "%s %s: %s", name, strings.Join(args, " "), out)
	return string(out)
}

// cliEnv runs the eprharness binary with exactly args and env added.
func cliEnv(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = repoRoot
	cmd.Env = append(append(os.Environ(), "EPRHARNESS_NO_COLOR=true"), env...)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: so.String(), stderr: se.String(), took: time.Since(start)}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run eprharness: %v", err)
	}
	t.Logf("eprharness %s -> exit %d in %s", strings.Join(args, " "), r.code, r.took.Round(time.Millisecond))
	return r
}
