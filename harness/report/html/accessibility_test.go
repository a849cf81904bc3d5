package html

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/results/resultstest"
)

// withAccessibility adds to the sample run a failing scenario's
// accessibility check (one failing violation with an outlined
// screenshot, one accepted by the baseline) and the run's summary (an
// expired and a fixed baseline entry).
func withAccessibility(run *results.Run) *results.Run {
	s := run.Features[0].Scenarios[0]
	s.Attachments = append(s.Attachments, results.Attachment{Name: "accessibility 1 label", MediaType: "image/png",
		Path: "patient-search/searching-by-nhs-number-shows-the-patient/a11y-1-label.png"})
	s.Accessibility = []results.AccessibilityCheck{{
		Page: "/patients/{id}", URL: "http://localhost:8080/patients/42", By: "scan", Step: 14,
		Tags: []string{"wcag2a", "wcag2aa"}, Engine: "axe-core 4.14.1",
		Violations: []results.Violation{
			{Rule: "label", Impact: "critical", Help: "Form elements must have labels", HelpURL: "https://dequeuniversity.com/rules/axe/4.14/label",
				Criteria: []string{"4.1.2"}, Screenshot: "accessibility 1 label",
				Nodes: []results.ViolationNode{{Target: "#nhs-number", HTML: `<input id="nhs-number" name="nhs">`, Summary: "Fix any of the following: …"}}},
			{Rule: "color-contrast", Impact: "serious", Help: "Elements must meet minimum color contrast ratio thresholds", Criteria: []string{"1.4.3"},
				Nodes:     []results.ViolationNode{{Target: "footer > p", HTML: `<p class="legal">`}},
				Baselined: &results.BaselineRef{File: "a11y-baseline.yaml", Line: 3, Reason: "Supplier fix due in 4.2", Owner: "Digital lead", Expires: "2027-03-31"}},
		},
	}, {Page: "/patients", By: "step", Step: 13}}
	run.Accessibility = &results.AccessibilitySummary{Scan: "pages", Tags: []string{"wcag2a", "wcag2aa"}, Engine: "axe-core 4.14.1",
		Baseline: "a11y-baseline.yaml", Pages: 7, Checked: []string{"/login", "/patients", "/patients/{id}"},
		Unchecked: []string{"/register/confirm"},
		Expired:   []results.BaselineEntry{{File: "a11y-baseline.yaml", Line: 9, Rule: "region", Page: "/about", Reason: "Redesign", Owner: "UX", Expires: "2026-05-01"}},
		Fixed:     []results.BaselineEntry{{File: "a11y-baseline.yaml", Line: 15, Rule: "link-name", Selector: ".help a", Reason: "Icon link", Owner: "UX", Expires: "2027-01-01"}},
	}
	return run
}

func TestGoldenAccessibility(t *testing.T) {
	out := write(t, withAccessibility(resultstest.Sample()), sampleConfig())
	resultstest.Golden(t, "accessibility.golden", out)
	html := string(out)
	for _, want := range []string{
		"Accessibility violations on <code>/patients/{id}</code>, found by the run-wide check (after line 14)",
		`<a href="https://dequeuniversity.com/rules/axe/4.14/label">label</a>`, "4.1.2",
		"&lt;input id=&#34;nhs-number&#34; name=&#34;nhs&#34;&gt;",
		`<a href="evidence/patient-search/searching-by-nhs-number-shows-the-patient/a11y-1-label.png">screenshot with the elements outlined</a>`,
		"accepted until 2027-03-31 by a11y-baseline.yaml:3",
		"Baseline entries past their expiry date", "<code>a11y-baseline.yaml:9</code>",
		"fixed, so they can be removed", "<code>a11y-baseline.yaml:15</code>",
		"7 distinct page(s)", "<strong>1 violation(s) fail their checks</strong>",
		"<li><code>/patients/{id}</code></li>",
		"1 page(s) the scenarios reached that the run-wide check did not check", "<li><code>/register/confirm</code></li>",
	} {
		assert.Contains(t, html, want)
	}
	// A check without violations adds no table.
	assert.Equal(t, 1, strings.Count(html, `<table class="a11y">`))
}

// A run that checked nothing has no accessibility section.
func TestNoAccessibilitySection(t *testing.T) {
	assert.NotContains(t, string(write(t, resultstest.Sample(), sampleConfig())), `id="accessibility"`)
}
