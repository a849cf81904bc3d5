package check

import (
	"errors"
	"fmt"
	"strings"

	messages "github.com/cucumber/messages/go/v34"

	"github.com/eprharness/eprharness/harness/phrasebook"
)

// Problem kinds of a phrasebook (WithPhrasebook).
const (
	// PhraseCycle is phrases that stand for each other in a circle.
	PhraseCycle Kind = "phrase cycle"
	// PhraseTable is a data table or doc string a phrase cannot pass on,
	// or one its step needs and the feature step lacks.
	PhraseTable Kind = "phrase table"
)

// WithPhrasebook resolves step text through the team's phrasebook: a step
// matching a phrase is checked as the catalogue steps it expands to
// (fixture patients and roles, adapter actions), a step matching two
// phrases or a phrase and a catalogue step is ambiguous, and Paths reports
// the book's own problems at its file:line (steps that are undefined,
// with suggestions, or ambiguous; cycles; a phrase with two steps taking
// a table). Undefined feature steps are offered the team's phrases too.
func WithPhrasebook(r *phrasebook.Resolver) Option { return func(c *Checker) { c.phrases = r } }

// phraseBookProblems are the book's own problems (phrasebook.Problems).
func (c *Checker) phraseBookProblems() []Problem {
	if c.phrases == nil {
		return nil
	}
	var out []Problem
	for _, p := range c.phrases.Problems() {
		pr := Problem{File: p.File, Line: p.Line, Msg: p.Field + ": " + p.Msg}
		switch p.Kind {
		case phrasebook.Undefined:
			pr.Kind = Undefined
			pr.Hints = c.suggest(p.Text)
		case phrasebook.Ambiguous:
			pr.Kind = Ambiguous
			pr.Hints = []string{"reword the phrase or the step so that only one fits"}
		case phrasebook.Cycle:
			pr.Kind = PhraseCycle
			pr.Hints = []string{"a phrase must end in catalogue steps: break the cycle"}
		default:
			pr.Kind = PhraseTable
		}
		out = append(out, pr)
	}
	return out
}

// phraseStep checks a feature step that matches a phrase, and reports
// whether it did (false: the step is left to the catalogue).
func (c *Checker) phraseStep(add func(Problem), file string, src stepSource, st *messages.PickleStep, written string, registered map[string]bool) bool {
	if c.phrases == nil {
		return false
	}
	ps := c.phrases.Matching(st.Text)
	if len(ps) == 0 {
		return false
	}
	cat := c.cat.Matching(st.Text)
	if len(ps)+len(cat) > 1 {
		hints := []string{"it matches each of these; reword it, or the phrase, so only one fits:"}
		for _, p := range ps {
			hints = append(hints, fmt.Sprintf("  the phrase %q (%s)", p.Source(), p.At()))
		}
		for _, m := range cat {
			hints = append(hints, fmt.Sprintf("  %s (%s)", m.Text, m.Domain))
		}
		add(Problem{File: file, Line: src.line, Kind: Ambiguous, Msg: written, Hints: hints})
		return true
	}
	p := ps[0]
	note := rowNote(written, st.Text)
	expanded, err := c.phrases.Expand(st.Text)
	if err != nil {
		var e *phrasebook.Error
		kind, hints := Undefined, []string{fmt.Sprintf("through the phrase %q (%s): %v", p.Source(), p.At(), err)}
		if errors.As(err, &e) {
			switch e.Kind {
			case phrasebook.Undefined:
				hints = append(hints, c.suggest(e.Text)...)
			case phrasebook.Ambiguous:
				kind = Ambiguous
			case phrasebook.Cycle:
				kind = PhraseCycle
			}
		}
		add(Problem{File: file, Line: src.line, Kind: kind, Msg: written, Hints: hints})
		return true
	}
	// The table or doc string goes to the one step that takes one.
	block, _ := c.phrases.Takes(p)
	has := st.Argument != nil && (st.Argument.DataTable != nil || st.Argument.DocString != nil)
	switch {
	case has && block == nil:
		add(Problem{File: file, Line: src.line, Kind: PhraseTable,
			Msg:   fmt.Sprintf("%s: the step has a data table or doc string, but none of the steps of the phrase %q (%s) takes one", written, p.Source(), p.At()),
			Hints: []string{"leave the table out, or add to the phrase a step that takes it (a step ending in a colon)"}})
	case !has && block != nil:
		add(Problem{File: file, Line: src.line, Kind: PhraseTable,
			Msg: fmt.Sprintf("%s: the phrase %q (%s) passes a data table or doc string on, and the step has none", written, p.Source(), p.At())})
	}
	for _, x := range expanded {
		ms := c.cat.Matching(x.Text)
		if len(ms) != 1 {
			continue // Expand found exactly one definition; the catalogue has the same
		}
		via := fmt.Sprintf(" (as %q, %s)", x.Text, x.Via[len(x.Via)-1].At())
		c.fixtureRefs(add, file, src.line, ms[0], x.Text, note+via, registered)
		c.actions(add, file, src, st, ms[0])
	}
	return true
}

// phraseSuggestions are the team's phrases as suggestions for an
// undefined step: each phrase's example text, scored like catalogue
// examples, and where it is written.
func (c *Checker) phraseSuggestions(text string) []suggestion {
	if c.phrases == nil {
		return nil
	}
	var out []suggestion
	for _, p := range c.phrases.Book().Phrases {
		ex := p.Example()
		if sc := similarity(text, ex); sc >= minSimilarity {
			out = append(out, suggestion{fmt.Sprintf("%s   (your phrase, %s)", strings.TrimSpace(ex), p.At()), sc})
		}
	}
	return out
}

// suggestion is a step text offered for an undefined step, and how alike
// it is (0..1).
type suggestion struct {
	example string
	score   float64
}
