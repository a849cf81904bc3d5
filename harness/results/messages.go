package results

import "time"

// Protocols of a Message.
const (
	ProtocolHL7v2 = "HL7v2" // HL7 v2 over MLLP
	ProtocolFHIR  = "FHIR"  // FHIR over HTTP (a message, a transaction, a notification)
)

// Directions of a Message, from the harness's side.
const (
	// Sent: the harness sent it to the EPR (as the PAS, the GP system).
	Sent = "sent"
	// Received: the EPR sent it to the harness's listener (its outbound
	// feed, a FHIR Subscription notification).
	Received = "received"
)

// Message is one message a scenario exchanged with the EPR's interfaces,
// kept as evidence: what was sent, what came back. Texts are redacted the
// way the rest of the evidence is before they are stored.
type Message struct {
	// Step is the index in Scenario.Steps of the step that sent the
	// message or found it received; -1 when no step did (a message that
	// arrived but that no step asked for).
	Step      int    `json:"step"`
	Protocol  string `json:"protocol"`
	Direction string `json:"direction"`
	// At is when it was sent or arrived.
	At time.Time `json:"at"`
	// Peer is the other end: the EPR's MLLP address or FHIR URL for a
	// message sent, the sender's address for one received.
	Peer string `json:"peer,omitempty"`
	// Type is what the message is: "ADT^A08" (MSH-9), "Bundle/message",
	// "ServiceRequest", "Appointment notification".
	Type string `json:"type"`
	// ControlID is MSH-10, or the FHIR message or resource id.
	ControlID string `json:"control_id,omitempty"`
	// Text is the message itself: HL7 v2 segments one per line, FHIR as
	// JSON (the method and path first for a FHIR request).
	Text string `json:"text"`
	// Answer is the EPR's (or, for a message received, the harness's)
	// reply: the ACK's segments, or the HTTP status line and body.
	Answer string `json:"answer,omitempty"`
	// Outcome is the reply in one word: the ACK code (AA, AE, AR, CA, …)
	// or the HTTP status code ("201").
	Outcome string `json:"outcome,omitempty"`
	// Error says why nothing came back (a timeout, a refused connection).
	Error string `json:"error,omitempty"`
}
