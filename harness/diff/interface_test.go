package diff

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/results/resultstest"
)

// Scenario ids of resultstest.Messaging.
const (
	rejectedA08 = "features/messaging.feature:6"  // failed at its third step (AE)
	bookedAppt  = "features/messaging.feature:14" // passed
)

// feed is an HL7 v2 message of the EPR's outbound feed, received and
// acknowledged AA by the harness, that no step asked for.
func feed(typ, control string, at time.Time) results.Message {
	return results.Message{Step: -1, Protocol: results.ProtocolHL7v2, Direction: results.Received, At: at,
		Peer: "127.0.0.1:41822", Type: typ, ControlID: control,
		Text:    "MSH|^~\\&|REFEPR|RHQ|GPSYS|GPPRACTICE|20260601090001||" + typ + "|" + control + "|P|2.4\nPID|1||9990000018^^^NHS^NH||POND^AMY",
		Answer:  "MSH|^~\\&|GPSYS|GPPRACTICE|REFEPR|RHQ|20260601090001||ACK|ACK-" + control + "|P|2.4\nMSA|AA|" + control,
		Outcome: "AA"}
}

// accept makes the rejected A08 of s accepted (AA) and its scenario pass,
// the GP system receiving the update at its last step.
func accept(s *results.Scenario) {
	for _, st := range s.Steps {
		st.Status, st.Error = results.Passed, ""
	}
	s.Status, s.FailureKind, s.Error, s.Repro = results.Passed, results.KindNone, "", ""
	s.Messages[0].Outcome = "AA"
	s.Messages[0].Answer = "MSH|^~\\&|REFEPR|RHQ|PAS|PASFAC|20260601090001||ACK^A08^ACK|ACK00001|P|2.4\nMSA|AA|MSG00001"
	gp := feed("ADT^A08^ADT_A01", "RQ0000018", s.Messages[1].At)
	gp.Step = 3
	s.Messages = append(s.Messages, gp)
}

// messagingPair is a baseline and a candidate whose interfaces differ:
//
//   - line 6 passed in the baseline (its A08 accepted AA, the GP system
//     sent the update); the candidate answers the A08 AE with ERR 204 and
//     the scenario fails at its third step, so its fourth step's message
//     and the ADT^A01 no step asked for are not compared.
//   - line 14 passes in both: the baseline's feed also sent an MDM^T02 and
//     one SIU^S12, the candidate's feed sent no MDM^T02, two SIU^S12 and
//     an SIU^S15 answered AR; it answered the Subscription 200 instead of
//     201 (the same class: no change) and notified by POST instead of PUT.
func messagingPair(t *testing.T) (base, cand *results.Run) {
	base, cand = resultstest.Messaging(), resultstest.Messaging()
	base.ID, cand.ID = "run-20260601T120000Z", "run-20260602T120000Z"
	cand.StartedAt = base.StartedAt.Add(24 * time.Hour)
	cand.Target.Version = "2.4.0-rc1"

	accept(scenario(t, base, rejectedA08))

	b := scenario(t, base, bookedAppt)
	at := b.Messages[1].At
	b.Messages = append(b.Messages, feed("MDM^T02", "RQ0000020", at), feed("SIU^S12", "RQ0000021", at))

	c := scenario(t, cand, bookedAppt)
	c.Messages[0].Outcome, c.Messages[0].Answer = "200", "200 OK"
	c.Messages[1].Text = strings.Replace(c.Messages[1].Text, "PUT ", "POST ", 1)
	ar := feed("SIU^S15", "RQ0000033", at)
	ar.Outcome = "AR"
	ar.Answer = "MSH|^~\\&|GPSYS|GPPRACTICE|REFEPR|RHQ|20260601090002||ACK|ACK-RQ0000033|P|2.4\nMSA|AR|RQ0000033\nERR||MSH^1^9|200^Unsupported message type^HL70357|E"
	c.Messages = append(c.Messages, feed("SIU^S12", "RQ0000031", at), feed("SIU^S12", "RQ0000032", at.Add(time.Second)), ar)
	return base, cand
}

func messages(cs []MessageChange) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.Message)
	}
	return out
}

