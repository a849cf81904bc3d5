package safety

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/results"
)

func testLog() *results.HazardLog {
	return &results.HazardLog{File: "hazards.yaml", Form: FormDCB0129, Hazards: []results.Hazard{
		{ID: "H-001", Title: "Wrong patient", Controls: []results.Control{
			{ID: "C-001", Description: "Banner", VerifyByTest: true},
			{ID: "C-002", Description: "Date of birth as registered", VerifyByTest: true},
			{ID: "C-003", Description: "Training", VerifyByTest: false},
		}},
		{ID: "H-002", Title: "Allergy not seen", Controls: []results.Control{
			{ID: "C-004", Description: "Alert", VerifyByTest: true},
		}},
		{ID: "H-003", Title: "Allergic drug prescribed", Controls: []results.Control{
			{ID: "C-005", Description: "Hard stop", VerifyByTest: true},
		}},
	}}
}

func sc(id string, st results.Status, tags ...string) *results.Scenario {
	return &results.Scenario{ID: id, Name: "scenario " + id, Status: st, Tags: tags, Line: idLine(id)}
}

func runOf(scs ...*results.Scenario) *results.Run {
	byFeature := map[string]*results.Feature{}
	run := &results.Run{}
	for _, s := range scs {
		uri := s.ID[:strings.LastIndexByte(s.ID, ':')]
		f, ok := byFeature[uri]
		if !ok {
			f = &results.Feature{URI: uri}
			byFeature[uri] = f
			run.Features = append(run.Features, f)
		}
		f.Scenarios = append(f.Scenarios, s)
	}
	return run
}

func control(t *testing.T, v *Verification, id string) ControlResult {
	t.Helper()
	for _, h := range v.Hazards {
		for _, c := range h.Controls {
			if c.Control.ID == id {
				return c
			}
		}
	}
	t.Fatalf("no control %s", id)
	return ControlResult{}
}

func scenarioIDs(c ControlResult) []string {
	var out []string
	for _, s := range c.Scenarios {
		out = append(out, s.ID)
	}
	return out
}

// @control:C verifies C; @hazard:H verifies every control of H unless the
// scenario also names one of H's controls; another hazard's control tag
// does not count.
func TestEvaluateTagRule(t *testing.T) {
	run := runOf(
		sc("f/a.feature:12", results.Passed, "@hazard:H-001"),                  // C-001, C-002, C-003
		sc("f/a.feature:5", results.Passed, "@hazard:H-001", "@control:C-002"), // C-002 only
		sc("f/b.feature:3", results.Passed, "@control:C-001"),                  // C-001
		sc("f/b.feature:9", results.Passed, "@hazard:H-002", "@control:C-005"), // C-004 (C-005 is H-003's) and C-005
		sc("f/c.feature:1", results.Passed, "@smoke"),
	)
	v := Evaluate(run, testLog())
	assert.Equal(t, []string{"f/a.feature:12", "f/b.feature:3"}, scenarioIDs(control(t, v, "C-001")), "by feature, then line")
	assert.Equal(t, []string{"f/a.feature:5", "f/a.feature:12"}, scenarioIDs(control(t, v, "C-002")), "line 5 before line 12")
	assert.Equal(t, []string{"f/a.feature:12"}, scenarioIDs(control(t, v, "C-003")))
	assert.Equal(t, []string{"f/b.feature:9"}, scenarioIDs(control(t, v, "C-004")))
	assert.Equal(t, []string{"f/b.feature:9"}, scenarioIDs(control(t, v, "C-005")))
	assert.Empty(t, v.Unverified)
	assert.Equal(t, 5, v.Controls)
	assert.Equal(t, 4, v.MustVerify)
	assert.Equal(t, 4, v.Verified)
	require.Len(t, v.Hazards, 3)
	assert.Equal(t, "H-001", v.Hazards[0].Hazard.ID, "log order")
	c := control(t, v, "C-001")
	assert.Equal(t, "H-001", c.HazardID)
	assert.Equal(t, "Wrong patient", c.HazardTitle)
	assert.True(t, c.Verified)
	assert.Empty(t, c.Reason)
}

