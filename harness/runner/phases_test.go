package runner

import (
	"bytes"
	"testing"
	"time"

	"github.com/cucumber/godog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/config"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/results/resultstest"
)

// stepClock moves only when told to.
type stepClock struct{ t time.Time }

func (c *stepClock) now() time.Time { return c.t }
func (c *stepClock) tick(ms int)    { c.t = c.t.Add(time.Duration(ms) * time.Millisecond) }

func phase(name string, ms int) results.Phase {
	return results.Phase{Name: name, Duration: time.Duration(ms) * time.Millisecond}
}

// The collector turns what a scenario's hooks and steps timed into its
// Phases: sign-in taken out of the steps, and the run's first step counted
// once, from the command's start.
func TestCollectorRecordsPhases(t *testing.T) {
	doc, pickles := parse(t)
	clock := &stepClock{t: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)}
	run := &results.Run{StartedAt: clock.t}
	c := newCollector(run, clock.now)
	c.startedAt = clock.t.Add(-2 * time.Second) // the command started before Run
	c.addDoc("features/banner.feature", doc)

	from := clock.now()
	clock.tick(1500)
	c.runPhase(results.PhaseBrowser, from)
	from = clock.now()
	clock.tick(700)
	c.runPhase(results.PhaseBackends, from)

	r := c.start(pickles[0])
	require.NoError(t, timed(r.phases, results.PhaseReset, func() error { clock.tick(40); return nil }))
	done := r.phases.Start(results.PhaseContext)
	clock.tick(60)
	done()
	for i, st := range pickles[0].Steps {
		c.stepStarted(r)
		if i == 0 { // the background step signs in
			done := r.phases.Start(results.PhaseSignIn)
			clock.tick(900)
			done()
		}
		clock.tick(100)
		c.stepDone(r, st, godog.StepPassed, nil)
	}
	teardown := r.phases.Start(results.PhaseTeardown)
	clock.tick(25)
	teardown()
	c.finish("features/banner.feature", r, nil)

	assert.Equal(t, []results.Phase{phase("reset", 40), phase("context", 60), phase("sign-in", 900), phase("steps", 300), phase("teardown", 25)}, r.sc.Phases)
	assert.Equal(t, []results.Phase{phase("browser", 1500), phase("backends", 700), phase("first-step", 2000+1500+700+40+60)}, run.Phases)

	// A later scenario's first step is not the run's.
	r2 := c.start(pickles[1])
	c.stepStarted(r2)
	c.stepDone(r2, pickles[1].Steps[0], godog.StepPassed, nil)
	assert.Len(t, run.Phases, 3)
}

// Without WithStartedAt, first-step counts from the run's start.
func TestFirstStepFromRunStart(t *testing.T) {
	_, pickles := parse(t)
	clock := &stepClock{t: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)}
	run := &results.Run{StartedAt: clock.t}
	c := newCollector(run, clock.now)
	clock.tick(3000)
	c.stepStarted(c.start(pickles[0]))
	assert.Equal(t, []results.Phase{phase("first-step", 3000)}, run.Phases)
	c.stepStarted(nil) // a step outside the runner's hooks: nothing
}

func TestWithStartedAt(t *testing.T) {
	at := time.Date(2026, 6, 1, 8, 59, 58, 0, time.UTC)
	r := New(config.Default(), WithStartedAt(at))
	assert.Equal(t, at, r.opts.startedAt)
}

// --profile prints the profile after the summary.
func TestProfilePrinted(t *testing.T) {
	var stderr bytes.Buffer
	r := New(config.Default(), WithOutput(&bytes.Buffer{}, &stderr))
	r.profile(resultstest.Phased())
	assert.Contains(t, stderr.String(), "where the time went in run run-20260601T090000Z")
	assert.Contains(t, stderr.String(), "first step after 5.1s")
}
