package runner

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	gherkin "github.com/cucumber/gherkin/go/v42"
	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"
	"github.com/mxschmitt/playwright-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/results"
)

const feature = `@banner
Feature: Banner
  Background:
    Given a background step

  @smoke
  Scenario: Plain
    When a step
    Then another step

  Scenario Outline: Outline <n>
    Then row <n>

    Examples:
      | n |
      | 1 |
      | 2 |
`

// fakeClock advances one second per reading, so durations are exact.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time {
	c.t = c.t.Add(time.Second)
	return c.t
}

func parse(t *testing.T) (*messages.GherkinDocument, []*messages.Pickle) {
	t.Helper()
	ids := (&messages.Incrementing{}).NewId
	doc, err := gherkin.ParseGherkinDocument(strings.NewReader(feature), ids)
	require.NoError(t, err)
	return doc, gherkin.Pickles(*doc, "features/banner.feature", ids)
}

func TestCollectorMapsPicklesToLinesAndKeywords(t *testing.T) {
	doc, pickles := parse(t)
	run := &results.Run{}
	clock := &fakeClock{t: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)}
	c := newCollector(run, clock.now)
	(&docFormatter{c: c}).Feature(doc, "features/banner.feature", nil)

	require.Len(t, pickles, 3)
	plain := c.start(pickles[0])
	assert.Equal(t, "features/banner.feature:7", plain.sc.ID)
	assert.Equal(t, "Scenario", plain.sc.Keyword)
	assert.Equal(t, []string{"@banner", "@smoke"}, plain.sc.Tags)
	require.Len(t, plain.sc.Steps, 3, "background steps are part of the scenario")
	assert.Equal(t, "Given ", plain.sc.Steps[0].Keyword)
	assert.Equal(t, 4, plain.sc.Steps[0].Line)
	assert.Equal(t, 9, plain.sc.Steps[2].Line)

	// Run it: two steps pass, the third fails an assertion.
	for i, st := range pickles[0].Steps {
		plain.stepStart = clock.now()
		status, err := godog.StepPassed, error(nil)
		if i == 2 {
			status, err = godog.StepFailed, errors.New("expected POND, Amy")
		}
		c.stepDone(plain, st, status, err)
	}
	c.finish("features/banner.feature", plain, errors.New("expected POND, Amy"))
	assert.Equal(t, results.Failed, plain.sc.Status)
	assert.Equal(t, results.KindAssertion, plain.sc.FailureKind)
	assert.Equal(t, time.Second, plain.sc.Steps[0].Duration)
	assert.Equal(t, "expected POND, Amy", plain.sc.FailedStep().Error)

	row := c.start(pickles[2])
	assert.Equal(t, "features/banner.feature:17", row.sc.ID, "an example row is identified by the row's line")
	assert.Equal(t, "Scenario Outline", row.sc.Keyword)

	require.Len(t, run.Features, 1)
	assert.Equal(t, "Banner", run.Features[0].Name)
	assert.Equal(t, []string{"@banner"}, run.Features[0].Tags)
	assert.Len(t, run.Features[0].Scenarios, 1)
}

func TestScenarioStatus(t *testing.T) {
	rec := func(statuses ...results.Status) *record {
		sc := &results.Scenario{}
		for _, s := range statuses {
			sc.Steps = append(sc.Steps, &results.Step{Status: s})
		}
		return &record{sc: sc}
	}
	assert.Equal(t, results.Passed, scenarioStatus(rec(results.Passed, results.Passed), nil))
	assert.Equal(t, results.Failed, scenarioStatus(rec(results.Passed, results.Failed, results.Skipped), errors.New("x")))
	assert.Equal(t, results.Undefined, scenarioStatus(rec(results.Passed, results.Undefined), fmt.Errorf("%w", godog.ErrUndefined)))
	assert.Equal(t, results.Skipped, scenarioStatus(rec(results.Skipped, results.Skipped), nil), "Godog reports no error for a scenario skipped by its hook")
	assert.Equal(t, results.Failed, scenarioStatus(rec(results.Passed), errors.New("after hook failed")))
	r := rec(results.Skipped)
	r.skipped = true
	assert.Equal(t, results.Skipped, scenarioStatus(r, nil))
}

