package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/exitcode"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/results/resultstest"
	"github.com/eprharness/eprharness/harness/runner"
	"github.com/eprharness/eprharness/harness/store"
)

// splitSample cuts resultstest.Sample() into n shards as `run --shard`
// leaves them: scenario k goes to shard k%n+1; each shard's run has its
// share as plan, its evidence and results.json in its own folder, and a
// shard-plan.json listing the whole selection. It returns the folders
// (by shard) and the unsplit run.
func splitSample(t *testing.T, root string, n int, mutate func(*results.Run)) ([]string, *results.Run) {
	t.Helper()
	whole := resultstest.Sample()
	if mutate != nil {
		mutate(whole)
	}
	var sp runner.ShardPlan
	shards := make([]*results.Run, n)
	for i := range shards {
		r := resultstest.Sample()
		if mutate != nil {
			mutate(r)
		}
		r.ID = fmt.Sprintf("shard-run-%d", i+1)
		r.Shard = fmt.Sprintf("%d/%d", i+1, n)
		r.StartedAt = whole.StartedAt.Add(time.Duration(i) * time.Second)
		r.FinishedAt = whole.FinishedAt.Add(time.Duration(i) * time.Minute)
		r.Features, r.Planned = nil, nil
		shards[i] = r
	}
	k := 0
	for _, f := range whole.Features {
		for _, s := range f.Scenarios {
			i := k % n
			k++
			r := shards[i]
			var sf *results.Feature
			for _, have := range r.Features {
				if have.URI == f.URI {
					sf = have
				}
			}
			if sf == nil {
				cp := *f
				cp.Scenarios = nil
				sf = &cp
				r.Features = append(r.Features, sf)
			}
			sf.Scenarios = append(sf.Scenarios, s)
			p := results.PlannedScenario{ID: s.ID, Name: s.Name, Feature: f.URI}
			r.Planned = append(r.Planned, p)
			sp.Plan = append(sp.Plan, runner.ShardedScenario{PlannedScenario: p, Share: i + 1})
			whole.Planned = append(whole.Planned, p)
		}
	}
	var dirs []string
	for i, r := range shards {
		d := filepath.Join(root, fmt.Sprintf("shard-%d", i+1))
		writeRun(t, d, r)
		sp.Shard = r.Shard
		data, err := json.Marshal(sp)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(d, runner.ShardPlanFile), data, 0o644))
		dirs = append(dirs, d)
	}
	return dirs, whole
}

func readMerged(t *testing.T, out string) *results.Run {
	t.Helper()
	run, err := readResultsFile(filepath.Join(out, "results.json"))
	require.NoError(t, err)
	return run
}

// scenariosJSON is the run's features and scenarios as results.json holds
// them.
func scenariosJSON(t *testing.T, run *results.Run) string {
	t.Helper()
	data, err := json.MarshalIndent(run.Features, "", " ")
	require.NoError(t, err)
	return string(data)
}

func TestMergeCombinesShardsIntoOneRun(t *testing.T) {
	root := t.TempDir()
	dirs, whole := splitSample(t, root, 3, nil)
	out := filepath.Join(root, "merged")
	var stdout, stderr bytes.Buffer
	code := Main(append([]string{"merge", "--store", "off", "--out", out}, dirs[2], dirs[0], dirs[1]), &stdout, &stderr)
	assert.Equal(t, exitcode.ForRun(whole), code, "the merged run's exit code is its own: %s", stderr.String())
	assert.NotEqual(t, exitcode.Pass, code, "the sample fails")

	m := readMerged(t, out)
	assert.Equal(t, []string{"1/3", "2/3", "3/3"}, m.Shards)
	assert.Empty(t, m.Shard)
	assert.NotContains(t, []string{"shard-run-1", "shard-run-2", "shard-run-3"}, m.ID, "a new run id")
	assert.Equal(t, whole.StartedAt, m.StartedAt, "the earliest start")
	assert.Equal(t, whole.FinishedAt.Add(2*time.Minute), m.FinishedAt, "the latest end")
	assert.False(t, m.Interrupted)
	assert.False(t, m.Incomplete(), m.IncompleteReason())
	assert.ElementsMatch(t, whole.Planned, m.Planned)
	whole.Sort()
	assert.Equal(t, scenariosJSON(t, whole), scenariosJSON(t, m), "the merged features and scenarios are the unsharded run's, sorted")
	assert.Equal(t, whole.Counts(), m.Counts())
	for _, name := range []string{"results.json", "junit.xml", "cucumber.json", "messages.ndjson", "report.html"} {
		assert.FileExists(t, filepath.Join(out, name))
	}
	// Every attachment is in the merged folder at its path, with its content.
	atts := resultstest.Attachments(m)
	require.NotEmpty(t, atts)
	for _, a := range atts {
		data, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(a.Path)))
		require.NoError(t, err, a.Path)
		sum := sha256.Sum256(data)
		assert.Equal(t, a.SHA256, hex.EncodeToString(sum[:]), a.Path)
	}
	page, err := os.ReadFile(filepath.Join(out, "report.html"))
	require.NoError(t, err)
	assert.Contains(t, string(page), "data:image/png;base64,", "the report finds the copied screenshots")
	assert.Contains(t, stdout.String(), "reports of run "+m.ID)
}

