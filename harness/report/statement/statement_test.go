package statement

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/results/resultstest"
)

// wcag22AA are the axe-core tags of WCAG 2.2 AA (a11y.DefaultTags).
var wcag22AA = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

var (
	accepted = &results.BaselineRef{File: "a11y-baseline.yaml", Line: 4, Reason: "Supplier fix due in release 4.2",
		Owner: "Digital accessibility lead", Expires: "2027-03-31"}
	expired = &results.BaselineRef{File: "a11y-baseline.yaml", Line: 9, Reason: "Icon font migration",
		Owner: "EPR supplier <support@example.nhs.uk>", Expires: "2026-05-31", Expired: true}
)

func nodes(targets ...string) []results.ViolationNode {
	out := make([]results.ViolationNode, len(targets))
	for i, t := range targets {
		out[i] = results.ViolationNode{Target: t, HTML: "<div>" + t + "</div>"}
	}
	return out
}

func contrast(baselined *results.BaselineRef, targets ...string) results.Violation {
	return results.Violation{Rule: "color-contrast", Impact: "serious",
		Help:     "Elements must meet minimum color contrast ratio thresholds",
		HelpURL:  "https://dequeuniversity.com/rules/axe/4.14/color-contrast",
		Criteria: []string{"1.4.3"}, Tags: []string{"cat.color", "wcag2aa", "wcag143"},
		Nodes: nodes(targets...), Baselined: baselined}
}

func label(targets ...string) results.Violation {
	return results.Violation{Rule: "label", Impact: "critical", Help: "Form elements must have labels",
		Criteria: []string{"4.1.2"}, Tags: []string{"cat.forms", "wcag2a", "wcag412", "section508"},
		Nodes: nodes(targets...)}
}

// a11yRun is resultstest.Sample's run with accessibility checks across
// its scenarios: on /patients, color-contrast accepted by a baseline entry
// (two elements) and not accepted (another element, found by a step
// check), and region (a best practice); on /patients/{id}/record, label
// (not accepted; found by the scan and a step, three elements, one of
// them twice) and image-alt accepted by an expired entry; in a dialog of
// /patients/{id}/allergies, label and color-contrast-enhanced (level
// AAA); on /, html-has-lang, whose help needs escaping; on /sign-in,
// autocomplete-valid accepted by another entry; /medications with no
// violation. Two pages reached were never checked by the scan, one of them
// in part by a step.
func a11yRun() *results.Run {
	run := resultstest.Sample()
	run.RanBy = "Priya Shah"
	scan := func(page string, incomplete int, vs ...results.Violation) results.AccessibilityCheck {
		return results.AccessibilityCheck{Page: page, URL: "http://localhost:8080" + page, Tags: wcag22AA, By: "scan",
			Engine: "axe-core 4.14.1", Violations: vs, Passes: 20, Incomplete: incomplete}
	}
	step := func(page, scope string, line int, vs ...results.Violation) results.AccessibilityCheck {
		c := scan(page, 0, vs...)
		c.By, c.Scope, c.Step = "step", scope, line
		return c
	}
	ps, med := run.Features[0], run.Features[1]
	ps.Scenarios[0].Accessibility = []results.AccessibilityCheck{
		scan("/patients", 2, contrast(accepted, "#legacy-footer", "#footer-links"),
			results.Violation{Rule: "region", Impact: "moderate", Help: "All page content should be contained by landmarks",
				Tags: []string{"cat.keyboard", "best-practice"}, Nodes: nodes("footer")}),
		scan("/patients/{id}/record", 1, label("#nhs-search"),
			results.Violation{Rule: "image-alt", Impact: "critical", Help: "Images must have alternative text",
				Criteria: []string{"1.1.1"}, Tags: []string{"cat.text-alternatives", "wcag2a", "wcag111"},
				Nodes: nodes("img.allergy-icon"), Baselined: expired}),
	}
	ps.Scenarios[1].Accessibility = []results.AccessibilityCheck{
		step("/patients/{id}/record", "", 23, label("#nhs-search", "#dob", "#postcode")),
		step("/patients/{id}/allergies", `dialog "Record an allergy"`, 24, label("#reaction"),
			results.Violation{Rule: "color-contrast-enhanced", Impact: "serious",
				Help:     "Elements must meet enhanced color contrast ratio thresholds",
				Criteria: []string{"1.4.6"}, Tags: []string{"cat.color", "wcag2aaa", "wcag146"}, Nodes: nodes(".hint")}),
	}
	ps.Scenarios[2].Accessibility = []results.AccessibilityCheck{
		step("/patients", "", 28, contrast(nil, "#search-hint")),
		scan("/", 0, results.Violation{Rule: "html-has-lang", Impact: "serious",
			Help:     "<html> element must have a lang attribute (see *WCAG* [3.1.1])",
			Criteria: []string{"3.1.1"}, Tags: []string{"cat.language", "wcag2a", "wcag311"}, Nodes: nodes("html")}),
	}
	med.Scenarios[0].Accessibility = []results.AccessibilityCheck{scan("/sign-in", 0,
		results.Violation{Rule: "autocomplete-valid", Impact: "serious", Help: "autocomplete attribute must be used correctly",
			Criteria: []string{"1.3.5"}, Tags: []string{"cat.forms", "wcag21aa", "wcag135"}, Nodes: nodes("#username"),
			Baselined: &results.BaselineRef{File: "a11y-baseline.yaml", Line: 14, Reason: "Single sign-on page from the identity provider",
				Owner: "Identity team", Expires: "2027-01-15"}})}
	med.Scenarios[1].Accessibility = []results.AccessibilityCheck{scan("/medications", 0)}
	run.Accessibility = &results.AccessibilitySummary{Scan: "pages", Tags: wcag22AA, Engine: "axe-core 4.14.1",
		Baseline: "a11y-baseline.yaml", Pages: 5, Checked: []string{"/", "/medications", "/patients", "/patients/{id}/record", "/sign-in"},
		Unchecked: []string{"/patients/new", "/patients/{id}/allergies"},
		Expired: []results.BaselineEntry{{File: "a11y-baseline.yaml", Line: 9, Rule: "image-alt", Page: "/patients/{id}/record",
			Reason: expired.Reason, Owner: expired.Owner, Expires: expired.Expires}}}
	return run
}

