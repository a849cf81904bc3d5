//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
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
func startRefEPR(t *testing.T) string {
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
	cmd.Env = append(os.Environ(), "EPR_ADDR="+addr, "EPR_TEST_API=true", "EPR_NOW=2026-06-01")
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

	goRun := harness(t, ctx, append([]string{"run", "--store", "off"}, ids...)...)
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
