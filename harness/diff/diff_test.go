package diff

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/exitcode"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/results/resultstest"
)

// Scenario ids of resultstest.Sample.
const (
	nhsSearch    = "features/patient_search.feature:12" // failed, assertion
	nameSearch   = "features/patient_search.feature:20" // passed
	malformed32  = "features/patient_search.feature:32" // passed
	malformed33  = "features/patient_search.feature:33" // passed
	repeatRx     = "features/medications.feature:5"     // failed, backend
	stopRx       = "features/medications.feature:11"    // undefined, harness
	allergyWarn  = "features/medications.feature:17"    // failed, quarantined
	cancelAppt   = "features/appointments.feature:5"    // failed, timeout
	bookFollowUp = "features/appointments.feature:11"   // skipped
	reschedule   = "features/appointments.feature:17"   // flaky
)

func scenario(t *testing.T, r *results.Run, id string) *results.Scenario {
	t.Helper()
	_, s, ok := r.Scenario(id)
	require.True(t, ok, id)
	return s
}

// pass makes s a plain pass, as a scenario with no failure looks.
func pass(s *results.Scenario) {
	s.Status, s.FailureKind, s.Error, s.Repro = results.Passed, results.KindNone, "", ""
	s.Attachments, s.Attempts = nil, nil
	for _, st := range s.Steps {
		st.Status, st.Error = results.Passed, ""
		if st.Duration == 0 {
			st.Duration = 500 * time.Millisecond
		}
	}
}

// fail makes s fail an assertion at step i (later steps skipped), with a
// screenshot and a repro line.
func fail(s *results.Scenario, i int, msg, shot string) {
	for j, st := range s.Steps {
		switch {
		case j < i:
			st.Status, st.Error = results.Passed, ""
		case j == i:
			st.Status, st.Error = results.Failed, msg
		default:
			st.Status, st.Error = results.Skipped, ""
		}
	}
	s.Status, s.FailureKind, s.Error = results.Failed, results.KindAssertion, msg
	s.Attempts = nil
	s.Attachments = []results.Attachment{
		{Name: "screenshot", MediaType: "image/png", Path: shot},
		{Name: "trace", MediaType: "application/zip", Path: "x/trace.zip"},
	}
	s.Repro = "eprharness run " + s.ID + " --headed --trace always --keep-backends"
}

func ids(es []Entry) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

// pair builds the baseline and candidate the golden files are written from:
// every category has at least one scenario.
func pair(t *testing.T) (base, cand *results.Run) {
	base, cand = resultstest.Sample(), resultstest.Sample()
	base.ID, cand.ID = "run-20260601T090000Z", "run-20260602T090000Z"
	cand.StartedAt = base.StartedAt.Add(24 * time.Hour)
	cand.Target.Version, cand.Commit = "2.4.0-rc1", "9c0ffee1234567890abcdef1234567890abcdef0"

	// Regression: passed, now fails its last step.
	fail(scenario(t, cand, nameSearch), 2, "expected 3 patients in the results\nbut the list showed 0",
		"patient-search/searching-by-name-lists-matching-patients-L20/screenshot.png")
	// Quarantined: passed in the baseline, fails (quarantined) now.
	pass(scenario(t, base, allergyWarn))
	// Fixed: timed out, now passes.
	pass(scenario(t, cand, cancelAppt))
	// Still failing, differently: undefined step, now an assertion on the
	// next step.
	fail(scenario(t, cand, stopRx), 2, "expected to be asked for a reason", "medications/stop-L11/screenshot.png")
	// Flaky: passed in the baseline, flaky now (it is flaky in Sample).
	pass(scenario(t, base, reschedule))
	// Slower: 2.2s -> 5.5s.
	scenario(t, cand, malformed32).Duration = 5500 * time.Millisecond
	// Renamed: line 33 moved to line 34 (removed + new).
	moved := scenario(t, cand, malformed33)
	moved.ID, moved.Line = "features/patient_search.feature:34", 34
	// New and failing: a regression too.
	meds := cand.Features[1]
	added := &results.Scenario{
		ID: "features/medications.feature:23", Keyword: "Scenario", Name: "Prescribing checks the dose range", Line: 23,
		StartedAt: cand.StartedAt, Duration: 3 * time.Second,
		Steps: []*results.Step{
			{Keyword: "Given ", Text: `I am logged in as "dr.jones"`, Line: 24},
			{Keyword: "Then ", Text: `prescribing "Paracetamol" 8 g daily is refused`, Line: 25},
		},
	}
	added.Status = results.Failed
	fail(added, 1, "expected the dose to be refused but it was accepted", "medications/dose-L23/screenshot.png")
	meds.Scenarios = append(meds.Scenarios, added)
	return base, cand
}

