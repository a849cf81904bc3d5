package resultstest

import (
	"strings"
	"time"

	"github.com/eprharness/eprharness/harness/results"
)

// Phased returns Sample with where its time went recorded, as a run of
// today's harness records it: the run's phases (browser, backends, first
// step) and, on every scenario that ran, its phases (last attempt). Each
// scenario of Sample spends 150 ms outside its steps; Phased splits that
// into reset 40 ms, context 55 ms, evidence 25 ms (scenarios that did not
// pass) and teardown 30 ms, the rest being unaccounted. A first step that
// signs in ("… logged in …") is the sign-in phase, and the scenarios that
// used unique patient identities spent 120 ms of a later step loading
// fixtures; the other steps' time is the steps phase.
func Phased() *results.Run {
	run := Sample()
	run.Phases = []results.Phase{
		{Name: results.PhaseBrowser, Duration: 1234 * time.Millisecond},
		{Name: results.PhaseBackends, Duration: 3456 * time.Millisecond},
		{Name: results.PhaseFirstStep, Duration: 5100 * time.Millisecond},
	}
	for _, f := range run.Features {
		for _, s := range f.Scenarios {
			s.Phases = phases(s)
		}
	}
	return run
}

// phases splits s's time as Phased describes.
func phases(s *results.Scenario) []results.Phase {
	var signIn, steps time.Duration
	ran := false
	for i, st := range s.Steps {
		if st.Status == results.Skipped {
			continue
		}
		ran = true
		if i == 0 && strings.Contains(st.Text, "logged in") {
			signIn += st.Duration
			continue
		}
		steps += st.Duration
	}
	if !ran {
		return nil
	}
	var fixtures time.Duration
	if len(s.Identities) > 0 {
		fixtures = 120 * time.Millisecond
		steps -= fixtures
	}
	out := []results.Phase{
		{Name: results.PhaseReset, Duration: 40 * time.Millisecond},
		{Name: results.PhaseContext, Duration: 55 * time.Millisecond},
	}
	if fixtures > 0 {
		out = append(out, results.Phase{Name: results.PhaseFixtures, Duration: fixtures})
	}
	if signIn > 0 {
		out = append(out, results.Phase{Name: results.PhaseSignIn, Duration: signIn})
	}
	if steps > 0 {
		out = append(out, results.Phase{Name: results.PhaseSteps, Duration: steps})
	}
	if s.Status != results.Passed && s.Status != results.Flaky {
		out = append(out, results.Phase{Name: results.PhaseEvidence, Duration: 25 * time.Millisecond})
	}
	return append(out, results.Phase{Name: results.PhaseTeardown, Duration: 30 * time.Millisecond})
}
