// Package storetest holds the contract tests every store.Store must pass,
// whatever database is behind it: the SQLite tests run them in plain
// `go test`, the PostgreSQL tests under the integration build tag.
//
// Run takes an open function that returns a new, empty store for the test
// it is given, with an artifacts folder of its own; open closes the store
// in that test's Cleanup. Subtests may run open concurrently.
package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/results/resultstest"
	"github.com/eprharness/eprharness/harness/store"
)

// Run runs the contract tests against stores made by open.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Roundtrip", testRoundtrip},
		{"RetryReplaces", testRetryReplaces},
		{"KilledRunKeepsScenarios", testKilledRun},
		{"PlanKeepsNotRun", testPlan},
		{"LastGreenSkipsIncomplete", testLastGreenSkipsIncomplete},
		{"FinishUpdatesRun", testFinishUpdatesRun},
		{"Resolve", testResolve},
		{"ResolveEmpty", testResolveEmpty},
		{"History", testHistory},
		{"Unstable", testUnstable},
		{"ArtifactsDedupAndHash", testArtifactsDedup},
		{"MissingAttachments", testMissingAttachments},
		{"AttachmentsStayInSrcDir", testAttachmentsStayInSrcDir},
		{"ConcurrentRecord", testConcurrentRecord},
		{"Runs", testRuns},
		{"BadInput", testBadInput},
		{"Verdict", testVerdict},
		{"ShardsAndPhases", testShardsAndPhases},
		{"SafetyAndAccessibility", testSafetyAndAccessibility},
		{"Messages", testMessages},
		{"Durations", testDurations},
		{"HistoryFollowsFinish", testHistoryFollowsFinish},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, open(t))
		})
	}
}

// Reopen checks that a run that was never finished (its harness killed)
// keeps every recorded scenario across closing and reopening the store.
// url returns the URL of a new, empty database for t.
func Reopen(t *testing.T, url func(t *testing.T) string) {
	u := url(t)
	artifacts := t.TempDir()
	s, err := store.Open(t.Context(), u, store.WithArtifacts(artifacts))
	require.NoError(t, err)
	sample, src := sampleWithFiles(t)
	sample.FinishedAt = time.Time{}
	require.NoError(t, s.Begin(t.Context(), sample))
	f := sample.Features[0]
	require.NoError(t, s.Record(t.Context(), sample.ID, f, f.Scenarios[0], src))
	require.NoError(t, s.Record(t.Context(), sample.ID, f, f.Scenarios[1], src))
	require.NoError(t, s.Close())

	s, err = store.Open(t.Context(), u, store.WithArtifacts(artifacts))
	require.NoError(t, err)
	defer s.Close()
	got, err := s.Run(t.Context(), sample.ID)
	require.NoError(t, err)
	assert.True(t, got.FinishedAt.IsZero(), "a killed run has no finish time")
	require.Len(t, got.Features, 1)
	require.Len(t, got.Features[0].Scenarios, 2)
	assert.Equal(t, f.Scenarios[0].ID, got.Features[0].Scenarios[0].ID)
	assert.Equal(t, f.Scenarios[1].ID, got.Features[0].Scenarios[1].ID)
	for _, a := range got.Features[0].Scenarios[0].Attachments {
		assertArtifact(t, s, a)
	}
	id, err := s.Resolve(t.Context(), "latest")
	require.NoError(t, err)
	assert.Equal(t, sample.ID, id)
}

// sampleWithFiles returns resultstest.Sample and a folder holding all its
// attachment files, the attempts' ones included.
func sampleWithFiles(t *testing.T) (*results.Run, string) {
	t.Helper()
	run := resultstest.Sample()
	dir := t.TempDir()
	resultstest.WriteAttachments(t, dir, run)
	for _, f := range run.Features {
		for _, sc := range f.Scenarios {
			for _, at := range sc.Attempts {
				for _, a := range at.Attachments {
					writeFile(t, dir, a.Path, resultstest.Content(a))
				}
			}
		}
	}
	return run, dir
}

func writeFile(t *testing.T, dir, rel string, data []byte) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, data, 0o644))
}

// stored is where a store keeps content: sha256/<2 hex>/<sha256><ext>.
func stored(a results.Attachment, content []byte) results.Attachment {
	sum := sha256.Sum256(content)
	hexSum := hex.EncodeToString(sum[:])
	a.Path = "sha256/" + hexSum[:2] + "/" + hexSum + path.Ext(a.Path)
	a.SHA256, a.Size = hexSum, int64(len(content))
	return a
}

// assertArtifact checks that a's file is in the artifacts folder with a's
// hash and size.
func assertArtifact(t *testing.T, s store.Store, a results.Attachment) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(s.Artifacts(), filepath.FromSlash(a.Path)))
	if !assert.NoError(t, err, "artifact %s", a.Path) {
		return
	}
	sum := sha256.Sum256(data)
	assert.Equal(t, a.SHA256, hex.EncodeToString(sum[:]), "content hash of %s", a.Path)
	assert.Equal(t, a.Size, int64(len(data)), "size of %s", a.Path)
}

// shifted is the sample with its times in another zone and with
// nanoseconds, which the store must give back in UTC, to the nanosecond,
// with where its time went (resultstest.Phased) and a shard.
func shifted() *results.Run {
	zone := time.FixedZone("UTC+2", 2*3600)
	run := resultstest.Phased()
	run.Shard = "2/3"
	run.StartedAt = run.StartedAt.Add(123456789).In(zone)
	run.FinishedAt = run.FinishedAt.In(zone)
	for _, f := range run.Features {
		for _, sc := range f.Scenarios {
			sc.StartedAt = sc.StartedAt.Add(987).In(zone)
			for _, at := range sc.Attempts {
				at.StartedAt = at.StartedAt.Add(1).In(zone)
			}
		}
	}
	return run
}

// want is run as a store gives it back: sorted, times in UTC, attachments
// in the artifacts folder.
func want(run *results.Run) *results.Run {
	run.StartedAt, run.FinishedAt = run.StartedAt.UTC(), run.FinishedAt.UTC()
	for _, f := range run.Features {
		for _, sc := range f.Scenarios {
			sc.StartedAt = sc.StartedAt.UTC()
			for i, a := range sc.Attachments {
				sc.Attachments[i] = stored(a, resultstest.Content(a))
			}
			for _, at := range sc.Attempts {
				at.StartedAt = at.StartedAt.UTC()
				for i, a := range at.Attachments {
					at.Attachments[i] = stored(a, resultstest.Content(a))
				}
			}
		}
	}
	run.Sort()
	return run
}

func testRoundtrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	_, src := sampleWithFiles(t)
	run := shifted()
	require.NoError(t, s.Begin(ctx, run))
	// Scenarios finish in any order (parallel workers): record them
	// backwards; Run sorts them.
	for i := len(run.Features) - 1; i >= 0; i-- {
		f := run.Features[i]
		for j := len(f.Scenarios) - 1; j >= 0; j-- {
			require.NoError(t, s.Record(ctx, run.ID, f, f.Scenarios[j], src))
		}
	}
	require.NoError(t, s.Finish(ctx, run))
	assert.Equal(t, shifted(), run, "Begin, Record and Finish must not modify their arguments")

	got, err := s.Run(ctx, run.ID)
	require.NoError(t, err)
	assert.Equal(t, want(shifted()), got)
	for _, f := range got.Features {
		for _, sc := range f.Scenarios {
			for _, a := range sc.Attachments {
				assertArtifact(t, s, a)
			}
			for _, at := range sc.Attempts {
				for _, a := range at.Attachments {
					assertArtifact(t, s, a)
				}
			}
		}
	}

	list, err := s.Runs(ctx, store.Filter{})
	require.NoError(t, err)
	require.Len(t, list, 1)
	sample := want(shifted())
	assert.Equal(t, store.Summary{
		ID: sample.ID, StartedAt: sample.StartedAt, FinishedAt: sample.FinishedAt,
		Target: sample.Target, Commit: sample.Commit, Tags: sample.Tags, Counts: sample.Counts(),
		Verdict: store.VerdictHarness, // the sample has an undefined step
	}, list[0])
	assert.Equal(t, store.VerdictOf(got), list[0].Verdict)
	require.NotEmpty(t, got.Phases, "the sample's phases")
}