func TestCategories(t *testing.T) {
	base, cand := pair(t)
	d := Compare(base, cand)

	assert.Equal(t, []string{"features/medications.feature:23", nameSearch}, ids(d.Regressions))
	assert.Equal(t, []string{allergyWarn}, ids(d.Quarantined))
	assert.Equal(t, []string{cancelAppt}, ids(d.Fixed))
	assert.Equal(t, []string{cancelAppt, repeatRx, stopRx, nhsSearch}, append(ids(d.Fixed), ids(d.StillFailing)...))
	assert.Equal(t, []string{reschedule}, ids(d.Flaky))
	assert.Equal(t, []string{"features/medications.feature:23", "features/patient_search.feature:34"}, ids(d.New))
	assert.Equal(t, []string{malformed33}, ids(d.Removed))
	assert.Equal(t, []string{malformed32}, ids(d.Slower))
	assert.True(t, d.Gate())
	assert.Equal(t, exitcode.Failures, d.ExitCode())

	r := d.Regressions[1]
	require.NotNil(t, r.Base)
	assert.Equal(t, results.Passed, r.Base.Status)
	assert.Equal(t, results.Failed, r.Candidate.Status)
	assert.Equal(t, results.KindAssertion, r.Candidate.FailureKind)
	assert.Equal(t, "Then the results list 3 patients (line 23)", r.Candidate.FailedStep.String())
	assert.Equal(t, "expected 3 patients in the results", r.Candidate.ErrorLine())
	a, ok := r.Candidate.Screenshot()
	require.True(t, ok)
	assert.Equal(t, "patient-search/searching-by-name-lists-matching-patients-L20/screenshot.png", a.Path)
	assert.Contains(t, r.Repro, "eprharness run "+nameSearch)
	assert.Equal(t, "Patient search", r.Feature)

	assert.Nil(t, d.Regressions[0].Base, "a new scenario has no baseline side")
	assert.Nil(t, d.Removed[0].Candidate, "a removed scenario has no candidate side")

	byID := map[string]Entry{}
	for _, e := range d.StillFailing {
		byID[e.ID] = e
	}
	assert.Empty(t, byID[nhsSearch].Change, "failed the same way")
	assert.Empty(t, byID[repeatRx].Change)
	assert.Equal(t, `failing step When I stop the medication "Amoxicillin 500mg capsules" (line 13) -> Then I am asked for a reason (line 14); `+
		"status undefined -> failed; kind harness -> assertion; error changed", byID[stopRx].Change)

	s := d.Slower[0]
	was := scenario(t, base, malformed32).Duration
	assert.Equal(t, 2184*time.Millisecond, was)
	assert.InDelta(t, 5500.0/2184.0, s.Ratio, 0.0001)
	assert.Equal(t, 5500*time.Millisecond-was, s.Delta)
}

func TestSelfCompareIsClean(t *testing.T) {
	d := Compare(resultstest.Sample(), resultstest.Sample())
	assert.True(t, d.Clean())
	assert.False(t, d.Gate())
	assert.Equal(t, exitcode.Pass, d.ExitCode())
	for name, l := range map[string][]Entry{"regressions": d.Regressions, "quarantined": d.Quarantined, "fixed": d.Fixed,
		"new": d.New, "removed": d.Removed, "slower": d.Slower} {
		assert.Empty(t, l, name)
	}
	// What fails on both sides is still listed, unchanged.
	assert.Equal(t, []string{cancelAppt, repeatRx, stopRx, allergyWarn, nhsSearch}, ids(d.StillFailing))
	for _, e := range d.StillFailing {
		assert.Empty(t, e.Change, e.ID)
	}
	assert.Equal(t, []string{reschedule}, ids(d.Flaky), "flaky in the candidate is always listed")
}

func TestEmptyRuns(t *testing.T) {
	for name, d := range map[string]*Diff{
		"empty": Compare(&results.Run{}, &results.Run{}),
		"nil":   Compare(nil, nil),
	} {
		t.Run(name, func(t *testing.T) {
			assert.True(t, d.Clean())
			assert.False(t, d.Gate())
			assert.NotNil(t, d.Regressions, "lists are empty, not nil, so JSON has []")
			assert.NotNil(t, d.Slower)
		})
	}
}

func TestEverythingNewAgainstEmptyBase(t *testing.T) {
	d := Compare(&results.Run{}, resultstest.Sample())
	assert.Len(t, d.New, 10)
	assert.Equal(t, []string{cancelAppt, repeatRx, stopRx, nhsSearch}, ids(d.Regressions),
		"a new scenario that fails is a regression")
	assert.Equal(t, []string{allergyWarn}, ids(d.Quarantined), "a new quarantined failure does not gate")
	assert.True(t, d.Gate())
}

