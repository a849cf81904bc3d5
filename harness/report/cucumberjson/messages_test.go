package cucumberjson

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/results/resultstest"
)

func TestGoldenMessages(t *testing.T) {
	resultstest.Golden(t, "messages.golden", write(t, resultstest.Messaging(), Config{}))
}

// Each message is a text/plain embedding on the step that sent or
// received it, named by what it was and its outcome, holding the message
// and its answer; a message of no step goes with the attachments.
func TestMessagesAreEmbeddedOnTheirSteps(t *testing.T) {
	doc := parse(t, write(t, resultstest.Messaging(), Config{}))
	require.Len(t, doc, 1)
	rejected, booked := doc[0].Elements[0], doc[0].Elements[1]

	send := rejected.Steps[1].Embeddings
	require.Len(t, send, 1)
	assert.Equal(t, "text/plain", send[0].MimeType)
	assert.Equal(t, "HL7v2 sent ADT^A08 (AE)", send[0].Name)
	assert.Equal(t, "HL7v2 sent ADT^A08 to 127.0.0.1:2575 at 2026-06-01T12:00:01.482Z, control id MSG00001\n"+
		resultstest.A08+"\n\nAnswer (AE):\n"+resultstest.A08Reject+"\n", string(decode(t, send[0].Data)))

	failing := rejected.Steps[2].Embeddings
	require.Len(t, failing, 1, "the unasked-for feed message goes with the scenario's attachments, on the failing step")
	assert.Equal(t, "HL7v2 received ADT^A01 (AA)", failing[0].Name)
	assert.Contains(t, string(decode(t, failing[0].Data)), "HL7v2 received ADT^A01 from 127.0.0.1:41822")

	require.Len(t, booked.Steps[0].Embeddings, 1)
	assert.Equal(t, "FHIR sent Subscription (201)", booked.Steps[0].Embeddings[0].Name)
	assert.Empty(t, booked.Steps[1].Embeddings)
	require.Len(t, booked.Steps[2].Embeddings, 1)
	note := booked.Steps[2].Embeddings[0]
	assert.Equal(t, "FHIR received Appointment notification (200)", note.Name)
	assert.Contains(t, string(decode(t, note.Data)), `"status":"booked"`)
}

// A scenario with no steps still carries its messages, in an after hook
// that does not change its outcome.
func TestMessagesOfAScenarioWithoutSteps(t *testing.T) {
	run := &results.Run{ID: "r", Features: []*results.Feature{{URI: "features/a.feature", Name: "A", Line: 1,
		Scenarios: []*results.Scenario{{ID: "features/a.feature:3", Keyword: "Scenario", Name: "S", Line: 3, Status: results.Passed,
			Messages: []results.Message{{Step: -1, Protocol: results.ProtocolHL7v2, Direction: results.Received, Type: "ADT^A03",
				Text: "MSH|x\rPID|1", Outcome: "AA"}}}}}}}
	el := parse(t, write(t, run, Config{}))[0].Elements[0]
	require.Len(t, el.After, 1)
	assert.Equal(t, "passed", el.After[0].Result.Status)
	require.Len(t, el.After[0].Embeddings, 1)
	assert.Equal(t, "HL7v2 received ADT^A03 (AA)", el.After[0].Embeddings[0].Name)
	assert.True(t, strings.HasSuffix(string(decode(t, el.After[0].Embeddings[0].Data)), "MSH|x\nPID|1\n\nAnswer (AA):\n"),
		"segments one per line")
}