func TestInterfaceChanges(t *testing.T) {
	base, cand := messagingPair(t)
	d := Compare(base, cand)
	require.Len(t, d.Interface, 2)

	rej := d.Interface[0]
	assert.Equal(t, rejectedA08, rej.ID)
	assert.Equal(t, "A demographics update for an unknown patient is rejected", rej.Name)
	assert.Equal(t, "HL7 v2 and FHIR messaging", rej.Feature)
	assert.Equal(t, results.Passed, rej.BaseStatus)
	assert.Equal(t, results.Failed, rej.CandidateStatus)
	require.NotNil(t, rej.UpTo)
	assert.Equal(t, "Then the EPR accepts the message (line 11)", rej.UpTo.String())
	assert.Equal(t, []string{"sent HL7v2 ADT^A08: ACK AA became AE (ERR 204)"}, messages(rej.Changes),
		"the GP system's A08 (a step after the failure) and the A01 no step asked for are not compared")
	assert.Equal(t, MessageChange{Kind: ChangeAnswer, Direction: results.Sent, Protocol: results.ProtocolHL7v2, Type: "ADT^A08",
		BaseAnswer: "AA", CandidateAnswer: "AE (ERR 204)", Count: 1, Message: rej.Changes[0].Message}, rej.Changes[0])

	bk := d.Interface[1]
	assert.Equal(t, bookedAppt, bk.ID)
	assert.Equal(t, results.Passed, bk.BaseStatus)
	assert.Equal(t, results.Passed, bk.CandidateStatus)
	assert.Nil(t, bk.UpTo)
	assert.Equal(t, []string{
		"received FHIR POST Appointment notification (HTTP 2xx) in the candidate, not in the base",
		"received FHIR PUT Appointment notification (HTTP 2xx) in the base, not in the candidate",
		"received HL7v2 MDM^T02 (ACK AA) in the base, not in the candidate",
		"received HL7v2 SIU^S12 (ACK AA): 1 in the base, 2 in the candidate",
		"received HL7v2 SIU^S15 (ACK AR (ERR 200)) in the candidate, not in the base",
	}, messages(bk.Changes), "the Subscription's 201 and 200 are both 2xx; the A01 is in both")
	assert.Equal(t, ChangeNew, bk.Changes[3].Kind)
	assert.Equal(t, 1, bk.Changes[3].Count)
	assert.Equal(t, 1, bk.Changes[3].BaseCount)
	assert.Equal(t, 2, bk.Changes[3].CandidateCount)

	// Informational: the gate is what the scenarios say.
	assert.Equal(t, []string{rejectedA08}, ids(d.Regressions))
	assert.False(t, d.Clean())
	assert.Contains(t, d.Summary(), "1 regression, ")
	assert.True(t, strings.HasSuffix(d.Summary(), ", 2 scenarios with interface changes"), d.Summary())
}

func TestInterfaceChangesNeverGate(t *testing.T) {
	base, cand := resultstest.Messaging(), resultstest.Messaging()
	c := scenario(t, cand, bookedAppt)
	c.Messages = c.Messages[:1] // the notification never came, yet the scenario passed
	c.Messages[0].Outcome = "422"
	d := Compare(base, cand)
	require.Len(t, d.Interface, 1)
	assert.Equal(t, []string{
		"received FHIR PUT Appointment notification (HTTP 2xx) in the base, not in the candidate",
		"sent FHIR POST Subscription: HTTP 2xx became 4xx",
	}, messages(d.Interface[0].Changes))
	assert.False(t, d.Gate(), "no scenario asserted these messages")
	assert.Empty(t, d.Regressions)
	assert.False(t, d.Clean())
}

func TestInterfaceIgnoresIDsTimesAndOrder(t *testing.T) {
	base, cand := resultstest.Messaging(), resultstest.Messaging()
	for _, s := range cand.Features[0].Scenarios {
		for i := range s.Messages {
			m := &s.Messages[i]
			m.ControlID += "-2"
			m.At = m.At.Add(time.Hour)
			m.Peer = "127.0.0.1:1"
			m.Text = strings.ReplaceAll(m.Text, "2026", "2027")
		}
		// Reversed: order is not compared.
		for i, j := 0, len(s.Messages)-1; i < j; i, j = i+1, j-1 {
			s.Messages[i], s.Messages[j] = s.Messages[j], s.Messages[i]
		}
	}
	// MSH-9 with its structure is the same type; 201 and 200 the same class.
	scenario(t, cand, rejectedA08).Messages[0].Type = "ADT^A08^ADT_A01"
	scenario(t, cand, bookedAppt).Messages[0].Outcome = "200"
	d := Compare(base, cand)
	assert.Empty(t, d.Interface)
	assert.True(t, d.Clean())
	assert.NotContains(t, d.Summary(), "interface")
}

