//go:build e2e

package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cucumber/godog"
	"github.com/mxschmitt/playwright-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/backend"
	"github.com/eprharness/eprharness/harness/backend/embedded"
	"github.com/eprharness/eprharness/harness/browser"
	"github.com/eprharness/eprharness/harness/config"
	"github.com/eprharness/eprharness/harness/exitcode"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/scenario"
	"github.com/eprharness/eprharness/harness/store"
	refepradapter "github.com/eprharness/eprharness/harness/target/refepr"
)

// Fault injection: the browser or the page process dies in the middle of a
// scenario. The verdicts must blame the harness (never the EPR), the run
// must start a new browser and go on, and a retry must rerun the crashed
// scenario.

// crashFeature has a scenario before and after the one whose browser (or
// page) dies, so the test sees that the run goes on normally.
const crashFeature = `Feature: Crashes in the middle of a ward round

  Scenario: Ward list before the crash
    When I open the ward list
    Then I see "Ward list"

  Scenario: The ward list is open when the %[1]s crashes
    When I open the ward list
    And the %[1]s crashes
    Then I see "Ward list"

  Scenario: Ward list after the crash
    When I open the ward list
    Then I see "Ward list"

  Scenario: Ward list once more
    When I open the ward list
    Then I see "Ward list"
`

const crashedScenario = "The ward list is open when the %s crashes"

// crashSteps registers the ward steps of retry_e2e_test.go and the
// test-only crash steps. crashes counts the crashes injected; with once
// set, only the first attempt crashes (so a retry passes).
type crashSteps struct {
	once    bool
	crashes atomic.Int32
}

// crash is a step that crashes the scenario's page or browser with fn
// (once per run when c.once is set).
func (c *crashSteps) crash(fn func(playwright.Page) error) func(context.Context) error {
	return func(ctx context.Context) error {
		s, err := scenario.From(ctx)
		if err != nil {
			return err
		}
		if c.once && c.crashes.Load() > 0 {
			return nil
		}
		c.crashes.Add(1)
		return fn(s.UI.Page)
	}
}

func (c *crashSteps) register(sc *godog.ScenarioContext) {
	registerWardSteps(sc)
	sc.Step(`^the browser crashes$`, c.crash(crashBrowser))
	sc.Step(`^the page crashes$`, c.crash(crashPage))
}

// crashBrowser sends CDP Browser.crash through a browser CDP session and
// returns once the browser is gone. The step itself succeeds: the next
// step meets the dead browser, as a real crash would.
func crashBrowser(page playwright.Page) error {
	br := page.Context().Browser()
	if br == nil {
		return errors.New("inject a browser crash: the page has no browser")
	}
	gone := make(chan struct{})
	var once sync.Once
	br.OnDisconnected(func(playwright.Browser) { once.Do(func() { close(gone) }) })
	cdp, err := br.NewBrowserCDPSession()
	if err != nil {
		return fmt.Errorf("inject a browser crash: open a browser CDP session: %w", err)
	}
	sent := make(chan struct{})
	go func() {
		_, _ = cdp.Send("Browser.crash", nil) // no answer: the browser dies
		close(sent)
	}()
	select {
	case <-gone:
	case <-sent:
	case <-time.After(20 * time.Second):
		return errors.New("inject a browser crash: the browser did not crash within 20s")
	}
	return nil
}

// crashPage sends CDP Page.crash through the page's CDP session and
// returns once Playwright saw the page crash.
func crashPage(page playwright.Page) error {
	crashed := make(chan struct{})
	var once sync.Once
	page.OnCrash(func(playwright.Page) { once.Do(func() { close(crashed) }) })
	cdp, err := page.Context().NewCDPSession(page)
	if err != nil {
		return fmt.Errorf("inject a page crash: open a page CDP session: %w", err)
	}
	go func() { _, _ = cdp.Send("Page.crash", nil) }() // no answer: the renderer dies
	select {
	case <-crashed:
	case <-time.After(20 * time.Second):
		return errors.New("inject a page crash: the page did not crash within 20s")
	}
	return nil
}

type crashRun struct {
	out    Outcome
	stderr string
	st     store.Store
	byName map[string]*results.Scenario
}

