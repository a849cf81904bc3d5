package phrasebook

import (
	"fmt"
	"regexp"
	"strings"
)

// A Cucumber Expression compiled to a Go regular expression.
//
// Why our own compiler: github.com/cucumber/cucumber-expressions/go is not
// served by the module proxy the harness is built with (v16 to v19 were
// tried), and a phrasebook needs only the part of the language analysts
// write: the parameter types {int}, {float}, {word}, {string} (double or
// single quotes; the value is passed without them) and {} (anything),
// optional text "(s)", alternation "a/b" (words bounded by spaces), and
// the escapes \( \) \{ \} \/ \\ and "\ ". Anything else a Cucumber
// Expression would refuse is refused here too, with the column.

// Param is one parameter of a phrase, in order.
type Param struct {
	// Name is how a target step names it: "1", "2", ... for a Cucumber
	// Expression, the group's name (or number) for a regular expression.
	Name string
	// Type is the Cucumber parameter type ("int", "float", "word",
	// "string", "" for {}), or "regex" for a regular expression's group.
	Type string
	// groups are the regexp's capture groups (1-based) that hold the
	// value; {string} has two (double and single quotes), at most one of
	// which takes part in a match.
	groups []int
}

// paramPatterns are the regular expressions of the parameter types.
var paramPatterns = map[string]string{
	"int":    `(-?\d+)`,
	"float":  `(-?(?:\d+(?:\.\d*)?|\.\d+))`,
	"word":   `([^\s]+)`,
	"string": `(?:"([^"]*)"|'([^']*)')`,
	"":       `(.*)`,
}

// paramGroups is how many capture groups each type's pattern has.
var paramGroups = map[string]int{"int": 1, "float": 1, "word": 1, "string": 2, "": 1}

// exprKind is the kind of an expression node.
type exprKind int

const (
	textNode exprKind = iota
	spaceNode
	optionalNode
	alternationNode
	paramNode
)

// exprNode is one node of a parsed expression.
type exprNode struct {
	kind  exprKind
	text  string       // textNode, spaceNode, optionalNode (its text)
	param string       // paramNode: the type name
	alts  [][]exprNode // alternationNode: each alternative's text and optional nodes
}

// ExpressionError is a Cucumber Expression that does not compile, at a
// column (1-based, in runes).
type ExpressionError struct {
	Column int
	Msg    string
}

func (e *ExpressionError) Error() string { return fmt.Sprintf("column %d: %s", e.Column, e.Msg) }

// Expression is a compiled Cucumber Expression.
type Expression struct {
	Source string
	Regexp *regexp.Regexp
	Params []Param
	nodes  []exprNode
}

