package diff

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/eprharness/eprharness/harness/results"
)

// Kinds of a MessageChange.
const (
	// ChangeGone: the base exchanged more messages of this shape than the
	// candidate.
	ChangeGone = "gone"
	// ChangeNew: the candidate exchanged more messages of this shape than
	// the base.
	ChangeNew = "new"
	// ChangeAnswer: a message of the same direction, protocol and type
	// got another answer (an ACK code, an ERR-3 code, an HTTP status
	// class).
	ChangeAnswer = "answer"
)

// InterfaceChange is one scenario, run in both runs, whose messages with
// the EPR's interfaces (results.Scenario.Messages) differ in shape: see
// Shape. Listed, never gating.
type InterfaceChange struct {
	// ID, Name and Feature name the scenario (the candidate's name).
	ID      string `json:"id"`
	Name    string `json:"name"`
	Feature string `json:"feature"`
	// BaseStatus and CandidateStatus are the scenario's statuses: a
	// scenario that fails in the candidate gates already, as a regression
	// or as still failing.
	BaseStatus      results.Status `json:"base_status"`
	CandidateStatus results.Status `json:"candidate_status"`
	// UpTo is the last step compared when a side stopped before its last
	// step (it failed): the messages of later steps, and those that no
	// step asked for, are not compared. Nil when both sides ran every
	// step.
	UpTo *Step `json:"up_to,omitempty"`
	// Changes are sorted by direction, protocol and type.
	Changes []MessageChange `json:"changes"`
}

// Shape is what the interface comparison sees of a message: its
// direction, protocol, type and answer. Ids, timestamps, control ids,
// peers, texts and the order of the messages are ignored.
type Shape struct {
	// Direction is results.Sent or results.Received.
	Direction string `json:"direction"`
	// Protocol is results.ProtocolHL7v2 or results.ProtocolFHIR.
	Protocol string `json:"protocol"`
	// Type is, for HL7 v2, MSH-9 as TYPE^TRIGGER ("ADT^A01"); for FHIR,
	// the HTTP method and what was exchanged ("POST Bundle/message", "PUT
	// Appointment notification").
	Type string `json:"type"`
	// Answer is, for HL7 v2, the ACK code with the ERR-3 codes of its
	// ERR segments ("AA", "AE (ERR 207)"); for FHIR, the HTTP status
	// class ("2xx", "4xx"); "no answer" when none came back; "" when
	// none was recorded.
	Answer string `json:"answer"`
}

// MessageChange is one difference between the shapes of a scenario's
// messages in the two runs.
type MessageChange struct {
	// Kind is ChangeGone, ChangeNew or ChangeAnswer.
	Kind      string `json:"kind"`
	Direction string `json:"direction"`
	Protocol  string `json:"protocol"`
	Type      string `json:"type"`
	// BaseAnswer is the answer in the base (ChangeGone, ChangeAnswer);
	// CandidateAnswer the answer in the candidate (ChangeNew,
	// ChangeAnswer).
	BaseAnswer      string `json:"base_answer,omitempty"`
	CandidateAnswer string `json:"candidate_answer,omitempty"`
	// Count is how many messages the change is about.
	Count int `json:"count"`
	// BaseCount and CandidateCount are how many messages of the shape
	// (with BaseAnswer for ChangeGone, CandidateAnswer for ChangeNew)
	// each run exchanged; 0 for ChangeAnswer.
	BaseCount      int `json:"base_count,omitempty"`
	CandidateCount int `json:"candidate_count,omitempty"`
	// Message is the change in one line, as every format shows it:
	// "received HL7v2 MDM^T02 (ACK AA) in the base, not in the
	// candidate", "sent HL7v2 ADT^A08: ACK AA became AE (ERR 207)".
	Message string `json:"message"`
}

