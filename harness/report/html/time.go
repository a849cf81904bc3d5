package html

import (
	"github.com/eprharness/eprharness/harness/report/profile"
	"github.com/eprharness/eprharness/harness/results"
)

// timeView is the "Where the time went" section (see harness/report/profile
// for what is counted).
type timeView struct {
	// Run are the run's own phases, in order.
	Run []timeRow
	// Scenarios counts the scenarios that took time; Total is their time.
	Scenarios int
	Total     string
	Phases    []timeRow
	Slowest   []slowScenario
	Steps     []slowStep
	// Recorded is false for runs recorded without phases: their phase
	// table holds only the steps and the rest.
	Recorded bool
}

type timeRow struct {
	Name, Meaning, Total, Share string
}

type slowScenario struct {
	Anchor, Name, ID, Duration, Split string
	Status                            statusView
}

type slowStep struct {
	Text, Total, Mean, Max string
	Count                  int
}

// phaseWords say what each phase is, in the analyst's language.
var phaseWords = map[string]string{
	results.PhaseReset:     "putting the EPR's data back before the scenario",
	results.PhaseContext:   "opening a fresh browser window (context and page)",
	results.PhaseFixtures:  "loading the scenario's test patients into the EPR",
	results.PhaseSignIn:    "signing in, or restoring a saved sign-in",
	results.PhaseSteps:     "the steps themselves, sign-ins and test patients left out",
	results.PhaseA11y:      "checking pages for accessibility (axe-core)",
	results.PhaseEvidence:  "saving screenshots, pages, traces and logs",
	results.PhaseTeardown:  "closing the windows and handing the backend back",
	results.PhaseBrowser:   "starting (or connecting to) the browser",
	results.PhaseBackends:  "starting every worker's backend",
	results.PhaseFirstStep: "from the command's start to the first step of the first scenario",
	profile.PhaseOther:     "the harness's own work between these",
}

// timeSpent builds the section; anchors maps scenario ids to their
// anchors in the report.
func timeSpent(run *results.Run, anchors map[string]string) *timeView {
	sum := profile.Summarize(run, profile.DefaultTop)
	v := &timeView{Scenarios: sum.Scenarios, Total: human(sum.Total)}
	for _, p := range sum.Run {
		v.Run = append(v.Run, timeRow{Name: p.Name, Meaning: phaseWords[p.Name], Total: human(p.Duration)})
	}
	for _, f := range run.Features {
		for _, s := range f.Scenarios {
			if len(s.Phases) > 0 {
				v.Recorded = true
			}
		}
	}
	for _, p := range sum.Phases {
		v.Phases = append(v.Phases, timeRow{Name: p.Name, Meaning: phaseWords[p.Name], Total: human(p.Total), Share: profile.Percent(p.Share)})
	}
	for _, s := range sum.Slowest {
		parts := ""
		for i, p := range s.Phases {
			if i > 0 {
				parts += " · "
			}
			parts += p.Name + " " + human(p.Duration)
		}
		v.Slowest = append(v.Slowest, slowScenario{Anchor: anchors[s.ID], Name: s.Name, ID: s.ID, Duration: human(s.Duration), Split: parts, Status: statusWords[s.Status]})
	}
	for _, s := range sum.Steps {
		v.Steps = append(v.Steps, slowStep{Text: s.Text, Count: s.Count, Total: human(s.Total), Mean: human(s.Mean), Max: human(s.Max)})
	}
	return v
}