func TestFailureKindsReachTheResults(t *testing.T) {
	doc, pickles := parse(t)
	for _, c := range []struct {
		err  error
		want results.FailureKind
	}{
		{fmt.Errorf("click Sign in: %w", playwright.ErrTimeout), results.KindTimeout},
		{fmt.Errorf("before scenario hook failed: %w", failure.Backend(errors.New("reset: connection refused"))), results.KindBackend},
		{fmt.Errorf("page: %w", playwright.ErrTargetClosed), results.KindHarness},
	} {
		col := newCollector(&results.Run{}, (&fakeClock{}).now)
		col.addDoc("features/banner.feature", doc)
		r := col.start(pickles[0])
		col.stepDone(r, pickles[0].Steps[0], godog.StepFailed, c.err)
		col.finish("features/banner.feature", r, c.err)
		assert.Equal(t, c.want, r.sc.FailureKind, c.err.Error())
		assert.NotContains(t, r.sc.Error, "before scenario hook failed", "Godog's wrapper is dropped from the message")
	}
}

func TestSlug(t *testing.T) {
	assert.Equal(t, "the-banner-identifies-the-patient", slug("The banner identifies the patient"))
	assert.Equal(t, "an-nhs-number-that-is-not-valid-is-refused-wrong-check-digit", slug("An NHS number that is not valid is refused (wrong check digit)"))
	assert.Equal(t, "scenario", slug("¿?"))
	assert.LessOrEqual(t, len(slug(strings.Repeat("long name ", 20))), 60)
}

// runPickle runs every step of p through the collector, failing the last
// one when fail is set, and finishes it.
func runPickle(c *collector, p *godog.Scenario, fail bool) *record {
	rec := c.start(p)
	var err error
	for i, st := range p.Steps {
		status, serr := godog.StepPassed, error(nil)
		if fail && i == len(p.Steps)-1 {
			status, serr = godog.StepFailed, errors.New("expected 999 000 0018")
			err = serr
		}
		c.stepDone(rec, st, status, serr)
	}
	c.finish(p.Uri, rec, err)
	return rec
}

func TestRetryThatPassesIsFlakyAndKeepsTheFailedAttempt(t *testing.T) {
	doc, pickles := parse(t)
	run := &results.Run{}
	clock := &fakeClock{t: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)}
	c := newCollector(run, clock.now)
	c.repro = func(s *results.Scenario) string { return "repro " + s.ID }
	var settled []string
	c.finished = func(f *results.Feature, sc *results.Scenario) { settled = append(settled, string(sc.Status)) }
	(&docFormatter{c: c}).Feature(doc, "features/banner.feature", nil)

	first := runPickle(c, pickles[0], true)
	assert.Equal(t, 1, first.attempt)
	assert.Equal(t, results.Failed, first.sc.Status)
	first.sc.Attachments = []results.Attachment{{Name: "screenshot", Path: "banner/plain-L7/attempt-1/screenshot.png"}}
	assert.Equal(t, []string{"features/banner.feature:7"}, c.retryable())

	second := runPickle(c, pickles[0], false)
	assert.Equal(t, 2, second.attempt, "the retry knows it is the second attempt")

	require.Len(t, run.Features, 1)
	require.Len(t, run.Features[0].Scenarios, 1, "the retry replaces the scenario, it is not added twice")
	sc := run.Features[0].Scenarios[0]
	assert.Equal(t, results.Flaky, sc.Status, "fail then pass is flaky, never passed")
	require.Len(t, sc.Attempts, 1)
	assert.Equal(t, results.Failed, sc.Attempts[0].Status)
	assert.Equal(t, results.KindAssertion, sc.Attempts[0].FailureKind)
	assert.Contains(t, sc.Attempts[0].Error, "expected 999 000 0018")
	assert.Equal(t, "banner/plain-L7/attempt-1/screenshot.png", sc.Attempts[0].Attachments[0].Path, "the failed attempt's evidence is kept")
	assert.Equal(t, "repro features/banner.feature:7", sc.Repro)
	assert.Empty(t, c.retryable(), "a flaky scenario is not retried again")
	assert.Equal(t, []string{"failed", "flaky"}, settled, "each attempt is handed to the store as it settles")
	assert.Equal(t, results.Counts{Scenarios: 1, Flaky: 1}, run.Counts())
}

