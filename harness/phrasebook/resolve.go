package phrasebook

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/cucumber/godog"

	"github.com/eprharness/eprharness/steps"
)

// Resolver is a Book bound to the step definitions it stands on.
type Resolver struct {
	book *Book
	defs []*def
	// block is, per phrase, the type of the table or doc string it takes
	// (nil: none), and blockAt which of its steps takes it.
	block   map[*Phrase]reflect.Type
	blockAt map[*Phrase]int
}

// def is a compiled step definition.
type def struct {
	steps.Def
	re    *regexp.Regexp
	block reflect.Type // *godog.Table, *godog.DocString or nil
}

var (
	tableType     = reflect.TypeOf((*godog.Table)(nil))
	docStringType = reflect.TypeOf((*godog.DocString)(nil))
)

// Resolve binds the book to defs (the step library's definitions). It
// fails only when a definition's pattern does not compile.
func (b *Book) Resolve(defs []steps.Def) (*Resolver, error) {
	r := &Resolver{book: b, block: map[*Phrase]reflect.Type{}, blockAt: map[*Phrase]int{}}
	for _, d := range defs {
		re, err := regexp.Compile(d.Pattern)
		if err != nil {
			return nil, fmt.Errorf("resolve phrasebook: step %q: %w", d.Pattern, err)
		}
		cd := &def{Def: d, re: re}
		if t := reflect.TypeOf(d.Handler); t != nil && t.Kind() == reflect.Func && t.NumIn() > 0 {
			if last := t.In(t.NumIn() - 1); last == tableType || last == docStringType {
				cd.block = last
			}
		}
		r.defs = append(r.defs, cd)
	}
	for _, p := range b.Phrases {
		r.blockOf(p, map[*Phrase]bool{})
	}
	return r, nil
}

// Book is the resolver's book.
func (r *Resolver) Book() *Book { return r.book }

// Matching returns the phrases whose text matches step text (without
// keyword).
func (r *Resolver) Matching(text string) []*Phrase {
	var out []*Phrase
	for _, p := range r.book.Phrases {
		if p.re.MatchString(text) {
			out = append(out, p)
		}
	}
	return out
}

// steps returns the definitions matching text.
func (r *Resolver) matchingDefs(text string) []*def {
	var out []*def
	for _, d := range r.defs {
		if d.re.MatchString(text) {
			out = append(out, d)
		}
	}
	return out
}

// Takes returns the type of block (*godog.Table or *godog.DocString) the
// phrase passes on to one of its steps, and that step's index; nil, -1
// when none of its steps takes one.
func (r *Resolver) Takes(p *Phrase) (reflect.Type, int) {
	if t, ok := r.block[p]; ok && t != nil {
		return t, r.blockAt[p]
	}
	return nil, -1
}

// blockOf works out which of p's steps takes a block, following nested
// phrases (with samples for the parameters), cycles cut.
func (r *Resolver) blockOf(p *Phrase, visiting map[*Phrase]bool) reflect.Type {
	if t, ok := r.block[p]; ok {
		return t
	}
	if visiting[p] {
		return nil
	}
	visiting[p] = true
	defer delete(visiting, p)
	var found reflect.Type
	at := -1
	for i, t := range p.Steps {
		text, _ := r.sampleText(p, t)
		var bt reflect.Type
		if ds := r.matchingDefs(text); len(ds) == 1 {
			bt = ds[0].block
		} else if ps := r.Matching(text); len(ps) == 1 && len(ds) == 0 {
			bt = r.blockOf(ps[0], visiting)
		}
		if bt != nil && found == nil {
			found, at = bt, i
		}
	}
	r.block[p], r.blockAt[p] = found, at
	return found
}

// sampleCandidates are values tried for a parameter when a phrase's steps
// are resolved without a feature's step (statically), by type.
func sampleCandidates(typ string) []string {
	switch typ {
	case "int":
		return []string{"1"}
	case "float":
		return []string{"1.5", "1"}
	case "word":
		return []string{"word", "1"}
	}
	return []string{"text", "1"}
}

// sampleText fills a target with sample values, trying combinations until
// one matches a step or a phrase; it returns the first combination when
// none does, and whether one matched.
func (r *Resolver) sampleText(p *Phrase, t Target) (string, bool) {
	cands := make([][]string, len(p.Params))
	combos := 1
	for i, pa := range p.Params {
		cands[i] = sampleCandidates(pa.Type)
		if combos*len(cands[i]) > 64 {
			cands[i] = cands[i][:1]
		}
		combos *= len(cands[i])
	}
	idx := make([]int, len(cands))
	first := ""
	for n := 0; n < combos; n++ {
		vals := make([]string, len(cands))
		for i := range cands {
			vals[i] = cands[i][idx[i]]
		}
		text := p.fill(t, vals)
		if n == 0 {
			first = text
		}
		if len(r.matchingDefs(text)) > 0 || len(r.Matching(text)) > 0 {
			return text, true
		}
		for i := range idx { // next combination
			idx[i]++
			if idx[i] < len(cands[i]) {
				break
			}
			idx[i] = 0
		}
	}
	return first, false
}