// feature is the feature of the small runs the tests build.
func feature(uri string) *results.Feature {
	return &results.Feature{URI: uri, Name: "Feature " + uri, Line: 1, Tags: []string{"@store"}}
}

// scenario builds a scenario of f with one step and the given status.
func scenario(f *results.Feature, line int, status results.Status, start time.Time) *results.Scenario {
	sc := &results.Scenario{
		ID:        fmt.Sprintf("%s:%d", f.URI, line),
		Keyword:   "Scenario",
		Name:      fmt.Sprintf("scenario at line %d", line),
		Line:      line,
		Status:    status,
		StartedAt: start,
		Duration:  time.Duration(line) * time.Millisecond,
		Steps: []*results.Step{{
			Keyword: "Given ", Text: "something", Line: line + 1, Status: status,
			Duration: time.Duration(line) * time.Millisecond,
		}},
	}
	switch status {
	case results.Passed, results.Skipped, results.Flaky:
	default:
		sc.FailureKind, sc.Error = results.KindAssertion, "expected something"
	}
	return sc
}

// newRun is a small run starting hours after resultstest.Start.
func newRun(id string, hours int) *results.Run {
	return &results.Run{
		ID:        id,
		StartedAt: resultstest.Start.Add(time.Duration(hours) * time.Hour),
		Target:    results.Target{Backend: "embedded", BaseURL: "http://127.0.0.1:0"},
		Machine:   results.Machine{OS: "linux", CPUs: 2},
	}
}

// record begins run, records the scenarios (all of feature f, with no
// attachments) and finishes run unless it is left unfinished.
func record(t *testing.T, s store.Store, run *results.Run, finish bool, f *results.Feature, scs ...*results.Scenario) {
	t.Helper()
	ctx := t.Context()
	require.NoError(t, s.Begin(ctx, run))
	for _, sc := range scs {
		require.NoError(t, s.Record(ctx, run.ID, f, sc, ""))
	}
	if finish {
		run.FinishedAt = run.StartedAt.Add(time.Minute)
		require.NoError(t, s.Finish(ctx, run))
	}
}

func summary(t *testing.T, s store.Store, id string) store.Summary {
	t.Helper()
	list, err := s.Runs(t.Context(), store.Filter{Limit: 1000})
	require.NoError(t, err)
	for _, sum := range list {
		if sum.ID == id {
			return sum
		}
	}
	t.Fatalf("run %s not listed", id)
	return store.Summary{}
}

func testRetryReplaces(t *testing.T, s store.Store) {
	ctx := t.Context()
	run := newRun("retry", 0)
	f := feature("features/retry.feature")
	start := run.StartedAt.Add(time.Second)
	failed := scenario(f, 3, results.Failed, start)
	record(t, s, run, false, f, failed, scenario(f, 9, results.Passed, start))
	assert.Equal(t, results.Counts{Scenarios: 2, Passed: 1, Failed: 1}, summary(t, s, run.ID).Counts)

	retried := scenario(f, 3, results.Flaky, start.Add(10*time.Second))
	retried.Attempts = []*results.Attempt{{
		Status: results.Failed, FailureKind: results.KindTimeout, Error: "timeout", StartedAt: start,
		Duration: failed.Duration, Steps: failed.Steps,
	}}
	require.NoError(t, s.Record(ctx, run.ID, f, retried, ""))
	assert.Equal(t, results.Counts{Scenarios: 2, Passed: 1, Flaky: 1}, summary(t, s, run.ID).Counts)

	got, err := s.Run(ctx, run.ID)
	require.NoError(t, err)
	require.Len(t, got.Features, 1)
	require.Len(t, got.Features[0].Scenarios, 2)
	assert.Equal(t, retried, got.Features[0].Scenarios[0])
}

func testKilledRun(t *testing.T, s store.Store) {
	ctx := t.Context()
	run := newRun("killed", 0)
	f := feature("features/killed.feature")
	record(t, s, run, false, f,
		scenario(f, 7, results.Failed, run.StartedAt), scenario(f, 4, results.Passed, run.StartedAt))

	got, err := s.Run(ctx, run.ID)
	require.NoError(t, err)
	assert.True(t, got.FinishedAt.IsZero())
	assert.False(t, got.Interrupted)
	require.Len(t, got.Features, 1)
	var lines []int
	for _, sc := range got.Features[0].Scenarios {
		lines = append(lines, sc.Line)
	}
	assert.Equal(t, []int{4, 7}, lines, "recorded scenarios, in line order")
	sum := summary(t, s, run.ID)
	assert.True(t, sum.FinishedAt.IsZero())
	assert.Equal(t, results.Counts{Scenarios: 2, Passed: 1, Failed: 1}, sum.Counts)
}

func testFinishUpdatesRun(t *testing.T, s store.Store) {
	ctx := t.Context()
	run := &results.Run{ID: "finish", StartedAt: resultstest.Start}
	require.NoError(t, s.Begin(ctx, run))
	got, err := s.Run(ctx, run.ID)
	require.NoError(t, err)
	assert.Equal(t, &results.Run{ID: "finish", StartedAt: resultstest.Start, Features: []*results.Feature{}}, got)

	run.FinishedAt = resultstest.Start.Add(90 * time.Second)
	run.Interrupted = true
	run.Target = results.Target{Backend: "docker", BaseURL: "http://localhost:1234",
		Images: map[string]string{"epr": "epr:1"}, Digests: map[string]string{"epr": "sha256:00"},
		Version: "1.2", Defects: []string{"slow-search"}}
	run.Browser, run.Commit, run.Tags, run.Retries, run.FailOnFlaky = "chromium 1", "abc", "@smoke", 2, true
	run.Machine = results.Machine{Hostname: "h", OS: "linux", Arch: "arm64", CPUs: 8, Harness: "v1", Go: "go1"}
	require.NoError(t, s.Finish(ctx, run))
	got, err = s.Run(ctx, run.ID)
	require.NoError(t, err)
	run.Features = []*results.Feature{}
	assert.Equal(t, run, got)

	assert.ErrorIs(t, s.Finish(ctx, &results.Run{ID: "nope", StartedAt: resultstest.Start}), store.ErrNotFound)
}

