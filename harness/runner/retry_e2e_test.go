//go:build e2e

package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cucumber/godog"
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

// wardApp is a one-page app: the ward list shows "Bay 3" once the app has
// been reset at least n times since it started (each scenario resets its
// backend), so a scenario that checks for "Bay 3" fails on its first
// attempt and passes on its retry.
type wardApp struct {
	mu     sync.Mutex
	resets int
	n      int
}

func (a *wardApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	ready := a.resets > a.n
	a.mu.Unlock()
	bay := "Bay 2"
	if ready {
		bay = "Bay 3"
	}
	fmt.Fprintf(w, "<!DOCTYPE html><html lang=en><head><title>Ward list</title></head><body><main><h1>Ward list</h1><p>%s</p></main></body></html>", bay)
}

func (a *wardApp) Reset(context.Context) error {
	a.mu.Lock()
	a.resets++
	a.mu.Unlock()
	return nil
}

func (a *wardApp) Close() error { return nil }

const retryFeature = `@retries
Feature: Retries

  Scenario: Ward list settles on its second attempt
    When I open the ward list
    Then I see "Bay 3"

  Scenario: Ward list never shows the missing bay
    When I open the ward list
    Then I see "Bay 9"

  @quarantine
  Scenario: Known broken and quarantined
    When I open the ward list
    Then I see "Bay 7"

  Scenario: Ward list opens
    When I open the ward list
    Then I see "Ward list"
`

func registerWardSteps(sc *godog.ScenarioContext) {
	sc.Step(`^I open the ward list$`, func(ctx context.Context) error {
		s, err := scenario.From(ctx)
		if err != nil {
			return err
		}
		_, err = s.UI.Page.Goto(s.BaseURL)
		return err
	})
	sc.Step(`^I see "([^"]*)"$`, func(ctx context.Context, text string) error {
		s, err := scenario.From(ctx)
		if err != nil {
			return err
		}
		return s.UI.Expect.Locator(s.UI.Page.GetByText(text)).ToBeVisible()
	})
}