func TestInterfaceSkipsWhatDidNotRunInBoth(t *testing.T) {
	base, cand := resultstest.Messaging(), resultstest.Messaging()
	// Skipped in the candidate (a tag excluded it): nothing was exchanged.
	c := scenario(t, cand, bookedAppt)
	c.Status, c.Messages = results.Skipped, nil
	for _, st := range c.Steps {
		st.Status = results.Skipped
	}
	// New in the candidate: nothing to compare with.
	added := *scenario(t, cand, rejectedA08)
	added.ID, added.Line = "features/messaging.feature:40", 40
	cand.Features[0].Scenarios = append(cand.Features[0].Scenarios, &added)
	d := Compare(base, cand)
	assert.Empty(t, d.Interface)
}

func TestInterfaceCountsMessagesOfAType(t *testing.T) {
	base, cand := resultstest.Messaging(), resultstest.Messaging()
	b, c := scenario(t, base, bookedAppt), scenario(t, cand, bookedAppt)
	at := b.Messages[1].At
	b.Messages = append(b.Messages, feed("SIU^S12", "1", at), feed("SIU^S12", "2", at), feed("SIU^S12", "3", at))
	ae := feed("SIU^S12", "4", at)
	ae.Outcome = "AE"
	c.Messages = append(c.Messages, ae, ae)
	d := Compare(base, cand)
	require.Len(t, d.Interface, 1)
	assert.Equal(t, []string{
		"received HL7v2 SIU^S12 (ACK AA): 3 in the base, 0 in the candidate",
		"received HL7v2 SIU^S12: ACK AA became AE (2 messages)",
	}, messages(d.Interface[0].Changes))
	gone := d.Interface[0].Changes[0]
	assert.Equal(t, ChangeGone, gone.Kind)
	assert.Equal(t, 1, gone.Count)
	assert.Equal(t, 3, gone.BaseCount)
	assert.Equal(t, 0, gone.CandidateCount)
	// All three gone, none received: "3 times".
	c.Messages = c.Messages[:2]
	assert.Equal(t, []string{"received HL7v2 SIU^S12 (ACK AA) 3 times in the base, not in the candidate"},
		messages(Compare(base, cand).Interface[0].Changes))
}

func TestInterfaceNoAnswer(t *testing.T) {
	base, cand := resultstest.Messaging(), resultstest.Messaging()
	m := &scenario(t, cand, rejectedA08).Messages[0]
	m.Outcome, m.Answer, m.Error = "", "", "read tcp 127.0.0.1:2575: i/o timeout"
	d := Compare(base, cand)
	require.Len(t, d.Interface, 1)
	assert.Equal(t, []string{"sent HL7v2 ADT^A08: ACK AE (ERR 204) became no answer"}, messages(d.Interface[0].Changes))
}

func TestInterfaceRunWithoutMessagesIsNotCompared(t *testing.T) {
	base, cand := resultstest.Messaging(), resultstest.Messaging()
	base.ID = "run-old"
	for _, s := range base.Features[0].Scenarios {
		s.Messages = nil
	}
	d := Compare(base, cand)
	assert.Empty(t, d.Interface, "an older harness kept no messages: not every message is new")
	assert.Equal(t, []string{"baseline run run-old recorded no interface messages (a harness that did not keep them): interface changes are not compared"}, d.Warnings)
	assert.False(t, d.Gate())

	// Runs without messaging scenarios have nothing to warn about.
	assert.Empty(t, Compare(resultstest.Sample(), resultstest.Sample()).Warnings)
}

func TestShapeOf(t *testing.T) {
	for _, c := range []struct {
		m    results.Message
		want Shape
	}{
		{results.Message{Protocol: results.ProtocolHL7v2, Direction: results.Sent, Type: "ADT^A08", Outcome: "AE", Answer: resultstest.A08Reject},
			Shape{results.Sent, results.ProtocolHL7v2, "ADT^A08", "AE (ERR 204)"}},
		// Another field separator; two ERR segments, sorted, once each.
		{results.Message{Protocol: results.ProtocolHL7v2, Direction: results.Sent, Type: "ORM^O01^ORM_O01", Outcome: "ar",
			Answer: "MSH#^~\\&#EPR\rMSA#AR#1\rERR##PID^1^3#207^Application internal error\rERR###102\rERR###207"},
			Shape{results.Sent, results.ProtocolHL7v2, "ORM^O01", "AR (ERR 102, 207)"}},
		{results.Message{Protocol: results.ProtocolHL7v2, Direction: results.Received, Type: "unparseable", Error: "no MSH"},
			Shape{results.Received, results.ProtocolHL7v2, "unparseable", "not acknowledged"}},
		{results.Message{Protocol: results.ProtocolFHIR, Direction: results.Sent, Type: "Bundle/message", Text: "POST http://epr/fhir/$process-message\n\n{}", Outcome: "503"},
			Shape{results.Sent, results.ProtocolFHIR, "POST Bundle/message", "5xx"}},
		{results.Message{Protocol: results.ProtocolFHIR, Direction: results.Sent, Type: "ServiceRequest search", Text: "GET http://epr/fhir/ServiceRequest?x=1", Error: "connection refused"},
			Shape{results.Sent, results.ProtocolFHIR, "GET ServiceRequest search", "no answer"}},
	} {
		assert.Equal(t, c.want, ShapeOf(c.m), c.m.Type)
	}
}