func testResolve(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := feature("features/resolve.feature")
	at := func(r *results.Run, st results.Status) *results.Scenario { return scenario(f, 5, st, r.StartedAt) }
	pass := func(r *results.Run) *results.Scenario { return scenario(f, 3, results.Passed, r.StartedAt) }

	green := newRun("20260601-a1", 1)
	record(t, s, green, true, f, pass(green), at(green, results.Skipped))
	failing := newRun("20260601-b2", 2)
	record(t, s, failing, true, f, pass(failing), at(failing, results.Failed))
	interrupted := newRun("20260601-c3", 3)
	interrupted.Interrupted = true
	record(t, s, interrupted, true, f, pass(interrupted))
	// Its only failure is quarantined and flaky does not gate: green.
	quarantine := newRun("20260601-d4", 4)
	q := at(quarantine, results.Failed)
	q.Quarantined, q.Tags = true, []string{results.QuarantineTag}
	record(t, s, quarantine, true, f, pass(quarantine), q, scenario(f, 9, results.Flaky, quarantine.StartedAt))
	failOnFlaky := newRun("20260601-e5", 5)
	failOnFlaky.FailOnFlaky = true
	record(t, s, failOnFlaky, true, f, pass(failOnFlaky), at(failOnFlaky, results.Flaky))
	unfinished := newRun("20260602-f6", 6)
	record(t, s, unfinished, false, f, pass(unfinished))
	// An old green run whose id sorts last.
	old := newRun("zzz-old", -3)
	record(t, s, old, true, f, pass(old))
	// An id that is a prefix of another.
	record(t, s, newRun("r1", -2), true, f)
	record(t, s, newRun("r10", -1), true, f)

	for ref, id := range map[string]string{
		"latest":      unfinished.ID,
		"latest~0":    unfinished.ID,
		"latest~1":    failOnFlaky.ID,
		"latest~3":    interrupted.ID,
		"last-green":  quarantine.ID,
		"20260601-b2": failing.ID,
		"20260601-b":  failing.ID,
		"20260602":    unfinished.ID,
		"r1":          "r1",
		"r10":         "r10",
	} {
		got, err := s.Resolve(ctx, ref)
		if assert.NoError(t, err, ref) {
			assert.Equal(t, id, got, ref)
		}
	}

	_, err := s.Resolve(ctx, "20260601")
	assert.ErrorIs(t, err, store.ErrAmbiguous)
	assert.NotErrorIs(t, err, store.ErrNotFound)
	assert.ErrorContains(t, err, "20260601-a1")
	assert.ErrorContains(t, err, "20260601-e5")
	for _, ref := range []string{"nope", "20260601-B", "20260601-b2x", "%", "_0260601-a1"} {
		_, err = s.Resolve(ctx, ref)
		assert.ErrorIs(t, err, store.ErrNotFound, ref)
	}
	_, err = s.Resolve(ctx, "")
	assert.Error(t, err)
	_, err = s.Resolve(ctx, "latest~100")
	assert.ErrorIs(t, err, store.ErrNotFound)
	_, err = s.Resolve(ctx, "latest~x")
	assert.ErrorContains(t, err, "latest~N")
}

func testResolveEmpty(t *testing.T, s store.Store) {
	for _, ref := range []string{"latest", "last-green", "abc"} {
		_, err := s.Resolve(t.Context(), ref)
		assert.ErrorIs(t, err, store.ErrNotFound, ref)
	}
	// Runs that all failed: still no last-green.
	f := feature("features/red.feature")
	red := newRun("red", 0)
	record(t, s, red, true, f, scenario(f, 2, results.Failed, red.StartedAt))
	_, err := s.Resolve(t.Context(), "last-green")
	assert.ErrorIs(t, err, store.ErrNotFound)
}

func testHistory(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := feature("features/history.feature")
	// Run "hN" starts N hours in; its id sorts against start times
	// ("y-h1" > "x-h2"), so history must follow start times.
	runID := func(h int) string { return fmt.Sprintf("%c-h%d", 'z'-h, h) }
	type outcome struct {
		hours  int
		status results.Status // "" when the run did not run the scenario
	}
	// Begun out of order.
	outcomes := []outcome{{4, results.Flaky}, {1, results.Passed}, {2, results.Failed}, {3, ""}, {6, results.Skipped}, {5, results.Passed}}
	points := map[string]results.HistoryPoint{}
	for _, o := range outcomes {
		run := newRun(runID(o.hours), o.hours)
		other := scenario(f, 50, results.Passed, run.StartedAt)
		if o.status == "" {
			record(t, s, run, true, f, other)
			continue
		}
		sc := scenario(f, 10, o.status, run.StartedAt.Add(time.Second))
		sc.Duration = time.Duration(o.hours)*time.Second + 7
		record(t, s, run, true, f, sc, other)
		points[run.ID] = results.HistoryPoint{RunID: run.ID, StartedAt: run.StartedAt, Status: o.status, Duration: sc.Duration}
	}
	pts := func(hours ...int) []results.HistoryPoint {
		out := []results.HistoryPoint{}
		for _, h := range hours {
			out = append(out, points[runID(h)])
		}
		return out
	}
	id := "features/history.feature:10"
	for _, tc := range []struct {
		before int // 0: none
		limit  int
		want   []results.HistoryPoint
	}{
		{0, 10, pts(1, 2, 4, 5, 6)},
		{0, 2, pts(5, 6)},
		{5, 10, pts(1, 2, 4)},
		{5, 1, pts(4)},
		{3, 10, pts(1, 2)}, // a run that did not run the scenario
		{1, 10, pts()},
	} {
		before := ""
		if tc.before > 0 {
			before = runID(tc.before)
		}
		got, err := s.History(ctx, id, before, tc.limit)
		if assert.NoError(t, err) {
			assert.Equal(t, tc.want, got, "before %q, limit %d", before, tc.limit)
		}
	}
	got, err := s.History(ctx, "features/history.feature:999", "", 5)
	assert.NoError(t, err)
	assert.Empty(t, got)
	_, err = s.History(ctx, id, "nope", 5)
	assert.ErrorIs(t, err, store.ErrNotFound)
	_, err = s.History(ctx, id, "", 0)
	assert.Error(t, err)

	// RunHistory (one query on SQL stores) is History before the run for
	// each of its scenarios, those with none left out.
	for _, h := range []int{6, 5, 3, 1} {
		run, err := s.Run(ctx, runID(h))
		require.NoError(t, err)
		for _, limit := range []int{1, 2, 10} {
			want := map[string][]results.HistoryPoint{}
			for _, f := range run.Features {
				for _, sc := range f.Scenarios {
					if pts, err := s.History(ctx, sc.ID, run.ID, limit); assert.NoError(t, err) && len(pts) > 0 {
						want[sc.ID] = pts
					}
				}
			}
			got, err := store.RunHistory(ctx, s, run, limit)
			if assert.NoError(t, err) {
				assert.Equal(t, want, got, "run %s, limit %d", run.ID, limit)
			}
		}
	}
	run, err := s.Run(ctx, runID(6))
	require.NoError(t, err)
	got6, err := store.RunHistory(ctx, s, run, 10)
	require.NoError(t, err)
	assert.Equal(t, pts(1, 2, 4, 5), got6[id])
	assert.Len(t, got6["features/history.feature:50"], 5, "the other scenario ran in every earlier run")
	run.ID = "nope"
	_, err = store.RunHistory(ctx, s, run, 10)
	assert.ErrorIs(t, err, store.ErrNotFound)
}