// cleanRun is a run whose every check passed, of WCAG 2.2 AA.
func cleanRun() *results.Run {
	start := time.Date(2026, time.November, 30, 14, 5, 0, 0, time.UTC)
	sc := &results.Scenario{ID: "features/banner.feature:6", Keyword: "Scenario", Name: "The banner identifies the patient",
		Line: 6, Status: results.Passed, StartedAt: start,
		Accessibility: []results.AccessibilityCheck{
			{Page: "/patients", By: "scan", Tags: wcag22AA, Engine: "axe-core 4.14.1", Passes: 31},
			{Page: "/patients/{id}/record", By: "scan", Tags: wcag22AA, Engine: "axe-core 4.14.1", Passes: 40},
		}}
	return &results.Run{ID: "run-20261130T140500Z", StartedAt: start, FinishedAt: start.Add(3 * time.Minute),
		Target:  results.Target{Backend: "url", BaseURL: "https://epr-test.trust.example", Adapter: "declarative"},
		Machine: results.Machine{Harness: "v0.6.0"}, Browser: "chromium 156.0.8078.73",
		Accessibility: &results.AccessibilitySummary{Scan: "pages", Tags: wcag22AA, Engine: "axe-core 4.14.1", Pages: 2,
			Checked: []string{"/patients", "/patients/{id}/record"}},
		Features: []*results.Feature{{URI: "features/banner.feature", Name: "Patient banner", Line: 1, Scenarios: []*results.Scenario{sc}}}}
}

func write(t *testing.T, run *results.Run, cfg Config) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, run, cfg))
	return buf.String()
}