// CompileExpression compiles a Cucumber Expression to an anchored regular
// expression. The error is an *ExpressionError.
func CompileExpression(src string) (*Expression, error) {
	nodes, err := parseExpression(src)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	var params []Param
	group := 0
	b.WriteString("^")
	for _, n := range nodes {
		switch n.kind {
		case textNode, spaceNode:
			b.WriteString(regexp.QuoteMeta(n.text))
		case optionalNode:
			b.WriteString("(?:" + regexp.QuoteMeta(n.text) + ")?")
		case alternationNode:
			b.WriteString("(?:")
			for i, alt := range n.alts {
				if i > 0 {
					b.WriteString("|")
				}
				for _, a := range alt {
					if a.kind == optionalNode {
						b.WriteString("(?:" + regexp.QuoteMeta(a.text) + ")?")
					} else {
						b.WriteString(regexp.QuoteMeta(a.text))
					}
				}
			}
			b.WriteString(")")
		case paramNode:
			p := Param{Name: fmt.Sprint(len(params) + 1), Type: n.param}
			for range paramGroups[n.param] {
				group++
				p.groups = append(p.groups, group)
			}
			params = append(params, p)
			b.WriteString(paramPatterns[n.param])
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil { // cannot happen: every part is quoted or fixed
		return nil, &ExpressionError{Column: 1, Msg: "internal: " + err.Error()}
	}
	return &Expression{Source: src, Regexp: re, Params: params, nodes: nodes}, nil
}

// Example is a text the expression matches: optional text left in, the
// first alternative, and a sample value for each parameter.
func (e *Expression) Example() string {
	var b strings.Builder
	for _, n := range e.nodes {
		switch n.kind {
		case textNode, spaceNode, optionalNode:
			b.WriteString(n.text)
		case alternationNode:
			for _, a := range n.alts[0] {
				b.WriteString(a.text)
			}
		case paramNode:
			b.WriteString(sampleOf(n.param))
		}
	}
	return b.String()
}

// sampleOf is a value of a parameter type, as written in a step.
func sampleOf(typ string) string {
	switch typ {
	case "int":
		return "1"
	case "float":
		return "1.5"
	case "word":
		return "word"
	case "string":
		return `"text"`
	}
	return "text"
}

// token kinds of the lexer.
type tokKind int

const (
	tokText tokKind = iota
	tokSpace
	tokBeginOptional
	tokEndOptional
	tokBeginParam
	tokEndParam
	tokAlternation
)

type token struct {
	kind tokKind
	r    rune
	col  int
}

func lex(src string) ([]token, error) {
	var toks []token
	rs := []rune(src)
	for i := 0; i < len(rs); i++ {
		r, col := rs[i], i+1
		switch {
		case r == '\\':
			if i+1 == len(rs) {
				return nil, &ExpressionError{col, `a "\" at the end escapes nothing: write "\\" for a backslash`}
			}
			i++
			next := rs[i]
			if !strings.ContainsRune(`(){}/\ `, next) && next != '\t' {
				return nil, &ExpressionError{col, fmt.Sprintf(`"\%c" is no escape: only ( ) { } / \ and space can be escaped`, next)}
			}
			toks = append(toks, token{tokText, next, col})
		case r == ' ' || r == '\t':
			toks = append(toks, token{tokSpace, r, col})
		case r == '(':
			toks = append(toks, token{tokBeginOptional, r, col})
		case r == ')':
			toks = append(toks, token{tokEndOptional, r, col})
		case r == '{':
			toks = append(toks, token{tokBeginParam, r, col})
		case r == '}':
			toks = append(toks, token{tokEndParam, r, col})
		case r == '/':
			toks = append(toks, token{tokAlternation, r, col})
		default:
			toks = append(toks, token{tokText, r, col})
		}
	}
	return toks, nil
}

// parseExpression parses src into nodes: first optionals and parameters,
// then words joined by "/" into alternations.
func parseExpression(src string) ([]exprNode, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, &ExpressionError{1, "the expression is empty"}
	}
	// items: text/space/optional/param nodes, and slash markers.
	type item struct {
		node  exprNode
		slash bool
		col   int
	}
	var items []item
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch t.kind {
		case tokText:
			items = append(items, item{node: exprNode{kind: textNode, text: string(t.r)}, col: t.col})
		case tokSpace:
			items = append(items, item{node: exprNode{kind: spaceNode, text: string(t.r)}, col: t.col})
		case tokAlternation:
			items = append(items, item{slash: true, col: t.col})
		case tokEndOptional:
			return nil, &ExpressionError{t.col, `")" closes no "(": write "\)" for a bracket`}
		case tokEndParam:
			return nil, &ExpressionError{t.col, `"}" closes no "{": write "\}" for a brace`}
		case tokBeginOptional:
			var b strings.Builder
			j := i + 1
			for ; j < len(toks) && toks[j].kind != tokEndOptional; j++ {
				switch toks[j].kind {
				case tokBeginOptional:
					return nil, &ExpressionError{toks[j].col, `optional text cannot hold another "(": write "\(" for a bracket`}
				case tokBeginParam:
					return nil, &ExpressionError{toks[j].col, "optional text cannot hold a parameter"}
				case tokEndParam:
					return nil, &ExpressionError{toks[j].col, `"}" closes no "{": write "\}" for a brace`}
				case tokAlternation:
					return nil, &ExpressionError{toks[j].col, `optional text cannot hold an alternation "/": write "\/" for a slash`}
				}
				b.WriteRune(toks[j].r)
			}
			if j == len(toks) {
				return nil, &ExpressionError{t.col, `"(" is not closed: optional text is "(s)"; write "\(" for a bracket`}
			}
			if b.Len() == 0 {
				return nil, &ExpressionError{t.col, `"()" is empty optional text: write "\(\)" for brackets`}
			}
			items = append(items, item{node: exprNode{kind: optionalNode, text: b.String()}, col: t.col})
			i = j
		case tokBeginParam:
			var b strings.Builder
			j := i + 1
			for ; j < len(toks) && toks[j].kind != tokEndParam; j++ {
				if toks[j].kind != tokText {
					return nil, &ExpressionError{toks[j].col, fmt.Sprintf("%q cannot be in a parameter's name", toks[j].r)}
				}
				b.WriteRune(toks[j].r)
			}
			if j == len(toks) {
				return nil, &ExpressionError{t.col, `"{" is not closed: a parameter is {int}, {float}, {word}, {string} or {}; write "\{" for a brace`}
			}
			name := b.String()
			if _, ok := paramPatterns[name]; !ok {
				return nil, &ExpressionError{t.col, fmt.Sprintf("{%s} is no parameter type: use {int}, {float}, {word}, {string} or {}", name)}
			}
			items = append(items, item{node: exprNode{kind: paramNode, param: name}, col: t.col})
			i = j
		}
	}
	// Words (runs between spaces) holding a "/" are alternations.
	var out []exprNode
	appendText := func(dst []exprNode, n exprNode) []exprNode {
		if k := len(dst); k > 0 && dst[k-1].kind == n.kind && (n.kind == textNode || n.kind == spaceNode) {
			dst[k-1].text += n.text
			return dst
		}
		return append(dst, n)
	}
	for i := 0; i < len(items); {
		if !items[i].slash && items[i].node.kind == spaceNode {
			out = appendText(out, items[i].node)
			i++
			continue
		}
		j := i
		hasSlash := false
		for j < len(items) && (items[j].slash || items[j].node.kind != spaceNode) {
			hasSlash = hasSlash || items[j].slash
			j++
		}
		word := items[i:j]
		if !hasSlash {
			for _, it := range word {
				out = appendText(out, it.node)
			}
			i = j
			continue
		}
		alt := exprNode{kind: alternationNode}
		var cur []exprNode
		start := word[0].col
		for k, it := range word {
			if it.slash {
				if len(cur) == 0 {
					return nil, &ExpressionError{it.col, `an alternative is empty: "a/b" needs text on both sides of "/"; write "\/" for a slash`}
				}
				alt.alts = append(alt.alts, cur)
				cur = nil
				if k == len(word)-1 {
					return nil, &ExpressionError{it.col, `an alternative is empty: "a/b" needs text on both sides of "/"; write "\/" for a slash`}
				}
				continue
			}
			if it.node.kind == paramNode {
				return nil, &ExpressionError{it.col, "an alternative cannot hold a parameter"}
			}
			cur = appendText(cur, it.node)
		}
		if len(cur) == 0 {
			return nil, &ExpressionError{start, "an alternative is empty"}
		}
		alt.alts = append(alt.alts, cur)
		// An alternative of optional text only could match nothing.
		for _, a := range alt.alts {
			onlyOptional := true
			for _, n := range a {
				if n.kind != optionalNode {
					onlyOptional = false
				}
			}
			if onlyOptional {
				return nil, &ExpressionError{start, "an alternative must hold text besides optional text"}
			}
		}
		out = append(out, alt)
		i = j
	}
	return out, nil
}

// values turns a match's capture groups (without the whole match) into
// one value per parameter.
func values(params []Param, groups []string) []string {
	out := make([]string, len(params))
	for i, p := range params {
		for _, g := range p.groups {
			if g-1 < len(groups) && groups[g-1] != "" {
				out[i] = groups[g-1]
				break
			}
		}
	}
	return out
}