func testUnstable(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := feature("features/unstable.feature")
	P, F, K, S, X := results.Passed, results.Failed, results.Flaky, results.Skipped, results.Status("")
	lines := []int{10, 20, 30, 40, 50, 60}
	// Each scenario's status in runs u1..u6; X: not run.
	statuses := map[int][]results.Status{
		10: {P, F, P, F, P, X}, // A: flips; its last run is u5
		20: {X, P, P, P, F, F}, // B: just started failing
		30: {X, X, X, X, K, K}, // C: flaky twice: fail, pass, fail, pass
		40: {X, X, X, X, F, K}, // D: fail, fail, pass: no pass between failures
		50: {F, P, F, P, P, P}, // E: flips only within a window of 6
		60: {X, S, F, S, F, X}, // F: skipped runs are neither pass nor fail
	}
	var runs []*results.Run
	for i := range 6 {
		// Ids sort against start times: u0 (first), u5, u4, …
		run := newRun(fmt.Sprintf("u%d", (i*5)%6), i+1)
		runs = append(runs, run)
		var scs []*results.Scenario
		for _, line := range lines {
			if st := statuses[line][i]; st != X {
				sc := scenario(f, line, st, run.StartedAt)
				if line == 10 && i == 4 {
					sc.Name = "A, renamed"
				}
				scs = append(scs, sc)
			}
		}
		record(t, s, run, true, f, scs...)
	}
	point := func(line, run int) results.HistoryPoint {
		return results.HistoryPoint{RunID: runs[run].ID, StartedAt: runs[run].StartedAt,
			Status: statuses[line][run], Duration: time.Duration(line) * time.Millisecond}
	}
	a := store.Instability{ScenarioID: "features/unstable.feature:10", Name: "A, renamed", Runs: 5, Failures: 2, Flips: 4,
		History: []results.HistoryPoint{point(10, 0), point(10, 1), point(10, 2), point(10, 3), point(10, 4)}}
	c := store.Instability{ScenarioID: "features/unstable.feature:30", Name: "scenario at line 30", Runs: 2, Failures: 2, Flips: 3,
		History: []results.HistoryPoint{point(30, 4), point(30, 5)}}

	got, err := s.Unstable(ctx, 5)
	require.NoError(t, err)
	assert.Equal(t, []store.Instability{c, a}, got, "newest last run first")

	got, err = s.Unstable(ctx, 6)
	require.NoError(t, err)
	var ids []string
	for _, in := range got {
		ids = append(ids, in.ScenarioID)
	}
	assert.Equal(t, []string{"features/unstable.feature:30", "features/unstable.feature:50", "features/unstable.feature:10"}, ids)
	if len(got) == 3 {
		assert.Equal(t, 6, got[1].Runs)
		assert.Equal(t, 2, got[1].Failures)
		assert.Equal(t, 3, got[1].Flips)
	}

	got, err = s.Unstable(ctx, 2)
	require.NoError(t, err)
	ids = nil
	for _, in := range got {
		ids = append(ids, in.ScenarioID)
	}
	assert.Equal(t, []string{"features/unstable.feature:30"}, ids, "only flaky-twice flips within 2 runs")

	_, err = s.Unstable(ctx, 0)
	assert.Error(t, err)
}

func testArtifactsDedup(t *testing.T, s store.Store) {
	ctx := t.Context()
	src := t.TempDir()
	same := []byte("the same screenshot bytes")
	writeFile(t, src, "a/screenshot.png", same)
	writeFile(t, src, "b/screenshot.PNG", same)
	writeFile(t, src, "c/trace", []byte("a trace with no extension"))
	run := newRun("artifacts", 0)
	require.NoError(t, s.Begin(ctx, run))
	f := feature("features/artifacts.feature")
	one := scenario(f, 1, results.Failed, run.StartedAt)
	one.Attachments = []results.Attachment{
		{Name: "screenshot", MediaType: "image/png", Path: "a/screenshot.png"},
		{Name: "trace", MediaType: "application/octet-stream", Path: "c/trace", SHA256: "0000", Size: 3},
	}
	two := scenario(f, 2, results.Failed, run.StartedAt)
	two.Attachments = []results.Attachment{{Name: "screenshot", MediaType: "image/png", Path: "b/screenshot.PNG"}}
	require.NoError(t, s.Record(ctx, run.ID, f, one, src))
	got, err := s.Run(ctx, run.ID)
	require.NoError(t, err)
	shotFile := filepath.Join(s.Artifacts(), filepath.FromSlash(got.Features[0].Scenarios[0].Attachments[0].Path))
	// Backdate the stored file: writing it again would make it new.
	long := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	require.NoError(t, os.Chtimes(shotFile, long, long))
	for _, sc := range []*results.Scenario{two, one} {
		require.NoError(t, s.Record(ctx, run.ID, f, sc, src))
	}
	after, err := os.Stat(shotFile)
	require.NoError(t, err)
	assert.True(t, after.ModTime().Equal(long), "a stored file is not written again")
	got, err = s.Run(ctx, run.ID)
	require.NoError(t, err)
	require.Len(t, got.Features, 1)
	require.Len(t, got.Features[0].Scenarios, 2)
	gotOne, gotTwo := got.Features[0].Scenarios[0], got.Features[0].Scenarios[1]

	shot := stored(one.Attachments[0], same)
	trace := stored(one.Attachments[1], []byte("a trace with no extension"))
	assert.Equal(t, []results.Attachment{shot, trace}, gotOne.Attachments,
		"hash and size computed when missing, corrected when wrong")
	assert.Equal(t, shot.Path, gotTwo.Attachments[0].Path, "same content, one stored file")
	assert.Equal(t, "sha256/"+trace.SHA256[:2]+"/"+trace.SHA256, trace.Path)
	for _, a := range append(gotOne.Attachments, gotTwo.Attachments...) {
		assertArtifact(t, s, a)
	}
	entries, err := os.ReadDir(filepath.Dir(filepath.Join(s.Artifacts(), filepath.FromSlash(shot.Path))))
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		if e.Name() == path.Base(shot.Path) || strings.HasPrefix(e.Name(), ".tmp") {
			names = append(names, e.Name())
		}
	}
	assert.Equal(t, []string{path.Base(shot.Path)}, names, "one file, no temporary files left")
}

func testMissingAttachments(t *testing.T, s store.Store) {
	ctx := t.Context()
	src := t.TempDir()
	writeFile(t, src, "x/screenshot.png", resultstest.PNG())
	run := newRun("missing", 0)
	require.NoError(t, s.Begin(ctx, run))
	f := feature("features/missing.feature")
	sc := scenario(f, 1, results.Flaky, run.StartedAt)
	sc.Attachments = []results.Attachment{
		{Name: "screenshot", MediaType: "image/png", Path: "x/screenshot.png"},
		{Name: "trace", MediaType: "application/zip", Path: "x/trace.zip"},
	}
	sc.Attempts = []*results.Attempt{{Status: results.Failed, StartedAt: run.StartedAt,
		Attachments: []results.Attachment{{Name: "page", MediaType: "text/html", Path: "x/attempt-1/page.html"}}}}

	err := s.Record(ctx, run.ID, f, sc, src)
	var missing *store.MissingAttachmentsError
	require.ErrorAs(t, err, &missing)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.Equal(t, run.ID, missing.RunID)
	assert.Equal(t, sc.ID, missing.ScenarioID)
	var paths []string
	for _, m := range missing.Missing {
		paths = append(paths, m.Path)
	}
	assert.Equal(t, []string{"x/trace.zip", "x/attempt-1/page.html"}, paths)
	assert.ErrorContains(t, err, "x/trace.zip")

	got, err := s.Run(ctx, run.ID)
	require.NoError(t, err)
	require.Len(t, got.Features, 1)
	require.Len(t, got.Features[0].Scenarios, 1, "the scenario is recorded all the same")
	gotSc := got.Features[0].Scenarios[0]
	assert.Equal(t, []results.Attachment{stored(sc.Attachments[0], resultstest.PNG())}, gotSc.Attachments)
	require.Len(t, gotSc.Attempts, 1)
	assert.Empty(t, gotSc.Attempts[0].Attachments)
	assert.Equal(t, results.Counts{Scenarios: 1, Flaky: 1}, summary(t, s, run.ID).Counts)

	// A srcDir that does not exist: every attachment is missing.
	err = s.Record(ctx, run.ID, f, scenario(f, 2, results.Passed, run.StartedAt), filepath.Join(src, "nowhere"))
	assert.NoError(t, err, "no attachments, nothing to read")
	withShot := scenario(f, 3, results.Failed, run.StartedAt)
	withShot.Attachments = sc.Attachments[:1]
	err = s.Record(ctx, run.ID, f, withShot, filepath.Join(src, "nowhere"))
	require.ErrorAs(t, err, &missing)
	assert.Len(t, missing.Missing, 1)
}