func TestInterfaceOutput(t *testing.T) {
	base, cand := messagingPair(t)
	d := Compare(base, cand)

	txt := string(write(t, d, "text", Config{}))
	assert.Contains(t, txt, "\nInterface changes (not gating) (2)\n"+
		"  features/messaging.feature:6  A demographics update for an unknown patient is rejected\n"+
		"    passed -> failed; compared up to: Then the EPR accepts the message (line 11)\n"+
		"    sent HL7v2 ADT^A08: ACK AA became AE (ERR 204)\n"+
		"  features/messaging.feature:14  The GP system is told when an appointment is booked\n"+
		"    passed -> passed\n"+
		"    received FHIR POST Appointment notification (HTTP 2xx) in the candidate, not in the base\n")

	md := string(write(t, d, "markdown", Config{}))
	assert.Contains(t, md, "\n### Interface changes (2)\n\n")
	assert.Contains(t, md, "| `features/messaging.feature:14` The GP system is told when an appointment is booked | passed | passed | received FHIR POST Appointment notification (HTTP 2xx) in the candidate, not in the base |\n"+
		"| | | | received FHIR PUT Appointment notification (HTTP 2xx) in the base, not in the candidate |\n")
	assert.Contains(t, md, "(compared up to: Then the EPR accepts the message (line 11)) | passed | failed | sent HL7v2 ADT^A08: ACK AA became AE (ERR 204) |")
	// Every row of the table has the header's cell count.
	sec := md[strings.Index(md, "### Interface changes"):]
	for _, l := range strings.Split(sec, "\n") {
		if strings.HasPrefix(l, "|") {
			assert.Equal(t, 5, strings.Count(strings.ReplaceAll(l, `\|`, ""), "|"), l)
		}
	}

	html := string(write(t, d, "html", Config{}))
	assert.Contains(t, html, `<h2 id="interface">Interface changes (2)</h2>`)
	assert.Contains(t, html, `<li class="answer">sent HL7v2 ADT^A08: ACK AA became AE (ERR 204)</li>`)
	assert.Contains(t, html, `<li class="gone">received HL7v2 MDM^T02 (ACK AA) in the base, not in the candidate</li>`)
	assert.Contains(t, html, "compared up to: Then the EPR accepts the message (line 11)")

	var doc struct {
		Gate             bool              `json:"gate"`
		InterfaceChanges []InterfaceChange `json:"interface_changes"`
	}
	require.NoError(t, json.Unmarshal(write(t, d, "json", Config{}), &doc))
	assert.Equal(t, d.Interface, doc.InterfaceChanges)

	var raw map[string]any
	require.NoError(t, json.Unmarshal(write(t, d, "json", Config{}), &raw))
	ic := raw["interface_changes"].([]any)[0].(map[string]any)
	assert.Equal(t, []string{"base_status", "candidate_status", "changes", "feature", "id", "name", "up_to"}, keys(ic))
	assert.Equal(t, []string{"base_answer", "candidate_answer", "count", "direction", "kind", "message", "protocol", "type"},
		keys(ic["changes"].([]any)[0].(map[string]any)))
}

func TestGoldenInterface(t *testing.T) {
	base, cand := messagingPair(t)
	d := Compare(base, cand)
	for _, f := range []struct{ format, golden string }{
		{"text", "interface.txt.golden"}, {"markdown", "interface.md.golden"}, {"json", "interface.json.golden"}, {"html", "interface.html.golden"},
	} {
		resultstest.Golden(t, f.golden, write(t, d, f.format, Config{}))
	}
}
