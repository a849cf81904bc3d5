// Package safety reads a clinical-safety hazard log (DCB0129/DCB0160) and
// judges which of its controls a run verified.
//
// A hazard log comes in three forms (docs/safety.md describes them):
//
//   - the simple YAML form: a "hazards" list of id, title and control (one
//     control in words, verified by test, whose id is the hazard's);
//   - the DCB0129 YAML form: hazards with description, causes, effect,
//     initial and residual risk (severity, likelihood, risk from the
//     DCB0129 risk matrix), status and controls, each with its own id and
//     whether it must be verified by test;
//   - CSV, as a spreadsheet exports it: one row per control, the hazard's
//     columns repeated or left blank on its following rows.
//
// Read reads any of them into a results.HazardLog and reports every
// problem at once (*LogError), each with file, line and field. Find finds
// the log that belongs to a feature file. Evaluate decides, for one run,
// which controls are verified: a control is verified when at least one
// scenario verifies it and every such scenario passed (see Evaluate).
//
// Everything here is a pure function of its arguments: safe to call
// concurrently, nothing to close. We wrote the readers ourselves because
// the problems must name the file, line and field a clinical safety
// officer has to correct, which generic decoders do not.
package safety

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/eprharness/eprharness/harness/results"
)

// Names are the file names Find looks for, in order of preference.
var Names = []string{"hazards.yaml", "hazards.yml", "hazards.csv"}

// Forms of a hazard log (results.HazardLog.Form).
const (
	FormSimple  = "simple"
	FormDCB0129 = "dcb0129"
)

// Problem is one problem of a hazard log: where it is and what is wrong.
type Problem struct {
	File string
	// Line is the line of the entry (the CSV record's first line); 0 when
	// the problem is the file's as a whole.
	Line int
	// Field names the field, e.g. "hazards[2].controls[0].id" (YAML) or
	// "control_id" (CSV); "" when the problem is not one field's.
	Field, Msg string
}