func TestEverythingRemoved(t *testing.T) {
	d := Compare(resultstest.Sample(), &results.Run{})
	assert.Len(t, d.Removed, 10)
	assert.False(t, d.Gate(), "removed scenarios are listed, never gating")
}

func TestRenamedScenarioIsRemovedAndNew(t *testing.T) {
	base, cand := resultstest.Sample(), resultstest.Sample()
	s := scenario(t, cand, nameSearch)
	s.ID, s.Line, s.Name = "features/patient_search.feature:21", 21, "Searching by surname lists matching patients"
	d := Compare(base, cand)
	assert.Equal(t, []string{nameSearch}, ids(d.Removed))
	assert.Equal(t, []string{"features/patient_search.feature:21"}, ids(d.New))
	assert.Equal(t, "Searching by surname lists matching patients", d.New[0].Name)
	assert.False(t, d.Gate(), "the renamed scenario passes")
}

func TestQuarantinedNewFailureNeverGates(t *testing.T) {
	base, cand := resultstest.Sample(), resultstest.Sample()
	pass(scenario(t, base, allergyWarn))
	d := Compare(base, cand)
	assert.Empty(t, d.Regressions)
	assert.Equal(t, []string{allergyWarn}, ids(d.Quarantined))
	assert.True(t, d.Quarantined[0].Candidate.Quarantined)
	assert.False(t, d.Gate())
}

func TestRegressionFromFlakyAndSkipped(t *testing.T) {
	base, cand := resultstest.Sample(), resultstest.Sample()
	fail(scenario(t, cand, reschedule), 1, "the diary did not open", "a.png")
	fail(scenario(t, cand, bookFollowUp), 0, "sign-in failed", "b.png")
	d := Compare(base, cand)
	assert.Equal(t, []string{bookFollowUp, reschedule}, ids(d.Regressions),
		"flaky then failed, and skipped then failed, are new failures")
	assert.Empty(t, d.Flaky)
}

func TestFixedIncludesFlakyPass(t *testing.T) {
	base, cand := resultstest.Sample(), resultstest.Sample()
	fail(scenario(t, base, reschedule), 2, "timeout", "a.png")
	d := Compare(base, cand)
	assert.Equal(t, []string{reschedule}, ids(d.Fixed), "failed, now passes on a retry")
	assert.Equal(t, []string{reschedule}, ids(d.Flaky), "and is flaky")
	assert.False(t, d.Gate())
}

func TestSlowerThresholds(t *testing.T) {
	mk := func(baseDur, candDur time.Duration, opts ...Option) []string {
		base, cand := resultstest.Sample(), resultstest.Sample()
		scenario(t, base, nameSearch).Duration = baseDur
		scenario(t, cand, nameSearch).Duration = candDur
		return ids(Compare(base, cand, opts...).Slower)
	}
	assert.Equal(t, []string{nameSearch}, mk(2*time.Second, 4*time.Second), "x2, +2s")
	assert.Equal(t, []string{nameSearch}, mk(4*time.Second, 6*time.Second), "exactly x1.5 and +2s")
	assert.Empty(t, mk(2*time.Second, 3800*time.Millisecond), "x1.9 but only +1.8s")
	assert.Empty(t, mk(10*time.Second, 14*time.Second), "+4s but only x1.4")
	assert.Empty(t, mk(4*time.Second, 3*time.Second), "faster")
	assert.Equal(t, []string{nameSearch}, mk(10*time.Second, 13*time.Second, WithSlowRatio(1.2), WithSlowMin(time.Second)))
	assert.Empty(t, mk(2*time.Second, 4*time.Second, WithSlowMin(3*time.Second)))

	// A failing side's duration (a timeout) says nothing about speed.
	base, cand := resultstest.Sample(), resultstest.Sample()
	scenario(t, cand, nhsSearch).Duration = time.Minute
	assert.Empty(t, Compare(base, cand).Slower)
}

func TestInterruptedCandidateGates(t *testing.T) {
	base, cand := resultstest.Sample(), resultstest.Sample()
	cand.Interrupted = true
	cand.Features = cand.Features[:1]
	d := Compare(base, cand)
	assert.Empty(t, d.Regressions)
	assert.Len(t, d.Removed, 6, "no plan recorded: absent scenarios are removed, as before plans were kept")
	assert.True(t, d.Gate(), "untested scenarios cannot pass the gate")
	assert.Contains(t, d.Summary(), "interrupted")
}

