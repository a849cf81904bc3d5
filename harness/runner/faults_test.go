package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/cucumber/godog"
	"github.com/mxschmitt/playwright-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/backend"
	"github.com/eprharness/eprharness/harness/config"
	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/featureset"
	"github.com/eprharness/eprharness/harness/fixtures"
	"github.com/eprharness/eprharness/harness/redact"
	"github.com/eprharness/eprharness/harness/results"
)

func TestWorkerCountNeverExceedsScenarios(t *testing.T) {
	assert.Equal(t, 1, workerCount(4, 1), "--workers 4 with one scenario starts one backend")
	assert.Equal(t, 3, workerCount(4, 3))
	assert.Equal(t, 4, workerCount(4, 104))
	assert.Equal(t, 1, workerCount(0, 10), "at least one worker")
	assert.Equal(t, 1, workerCount(2, 0))
}

func TestNoScenariosNamesThePathsOrTheTags(t *testing.T) {
	assert.EqualError(t, noScenarios([]string{"features/empty.feature"}, ""), "no scenarios in features/empty.feature")
	assert.EqualError(t, noScenarios([]string{"features/a.feature", "features/b"}, "  "), "no scenarios in features/a.feature, features/b")
	assert.EqualError(t, noScenarios([]string{"features"}, "@smoke and not @slow"), `no scenario in features matches the tag expression "@smoke and not @slow"`)
}

func TestInterruptText(t *testing.T) {
	// The causes signal.NotifyContext gives.
	assert.Equal(t, "interrupted by SIGINT", interruptText(errors.New("interrupt signal received")))
	assert.Equal(t, "interrupted by SIGTERM", interruptText(errors.New("terminated signal received")))
	assert.Equal(t, "interrupted", interruptText(context.Canceled))
	assert.Equal(t, "interrupted", interruptText(nil))
	assert.Equal(t, "interrupted: deadline", interruptText(errors.New("deadline")))
}

// writeFeature writes a feature file under dir and returns its path.
func writeFeature(t *testing.T, dir, name, src string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(src), 0o644))
	return filepath.ToSlash(p)
}

func TestPlannedListsEverySelectedScenarioWithTheCollectorsIDs(t *testing.T) {
	dir := t.TempDir()
	banner := writeFeature(t, dir, "features/banner.feature", feature)
	other := writeFeature(t, dir, "features/other.feature", `Feature: Other
  Rule: Only one
    @slow
    Scenario: Slow one
      Then a step

    Scenario: Quick one
      Then a step
`)
	sel, err := featureset.Select([]string{filepath.Join(dir, "features")}, "not @slow")
	require.NoError(t, err)
	plan, err := planned(sel)
	require.NoError(t, err)
	assert.Equal(t, []results.PlannedScenario{
		{ID: banner + ":7", Name: "Plain", Feature: banner, Tags: []string{"@banner", "@smoke"}},
		{ID: banner + ":16", Name: "Outline 1", Feature: banner, Tags: []string{"@banner"}},
		{ID: banner + ":17", Name: "Outline 2", Feature: banner, Tags: []string{"@banner"}},
		{ID: other + ":7", Name: "Quick one", Feature: other},
	}, plan, "one per example row, in run order, with its tags (inherited ones too); the tag filter's leftovers are not planned")
	assert.Len(t, plan, sel.Scenarios)

	// The ids are the collector's, so a finished scenario ticks off its plan.
	doc, pickles := parse(t)
	c := newCollector(&results.Run{}, (&fakeClock{}).now)
	c.addDoc("features/banner.feature", doc)
	for i, p := range pickles {
		assert.Equal(t, "features/banner.feature"+plan[i].ID[len(banner):], c.start(p).sc.ID)
	}

	// A FILE:LINE selection plans that row only.
	sel, err = featureset.Select([]string{banner + ":17"}, "")
	require.NoError(t, err)
	plan, err = planned(sel)
	require.NoError(t, err)
	assert.Equal(t, []results.PlannedScenario{{ID: banner + ":17", Name: "Outline 2", Feature: banner, Tags: []string{"@banner"}}}, plan)
}

func TestInterruptedScenarioIsNeitherFailedNorBlamed(t *testing.T) {
	doc, pickles := parse(t)
	run := &results.Run{}
	c := newCollector(run, (&fakeClock{}).now)
	c.addDoc("features/banner.feature", doc)
	var settled []results.Status
	c.finished = func(_ *results.Feature, sc *results.Scenario) { settled = append(settled, sc.Status) }

	// In flight: the interrupt closed the browser under its step.
	inFlight := c.start(pickles[0])
	closed := fmt.Errorf("click Search: %w", playwright.ErrTargetClosed)
	c.stepDone(inFlight, pickles[0].Steps[0], godog.StepPassed, nil)
	c.stepDone(inFlight, pickles[0].Steps[1], godog.StepFailed, closed)
	inFlight.interrupted = "interrupted by SIGINT"
	c.finish("features/banner.feature", inFlight, closed)
	assert.Equal(t, results.Interrupted, inFlight.sc.Status)
	assert.Equal(t, results.KindNone, inFlight.sc.FailureKind, "an interrupt is no one's fault")
	assert.Equal(t, "interrupted by SIGINT", inFlight.sc.Error)

	// Not started: left out, so the plan shows it as never run.
	later := c.start(pickles[1])
	later.skipped, later.notRun = true, true
	c.finish("features/banner.feature", later, godog.ErrSkip)

	require.Len(t, run.Features, 1)
	require.Len(t, run.Features[0].Scenarios, 1)
	assert.Equal(t, []results.Status{results.Interrupted}, settled)
	assert.Empty(t, c.retryable(), "an interrupted scenario is not retried")
}

