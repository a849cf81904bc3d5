package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cucumber/godog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/backend"
	"github.com/eprharness/eprharness/harness/config"
	"github.com/eprharness/eprharness/harness/exitcode"
	"github.com/eprharness/eprharness/harness/featureset"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/schedule"
	"github.com/eprharness/eprharness/harness/store"
	"github.com/eprharness/eprharness/harness/target/refepr"
)

const (
	admissions = "testdata/schedule/admissions.feature"
	banner     = "testdata/schedule/banner.feature"
)

// history is what the results store says the scenarios take.
var history = schedule.Durations{
	admissions + ":8":  10 * time.Second,
	admissions + ":18": 5 * time.Second,
	admissions + ":19": 80 * time.Second,
	admissions + ":22": 40 * time.Second,
	banner + ":3":      20 * time.Second,
	banner + ":8":      60 * time.Second,
}

// runGodog runs sel through Godog with the collector as the runner wires
// it (document formatter, before/after hooks, step results) and no-op
// steps; it returns the run and the scenario ids in the order they started.
func runGodog(t *testing.T, sel *featureset.Selection, workers int) (*results.Run, []string) {
	t.Helper()
	run := &results.Run{ID: "r"}
	col := newCollector(run, func() time.Time { return time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC) })
	name := fmt.Sprintf("%s-%d-%d", t.Name(), workers, time.Now().UnixNano())
	collectors.Store(name, col)
	defer collectors.Delete(name)
	col.alias(sel)
	var mu sync.Mutex
	var started []string
	suite := godog.TestSuite{
		Name: name,
		ScenarioInitializer: func(sc *godog.ScenarioContext) {
			sc.Before(func(ctx context.Context, p *godog.Scenario) (context.Context, error) {
				rec := col.start(p)
				mu.Lock()
				started = append(started, rec.sc.ID)
				mu.Unlock()
				return withRecord(ctx, rec), nil
			})
			sc.StepContext().After(func(ctx context.Context, st *godog.Step, status godog.StepResultStatus, err error) (context.Context, error) {
				col.stepDone(recordFrom(ctx), st, status, err)
				return ctx, nil
			})
			sc.After(func(ctx context.Context, p *godog.Scenario, err error) (context.Context, error) {
				col.finish(p.Uri, recordFrom(ctx), err)
				return ctx, nil
			})
			sc.Step(`^the ward is open$`, func() {})
			sc.Step(`^it takes (\d+) ms$`, func(int) {})
			sc.Step(`^it is done$`, func() {})
		},
		Options: &godog.Options{
			Format: formatterName, Paths: sel.Paths, FS: sel.FS, Strict: true,
			Concurrency: workers, Output: &bytes.Buffer{}, NoColors: true,
		},
	}
	require.Equal(t, 0, suite.Run())
	run.Sort()
	return run, started
}

func selectSchedule(t *testing.T) (*featureset.Selection, []results.PlannedScenario) {
	t.Helper()
	sel, err := featureset.Select([]string{admissions, banner}, "")
	require.NoError(t, err)
	plan, err := planned(sel)
	require.NoError(t, err)
	return sel, plan
}

func plannedIDs(ps []results.PlannedScenario) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

// Workers pick scenarios longest first across feature files, outline rows
// included, and the results are exactly those of a run in file order:
// same features, ids, names, lines, steps and statuses.
func TestOrderStartsLongestFirstAndLeavesResultsUnchanged(t *testing.T) {
	sel, plan := selectSchedule(t)
	assert.Equal(t, []string{admissions + ":8", admissions + ":18", admissions + ":19", admissions + ":22", banner + ":3", banner + ":8"}, plannedIDs(plan))

	r := New(config.Default())
	r.workers = 2
	ordered, err := r.order(sel, plan, history)
	require.NoError(t, err)
	longestFirst := []string{admissions + ":19", banner + ":8", admissions + ":22", banner + ":3", admissions + ":8", admissions + ":18"}
	ordPlan, err := planned(ordered)
	require.NoError(t, err)
	assert.Equal(t, longestFirst, plannedIDs(ordPlan), "the plan of the ordered selection names the real files")

	// One worker: Godog starts the scenarios exactly in the handed order.
	got, started := runGodog(t, ordered, 1)
	assert.Equal(t, longestFirst, started)
	want, startedInFileOrder := runGodog(t, sel, 1)
	assert.Equal(t, plannedIDs(plan), startedInFileOrder)
	assert.Equal(t, resultsJSON(t, want), resultsJSON(t, got), "ordering changes nothing in the results")
	assert.Len(t, got.Features, 2)
	assert.Equal(t, "Admissions", got.Features[0].Name)
	assert.Equal(t, []string{"@ward"}, got.Features[0].Tags)
	assert.Empty(t, got.NotRun())

	// Two workers: every scenario still runs once, with the same results.
	got2, started2 := runGodog(t, ordered, 2)
	assert.ElementsMatch(t, longestFirst, started2)
	assert.Equal(t, resultsJSON(t, want), resultsJSON(t, got2))

	// One worker, or no durations at all, keeps the files as they are.
	same, err := r.order(sel, plan, nil)
	require.NoError(t, err)
	assert.Same(t, sel, same)
	r.workers = 1
	same, err = r.order(sel, plan, history)
	require.NoError(t, err)
	assert.Same(t, sel, same)
}

