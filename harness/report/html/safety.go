package html

import (
	"fmt"
	"strings"

	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/safety"
)

// controls lists each control of the run's hazard log with the scenarios
// that verify it and whether this run verified it (safety.Evaluate: the
// same judgement as the diff's gate and the evidence appendix), the
// unverified ones first.
func controls(features []*featureView, run *results.Run) []hazardView {
	anchors := map[string]string{}
	for _, f := range features {
		for _, s := range f.Scenarios {
			if _, ok := anchors[s.ID]; !ok {
				anchors[s.ID] = s.Anchor
			}
		}
	}
	v := safety.Evaluate(run, run.HazardLog)
	var bad, good []hazardView
	for _, h := range v.Hazards {
		for _, c := range h.Controls {
			hv := hazardView{ID: c.Control.ID, Title: c.Control.Description, Hazard: fmt.Sprintf("%s %s", h.Hazard.ID, h.Hazard.Title)}
			for _, s := range c.Scenarios {
				st := statusWords[s.Status]
				if s.NotRun {
					st = statusView{Word: "not run", Class: "skipped", Glyph: "–"}
				}
				hv.Scenarios = append(hv.Scenarios, hazardScenario{Anchor: anchors[s.ID], Name: s.Name, Feature: s.Feature,
					Status: st, Quarantined: s.Quarantined})
			}
			switch {
			case !c.Control.VerifyByTest:
				hv.Untested = true
				hv.Verified = true
				hv.Result = "Verified outside the suite (not by test)"
			case c.Verified:
				hv.Verified = true
				hv.Result = "Verified: " + plural(len(c.Scenarios), "scenario") + " passed"
				if len(c.Scenarios) > 1 {
					hv.Result = fmt.Sprintf("Verified: all %d scenarios passed", len(c.Scenarios))
				}
			default:
				hv.Result = "Unverified: " + strings.TrimSuffix(c.Reason, ".")
			}
			if hv.Verified {
				good = append(good, hv)
			} else {
				bad = append(bad, hv)
			}
		}
	}
	return append(bad, good...)
}
