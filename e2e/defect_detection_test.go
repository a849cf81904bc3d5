//go:build e2e || defects

package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/sut/refepr/defects"
)

// TestDefectsAreCaughtExactlyWhereTheyApply proves the example suite against
// every release-candidate defect of the reference EPR: with each defect on
// alone, the scenarios that fail are exactly those tagged @defect:<name>.
//
// It first runs the whole suite with no defect on, which must pass, while
// the EPR records (EPR_DEFECT_TRACE, package sut/refepr/defects) each
// scenario that reaches a point where a defect would change what the EPR
// does, on or off; every request carries its scenario's id (the harness's
// correlation header). A scenario that never reaches such a point for a
// defect runs exactly the same code with that defect on, so it passes as it
// did. Then, for each defect, it reruns with the defect on every scenario
// that reached it, and checks that the tagged ones fail (as assertion or
// timeout failures, never harness or backend faults) and the others pass.
// TestEachDefectFailsExactlyItsScenariosExhaustively (make test-defects)
// checks the same without the trace, by running the whole suite per defect.
func TestDefectsAreCaughtExactlyWhereTheyApply(t *testing.T) {
	requireBrowser(t)
	trace := filepath.Join(t.TempDir(), "defect-trace.jsonl")
	t.Setenv("EPR_DEFECT_TRACE", trace)
	base := harness(t, context.Background(), "run", "--backend", "embedded", "--workers", "2", "--correlation-header", defects.ScenarioHeader)
	checkSuitePassed(t, base)
	run := readResults(t, base.out)

	reached := readDefectTrace(t, trace)
	require.NotContains(t, reached, "", "a request reached a defect without naming its scenario: the correlation header is missing on some request path")
	claimed := map[defects.Name][]string{}
	all := map[string]bool{}
	for _, f := range run.Features {
		for _, s := range f.Scenarios {
			all[s.ID] = true
			for _, tag := range s.Tags {
				if name, ok := strings.CutPrefix(tag, "@defect:"); ok {
					claimed[defects.Name(name)] = append(claimed[defects.Name(name)], s.ID)
				}
			}
		}
	}
	for id := range reached {
		require.True(t, all[id], "the trace names scenario %q, which is not in the suite", id)
	}
	t.Setenv("EPR_DEFECT_TRACE", "")

	for _, d := range defects.Names() {
		t.Run(string(d), func(t *testing.T) {
			expected := claimed[d]
			sort.Strings(expected)
			require.NotEmpty(t, expected, "no scenario is tagged @defect:%s", d)
			rerun := reachedBy(reached, d)
			for _, id := range expected {
				require.Contains(t, rerun, id, "%s is tagged @defect:%s but never reaches the defect", id, d)
			}
			t.Logf("%s: %d of %d scenarios reach it; %d must fail", d, len(rerun), len(all), len(expected))

			// Four workers, eight with slow-search on: then most of a rerun
			// is waiting for the EPR's answers, which more workers overlap.
			workers := "4"
			if d == defects.SlowSearch {
				workers = "8"
			}
			args := append([]string{"run", "--backend", "embedded", "--workers", workers, "--epr-defects", string(d)}, rerun...)
			r := harness(t, context.Background(), args...)
			got := readResults(t, r.out)
			var failed, wrongKind []string
			ran := 0
			for _, f := range got.Features {
				for _, s := range f.Scenarios {
					ran++
					if s.Status == results.Passed {
						continue
					}
					failed = append(failed, s.ID)
					if s.FailureKind != results.KindAssertion && s.FailureKind != results.KindTimeout {
						wrongKind = append(wrongKind, s.ID+" ("+string(s.FailureKind)+": "+firstLineOf(s.Error)+")")
					}
				}
			}
			sort.Strings(failed)
			assert.Equal(t, len(rerun), ran, "every scenario that reaches the defect must have run")
			if !assert.Equal(t, expected, failed, "with only %s on, exactly the @defect:%s scenarios must fail", d, d) {
				r.dump(t)
			}
			assert.Empty(t, wrongKind, "a defect in the EPR must show as an assertion or timeout failure, not a harness or backend fault")
			assert.Equal(t, 1, r.code, "scenario failures give exit code 1")
		})
	}
}

// readDefectTrace reads the EPR's defect trace: for each scenario id, the
// defects it reached.
func readDefectTrace(t *testing.T, path string) map[string][]defects.Name {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err, "the EPR wrote no defect trace")
	defer f.Close()
	out := map[string][]defects.Name{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var line struct{ Scenario, Defect string }
		require.NoError(t, json.Unmarshal(sc.Bytes(), &line), "defect trace line %q", sc.Text())
		_, known := defects.All[defects.Name(line.Defect)]
		require.True(t, known, "defect trace names an unknown defect %q", line.Defect)
		out[line.Scenario] = append(out[line.Scenario], defects.Name(line.Defect))
	}
	require.NoError(t, sc.Err())
	return out
}

// reachedBy lists, sorted, the scenarios that reached defect d.
func reachedBy(reached map[string][]defects.Name, d defects.Name) []string {
	var ids []string
	for id, ds := range reached {
		for _, x := range ds {
			if x == d {
				ids = append(ids, id)
				break
			}
		}
	}
	sort.Strings(ids)
	return ids
}

func readResults(t *testing.T, out string) *results.Run {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(out, "results.json"))
	require.NoError(t, err)
	var run results.Run
	require.NoError(t, json.Unmarshal(data, &run))
	return &run
}

func firstLineOf(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
