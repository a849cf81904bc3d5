package html

import (
	"fmt"

	"github.com/eprharness/eprharness/harness/results"
)

// The messages view: every HL7 v2 and FHIR message a scenario exchanged
// with the EPR's interfaces, with its answer.

type messageView struct {
	Anchor                             string
	At, Step                           string
	Direction, Protocol, Type, Control string
	Peer                               string
	Outcome                            string
	Failed                             bool
	Text, Answer, Error                string
}

// stepMessages is the marker on a step's row that links to its messages.
type stepMessages struct {
	Href, Words string
}

// messages builds the scenario's messages table and the marker of each
// step that sent or received one (by step index).
func messages(s *results.Scenario, anchor string) ([]messageView, map[int]*stepMessages) {
	var out []messageView
	markers := map[int]*stepMessages{}
	counts := map[int]int{}
	for i, m := range s.Messages {
		v := messageView{
			Anchor:    fmt.Sprintf("%s-message-%d", anchor, i+1),
			Direction: m.DirectionWords(),
			Protocol:  clean(m.Protocol),
			Type:      clean(m.Type),
			Control:   clean(m.ControlID),
			Peer:      clean(m.Peer),
			Failed:    m.Failed(),
			Text:      clean(m.ShownText()),
			Answer:    clean(m.ShownAnswer()),
			Error:     clean(m.Error),
			Step:      "—",
		}
		if !m.At.IsZero() {
			v.At = m.At.UTC().Format("15:04:05.000")
		}
		switch {
		case m.Outcome != "":
			v.Outcome = clean(m.Outcome)
		case m.Error != "":
			v.Outcome = "no answer"
		}
		if m.Step >= 0 && m.Step < len(s.Steps) && s.Steps[m.Step] != nil {
			v.Step = fmt.Sprintf("line %d", s.Steps[m.Step].Line)
			if markers[m.Step] == nil {
				markers[m.Step] = &stepMessages{Href: "#" + v.Anchor}
			}
			counts[m.Step]++
		}
		out = append(out, v)
	}
	for i, mk := range markers {
		mk.Words = plural(counts[i], "message")
	}
	return out, markers
}