func TestMergeOfGreenShardsPasses(t *testing.T) {
	root := t.TempDir()
	green := func(r *results.Run) {
		for _, f := range r.Features {
			for _, s := range f.Scenarios {
				s.Status, s.FailureKind, s.Error, s.Attempts = results.Passed, results.KindNone, "", nil
				for _, st := range s.Steps {
					st.Status, st.Error = results.Passed, ""
				}
			}
		}
	}
	dirs, _ := splitSample(t, root, 2, green)
	var stdout, stderr bytes.Buffer
	code := Main(append([]string{"merge", "--store", "off", "--out", filepath.Join(root, "m")}, dirs...), &stdout, &stderr)
	assert.Equal(t, exitcode.Pass, code, stderr.String())

	// One shard missing: its scenarios are planned and not run, and the
	// merged run is never green.
	stderr.Reset()
	code = Main([]string{"merge", "--store", "off", "--out", filepath.Join(root, "m2"), dirs[0]}, &stdout, &stderr)
	assert.Equal(t, exitcode.Interrupted, code)
	assert.Contains(t, stderr.String(), "shard 2/2 is missing: its 5 scenario(s) are reported as not run")
	m := readMerged(t, filepath.Join(root, "m2"))
	assert.True(t, m.Incomplete())
	assert.Len(t, m.NotRun(), 5)
	assert.Len(t, m.Planned, 10)
	assert.Contains(t, stderr.String(), "5 of 10 planned scenarios never ran")

	// Without shard plans the missing shard is still counted.
	require.NoError(t, os.Remove(filepath.Join(dirs[0], runner.ShardPlanFile)))
	stderr.Reset()
	code = Main([]string{"merge", "--store", "off", "--out", filepath.Join(root, "m3"), dirs[0]}, &stdout, &stderr)
	assert.Equal(t, exitcode.Interrupted, code)
	m = readMerged(t, filepath.Join(root, "m3"))
	require.Len(t, m.NotRun(), 1)
	assert.Equal(t, "shard 2/2", m.NotRun()[0].ID)
	assert.Contains(t, stderr.String(), "shard 2/2 is missing and no shard plan says which scenarios it held")
}

func TestMergeRecordsOneRunInTheStore(t *testing.T) {
	root := t.TempDir()
	dirs, whole := splitSample(t, root, 2, nil)
	storeFile := filepath.Join(root, "store", "results.db")
	var stdout, stderr bytes.Buffer
	code := Main(append([]string{"merge", "--store", storeFile, "--out", filepath.Join(root, "m")}, dirs...), &stdout, &stderr)
	assert.Equal(t, exitcode.ForRun(whole), code, stderr.String())
	m := readMerged(t, filepath.Join(root, "m"))

	ctx := context.Background()
	st, err := store.Open(ctx, storeFile, store.WithMustExist())
	require.NoError(t, err)
	defer st.Close()
	runs, err := st.Runs(ctx, store.Filter{})
	require.NoError(t, err)
	require.Len(t, runs, 1, "one store entry for the merged run, none for the shards")
	assert.Equal(t, m.ID, runs[0].ID)
	stored, err := st.Run(ctx, m.ID)
	require.NoError(t, err)
	assert.Equal(t, whole.Counts(), stored.Counts())
	assert.Len(t, stored.Planned, 10)
	assert.Contains(t, stderr.String(), "recorded as run "+m.ID)
	for _, a := range resultstest.Attachments(stored) {
		assert.FileExists(t, filepath.Join(st.Artifacts(), filepath.FromSlash(a.Path)), "attachments are copied into the store")
	}
}