// A run with accepted, failing and expired-entry violations across pages:
// partially compliant, one entry per rule and page, those needing a plan
// first.
func TestPartiallyCompliantGolden(t *testing.T) {
	run := a11yRun()
	got := write(t, run, Config{})
	resultstest.Golden(t, "partial.golden.md", []byte(got))

	a, err := Assess(run)
	require.NoError(t, err)
	assert.Equal(t, Assessment{Status: PartiallyCompliant, Standard: Required, NonCompliances: 6, NotPlanned: 4, Expired: 1,
		Other: 2, Pages: 6, Unchecked: 1}, a)

	assert.True(t, strings.HasPrefix(got, "<!--\nDraft accessibility statement generated by eprharness from run run-20260601T090000Z\n"))
	assert.Contains(t, got, "This system is partially compliant with the [Web Content Accessibility Guidelines version 2.2](https://www.w3.org/TR/WCAG22/) AA standard, due to the non-compliances listed below.")
	assert.Contains(t, got, "**Form elements must have labels**: 3 elements on `/patients/{id}/record` do not meet this (axe-core rule `label`). This fails WCAG 2.2 success criterion 4.1.2 Name, Role, Value (level A).",
		"an element two checks found counts once")
	assert.Contains(t, got, "- We plan to fix this by 31 March 2027 (2 elements; owner: Digital accessibility lead; baseline entry `a11y-baseline.yaml:4`: Supplier fix due in release 4.2).")
	assert.Contains(t, got, "- We planned to fix this by 31 May 2026 (1 element; owner: EPR supplier \\<support@example.nhs.uk\\>; baseline entry `a11y-baseline.yaml:9`), but that date has passed")
	assert.Contains(t, got, "**Elements must meet enhanced color contrast ratio thresholds**: 1 element in dialog \"Record an allergy\" on `/patients/{id}/allergies`")
	assert.Contains(t, got, "This fails WCAG success criterion 1.4.6 Contrast (Enhanced) (level AAA), which the accessibility regulations do not require.")
	assert.Contains(t, got, "\\<html\\> element must have a lang attribute (see \\*WCAG\\* \\[3.1.1\\])", "text from the run is escaped")
	assert.NotContains(t, got, "<html>")
	assert.Contains(t, got, "- **Tested by:** Priya Shah\n")
	assert.Contains(t, got, "- **Engine:** axe-core 4.14.1\n")
	assert.Contains(t, got, "- **Date:** 1 June 2026, 09:00 UTC\n")

	// The non-compliances that need a plan come first (by page), the
	// planned ones after them.
	var order []int
	for _, s := range []string{"`html-has-lang`", "`color-contrast`", "on `/patients/{id}/allergies` does not meet this (axe-core rule `label`)",
		"`image-alt`", "on `/patients/{id}/record` do not meet this (axe-core rule `label`)", "`autocomplete-valid`", "### Disproportionate burden"} {
		i := strings.Index(got, s)
		require.GreaterOrEqual(t, i, 0, s)
		order = append(order, i)
	}
	assert.IsIncreasing(t, order)

	// Pages checked in part are neither "checked" nor "not checked".
	notChecked := got[strings.Index(got, "Pages not checked:"):]
	assert.Contains(t, notChecked, "- `/patients/new`\n")
	assert.NotContains(t, notChecked, "- `/patients/{id}/allergies`\n")
	assert.Contains(t, got, "- `/patients/{id}/allergies`: dialog \"Record an allergy\"\n")
}

// No violation at all, over WCAG 2.2 AA: fully compliant, with the names
// the organisation gave.
func TestFullyCompliantGolden(t *testing.T) {
	run := cleanRun()
	got := write(t, run, Config{Organisation: "Leeds Teaching Hospitals NHS Trust", System: "the Patient Record (PPM+)",
		Prepared: time.Date(2026, time.December, 5, 18, 0, 0, 0, time.UTC)})
	resultstest.Golden(t, "full.golden.md", []byte(got))
	a, err := Assess(run)
	require.NoError(t, err)
	assert.Equal(t, Assessment{Status: FullyCompliant, Standard: Required, Pages: 2}, a)
	assert.Contains(t, got, "This system is fully compliant with the [Web Content Accessibility Guidelines version 2.2](https://www.w3.org/TR/WCAG22/) AA standard.")
	assert.Contains(t, got, "# Accessibility statement for the Patient Record (PPM+)\n")
	assert.Contains(t, got, "This statement was prepared on 5 December 2026.")
	assert.Contains(t, got, "- **Tested by:** [TO COMPLETE: who ran the tests]\n")
	assert.NotContains(t, got, "Not yet planned")
}