func TestInterruptedRetryLeavesTheEarlierAttempt(t *testing.T) {
	doc, pickles := parse(t)
	run := &results.Run{}
	c := newCollector(run, (&fakeClock{}).now)
	c.addDoc("features/banner.feature", doc)
	runPickle(c, pickles[0], true)
	retry := c.start(pickles[0])
	retry.interrupted = "interrupted by SIGTERM"
	c.finish("features/banner.feature", retry, context.Canceled)
	sc := run.Features[0].Scenarios[0]
	assert.Equal(t, results.Failed, sc.Status)
	assert.Equal(t, results.KindAssertion, sc.FailureKind)
}

// fakeBackend is a backend whose liveness a test sets.
type fakeBackend struct {
	url        string
	dead       error
	terminated atomic.Bool
}

func (f *fakeBackend) BaseURL() string                 { return f.url }
func (f *fakeBackend) Reset(context.Context) error     { return nil }
func (f *fakeBackend) Terminate(context.Context) error { f.terminated.Store(true); return nil }
func (f *fakeBackend) Describe() results.Target {
	return results.Target{Backend: "fake", BaseURL: f.url}
}
func (f *fakeBackend) Alive(context.Context) error { return f.dead }

var _ backend.Prober = (*fakeBackend)(nil)

func newTestRunner(t *testing.T, factory BackendFactory) (*Runner, *bytes.Buffer) {
	t.Helper()
	var stderr bytes.Buffer
	r := New(config.Default(), WithBackend(factory), WithOutput(&bytes.Buffer{}, &stderr))
	r.ctx = context.Background()
	r.col = newCollector(&results.Run{ID: "run-1"}, (&fakeClock{}).now)
	return r, &stderr
}

func TestExplainBlamesWhatDied(t *testing.T) {
	_, pickles := parse(t)
	timeout := fmt.Errorf("expected the banner to show POND, Amy: %w", playwright.ErrTimeout)

	t.Run("a dead EPR container is a backend fault", func(t *testing.T) {
		r, _ := newTestRunner(t, nil)
		rec := r.col.start(pickles[0])
		be := &fakeBackend{url: "http://127.0.0.1:1", dead: errors.New("the EPR container exited (code 137)")}
		rec.backend = be
		err := r.explain(context.Background(), rec, timeout)
		assert.Equal(t, results.KindBackend, failure.Classify(err))
		assert.Equal(t, "the EPR container exited (code 137) during "+rec.sc.ID+": "+timeout.Error(), err.Error())
		assert.Equal(t, be.dead, rec.backendDead)
	})
	t.Run("a live backend leaves the verdict alone", func(t *testing.T) {
		r, _ := newTestRunner(t, nil)
		rec := r.col.start(pickles[0])
		rec.backend = &fakeBackend{}
		err := r.explain(context.Background(), rec, timeout)
		assert.Equal(t, results.KindTimeout, failure.Classify(err))
		assert.Nil(t, rec.backendDead)
	})
	t.Run("a crashed page is a harness fault", func(t *testing.T) {
		r, _ := newTestRunner(t, nil)
		rec := r.col.start(pickles[0])
		rec.backend = &fakeBackend{}
		rec.pageCrashed.Store(true)
		err := r.explain(context.Background(), rec, timeout)
		assert.Equal(t, results.KindHarness, failure.Classify(err))
		assert.Contains(t, err.Error(), "the page's renderer process crashed during "+rec.sc.ID)
	})
	t.Run("an interrupt blames no one", func(t *testing.T) {
		r, _ := newTestRunner(t, nil)
		r.interruptedBy.Store("interrupted by SIGINT")
		r.interrupted.Store(true)
		rec := r.col.start(pickles[0])
		rec.backend = &fakeBackend{dead: errors.New("the EPR container exited (code 137)")}
		_ = r.explain(context.Background(), rec, fmt.Errorf("click: %w", playwright.ErrTargetClosed))
		assert.Equal(t, "interrupted by SIGINT", rec.interrupted)
		assert.Nil(t, rec.backendDead, "nothing is replaced once the run is interrupted")
	})
}