func TestMergeRefusesWhatIsNotOneRunsShards(t *testing.T) {
	root := t.TempDir()
	dirs, _ := splitSample(t, root, 2, nil)
	other, _ := splitSample(t, filepath.Join(root, "other"), 3, nil)
	tagged, _ := splitSample(t, filepath.Join(root, "tagged"), 2, func(r *results.Run) { r.Tags = "@smoke" })
	whole := filepath.Join(root, "whole")
	writeRun(t, whole, resultstest.Sample())
	cases := map[string]struct {
		args []string
		want string
	}{
		"no folders":       {[]string{"merge"}, "want the output folder of at least one shard"},
		"different N":      {[]string{"merge", dirs[0], other[1]}, "is shard 1/2 but"},
		"same shard twice": {[]string{"merge", dirs[0], dirs[0]}, "shard 1/2 given twice"},
		"not a shard":      {[]string{"merge", dirs[0], whole}, "ran the whole selection, not a shard"},
		"no results":       {[]string{"merge", dirs[0], filepath.Join(root, "nowhere")}, "no results.json"},
		"different tags":   {[]string{"merge", dirs[0], tagged[1]}, `selected --tags "not @wip" but`},
		"out is a shard":   {[]string{"merge", "--out", dirs[1], dirs[0], dirs[1]}, "may not be one of the shard folders"},
		"bad flag":         {[]string{"merge", "--bogus", dirs[0]}, "flag provided but not defined"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			assert.Equal(t, exitcode.Usage, Main(append(c.args[:1:1], append([]string{"--store", "off"}, c.args[1:]...)...), &stdout, &stderr))
			assert.Contains(t, stderr.String(), c.want)
		})
	}

	// Different selections are refused too.
	sp := runner.ShardPlan{Shard: "2/2", Plan: []runner.ShardedScenario{{PlannedScenario: results.PlannedScenario{ID: "features/x.feature:3"}, Share: 1}}}
	data, _ := json.Marshal(sp)
	require.NoError(t, os.WriteFile(filepath.Join(dirs[1], runner.ShardPlanFile), data, 0o644))
	var stdout, stderr bytes.Buffer
	assert.Equal(t, exitcode.Usage, Main([]string{"merge", "--store", "off", dirs[0], dirs[1]}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "selected different scenarios")
}

// A scenario two shards both ran (they read different durations) is kept
// once, the failed one; one neither ran is not run.
func TestMergeOfShardsPlannedDifferently(t *testing.T) {
	root := t.TempDir()
	dirs, _ := splitSample(t, root, 2, nil)
	r1, err := readResultsFile(filepath.Join(dirs[0], "results.json"))
	require.NoError(t, err)
	r2, err := readResultsFile(filepath.Join(dirs[1], "results.json"))
	require.NoError(t, err)
	// Shard 2 also ran shard 1's first scenario (and passed it); shard 1
	// lost its second one.
	dupID := r1.Features[0].Scenarios[0].ID
	dup := *r1.Features[0].Scenarios[0]
	dup.Status, dup.FailureKind, dup.Error, dup.Attachments = results.Passed, "", "", nil
	r2.Features[0].Scenarios = append(r2.Features[0].Scenarios, &dup)
	lost := r1.Features[0].Scenarios[1].ID
	r1.Features[0].Scenarios = r1.Features[0].Scenarios[:1]
	writeRun(t, dirs[0], r1)
	writeRun(t, dirs[1], r2)
	var sp runner.ShardPlan
	data, err := os.ReadFile(filepath.Join(dirs[1], runner.ShardPlanFile))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &sp))
	sp.Plan[0].Share = 2
	data, _ = json.Marshal(sp)
	require.NoError(t, os.WriteFile(filepath.Join(dirs[1], runner.ShardPlanFile), data, 0o644))

	var stdout, stderr bytes.Buffer
	code := Main(append([]string{"merge", "--store", "off", "--out", filepath.Join(root, "m")}, dirs...), &stdout, &stderr)
	assert.NotEqual(t, exitcode.Pass, code)
	assert.Contains(t, stderr.String(), "shared the scenarios out differently")
	assert.Contains(t, stderr.String(), dupID+" ran in shard 1/2 and in shard 2/2")
	m := readMerged(t, filepath.Join(root, "m"))
	_, s, ok := m.Scenario(dupID)
	require.True(t, ok)
	assert.Equal(t, results.Failed, s.Status, "the failure is kept, never hidden by the other shard's pass")
	notRun := m.NotRun()
	require.Len(t, notRun, 1)
	assert.Equal(t, lost, notRun[0].ID)
}