// A violation an entry accepts still makes the statement partially
// compliant: accepting it is a plan to fix it, not compliance.
func TestAcceptedViolationIsANonCompliance(t *testing.T) {
	run := cleanRun()
	run.Features[0].Scenarios[0].Accessibility[1].Violations = []results.Violation{contrast(accepted, "#banner .nhs")}
	a, err := Assess(run)
	require.NoError(t, err)
	assert.Equal(t, PartiallyCompliant, a.Status)
	assert.Equal(t, 1, a.NonCompliances)
	assert.Zero(t, a.NotPlanned)
}

// Only best-practice violations fail no WCAG criterion: the status stays
// fully compliant and they are listed as improvements. A rule tagged with
// a WCAG level that names no criterion is a non-compliance.
func TestWhatCountsAgainstCompliance(t *testing.T) {
	run := cleanRun()
	checks := run.Features[0].Scenarios[0].Accessibility
	checks[0].Violations = []results.Violation{{Rule: "region", Help: "All page content should be contained by landmarks",
		Tags: []string{"cat.keyboard", "best-practice"}, Nodes: nodes("footer")}}
	a, err := Assess(run)
	require.NoError(t, err)
	assert.Equal(t, FullyCompliant, a.Status)
	assert.Equal(t, 1, a.Other)
	got := write(t, run, Config{})
	assert.Contains(t, got, "## What we're doing to improve accessibility\n\nOur automated checks also found these problems, which fail no WCAG 2.2 A or AA success criterion:\n\n**All page content should be contained by landmarks**")
	assert.Contains(t, got, "This is one of axe-core's best practices, not a WCAG success criterion.")

	checks[1].Violations = []results.Violation{{Rule: "future-rule", Help: "Something WCAG", Tags: []string{"wcag22aa"}, Nodes: nodes("#x")}}
	a, err = Assess(run)
	require.NoError(t, err)
	assert.Equal(t, PartiallyCompliant, a.Status)
	assert.Contains(t, write(t, run, Config{}), "This fails WCAG 2.2 at level A or AA; axe-core names no success criterion for the rule. [TO COMPLETE: the success criterion]")

	checks[1].Violations = []results.Violation{{Rule: "future-rule", Help: "Something WCAG", Criteria: []string{"2.4.99"}, Nodes: nodes("#x")}}
	a, err = Assess(run)
	require.NoError(t, err)
	assert.Equal(t, PartiallyCompliant, a.Status, "a criterion it cannot name counts, to be safe")
}

