package diff

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/exitcode"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/results/resultstest"
)

// hazardLog is a small DCB0129 log over resultstest.Sample's hazard tags.
func hazardLog() *results.HazardLog {
	return &results.HazardLog{File: "features/hazards.yaml", Form: "dcb0129", Hazards: []results.Hazard{
		{ID: "H-001", Title: "Wrong patient identified on a record page", Line: 3, Controls: []results.Control{
			{ID: "C-001", Description: "The banner shows name, NHS number and date of birth", VerifyByTest: true, Line: 9},
			{ID: "C-002", Description: "Staff are trained to check two identifiers", VerifyByTest: false, Line: 12},
		}},
		{ID: "H-004", Title: "A deteriorating patient is not escalated", Line: 15, Controls: []results.Control{
			{ID: "C-004", Description: "NEWS2 is scored and its response shown", VerifyByTest: true, Line: 20},
		}},
		{ID: "H-010", Title: "Two patients booked into one slot", Line: 23, Controls: []results.Control{
			{ID: "C-010", Description: "A second booking of a taken slot is refused", VerifyByTest: true, Line: 28},
		}},
		{ID: "H-011", Title: "A follow-up is not booked", Line: 31, Controls: []results.Control{
			{ID: "C-011", Description: "The follow-up appears in the diary", VerifyByTest: true, Line: 36},
		}},
	}}
}

func check(page string, vs ...results.Violation) results.AccessibilityCheck {
	return results.AccessibilityCheck{Page: page, By: "step", Tags: []string{"wcag2a", "wcag2aa"}, Engine: "axe-core 4.10.3", Violations: vs}
}

func violation(rule, impact, help string, criteria []string, targets ...string) results.Violation {
	v := results.Violation{Rule: rule, Impact: impact, Help: help, Criteria: criteria,
		HelpURL: "https://dequeuniversity.com/rules/axe/4.10/" + rule}
	for _, t := range targets {
		v.Nodes = append(v.Nodes, results.ViolationNode{Target: t})
	}
	return v
}

// safetyPair: a green baseline and a candidate that fails the safety and
// accessibility gates: C-001's scenario at :12 fails (a regression too),
// C-004's is flaky, nothing verifies C-010, C-011's scenario is skipped;
// the record page has a new unlabelled button, and the search page's
// contrast problem is fixed.
func safetyPair(t *testing.T) (base, cand *results.Run) {
	base, cand = green(), green()
	base.ID, cand.ID = "run-20260601T090000Z", "run-20260602T090000Z"
	cand.Target.Version = "2.4.0-rc1"
	cand.HazardLog = hazardLog()
	fail(scenario(t, cand, nhsSearch), 2, "expected the banner to show 999 000 0018", "patient-search/L12/screenshot.png")
	scenario(t, cand, reschedule).Status = results.Flaky
	follow := scenario(t, cand, bookFollowUp)
	follow.Status = results.Skipped
	follow.Tags = []string{"@manual", "@control:C-011"}
	scenario(t, base, bookFollowUp).Tags = follow.Tags

	label := violation("label", "critical", "Form elements must have labels", []string{"4.1.2"}, "#nhs")
	contrast := violation("color-contrast", "serious", "Elements must meet minimum color contrast ratio thresholds", []string{"1.4.3"}, ".hint", ".muted")
	button := violation("button-name", "critical", "Buttons must have discernible text", []string{"4.1.2"}, "#banner > button")
	button.Screenshot = "a11y/record-button-name.png"
	scenario(t, base, nameSearch).Accessibility = []results.AccessibilityCheck{check("/patients", label, contrast)}
	scenario(t, cand, nameSearch).Accessibility = []results.AccessibilityCheck{check("/patients", label)}
	scenario(t, cand, malformed32).Accessibility = []results.AccessibilityCheck{check("/patients/{id}/record", button)}
	return base, cand
}

