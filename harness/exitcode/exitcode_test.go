package exitcode

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/eprharness/eprharness/harness/results"
)

func run(kinds ...results.FailureKind) *results.Run {
	f := &results.Feature{}
	f.Scenarios = append(f.Scenarios, &results.Scenario{Status: results.Passed})
	for _, k := range kinds {
		f.Scenarios = append(f.Scenarios, &results.Scenario{Status: results.Failed, FailureKind: k})
	}
	start := time.Date(2026, time.June, 1, 9, 0, 0, 0, time.UTC)
	return &results.Run{StartedAt: start, FinishedAt: start.Add(time.Minute), Features: []*results.Feature{f}}
}

func TestForRun(t *testing.T) {
	assert.Equal(t, Pass, ForRun(run()))
	assert.Equal(t, Failures, ForRun(run(results.KindAssertion)))
	assert.Equal(t, Failures, ForRun(run(results.KindTimeout, results.KindAssertion)))
	assert.Equal(t, Backend, ForRun(run(results.KindAssertion, results.KindBackend)))
	assert.Equal(t, Harness, ForRun(run(results.KindBackend, results.KindHarness, results.KindAssertion)))

	skipped := run()
	skipped.Features[0].Scenarios = append(skipped.Features[0].Scenarios, &results.Scenario{Status: results.Skipped})
	assert.Equal(t, Pass, ForRun(skipped), "a skipped scenario does not fail the run")

	undefined := run()
	undefined.Features[0].Scenarios = append(undefined.Features[0].Scenarios, &results.Scenario{Status: results.Undefined, FailureKind: results.KindHarness})
	assert.Equal(t, Harness, ForRun(undefined))

	interrupted := run(results.KindAssertion)
	interrupted.Interrupted = true
	assert.Equal(t, Interrupted, ForRun(interrupted))
}

func TestCodesAreStable(t *testing.T) {
	// Pipelines depend on these numbers: changing one is a breaking change.
	assert.Equal(t, 0, int(Pass))
	assert.Equal(t, 1, int(Failures))
	assert.Equal(t, 2, int(Usage))
	assert.Equal(t, 3, int(Harness))
	assert.Equal(t, 4, int(Backend))
	assert.Equal(t, 130, int(Interrupted))
	for _, c := range []Code{Pass, Failures, Usage, Harness, Backend, Interrupted} {
		assert.NotEqual(t, "unknown", c.String())
	}
}

func TestQuarantinedScenariosNeverGate(t *testing.T) {
	r := run()
	r.Features[0].Scenarios = append(r.Features[0].Scenarios,
		&results.Scenario{Status: results.Failed, FailureKind: results.KindHarness, Quarantined: true},
		&results.Scenario{Status: results.Flaky, Quarantined: true})
	r.FailOnFlaky = true
	assert.Equal(t, Pass, ForRun(r), "quarantined failures and flakes are reported, never gating")

	r.Features[0].Scenarios = append(r.Features[0].Scenarios, &results.Scenario{Status: results.Failed, FailureKind: results.KindAssertion})
	assert.Equal(t, Failures, ForRun(r), "the other scenarios still gate")
}

func TestFlakyGatesOnlyWhenAsked(t *testing.T) {
	r := run()
	r.Features[0].Scenarios = append(r.Features[0].Scenarios, &results.Scenario{Status: results.Flaky})
	assert.Equal(t, Pass, ForRun(r), "flaky does not fail the run by default")
	r.FailOnFlaky = true
	assert.Equal(t, Failures, ForRun(r), "--fail-on-flaky")
}

func TestUnfinishedRunIsInterrupted(t *testing.T) {
	killed := run()
	killed.FinishedAt = time.Time{}
	assert.Equal(t, Interrupted, ForRun(killed), "a run that never recorded its end is never green")

	killed = run(results.KindHarness)
	killed.FinishedAt = time.Time{}
	assert.Equal(t, Interrupted, ForRun(killed), "unfinished outranks every fault: the run is not complete")
}

func TestInterruptedScenarioIsNotAFailure(t *testing.T) {
	r := run()
	r.Features[0].Scenarios = append(r.Features[0].Scenarios,
		&results.Scenario{Status: results.Interrupted, FailureKind: results.KindHarness})
	assert.Equal(t, Interrupted, ForRun(r), "a finished run holding an interrupted scenario did not test it")
	assert.Empty(t, r.Failures(), "an interrupted scenario is not a failure of the EPR")
	assert.Len(t, r.InterruptedScenarios(), 1)
}

func TestPlannedButNotRunLeavesTheCodeToTheRun(t *testing.T) {
	// A finished, uninterrupted run with scenarios of its plan missing
	// (say, its backend never started for them) has failures that say
	// why; the exit code comes from those, not from the plan.
	r := run(results.KindBackend)
	r.Planned = []results.PlannedScenario{{ID: "features/a.feature:3"}}
	assert.Equal(t, Backend, ForRun(r))
}
