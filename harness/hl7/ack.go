package hl7

import (
	"bytes"
	"strings"
)

// AckError is one ERR segment of an acknowledgement (HL7 v2.5 ERR).
type AckError struct {
	// Code is the HL7 table 0357 error code for ERR-3, for example "101"
	// (required field missing), "103" (table value not found), "200"
	// (unsupported message type), "207" (application internal error).
	Code string
	// Severity is ERR-4: E (error, the default), W, I or F.
	Severity string
	// Location is a path such as "PID-3" or "PID-3[2].1", written to ERR-2
	// as an ERL (PID^1^3^2^1); anything else is written as text.
	Location string
	// Message is ERR-8, the user message (plain text).
	Message string
}

var errorCodeText = map[string]string{
	"0": "Message accepted", "100": "Segment sequence error", "101": "Required field missing",
	"102": "Data type error", "103": "Table value not found", "104": "Value too long",
	"200": "Unsupported message type", "201": "Unsupported event code",
	"202": "Unsupported processing id", "203": "Unsupported version id",
	"204": "Unknown key identifier", "205": "Duplicate key identifier",
	"206": "Application record locked", "207": "Application internal error",
}

// ACK builds the acknowledgement of in with MSA-1 code (AA, AE, AR, or
// for enhanced-mode accept acks CA, CE, CR; written as given so tests can
// send malformed ACKs), MSA-2 the control id of in, and one ERR segment
// per error. MSH-3..6 swap the sender and receiver of in; MSH-9 is
// ACK^<trigger of in>^ACK; MSH-11, MSH-12 and MSH-18 are copied from in.
func ACK(in *Message, code string, errs ...AckError) *Message {
	return ACKWith(in, code, nil, errs...)
}

// ACKWith is ACK with options (WithClock, WithControlID).
func ACKWith(in *Message, code string, opts []Option, errs ...AckError) *Message {
	c := newConfig(opts)
	m := newMessage(in.delims)
	get := func(p string) string { v, _ := in.Get(p); return v }
	version := get("MSH-12")
	if version == "" {
		version = "2.4"
	}
	_ = m.Set("MSH-3", get("MSH-5"))
	_ = m.Set("MSH-4", get("MSH-6"))
	_ = m.Set("MSH-5", get("MSH-3"))
	_ = m.Set("MSH-6", get("MSH-4"))
	_ = m.Set("MSH-7", Timestamp(c.now()))
	_ = m.Set("MSH-9.1", "ACK")
	_ = m.Set("MSH-9.2", get("MSH-9.2"))
	_ = m.Set("MSH-9.3", "ACK")
	_ = m.SetText("MSH-10", c.controlID)
	_ = m.Set("MSH-11", get("MSH-11"))
	_ = m.Set("MSH-12", version)
	if cs := get("MSH-18"); cs != "" {
		_ = m.Set("MSH-18", cs)
	}
	_ = m.SetText("MSA-1", strings.ToValidUTF8(code, "?"))
	_ = m.Set("MSA-2", get("MSH-10"))
	if len(errs) > 0 && errs[0].Message != "" {
		_ = m.SetText("MSA-3", strings.ToValidUTF8(errs[0].Message, "?"))
	}
	for i, e := range errs {
		k := "ERR[" + itoa(i+1) + "]"
		if p, err := ParsePath(e.Location); err == nil {
			erl := []string{p.Segment, itoa(max(p.Occurrence, 1)), itoa(p.Field)}
			if p.Repetition > 0 || p.Component > 0 {
				erl = append(erl, itoa(max(p.Repetition, 1)))
			}
			if p.Component > 0 {
				erl = append(erl, itoa(p.Component))
			}
			if p.Subcomponent > 0 {
				erl = append(erl, itoa(p.Subcomponent))
			}
			_ = m.Set(k+"-2", strings.Join(erl, string(m.delims.Component)))
		} else if e.Location != "" {
			_ = m.SetText(k+"-2.1", strings.ToValidUTF8(e.Location, "?"))
		}
		code := e.Code
		if code == "" {
			code = "207"
		}
		_ = m.SetText(k+"-3.1", strings.ToValidUTF8(code, "?"))
		_ = m.SetText(k+"-3.2", errorCodeText[code])
		_ = m.SetText(k+"-3.3", "HL70357")
		sev := e.Severity
		if sev == "" {
			sev = "E"
		}
		_ = m.SetText(k+"-4", strings.ToValidUTF8(sev, "?"))
		if e.Message != "" {
			_ = m.SetText(k+"-8", strings.ToValidUTF8(e.Message, "?"))
		}
	}
	return m
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// Reject builds an AR acknowledgement for input that did not parse: MSA-2
// is the control id read best-effort from the first line (empty if none),
// and one ERR (code 102, unless the MSH is unreadable: 100) carries
// cause as its user message.
func Reject(raw []byte, cause error, opts ...Option) *Message {
	in := newMessage(DefaultDelimiters)
	code := "100"
	line := raw
	if i := bytes.IndexAny(line, "\r\n"); i >= 0 {
		line = line[:i]
	}
	if d, err := readDelimiters(line); err == nil {
		code = "102"
		parts := bytes.Split(line, []byte{d.Field})
		if len(parts) > 9 {
			id, _ := Unescape(string(bytes.ToValidUTF8(parts[9], nil)), d)
			_ = in.SetText("MSH-10", id)
		}
	}
	msg := "message could not be parsed"
	if cause != nil {
		msg = cause.Error()
	}
	return ACKWith(in, "AR", opts, AckError{Code: code, Message: msg})
}

// AckKind is the kind of acknowledgement WantsAck is asked about.
type AckKind int

const (
	// AcceptAck is the enhanced-mode commit acknowledgement (MSH-15).
	AcceptAck AckKind = iota
	// ApplicationAck is the application acknowledgement (MSH-16).
	ApplicationAck
)

// WantsAck says whether the sender of m wants an acknowledgement of kind
// for a message whose outcome is the MSA-1 code outcome (AA or CA for
// success, anything else for failure).
//
// Original mode (MSH-15 and MSH-16 both empty): an application ack always,
// no accept ack. Enhanced mode (either set), for the field of kind: AL
// always, NE never, ER only on failure, SU only on success; an empty or
// unknown value counts as AL.
func WantsAck(m *Message, kind AckKind, outcome string) bool {
	accept, _ := m.Text("MSH-15")
	app, _ := m.Text("MSH-16")
	accept, app = strings.ToUpper(strings.TrimSpace(accept)), strings.ToUpper(strings.TrimSpace(app))
	if accept == "" && app == "" {
		return kind == ApplicationAck
	}
	v := accept
	if kind == ApplicationAck {
		v = app
	}
	ok := outcome == "AA" || outcome == "CA"
	switch v {
	case "NE":
		return false
	case "ER":
		return !ok
	case "SU":
		return ok
	}
	return true
}
