package runner

import (
	"fmt"
	"time"

	"github.com/eprharness/eprharness/harness/report/profile"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/scenario"
)

// Where the time goes: each scenario attempt's record holds a
// scenario.Phases that the hooks time into (reset, context, evidence,
// teardown), the fixture loader is wrapped to time every load
// (scenario.TimedLoader), and the steps time their sign-ins through
// scenario.State.Timed; collector.finish turns it into
// results.Scenario.Phases. The run's own phases (browser, backends,
// first-step) go to results.Run.Phases.

// WithStartedAt sets when the command started, from which the run's
// first-step phase (results.PhaseFirstStep) is counted. Default: when Run
// is called.
func WithStartedAt(t time.Time) Option { return func(o *options) { o.startedAt = t } }

// timed runs fn as a section of phase name on p.
func timed(p *scenario.Phases, name string, fn func() error) error {
	defer p.Start(name)()
	return fn()
}

// profile prints where the run's time went (--profile) after its summary.
func (r *Runner) profile(run *results.Run) {
	fmt.Fprintln(r.opts.stderr)
	if err := profile.Write(r.opts.stderr, run, profile.Config{}); err != nil {
		fmt.Fprintf(r.opts.stderr, "eprharness: profile: %v\n", err)
	}
}