// Every status but passed leaves a control unverified, naming the
// scenario; a control needs every one of its scenarios to pass.
func TestEvaluateStatuses(t *testing.T) {
	for st, why := range map[results.Status]string{
		results.Failed:      "f/a.feature:7 failed",
		results.Skipped:     "f/a.feature:7 was skipped",
		results.Flaky:       "f/a.feature:7 is flaky",
		results.Undefined:   "f/a.feature:7 is undefined",
		results.Pending:     "f/a.feature:7 is pending",
		results.Ambiguous:   "f/a.feature:7 is ambiguous",
		results.Interrupted: "f/a.feature:7 was interrupted",
	} {
		run := runOf(sc("f/a.feature:3", results.Passed, "@control:C-004"), sc("f/a.feature:7", st, "@hazard:H-002"))
		v := Evaluate(run, testLog())
		c := control(t, v, "C-004")
		assert.False(t, c.Verified, st)
		assert.Equal(t, why, c.Reason, st)
		require.NotEmpty(t, v.Unverified, st)
		var ids []string
		for _, u := range v.Unverified {
			ids = append(ids, u.Control.ID)
		}
		assert.Equal(t, []string{"C-001", "C-002", "C-004", "C-005"}, ids, "log order; C-003 is verified another way")
	}
}

func TestEvaluateReasons(t *testing.T) {
	run := runOf(
		sc("f/a.feature:3", results.Failed, "@control:C-001"),
		sc("f/a.feature:9", results.Skipped, "@control:C-001"),
		sc("f/a.feature:20", results.Passed, "@control:C-001", "@quarantine"),
	)
	run.Features[0].Scenarios[2].Quarantined = true
	run.Features[0].Scenarios[0].Attachments = []results.Attachment{{Name: "screenshot", Path: "a/s.png"}}
	run.Planned = []results.PlannedScenario{
		{ID: "f/a.feature:3"}, {ID: "f/a.feature:9"}, {ID: "f/a.feature:20"},
		{ID: "f/b.feature:4", Name: "never ran", Feature: "f/b.feature"},
		{ID: "f/b.feature:8", Name: "never ran either, tags unknown", Feature: "f/b.feature"},
	}
	v := Evaluate(run, testLog(), WithPlannedTags(map[string][]string{"f/b.feature:4": {"@control:C-001"}}))
	c := control(t, v, "C-001")
	assert.Equal(t, "f/a.feature:3 failed; f/a.feature:9 was skipped; f/b.feature:4 did not run", c.Reason)
	require.Len(t, c.Scenarios, 4)
	assert.Equal(t, ScenarioResult{ID: "f/b.feature:4", Name: "never ran", Feature: "f/b.feature", NotRun: true}, c.Scenarios[3])
	assert.Equal(t, []results.Attachment{{Name: "screenshot", Path: "a/s.png"}}, c.Scenarios[0].Attachments)
	assert.True(t, c.Scenarios[2].Quarantined)
	assert.Equal(t, results.Passed, c.Scenarios[2].Status)
	assert.Equal(t, "no scenario verifies it", control(t, v, "C-002").Reason)
	assert.Equal(t, "no scenario verifies it", control(t, v, "C-003").Reason, "judged, though never unverified")
	for _, u := range v.Unverified {
		assert.NotEqual(t, "C-003", u.Control.ID)
	}

	// Without the planned scenario's tags it cannot be traced.
	v = Evaluate(run, testLog())
	assert.Equal(t, "f/a.feature:3 failed; f/a.feature:9 was skipped", control(t, v, "C-001").Reason)
}

// A simple log's controls are its hazards: @hazard:H verifies them.
func TestEvaluateSimple(t *testing.T) {
	log, err := Read("testdata/simple.yaml")
	require.NoError(t, err)
	v := Evaluate(runOf(sc("f/a.feature:3", results.Passed, "@hazard:H-001")), log)
	assert.True(t, control(t, v, "H-001").Verified)
	require.Len(t, v.Unverified, 1)
	assert.Equal(t, "H-004", v.Unverified[0].Control.ID)
	assert.Equal(t, "no scenario verifies it", v.Unverified[0].Reason)
}

func TestEvaluateNil(t *testing.T) {
	assert.Nil(t, Evaluate(runOf(), nil))
	v := Evaluate(nil, testLog())
	assert.Len(t, v.Unverified, 4)
}
