package results

import (
	"fmt"
	"strings"
	"time"
)

// AccessibilityCheck is one accessibility check of one page (or of one
// region or dialog of it) during a scenario: by a step ("Then the page has
// no accessibility violations") or by the run-wide scan of every distinct
// page (--a11y pages). The engine is axe-core; see harness/a11y.
type AccessibilityCheck struct {
	// Page is the page's address with the origin removed and record ids
	// replaced by "{id}" ("/patients/{id}/record"): the key of "each
	// distinct page once per run" and of baseline entries.
	Page string `json:"page"`
	// URL is the page's full address when it was checked.
	URL string `json:"url,omitempty"`
	// Scope is empty for the whole page, else what was checked, in words
	// (`dialog "Record an allergy"`).
	Scope string `json:"scope,omitempty"`
	// Tags are the axe-core rule tags the check ran ("wcag2a", "wcag22aa").
	Tags []string `json:"tags,omitempty"`
	// By is "step" when a step asked for the check, "scan" for the
	// run-wide scan.
	By string `json:"by"`
	// Step is the line of the step that asked for it (By "step").
	Step int `json:"step,omitempty"`
	// Engine is the engine and its version ("axe-core 4.14.1").
	Engine string `json:"engine,omitempty"`
	// Violations are every violation axe-core found, baselined ones
	// included (Violation.Baselined says so).
	Violations []Violation `json:"violations,omitempty"`
	// Passes and Incomplete count the rules that passed and those axe-core
	// could not decide (for people to review).
	Passes     int           `json:"passes,omitempty"`
	Incomplete int           `json:"incomplete,omitempty"`
	Duration   time.Duration `json:"duration_ns,omitempty"`
	// Decided lists the rules axe-core ran and decided on this page or
	// scope, with no element left for people to review: those that
	// passed, did not apply or found violations. Incomplete rules are not
	// in it. A baseline entry whose rule was never decided on its page
	// cannot be called fixed. It is kept for the run only (not stored).
	Decided []string `json:"-"`
}

// New returns the violations no current baseline entry accepts: the ones
// that fail the check.
func (c *AccessibilityCheck) New() []Violation {
	var out []Violation
	for _, v := range c.Violations {
		if v.Baselined == nil || v.Baselined.Expired {
			out = append(out, v)
		}
	}
	return out
}

// Violation is one axe-core rule that failed on one or more elements.
type Violation struct {
	// Rule is the axe-core rule id ("label", "color-contrast").
	Rule string `json:"rule"`
	// Impact is axe-core's "minor", "moderate", "serious" or "critical".
	Impact string `json:"impact,omitempty"`
	// Help is the rule's one-line summary; HelpURL its documentation.
	Help    string `json:"help,omitempty"`
	HelpURL string `json:"help_url,omitempty"`
	// Criteria are the WCAG success criteria the rule tests ("1.3.1",
	// "4.1.2"), from its tags; empty for best-practice rules.
	Criteria []string `json:"criteria,omitempty"`
	// Tags are the rule's axe-core tags.
	Tags  []string        `json:"tags,omitempty"`
	Nodes []ViolationNode `json:"nodes"`
	// Screenshot names the scenario's attachment (Scenario.Attachment)
	// holding the page with the failing elements outlined; empty when
	// none was taken (the violation was baselined, or the page showed
	// what may be real patient data).
	Screenshot string `json:"screenshot,omitempty"`
	// Baselined is the baseline entry that accepts the violation, if any.
	Baselined *BaselineRef `json:"baselined,omitempty"`
}

// Key identifies a violation across runs: the page, the rule and the
// failing elements' selectors. diff compares violations by it.
func (v Violation) Key(page string) string {
	targets := make([]string, len(v.Nodes))
	for i, n := range v.Nodes {
		targets[i] = n.Target
	}
	return page + " " + v.Rule + " " + strings.Join(targets, ",")
}

// ViolationNode is one element a rule failed on.
type ViolationNode struct {
	// Target is the element's CSS selector as axe-core gives it (frames
	// and shadow roots joined with " >>> ").
	Target string `json:"target"`
	// HTML is the element's opening markup, as axe-core gives it.
	HTML string `json:"html,omitempty"`
	// Summary is axe-core's "Fix any of the following: …".
	Summary string `json:"summary,omitempty"`
}

// BaselineRef is the baseline entry that accepted a violation.
type BaselineRef struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Reason  string `json:"reason"`
	Owner   string `json:"owner"`
	Expires string `json:"expires"`
	// Expired is true when the entry was past its expiry date in this
	// run: it no longer accepts the violation.
	Expired bool `json:"expired,omitempty"`
}