func testAttachmentsStayInSrcDir(t *testing.T, s store.Store) {
	ctx := t.Context()
	root := t.TempDir()
	src := filepath.Join(root, "out")
	writeFile(t, root, "secret.txt", []byte("outside the output folder"))
	writeFile(t, src, "ok.txt", []byte("inside"))
	run := newRun("escape", 0)
	require.NoError(t, s.Begin(ctx, run))
	f := feature("features/escape.feature")

	for i, p := range []string{"../secret.txt", "a/../../secret.txt", filepath.ToSlash(filepath.Join(root, "secret.txt")), `..\secret.txt`, ""} {
		sc := scenario(f, 10+i, results.Failed, run.StartedAt)
		sc.Attachments = []results.Attachment{{Name: "ok", MediaType: "text/plain", Path: "ok.txt"}, {Name: "bad", MediaType: "text/plain", Path: p}}
		err := s.Record(ctx, run.ID, f, sc, src)
		var missing *store.MissingAttachmentsError
		if assert.Error(t, err, "path %q", p) {
			assert.False(t, errors.As(err, &missing), "path %q is an error, not a warning", p)
		}
		sc.Attachments = nil
		sc.Attempts = []*results.Attempt{{Status: results.Failed, Attachments: []results.Attachment{{Name: "bad", Path: p}}}}
		assert.Error(t, s.Record(ctx, run.ID, f, sc, src), "attempt path %q", p)
	}
	got, err := s.Run(ctx, run.ID)
	require.NoError(t, err)
	assert.Empty(t, got.Features, "nothing recorded")

	// A symbolic link out of the folder is not followed.
	if err := os.Symlink(filepath.Join(root, "secret.txt"), filepath.Join(src, "link.txt")); err != nil {
		t.Skipf("cannot make symbolic links here: %v", err)
	}
	sc := scenario(f, 30, results.Failed, run.StartedAt)
	sc.Attachments = []results.Attachment{{Name: "link", MediaType: "text/plain", Path: "link.txt"}}
	err = s.Record(ctx, run.ID, f, sc, src)
	var missing *store.MissingAttachmentsError
	require.ErrorAs(t, err, &missing)
	got, err = s.Run(ctx, run.ID)
	require.NoError(t, err)
	require.Len(t, got.Features, 1)
	assert.Empty(t, got.Features[0].Scenarios[0].Attachments)
	secret := sha256.Sum256([]byte("outside the output folder"))
	_, err = os.Stat(filepath.Join(s.Artifacts(), "sha256", hex.EncodeToString(secret[:1]), hex.EncodeToString(secret[:])+".txt"))
	assert.ErrorIs(t, err, fs.ErrNotExist, "the linked file was not copied")
}

func testConcurrentRecord(t *testing.T, s store.Store) {
	ctx := t.Context()
	const workers, each = 8, 10
	src := t.TempDir()
	writeFile(t, src, "shared.png", resultstest.PNG())
	run := newRun("concurrent", 0)
	require.NoError(t, s.Begin(ctx, run))
	f := feature("features/concurrent.feature")
	var wg sync.WaitGroup
	errs := make(chan error, workers*(each+1))
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				status := results.Passed
				if i%2 == 1 {
					status = results.Failed
				}
				sc := scenario(f, 100+w*each+i, status, run.StartedAt)
				sc.Attachments = []results.Attachment{{Name: "screenshot", MediaType: "image/png", Path: "shared.png"}}
				errs <- s.Record(ctx, run.ID, f, sc, src)
			}
			// Every worker retries the same scenario.
			errs <- s.Record(ctx, run.ID, f, scenario(f, 1, results.Flaky, run.StartedAt), src)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	got, err := s.Run(ctx, run.ID)
	require.NoError(t, err)
	require.Len(t, got.Features, 1)
	assert.Len(t, got.Features[0].Scenarios, workers*each+1)
	assert.True(t, slices.IsSortedFunc(got.Features[0].Scenarios, func(a, b *results.Scenario) int { return a.Line - b.Line }))
	assert.Equal(t, results.Counts{Scenarios: workers*each + 1, Passed: workers * each / 2, Failed: workers * each / 2, Flaky: 1},
		summary(t, s, run.ID).Counts)
}

func testRuns(t *testing.T, s store.Store) {
	ctx := t.Context()
	list, err := s.Runs(ctx, store.Filter{})
	require.NoError(t, err)
	assert.Empty(t, list)

	f := feature("features/runs.feature")
	// Ids sort neither with nor against start times.
	second := newRun("charlie", 2)
	second.Commit, second.Tags = "c0ffee", "@smoke"
	record(t, s, second, true, f, scenario(f, 1, results.Passed, second.StartedAt), scenario(f, 2, results.Undefined, second.StartedAt))
	third := newRun("alpha", 3)
	third.Interrupted = true
	record(t, s, third, true, f, scenario(f, 1, results.Skipped, third.StartedAt))
	first := newRun("bravo", 1)
	record(t, s, first, false, f)

	list, err = s.Runs(ctx, store.Filter{})
	require.NoError(t, err)
	assert.Equal(t, []store.Summary{
		{ID: "alpha", StartedAt: third.StartedAt, FinishedAt: third.FinishedAt, Interrupted: true, Target: third.Target,
			Counts: results.Counts{Scenarios: 1, Skipped: 1}, Verdict: store.VerdictInterrupted},
		{ID: "charlie", StartedAt: second.StartedAt, FinishedAt: second.FinishedAt, Target: second.Target,
			Commit: "c0ffee", Tags: "@smoke", Counts: results.Counts{Scenarios: 2, Passed: 1, Other: 1}, Verdict: store.VerdictFailures},
		{ID: "bravo", StartedAt: first.StartedAt, Target: first.Target, Verdict: store.VerdictUnfinished},
	}, list)

	list, err = s.Runs(ctx, store.Filter{Limit: 2})
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, "alpha", list[0].ID)
	assert.Equal(t, "charlie", list[1].ID)

	_, err = s.Runs(ctx, store.Filter{Limit: -1})
	assert.Error(t, err)
}

func testBadInput(t *testing.T, s store.Store) {
	ctx := t.Context()
	run := newRun("bad", 0)
	require.NoError(t, s.Begin(ctx, run))
	assert.ErrorIs(t, s.Begin(ctx, newRun("bad", 1)), store.ErrExists)
	assert.Error(t, s.Begin(ctx, nil))
	assert.Error(t, s.Begin(ctx, newRun("", 0)))
	assert.Error(t, s.Begin(ctx, &results.Run{ID: "no-start"}))
	assert.Error(t, s.Begin(ctx, &results.Run{ID: "too-late", StartedAt: time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)}))
	assert.Error(t, s.Finish(ctx, nil))

	f := feature("features/bad.feature")
	sc := scenario(f, 1, results.Passed, run.StartedAt)
	assert.ErrorIs(t, s.Record(ctx, "nope", f, sc, ""), store.ErrNotFound)
	assert.Error(t, s.Record(ctx, "", f, sc, ""))
	assert.Error(t, s.Record(ctx, run.ID, nil, sc, ""))
	assert.Error(t, s.Record(ctx, run.ID, f, nil, ""))
	assert.Error(t, s.Record(ctx, run.ID, f, &results.Scenario{Name: "no id"}, ""))
	withNilAttempt := scenario(f, 2, results.Flaky, run.StartedAt)
	withNilAttempt.Attempts = []*results.Attempt{nil}
	assert.Error(t, s.Record(ctx, run.ID, f, withNilAttempt, ""))

	_, err := s.Run(ctx, "nope")
	assert.ErrorIs(t, err, store.ErrNotFound)
	got, err := s.Run(ctx, run.ID)
	require.NoError(t, err)
	assert.Empty(t, got.Features, "no bad scenario was recorded")
	assert.Equal(t, 1, len(mustRuns(t, s)), "no bad run was recorded")
}