func TestDeadBackendIsReplaced(t *testing.T) {
	next := &fakeBackend{url: "http://127.0.0.1:2"}
	started := 0
	r, stderr := newTestRunner(t, func(ctx context.Context, runID string) (backend.Backend, error) {
		started++
		assert.Equal(t, "run-1", runID)
		return next, nil
	})
	dead := &fakeBackend{url: "http://127.0.0.1:1"}
	r.backends = []backend.Backend{dead}
	got := r.replaceBackend(dead, errors.New("the EPR container exited (code 137)"))
	assert.Same(t, next, got)
	assert.Equal(t, 1, started)
	assert.True(t, dead.terminated.Load(), "the dead backend's containers are removed")
	assert.Equal(t, []backend.Backend{next}, r.backends, "the new backend is released with the others at the end")
	assert.Contains(t, stderr.String(), "the EPR container exited (code 137); starting a new backend for this worker")
}

func TestBackendThatCannotBeReplacedFailsTheWorkersScenariosAtOnce(t *testing.T) {
	partial := &fakeBackend{}
	r, stderr := newTestRunner(t, func(context.Context, string) (backend.Backend, error) {
		return partial, errors.New("run docker: create network: no space")
	})
	dead := &fakeBackend{url: "http://127.0.0.1:1"}
	r.backends = []backend.Backend{dead}
	got := r.replaceBackend(dead, errors.New("the EPR container exited (code 137)"))
	err := got.Reset(context.Background())
	require.Error(t, err)
	assert.Equal(t, results.KindBackend, failure.Classify(err))
	assert.Contains(t, err.Error(), "the EPR container exited (code 137), and a new backend did not start: run docker: create network: no space")
	assert.Equal(t, []backend.Backend{partial}, r.backends, "a partial backend is still terminated at the end")
	assert.Contains(t, stderr.String(), "the rest of this worker's scenarios fail as backend failures")
}

func TestNothingIsReplacedAfterAnInterrupt(t *testing.T) {
	r, _ := newTestRunner(t, func(context.Context, string) (backend.Backend, error) {
		t.Fatal("no backend may start after an interrupt")
		return nil, nil
	})
	r.interrupted.Store(true)
	dead := &fakeBackend{}
	assert.Same(t, dead, r.replaceBackend(dead, errors.New("gone")))
}

func TestErrorTextsCarryNoSecrets(t *testing.T) {
	t.Setenv("EPRHARNESS_FIXTURE_TOKEN", "tok-3f9a77c2")
	t.Setenv("EPRHARNESS_FIXTURE_PASSWORD", "")
	lib, err := fixtures.Open(filepath.Join(repoRoot(t), "fixtures"))
	require.NoError(t, err)
	secret := secrets(lib)
	assert.Contains(t, secret, "clinician-pass", "fixture users' passwords are secrets")
	assert.Contains(t, secret, "tok-3f9a77c2", "so is the fixture token from the environment")
	assert.NotContains(t, secret, "", "an unset variable is no secret")

	doc, pickles := parse(t)
	c := newCollector(&results.Run{}, (&fakeClock{}).now)
	c.addDoc("features/banner.feature", doc)
	c.redact = redact.New(secret...).String
	rec := c.start(pickles[0])
	leak := errors.New(`fill "Password" with "clinician-pass": Authorization: Bearer tok-3f9a77c2`)
	c.stepDone(rec, pickles[0].Steps[0], godog.StepFailed, leak)
	c.finish("features/banner.feature", rec, leak)
	for _, text := range []string{rec.sc.Error, rec.sc.Steps[0].Error} {
		assert.NotContains(t, text, "clinician-pass")
		assert.NotContains(t, text, "tok-3f9a77c2")
		assert.Contains(t, text, redact.Mask)
	}
}

func repoRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	require.NoError(t, err)
	return filepath.Join(wd, "..", "..")
}

// A request aborted because the machine's network changed is the
// environment's fault, seen in the step's error or in a failed request of
// the scenario's pages, whatever the step then failed on.
func TestNetworkChangeIsNotTheEPRs(t *testing.T) {
	_, pickles := parse(t)
	for _, c := range []struct {
		name    string
		err     error
		watched bool
	}{
		{"in the step's error", fmt.Errorf("open sign-in page: Frame.Goto /login: %w", errors.New("net::ERR_NETWORK_CHANGED at http://localhost:32789/login")), false},
		{"seen by the page", fmt.Errorf("expected the banner to show POND, Amy: %w", playwright.ErrTimeout), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, _ := newTestRunner(t, nil)
			rec := r.col.start(pickles[0])
			rec.backend = &fakeBackend{}
			rec.networkChanged.Store(c.watched)
			err := r.explain(context.Background(), rec, c.err)
			assert.Equal(t, results.KindHarness, failure.Classify(err))
			assert.Contains(t, err.Error(), "this machine's network changed during "+rec.sc.ID)
			assert.True(t, rec.networkChanged.Load())
		})
	}
	r, _ := newTestRunner(t, nil)
	rec := r.col.start(pickles[0])
	rec.backend = &fakeBackend{}
	err := r.explain(context.Background(), rec, errors.New("expected 999 000 0018"))
	assert.Equal(t, results.KindAssertion, failure.Classify(err), "an assertion stays the EPR's")
	assert.False(t, rec.networkChanged.Load())
}
