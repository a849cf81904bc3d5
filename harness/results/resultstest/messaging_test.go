package resultstest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/results/resultstest"
)

func TestMessaging(t *testing.T) {
	a, b := resultstest.Messaging(), resultstest.Messaging()
	assert.Equal(t, a, b, "deterministic")
	a.Features[0].Scenarios[0].Messages[0].Text = "changed"
	assert.Equal(t, resultstest.A08, b.Features[0].Scenarios[0].Messages[0].Text, "fresh")

	run := resultstest.Messaging()
	require.Len(t, run.Features, 1)
	rejected, booked := run.Features[0].Scenarios[0], run.Features[0].Scenarios[1]
	assert.Equal(t, results.Failed, rejected.Status)
	assert.Equal(t, results.Passed, booked.Status)
	var failed, fhirReceived, unstepped int
	for _, s := range run.Features[0].Scenarios {
		for _, m := range s.Messages {
			if m.Failed() {
				failed++
			}
			if m.Protocol == results.ProtocolFHIR && m.Direction == results.Received {
				fhirReceived++
			}
			if m.Step < 0 {
				unstepped++
			}
			assert.False(t, m.At.Before(s.StartedAt) || m.At.After(s.StartedAt.Add(s.Duration)), "%s: during its scenario", m.Title())
		}
	}
	assert.Equal(t, 1, failed, "the AE")
	assert.Equal(t, 1, fhirReceived, "the notification")
	assert.Equal(t, 1, unstepped)
	assert.Equal(t, "AE", rejected.Messages[0].Outcome)
	assert.False(t, run.Unfinished())
}