// TestRetriesReportFlakyHonestly runs real scenarios in Chromium with
// retries and a SQLite results store: the scenario that fails and then
// passes is flaky (with its failed attempt's screenshot kept), the one that
// always fails is failed with every attempt, the quarantined failure does
// not gate, and every scenario is in the store.
func TestRetriesReportFlakyHonestly(t *testing.T) {
	if _, err := os.Stat("/usr/bin/chromium"); err != nil && os.Getenv("EPRHARNESS_REQUIRE_BROWSER") == "1" {
		t.Fatalf("Chromium is required (EPRHARNESS_REQUIRE_BROWSER=1): %v", err)
	}
	dir := t.TempDir()
	features := filepath.Join(dir, "features")
	require.NoError(t, os.MkdirAll(features, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(features, "retries.feature"), []byte(retryFeature), 0o644))

	st, err := store.Open(context.Background(), filepath.Join(dir, "store", "results.db"))
	require.NoError(t, err)
	defer st.Close()

	cfg := config.Default()
	cfg.Paths = []string{features}
	cfg.Out = filepath.Join(dir, "out")
	cfg.Retries = 2
	cfg.Timeout = 2 * time.Second
	cfg.Fixtures = filepath.Join(repoRootForTest(t), "fixtures")
	cfg.RequiredTags = nil

	// The first scenario's first attempt happens on the first reset of
	// the only worker's backend; "Bay 3" appears from the second reset.
	app := &wardApp{n: 1}
	factory := func(ctx context.Context, runID string) (backend.Backend, error) {
		return embedded.Run(ctx, embedded.WithName("ward"), embedded.WithApp(func(context.Context) (embedded.App, error) { return app, nil }))
	}
	var stdout, stderr bytes.Buffer
	out := New(cfg,
		WithBackend(factory),
		WithSteps(registerWardSteps),
		WithTarget(refepradapter.New()),
		WithOutput(&stdout, &stderr),
		WithStore(st),
		WithVersion("test"),
	).Run(context.Background())
	t.Logf("stderr:\n%s", stderr.String())
	var nf *browser.NotFoundError
	if errors.As(out.Err, &nf) && os.Getenv("EPRHARNESS_REQUIRE_BROWSER") != "1" {
		t.Skipf("SKIPPED: no Chromium (%v); set EPRHARNESS_REQUIRE_BROWSER=1 to make this a failure", out.Err)
	}
	require.NotNil(t, out.Run, "%v", out.Err)
	require.Equal(t, exitcode.Failures, out.Code, "the scenario that always fails gates; %v", out.Err)

	byName := map[string]*results.Scenario{}
	for _, f := range out.Run.Features {
		for _, s := range f.Scenarios {
			byName[s.Name] = s
		}
	}
	require.Len(t, byName, 4)

	flaky := byName["Ward list settles on its second attempt"]
	assert.Equal(t, results.Flaky, flaky.Status)
	require.Len(t, flaky.Attempts, 1)
	assert.Equal(t, results.Failed, flaky.Attempts[0].Status)
	shot, ok := attachmentNamed(flaky.Attempts[0].Attachments, "screenshot")
	require.True(t, ok, "the failed attempt's screenshot is kept")
	assert.Contains(t, shot.Path, "attempt-1/")
	assert.FileExists(t, filepath.Join(cfg.Out, filepath.FromSlash(shot.Path)))
	_, ok = attachmentNamed(flaky.Attempts[0].Attachments, "trace")
	assert.True(t, ok, "the failed attempt's trace is kept")
	assert.Contains(t, flaky.Repro, "--trace always")

	broken := byName["Ward list never shows the missing bay"]
	assert.Equal(t, results.Failed, broken.Status)
	assert.Len(t, broken.Attempts, 2, "retried twice, failing every time")
	assert.Contains(t, broken.Repro, "retries.feature:8")

	q := byName["Known broken and quarantined"]
	assert.Equal(t, results.Failed, q.Status)
	assert.True(t, q.Quarantined)
	assert.Equal(t, results.Passed, byName["Ward list opens"].Status)
	assert.Contains(t, stderr.String(), "FLAKY")
	assert.Contains(t, stderr.String(), "QUARANTINED")

	// The store holds the same run, attachments in its artifacts folder.
	stored, err := st.Run(context.Background(), out.Run.ID)
	require.NoError(t, err)
	_, sflaky, ok := stored.Scenario(flaky.ID)
	require.True(t, ok)
	assert.Equal(t, results.Flaky, sflaky.Status)
	require.Len(t, sflaky.Attempts, 1)
	sshot, ok := attachmentNamed(sflaky.Attempts[0].Attachments, "screenshot")
	require.True(t, ok)
	assert.FileExists(t, filepath.Join(st.Artifacts(), filepath.FromSlash(sshot.Path)))
	assert.False(t, stored.FinishedAt.IsZero())
	for _, name := range []string{"results.json", "junit.xml", "cucumber.json", "report.html"} {
		assert.FileExists(t, filepath.Join(cfg.Out, name))
	}

	// Without the always-failing scenario, flaky passes the gate unless
	// --fail-on-flaky.
	cfg.Paths = []string{filepath.Join(features, "retries.feature") + ":4"}
	for _, failOnFlaky := range []bool{false, true} {
		app.mu.Lock()
		app.resets, app.n = 0, 1
		app.mu.Unlock()
		cfg.FailOnFlaky = failOnFlaky
		out := New(cfg, WithBackend(factory), WithSteps(registerWardSteps), WithTarget(refepradapter.New()),
			WithOutput(&stdout, &stderr)).Run(context.Background())
		require.NotNil(t, out.Run)
		assert.Equal(t, 1, out.Run.Counts().Flaky)
		want := exitcode.Pass
		if failOnFlaky {
			want = exitcode.Failures
		}
		assert.Equal(t, want, out.Code, "fail-on-flaky=%v", failOnFlaky)
	}
}

func attachmentNamed(atts []results.Attachment, name string) (results.Attachment, bool) {
	for _, a := range atts {
		if a.Name == name {
			return a, true
		}
	}
	return results.Attachment{}, false
}

func repoRootForTest(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	require.NoError(t, err)
	return filepath.Join(wd, "..", "..")
}
