package resultstest

import (
	"time"

	"github.com/eprharness/eprharness/harness/results"
)

// A08 is the HL7 v2 message the PAS sent in Messaging's failed scenario,
// segments one per line as the runner records them.
const A08 = "MSH|^~\\&|PAS|PASFAC|REFEPR|RHQ|20260601090001||ADT^A08^ADT_A01|MSG00001|P|2.4\n" +
	"EVN|A08|20260601090001\n" +
	"PID|1||9990000018^^^NHS^NH||POND^AMY||19890422|F|||1 Main Street^^Leeds^^LS1 4AP\n" +
	"PV1|1|I"

// A08Reject is the EPR's answer to A08: an application error with an ERR
// segment.
const A08Reject = "MSH|^~\\&|REFEPR|RHQ|PAS|PASFAC|20260601090001||ACK^A08^ACK|ACK00001|P|2.4\n" +
	"MSA|AE|MSG00001|Unknown key identifier\n" +
	"ERR||PID^1^3|204^Unknown key identifier^HL70357|E"

// Messaging returns a new deterministic run of one feature,
// "features/messaging.feature", whose two scenarios exchanged messages
// with the EPR's interfaces (results.Scenario.Messages), with Sample's run
// identity:
//
//   - line 6, failed (assertion): its second step sent the HL7 v2 ADT^A08
//     A08, which the EPR answered with A08Reject (AE), so its third step
//     ("Then the EPR accepts the message") failed; an ADT^A01 of the
//     EPR's outbound feed arrived that no step asked for (Step -1).
//   - line 14, passed: its first step posted a FHIR Subscription (201)
//     and its last step found the EPR's rest-hook notification of the
//     booked appointment (a FHIR message received, answered 200).
func Messaging() *results.Run {
	run := Sample()
	run.ID = "run-20260601T120000Z"
	run.StartedAt = Start.Add(3 * time.Hour)
	b := &builder{at: run.StartedAt.Add(500 * time.Millisecond)}
	f := &results.Feature{URI: "features/messaging.feature", Name: "HL7 v2 and FHIR messaging", Line: 2,
		Tags: []string{"@messaging"}}
	rejected := b.scenario(f, "Scenario", "A demographics update for an unknown patient is rejected", 6,
		[]string{"@hl7"}, results.KindAssertion,
		[]*results.Step{
			step("Given ", "I am signed in as a receptionist", 7, results.Passed, 812, "steps/session.go:31", ""),
			step("When ", `the PAS sends an "ADT^A08" message for Amy Pond with:`, 8, results.Passed, 143, "steps/messaging/send.go:40", ""),
			step("Then ", "the EPR accepts the message", 11, results.Failed, 2, "steps/messaging/ack.go:22",
				"the EPR rejected the message: MSA-1 is \"AE\", not AA or CA: Unknown key identifier (ERR-3 204)"),
			step("And ", `the GP system receives an "ADT^A08" message for Amy Pond`, 12, results.Skipped, 0, "steps/messaging/receive.go:51", ""),
		})
	at := rejected.StartedAt.Add(150*time.Millisecond + 812*time.Millisecond)
	rejected.Messages = []results.Message{
		{Step: 1, Protocol: results.ProtocolHL7v2, Direction: results.Sent, At: at.Add(20 * time.Millisecond),
			Peer: "127.0.0.1:2575", Type: "ADT^A08", ControlID: "MSG00001", Text: A08, Answer: A08Reject, Outcome: "AE"},
		{Step: -1, Protocol: results.ProtocolHL7v2, Direction: results.Received, At: at.Add(90 * time.Millisecond),
			Peer: "127.0.0.1:41822", Type: "ADT^A01", ControlID: "RQ0000017",
			Text: "MSH|^~\\&|REFEPR|RHQ|GPSYS|GPPRACTICE|20260601090001||ADT^A01^ADT_A01|RQ0000017|P|2.4\n" +
				"EVN|A01|20260601090001\nPID|1||9990000026^^^NHS^NH||WILLIAMS^RORY\nPV1|1|I|Ward 7^^Bed 3",
			Answer:  "MSH|^~\\&|GPSYS|GPPRACTICE|REFEPR|RHQ|20260601090001||ACK^A01^ACK|ACK-RQ0000017|P|2.4\nMSA|AA|RQ0000017",
			Outcome: "AA"},
	}
	booked := b.scenario(f, "Scenario", "The GP system is told when an appointment is booked", 14,
		[]string{"@fhir"}, results.KindNone,
		[]*results.Step{
			step("Given ", "the GP system subscribes to appointment notifications for Amy Pond", 15, results.Passed, 96, "steps/messaging/fhir.go:88", ""),
			step("When ", `the receptionist books a "Cardiology" appointment for Amy Pond`, 16, results.Passed, 1730, "steps/appointments.go:19", ""),
			step("Then ", `the GP system is notified that Amy Pond's appointment is "booked"`, 17, results.Passed, 310, "steps/messaging/fhir.go:131", ""),
		})
	at = booked.StartedAt.Add(150 * time.Millisecond)
	booked.Messages = []results.Message{
		{Step: 0, Protocol: results.ProtocolFHIR, Direction: results.Sent, At: at.Add(10 * time.Millisecond),
			Peer: "http://127.0.0.1:8080/fhir", Type: "Subscription", ControlID: "sub-1",
			Text: "POST http://127.0.0.1:8080/fhir/Subscription\n" +
				`{"resourceType":"Subscription","status":"requested","criteria":"Appointment?patient.identifier=https://fhir.nhs.uk/Id/nhs-number|9990000018",` +
				`"channel":{"type":"rest-hook","endpoint":"http://127.0.0.1:40411/notify/s-14","payload":"application/fhir+json"}}`,
			Answer:  "201 Created\n" + `{"resourceType":"Subscription","id":"sub-1","status":"active"}`,
			Outcome: "201"},
		{Step: 2, Protocol: results.ProtocolFHIR, Direction: results.Received, At: at.Add(1900 * time.Millisecond),
			Peer: "127.0.0.1:52110", Type: "Appointment notification", ControlID: "appt-42",
			Text: "PUT /notify/s-14/Appointment/appt-42\n" +
				`{"resourceType":"Appointment","id":"appt-42","status":"booked","participant":[{"actor":{"identifier":{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9990000018"}}}]}`,
			Answer: "200 OK", Outcome: "200"},
	}
	f.Scenarios = []*results.Scenario{rejected, booked}
	rejected.Repro = "eprharness run " + rejected.ID + " --headed --trace always --keep-backends"
	run.Features = []*results.Feature{f}
	run.FinishedAt = b.at.Add(400 * time.Millisecond)
	return run
}
