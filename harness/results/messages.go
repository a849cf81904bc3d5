package results

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

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

// MaxMessageText is the most bytes a Message's Text, Answer or Error keeps
// (CapText): a message longer than that (a large FHIR Bundle, a document
// in an MDM) keeps its start and says how much was left out.
const MaxMessageText = 64 << 10

// CapText returns s when it is at most MaxMessageText bytes long, else its
// start, cut at a character boundary, followed by "\n… (N bytes more)",
// the whole at most MaxMessageText bytes. Capping a capped text changes
// nothing.
func CapText(s string) string {
	if len(s) <= MaxMessageText {
		return s
	}
	// The marker with len(s) bytes more is at least as long as the one
	// with the count it will hold.
	cut := MaxMessageText - len(moreMarker(len(s)))
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + moreMarker(len(s)-cut)
}

func moreMarker(n int) string { return fmt.Sprintf("\n… (%d bytes more)", n) }

// Capped returns m with its Text, Answer and Error capped (CapText).
func (m Message) Capped() Message {
	m.Text, m.Answer, m.Error = CapText(m.Text), CapText(m.Answer), CapText(m.Error)
	return m
}

// Failed reports whether the message failed by its answer: an ACK that
// is an error or a reject (AE, AR, CE, CR), an HTTP status of 400 or
// more, or no answer at all (Error). A message received that the harness
// acknowledged is not failed.
func (m Message) Failed() bool {
	if m.Error != "" {
		return true
	}
	switch strings.ToUpper(m.Outcome) {
	case "AE", "AR", "CE", "CR":
		return true
	}
	code, err := strconv.Atoi(m.Outcome)
	return err == nil && code >= 400
}

// DirectionWords puts the direction as the reports show it: "Sent to
// EPR" or "Received from EPR".
func (m Message) DirectionWords() string {
	switch m.Direction {
	case Sent:
		return "Sent to EPR"
	case Received:
		return "Received from EPR"
	}
	return m.Direction
}

// Title names the message in a few words, as attachments are named:
// "HL7v2 sent ADT^A08 (AE)", "FHIR received Appointment notification
// (200)", "HL7v2 sent ADT^A28 (no answer)".
func (m Message) Title() string {
	t := m.what()
	switch {
	case m.Outcome != "":
		t += " (" + m.Outcome + ")"
	case m.Error != "":
		t += " (no answer)"
	}
	return t
}

// what is protocol, direction and type: "HL7v2 sent ADT^A08".
func (m Message) what() string {
	return strings.Join(strings.Fields(m.Protocol+" "+m.Direction+" "+m.Type), " ")
}

// Line is the message in one line, as log lines show it: its Title, its
// control id and, for a message that had no answer, why:
// "HL7v2 sent ADT^A08 (AE), control id 0001".
func (m Message) Line() string {
	l := m.Title()
	if m.ControlID != "" {
		l += ", control id " + m.ControlID
	}
	if m.Error != "" {
		l += ": " + firstLineOf(m.Error)
	}
	return l
}

// Segments is text with HL7 v2 segment separators (CR, CR LF) turned into
// line feeds, so that each segment is a line of its own.
func Segments(text string) string {
	return strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
}

// Document is the message in full as plain text, as attachments carry it:
// a heading line (what, to or from where, when, control id), the message,
// then its answer and why there was none:
//
//	HL7v2 sent ADT^A08 to 127.0.0.1:2575 at 2026-06-01T09:00:01.250Z, control id 0001
//	MSH|^~\&|PAS|…
//
//	Answer (AE):
//	MSH|^~\&|REFEPR|…
//
// HL7 v2 segments are one per line.
func (m Message) Document() string {
	var b strings.Builder
	b.WriteString(m.what())
	if m.Peer != "" {
		if m.Direction == Received {
			b.WriteString(" from " + m.Peer)
		} else {
			b.WriteString(" to " + m.Peer)
		}
	}
	if !m.At.IsZero() {
		b.WriteString(" at " + m.At.UTC().Format("2006-01-02T15:04:05.000Z"))
	}
	if m.ControlID != "" {
		b.WriteString(", control id " + m.ControlID)
	}
	b.WriteString("\n" + strings.TrimRight(m.ShownText(), "\n") + "\n")
	if m.Answer != "" || m.Outcome != "" {
		b.WriteString("\nAnswer")
		if m.Outcome != "" {
			b.WriteString(" (" + m.Outcome + ")")
		}
		b.WriteString(":\n")
		if m.Answer != "" {
			b.WriteString(strings.TrimRight(m.ShownAnswer(), "\n") + "\n")
		}
	}
	if m.Error != "" {
		b.WriteString("\nNo answer: " + strings.TrimRight(m.Error, "\n") + "\n")
	}
	return b.String()
}

// ShownText is the message's Text as reports show it: HL7 v2 segments one
// per line.
func (m Message) ShownText() string { return m.shown(m.Text) }

// ShownAnswer is the message's Answer as reports show it: HL7 v2
// segments one per line.
func (m Message) ShownAnswer() string { return m.shown(m.Answer) }

func (m Message) shown(s string) string {
	if m.Protocol == ProtocolHL7v2 {
		return Segments(s)
	}
	return s
}

func firstLineOf(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