// ShapeOf returns the shape of m.
func ShapeOf(m results.Message) Shape {
	s := Shape{Direction: m.Direction, Protocol: m.Protocol, Type: strings.TrimSpace(m.Type)}
	switch m.Protocol {
	case results.ProtocolHL7v2:
		// "ADT^A08^ADT_A01" and "ADT^A08" are the same message type.
		if parts := strings.Split(s.Type, "^"); len(parts) > 2 {
			s.Type = parts[0] + "^" + parts[1]
		}
	case results.ProtocolFHIR:
		if method := httpMethod(m.Text); method != "" {
			s.Type = strings.TrimSpace(method + " " + s.Type)
		}
	}
	s.Answer = answerOf(m)
	return s
}

// words is the shape in a few words: "received HL7v2 MDM^T02 (ACK AA)".
func (s Shape) words() string {
	w := s.what()
	if a := answerWords(s.Protocol, s.Answer); a != "" {
		w += " (" + a + ")"
	}
	return w
}

// what is the shape without its answer: "sent HL7v2 ADT^A08".
func (s Shape) what() string {
	t := s.Type
	if t == "" {
		t = "message"
	}
	return strings.Join(strings.Fields(s.Direction+" "+s.Protocol+" "+t), " ")
}

// answerOf is a message's answer as a Shape has it.
func answerOf(m results.Message) string {
	if m.Error != "" && m.Outcome == "" {
		if m.Direction == results.Received {
			return "not acknowledged"
		}
		return "no answer"
	}
	out := strings.ToUpper(strings.TrimSpace(m.Outcome))
	if code, err := strconv.Atoi(out); err == nil && code >= 100 && code <= 599 {
		return strconv.Itoa(code/100) + "xx"
	}
	if m.Protocol == results.ProtocolHL7v2 {
		if codes := errCodes(m.Answer); len(codes) > 0 {
			if out == "" {
				out = "no code"
			}
			out += " (ERR " + strings.Join(codes, ", ") + ")"
		}
	}
	return out
}

// answerWords puts an answer as the changes show it: "ACK AE (ERR 207)",
// "HTTP 2xx", "no answer".
func answerWords(protocol, answer string) string {
	switch {
	case answer == "", answer == "no answer", answer == "not acknowledged":
		return answer
	case protocol == results.ProtocolFHIR && strings.HasSuffix(answer, "xx"):
		return "HTTP " + answer
	case protocol == results.ProtocolHL7v2:
		return "ACK " + answer
	}
	return answer
}

// errCodes are the first components of ERR-3 of an HL7 v2 answer's ERR
// segments, sorted, without duplicates.
func errCodes(answer string) []string {
	fieldSep, compSep := "|", "^"
	var codes []string
	for _, seg := range strings.FieldsFunc(answer, func(r rune) bool { return r == '\r' || r == '\n' }) {
		if strings.HasPrefix(seg, "MSH") && len(seg) >= 5 {
			fieldSep, compSep = seg[3:4], seg[4:5]
			continue
		}
		if !strings.HasPrefix(seg, "ERR"+fieldSep) {
			continue
		}
		fields := strings.Split(seg, fieldSep)
		if len(fields) < 4 {
			continue
		}
		code, _, _ := strings.Cut(fields[3], compSep)
		if code = strings.TrimSpace(code); code != "" && !containsString(codes, code) {
			codes = append(codes, code)
		}
	}
	sort.Strings(codes)
	return codes
}

// httpMethod is the HTTP method a FHIR message's text starts with, or "".
func httpMethod(text string) string {
	first, _, _ := strings.Cut(strings.TrimSpace(text), " ")
	switch first {
	case "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD":
		return first
	}
	return ""
}

// reach is the index of a scenario's first step that did not pass (the
// failing step, or the first skipped one), len(Steps) when every step
// passed.
func reach(s *results.Scenario) int {
	for i, st := range s.Steps {
		if st.Status != results.Passed {
			return i
		}
	}
	return len(s.Steps)
}

// ranBoth reports whether a scenario's steps ran on both sides: neither
// side skipped or interrupted it.
func ranBoth(b, c *results.Scenario) bool {
	for _, s := range []*results.Scenario{b, c} {
		if s.Status == results.Skipped || s.Status == results.Interrupted {
			return false
		}
	}
	return true
}

