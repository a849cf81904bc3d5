// Package phrasebook lets a team's existing feature files run as they are:
// a YAML phrasebook maps the team's own step wording to catalogue steps
// (steps.Def), passing parameters through.
//
//	# phrasebook.yaml
//	phrases:
//	  - phrase: that I'm logged in                  # a Cucumber Expression (the default)
//	    steps: [I am signed in as a clinician]
//	  - phrase: I search for a patient with {string}
//	    steps: ['I search for the patient with NHS number "{1}"']  # {1}, {2}: the parameters in order
//	  - regex: '^the following patients are found: "(?P<name>[^"]+)"$'
//	    steps: ['the search results include "{name}"'] # {name}: a named group ({1} works too)
//	    doc: one line saying what it means
//
// A phrase is a Cucumber Expression (phrase:) or a Go regular expression
// (regex:, always matched against the whole step text, ^...$ or not).
// Each of its steps is a
// catalogue step's text or another phrase (phrases nest). A data table or
// doc string under the team's step goes to the one step that takes one; a
// phrase whose steps take none refuses one (eprharness check says so).
//
// Cucumber Expressions are compiled by this package (expression.go):
// github.com/cucumber/cucumber-expressions/go is not served by the module
// proxy we build with, and phrases need only its common part.
//
// The pieces:
//
//   - Load reads phrasebook files. Every problem in them (YAML, unknown
//     fields, an expression or regex that does not compile, a parameter a
//     step names that the phrase does not have) is an error naming
//     file:line and the field, all of them collected (a *LoadError).
//   - Book.Resolve binds a Book to the step definitions it stands on (the
//     step library's []steps.Def: harness/ never imports steps/library,
//     the composition root passes them). The Resolver expands step text
//     to catalogue steps (Expand), finds the problems of the book as a
//     whole (Problems: steps that are undefined or ambiguous, cycles of
//     phrases, two steps taking the one table), and registers every
//     phrase with Godog (Register).
//
// A Book and a Resolver are immutable after Load and Resolve and safe for
// concurrent use; Register's handlers keep no state of their own (each
// scenario's state is in its ctx).
package phrasebook

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// Book is a team's phrases, from one or more files, in file order.
type Book struct {
	Phrases []*Phrase
}

// Phrase is one entry of a phrasebook.
type Phrase struct {
	// File and Line say where the phrase is written.
	File string
	Line int
	// Field is the phrase's place in its file: "phrases[2]".
	Field string
	// Expression is the Cucumber Expression, or "" for a regex phrase.
	Expression string
	// Regex is the regular expression as written, or "".
	Regex string
	// Doc is the optional one-line description.
	Doc string
	// Steps are what the phrase stands for, in order.
	Steps []Target
	// Params are the phrase's parameters, in order.
	Params []Param

	re      *regexp.Regexp
	example string
}

// Target is one step a phrase stands for: a catalogue step's text or
// another phrase, with {1} or {name} for the phrase's parameters.
type Target struct {
	Text string
	Line int
	// Field is "phrases[2].steps[0]".
	Field string
}

// At is "file:line" of the phrase.
func (p *Phrase) At() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// Source is the phrase as written: its expression or its regex.
func (p *Phrase) Source() string {
	if p.Regex != "" {
		return p.Regex
	}
	return p.Expression
}

// Regexp is the regular expression the phrase is matched (and registered
// with Godog) by.
func (p *Phrase) Regexp() *regexp.Regexp { return p.re }

// Example is a step text the phrase matches, with sample values for its
// parameters (for a regex phrase, its source without anchors).
func (p *Phrase) Example() string { return p.example }

// Match reports whether step text (without keyword) matches the phrase.
func (p *Phrase) Match(text string) bool { return p.re.MatchString(text) }

// Arguments returns the phrase's parameter values in text, or nil when
// text does not match.
func (p *Phrase) Arguments(text string) []string {
	m := p.re.FindStringSubmatch(text)
	if m == nil {
		return nil
	}
	return values(p.Params, m[1:])
}

// placeholder is {1} or {name} in a target step.
var placeholder = regexp.MustCompile(`\{([A-Za-z0-9_]+)\}`)

// fill puts the phrase's parameter values into a target's text.
func (p *Phrase) fill(t Target, vals []string) string {
	return placeholder.ReplaceAllStringFunc(t.Text, func(m string) string {
		if i := p.param(m[1 : len(m)-1]); i >= 0 && i < len(vals) {
			return vals[i]
		}
		return m
	})
}