// resultsJSON is the run as results.json holds it, without times.
func resultsJSON(t *testing.T, run *results.Run) string {
	t.Helper()
	data, err := json.Marshal(run)
	require.NoError(t, err)
	var cp results.Run
	require.NoError(t, json.Unmarshal(data, &cp))
	for _, f := range cp.Features {
		for _, s := range f.Scenarios {
			s.StartedAt, s.Duration, s.Phases = time.Time{}, 0, nil
			for _, st := range s.Steps {
				st.Duration = 0
			}
		}
	}
	cp.Phases = nil
	data, err = json.MarshalIndent(cp, "", " ")
	require.NoError(t, err)
	return string(data)
}

// The evidence folder of a scenario handed to Godog as "f.feature#12" is
// the real feature's.
func TestEvidenceDirOfAnOrderedScenarioIsTheFeaturesFolder(t *testing.T) {
	sel, plan := selectSchedule(t)
	cfg := config.Default()
	cfg.Out = "out"
	r := New(cfg)
	r.workers = 2
	ordered, err := r.order(sel, plan, history)
	require.NoError(t, err)
	r.col = newCollector(&results.Run{}, time.Now)
	r.col.alias(ordered)
	p := &godog.Scenario{Uri: featureset.VirtualPath(banner, 8), Name: "Show the alerts"}
	dir := r.evidenceDir(p, &record{sc: &results.Scenario{Line: 8}, attempt: 1})
	assert.Equal(t, filepath.Join("out", "banner", "show-the-alerts-L8"), dir)
}