// Checks of less than WCAG 2.2 AA that found nothing cannot show full
// compliance: the status is left to people, with the reason.
func TestLessThanWCAG22AA(t *testing.T) {
	run := cleanRun()
	run.Features[0].Scenarios[0].Accessibility[1].Tags = []string{"wcag2a", "wcag2aa", "best-practice"}
	a, err := Assess(run)
	require.NoError(t, err)
	assert.Equal(t, Undetermined, a.Status)
	assert.Equal(t, "WCAG 2.0 AA", a.Standard, "the standard every check covered")
	got := write(t, run, Config{})
	assert.Contains(t, got, "This system was checked against WCAG 2.0 AA only, not all of WCAG 2.2 AA")
	assert.NotContains(t, got, "fully compliant with the")
	assert.Contains(t, got, "- **Standard:** WCAG 2.0 AA: axe-core's rules tagged `wcag2a`, `wcag2aa`, `wcag21a`, `wcag21aa`, `wcag22aa` and `best-practice`\n")

	run.Features[0].Scenarios[0].Accessibility[1].Tags = []string{"best-practice"}
	a, err = Assess(run)
	require.NoError(t, err)
	assert.Equal(t, Undetermined, a.Status)
	assert.Empty(t, a.Standard)
	assert.Contains(t, write(t, run, Config{}), "- **Standard:** no WCAG level in full: ")

	// What counts is the rules each page was checked with: a step's
	// best-practice check of a page the scan checked takes nothing away,
	// a page only such a step checked does.
	run.Features[0].Scenarios[0].Accessibility[1].Tags = wcag22AA
	run.Features[0].Scenarios[0].Accessibility = append(run.Features[0].Scenarios[0].Accessibility,
		results.AccessibilityCheck{Page: "/patients", By: "step", Step: 9, Tags: []string{"best-practice"}})
	a, err = Assess(run)
	require.NoError(t, err)
	assert.Equal(t, FullyCompliant, a.Status)
	run.Features[0].Scenarios[0].Accessibility = append(run.Features[0].Scenarios[0].Accessibility,
		results.AccessibilityCheck{Page: "/appointments", Scope: "table", By: "step", Step: 9, Tags: []string{"best-practice"}})
	a, err = Assess(run)
	require.NoError(t, err)
	assert.Equal(t, Undetermined, a.Status, "/appointments was checked with best practices only")
	run.Features[0].Scenarios[0].Accessibility = run.Features[0].Scenarios[0].Accessibility[:2]

	// A check that recorded no tags ran the run's.
	run.Features[0].Scenarios[0].Accessibility[1].Tags = nil
	a, err = Assess(run)
	require.NoError(t, err)
	assert.Equal(t, FullyCompliant, a.Status)
}

// A run with no accessibility checks has nothing to state: an error that
// says how to get some, and nothing written.
func TestNoChecks(t *testing.T) {
	for name, run := range map[string]*results.Run{
		"no summary": resultstest.Sample(),
		"summary but no check": func() *results.Run {
			r := resultstest.Sample()
			r.Accessibility = &results.AccessibilitySummary{Scan: "pages", Tags: wcag22AA, Unchecked: []string{"/patients"}}
			return r
		}(),
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Write(&buf, run, Config{})
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrNoChecks))
			assert.EqualError(t, err, "statement: run run-20260601T090000Z has no accessibility checks: run with --a11y pages or accessibility steps")
			assert.Zero(t, buf.Len())
			_, err = Assess(run)
			assert.ErrorIs(t, err, ErrNoChecks)
		})
	}
	assert.Error(t, Write(&bytes.Buffer{}, nil, Config{}))
}

// The same run gives the same bytes, and Write leaves the run as it was.
func TestDeterministicAndReadOnly(t *testing.T) {
	run := a11yRun()
	before, err := json.Marshal(run)
	require.NoError(t, err)
	first := write(t, run, Config{})
	assert.Equal(t, first, write(t, run, Config{}))
	after, err := json.Marshal(run)
	require.NoError(t, err)
	assert.JSONEq(t, string(before), string(after))
}

// Text from the run cannot break out of its place: Markdown and HTML are
// escaped, page keys are code spans whatever they hold, and the run id
// cannot close the header comment.
func TestEscaping(t *testing.T) {
	assert.Equal(t, `\<script\>alert(1)\</script\>`, md("<script>alert(1)</script>"))
	assert.Equal(t, `a \*b\* \_c\_ \[d\](e) \# \| \`+"`"+` \\ \& \!`, md("a *b* _c_ [d](e) # | ` \\ & !"))
	assert.Equal(t, "one line", md("one\n  line"))
	assert.Equal(t, "`/p/{id}`", code("/p/{id}"))
	assert.Equal(t, "``a`b``", code("a`b"))
	assert.Equal(t, "`` `a ``", code("`a"))
	assert.Equal(t, "run- -> x", comment("run--> x"))
	assert.NotContains(t, comment("a---->b"), "--")

	run := cleanRun()
	run.ID = "run--><script>"
	got := write(t, run, Config{System: "EPR *beta*"})
	end := strings.Index(got, "-->")
	assert.Equal(t, strings.Index(got, "delete this comment.\n-->")+len("delete this comment.\n"), end, "only the comment's own end ends it")
	assert.Contains(t, got, "# Accessibility statement for EPR \\*beta\\*\n")
}