// runCrashes runs crashFeature for what ("browser" or "page") on the
// embedded backend with a SQLite store.
func runCrashes(t *testing.T, what string, retries int, steps *crashSteps) crashRun {
	t.Helper()
	if _, err := os.Stat("/usr/bin/chromium"); err != nil && os.Getenv("EPRHARNESS_REQUIRE_BROWSER") == "1" {
		t.Fatalf("Chromium is required (EPRHARNESS_REQUIRE_BROWSER=1): %v", err)
	}
	dir := t.TempDir()
	features := filepath.Join(dir, "features")
	require.NoError(t, os.MkdirAll(features, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(features, "crashes.feature"), fmt.Appendf(nil, crashFeature, what), 0o644))

	st, err := store.Open(context.Background(), filepath.Join(dir, "store", "results.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })

	cfg := config.Default()
	cfg.Paths = []string{features}
	cfg.Out = filepath.Join(dir, "out")
	cfg.Retries = retries
	cfg.Timeout = 5 * time.Second
	cfg.Fixtures = filepath.Join(repoRootForTest(t), "fixtures")
	cfg.RequiredTags = nil

	app := &wardApp{n: -1} // always "Bay 3": no scenario here depends on it
	factory := func(ctx context.Context, runID string) (backend.Backend, error) {
		return embedded.Run(ctx, embedded.WithName("ward"), embedded.WithApp(func(context.Context) (embedded.App, error) { return app, nil }))
	}
	var stdout, stderr bytes.Buffer
	done := make(chan Outcome, 1)
	go func() {
		done <- New(cfg,
			WithBackend(factory),
			WithSteps(steps.register),
			WithTarget(refepradapter.New()),
			WithOutput(&stdout, &stderr),
			WithStore(st),
			WithVersion("test"),
		).Run(context.Background())
	}()
	var out Outcome
	select {
	case out = <-done:
	case <-time.After(3 * time.Minute):
		t.Fatalf("the run did not end within 3 minutes of a %s crash", what)
	}
	t.Logf("stderr:\n%s", stderr.String())
	var nf *browser.NotFoundError
	if errors.As(out.Err, &nf) && os.Getenv("EPRHARNESS_REQUIRE_BROWSER") != "1" {
		t.Skipf("SKIPPED: no Chromium (%v); set EPRHARNESS_REQUIRE_BROWSER=1 to make this a failure", out.Err)
	}
	require.NotNil(t, out.Run, "%v", out.Err)
	require.EqualValues(t, 1, steps.crashes.Load(), "the %s crash was injected once", what)
	byName := map[string]*results.Scenario{}
	for _, f := range out.Run.Features {
		for _, s := range f.Scenarios {
			byName[s.Name] = s
		}
	}
	require.Len(t, byName, 4, "every scenario has a result")
	return crashRun{out: out, stderr: stderr.String(), st: st, byName: byName}
}

// checkCrashVerdicts checks that the crashed scenario is a harness failure,
// in the results and in the store, and that every other scenario passed.
func checkCrashVerdicts(t *testing.T, r crashRun, what string) {
	t.Helper()
	name := fmt.Sprintf(crashedScenario, what)
	crashed := r.byName[name]
	require.NotNil(t, crashed)
	assert.Equal(t, results.Failed, crashed.Status)
	assert.Equal(t, results.KindHarness, crashed.FailureKind, "a %s crash is the harness's fault, never the EPR's: %s", what, crashed.Error)
	assert.NotEmpty(t, crashed.Error)
	for n, s := range r.byName {
		if n != name {
			assert.Equal(t, results.Passed, s.Status, "%s: after a %s crash the run goes on normally: %s", n, what, s.Error)
		}
	}
	assert.Equal(t, exitcode.Harness, r.out.Code, "a harness failure gives the harness's exit code; %v", r.out.Err)

	stored, err := r.st.Run(context.Background(), r.out.Run.ID)
	require.NoError(t, err)
	_, sc, ok := stored.Scenario(crashed.ID)
	require.True(t, ok, "the crashed scenario is in the store")
	assert.Equal(t, results.Failed, sc.Status)
	assert.Equal(t, results.KindHarness, sc.FailureKind)
	assert.Equal(t, r.out.Run.Counts(), stored.Counts(), "the store holds what results.json holds")
	assert.False(t, stored.Unfinished())
}

// TestBrowserCrashIsAHarnessFailureAndTheRunRecovers: Chromium dies under
// a scenario (CDP Browser.crash). That scenario is a harness failure, a new
// browser is launched, and the scenarios after it pass.
func TestBrowserCrashIsAHarnessFailureAndTheRunRecovers(t *testing.T) {
	r := runCrashes(t, "browser", 0, &crashSteps{})
	checkCrashVerdicts(t, r, "browser")
}

// TestBrowserCrashIsRetried: with --retries 1 the crashed scenario runs
// again in the new browser and passes, so it is flaky, not failed, and the
// failed attempt is kept as a harness failure.
func TestBrowserCrashIsRetried(t *testing.T) {
	r := runCrashes(t, "browser", 1, &crashSteps{once: true})
	crashed := r.byName[fmt.Sprintf(crashedScenario, "browser")]
	require.NotNil(t, crashed)
	assert.Equal(t, results.Flaky, crashed.Status, "retried after the crash, it passed: %s", crashed.Error)
	require.Len(t, crashed.Attempts, 1)
	assert.Equal(t, results.Failed, crashed.Attempts[0].Status)
	assert.Equal(t, results.KindHarness, crashed.Attempts[0].FailureKind, "the crashed attempt is the harness's fault: %s", crashed.Attempts[0].Error)
	for n, s := range r.byName {
		if s != crashed {
			assert.Equal(t, results.Passed, s.Status, "%s: %s", n, s.Error)
		}
	}
	assert.Equal(t, exitcode.Pass, r.out.Code, "flaky does not gate without --fail-on-flaky; %v", r.out.Err)

	stored, err := r.st.Run(context.Background(), r.out.Run.ID)
	require.NoError(t, err)
	_, sc, ok := stored.Scenario(crashed.ID)
	require.True(t, ok)
	assert.Equal(t, results.Flaky, sc.Status)
	require.Len(t, sc.Attempts, 1)
	assert.Equal(t, results.KindHarness, sc.Attempts[0].FailureKind)
}

// TestPageCrashIsAHarnessFailure: the page's renderer dies (CDP
// Page.crash, Chromium's "Target crashed"). That scenario is a harness
// failure and the scenarios after it pass.
func TestPageCrashIsAHarnessFailure(t *testing.T) {
	r := runCrashes(t, "page", 0, &crashSteps{})
	checkCrashVerdicts(t, r, "page")
}

// panickyBackend panics in its second Reset: a harness bug in the middle
// of preparing a scenario.
type panickyBackend struct {
	backend.Backend
	resets atomic.Int32
}

func (p *panickyBackend) Reset(ctx context.Context) error {
	if p.resets.Add(1) == 2 {
		panic("a bug in the harness")
	}
	return p.Backend.Reset(ctx)
}

// A panic while a scenario is prepared fails that scenario as the
// harness's fault, and the run goes on with the same backend: before, the
// backend was never given back, and the next scenario waited for ever.
func TestPanicWhilePreparingAScenarioDoesNotStarveTheRun(t *testing.T) {
	if _, err := os.Stat("/usr/bin/chromium"); err != nil && os.Getenv("EPRHARNESS_REQUIRE_BROWSER") == "1" {
		t.Fatalf("Chromium is required (EPRHARNESS_REQUIRE_BROWSER=1): %v", err)
	}
	dir := t.TempDir()
	features := filepath.Join(dir, "features")
	require.NoError(t, os.MkdirAll(features, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(features, "ward.feature"), []byte(`Feature: Ward list

  Scenario: First
    When I open the ward list
    Then I see "Ward list"

  Scenario: Second
    When I open the ward list
    Then I see "Ward list"

  Scenario: Third
    When I open the ward list
    Then I see "Ward list"
`), 0o644))
	cfg := config.Default()
	cfg.Paths = []string{features}
	cfg.Out = filepath.Join(dir, "out")
	cfg.Timeout = 5 * time.Second
	cfg.Fixtures = filepath.Join(repoRootForTest(t), "fixtures")
	cfg.RequiredTags = nil
	cfg.Store = "off"
	app := &wardApp{n: -1}
	factory := func(ctx context.Context, runID string) (backend.Backend, error) {
		be, err := embedded.Run(ctx, embedded.WithName("ward"), embedded.WithApp(func(context.Context) (embedded.App, error) { return app, nil }))
		return &panickyBackend{Backend: be}, err
	}
	var stdout, stderr bytes.Buffer
	done := make(chan Outcome, 1)
	go func() {
		done <- New(cfg, WithBackend(factory), WithSteps((&crashSteps{}).register), WithTarget(refepradapter.New()),
			WithOutput(&stdout, &stderr), WithVersion("test")).Run(context.Background())
	}()
	var out Outcome
	select {
	case out = <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("the run did not end: a scenario is waiting for a backend")
	}
	var nf *browser.NotFoundError
	if errors.As(out.Err, &nf) && os.Getenv("EPRHARNESS_REQUIRE_BROWSER") != "1" {
		t.Skipf("SKIPPED: no Chromium (%v)", out.Err)
	}
	require.NotNil(t, out.Run, "%v", out.Err)
	got := map[string]*results.Scenario{}
	for _, f := range out.Run.Features {
		for _, s := range f.Scenarios {
			got[s.Name] = s
		}
	}
	require.Len(t, got, 3, "stderr:\n%s", stderr.String())
	assert.Equal(t, results.Passed, got["First"].Status)
	assert.Equal(t, results.Failed, got["Second"].Status)
	assert.Equal(t, results.KindHarness, got["Second"].FailureKind, "a panic in the harness is never the EPR's fault")
	assert.Contains(t, got["Second"].Error, "a bug in the harness")
	assert.Equal(t, results.Passed, got["Third"].Status, "the backend was given back")
}
