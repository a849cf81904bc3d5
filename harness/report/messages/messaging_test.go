package messages

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	msg "github.com/cucumber/messages/go/v34"

	"github.com/eprharness/eprharness/harness/results/resultstest"
)

// Each HL7 v2 or FHIR message is a text/plain attachment on the test step
// that sent or received it, named by what it was and its outcome, holding
// the message and its answer, timed when it was sent or arrived.
func TestGoldenMessages(t *testing.T) {
	out := write(t, resultstest.Messaging(), Config{})
	resultstest.Golden(t, "messages.golden", out)
	s := check(t, out)

	var got []*msg.Attachment
	for _, e := range s.envs {
		if a := e.Attachment; a != nil && a.MediaType == "text/plain" {
			got = append(got, a)
		}
	}
	require.Len(t, got, 4)
	names := []string{}
	for _, a := range got {
		names = append(names, a.FileName)
		assert.Equal(t, msg.AttachmentContentEncoding_IDENTITY, a.ContentEncoding)
		assert.NotNil(t, a.Timestamp)
	}
	assert.Equal(t, []string{"HL7v2 sent ADT^A08 (AE)", "HL7v2 received ADT^A01 (AA)", "FHIR sent Subscription (201)",
		"FHIR received Appointment notification (200)"}, names)
	sid := "features/messaging.feature:6"
	assert.Equal(t, "testcase:"+sid+":step:2", got[0].TestStepId, "on the step that sent it")
	assert.Equal(t, "testcase:"+sid+":step:3", got[1].TestStepId, "no step asked for it: where the attachments go, the failing step")
	assert.Equal(t, "HL7v2 sent ADT^A08 to 127.0.0.1:2575 at 2026-06-01T12:00:01.482Z, control id MSG00001\n"+
		resultstest.A08+"\n\nAnswer (AE):\n"+resultstest.A08Reject+"\n", got[0].Body)
	assert.Equal(t, "testcase:features/messaging.feature:14:step:3", got[3].TestStepId)
	assert.Contains(t, got[3].Body, `"status":"booked"`)
}
