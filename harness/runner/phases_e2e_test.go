//go:build e2e

package runner

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
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
	"github.com/eprharness/eprharness/harness/fixtures"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/scenario"
	refepradapter "github.com/eprharness/eprharness/harness/target/refepr"
)

const phasesFeature = `Feature: Phases

  @patient:amy-pond
  Scenario: Signs in, loads a patient and passes
    Given I sign in to the ward list
    When a patient is loaded
    Then I see "Ward list"

  Scenario: Fails and keeps evidence
    When I open the ward list
    Then I see "Bay 9"
`

// countingLoader "loads" a patient by asking the EPR for its page, so the
// load takes real time.
type countingLoader struct {
	base  string
	loads *atomic.Int64
}

func (l countingLoader) Load(ctx context.Context, _ fixtures.Patient) error {
	l.loads.Add(1)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, l.base, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// TestPhasesRecorded runs real scenarios in Chromium and checks that each
// records where its time went (reset, context, fixtures from the @patient
// tag and from a step, sign-in timed by the step, steps, evidence of the
// failure, teardown), that the run records its browser, backends and time
// to the first step from WithStartedAt, and that --profile prints it.
func TestPhasesRecorded(t *testing.T) {
	if _, err := os.Stat("/usr/bin/chromium"); err != nil && os.Getenv("EPRHARNESS_REQUIRE_BROWSER") == "1" {
		t.Fatalf("Chromium is required (EPRHARNESS_REQUIRE_BROWSER=1): %v", err)
	}
	dir := t.TempDir()
	features := filepath.Join(dir, "features")
	require.NoError(t, os.MkdirAll(features, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(features, "phases.feature"), []byte(phasesFeature), 0o644))

	cfg := config.Default()
	cfg.Paths = []string{features}
	cfg.Out = filepath.Join(dir, "out")
	cfg.Timeout = 2 * time.Second
	cfg.Fixtures = filepath.Join(repoRootForTest(t), "fixtures")
	cfg.RequiredTags = nil
	cfg.Profile = true

	var loads atomic.Int64
	app := &wardApp{n: 1 << 30}
	factory := func(ctx context.Context, runID string) (backend.Backend, error) {
		return embedded.Run(ctx, embedded.WithName("ward"), embedded.WithApp(func(context.Context) (embedded.App, error) { return app, nil }))
	}
	steps := func(sc *godog.ScenarioContext) {
		registerWardSteps(sc)
		sc.Step(`^I sign in to the ward list$`, func(ctx context.Context) error {
			s, err := scenario.From(ctx)
			if err != nil {
				return err
			}
			defer s.Timed(results.PhaseSignIn)()
			_, err = s.UI.Page.Goto(s.BaseURL)
			return err
		})
		sc.Step(`^a patient is loaded$`, func(ctx context.Context) error {
			s, err := scenario.From(ctx)
			if err != nil {
				return err
			}
			p, err := s.Patient("Amy Pond")
			if err != nil {
				return err
			}
			return s.Loader.Load(ctx, p) // straight through the loader, as some steps do
		})
	}
	startedAt := time.Now().Add(-1500 * time.Millisecond) // the command started before Run
	var stdout, stderr bytes.Buffer
	out := New(cfg,
		WithBackend(factory),
		WithSteps(steps),
		WithTarget(refepradapter.New()),
		WithLoader(func(base string, _ *http.Client) fixtures.Loader { return countingLoader{base: base, loads: &loads} }),
		WithOutput(&stdout, &stderr),
		WithStartedAt(startedAt),
	).Run(context.Background())
	t.Logf("stderr:\n%s", stderr.String())
	var nf *browser.NotFoundError
	if errors.As(out.Err, &nf) && os.Getenv("EPRHARNESS_REQUIRE_BROWSER") != "1" {
		t.Skipf("SKIPPED: no Chromium (%v); set EPRHARNESS_REQUIRE_BROWSER=1 to make this a failure", out.Err)
	}
	require.NotNil(t, out.Run, "%v", out.Err)
	require.Equal(t, exitcode.Failures, out.Code, "%v", out.Err)
	assert.EqualValues(t, 2, loads.Load(), "the @patient tag and the step")

	var names []string
	for _, p := range out.Run.Phases {
		names = append(names, p.Name)
		assert.Positive(t, p.Duration, p.Name)
	}
	require.Equal(t, []string{"browser", "backends", "first-step"}, names)
	assert.GreaterOrEqual(t, out.Run.Phases[2].Duration, 1500*time.Millisecond+out.Run.Phases[0].Duration+out.Run.Phases[1].Duration,
		"the first step comes after the command's start, the browser and the backends")

	byName := map[string]*results.Scenario{}
	for _, f := range out.Run.Features {
		for _, s := range f.Scenarios {
			byName[s.Name] = s
		}
	}
	check := func(s *results.Scenario, want []string) map[string]time.Duration {
		t.Helper()
		got := map[string]time.Duration{}
		var order []string
		var sum time.Duration
		for _, p := range s.Phases {
			order = append(order, p.Name)
			got[p.Name] = p.Duration
			sum += p.Duration
			assert.Positive(t, p.Duration, "%s: %s", s.Name, p.Name)
		}
		assert.Equal(t, want, order, s.Name)
		assert.LessOrEqual(t, sum, s.Duration, "%s: the phases fit in the scenario", s.Name)
		return got
	}
	passed := byName["Signs in, loads a patient and passes"]
	require.NotNil(t, passed)
	assert.Equal(t, results.Passed, passed.Status)
	p := check(passed, []string{"reset", "context", "fixtures", "sign-in", "steps", "teardown"})
	var stepTime time.Duration
	for _, st := range passed.Steps {
		stepTime += st.Duration
	}
	assert.Less(t, p["steps"], stepTime, "sign-in and the step's fixture load are taken out of the steps")
	assert.LessOrEqual(t, p["sign-in"], passed.Steps[0].Duration)

	failed := byName["Fails and keeps evidence"]
	require.NotNil(t, failed)
	assert.Equal(t, results.Failed, failed.Status)
	check(failed, []string{"reset", "context", "steps", "evidence", "teardown"})

	assert.Contains(t, stderr.String(), "where the time went in run "+out.Run.ID)
	assert.Contains(t, stderr.String(), "first step after")
	assert.Contains(t, stderr.String(), "Fails and keeps evidence")
}
