// Package tagexpr parses and evaluates Cucumber tag expressions such as
// "@smoke and not (@slow or @wip)", with the standard syntax: tags start
// with @, operators are and, or, not (not binds tightest, then and, then
// or), parentheses group, and a backslash escapes a space, parenthesis or
// backslash inside a tag name. An empty expression matches everything.
// Parsed expressions are immutable and safe for concurrent use.
package tagexpr

import (
	"fmt"
	"strings"
)

// Expr is a parsed tag expression.
type Expr interface {
	// Match reports whether a scenario with these tags (each starting
	// with @) is selected.
	Match(tags []string) bool
	String() string
}

// Error is a syntax error at a 1-based column of the expression.
type Error struct {
	Expr   string
	Column int
	Msg    string
}

func (e *Error) Error() string {
	return fmt.Sprintf("tag expression %q, column %d: %s", e.Expr, e.Column, e.Msg)
}

type token struct {
	text string
	col  int
}

// Parse parses a tag expression.
func Parse(s string) (Expr, error) {
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return all{}, nil
	}
	p := &parser{src: s, toks: toks}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		t := p.toks[p.pos]
		return nil, &Error{Expr: s, Column: t.col, Msg: fmt.Sprintf("unexpected %q", t.text)}
	}
	return e, nil
}

func tokenize(s string) ([]token, error) {
	var toks []token
	var cur strings.Builder
	start := 0
	flush := func() {
		if cur.Len() > 0 {
			toks = append(toks, token{text: cur.String(), col: start + 1})
			cur.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 >= len(s) {
				return nil, &Error{Expr: s, Column: i + 1, Msg: "backslash at the end"}
			}
			if cur.Len() == 0 {
				start = i
			}
			i++
			cur.WriteByte(s[i])
		case c == '(' || c == ')':
			flush()
			toks = append(toks, token{text: string(c), col: i + 1})
		case c == ' ' || c == '\t':
			flush()
		default:
			if cur.Len() == 0 {
				start = i
			}
			cur.WriteByte(c)
		}
	}
	flush()
	return toks, nil
}

type parser struct {
	src  string
	toks []token
	pos  int
}

func (p *parser) peek() (token, bool) {
	if p.pos < len(p.toks) {
		return p.toks[p.pos], true
	}
	return token{}, false
}

func (p *parser) errAt(msg string) error {
	col := len(p.src) + 1
	if t, ok := p.peek(); ok {
		col = t.col
	}
	return &Error{Expr: p.src, Column: col, Msg: msg}
}

func (p *parser) or() (Expr, error) {
	left, err := p.and()
	if err != nil {
		return nil, err
	}
	for {
		t, ok := p.peek()
		if !ok || t.text != "or" {
			return left, nil
		}
		p.pos++
		right, err := p.and()
		if err != nil {
			return nil, err
		}
		left = or{left, right}
	}
}

func (p *parser) and() (Expr, error) {
	left, err := p.not()
	if err != nil {
		return nil, err
	}
	for {
		t, ok := p.peek()
		if !ok || t.text != "and" {
			return left, nil
		}
		p.pos++
		right, err := p.not()
		if err != nil {
			return nil, err
		}
		left = and{left, right}
	}
}

func (p *parser) not() (Expr, error) {
	t, ok := p.peek()
	if ok && t.text == "not" {
		p.pos++
		e, err := p.not()
		if err != nil {
			return nil, err
		}
		return not{e}, nil
	}
	return p.primary()
}

func (p *parser) primary() (Expr, error) {
	t, ok := p.peek()
	if !ok {
		return nil, p.errAt("expected a tag or (")
	}
	switch t.text {
	case "(":
		p.pos++
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if t, ok := p.peek(); !ok || t.text != ")" {
			return nil, p.errAt("expected )")
		}
		p.pos++
		return e, nil
	case ")", "and", "or":
		return nil, p.errAt(fmt.Sprintf("expected a tag or ( before %q", t.text))
	}
	if !strings.HasPrefix(t.text, "@") {
		return nil, &Error{Expr: p.src, Column: t.col, Msg: fmt.Sprintf("tag %q must start with @", t.text)}
	}
	p.pos++
	return tag(t.text), nil
}

type all struct{}

func (all) Match([]string) bool { return true }
func (all) String() string      { return "" }

type tag string

func (t tag) Match(tags []string) bool {
	for _, x := range tags {
		if x == string(t) {
			return true
		}
	}
	return false
}
func (t tag) String() string {
	return strings.NewReplacer(`\`, `\\`, " ", `\ `, "\t", "\\\t", "(", `\(`, ")", `\)`).Replace(string(t))
}

type not struct{ e Expr }

func (n not) Match(tags []string) bool { return !n.e.Match(tags) }
func (n not) String() string           { return "not ( " + n.e.String() + " )" }

type and struct{ l, r Expr }

func (a and) Match(tags []string) bool { return a.l.Match(tags) && a.r.Match(tags) }
func (a and) String() string           { return "( " + a.l.String() + " and " + a.r.String() + " )" }

type or struct{ l, r Expr }

func (o or) Match(tags []string) bool { return o.l.Match(tags) || o.r.Match(tags) }
func (o or) String() string           { return "( " + o.l.String() + " or " + o.r.String() + " )" }
