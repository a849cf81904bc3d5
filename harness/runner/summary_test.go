package runner

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/config"
	"github.com/eprharness/eprharness/harness/results"
)

// The summary says what the accessibility checks found and why an
// expired baseline entry fails the run, and which controls the run left
// unverified.
func TestSummaryOfAccessibilityAndSafety(t *testing.T) {
	run := &results.Run{ID: "r1", Features: []*results.Feature{{URI: "features/a.feature", Scenarios: []*results.Scenario{
		{ID: "features/a.feature:3", Name: "Banner", Status: results.Passed, Tags: []string{"@control:C-001"},
			Accessibility: []results.AccessibilityCheck{{Page: "/patients/{id}", By: "scan"}, {Page: "/form", By: "step",
				Violations: []results.Violation{{Rule: "label", Nodes: []results.ViolationNode{{Target: "#nhs"}}}}}}},
		{ID: "features/a.feature:9", Name: "Allergy", Status: results.Failed, Tags: []string{"@control:C-002"}},
	}}}}
	run.Accessibility = &results.AccessibilitySummary{Scan: "pages", Pages: 1, Engine: "axe-core 4.14.1", Tags: []string{"wcag2a"},
		Unchecked: []string{"/patients/{id}/edit", "/register"},
		Expired:   []results.BaselineEntry{{File: "b.yaml", Line: 4, Rule: "region", Page: "/about", Owner: "UX", Expires: "2026-01-01"}},
		Fixed:     []results.BaselineEntry{{File: "b.yaml", Line: 10, Rule: "link-name", Selector: ".help a"}}}
	run.HazardLog = &results.HazardLog{File: "features/hazards.yaml", Hazards: []results.Hazard{{ID: "H-001", Controls: []results.Control{
		{ID: "C-001", VerifyByTest: true}, {ID: "C-002", VerifyByTest: true}, {ID: "C-003", VerifyByTest: false}}}}}
	var b bytes.Buffer
	printAccessibility(&b, run)
	printSafety(&b, run)
	out := b.String()
	assert.Contains(t, out, "accessibility: 2 check(s), 1 distinct page(s) by the run-wide check with axe-core 4.14.1 (wcag2a): 1 violation(s) fail their checks")
	assert.Contains(t, out, "EXPIRED baseline entry b.yaml:4 (region on /about, owner UX) expired on 2026-01-01: it fails the run")
	assert.Contains(t, out, "not checked by the run-wide check: 2 page(s) reached only within a step or left by a failed step: /patients/{id}/edit, /register")
	assert.Contains(t, out, "fixed: baseline entry b.yaml:10 (link-name on .help a) matched no violation: remove it")
	assert.Contains(t, out, "clinical safety: 1 of 2 control(s) to be verified by test verified (features/hazards.yaml)")
	assert.Contains(t, out, "UNVERIFIED C-002 (hazard H-001): features/a.feature:9 failed")
	assert.NotContains(t, out, "C-003")

	b.Reset()
	printAccessibility(&b, &results.Run{})
	printSafety(&b, &results.Run{})
	assert.Empty(t, b.String(), "a run that checked nothing and had no hazard log says nothing of them")
}

// A page found to show a real NHS number takes the accessibility checks'
// element HTML and outlined screenshots out of the scenario's evidence.
func TestScrubAccessibility(t *testing.T) {
	out := t.TempDir()
	shot := filepath.Join(out, "f", "a11y-1-label.png")
	require.NoError(t, os.MkdirAll(filepath.Dir(shot), 0o755))
	require.NoError(t, os.WriteFile(shot, []byte("png"), 0o644))
	rec := &record{sc: &results.Scenario{
		Attachments: []results.Attachment{{Name: "accessibility 1 label", Path: "f/a11y-1-label.png"}, {Name: "trace", Path: "f/trace.zip"}},
		Accessibility: []results.AccessibilityCheck{{Page: "/p", Violations: []results.Violation{{Rule: "label", Screenshot: "accessibility 1 label",
			Nodes: []results.ViolationNode{{Target: "#nhs", HTML: `<input id="nhs" value="(the page's data)">`, Summary: "Fix"}}}}}},
	}}
	r := &Runner{cfg: config.Config{Out: out}}
	r.scrubAccessibility(rec)
	v := rec.sc.Accessibility[0].Violations[0]
	assert.Equal(t, "#nhs", v.Nodes[0].Target)
	assert.Empty(t, v.Nodes[0].HTML)
	assert.Empty(t, v.Screenshot)
	assert.Equal(t, []results.Attachment{{Name: "trace", Path: "f/trace.zip"}}, rec.sc.Attachments)
	assert.NoFileExists(t, shot)
}