// recordsMessages reports whether a run recorded any message: a run that
// recorded none (of a harness that did not keep them) is not compared.
func recordsMessages(r *results.Run) bool {
	for _, f := range r.Features {
		for _, s := range f.Scenarios {
			if len(s.Messages) > 0 {
				return true
			}
		}
	}
	return false
}

// interfaceChanges compares the shapes of the messages of every scenario
// both runs ran; the warning is set when one run recorded no message at
// all while the other recorded some in a scenario both ran.
func interfaceChanges(baseByID, candByID map[string]located, base, cand *results.Run) (out []InterfaceChange, warning string) {
	out = []InterfaceChange{}
	bRec, cRec := recordsMessages(base), recordsMessages(cand)
	if !bRec && !cRec {
		return out, ""
	}
	for id, c := range candByID {
		b, ok := baseByID[id]
		if !ok || !ranBoth(b.sc, c.sc) {
			continue
		}
		if !bRec || !cRec {
			if len(b.sc.Messages)+len(c.sc.Messages) > 0 {
				side, r := "baseline", base
				if !cRec {
					side, r = "candidate", cand
				}
				warning = fmt.Sprintf("%s run %s recorded no interface messages (a harness that did not keep them): interface changes are not compared", side, r.ID)
				return []InterfaceChange{}, warning
			}
			continue
		}
		if ic, ok := compareMessages(b.sc, c.sc); ok {
			ic.ID, ic.Name, ic.Feature = id, c.sc.Name, c.feature
			out = append(out, ic)
		}
	}
	sort.Slice(out, func(i, j int) bool { return idLess(out[i].ID, out[j].ID) })
	return out, ""
}

// compareMessages compares one scenario's messages in two runs, up to the
// last step both reached; ok is false when nothing changed.
func compareMessages(b, c *results.Scenario) (InterfaceChange, bool) {
	ic := InterfaceChange{BaseStatus: b.Status, CandidateStatus: c.Status, Changes: []MessageChange{}}
	rb, rc := reach(b), reach(c)
	limit, full := min(rb, rc), rb == len(b.Steps) && rc == len(c.Steps)
	if !full {
		// The step where the first side to stop stopped: its messages
		// are compared (an AE there is often why it failed).
		s := c
		if rc != limit || rc == len(c.Steps) {
			s = b
		}
		if limit < len(s.Steps) {
			st := s.Steps[limit]
			ic.UpTo = &Step{Keyword: st.Keyword, Text: st.Text, Line: st.Line}
		}
	}
	count := func(s *results.Scenario) map[Shape]int {
		m := map[Shape]int{}
		for _, msg := range s.Messages {
			inStep := msg.Step >= 0 && msg.Step < len(s.Steps)
			if full || (inStep && msg.Step <= limit) {
				m[ShapeOf(msg)]++
			}
		}
		return m
	}
	bc, cc := count(b), count(c)
	// Per direction, protocol and type: the answers the base has more of
	// (gone) and the candidate has more of (added), one per message.
	type what struct{ dir, proto, typ string }
	gone, added := map[what][]string{}, map[what][]string{}
	shapes := map[Shape]bool{}
	for s := range bc {
		shapes[s] = true
	}
	for s := range cc {
		shapes[s] = true
	}
	for s := range shapes {
		w := what{s.Direction, s.Protocol, s.Type}
		for n := bc[s] - cc[s]; n > 0; n-- {
			gone[w] = append(gone[w], s.Answer)
		}
		for n := cc[s] - bc[s]; n > 0; n-- {
			added[w] = append(added[w], s.Answer)
		}
	}
	whats := map[what]bool{}
	for w := range gone {
		whats[w] = true
	}
	for w := range added {
		whats[w] = true
	}
	for w := range whats {
		g, a := gone[w], added[w]
		sort.Strings(g)
		sort.Strings(a)
		n := min(len(g), len(a))
		// Paired: the same message got another answer.
		pairs := map[[2]string]int{}
		for i := 0; i < n; i++ {
			pairs[[2]string{g[i], a[i]}]++
		}
		for p, k := range pairs {
			ic.Changes = append(ic.Changes, MessageChange{Kind: ChangeAnswer, Direction: w.dir, Protocol: w.proto, Type: w.typ,
				BaseAnswer: p[0], CandidateAnswer: p[1], Count: k})
		}
		for _, left := range []struct {
			kind    string
			answers []string
		}{{ChangeGone, g[n:]}, {ChangeNew, a[n:]}} {
			counts := map[string]int{}
			for _, ans := range left.answers {
				counts[ans]++
			}
			for ans, k := range counts {
				s := Shape{Direction: w.dir, Protocol: w.proto, Type: w.typ, Answer: ans}
				mc := MessageChange{Kind: left.kind, Direction: w.dir, Protocol: w.proto, Type: w.typ, Count: k,
					BaseCount: bc[s], CandidateCount: cc[s]}
				if left.kind == ChangeGone {
					mc.BaseAnswer = ans
				} else {
					mc.CandidateAnswer = ans
				}
				ic.Changes = append(ic.Changes, mc)
			}
		}
	}
	if len(ic.Changes) == 0 {
		return ic, false
	}
	rank := map[string]int{ChangeGone: 0, ChangeAnswer: 1, ChangeNew: 2}
	sort.Slice(ic.Changes, func(i, j int) bool {
		x, y := ic.Changes[i], ic.Changes[j]
		for _, p := range [][2]string{{x.Direction, y.Direction}, {x.Protocol, y.Protocol}, {x.Type, y.Type}} {
			if p[0] != p[1] {
				return p[0] < p[1]
			}
		}
		if rank[x.Kind] != rank[y.Kind] {
			return rank[x.Kind] < rank[y.Kind]
		}
		if x.BaseAnswer != y.BaseAnswer {
			return x.BaseAnswer < y.BaseAnswer
		}
		return x.CandidateAnswer < y.CandidateAnswer
	})
	for i := range ic.Changes {
		ic.Changes[i].Message = ic.Changes[i].words()
	}
	return ic, true
}