func mustRuns(t *testing.T, s store.Store) []store.Summary {
	t.Helper()
	list, err := s.Runs(t.Context(), store.Filter{})
	require.NoError(t, err)
	return list
}

// plan is the plan of a run over the scenarios of f at lines.
func plan(f *results.Feature, lines ...int) []results.PlannedScenario {
	var out []results.PlannedScenario
	for _, l := range lines {
		out = append(out, results.PlannedScenario{ID: fmt.Sprintf("%s:%d", f.URI, l), Name: fmt.Sprintf("scenario at line %d", l), Feature: f.URI})
	}
	return out
}

// testPlan: a run begun with 4 planned scenarios, 2 recorded and never
// finished (kill -9) keeps its plan, so the 2 it never ran are known.
func testPlan(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := feature("features/plan.feature")
	killed := newRun("killed-with-plan", 0)
	killed.Planned = plan(f, 3, 8, 13, 18)
	record(t, s, killed, false, f, scenario(f, 8, results.Passed, killed.StartedAt), scenario(f, 3, results.Passed, killed.StartedAt))

	got, err := s.Run(ctx, killed.ID)
	require.NoError(t, err)
	assert.Equal(t, killed.Planned, got.Planned)
	assert.True(t, got.Unfinished())
	assert.Equal(t, plan(f, 13, 18), got.NotRun())
	assert.Equal(t, results.Counts{Scenarios: 2, Passed: 2, NotRun: 2}, got.Counts())
	sum := summary(t, s, killed.ID)
	assert.Equal(t, 4, sum.Planned)
	assert.Equal(t, results.Counts{Scenarios: 2, Passed: 2, NotRun: 2}, sum.Counts)
	assert.True(t, sum.Unfinished())
	assert.True(t, sum.Incomplete())

	// An interrupted scenario is counted as such, and leaves the plan.
	in := scenario(f, 13, results.Interrupted, killed.StartedAt)
	in.FailureKind, in.Error = results.KindNone, "interrupted by SIGTERM"
	require.NoError(t, s.Record(ctx, killed.ID, f, in, ""))
	assert.Equal(t, results.Counts{Scenarios: 3, Passed: 2, Interrupted: 1, NotRun: 1}, summary(t, s, killed.ID).Counts)

	// A run without a plan (recorded by an older harness) has none.
	old := newRun("no-plan", 1)
	record(t, s, old, true, f, scenario(f, 3, results.Passed, old.StartedAt))
	got, err = s.Run(ctx, old.ID)
	require.NoError(t, err)
	assert.Nil(t, got.Planned)
	assert.Equal(t, 0, summary(t, s, old.ID).Planned)

	// Finish may give the plan when Begin could not (nil keeps it).
	late := newRun("plan-at-finish", 2)
	record(t, s, late, false, f, scenario(f, 3, results.Passed, late.StartedAt))
	late.Planned = plan(f, 3, 8)
	late.FinishedAt = late.StartedAt.Add(time.Minute)
	require.NoError(t, s.Finish(ctx, late))
	sum = summary(t, s, late.ID)
	assert.Equal(t, 2, sum.Planned)
	assert.Equal(t, 1, sum.Counts.NotRun)
	late.Planned = nil
	require.NoError(t, s.Finish(ctx, late))
	assert.Equal(t, 2, summary(t, s, late.ID).Planned, "a nil plan at Finish keeps the recorded one")
}

// testLastGreenSkipsIncomplete: last-green is never a run that did not
// test all it set out to, however green its recorded scenarios are.
func testLastGreenSkipsIncomplete(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := feature("features/green.feature")
	green := newRun("green", 0)
	green.Planned = plan(f, 3)
	record(t, s, green, true, f, scenario(f, 3, results.Passed, green.StartedAt))

	// Newer runs, each all passed so far, each incomplete.
	killed := newRun("killed", 1)
	killed.Planned = plan(f, 3, 8, 13, 18)
	record(t, s, killed, false, f, scenario(f, 3, results.Passed, killed.StartedAt), scenario(f, 8, results.Passed, killed.StartedAt))
	unplanned := newRun("killed-no-plan", 2)
	record(t, s, unplanned, false, f, scenario(f, 3, results.Passed, unplanned.StartedAt))
	interruptedScenario := newRun("interrupted-scenario", 3)
	in := scenario(f, 8, results.Interrupted, interruptedScenario.StartedAt)
	in.FailureKind, in.Error = results.KindNone, ""
	record(t, s, interruptedScenario, true, f, scenario(f, 3, results.Passed, interruptedScenario.StartedAt), in)
	notRun := newRun("finished-not-run", 4)
	notRun.Planned = plan(f, 3, 8)
	record(t, s, notRun, true, f, scenario(f, 3, results.Passed, notRun.StartedAt))
	interrupted := newRun("interrupted", 5)
	interrupted.Interrupted = true
	record(t, s, interrupted, true, f, scenario(f, 3, results.Passed, interrupted.StartedAt))

	got, err := s.Resolve(ctx, store.RefLastGreen)
	require.NoError(t, err)
	assert.Equal(t, green.ID, got)
	got, err = s.Resolve(ctx, store.RefLatest)
	require.NoError(t, err)
	assert.Equal(t, interrupted.ID, got, "latest is the newest run, finished or not")
}

// assertVerdict checks the run's listed verdict: want, and VerdictOf the
// run as the store gives it back; and that last-green is the run exactly
// when its verdict is pass (the tests that call it hold one run).
func assertVerdict(t *testing.T, s store.Store, id string, want store.Verdict, msg string) {
	t.Helper()
	sum := summary(t, s, id)
	assert.Equal(t, want, sum.Verdict, msg)
	run, err := s.Run(t.Context(), id)
	require.NoError(t, err)
	assert.Equal(t, store.VerdictOf(run), sum.Verdict, "stored verdict of %s: %s", id, msg)
	green, err := s.Resolve(t.Context(), store.RefLastGreen)
	if want == store.VerdictPass {
		assert.NoError(t, err, msg)
		assert.Equal(t, id, green, msg)
	} else {
		assert.ErrorIs(t, err, store.ErrNotFound, "last-green with the run %s: %s", want, msg)
	}
}