// Step is one catalogue step a text stands for.
type Step struct {
	// Text is the catalogue step's text, parameters filled in.
	Text string
	// Def is the step definition it matches.
	Def steps.Def
	// Args are the definition's capture group values in Text.
	Args []string
	// Via is the chain of phrase steps it came through, outermost first
	// (empty for a catalogue step written as it is).
	Via []Link
	// Block reports that the step takes the phrase step's table or doc
	// string.
	Block bool

	block reflect.Type
}

// Link is one phrase step in a chain: the phrase and which of its steps.
type Link struct {
	Phrase *Phrase
	Step   int
}

// At is "file:line" of the phrase's step.
func (l Link) At() string { return fmt.Sprintf("%s:%d", l.Phrase.File, l.Phrase.Steps[l.Step].Line) }

// ErrorKind is what is wrong with a step text's expansion.
type ErrorKind string

// Error kinds.
const (
	Undefined ErrorKind = "undefined"
	Ambiguous ErrorKind = "ambiguous"
	Cycle     ErrorKind = "cycle"
)

// Error is a text that does not expand to catalogue steps.
type Error struct {
	Kind ErrorKind
	// Text is the step text that failed (a phrase's step, filled in).
	Text string
	// Via is the chain of phrase steps that led to it.
	Via []Link
	// Matches name what an ambiguous text matches: a phrase's
	// "expression (file:line)" or a catalogue step's pattern.
	Matches []string
}

func (e *Error) Error() string {
	var b strings.Builder
	switch e.Kind {
	case Undefined:
		fmt.Fprintf(&b, "%q matches no catalogue step or phrase", e.Text)
	case Ambiguous:
		fmt.Fprintf(&b, "%q matches %s", e.Text, strings.Join(e.Matches, " and "))
	case Cycle:
		fmt.Fprintf(&b, "phrases call each other in a cycle: %s", chain(e.Via))
		return b.String()
	}
	if len(e.Via) > 0 {
		fmt.Fprintf(&b, " (from %s)", chain(e.Via))
	}
	return b.String()
}

// chain writes links as `"phrase" (file:line) → "phrase" (file:line)`.
func chain(via []Link) string {
	parts := make([]string, len(via))
	for i, l := range via {
		parts[i] = fmt.Sprintf("%q (%s)", l.Phrase.Source(), l.At())
	}
	return strings.Join(parts, " → ")
}

// Expand returns the catalogue steps text stands for: itself when it is a
// catalogue step, or, through the phrase it matches, its phrase's steps
// with the parameters filled in, nested phrases expanded in turn. The
// error is an *Error: a text matching nothing, one matching two phrases
// or a phrase and a catalogue step, or phrases nested in a cycle.
func (r *Resolver) Expand(text string) ([]Step, error) {
	return r.expand(text, nil)
}

func (r *Resolver) expand(text string, via []Link) ([]Step, error) {
	ps := r.Matching(text)
	ds := r.matchingDefs(text)
	if len(ps)+len(ds) == 0 {
		return nil, &Error{Kind: Undefined, Text: text, Via: via}
	}
	if len(ps)+len(ds) > 1 {
		e := &Error{Kind: Ambiguous, Text: text, Via: via}
		for _, p := range ps {
			e.Matches = append(e.Matches, fmt.Sprintf("the phrase %q (%s)", p.Source(), p.At()))
		}
		for _, d := range ds {
			e.Matches = append(e.Matches, fmt.Sprintf("the catalogue step %q", d.Pattern))
		}
		return nil, e
	}
	if len(ds) == 1 {
		m := ds[0].re.FindStringSubmatch(text)
		return []Step{{Text: text, Def: ds[0].Def, Args: m[1:], Via: via, block: ds[0].block}}, nil
	}
	return r.expandPhrase(ps[0], ps[0].Arguments(text), via)
}

// expandPhrase expands p's steps with its parameter values.
func (r *Resolver) expandPhrase(p *Phrase, vals []string, via []Link) ([]Step, error) {
	for _, l := range via {
		if l.Phrase == p {
			return nil, &Error{Kind: Cycle, Via: append(append([]Link(nil), via...), Link{p, 0})}
		}
	}
	_, blockAt := r.Takes(p)
	var out []Step
	for i, t := range p.Steps {
		chain := append(append([]Link(nil), via...), Link{p, i})
		got, err := r.expand(p.fill(t, vals), chain)
		if err != nil {
			return nil, err
		}
		for k := range got {
			switch {
			case i != blockAt:
				got[k].Block = false
			case len(got[k].Via) == len(chain): // a catalogue step of p itself
				got[k].Block = got[k].block != nil
			} // a nested phrase's steps keep what it marked
		}
		out = append(out, got...)
	}
	return out, nil
}

// Problem is a problem of the book as a whole, at a phrase's step.
type Problem struct {
	File  string
	Line  int
	Field string
	Kind  ErrorKind
	Msg   string
	// Text is the step text with sample values (for suggestions), for an
	// undefined step.
	Text string
}

func (p Problem) String() string {
	return fmt.Sprintf("%s:%d: %s: %s", p.File, p.Line, p.Field, p.Msg)
}