// AccessibilitySummary is what a run says about accessibility as a whole.
type AccessibilitySummary struct {
	// Scan is the run-wide scan setting ("off", "pages").
	Scan string `json:"scan,omitempty"`
	// Tags are the rule tags of the run-wide scan.
	Tags []string `json:"tags,omitempty"`
	// Engine is the engine and its version ("axe-core 4.14.1").
	Engine string `json:"engine,omitempty"`
	// Baseline is the baseline file the run used, as given.
	Baseline string `json:"baseline,omitempty"`
	// Expired lists the baseline entries past their expiry date: each
	// fails the run (exitcode.ForRun) until it is renewed or removed.
	Expired []BaselineEntry `json:"expired,omitempty"`
	// Fixed lists the baseline entries no violation of this run matched:
	// the violation is gone, or its pages were not visited (Fixed only
	// lists entries whose page the run checked), so the entry can be
	// pruned.
	Fixed []BaselineEntry `json:"fixed,omitempty"`
	// Pages counts the distinct pages the run-wide scan checked; Checked
	// lists them by page key, sorted. The scan checks the page each step
	// leaves, and the pages adapters say are shown within a step
	// (target.UI.PageShown).
	Pages   int      `json:"pages,omitempty"`
	Checked []string `json:"checked,omitempty"`
	// Unchecked lists, by page key, sorted, the pages the scenarios'
	// windows reached that the run-wide scan never checked: pages shown
	// only while a step ran (a form it filled in and submitted), or left
	// by a step that failed. The scan's coverage is Checked; these need
	// an accessibility step after the step that shows them.
	Unchecked []string `json:"unchecked,omitempty"`
}

// BaselineEntry is one accepted known violation of a baseline file.
type BaselineEntry struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Rule     string `json:"rule"`
	Page     string `json:"page,omitempty"`
	Selector string `json:"selector,omitempty"`
	Reason   string `json:"reason"`
	Owner    string `json:"owner"`
	Expires  string `json:"expires"`
}

// AccessibilityViolations returns the run's violations that fail their
// checks (Violation.Baselined is nil or expired), with the scenario and
// the check they belong to, in run order.
func (r *Run) AccessibilityViolations() []FoundViolation {
	var out []FoundViolation
	for _, f := range r.Features {
		for _, s := range f.Scenarios {
			for i := range s.Accessibility {
				c := &s.Accessibility[i]
				for _, v := range c.New() {
					out = append(out, FoundViolation{Scenario: s, Check: c, Violation: v})
				}
			}
		}
	}
	return out
}

// FoundViolation is a violation with where it was found.
type FoundViolation struct {
	Scenario  *Scenario
	Check     *AccessibilityCheck
	Violation Violation
}

// Failure puts the check's failing violations in words, as the failed
// step shows them; empty when nothing fails:
//
//	2 accessibility violations on /patients/{id} (wcag2a, wcag2aa):
//	- label (critical; WCAG 4.1.2): Form elements must have labels: #nhs <input id="nhs">
func (c *AccessibilityCheck) Failure() string {
	failing := c.New()
	if len(failing) == 0 {
		return ""
	}
	var b strings.Builder
	where := c.Page
	if c.Scope != "" {
		where = c.Scope + " on " + c.Page
	}
	noun := "violations"
	if len(failing) == 1 {
		noun = "violation"
	}
	fmt.Fprintf(&b, "%d accessibility %s on %s (%s):", len(failing), noun, where, strings.Join(c.Tags, ", "))
	for _, v := range failing {
		impact := v.Impact
		if len(v.Criteria) > 0 {
			impact += "; WCAG " + strings.Join(v.Criteria, ", ")
		}
		fmt.Fprintf(&b, "\n- %s (%s): %s", v.Rule, impact, v.Help)
		for i, n := range v.Nodes {
			if i == 3 {
				fmt.Fprintf(&b, " … and %d more", len(v.Nodes)-3)
				break
			}
			fmt.Fprintf(&b, "\n    %s %s", n.Target, n.HTML)
		}
		if v.Baselined != nil && v.Baselined.Expired {
			fmt.Fprintf(&b, "\n    (accepted by %s:%d until %s: expired)", v.Baselined.File, v.Baselined.Line, v.Baselined.Expires)
		}
	}
	return b.String()
}

// AccessibilityLines puts each violation that failed a check of the
// scenario in one line, every element with it, as the Cucumber reports
// show them (beside the failing step's message, which lists the first
// elements only):
//
//	accessibility violation on /form: label (critical; WCAG 4.1.2) Form elements must have labels: #nhs <input id="nhs">; screenshot "accessibility 1 label"
func (s *Scenario) AccessibilityLines() []string {
	var out []string
	for i := range s.Accessibility {
		c := &s.Accessibility[i]
		where := c.Page
		if c.Scope != "" {
			where = c.Scope + " on " + c.Page
		}
		for _, v := range c.New() {
			var b strings.Builder
			impact := v.Impact
			if len(v.Criteria) > 0 {
				impact += "; WCAG " + strings.Join(v.Criteria, ", ")
			}
			fmt.Fprintf(&b, "accessibility violation on %s: %s (%s) %s:", where, v.Rule, impact, v.Help)
			for j, n := range v.Nodes {
				if j > 0 {
					b.WriteString(";")
				}
				fmt.Fprintf(&b, " %s %s", n.Target, n.HTML)
			}
			if v.Screenshot != "" {
				fmt.Fprintf(&b, "; screenshot %q", v.Screenshot)
			}
			out = append(out, b.String())
		}
	}
	return out
}