// words is the change in one line (MessageChange.Message).
func (c MessageChange) words() string {
	s := Shape{Direction: c.Direction, Protocol: c.Protocol, Type: c.Type}
	switch c.Kind {
	case ChangeAnswer:
		ba, ca := answerWords(c.Protocol, c.BaseAnswer), answerWords(c.Protocol, c.CandidateAnswer)
		if ba == "" {
			ba = "no recorded answer"
		}
		if ca == "" {
			ca = "no recorded answer"
		}
		// "ACK AA became AE (ERR 207)", "HTTP 2xx became 4xx".
		for _, prefix := range []string{"ACK ", "HTTP "} {
			if strings.HasPrefix(ba, prefix) && strings.HasPrefix(ca, prefix) {
				ca = strings.TrimPrefix(ca, prefix)
			}
		}
		w := s.what() + ": " + ba + " became " + ca
		if c.Count > 1 {
			w += fmt.Sprintf(" (%d messages)", c.Count)
		}
		return w
	case ChangeGone:
		s.Answer = c.BaseAnswer
		if c.CandidateCount == 0 && c.Count == c.BaseCount {
			return s.words() + " " + times(c.BaseCount) + "in the base, not in the candidate"
		}
		return fmt.Sprintf("%s: %d in the base, %d in the candidate", s.words(), c.BaseCount, c.CandidateCount)
	default:
		s.Answer = c.CandidateAnswer
		if c.BaseCount == 0 && c.Count == c.CandidateCount {
			return s.words() + " " + times(c.CandidateCount) + "in the candidate, not in the base"
		}
		return fmt.Sprintf("%s: %d in the base, %d in the candidate", s.words(), c.BaseCount, c.CandidateCount)
	}
}

// times is "" for one message, "3 times " for more.
func times(n int) string {
	if n <= 1 {
		return ""
	}
	return fmt.Sprintf("%d times ", n)
}