// testVerdict follows one run's stored verdict through its life: Begin,
// each Record (results arrive after Finish too, as a merge adds them) and
// Finish, which can change the end, the interrupt and fail-on-flaky.
func testVerdict(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := feature("features/verdict.feature")
	run := newRun("verdict", 0)
	run.Planned = plan(f, 3, 8)
	require.NoError(t, s.Begin(ctx, run))
	assertVerdict(t, s, run.ID, store.VerdictUnfinished, "begun")
	require.NoError(t, s.Record(ctx, run.ID, f, scenario(f, 3, results.Passed, run.StartedAt), ""))
	assertVerdict(t, s, run.ID, store.VerdictUnfinished, "running, all passed so far")

	run.FinishedAt = run.StartedAt.Add(time.Minute)
	require.NoError(t, s.Finish(ctx, run))
	assertVerdict(t, s, run.ID, store.VerdictIncomplete, "finished with a planned scenario not run")

	flaky := scenario(f, 8, results.Flaky, run.StartedAt)
	require.NoError(t, s.Record(ctx, run.ID, f, flaky, ""))
	assertVerdict(t, s, run.ID, store.VerdictPass, "complete, flaky does not fail the run")
	run.FailOnFlaky = true
	require.NoError(t, s.Finish(ctx, run))
	assertVerdict(t, s, run.ID, store.VerdictFailures, "--fail-on-flaky")
	run.FailOnFlaky = false
	require.NoError(t, s.Finish(ctx, run))
	assertVerdict(t, s, run.ID, store.VerdictPass, "fail-on-flaky off again")

	quarantined := scenario(f, 13, results.Failed, run.StartedAt)
	quarantined.FailureKind, quarantined.Quarantined = results.KindHarness, true
	require.NoError(t, s.Record(ctx, run.ID, f, quarantined, ""))
	assertVerdict(t, s, run.ID, store.VerdictPass, "a quarantined failure never counts")

	backend := scenario(f, 18, results.Failed, run.StartedAt)
	backend.FailureKind = results.KindBackend
	require.NoError(t, s.Record(ctx, run.ID, f, backend, ""))
	assertVerdict(t, s, run.ID, store.VerdictBackend, "a backend fault")
	harness := scenario(f, 23, results.Undefined, run.StartedAt)
	harness.FailureKind = results.KindHarness
	require.NoError(t, s.Record(ctx, run.ID, f, harness, ""))
	assertVerdict(t, s, run.ID, store.VerdictHarness, "a harness fault outranks a backend fault")

	// Retries replace the failures: the verdict follows.
	require.NoError(t, s.Record(ctx, run.ID, f, scenario(f, 18, results.Passed, run.StartedAt), ""))
	require.NoError(t, s.Record(ctx, run.ID, f, scenario(f, 23, results.Failed, run.StartedAt), ""))
	assertVerdict(t, s, run.ID, store.VerdictFailures, "an assertion failure")

	in := scenario(f, 23, results.Interrupted, run.StartedAt)
	in.FailureKind, in.Error = results.KindNone, ""
	require.NoError(t, s.Record(ctx, run.ID, f, in, ""))
	assertVerdict(t, s, run.ID, store.VerdictIncomplete, "an interrupted scenario")
	run.Interrupted = true
	require.NoError(t, s.Finish(ctx, run))
	assertVerdict(t, s, run.ID, store.VerdictInterrupted, "an interrupted run")
	run.FinishedAt = time.Time{}
	require.NoError(t, s.Finish(ctx, run))
	assertVerdict(t, s, run.ID, store.VerdictInterrupted, "interrupted outranks unfinished")
}

// testShardsAndPhases: a run keeps its shard, or the shards a merge
// combined, and its phases; a scenario its phases, replaced on a retry.
func testShardsAndPhases(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := feature("features/shards.feature")
	run := newRun("shard", 0)
	run.Shard = "1/2"
	run.Phases = []results.Phase{{Name: results.PhaseBrowser, Duration: 1500 * time.Millisecond}}
	first := scenario(f, 3, results.Failed, run.StartedAt)
	first.Phases = []results.Phase{{Name: results.PhaseReset, Duration: 40 * time.Millisecond}, {Name: results.PhaseSteps, Duration: time.Second}}
	record(t, s, run, false, f, first)
	got, err := s.Run(ctx, run.ID)
	require.NoError(t, err)
	assert.Equal(t, "1/2", got.Shard)
	assert.Nil(t, got.Shards)
	assert.Equal(t, run.Phases, got.Phases)
	assert.Equal(t, first.Phases, got.Features[0].Scenarios[0].Phases)

	retry := scenario(f, 3, results.Passed, run.StartedAt)
	retry.Phases = []results.Phase{{Name: results.PhaseSteps, Duration: 2 * time.Second}}
	require.NoError(t, s.Record(ctx, run.ID, f, retry, ""))
	// Finish as a merge would: the shards it combined, the run's phases.
	run.Shard, run.Shards = "", []string{"1/2", "2/2"}
	run.Phases = append(run.Phases, results.Phase{Name: results.PhaseFirstStep, Duration: 4 * time.Second})
	run.FinishedAt = run.StartedAt.Add(time.Minute)
	require.NoError(t, s.Finish(ctx, run))
	got, err = s.Run(ctx, run.ID)
	require.NoError(t, err)
	assert.Equal(t, "", got.Shard)
	assert.Equal(t, []string{"1/2", "2/2"}, got.Shards)
	assert.Equal(t, run.Phases, got.Phases)
	assert.Equal(t, retry.Phases, got.Features[0].Scenarios[0].Phases)

	// None recorded: none given back.
	plain := newRun("no-phases", 1)
	record(t, s, plain, true, f, scenario(f, 3, results.Passed, plain.StartedAt))
	got, err = s.Run(ctx, plain.ID)
	require.NoError(t, err)
	assert.Nil(t, got.Phases)
	assert.Nil(t, got.Shards)
	assert.Nil(t, got.Features[0].Scenarios[0].Phases)
}

// testDurations: the median of each scenario's last window timed results
// (passed, failed, flaky), runs ordered by their start, not by when they
// were recorded.
func testDurations(t *testing.T, s store.Store) {
	ctx := t.Context()
	got, err := s.Durations(ctx, 5)
	require.NoError(t, err)
	assert.Empty(t, got, "an empty store")
	for _, w := range []int{0, -1} {
		_, err := s.Durations(ctx, w)
		assert.Error(t, err, "window %d", w)
	}

	f := feature("features/durations.feature")
	ms := time.Millisecond
	// Per run, oldest first: the status and duration of scenarios 3, 8
	// and 13. Runs are recorded newest first.
	type result struct {
		status results.Status
		d      time.Duration
	}
	history := [][3]result{
		{{results.Passed, 900 * ms}, {results.Passed, 10 * ms}, {results.Skipped, 1 * ms}},
		{{results.Passed, 100 * ms}, {results.Failed, 20 * ms}, {results.Skipped, 1 * ms}},
		{{results.Flaky, 400 * ms}, {results.Interrupted, 5000 * ms}, {results.Skipped, 1 * ms}},
		{{results.Skipped, 7000 * ms}, {results.Flaky, 40 * ms}, {results.Skipped, 1 * ms}},
		{{results.Failed, 200 * ms}, {results.Passed, 30 * ms}, {results.Undefined, 1 * ms}},
		{{results.Passed, 300 * ms}, {results.Skipped, 6000 * ms}, {results.Skipped, 1 * ms}},
	}
	for i := len(history) - 1; i >= 0; i-- {
		run := newRun(fmt.Sprintf("d%d", 9-i), i) // ids sort against start times
		var scs []*results.Scenario
		for j, r := range history[i] {
			sc := scenario(f, 3+5*j, r.status, run.StartedAt)
			sc.Duration = r.d
			scs = append(scs, sc)
		}
		record(t, s, run, true, f, scs...)
	}
	id := func(line int) string { return fmt.Sprintf("%s:%d", f.URI, line) }

	got, err = s.Durations(ctx, 3)
	require.NoError(t, err)
	assert.Equal(t, map[string]time.Duration{
		id(3): 300 * ms, // 400, 200, 300 (the skipped 7000 is no timing)
		id(8): 30 * ms,  // 20, 40, 30 (interrupted and skipped left out)
	}, got, "scenario 13 was never timed")

	got, err = s.Durations(ctx, 4)
	require.NoError(t, err)
	assert.Equal(t, 250*ms, got[id(3)], "100, 400, 200, 300: the mean of the middle two")
	assert.Equal(t, 25*ms, got[id(8)], "10, 20, 40, 30")

	got, err = s.Durations(ctx, 100)
	require.NoError(t, err)
	assert.Equal(t, 300*ms, got[id(3)], "900, 100, 400, 200, 300")
	got, err = s.Durations(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, map[string]time.Duration{id(3): 300 * ms, id(8): 30 * ms}, got, "the newest timed result")
}

