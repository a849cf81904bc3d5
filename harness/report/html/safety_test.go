package html

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/results/resultstest"
)

// With the run's hazard log, the safety section lists each control with
// the scenarios that verify it, as the gate judges them: unverified
// controls first, with the reason.
func TestGoldenControls(t *testing.T) {
	run := resultstest.Sample()
	run.HazardLog = &results.HazardLog{File: "features/hazards.yaml", Form: "dcb0129", Hazards: []results.Hazard{
		{ID: "H-001", Title: "Wrong patient identified on a record page", Controls: []results.Control{
			{ID: "C-001", Description: "Every record page shows the patient banner", VerifyByTest: true},
			{ID: "C-002", Description: "Staff are trained to check three identifiers", VerifyByTest: false},
		}},
		{ID: "H-004", Title: "A deteriorating patient is not escalated", Controls: []results.Control{
			{ID: "C-008", Description: "NEWS2 is scored and the response band shown", VerifyByTest: true},
		}},
		{ID: "H-010", Title: "Two patients booked into one slot", Controls: []results.Control{
			{ID: "C-015", Description: "A taken slot cannot be booked again", VerifyByTest: true},
		}},
	}}
	out := string(write(t, run, sampleConfig()))
	resultstest.Golden(t, "controls.golden", []byte(out))
	safety := out[strings.Index(out, `id="safety"`):strings.Index(out, `id="scenarios"`)]
	assert.Contains(t, safety, "Controls and the scenarios that verify them")
	// C-001: H-001's scenarios include the failed NHS-number search.
	// C-008: its one scenario is flaky. C-015: no scenario at all.
	for _, id := range []string{"C-001", "C-008", "C-015"} {
		assert.Contains(t, safety, `<span class="hazard-id">`+id+`</span>`)
	}
	assert.Less(t, strings.Index(safety, ">C-015<"), strings.Index(safety, ">C-002<"), "unverified controls come first")
	assert.Contains(t, safety, "Verified outside the suite (not by test)")
	assert.Equal(t, 3, strings.Count(safety, "Unverified: "))
	assert.Contains(t, safety, "hazard H-010 Two patients booked into one slot")
}