func TestGoldenSafety(t *testing.T) {
	base, cand := safetyPair(t)
	d := Compare(base, cand)
	cfg := Config{Candidate: SideConfig{AttachmentBase: "out"}, Base: SideConfig{AttachmentBase: "../base"}}
	for _, f := range []struct{ format, golden string }{
		{"text", "safety.txt.golden"}, {"markdown", "safety.md.golden"}, {"json", "safety.json.golden"}, {"html", "safety.html.golden"},
	} {
		out := string(write(t, d, f.format, cfg))
		resultstest.Golden(t, f.golden, []byte(out))
		// The gate's messages name control, hazard and scenarios, and
		// come before the regressions.
		msg := `unverified control C-001 (hazard H-001 "Wrong patient identified on a record page"): features/patient_search.feature:12 failed`
		switch f.format {
		case "markdown":
			msg = strings.ReplaceAll(msg, "_", `\_`)
		case "html", "json": // quotes escaped
			msg = `unverified control C-001 (hazard H-001 `
		}
		require.Contains(t, out, msg, f.format)
		assert.Less(t, indexOf(out, "C-001"), indexOf(out, "Regressions"), f.format)
		assert.Less(t, indexOf(out, "button-name"), indexOf(out, "Regressions"), f.format)
	}
}

func indexOf(s, sub string) int {
	if i := strings.Index(s, sub); i >= 0 {
		return i
	}
	return len(s) + 1
}

func TestUnverifiedControls(t *testing.T) {
	base, cand := safetyPair(t)
	d := Compare(base, cand)
	assert.True(t, d.Gate())
	var msgs []string
	for _, c := range d.Unverified {
		msgs = append(msgs, c.Message)
	}
	assert.Equal(t, []string{
		`unverified control C-001 (hazard H-001 "Wrong patient identified on a record page"): features/patient_search.feature:12 failed`,
		`unverified control C-004 (hazard H-004 "A deteriorating patient is not escalated"): features/appointments.feature:17 is flaky`,
		`unverified control C-010 (hazard H-010 "Two patients booked into one slot"): no scenario verifies it`,
		`unverified control C-011 (hazard H-011 "A follow-up is not booked"): features/appointments.feature:11 was skipped`,
	}, msgs, "C-002 is verified another way: never unverified")
	require.NotNil(t, d.Safety)
	assert.Equal(t, Safety{Log: "features/hazards.yaml", Form: "dcb0129", Controls: 5, MustVerify: 4, Verified: 0}, *d.Safety)
	assert.Equal(t, []ControlScenario{
		{ID: nhsSearch, Name: "Searching by NHS number shows the patient", Status: "failed"},
		{ID: nameSearch, Name: "Searching by name lists matching patients", Status: "passed"},
	}, d.Unverified[0].Scenarios)
	assert.Regexp(t, `^4 unverified controls, 1 new accessibility violation, 1 regression,`, d.Summary())
}

// A skipped scenario is no regression, but it leaves its control
// unverified: that alone blocks the candidate.
func TestUnverifiedControlAloneGates(t *testing.T) {
	base, cand := green(), green()
	cand.HazardLog = &results.HazardLog{File: "hazards.csv", Form: "dcb0129", Hazards: []results.Hazard{
		{ID: "H-011", Title: "A follow-up is not booked", Controls: []results.Control{{ID: "C-011", Description: "d", VerifyByTest: true}}},
	}}
	scenario(t, cand, bookFollowUp).Tags = []string{"@control:C-011"}
	d := Compare(base, cand)
	assert.False(t, d.Gate(), "every scenario passed")

	scenario(t, cand, bookFollowUp).Status = results.Skipped
	d = Compare(base, cand)
	assert.Empty(t, d.Regressions)
	assert.True(t, d.Gate())
	assert.Equal(t, exitcode.Failures, d.ExitCode())
	assert.False(t, d.Clean())
}