// testHistoryFollowsFinish: a run's start changed by Finish moves its
// results in History, Durations and Unstable, which order runs by it.
func testHistoryFollowsFinish(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := feature("features/moved.feature")
	early := newRun("early", 0)
	fast := scenario(f, 3, results.Passed, early.StartedAt)
	fast.Duration = 10 * time.Millisecond
	record(t, s, early, true, f, fast)
	late := newRun("late", 1)
	slow := scenario(f, 3, results.Failed, late.StartedAt)
	slow.Duration = 20 * time.Millisecond
	record(t, s, late, true, f, slow)
	h, err := s.History(ctx, id(f, 3), "", 10)
	require.NoError(t, err)
	require.Len(t, h, 2)
	assert.Equal(t, []string{"early", "late"}, []string{h[0].RunID, h[1].RunID})
	d, err := s.Durations(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, 20*time.Millisecond, d[id(f, 3)], "the newest run's")

	late.StartedAt = early.StartedAt.Add(-time.Hour)
	require.NoError(t, s.Finish(ctx, late))
	h, err = s.History(ctx, id(f, 3), "", 10)
	require.NoError(t, err)
	require.Len(t, h, 2)
	assert.Equal(t, []string{"late", "early"}, []string{h[0].RunID, h[1].RunID})
	assert.Equal(t, late.StartedAt.UTC(), h[0].StartedAt)
	d, err = s.Durations(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, 10*time.Millisecond, d[id(f, 3)], "early is the newest run now")
	h, err = s.History(ctx, id(f, 3), "early", 10)
	require.NoError(t, err)
	require.Len(t, h, 1)
	assert.Equal(t, "late", h[0].RunID)
}

func id(f *results.Feature, line int) string { return fmt.Sprintf("%s:%d", f.URI, line) }

// testSafetyAndAccessibility: a run keeps who ran it, its hazard log and
// its accessibility summary, a scenario its accessibility checks; a
// baseline entry past its expiry makes the verdict "failures" even when
// every scenario passed.
func testSafetyAndAccessibility(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := feature("features/a11y.feature")
	run := newRun("a11y", 0)
	run.RanBy = "ci-bot"
	run.HazardLog = &results.HazardLog{File: "features/hazards.yaml", Form: "dcb0129", Hazards: []results.Hazard{{
		ID: "H-001", Title: "Wrong patient", Causes: []string{"two similar names"},
		Initial:  results.Risk{Severity: "Major", Likelihood: "Medium", Rating: "4"},
		Controls: []results.Control{{ID: "C-001", Description: "banner", VerifyByTest: true, Line: 7}}, Line: 3}}}
	sc := scenario(f, 3, results.Passed, run.StartedAt)
	sc.Accessibility = []results.AccessibilityCheck{{Page: "/patients/{id}", By: "scan", Engine: "axe-core 4.14.1",
		Violations: []results.Violation{{Rule: "label", Impact: "critical", Criteria: []string{"4.1.2"},
			Nodes:     []results.ViolationNode{{Target: "#nhs", HTML: "<input id=nhs>"}},
			Baselined: &results.BaselineRef{File: "a11y-baseline.yaml", Line: 4, Reason: "supplier fix due", Owner: "PM", Expires: "2027-01-31"}}}}}
	record(t, s, run, false, f, sc)
	assertVerdict(t, s, run.ID, store.VerdictUnfinished, "not finished yet")
	run.Accessibility = &results.AccessibilitySummary{Scan: "pages", Baseline: "a11y-baseline.yaml",
		Expired: []results.BaselineEntry{{File: "a11y-baseline.yaml", Line: 9, Rule: "region", Reason: "r", Owner: "o", Expires: "2026-01-01"}}}
	run.FinishedAt = run.StartedAt.Add(time.Minute)
	require.NoError(t, s.Finish(ctx, run))
	got, err := s.Run(ctx, run.ID)
	require.NoError(t, err)
	assert.Equal(t, "ci-bot", got.RanBy)
	assert.Equal(t, run.HazardLog, got.HazardLog)
	assert.Equal(t, run.Accessibility, got.Accessibility)
	assert.Equal(t, sc.Accessibility, got.Features[0].Scenarios[0].Accessibility)
	assertVerdict(t, s, run.ID, store.VerdictFailures, "an expired baseline entry fails the run")

	run.Accessibility.Expired = nil
	require.NoError(t, s.Finish(ctx, run))
	assertVerdict(t, s, run.ID, store.VerdictPass, "renewed baseline")
}

// testMessages: a scenario keeps the messages it exchanged with the EPR,
// every field, in order; a retry's record replaces them; a text longer
// than results.MaxMessageText is kept capped.
func testMessages(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := feature("features/messaging.feature")
	run := newRun("messaging", 0)
	sc := scenario(f, 3, results.Failed, run.StartedAt)
	sc.FailureKind = results.KindAssertion
	at := run.StartedAt.Add(time.Second)
	sc.Messages = []results.Message{
		{Step: 0, Protocol: results.ProtocolHL7v2, Direction: results.Sent, At: at, Peer: "127.0.0.1:2575",
			Type: "ADT^A08", ControlID: "0001", Text: "MSH|^~\\&|PAS|PASFAC\nPID|1||9990000018^^^NHS^NH||POND^AMY",
			Answer: "MSH|^~\\&|REFEPR|RHQ\nMSA|AE|0001\nERR|||204^Unknown key identifier", Outcome: "AE"},
		{Step: -1, Protocol: results.ProtocolFHIR, Direction: results.Received, At: at.Add(time.Second), Peer: "127.0.0.1:40000",
			Type: "Appointment notification", Text: "PUT /notify/k/Appointment/7\n{\"resourceType\":\"Appointment\",\"status\":\"booked\"}",
			Answer: "200 OK", Outcome: "200"},
		{Step: 0, Protocol: results.ProtocolHL7v2, Direction: results.Sent, At: at.Add(2 * time.Second), Type: "ADT^A28",
			Text: "MSH|x", Error: "dial tcp 127.0.0.1:2575: connect: connection refused"},
	}
	record(t, s, run, true, f, sc)
	got, err := s.Run(ctx, run.ID)
	require.NoError(t, err)
	require.Len(t, got.Features, 1)
	assert.Equal(t, sc.Messages, got.Features[0].Scenarios[0].Messages)

	long := strings.Repeat("OBX|1|TX|||", results.MaxMessageText/8)
	sc.Messages = []results.Message{{Step: 0, Protocol: results.ProtocolHL7v2, Direction: results.Received, At: at,
		Type: "MDM^T02", Text: long, Outcome: "AA"}}
	require.NoError(t, s.Record(ctx, run.ID, f, sc, ""))
	got, err = s.Run(ctx, run.ID)
	require.NoError(t, err)
	ms := got.Features[0].Scenarios[0].Messages
	require.Len(t, ms, 1, "the record replaces the messages")
	assert.Equal(t, results.CapText(long), ms[0].Text)
	assert.Less(t, len(ms[0].Text), len(long))
	assert.Equal(t, long, sc.Messages[0].Text, "Record does not change the scenario it is given")

	sc.Messages = nil
	require.NoError(t, s.Record(ctx, run.ID, f, sc, ""))
	got, err = s.Run(ctx, run.ID)
	require.NoError(t, err)
	assert.Nil(t, got.Features[0].Scenarios[0].Messages)
}
