//go:build e2e

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eprharness/eprharness/harness/exitcode"
	"github.com/eprharness/eprharness/harness/results"
)

// BenchmarkOverhead measures what the harness adds around scenarios, with
// scenarios that do almost nothing in the browser (open the sign-in page,
// see its heading), on the embedded and the docker backend. Each iteration
// is one whole `eprharness run` of EPRHARNESS_BENCH_SCENARIOS (default 10)
// such scenarios, in process through Main, so ns/op is a run's wall time.
// It reports, from the results the run recorded:
//
//   - overhead-ms/scenario: a scenario's wall time minus its steps' time
//     (what the runner adds around each scenario);
//   - first-step-ms: the run's first-step phase, from the command's start
//     to the first step of the first scenario (browser, backends, plan);
//   - <phase>-ms/scenario for the phases outside the steps (reset,
//     context, teardown), and browser-ms and backends-ms for the run's.
//
// `make bench-overhead` runs it.
func BenchmarkOverhead(b *testing.B) {
	n := 10
	if v := os.Getenv("EPRHARNESS_BENCH_SCENARIOS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("EPRHARNESS_BENCH_SCENARIOS=%q: want a positive number", v)
		}
	}
	feature := trivialFeature(b, n)
	for _, backend := range []string{"embedded", "docker"} {
		b.Run(backend, func(b *testing.B) {
			requireBenchBrowser(b)
			args := []string{"run", feature, "--backend", backend, "--store", "off", "--workers", "1"}
			if backend == "docker" {
				requireBenchDocker(b)
				args = append(args, "--epr-image", envOrDefault("EPRHARNESS_EPR_IMAGE", "eprharness/refepr:dev"),
					"--postgres-image", envOrDefault("EPRHARNESS_POSTGRES_IMAGE", "eprharness/postgres:15"))
			}
			var m overheadMetrics
			b.ResetTimer()
			for range b.N {
				out := b.TempDir()
				var stdout, stderr bytes.Buffer
				code := Main(append(args, "--out", out), &stdout, &stderr)
				if code != exitcode.Pass {
					b.Fatalf("eprharness run: exit %d\n%s", code, stderr.String())
				}
				run := readRun(b, filepath.Join(out, "results.json"))
				if got := len(run.Features[0].Scenarios); got != n {
					b.Fatalf("%d scenario(s) recorded, want %d", got, n)
				}
				m.add(run)
			}
			b.StopTimer()
			m.report(b)
		})
	}
}

// overheadMetrics sums what every benchmarked run recorded.
type overheadMetrics struct {
	runs, scenarios int
	overhead        time.Duration
	phases          map[string]time.Duration // scenario phases outside the steps
	run             map[string]time.Duration // the runs' own phases
}

func (m *overheadMetrics) add(run *results.Run) {
	if m.phases == nil {
		m.phases, m.run = map[string]time.Duration{}, map[string]time.Duration{}
	}
	m.runs++
	for _, p := range run.Phases {
		m.run[p.Name] += p.Duration
	}
	for _, f := range run.Features {
		for _, s := range f.Scenarios {
			m.scenarios++
			steps := time.Duration(0)
			for _, st := range s.Steps {
				steps += st.Duration
			}
			m.overhead += s.Duration - steps
			for _, p := range s.Phases {
				m.phases[p.Name] += p.Duration
			}
		}
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func (m *overheadMetrics) report(b *testing.B) {
	if m.runs == 0 || m.scenarios == 0 {
		return
	}
	perScenario := func(d time.Duration) float64 { return ms(d) / float64(m.scenarios) }
	perRun := func(d time.Duration) float64 { return ms(d) / float64(m.runs) }
	b.ReportMetric(perScenario(m.overhead), "overhead-ms/scenario")
	b.ReportMetric(perRun(m.run[results.PhaseFirstStep]), "first-step-ms")
	for _, name := range []string{results.PhaseReset, results.PhaseContext, results.PhaseTeardown} {
		b.ReportMetric(perScenario(m.phases[name]), name+"-ms/scenario")
	}
	b.ReportMetric(perRun(m.run[results.PhaseBrowser]), "browser-ms")
	b.ReportMetric(perRun(m.run[results.PhaseBackends]), "backends-ms")
}

// trivialFeature writes a feature of n scenarios that each open the
// sign-in page and see its heading, and returns its path.
func trivialFeature(b *testing.B, n int) string {
	var sb strings.Builder
	sb.WriteString("Feature: Overhead\n  Scenarios that do almost nothing, to measure what the harness adds.\n")
	for i := range n {
		fmt.Fprintf(&sb, "\n  Scenario: Trivial %d\n    When I go to \"/login\"\n    Then I see the heading \"Sign in to the Reference EPR\"\n", i+1)
	}
	p := filepath.Join(b.TempDir(), "overhead.feature")
	if err := os.WriteFile(p, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	return p
}

func readRun(b *testing.B, path string) *results.Run {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var run results.Run
	if err := json.Unmarshal(data, &run); err != nil {
		b.Fatalf("%s: %v", path, err)
	}
	if len(run.Features) != 1 {
		b.Fatalf("%s: %d feature(s), want 1", path, len(run.Features))
	}
	return &run
}

// benchPrereq reports a missing prerequisite: fatal when envSwitch is 1,
// a skip otherwise.
func benchPrereq(b *testing.B, envSwitch, what string, ok bool, why string) {
	b.Helper()
	if ok {
		return
	}
	if os.Getenv(envSwitch) == "1" {
		b.Fatalf("%s is required (%s=1) but not available: %s", what, envSwitch, why)
	}
	b.Skipf("SKIPPED: %s not available (%s); set %s=1 to make this a failure", what, why, envSwitch)
}

func requireBenchBrowser(b *testing.B) {
	if os.Getenv("EPRHARNESS_BROWSER_PATH") != "" {
		return
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if _, err := exec.LookPath(name); err == nil {
			return
		}
	}
	home, _ := os.UserHomeDir()
	matches, _ := filepath.Glob(filepath.Join(home, ".cache", "ms-playwright", "chromium-*"))
	benchPrereq(b, "EPRHARNESS_REQUIRE_BROWSER", "Chromium", len(matches) > 0, "no chromium on PATH and no Playwright Chromium")
}

func requireBenchDocker(b *testing.B) {
	err := exec.Command("docker", "info").Run()
	benchPrereq(b, "EPRHARNESS_REQUIRE_DOCKER", "Docker", err == nil, fmt.Sprint("docker info: ", err))
	for _, img := range []string{envOrDefault("EPRHARNESS_EPR_IMAGE", "eprharness/refepr:dev"), envOrDefault("EPRHARNESS_POSTGRES_IMAGE", "eprharness/postgres:15")} {
		err := exec.Command("docker", "image", "inspect", img).Run()
		benchPrereq(b, "EPRHARNESS_REQUIRE_DOCKER", "image "+img, err == nil, "build it with `make images`")
	}
}

func envOrDefault(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
