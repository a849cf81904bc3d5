package diff

import (
	"fmt"
	"sort"
	"strings"

	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/safety"
)

// Control is a clinical-safety control of the candidate's hazard log that
// must be verified by test and that the candidate did not verify
// (safety.Evaluate): every one gates.
type Control struct {
	// ID and Description are the control's; Hazard and HazardTitle its
	// hazard's.
	ID          string `json:"id"`
	Description string `json:"description"`
	Hazard      string `json:"hazard"`
	HazardTitle string `json:"hazard_title"`
	// Scenarios are the scenarios that verify the control, by id.
	Scenarios []ControlScenario `json:"scenarios"`
	// Reason says why it is unverified: "no scenario verifies it", or the
	// scenarios that did not pass ("features/a.feature:12 failed").
	Reason string `json:"reason"`
	// Message is the whole account in one line, as every format shows
	// it: `unverified control C-004 (hazard H-003 "A drug the patient is
	// allergic to is prescribed"): features/medications.feature:20 failed`.
	Message string `json:"message"`
}

// ControlScenario is one scenario that verifies a control, as the
// candidate ran it.
type ControlScenario struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Status is the scenario's status in the candidate; "not run" when it
	// was planned and never ran.
	Status      string `json:"status"`
	Quarantined bool   `json:"quarantined,omitempty"`
}

// Safety sums up the candidate's hazard log: nil when the candidate
// recorded none (then there is no safety gate).
type Safety struct {
	// Log is the hazard log's file as the candidate read it; Form its form.
	Log  string `json:"log"`
	Form string `json:"form"`
	// Controls counts every control of the log, MustVerify those to be
	// verified by test, Verified those of them the candidate verified.
	Controls   int `json:"controls"`
	MustVerify int `json:"must_verify"`
	Verified   int `json:"verified"`
}

// String is the summary in words: "9 of 10 controls verified by test
// (12 controls in features/hazards.yaml)".
func (s *Safety) String() string {
	return fmt.Sprintf("%d of %d controls verified by test (%s in %s)", s.Verified, s.MustVerify, plural(s.Controls, "control", "controls"), s.Log)
}

// Violation is one accessibility violation in one run and not in the
// other, matched by results.Violation.Key (page, rule, elements).
type Violation struct {
	Key      string   `json:"key"`
	Page     string   `json:"page"`
	Rule     string   `json:"rule"`
	Impact   string   `json:"impact,omitempty"`
	Help     string   `json:"help,omitempty"`
	HelpURL  string   `json:"help_url,omitempty"`
	Criteria []string `json:"criteria,omitempty"`
	// Targets are the failing elements' selectors.
	Targets []string `json:"targets"`
	// Scenarios are the ids of the scenarios whose checks found it (in the
	// candidate for a new violation, in the baseline for a fixed one).
	Scenarios []string `json:"scenarios"`
	// Screenshot is the first check's screenshot of it, relative to that
	// run's attachment folder.
	Screenshot string `json:"screenshot,omitempty"`
}

// Words is the violation in one line: `label (critical; WCAG 4.1.2) on
// /patients/{id}: Form elements must have labels: #nhs`.
func (v Violation) Words() string {
	impact := v.Impact
	if len(v.Criteria) > 0 {
		if impact != "" {
			impact += "; "
		}
		impact += "WCAG " + strings.Join(v.Criteria, ", ")
	}
	s := v.Rule
	if impact != "" {
		s += " (" + impact + ")"
	}
	s += " on " + v.Page
	if v.Help != "" {
		s += ": " + v.Help
	}
	if len(v.Targets) > 0 {
		s += ": " + strings.Join(v.Targets, ", ")
	}
	return s
}

// unverified judges the candidate's hazard log. Scenarios the candidate
// planned and never ran are judged with their tags in the baseline.
func unverified(base, cand *results.Run) ([]Control, *Safety) {
	if cand.HazardLog == nil {
		return []Control{}, nil
	}
	tags := map[string][]string{}
	for _, f := range base.Features {
		for _, s := range f.Scenarios {
			tags[s.ID] = s.Tags
		}
	}
	v := safety.Evaluate(cand, cand.HazardLog, safety.WithPlannedTags(tags))
	sum := &Safety{Log: cand.HazardLog.File, Form: cand.HazardLog.Form, Controls: v.Controls, MustVerify: v.MustVerify, Verified: v.Verified}
	out := []Control{}
	for _, c := range v.Unverified {
		e := Control{ID: c.Control.ID, Description: c.Control.Description, Hazard: c.HazardID, HazardTitle: c.HazardTitle,
			Scenarios: []ControlScenario{}, Reason: c.Reason}
		for _, s := range c.Scenarios {
			st := string(s.Status)
			if s.NotRun {
				st = "not run"
			}
			e.Scenarios = append(e.Scenarios, ControlScenario{ID: s.ID, Name: s.Name, Status: st, Quarantined: s.Quarantined})
		}
		e.Message = ControlMessage(c)
		out = append(out, e)
	}
	return out, sum
}

// ControlMessage is the gate's one-line message for an unverified control:
// it names the control, its hazard and the scenarios.
func ControlMessage(c safety.ControlResult) string {
	return fmt.Sprintf("unverified control %s (hazard %s %q): %s", c.Control.ID, c.HazardID, c.HazardTitle, c.Reason)
}

// violations indexes a run's failing accessibility violations by key.
func violations(r *results.Run) map[string]*Violation {
	out := map[string]*Violation{}
	for _, f := range r.AccessibilityViolations() {
		key := f.Violation.Key(f.Check.Page)
		if v, ok := out[key]; ok {
			if !containsString(v.Scenarios, f.Scenario.ID) {
				v.Scenarios = append(v.Scenarios, f.Scenario.ID)
			}
			continue
		}
		v := &Violation{Key: key, Page: f.Check.Page, Rule: f.Violation.Rule, Impact: f.Violation.Impact,
			Help: f.Violation.Help, HelpURL: f.Violation.HelpURL, Criteria: f.Violation.Criteria,
			Targets: []string{}, Scenarios: []string{f.Scenario.ID}, Screenshot: f.Violation.Screenshot}
		for _, n := range f.Violation.Nodes {
			v.Targets = append(v.Targets, n.Target)
		}
		out[key] = v
	}
	return out
}

// accessibility returns the candidate's violations the baseline did not
// have (regressions) and the baseline's the candidate no longer has on a
// page it checked (fixed), each sorted by key.
func accessibility(base, cand *results.Run) (added, gone []Violation) {
	b, c := violations(base), violations(cand)
	checked := map[string]bool{}
	for _, f := range cand.Features {
		for _, s := range f.Scenarios {
			for _, ch := range s.Accessibility {
				checked[ch.Page] = true
			}
		}
	}
	added, gone = []Violation{}, []Violation{}
	for k, v := range c {
		if _, ok := b[k]; !ok {
			added = append(added, *v)
		}
	}
	for k, v := range b {
		if _, ok := c[k]; !ok && checked[v.Page] {
			gone = append(gone, *v)
		}
	}
	for _, l := range [][]Violation{added, gone} {
		sort.Slice(l, func(i, j int) bool { return l[i].Key < l[j].Key })
	}
	return added, gone
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