// TwoBlocks is the problem kind of a phrase with two steps that take a
// table or doc string.
const TwoBlocks ErrorKind = "two tables"

// Problems returns what is wrong with the book whatever the feature files
// say, each at its phrase's step: steps that match no catalogue step or
// phrase, or more than one, phrases that nest in a cycle (one problem per
// cycle, naming each phrase's file:line), and phrases with two steps that
// take a table or doc string, and phrases that overlap another phrase or
// a catalogue step (their example text matches it). Parameters are filled with sample values of
// their type ("text", "1"); a step that matches only for other values is
// checked again, with the real values, where a feature uses the phrase.
func (r *Resolver) Problems() []Problem {
	var out []Problem
	edges := map[*Phrase][]Link{}
	for _, p := range r.book.Phrases {
		// The phrase itself overlapping another phrase or a step: Godog
		// would call the feature's step ambiguous.
		if p.Expression != "" {
			var names []string
			for _, q := range r.Matching(p.example) {
				if q != p {
					names = append(names, fmt.Sprintf("the phrase %q (%s)", q.Source(), q.At()))
				}
			}
			for _, d := range r.matchingDefs(p.example) {
				names = append(names, fmt.Sprintf("the catalogue step %q", d.Pattern))
			}
			if len(names) > 0 {
				out = append(out, Problem{File: p.File, Line: p.Line, Field: p.Field + ".phrase", Kind: Ambiguous,
					Msg: fmt.Sprintf("the phrase %q overlaps %s: a step such as %q would be ambiguous", p.Source(), strings.Join(names, " and "), p.example)})
			}
		}
		blocks := 0
		for i, t := range p.Steps {
			text, ok := r.sampleText(p, t)
			if !ok {
				out = append(out, Problem{File: p.File, Line: t.Line, Field: t.Field, Kind: Undefined, Text: text,
					Msg: fmt.Sprintf("%q matches no catalogue step or phrase", t.Text)})
				continue
			}
			ps, ds := r.Matching(text), r.matchingDefs(text)
			if len(ps)+len(ds) > 1 {
				var names []string
				for _, q := range ps {
					names = append(names, fmt.Sprintf("the phrase %q (%s)", q.Source(), q.At()))
				}
				for _, d := range ds {
					names = append(names, fmt.Sprintf("the catalogue step %q", d.Pattern))
				}
				out = append(out, Problem{File: p.File, Line: t.Line, Field: t.Field, Kind: Ambiguous,
					Msg: fmt.Sprintf("%q is ambiguous: it matches %s", t.Text, strings.Join(names, " and "))})
				continue
			}
			var bt reflect.Type
			if len(ps) == 1 {
				edges[p] = append(edges[p], Link{p, i})
				bt = r.block[ps[0]]
			} else {
				bt = ds[0].block
			}
			if bt != nil {
				blocks++
				if blocks == 2 {
					out = append(out, Problem{File: p.File, Line: t.Line, Field: t.Field, Kind: TwoBlocks,
						Msg: fmt.Sprintf("%q takes a table or doc string, and so does an earlier step of the phrase: a phrase passes its one table or doc string to one step", t.Text)})
				}
			}
		}
	}
	// Cycles: depth-first over phrase → phrase links.
	target := func(l Link) *Phrase {
		text, _ := r.sampleText(l.Phrase, l.Phrase.Steps[l.Step])
		if ps := r.Matching(text); len(ps) == 1 {
			return ps[0]
		}
		return nil
	}
	state := map[*Phrase]int{} // 0 new, 1 on the stack, 2 done
	reported := map[string]bool{}
	var stack []Link
	var visit func(p *Phrase)
	visit = func(p *Phrase) {
		state[p] = 1
		for _, l := range edges[p] {
			q := target(l)
			if q == nil {
				continue
			}
			stack = append(stack, l)
			switch state[q] {
			case 0:
				visit(q)
			case 1:
				start := 0
				for k, s := range stack {
					if s.Phrase == q {
						start = k
						break
					}
				}
				cyc := append([]Link(nil), stack[start:]...)
				key := cycleKey(cyc)
				if !reported[key] {
					reported[key] = true
					first := cyc[0]
					out = append(out, Problem{File: first.Phrase.File, Line: first.Phrase.Steps[first.Step].Line,
						Field: first.Phrase.Steps[first.Step].Field, Kind: Cycle,
						Msg: fmt.Sprintf("phrases call each other in a cycle: %s → %q (%s)", chain(cyc), q.Source(), q.At())})
				}
			}
			stack = stack[:len(stack)-1]
		}
		state[p] = 2
	}
	for _, p := range r.book.Phrases {
		if state[p] == 0 {
			visit(p)
		}
	}
	return out
}

// cycleKey names a cycle whichever phrase it is entered from.
func cycleKey(cyc []Link) string {
	names := make([]string, len(cyc))
	for i, l := range cyc {
		names[i] = l.At()
	}
	// Rotate to the smallest name.
	min := 0
	for i := range names {
		if names[i] < names[min] {
			min = i
		}
	}
	return strings.Join(append(names[min:], names[:min]...), "|")
}
