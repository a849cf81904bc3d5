package html

import (
	"fmt"
	"strings"

	"github.com/eprharness/eprharness/harness/results"
)

// The accessibility views: what a run says of accessibility as a whole,
// and each scenario's violations.

type a11yRunView struct {
	Engine, Standard, Baseline string
	Checked, Unchecked         []string
	Pages, Checks, Failing     int
	Scan                       bool
	Expired, Fixed             []baselineEntryView
}

type baselineEntryView struct {
	Where, Rule, Page, Reason, Owner, Expires string
}

type a11yCheckView struct {
	Page, Scope, By string
	Violations      []violationView
}

type violationView struct {
	Rule, Impact, Criteria, Help, HelpURL string
	Nodes                                 []results.ViolationNode
	Screenshot                            string
	Accepted                              string
	Failing                               bool
}

// a11yRun builds the run's accessibility section; nil when the run
// checked nothing and had no baseline.
func a11yRun(run *results.Run) *a11yRunView {
	v := &a11yRunView{}
	for _, f := range run.Features {
		for _, s := range f.Scenarios {
			v.Checks += len(s.Accessibility)
		}
	}
	v.Failing = len(run.AccessibilityViolations())
	sum := run.Accessibility
	if sum == nil && v.Checks == 0 {
		return nil
	}
	if sum != nil {
		v.Engine, v.Baseline, v.Pages, v.Scan, v.Checked = sum.Engine, sum.Baseline, sum.Pages, sum.Scan != "", sum.Checked
		v.Unchecked = sum.Unchecked
		v.Standard = strings.Join(sum.Tags, ", ")
		for _, e := range sum.Expired {
			v.Expired = append(v.Expired, entryView(e))
		}
		for _, e := range sum.Fixed {
			v.Fixed = append(v.Fixed, entryView(e))
		}
	}
	return v
}

func entryView(e results.BaselineEntry) baselineEntryView {
	page := e.Page
	if e.Selector != "" {
		page = strings.TrimSpace(page + " " + e.Selector)
	}
	return baselineEntryView{Where: fmt.Sprintf("%s:%d", e.File, e.Line), Rule: e.Rule, Page: page,
		Reason: clean(e.Reason), Owner: clean(e.Owner), Expires: e.Expires}
}

// a11yChecks lists the scenario's checks that found violations.
func a11yChecks(s *results.Scenario, cfg Config) []a11yCheckView {
	var out []a11yCheckView
	for _, c := range s.Accessibility {
		if len(c.Violations) == 0 {
			continue
		}
		cv := a11yCheckView{Page: c.Page, Scope: c.Scope, By: "a step"}
		if c.By == "scan" {
			cv.By = "the run-wide check"
		}
		if c.Step > 0 {
			cv.By += fmt.Sprintf(" (after line %d)", c.Step)
		}
		for _, v := range c.Violations {
			vv := violationView{Rule: v.Rule, Impact: v.Impact, Criteria: strings.Join(v.Criteria, ", "),
				Help: v.Help, HelpURL: v.HelpURL, Failing: v.Baselined == nil || v.Baselined.Expired}
			for _, n := range v.Nodes {
				vv.Nodes = append(vv.Nodes, results.ViolationNode{Target: clean(n.Target), HTML: clean(n.HTML), Summary: clean(n.Summary)})
			}
			if b := v.Baselined; b != nil {
				state := "accepted"
				if b.Expired {
					state = "was accepted (expired)"
				}
				vv.Accepted = fmt.Sprintf("%s until %s by %s:%d — %s (owner: %s)", state, b.Expires, b.File, b.Line, clean(b.Reason), clean(b.Owner))
			}
			if v.Screenshot != "" {
				if a, ok := s.Attachment(v.Screenshot); ok {
					vv.Screenshot = link(cfg.AttachmentBase, a.Path)
				}
			}
			cv.Violations = append(cv.Violations, vv)
		}
		out = append(out, cv)
	}
	return out
}
