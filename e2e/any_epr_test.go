//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/results"
)

// declarativeScenarios are the example suite's scenarios that the
// reference EPR's screen map (examples/refepr-declarative/screens.yaml)
// covers, one FILE:LINE a line.
func declarativeScenarios(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot, "examples", "refepr-declarative", "scenarios.txt"))
	require.NoError(t, err)
	defer f.Close()
	var ids []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			ids = append(ids, l)
		}
	}
	require.NoError(t, sc.Err())
	return ids
}

// startRefEPR runs the reference EPR as a program of its own on a free
// loopback port, as a trust's test environment would be: the harness
// reaches it only by URL. It is stopped when the test ends.
func startRefEPR(t *testing.T, env ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "refepr")
	build := exec.Command("go", "build", "-o", bin, "./sut/refepr/cmd/refepr")
	build.Dir = repoRoot
	out, err := build.CombinedOutput()
	require.NoError(t, err, "build refepr: %s", out)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = append(append(os.Environ(), "EPR_ADDR="+addr, "EPR_TEST_API=true", "EPR_NOW=2026-06-01"), env...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	base := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		require.True(t, time.Now().Before(deadline), "the reference EPR did not answer on %s: %v", base, err)
		time.Sleep(100 * time.Millisecond)
	}
}

// statuses maps each scenario id of a run to its status.
func statuses(run *results.Run) map[string]results.Status {
	m := map[string]results.Status{}
	for _, f := range run.Features {
		for _, s := range f.Scenarios {
			m[s.ID] = s.Status
		}
	}
	return m
}

// The same scenarios give the same results through the Go adapter on the
// embedded backend and through the declarative screen map on a running EPR
// reached only by its URL, reset over HTTP between scenarios: the screen
// map is a full adapter, and a URL target needs no Go.
func TestDeclarativeAdapterMatchesGoAdapter(t *testing.T) {
	requireBrowser(t)
	ids := declarativeScenarios(t)
	require.GreaterOrEqual(t, len(ids), 15, "the equivalence needs at least 15 scenarios")
	ctx := context.Background()

	goRun := harness(t, ctx, append([]string{"run", "--store", "off", "--workers", "2"}, ids...)...)
	if goRun.code != 0 {
		goRun.dump(t)
	}
	require.Equal(t, 0, goRun.code, "the Go adapter must pass these scenarios")

	base := startRefEPR(t)
	declArgs := append([]string{"run", "--store", "off",
		"--backend", "url", "--base-url", base,
		"--adapter", "declarative", "--screen-map", "examples/refepr-declarative/screens.yaml",
		"--reset", "http", "--reset-url", "/_test/reset"}, ids...)
	decl := harness(t, ctx, declArgs...)
	if decl.code != 0 {
		decl.dump(t)
	}
	assert.Equal(t, 0, decl.code)

	want, got := statuses(readResults(t, goRun.out)), statuses(readResults(t, decl.out))
	assert.Len(t, want, len(got))
	assert.GreaterOrEqual(t, len(got), 15)
	for id, st := range want {
		assert.Equal(t, st, got[id], "%s: Go adapter %s, declarative %s", id, st, got[id])
	}
	run := readResults(t, decl.out)
	assert.Equal(t, "url", run.Target.Backend)
	assert.Equal(t, base, run.Target.BaseURL)
	assert.Contains(t, decl.stderr, base, "the terminal names the real target")
	assert.NotContains(t, decl.stderr, "--backend embedded")
	t.Logf("Go adapter %s, declarative %s, %d scenarios", goRun.took.Round(time.Second), decl.took.Round(time.Second), len(got))

	// A shared environment: no reset, two workers on the one EPR, and
	// each scenario's fixture patients get identities of their own, which
	// the results record. The same EPR keeps the data of the runs above.
	uniq := harness(t, ctx, "run", "--store", "off", "--backend", "url", "--base-url", base,
		"--adapter", "declarative", "--screen-map", "examples/refepr-declarative/screens.yaml",
		"--reset", "unique", "--workers", "2",
		"features/allergies.feature:15", "features/allergies.feature:54", "features/patient_banner.feature:38")
	if uniq.code != 0 {
		uniq.dump(t)
	}
	assert.Equal(t, 0, uniq.code)
	seen := map[string]bool{}
	for _, f := range readResults(t, uniq.out).Features {
		for _, s := range f.Scenarios {
			require.Len(t, s.Identities, 1, "%s: the identity it used", s.ID)
			id := s.Identities[0]
			assert.NotEqual(t, id.Fixture, id.Name, "%s: a unique name", s.ID)
			assert.True(t, strings.HasPrefix(id.NHSNumber, "999"), "%s: a test NHS number, got %s", s.ID, id.NHSNumber)
			assert.False(t, seen[id.NHSNumber], "%s: NHS number %s used twice", s.ID, id.NHSNumber)
			seen[id.NHSNumber] = true
		}
	}
	assert.Len(t, seen, 3)
}