// Without a hazard log there is no safety gate, whatever the tags say.
func TestNoHazardLogNoSafetyGate(t *testing.T) {
	base, cand := green(), green()
	scenario(t, cand, bookFollowUp).Tags = []string{"@control:C-011"}
	scenario(t, cand, bookFollowUp).Status = results.Skipped
	d := Compare(base, cand)
	assert.Nil(t, d.Safety)
	assert.Equal(t, []Control{}, d.Unverified)
	assert.False(t, d.Gate())
}

// A scenario the candidate planned and never ran is traced to its control
// by its tags in the baseline.
func TestUnverifiedControlNotRun(t *testing.T) {
	base := green()
	scenario(t, base, stopRx).Tags = []string{"@control:C-011"}
	cand := resultstest.Killed() // plans stopRx, never runs it
	cand.HazardLog = &results.HazardLog{File: "hazards.yaml", Form: "dcb0129", Hazards: []results.Hazard{
		{ID: "H-011", Title: "A medication is stopped without a reason", Controls: []results.Control{{ID: "C-011", Description: "d", VerifyByTest: true}}},
	}}
	d := Compare(base, cand)
	require.Len(t, d.Unverified, 1)
	assert.Equal(t, `unverified control C-011 (hazard H-011 "A medication is stopped without a reason"): features/medications.feature:11 did not run`, d.Unverified[0].Message)
	assert.Equal(t, "not run", d.Unverified[0].Scenarios[0].Status)
}

func TestAccessibilityRegressions(t *testing.T) {
	base, cand := safetyPair(t)
	d := Compare(base, cand)
	require.Len(t, d.Accessibility, 1)
	assert.Equal(t, "/patients/{id}/record button-name #banner > button", d.Accessibility[0].Key)
	assert.Equal(t, []string{malformed32}, d.Accessibility[0].Scenarios)
	require.Len(t, d.AccessibilityFixed, 1)
	assert.Equal(t, "color-contrast", d.AccessibilityFixed[0].Rule)
	assert.Equal(t, []string{".hint", ".muted"}, d.AccessibilityFixed[0].Targets)

	// Fixed violations never gate; a violation a current baseline entry
	// accepts is not failing, so not new.
	cand.HazardLog = nil
	pass(scenario(t, cand, nhsSearch))
	scenario(t, cand, reschedule).Status = results.Passed
	scenario(t, cand, bookFollowUp).Status = results.Passed
	acc := &scenario(t, cand, malformed32).Accessibility[0].Violations[0]
	acc.Baselined = &results.BaselineRef{File: "a11y-baseline.yaml", Line: 4, Reason: "fix in 2.5", Owner: "ux", Expires: "2099-01-01"}
	d = Compare(base, cand)
	assert.Empty(t, d.Accessibility)
	assert.Len(t, d.AccessibilityFixed, 1)
	assert.False(t, d.Gate())
	assert.False(t, d.Clean(), "a fixed violation is a change")

	// An expired entry accepts nothing.
	acc.Baselined.Expired = true
	assert.True(t, Compare(base, cand).Gate())

	// A violation on a page the candidate never checked is not fixed.
	scenario(t, cand, nameSearch).Accessibility = nil
	d = Compare(base, cand)
	assert.Empty(t, d.AccessibilityFixed)
}

// The same violation found by two scenarios is one entry naming both.
func TestAccessibilityViolationFoundTwice(t *testing.T) {
	base, cand := green(), green()
	v := violation("label", "critical", "Form elements must have labels", []string{"4.1.2"}, "#nhs")
	scenario(t, cand, nameSearch).Accessibility = []results.AccessibilityCheck{check("/patients", v)}
	scenario(t, cand, nhsSearch).Accessibility = []results.AccessibilityCheck{check("/patients", v)}
	d := Compare(base, cand)
	require.Len(t, d.Accessibility, 1)
	assert.ElementsMatch(t, []string{nhsSearch, nameSearch}, d.Accessibility[0].Scenarios)
	assert.Equal(t, "label (critical; WCAG 4.1.2) on /patients: Form elements must have labels: #nhs", d.Accessibility[0].Words())
}