func TestMergeOfAnInterruptedShardIsInterrupted(t *testing.T) {
	root := t.TempDir()
	dirs, _ := splitSample(t, root, 2, nil)
	r, err := readResultsFile(filepath.Join(dirs[1], "results.json"))
	require.NoError(t, err)
	r.Interrupted = true
	writeRun(t, dirs[1], r)
	var stdout, stderr bytes.Buffer
	assert.Equal(t, exitcode.Interrupted, Main(append([]string{"merge", "--store", "off", "--out", filepath.Join(root, "m")}, dirs...), &stdout, &stderr))
	assert.True(t, readMerged(t, filepath.Join(root, "m")).Interrupted)
}

// The merged run keeps who ran it and its hazard log, and combines the
// shards' accessibility: every page checked, every expired entry, and as
// fixed only the entries no shard's violation matched.
func TestMergeKeepsSafetyAndAccessibility(t *testing.T) {
	root := t.TempDir()
	log := &results.HazardLog{File: "features/hazards.yaml", SHA256: "abc", Form: "dcb0129",
		Hazards: []results.Hazard{{ID: "H-001", Controls: []results.Control{{ID: "C-001", VerifyByTest: true}}}}}
	dirs, _ := splitSample(t, root, 2, func(r *results.Run) { r.RanBy, r.HazardLog = "ci-bot", log })
	out := filepath.Join(root, "merged")
	var stdout, stderr bytes.Buffer
	Main(append([]string{"merge", "--store", "off", "--out", out}, dirs...), &stdout, &stderr)
	m := readMerged(t, out)
	assert.Equal(t, "ci-bot", m.RanBy)
	assert.Equal(t, log, m.HazardLog)
	assert.NotContains(t, stderr.String(), "another hazard log")

	e := func(line int) results.BaselineEntry {
		return results.BaselineEntry{File: "b.yaml", Line: line, Rule: "r", Reason: "x", Owner: "o", Expires: "2099-01-01"}
	}
	one := &results.Run{Accessibility: &results.AccessibilitySummary{Scan: "pages", Engine: "axe-core 4.14.1", Checked: []string{"/b", "/a"},
		Unchecked: []string{"/d", "/c"}, Expired: []results.BaselineEntry{e(9)}, Fixed: []results.BaselineEntry{e(2), e(5)}}}
	two := &results.Run{Accessibility: &results.AccessibilitySummary{Scan: "pages", Checked: []string{"/a", "/c"},
		Expired: []results.BaselineEntry{e(9)}, Fixed: []results.BaselineEntry{e(5)}}}
	merged := &results.Run{Features: []*results.Feature{{Scenarios: []*results.Scenario{{Accessibility: []results.AccessibilityCheck{{
		Violations: []results.Violation{{Rule: "r", Baselined: &results.BaselineRef{File: "b.yaml", Line: 2}}}}}}}}}}
	sum := mergeAccessibility(merged, []shardOutput{{run: one}, {run: two}, {run: &results.Run{}}})
	require.NotNil(t, sum)
	assert.Equal(t, []string{"/a", "/b", "/c"}, sum.Checked)
	assert.Equal(t, 3, sum.Pages)
	assert.Equal(t, []string{"/d"}, sum.Unchecked, "/c was checked by the other shard")
	assert.Equal(t, []results.BaselineEntry{e(9)}, sum.Expired)
	assert.Equal(t, []results.BaselineEntry{e(5)}, sum.Fixed, "the entry of line 2 matched a violation in the other shard")
	assert.Nil(t, mergeAccessibility(merged, []shardOutput{{run: &results.Run{}}}))
}
