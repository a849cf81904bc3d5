package scenario

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/eprharness/eprharness/harness/fixtures"
	"github.com/eprharness/eprharness/harness/results"
)

// Phases adds up where one scenario's time goes, by phase name (the
// results.Phase* names: reset, context, fixtures, sign-in, steps,
// evidence, teardown). The runner creates one per scenario attempt, times
// its own hooks into it and hands it to the steps as State.Phases, so step
// code attributes the sign-ins and fixture loads it does (State.Timed)
// without knowing the runner.
//
// Time timed while a step runs (between StepStarted and StepEnded) is
// remembered apart, so that List reports the steps' own time without it.
// Timed sections may nest: the inner section's time goes to its phase and
// not to the outer one's. All methods are safe for concurrent use and
// every method of a nil *Phases does nothing, so steps run outside the
// runner (unit tests) need no recorder.
type Phases struct {
	mu     sync.Mutex
	now    func() time.Time
	totals map[string]time.Duration
	seen   []string // phase names in the order first timed
	// open are the timed sections not yet done, innermost last; each
	// holds the time its nested sections took.
	open   []*section
	inStep bool
	// inSteps is the time timed while a step ran, nested sections
	// counted once.
	inSteps time.Duration
}

type section struct {
	nested time.Duration
}

// NewPhases returns an empty recorder reading the time from now
// (time.Now when nil).
func NewPhases(now func() time.Time) *Phases {
	if now == nil {
		now = time.Now
	}
	return &Phases{now: now, totals: map[string]time.Duration{}}
}

// Start begins timing a section of phase name; the returned function ends
// it (calling it again does nothing). Nil-safe.
func (p *Phases) Start(name string) (done func()) {
	if p == nil {
		return func() {}
	}
	p.mu.Lock()
	s := &section{}
	p.open = append(p.open, s)
	started := p.now()
	p.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			p.mu.Lock()
			defer p.mu.Unlock()
			took := p.now().Sub(started)
			if i := slices.Index(p.open, s); i >= 0 {
				p.open = slices.Delete(p.open, i, i+1)
				if i > 0 {
					p.open[i-1].nested += took
				}
			}
			if took < 0 {
				took = 0
			}
			outermost := len(p.open) == 0
			p.add(name, max(took-s.nested, 0))
			if p.inStep && outermost {
				p.inSteps += took
			}
		})
	}
}

// Add records d against phase name directly. Nil-safe.
func (p *Phases) Add(name string, d time.Duration) {
	if p == nil || d <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.add(name, d)
}

// add sums d into name; p.mu is held.
func (p *Phases) add(name string, d time.Duration) {
	if _, ok := p.totals[name]; !ok {
		p.seen = append(p.seen, name)
	}
	p.totals[name] += d
}

// StepStarted and StepEnded bracket a step: what is timed in between is
// part of the step's own duration, which List takes it out of.
func (p *Phases) StepStarted() {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.inStep = true
	p.mu.Unlock()
}

// StepEnded ends the bracket StepStarted began.
func (p *Phases) StepEnded() {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.inStep = false
	p.mu.Unlock()
}

// order is the order List reports the scenario phases in.
var order = []string{
	results.PhaseReset, results.PhaseContext, results.PhaseFixtures, results.PhaseSignIn,
	results.PhaseSteps, results.PhaseA11y, results.PhaseEvidence, results.PhaseTeardown,
}

// List returns the phases with time in them, steps included: steps is the
// steps' total duration (results.Step.Duration summed), from which the time
// timed inside steps (sign-ins, fixture loads) is taken out. Known phases
// come in the order of a scenario (reset, context, fixtures, sign-in,
// steps, evidence, teardown), others after them in the order first timed;
// each phase once, zero phases left out. Sections still open are not
// counted. Nil-safe (a nil recorder lists only the steps).
func (p *Phases) List(steps time.Duration) []results.Phase {
	totals := map[string]time.Duration{}
	var seen []string
	var inSteps time.Duration
	if p != nil {
		p.mu.Lock()
		for k, v := range p.totals {
			totals[k] = v
		}
		seen = slices.Clone(p.seen)
		inSteps = p.inSteps
		p.mu.Unlock()
	}
	if _, ok := totals[results.PhaseSteps]; !ok {
		seen = append(seen, results.PhaseSteps)
	}
	totals[results.PhaseSteps] += max(steps-inSteps, 0)
	var out []results.Phase
	for _, name := range order {
		if d := totals[name]; d > 0 {
			out = append(out, results.Phase{Name: name, Duration: d})
		}
	}
	for _, name := range seen {
		if slices.Contains(order, name) {
			continue
		}
		if d := totals[name]; d > 0 {
			out = append(out, results.Phase{Name: name, Duration: d})
		}
	}
	return out
}

// Timed begins timing a section of the scenario's time as phase (a
// results.Phase* name, e.g. results.PhaseSignIn); the returned function
// ends it:
//
//	defer s.Timed(results.PhaseSignIn)()
//
// Nil-safe: without a State or a recorder it times nothing.
func (s *State) Timed(phase string) (done func()) {
	if s == nil {
		return func() {}
	}
	return s.Phases.Start(phase)
}

// TimedLoader returns l with every Load timed as phase fixtures on p (l
// itself when p is nil), so fixture patients loaded by the runner's hooks
// and by steps calling State.Loader directly are all counted.
func TimedLoader(l fixtures.Loader, p *Phases) fixtures.Loader {
	if p == nil || l == nil {
		return l
	}
	return timedLoader{l: l, p: p}
}

type timedLoader struct {
	l fixtures.Loader
	p *Phases
}

func (t timedLoader) Load(ctx context.Context, pt fixtures.Patient) error {
	defer t.p.Start(results.PhaseFixtures)()
	return t.l.Load(ctx, pt)
}
