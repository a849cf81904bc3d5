package results_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/results"
)

func TestCapText(t *testing.T) {
	assert.Equal(t, "MSH|x", results.CapText("MSH|x"))
	exact := strings.Repeat("a", results.MaxMessageText)
	assert.Equal(t, exact, results.CapText(exact), "a text of exactly the limit is kept whole")

	long := strings.Repeat("é", results.MaxMessageText) // two bytes each
	got := results.CapText(long)
	assert.LessOrEqual(t, len(got), results.MaxMessageText)
	assert.True(t, utf8.ValidString(got), "cut at a character boundary")
	head, more, ok := strings.Cut(got, "\n… (")
	require.True(t, ok, "the marker ends the text")
	assert.Equal(t, fmt.Sprintf("%d bytes more)", len(long)-len(head)), more, "the marker counts the bytes left out")
	assert.True(t, strings.HasPrefix(long, head))
	assert.Equal(t, got, results.CapText(got), "capping again changes nothing")

	m := results.Message{Text: long, Answer: long, Error: "short"}.Capped()
	assert.Equal(t, got, m.Text)
	assert.Equal(t, got, m.Answer)
	assert.Equal(t, "short", m.Error)
}

func TestMessageWords(t *testing.T) {
	at := time.Date(2026, 6, 1, 9, 0, 1, 250e6, time.UTC)
	ae := results.Message{Step: 1, Protocol: results.ProtocolHL7v2, Direction: results.Sent, At: at, Peer: "127.0.0.1:2575",
		Type: "ADT^A08", ControlID: "0001", Text: "MSH|^~\\&|PAS\rPID|1\r", Answer: "MSH|^~\\&|REFEPR\rMSA|AE|0001\r", Outcome: "AE"}
	assert.True(t, ae.Failed())
	assert.Equal(t, "HL7v2 sent ADT^A08 (AE)", ae.Title())
	assert.Equal(t, "HL7v2 sent ADT^A08 (AE), control id 0001", ae.Line())
	assert.Equal(t, "Sent to EPR", ae.DirectionWords())
	assert.Equal(t, "HL7v2 sent ADT^A08 to 127.0.0.1:2575 at 2026-06-01T09:00:01.250Z, control id 0001\n"+
		"MSH|^~\\&|PAS\nPID|1\n\nAnswer (AE):\nMSH|^~\\&|REFEPR\nMSA|AE|0001\n", ae.Document())

	ok := results.Message{Protocol: results.ProtocolFHIR, Direction: results.Received, Type: "Appointment notification",
		Text: "PUT /notify/s1/Appointment/7\n{}", Answer: "200 OK", Outcome: "200"}
	assert.False(t, ok.Failed())
	assert.Equal(t, "Received from EPR", ok.DirectionWords())
	assert.Equal(t, "FHIR received Appointment notification (200)", ok.Title())
	assert.Equal(t, "FHIR received Appointment notification\nPUT /notify/s1/Appointment/7\n{}\n\nAnswer (200):\n200 OK\n", ok.Document())

	lost := results.Message{Protocol: results.ProtocolHL7v2, Direction: results.Sent, Type: "ADT^A28",
		Text: "MSH|x", Error: "dial tcp 127.0.0.1:2575: connect: connection refused\nmore"}
	assert.True(t, lost.Failed())
	assert.Equal(t, "HL7v2 sent ADT^A28 (no answer)", lost.Title())
	assert.Equal(t, "HL7v2 sent ADT^A28 (no answer): dial tcp 127.0.0.1:2575: connect: connection refused", lost.Line())
	assert.Contains(t, lost.Document(), "\nNo answer: dial tcp")

	for outcome, failed := range map[string]bool{"AA": false, "CA": false, "AE": true, "ar": true, "CE": true, "CR": true,
		"201": false, "399": false, "400": true, "503": true, "": false} {
		assert.Equal(t, failed, results.Message{Outcome: outcome}.Failed(), outcome)
	}
}

func TestMessagesJSONRoundTrip(t *testing.T) {
	sc := &results.Scenario{ID: "features/m.feature:3", Status: results.Failed, Messages: []results.Message{
		{Step: 1, Protocol: results.ProtocolHL7v2, Direction: results.Sent, At: time.Date(2026, 6, 1, 9, 0, 1, 0, time.UTC),
			Peer: "127.0.0.1:2575", Type: "ADT^A08", ControlID: "0001", Text: "MSH|^~\\&|PAS\nPID|||9990000018^^^NHS^NH",
			Answer: "MSH|^~\\&|REFEPR\nMSA|AE|0001\nERR|||204^Unknown key identifier", Outcome: "AE"},
		{Step: -1, Protocol: results.ProtocolFHIR, Direction: results.Received, At: time.Date(2026, 6, 1, 9, 0, 2, 0, time.UTC),
			Type: "Appointment notification", Text: `PUT /notify/x/Appointment/1` + "\n" + `{"status":"booked"}`, Outcome: "200"},
		{Step: 2, Protocol: results.ProtocolHL7v2, Direction: results.Sent, Type: "ADT^A28", Error: "timeout"},
	}}
	data, err := json.Marshal(sc)
	require.NoError(t, err)
	assert.Contains(t, string(data), `"messages":[{"step":1,"protocol":"HL7v2","direction":"sent"`)
	var back results.Scenario
	require.NoError(t, json.Unmarshal(data, &back))
	assert.Equal(t, sc.Messages, back.Messages)

	data, err = json.Marshal(&results.Scenario{ID: "x"})
	require.NoError(t, err)
	assert.NotContains(t, string(data), "messages", "no messages, no key")
}
