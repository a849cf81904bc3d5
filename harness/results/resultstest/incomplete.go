package resultstest

import (
	"time"

	"github.com/eprharness/eprharness/harness/results"
)

// Killed returns a new deterministic run that was killed (SIGKILL) after
// finishing 2 of the 4 scenarios it planned: FinishedAt is zero, Planned
// lists "features/patient_search.feature:20" and ":32" (both recorded,
// passed, as in Sample) and "features/medications.feature:5" and ":11"
// (never run: a feature with no result at all). Its scenarios and run
// identity are Sample's.
func Killed() *results.Run {
	run := Sample()
	run.ID = "run-20260601T100000Z"
	run.StartedAt = Start.Add(time.Hour)
	run.FinishedAt = time.Time{}
	ps := run.Features[0]
	ps.Scenarios = []*results.Scenario{find(ps, 20), find(ps, 32)}
	for _, s := range ps.Scenarios {
		s.StartedAt = s.StartedAt.Add(time.Hour)
	}
	med := run.Features[1]
	run.Planned = []results.PlannedScenario{
		plannedOf(ps, find(ps, 20)), plannedOf(ps, find(ps, 32)),
		plannedOf(med, find(med, 5)), plannedOf(med, find(med, 11)),
	}
	run.Features = []*results.Feature{ps}
	return run
}

// Stopped returns a new deterministic run stopped by SIGTERM: finished
// (FinishedAt set) and Interrupted, with 5 planned scenarios of which
// "features/patient_search.feature:12" failed (assertion, as in Sample),
// ":20" passed, "features/medications.feature:5" was in flight and is
// Interrupted (never a failure), and "features/medications.feature:11" and
// "features/appointments.feature:5" never ran.
func Stopped() *results.Run {
	run := Sample()
	run.ID = "run-20260601T110000Z"
	run.Interrupted = true
	ps, med, appt := run.Features[0], run.Features[1], run.Features[2]
	in := find(med, 5)
	in.Status, in.FailureKind = results.Interrupted, results.KindNone
	in.Error = "interrupted: the run was stopped (SIGTERM) while this scenario ran"
	for i, st := range in.Steps {
		st.Error = ""
		if i == 0 {
			st.Status = results.Passed
		} else {
			st.Status = results.Skipped
		}
	}
	run.Planned = []results.PlannedScenario{
		plannedOf(ps, find(ps, 12)), plannedOf(ps, find(ps, 20)),
		plannedOf(med, in), plannedOf(med, find(med, 11)), plannedOf(appt, find(appt, 5)),
	}
	ps.Scenarios = []*results.Scenario{find(ps, 12), find(ps, 20)}
	med.Scenarios = []*results.Scenario{in}
	run.Features = []*results.Feature{ps, med}
	return run
}

// find returns f's scenario at line.
func find(f *results.Feature, line int) *results.Scenario {
	for _, s := range f.Scenarios {
		if s.Line == line {
			return s
		}
	}
	panic("resultstest: no scenario at line")
}

func plannedOf(f *results.Feature, s *results.Scenario) results.PlannedScenario {
	return results.PlannedScenario{ID: s.ID, Name: s.Name, Feature: f.URI}
}