func TestShardCutsTheSelectionAndWritesThePlan(t *testing.T) {
	for _, c := range []struct {
		name  string
		known schedule.Durations
	}{{"by durations", history}, {"by count", nil}} {
		t.Run(c.name, func(t *testing.T) {
			var union []string
			var plans [][]byte
			for i := 1; i <= 3; i++ {
				sel, plan := selectSchedule(t)
				cfg := config.Default()
				cfg.Out = t.TempDir()
				cfg.Shard = fmt.Sprintf("%d/3", i)
				var stderr bytes.Buffer
				r := New(cfg, WithOutput(&bytes.Buffer{}, &stderr))
				cut, cutPlan, err := r.shard(sel, plan, c.known)
				require.NoError(t, err)
				want, err := schedule.Shard(plan, c.known, i, 3)
				require.NoError(t, err)
				assert.Equal(t, plannedIDs(want), plannedIDs(cutPlan), "shard %d/3", i)
				require.NotNil(t, cut)
				assert.Equal(t, len(want), cut.Scenarios)
				union = append(union, plannedIDs(cutPlan)...)
				assert.Contains(t, stderr.String(), fmt.Sprintf("shard %d/3: %d of the 6 selected scenario(s)", i, len(want)))

				data, err := os.ReadFile(filepath.Join(cfg.Out, ShardPlanFile))
				require.NoError(t, err)
				var sp ShardPlan
				require.NoError(t, json.Unmarshal(data, &sp))
				assert.Equal(t, fmt.Sprintf("%d/3", i), sp.Shard)
				require.Len(t, sp.Plan, 6)
				for j, s := range sp.Plan {
					assert.Equal(t, plan[j], s.PlannedScenario, "the plan file lists the whole selection in plan order")
					assert.Equal(t, slices.Contains(plannedIDs(want), s.ID), s.Share == i, s.ID)
				}
				var shares []int
				for _, s := range sp.Plan {
					shares = append(shares, s.Share)
				}
				plans = append(plans, mustJSON(t, shares))
			}
			assert.ElementsMatch(t, []string{admissions + ":8", admissions + ":18", admissions + ":19", admissions + ":22", banner + ":3", banner + ":8"}, union,
				"the shares are disjoint and together the whole selection")
			assert.Equal(t, plans[0], plans[1], "every shard writes the same plan")
			assert.Equal(t, plans[0], plans[2])
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	data, err := json.Marshal(v)
	require.NoError(t, err)
	return data
}

func TestShardPlanOfAnEarlierRunIsRemovedAndEmptySharesAreNil(t *testing.T) {
	sel, plan := selectSchedule(t)
	cfg := config.Default()
	cfg.Out = t.TempDir()
	stale := filepath.Join(cfg.Out, ShardPlanFile)
	require.NoError(t, os.WriteFile(stale, []byte("{}"), 0o644))
	got, gotPlan, err := New(cfg).shard(sel, plan, nil)
	require.NoError(t, err)
	assert.Same(t, sel, got, "not sharded: the selection stands")
	assert.Equal(t, plan, gotPlan)
	assert.NoFileExists(t, stale)

	cfg.Shard = "7/7"
	got, gotPlan, err = New(cfg, WithOutput(&bytes.Buffer{}, &bytes.Buffer{})).shard(sel, plan, nil)
	require.NoError(t, err)
	assert.Nil(t, got)
	assert.Empty(t, gotPlan)
	assert.FileExists(t, stale, "an empty shard still writes the plan, for merge")
}

// A shard that gets no scenario is a successful run of nothing: no
// browser or backend starts, and its results.json says which shard it was.
func TestEmptyShardRunsNothingAndPasses(t *testing.T) {
	cfg := config.Default()
	cfg.Paths = []string{banner}
	cfg.Out = t.TempDir()
	cfg.Shard = "3/3"
	cfg.Workers = 1
	var stderr bytes.Buffer
	started := false
	st := &durationStore{d: map[string]time.Duration{banner + ":3": time.Second}}
	r := New(cfg, WithOutput(&bytes.Buffer{}, &stderr), WithTarget(refepr.New()), WithStore(st),
		WithSteps(func(*godog.ScenarioContext) {}),
		WithBackend(func(context.Context, string) (backend.Backend, error) {
			started = true
			return nil, fmt.Errorf("no backend in this test")
		}))
	out := r.Run(context.Background())
	require.NoError(t, out.Err)
	assert.Equal(t, exitcode.Pass, out.Code)
	assert.False(t, started, "no backend starts")
	assert.Equal(t, 1, st.asked, "the shares are balanced by the store's durations")
	assert.Zero(t, st.writes, "a shard records nothing in the store: merge records the shards as one run")
	assert.Contains(t, stderr.String(), "shard 3/3 got none of the 2 selected scenario(s)")
	data, err := os.ReadFile(filepath.Join(cfg.Out, "results.json"))
	require.NoError(t, err)
	var run results.Run
	require.NoError(t, json.Unmarshal(data, &run))
	assert.Equal(t, "3/3", run.Shard)
	assert.Empty(t, run.Planned)
	assert.False(t, run.Unfinished())
	assert.FileExists(t, filepath.Join(cfg.Out, ShardPlanFile))
	assert.FileExists(t, filepath.Join(cfg.Out, "report.html"))
}

func TestCoresWarning(t *testing.T) {
	assert.Empty(t, coresWarning(2, 2))
	assert.Empty(t, coresWarning(1, 8))
	w := coresWarning(4, 2)
	assert.Contains(t, w, "4 workers")
	assert.Contains(t, w, "2 CPU core(s)")
	assert.Contains(t, w, "the run goes on")
}

// durationStore answers Durations and counts writes; every other method
// of store.Store panics (nil embedded interface).
type durationStore struct {
	store.Store
	d      map[string]time.Duration
	err    error
	asked  int
	writes int
}

func (s *durationStore) Durations(_ context.Context, window int) (map[string]time.Duration, error) {
	s.asked++
	if window != durationWindow {
		return nil, fmt.Errorf("window %d", window)
	}
	return s.d, s.err
}
func (s *durationStore) Begin(context.Context, *results.Run) error  { s.writes++; return nil }
func (s *durationStore) Finish(context.Context, *results.Run) error { s.writes++; return nil }
func (s *durationStore) Record(context.Context, string, *results.Feature, *results.Scenario, string) error {
	s.writes++
	return nil
}
func (s *durationStore) History(context.Context, string, string, int) ([]results.HistoryPoint, error) {
	return nil, nil
}

func TestDurationsComeFromTheStoreAndAFailureIsAWarning(t *testing.T) {
	var stderr bytes.Buffer
	st := &durationStore{d: map[string]time.Duration{"f.feature:3": time.Second}}
	cfg := config.Default()
	assert.Nil(t, New(cfg, WithStore(st)).durations(context.Background()), "one worker, no shard: nothing to schedule")
	assert.Zero(t, st.asked, "and the store is not asked")
	cfg.Workers = 2
	r := New(cfg, WithStore(st), WithOutput(&bytes.Buffer{}, &stderr))
	assert.Equal(t, schedule.Durations{"f.feature:3": time.Second}, r.durations(context.Background()))
	st.err = fmt.Errorf("database is locked")
	assert.Nil(t, r.durations(context.Background()))
	assert.Contains(t, stderr.String(), "warning: read scenario durations from the results store: database is locked (scheduling by count)")
	assert.Nil(t, New(config.Default()).durations(context.Background()), "no store, no durations")
}