// green is Sample with every scenario passed, as a last-green baseline.
func green() *results.Run {
	base := resultstest.Sample()
	base.ID = "run-green"
	for _, f := range base.Features {
		for _, s := range f.Scenarios {
			pass(s)
		}
	}
	return base
}

func TestKilledCandidateFailsTheGate(t *testing.T) {
	// kill -9 after 2 of 4 planned scenarios: it once passed as "Gate:
	// PASS" with the 2 untested scenarios only "Removed".
	d := Compare(green(), resultstest.Killed())
	assert.True(t, d.Gate())
	assert.Equal(t, exitcode.Failures, d.ExitCode())
	assert.Empty(t, d.Regressions)
	assert.True(t, d.Candidate.Unfinished)
	assert.Equal(t, 4, d.Candidate.Planned)
	assert.Equal(t, "candidate run run-20260601T100000Z is unfinished: it never recorded its end; 2 of 4 planned scenarios never ran", d.Incomplete)
	assert.Equal(t, []string{repeatRx, stopRx}, ids(d.NotRun), "planned, never run: not run, never removed")
	for _, e := range d.NotRun {
		assert.NotNil(t, e.Base)
		assert.Nil(t, e.Candidate)
		assert.Equal(t, "Prescribing medication", e.Feature)
	}
	for _, e := range d.Removed {
		assert.NotContains(t, []string{repeatRx, stopRx}, e.ID)
	}
	assert.Len(t, d.Removed, 6, "what the candidate never planned is removed")
	assert.Contains(t, d.Summary(), "2 not run; candidate run run-20260601T100000Z is unfinished")
	assert.False(t, d.Clean())
}

func TestUnfinishedCandidateWithNothingMissingFailsTheGate(t *testing.T) {
	// A run still going, or killed after its last scenario: everything
	// recorded passed, but its end was never written.
	cand := green()
	cand.FinishedAt = time.Time{}
	d := Compare(green(), cand)
	assert.True(t, d.Gate())
	assert.Empty(t, d.NotRun)
	assert.Contains(t, d.Incomplete, "is unfinished: it never recorded its end")
}

func TestStoppedCandidate(t *testing.T) {
	d := Compare(green(), resultstest.Stopped())
	assert.True(t, d.Gate())
	assert.Equal(t, []string{nhsSearch}, ids(d.Regressions))
	assert.Equal(t, []string{repeatRx}, ids(d.Interrupted), "in flight when stopped: not tested, not a regression")
	assert.Equal(t, results.Interrupted, d.Interrupted[0].Candidate.Status)
	assert.Equal(t, []string{"features/appointments.feature:5", stopRx}, ids(d.NotRun))
	assert.Equal(t, "candidate run run-20260601T110000Z was interrupted; 2 of 5 planned scenarios never ran, 1 scenario was interrupted", d.Incomplete)
}

func TestInterruptedScenarioInBaselineIsNotAFailure(t *testing.T) {
	base := green()
	sc := scenario(t, base, nameSearch)
	sc.Status = results.Interrupted
	cand := green()
	fail(scenario(t, cand, nameSearch), 1, "expected 3 patients", "shot.png")
	d := Compare(base, cand)
	assert.Equal(t, []string{nameSearch}, ids(d.Regressions), "not failing in the baseline: a failure now is a regression")
	assert.Contains(t, d.Warnings[0], "baseline run run-green is incomplete; 1 scenario was interrupted")
	assert.Empty(t, d.Fixed)
}

func TestUnfinishedBaselineWarns(t *testing.T) {
	base := resultstest.Killed()
	cand := green()
	d := Compare(base, cand)
	assert.False(t, d.Gate(), "the gate is about the candidate")
	require.Len(t, d.Warnings, 1)
	assert.Equal(t, "baseline run run-20260601T100000Z is unfinished: it never recorded its end; 2 of 4 planned scenarios never ran: the comparison is against partial results", d.Warnings[0])
	assert.False(t, d.Clean())
}

func TestPlannedScenarioAbsentFromBaselineIsNotRun(t *testing.T) {
	cand := green()
	cand.Planned = []results.PlannedScenario{{ID: "features/new.feature:3", Name: "A new scenario", Feature: "features/new.feature"}}
	for _, f := range cand.Features {
		for _, s := range f.Scenarios {
			cand.Planned = append(cand.Planned, results.PlannedScenario{ID: s.ID, Name: s.Name, Feature: f.URI})
		}
	}
	d := Compare(green(), cand)
	require.Len(t, d.NotRun, 1)
	assert.Nil(t, d.NotRun[0].Base)
	assert.Equal(t, "A new scenario", d.NotRun[0].Name)
	assert.True(t, d.Gate())
	assert.Empty(t, d.Removed)
}
