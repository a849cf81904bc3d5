package scenario

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/fixtures"
	"github.com/eprharness/eprharness/harness/results"
)

// manualClock moves only when told to.
type manualClock struct{ t time.Time }

func (c *manualClock) now() time.Time { return c.t }
func (c *manualClock) tick(ms int)    { c.t = c.t.Add(time.Duration(ms) * time.Millisecond) }
func ph(name string, ms int) results.Phase {
	return results.Phase{Name: name, Duration: time.Duration(ms) * time.Millisecond}
}
func newPhases() (*Phases, *manualClock) {
	c := &manualClock{t: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)}
	return NewPhases(c.now), c
}

func TestPhasesSumsAndOrders(t *testing.T) {
	p, c := newPhases()
	// Out of order and twice: listed once each, in a scenario's order.
	done := p.Start(results.PhaseTeardown)
	c.tick(30)
	done()
	done() // a second call changes nothing
	done = p.Start(results.PhaseReset)
	c.tick(40)
	done()
	done = p.Start(results.PhaseReset)
	c.tick(10)
	done()
	p.Add("warm-up", 5*time.Millisecond)
	p.Add(results.PhaseEvidence, 0) // zero phases are left out
	assert.Equal(t, []results.Phase{ph("reset", 50), ph("steps", 700), ph("teardown", 30), ph("warm-up", 5)}, p.List(700*time.Millisecond))
}

// Sign-ins and fixture loads inside steps come out of the steps' time;
// those in hooks (outside steps) do not.
func TestPhasesTakeTimedSectionsOutOfSteps(t *testing.T) {
	p, c := newPhases()
	done := p.Start(results.PhaseFixtures) // an @patient tag, before the steps
	c.tick(100)
	done()

	p.StepStarted()
	done = p.Start(results.PhaseSignIn)
	c.tick(800)
	done()
	p.StepEnded()

	p.StepStarted()
	done = p.Start(results.PhaseFixtures)
	c.tick(120)
	done()
	p.StepEnded()

	// The steps took 800 + 120 + 500 ms by their own clocks.
	assert.Equal(t, []results.Phase{ph("fixtures", 220), ph("sign-in", 800), ph("steps", 500)}, p.List(1420*time.Millisecond))
}

// A section inside another goes to its own phase only; the outer one
// keeps the rest, and the steps lose the outer section's whole time once.
func TestPhasesNest(t *testing.T) {
	p, c := newPhases()
	p.StepStarted()
	outer := p.Start(results.PhaseSignIn)
	c.tick(100)
	inner := p.Start(results.PhaseContext) // a second window opened to sign in
	c.tick(300)
	inner()
	c.tick(200)
	outer()
	p.StepEnded()
	assert.Equal(t, []results.Phase{ph("context", 300), ph("sign-in", 300), ph("steps", 50)}, p.List(650*time.Millisecond))
}

func TestPhasesOpenSectionsAndShortSteps(t *testing.T) {
	p, c := newPhases()
	p.StepStarted()
	done := p.Start(results.PhaseSignIn)
	c.tick(100)
	done()
	_ = p.Start(results.PhaseEvidence) // never done: not counted
	c.tick(100)
	// Steps measured as shorter than what was timed inside them (clock
	// skew) give no negative phase.
	assert.Equal(t, []results.Phase{ph("sign-in", 100)}, p.List(50*time.Millisecond))
}

func TestNilPhasesAndState(t *testing.T) {
	var p *Phases
	p.Start(results.PhaseSignIn)()
	p.Add(results.PhaseReset, time.Second)
	p.StepStarted()
	p.StepEnded()
	assert.Equal(t, []results.Phase{ph("steps", 10)}, p.List(10*time.Millisecond))
	assert.Nil(t, p.List(0))

	var s *State
	s.Timed(results.PhaseSignIn)()
	(&State{}).Timed(results.PhaseSignIn)()

	l := fixtures.None()
	assert.Equal(t, l, TimedLoader(l, nil), "nothing to time into: the loader as it is")
}

type slowLoader struct {
	c   *manualClock
	err error
}

func (l slowLoader) Load(context.Context, fixtures.Patient) error {
	l.c.tick(250)
	return l.err
}

func TestStateTimedAndTimedLoader(t *testing.T) {
	p, c := newPhases()
	s := &State{Phases: p}
	p.StepStarted()
	done := s.Timed(results.PhaseSignIn)
	c.tick(400)
	done()
	l := TimedLoader(slowLoader{c: c}, p)
	require.NoError(t, l.Load(context.Background(), fixtures.Patient{}))
	bad := errors.New("EPR refused the bundle")
	assert.ErrorIs(t, TimedLoader(slowLoader{c: c, err: bad}, p).Load(context.Background(), fixtures.Patient{}), bad)
	p.StepEnded()
	assert.Equal(t, []results.Phase{ph("fixtures", 500), ph("sign-in", 400), ph("steps", 100)}, p.List(time.Second))
}