func (p Problem) String() string {
	at := p.File
	if p.Line > 0 {
		at = fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	if p.Field == "" {
		return at + ": " + p.Msg
	}
	return at + ": " + p.Field + ": " + p.Msg
}

// LogError lists every problem of a hazard log, in file order.
type LogError struct{ Problems []Problem }

func (e *LogError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return "hazard log: " + strings.Join(lines, "\n")
}

// Find returns the hazard log nearest the feature file (its folder or a
// folder above): hazards.yaml, hazards.yml or hazards.csv; "" when none.
// The path is relative the way featureFile is ("features/../hazards.yaml"
// comes back cleaned: "hazards.yaml").
func Find(featureFile string) string {
	dir, err := filepath.Abs(filepath.Dir(featureFile))
	if err != nil {
		return ""
	}
	rel := filepath.Dir(featureFile)
	for {
		for _, name := range Names {
			if info, err := os.Stat(filepath.Join(dir, name)); err == nil && !info.IsDir() {
				return filepath.Join(rel, name)
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir, rel = parent, filepath.Join(rel, "..")
	}
}

// Verification is what one run showed of a hazard log's controls.
type Verification struct {
	Log     *results.HazardLog
	Hazards []HazardResult // log order
	// Unverified: controls with VerifyByTest that are not Verified, log order.
	Unverified []ControlResult
	// Counts for the summary: every control, those that must be verified
	// by test, and those of them that are verified.
	Controls, MustVerify, Verified int
}

// HazardResult is one hazard and the verdict on each of its controls.
type HazardResult struct {
	Hazard   results.Hazard
	Controls []ControlResult
}

// ControlResult is the verdict on one control.
type ControlResult struct {
	HazardID, HazardTitle string
	Control               results.Control
	Scenarios             []ScenarioResult // scenarios that verify it, by id order
	Verified              bool
	// Reason says why it is not verified, in words: "no scenario verifies
	// it", "features/allergies.feature:12 failed", "… was skipped",
	// "… is flaky", "… did not run". Several scenarios' reasons are joined
	// with "; ". Empty when Verified.
	Reason string
}

// ScenarioResult is one scenario that verifies a control, as the run saw it.
type ScenarioResult struct {
	ID, Name, Feature string
	Status            results.Status // this run; "" with NotRun true when planned but never ran
	NotRun            bool
	Quarantined       bool
	Attachments       []results.Attachment
}

// Option changes how Evaluate judges.
type Option func(*evalOptions)

type evalOptions struct {
	plannedTags map[string][]string
}

// WithPlannedTags gives the tags of scenarios by id, for the scenarios the
// run planned (results.Run.Planned) but never ran. Runs record the tags of
// their plan (PlannedScenario.Tags); for runs recorded before that, these
// tags tell Evaluate which controls such a scenario verifies (without
// either it is left out). diff passes the baseline's scenarios' tags.
func WithPlannedTags(tags map[string][]string) Option {
	return func(o *evalOptions) { o.plannedTags = tags }
}

// Evaluate judges each control of the log against the run's scenarios.
//
// A scenario verifies control C of hazard H when it is tagged @control:C,
// or tagged @hazard:H and carrying no @control: tag of a control of H. A
// control is Verified when at least one scenario verifies it and every one
// of them passed in the run: a failed, skipped, flaky, undefined, pending,
// ambiguous or interrupted scenario, or one planned that never ran, leaves
// it unverified, and Reason names the scenario. Controls not verified by
// test are judged too but never listed in Unverified. A nil log gives nil.
func Evaluate(run *results.Run, log *results.HazardLog, opts ...Option) *Verification {
	if log == nil {
		return nil
	}
	var o evalOptions
	for _, opt := range opts {
		opt(&o)
	}
	type tagged struct {
		sr   ScenarioResult
		tags []string
		line int
	}
	var all []tagged
	seen := map[string]bool{}
	if run != nil {
		for _, f := range run.Features {
			for _, s := range f.Scenarios {
				seen[s.ID] = true
				all = append(all, tagged{
					sr: ScenarioResult{ID: s.ID, Name: s.Name, Feature: f.URI, Status: s.Status,
						Quarantined: s.Quarantined, Attachments: s.Attachments},
					tags: s.Tags, line: s.Line,
				})
			}
		}
		for _, p := range run.Planned {
			if seen[p.ID] {
				continue
			}
			seen[p.ID] = true
			tags, ok := o.plannedTags[p.ID]
			if !ok && len(p.Tags) > 0 {
				tags, ok = p.Tags, true
			}
			if !ok {
				continue
			}
			all = append(all, tagged{sr: ScenarioResult{ID: p.ID, Name: p.Name, Feature: p.Feature, NotRun: true},
				tags: tags, line: idLine(p.ID)})
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].sr.Feature != all[j].sr.Feature {
			return all[i].sr.Feature < all[j].sr.Feature
		}
		if all[i].line != all[j].line {
			return all[i].line < all[j].line
		}
		return all[i].sr.ID < all[j].sr.ID
	})

	v := &Verification{Log: log}
	for _, h := range log.Hazards {
		own := map[string]bool{}
		for _, c := range h.Controls {
			own[c.ID] = true
		}
		hr := HazardResult{Hazard: h}
		for _, c := range h.Controls {
			cr := ControlResult{HazardID: h.ID, HazardTitle: h.Title, Control: c}
			for _, t := range all {
				if verifies(t.tags, h.ID, c.ID, own) {
					cr.Scenarios = append(cr.Scenarios, t.sr)
				}
			}
			judge(&cr)
			v.Controls++
			if c.VerifyByTest {
				v.MustVerify++
				if cr.Verified {
					v.Verified++
				} else {
					v.Unverified = append(v.Unverified, cr)
				}
			}
			hr.Controls = append(hr.Controls, cr)
		}
		v.Hazards = append(v.Hazards, hr)
	}
	return v
}

// verifies applies the tag rule to one scenario's tags.
func verifies(tags []string, hazard, control string, own map[string]bool) bool {
	byHazard, ownControl := false, false
	for _, t := range tags {
		if id, ok := strings.CutPrefix(t, results.ControlTagPrefix); ok {
			if id == control {
				return true
			}
			if own[id] {
				ownControl = true
			}
		}
		if id, ok := strings.CutPrefix(t, results.HazardTagPrefix); ok && id == hazard {
			byHazard = true
		}
	}
	return byHazard && !ownControl
}

// judge sets Verified and Reason from the control's scenarios.
func judge(cr *ControlResult) {
	if len(cr.Scenarios) == 0 {
		cr.Reason = "no scenario verifies it"
		return
	}
	var why []string
	for _, s := range cr.Scenarios {
		if s.NotRun {
			why = append(why, s.ID+" did not run")
			continue
		}
		if s.Status != results.Passed {
			why = append(why, s.ID+" "+statusWords(s.Status))
		}
	}
	cr.Verified = len(why) == 0
	cr.Reason = strings.Join(why, "; ")
}

func statusWords(s results.Status) string {
	switch s {
	case results.Failed:
		return "failed"
	case results.Skipped:
		return "was skipped"
	case results.Flaky:
		return "is flaky"
	case results.Interrupted:
		return "was interrupted"
	case results.Undefined, results.Pending, results.Ambiguous:
		return "is " + string(s)
	case "":
		return "has no result"
	}
	return "is " + string(s)
}

// idLine is the line of a scenario id "<uri>:<line>"; 0 when it has none.
func idLine(id string) int {
	i := strings.LastIndexByte(id, ':')
	if i < 0 {
		return 0
	}
	n, _ := strconv.Atoi(id[i+1:])
	return n
}