// param is the index of the parameter a placeholder names, or -1.
func (p *Phrase) param(name string) int {
	for i, pa := range p.Params {
		if pa.Name == name {
			return i
		}
	}
	var n int
	if _, err := fmt.Sscanf(name, "%d", &n); err == nil && fmt.Sprint(n) == name && n >= 1 && n <= len(p.Params) {
		return n - 1
	}
	return -1
}

// FieldError is one problem in a phrasebook file.
type FieldError struct {
	File  string
	Line  int
	Field string
	Msg   string
}

func (e *FieldError) Error() string {
	at := e.File
	if e.Line > 0 {
		at = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Field == "" {
		return at + ": " + e.Msg
	}
	return fmt.Sprintf("%s: %s: %s", at, e.Field, e.Msg)
}

// LoadError is every problem Load found, in file order.
type LoadError struct {
	Errs []*FieldError
}

func (e *LoadError) Error() string {
	var lines []string
	for _, fe := range e.Errs {
		lines = append(lines, fe.Error())
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems, so errors.As finds a *FieldError.
func (e *LoadError) Unwrap() []error {
	out := make([]error, len(e.Errs))
	for i, fe := range e.Errs {
		out[i] = fe
	}
	return out
}

// Load reads phrasebook files into one Book. The error is a *LoadError
// with every problem found, each naming file:line and field.
func Load(paths ...string) (*Book, error) {
	b := &Book{}
	var errs []*FieldError
	seen := map[string]*Phrase{}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			msg := "cannot read the phrasebook"
			if errors.Is(err, os.ErrNotExist) {
				msg = "no phrasebook file here"
			}
			errs = append(errs, &FieldError{File: path, Msg: msg})
			continue
		}
		phrases, ferrs := parseFile(path, data)
		errs = append(errs, ferrs...)
		for _, p := range phrases {
			key := "e:" + p.Expression
			if p.Regex != "" {
				key = "r:" + p.re.String()
			}
			if other, dup := seen[key]; dup {
				errs = append(errs, &FieldError{File: p.File, Line: p.Line, Field: p.Field,
					Msg: fmt.Sprintf("the same phrase is already at %s", other.At())})
				continue
			}
			seen[key] = p
			b.Phrases = append(b.Phrases, p)
		}
	}
	if len(errs) > 0 {
		return b, &LoadError{Errs: errs}
	}
	return b, nil
}

// Parse reads one phrasebook's YAML source, as Load does for a file.
func Parse(file string, data []byte) (*Book, error) {
	phrases, errs := parseFile(file, data)
	if len(errs) > 0 {
		return &Book{Phrases: phrases}, &LoadError{Errs: errs}
	}
	return &Book{Phrases: phrases}, nil
}

// keywords are the Gherkin keywords a target step may start with.
var keywords = []string{"Given ", "When ", "Then ", "And ", "But ", "* "}

func parseFile(file string, data []byte) ([]*Phrase, []*FieldError) {
	var errs []*FieldError
	bad := func(n *yaml.Node, field, format string, args ...any) {
		line := 0
		if n != nil {
			line = n.Line
		}
		errs = append(errs, &FieldError{File: file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		line := 0
		if _, err := fmt.Sscanf(msg, "line %d:", &line); err == nil {
			_, msg, _ = strings.Cut(msg, ": ")
		}
		errs = append(errs, &FieldError{File: file, Line: line, Msg: "not YAML: " + msg})
		return nil, errs
	}
	if len(doc.Content) == 0 {
		bad(nil, "", "the file is empty: want phrases: with a list of phrase and steps")
		return nil, errs
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		bad(root, "", "want a mapping with phrases:")
		return nil, errs
	}
	var list *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value != "phrases" {
			bad(k, k.Value, "unknown field: a phrasebook has only phrases:")
			continue
		}
		list = v
	}
	if list == nil {
		bad(root, "phrases", "missing: a phrasebook lists its phrases under phrases:")
		return nil, errs
	}
	if list.Kind != yaml.SequenceNode {
		bad(list, "phrases", "want a list of phrases (- phrase: ... steps: [...])")
		return nil, errs
	}
	var out []*Phrase
	for i, item := range list.Content {
		field := fmt.Sprintf("phrases[%d]", i)
		if item.Kind != yaml.MappingNode {
			bad(item, field, "want a mapping with phrase: (or regex:) and steps:")
			continue
		}
		p := &Phrase{File: file, Line: item.Line, Field: field}
		var stepsNode, srcNode *yaml.Node
		ok := true
		for j := 0; j+1 < len(item.Content); j += 2 {
			k, v := item.Content[j], item.Content[j+1]
			f := field + "." + k.Value
			str := func() (string, bool) {
				if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
					bad(v, f, "want text")
					return "", false
				}
				return v.Value, true
			}
			switch k.Value {
			case "phrase":
				s, good := str()
				ok = ok && good
				p.Expression, srcNode = s, v
			case "regex":
				s, good := str()
				ok = ok && good
				p.Regex, srcNode = s, v
			case "doc":
				s, good := str()
				ok = ok && good
				p.Doc = s
			case "steps":
				stepsNode = v
			default:
				bad(k, f, "unknown field: a phrase has phrase: or regex:, steps: and doc:")
				ok = false
			}
		}
		switch {
		case p.Expression != "" && p.Regex != "":
			bad(item, field, "has both phrase: and regex:; give one")
			ok = false
		case p.Expression == "" && p.Regex == "" && srcNode == nil:
			bad(item, field, "has neither phrase: nor regex:: the team's step text")
			ok = false
		case srcNode != nil && strings.TrimSpace(p.Source()) == "":
			bad(srcNode, field+"."+map[bool]string{true: "regex", false: "phrase"}[p.Regex != ""], "is empty")
			ok = false
		}
		if ok {
			if p.Regex != "" {
				if err := p.compileRegex(); err != nil {
					bad(srcNode, field+".regex", "%v", err)
					ok = false
				}
			} else if p.Expression != "" {
				e, err := CompileExpression(p.Expression)
				if err != nil {
					bad(srcNode, field+".phrase", "%v", err)
					ok = false
				} else {
					p.re, p.Params, p.example = e.Regexp, e.Params, e.Example()
				}
			}
		}
		// Steps: a list of texts (or one text).
		switch {
		case stepsNode == nil:
			bad(item, field+".steps", "missing: the catalogue steps (or phrases) the phrase stands for")
			ok = false
		case stepsNode.Kind == yaml.ScalarNode && stepsNode.Tag != "!!null":
			p.Steps = append(p.Steps, Target{Text: stepsNode.Value, Line: stepsNode.Line, Field: field + ".steps"})
		case stepsNode.Kind == yaml.SequenceNode && len(stepsNode.Content) > 0:
			for k, s := range stepsNode.Content {
				f := fmt.Sprintf("%s.steps[%d]", field, k)
				if s.Kind != yaml.ScalarNode || s.Tag == "!!null" {
					bad(s, f, "want a step's text")
					ok = false
					continue
				}
				p.Steps = append(p.Steps, Target{Text: s.Value, Line: s.Line, Field: f})
			}
		default:
			bad(stepsNode, field+".steps", "want a list of one or more steps")
			ok = false
		}
		for k := range p.Steps {
			t := &p.Steps[k]
			for _, kw := range keywords {
				t.Text = strings.TrimPrefix(t.Text, kw)
			}
			t.Text = strings.TrimSpace(t.Text)
			if t.Text == "" {
				bad(&yaml.Node{Line: t.Line}, t.Field, "is empty")
				ok = false
				continue
			}
			if p.re == nil {
				continue
			}
			for _, m := range placeholder.FindAllStringSubmatch(t.Text, -1) {
				if p.param(m[1]) < 0 {
					bad(&yaml.Node{Line: t.Line}, t.Field, "%s names no parameter of the phrase (%s)", m[0], p.paramList())
					ok = false
				}
			}
		}
		if ok {
			out = append(out, p)
		}
	}
	return out, errs
}

// paramList names the parameters a target may use.
func (p *Phrase) paramList() string {
	if len(p.Params) == 0 {
		return "it has none"
	}
	var names []string
	for i, pa := range p.Params {
		n := fmt.Sprintf("{%d}", i+1)
		if pa.Name != fmt.Sprint(i+1) {
			n += " or {" + pa.Name + "}"
		}
		names = append(names, n)
	}
	return "it has " + strings.Join(names, ", ")
}

// compileRegex compiles a regex phrase, anchored at both ends whether
// or not it is written with ^ and $.
func (p *Phrase) compileRegex() error {
	inner := strings.TrimPrefix(p.Regex, "^")
	if strings.HasSuffix(inner, "$") && !strings.HasSuffix(inner, `\$`) {
		inner = strings.TrimSuffix(inner, "$")
	}
	// Always wrapped, so that "^a|b$" cannot match inside longer text.
	src := "^(?:" + inner + ")$"
	re, err := regexp.Compile(src)
	if err != nil {
		return fmt.Errorf("does not compile: %w", err)
	}
	p.re = re
	for i, name := range re.SubexpNames()[1:] {
		if name == "" {
			name = fmt.Sprint(i + 1)
		}
		p.Params = append(p.Params, Param{Name: name, Type: "regex", groups: []int{i + 1}})
	}
	p.example = inner
	return nil
}