func TestRetryThatFailsAgainStaysFailedWithAllAttempts(t *testing.T) {
	doc, pickles := parse(t)
	run := &results.Run{}
	clock := &fakeClock{t: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)}
	c := newCollector(run, clock.now)
	(&docFormatter{c: c}).Feature(doc, "features/banner.feature", nil)

	runPickle(c, pickles[1], true)
	runPickle(c, pickles[1], true)
	third := runPickle(c, pickles[1], true)
	assert.Equal(t, 3, third.attempt)
	sc := run.Features[0].Scenarios[0]
	assert.Equal(t, results.Failed, sc.Status)
	assert.Len(t, sc.Attempts, 2)
	assert.Equal(t, "features/banner.feature:16", sc.ID, "an example row is retried as itself")
}

func TestQuarantineTagIsRecorded(t *testing.T) {
	const src = `Feature: Q
  @quarantine
  Scenario: Known to fail
    Then a step
`
	ids := (&messages.Incrementing{}).NewId
	doc, err := gherkin.ParseGherkinDocument(strings.NewReader(src), ids)
	require.NoError(t, err)
	pickles := gherkin.Pickles(*doc, "features/q.feature", ids)
	run := &results.Run{}
	c := newCollector(run, (&fakeClock{}).now)
	(&docFormatter{c: c}).Feature(doc, "features/q.feature", nil)
	rec := runPickle(c, pickles[0], true)
	assert.True(t, rec.sc.Quarantined)
	assert.False(t, rec.sc.Gates())
}

// A scenario that failed because the machine's network changed is run
// again; passing then is passed, not flaky (nothing was learnt of the
// EPR), and the failed attempt is kept. After a real failure it is flaky.
func TestNetworkChangeRerunIsNotFlaky(t *testing.T) {
	doc, pickles := parse(t)
	networkErr := errors.New("this machine's network changed during features/banner.feature:7, and Chromium aborted the EPR's requests (net::ERR_NETWORK_CHANGED): open sign-in page: net::ERR_NETWORK_CHANGED at http://localhost:32789/login")
	attempt := func(c *collector, p *godog.Scenario, err error, network bool) *record {
		rec := c.start(p)
		rec.networkChanged.Store(network)
		for i, st := range p.Steps {
			status, serr := godog.StepPassed, error(nil)
			if err != nil && i == len(p.Steps)-1 {
				status, serr = godog.StepFailed, err
			}
			c.stepDone(rec, st, status, serr)
		}
		c.finish(p.Uri, rec, err)
		return rec
	}
	newC := func() *collector {
		c := newCollector(&results.Run{}, (&fakeClock{t: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)}).now)
		(&docFormatter{c: c}).Feature(doc, "features/banner.feature", nil)
		return c
	}

	c := newC()
	first := attempt(c, pickles[0], networkErr, true)
	assert.Equal(t, results.Failed, first.sc.Status)
	assert.Equal(t, results.KindHarness, first.sc.FailureKind, "never blamed on the EPR")
	assert.Equal(t, []string{"features/banner.feature:7"}, c.networkRetryable())
	second := attempt(c, pickles[0], nil, false)
	assert.Equal(t, results.Passed, second.sc.Status)
	require.Len(t, second.sc.Attempts, 1)
	assert.Equal(t, results.Failed, second.sc.Attempts[0].Status)
	assert.Empty(t, c.networkRetryable())

	// A real failure first, then the network, then a pass: flaky.
	c = newC()
	attempt(c, pickles[0], errors.New("expected 999 000 0018"), false)
	assert.Empty(t, c.networkRetryable(), "an assertion is not run again for the network")
	attempt(c, pickles[0], networkErr, true)
	last := attempt(c, pickles[0], nil, false)
	assert.Equal(t, results.Flaky, last.sc.Status)
}