// Bad target configuration stops the run with exit 2 before a browser or
// container starts, naming the file, line and field.
func TestBadTargetConfigurationStopsBeforeStart(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
		return p
	}
	live := write("live.yaml", "backend: url\nbase-url: https://epr.live.example.nhs.uk\n")
	r := cli(t, "run", "--config", live, "--store", "off")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "live.yaml:2: base-url:")
	assert.Contains(t, r.stderr, "not on the allowed hosts")
	assert.NotContains(t, r.stderr, "Chromium", "no browser starts")

	badMap := write("screens.yaml", "actions:\n  serch-by-nhs-number:\n    - goto: /\n")
	r = cli(t, "run", "--backend", "url", "--base-url", "http://127.0.0.1:9", "--adapter", "declarative", "--screen-map", badMap, "--store", "off")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, fmt.Sprintf("%s:2", badMap))
	assert.NotContains(t, r.stderr, "Chromium", "no browser starts")
}

// A URL target whose page shows what may be a real patient's NHS number
// (valid check digit, outside the test ranges): the scenario fails with a
// clear error, and no screenshot, page or trace of it is kept. The
// browser's request to a host outside the test environment is blocked and
// listed in the scenario's result.
func TestURLTargetGuardsRealDataAndEgress(t *testing.T) {
	requireBrowser(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/real":
			fmt.Fprint(w, `<!doctype html><title>Patient</title><main><h1>Patient</h1><p>NHS number 943 476 5919</p></main>`)
		default:
			fmt.Fprint(w, `<!doctype html><title>Home</title><main><h1>Home</h1><img alt="" src="http://example.invalid/pixel.png"><p>Synthetic patient 999 000 0018</p></main>`)
		}
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "features"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "features", "guard.feature"), []byte(`Feature: Guards

  Scenario: A test patient's page
    When I go to "/"
    Then I see the heading "Home"
    And the browser blocked a request to "example.invalid"

  Scenario: A page that shows a real NHS number
    When I go to "/real"
    Then I see the heading "Patient"
`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "eprharness.yaml"), []byte(
		"backend: url\nbase-url: "+srv.URL+"\npaths: [features]\nrequired-tags: []\nfixture-loader: none\n"), 0o644))

	r := harness(t, context.Background(), "run", "--config", filepath.Join(dir, "eprharness.yaml"), "--store", "off", "--trace", "always")
	assert.Equal(t, 1, r.code, "the real-data scenario fails")
	run := readResults(t, r.out)
	var home, real *results.Scenario
	for _, f := range run.Features {
		for _, s := range f.Scenarios {
			switch s.Line {
			case 3:
				home = s
			case 8:
				real = s
			}
		}
	}
	require.NotNil(t, home)
	require.NotNil(t, real)
	assert.Equal(t, results.Passed, home.Status, home.Error)
	assert.Equal(t, []string{"example.invalid"}, home.Blocked)
	assert.Equal(t, results.Failed, real.Status)
	assert.Contains(t, real.Error, "possible real patient data: the page shows NHS number 943 476 ****")
	assert.NotContains(t, real.Error, "5919", "the number is masked")
	for _, a := range real.Attachments {
		assert.NotContains(t, []string{"screenshot", "page", "trace"}, a.Name, "no picture of real data is kept")
	}
	var found []string
	_ = filepath.WalkDir(r.out, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(p, "real-nhs") {
			found = append(found, filepath.Base(p))
		}
		return nil
	})
	assert.NotContains(t, found, "screenshot.png")
	assert.NotContains(t, found, "trace.zip")
	assert.NotContains(t, found, "page.html")
	html, err := os.ReadFile(filepath.Join(r.out, "report.html"))
	require.NoError(t, err)
	assert.Contains(t, string(html), "blocked request to <code>example.invalid</code>")
}
