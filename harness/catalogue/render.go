package catalogue

import (
	"fmt"
	"strings"
)

// This file turns a step pattern into the text analysts read. It parses the
// small regular-expression subset step patterns use (literals, escapes,
// classes, groups, alternation, the ?, *, + quantifiers) into a tree,
// without the factoring regexp/syntax applies to alternations, so
// "(?:I am|the user is)" stays as written.

// node is one element of a parsed pattern.
type node struct {
	kind    nodeKind
	text    string    // literal text; a class or escape's source
	name    string    // a named group's name
	capture bool      // a capturing group
	alts    [][]*node // a group's alternatives
	quant   string    // "", "?", "*", "+", "??", "*?", "+?"
}

type nodeKind int

const (
	literal nodeKind = iota
	class            // [...], \d, \w, \s, .
	group
	anchor // ^ or $
)

// parsePattern parses a step pattern. It reports what it cannot render
// (for example a {n,m} repetition) as an error naming the column.
func parsePattern(p string) ([]*node, error) {
	ps := &patternParser{src: []rune(p)}
	alts, err := ps.alternatives()
	if err != nil {
		return nil, err
	}
	if ps.pos < len(ps.src) {
		return nil, fmt.Errorf("column %d: unbalanced )", ps.pos+1)
	}
	if len(alts) != 1 {
		return nil, fmt.Errorf("an alternation at the top level needs a group: (?:a|b)")
	}
	return alts[0], nil
}

type patternParser struct {
	src []rune
	pos int
}

func (ps *patternParser) alternatives() ([][]*node, error) {
	var alts [][]*node
	var cur []*node
	for ps.pos < len(ps.src) {
		r := ps.src[ps.pos]
		switch r {
		case '|':
			ps.pos++
			alts = append(alts, cur)
			cur = nil
			continue
		case ')':
			return append(alts, cur), nil
		}
		n, err := ps.atom()
		if err != nil {
			return nil, err
		}
		if err := ps.quantifier(n); err != nil {
			return nil, err
		}
		// Join adjacent unquantified literals.
		if n.kind == literal && n.quant == "" && len(cur) > 0 {
			if last := cur[len(cur)-1]; last.kind == literal && last.quant == "" {
				last.text += n.text
				continue
			}
		}
		cur = append(cur, n)
	}
	return append(alts, cur), nil
}

func (ps *patternParser) atom() (*node, error) {
	start := ps.pos
	r := ps.src[ps.pos]
	switch r {
	case '^', '$':
		ps.pos++
		return &node{kind: anchor, text: string(r)}, nil
	case '.':
		ps.pos++
		return &node{kind: class, text: "."}, nil
	case '\\':
		if ps.pos+1 >= len(ps.src) {
			return nil, fmt.Errorf("column %d: trailing backslash", start+1)
		}
		e := ps.src[ps.pos+1]
		ps.pos += 2
		if strings.ContainsRune("dDwWsSbB", e) {
			return &node{kind: class, text: `\` + string(e)}, nil
		}
		return &node{kind: literal, text: string(e)}, nil
	case '[':
		end := ps.pos + 1
		if end < len(ps.src) && ps.src[end] == '^' {
			end++
		}
		if end < len(ps.src) && ps.src[end] == ']' {
			end++
		}
		for end < len(ps.src) && ps.src[end] != ']' {
			if ps.src[end] == '\\' {
				end++
			}
			end++
		}
		if end >= len(ps.src) {
			return nil, fmt.Errorf("column %d: unclosed [", start+1)
		}
		ps.pos = end + 1
		return &node{kind: class, text: string(ps.src[start:ps.pos])}, nil
	case '(':
		ps.pos++
		n := &node{kind: group, capture: true}
		if strings.HasPrefix(string(ps.src[ps.pos:]), "?:") {
			n.capture = false
			ps.pos += 2
		} else if rest := string(ps.src[ps.pos:]); strings.HasPrefix(rest, "?P<") || strings.HasPrefix(rest, "?<") {
			open := strings.Index(rest, "<")
			closeAt := strings.Index(rest, ">")
			if closeAt < 0 {
				return nil, fmt.Errorf("column %d: unclosed group name", start+1)
			}
			n.name = rest[open+1 : closeAt]
			ps.pos += len([]rune(rest[:closeAt+1]))
		} else if strings.HasPrefix(rest, "?") {
			return nil, fmt.Errorf("column %d: flags groups (?...) are not supported in step patterns", start+1)
		}
		alts, err := ps.alternatives()
		if err != nil {
			return nil, err
		}
		if ps.pos >= len(ps.src) || ps.src[ps.pos] != ')' {
			return nil, fmt.Errorf("column %d: unclosed (", start+1)
		}
		ps.pos++
		n.alts = alts
		return n, nil
	case '*', '+', '?', '{':
		return nil, fmt.Errorf("column %d: %c repeats nothing", start+1, r)
	}
	ps.pos++
	return &node{kind: literal, text: string(r)}, nil
}

func (ps *patternParser) quantifier(n *node) error {
	if ps.pos >= len(ps.src) {
		return nil
	}
	switch ps.src[ps.pos] {
	case '?', '*', '+':
		n.quant = string(ps.src[ps.pos])
		ps.pos++
		if ps.pos < len(ps.src) && ps.src[ps.pos] == '?' {
			n.quant += "?"
			ps.pos++
		}
		if n.kind == literal && len([]rune(n.text)) > 1 {
			// Cannot happen: atoms are single runes until joined.
			return fmt.Errorf("column %d: internal: quantified multi-rune literal", ps.pos)
		}
	case '{':
		return fmt.Errorf("column %d: {n,m} repetitions are not supported in step patterns; use + or *", ps.pos+1)
	}
	return nil
}

// Placeholder names, by the shape of a capture group.
const (
	PlaceholderText     = "text"
	PlaceholderNumber   = "number"
	PlaceholderWord     = "word"
	PlaceholderWords    = "words"
	PlaceholderQuantity = "quantity"
	PlaceholderValue    = "value"
	// PlaceholderPatient and PlaceholderRole are given by the examples:
	// see Namer.
	PlaceholderPatient = "patient"
	PlaceholderRole    = "role"
)

// shapeName names a capture group with one alternative by what it accepts.
func shapeName(n *node) string {
	if n.name != "" {
		return n.name
	}
	src := nodesSource(n.alts[0])
	hasDigit := strings.Contains(src, `\d`) || strings.Contains(src, "0-9")
	hasLetter := strings.Contains(src, "a-z") || strings.Contains(src, "A-Z") || strings.Contains(src, `\w`)
	switch {
	case src == `[^"]*` || src == `[^"]+` || src == ".*" || src == ".+" || src == ".+?" || src == ".*?":
		return PlaceholderText
	case hasDigit && hasLetter:
		return PlaceholderQuantity
	case hasDigit:
		return PlaceholderNumber
	case src == "[a-z]+" || src == "[A-Za-z]+" || src == `\w+`:
		return PlaceholderWord
	case hasLetter:
		return PlaceholderWords
	}
	return PlaceholderValue
}

// nodesSource writes nodes back as a regular expression.
func nodesSource(ns []*node) string {
	var b strings.Builder
	for _, n := range ns {
		writeSource(&b, n, nil)
	}
	return b.String()
}

// writeSource writes n as a regular expression; persona, when not nil,
// turns each persona word class into a capture group named "persona".
func writeSource(b *strings.Builder, n *node, persona map[*node]bool) {
	switch n.kind {
	case literal:
		for _, r := range n.text {
			if strings.ContainsRune(`\.+*?()|[]{}^$`, r) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
	case class, anchor:
		if persona[n] {
			b.WriteString("(?P<persona>" + n.text + n.quant + ")")
			return
		}
		b.WriteString(n.text)
	case group:
		switch {
		case n.name != "":
			b.WriteString("(?P<" + n.name + ">")
		case n.capture:
			b.WriteString("(")
		default:
			b.WriteString("(?:")
		}
		for i, alt := range n.alts {
			if i > 0 {
				b.WriteByte('|')
			}
			for _, c := range alt {
				writeSource(b, c, persona)
			}
		}
		b.WriteString(")")
	}
	b.WriteString(n.quant)
}

// renderer writes a parsed pattern as analyst-readable text.
type renderer struct {
	b       *strings.Builder
	names   []string // placeholder names of the capture groups, in order
	group   int      // next capture group's index
	persona map[*node]bool
}

func (r *renderer) nodes(ns []*node) {
	for i, n := range ns {
		r.node(n, i > 0 && endsWithThe(ns[i-1]))
	}
}

// endsWithThe reports whether a literal ends with "the ": the word class
// after it names a role persona ("the receptionist").
func endsWithThe(n *node) bool {
	return n.kind == literal && n.quant == "" && (n.text == "the " || strings.HasSuffix(n.text, " the "))
}

func (r *renderer) node(n *node, afterThe bool) {
	optional := n.quant == "?" || n.quant == "??"
	if optional {
		// Render the optional part alone, then bracket it with its
		// surrounding spaces outside: "[the] password", " [because ...]".
		outer := r.b
		r.b = &strings.Builder{}
		defer func() {
			inner := r.b.String()
			trimmed := strings.TrimSpace(inner)
			lead := inner[:strings.Index(inner, trimmed)]
			trail := inner[len(lead)+len(trimmed):]
			r.b = outer
			r.b.WriteString(lead + "[" + trimmed + "]" + trail)
		}()
	}
	switch n.kind {
	case anchor:
	case literal:
		r.b.WriteString(n.text)
	case class:
		switch {
		case afterThe && (n.text == "[a-z]" && (n.quant == "+" || n.quant == "+?")):
			r.b.WriteString("{" + PlaceholderRole + "}")
			r.persona[n] = true
		case n.text == `\d` && (n.quant == "+" || n.quant == "*"):
			r.b.WriteString("{" + PlaceholderNumber + "}")
		case n.text == " " || n.text == `\s`:
			r.b.WriteString(" ")
		default:
			r.b.WriteString("{" + PlaceholderValue + "}")
		}
	case group:
		if n.capture && len(n.alts) == 1 && !isLiteral(n.alts[0]) {
			name := r.names[r.group]
			r.group++
			r.b.WriteString("{" + name + "}")
			break
		}
		if n.capture {
			r.group++
		}
		bracket := !optional && len(n.alts) > 1
		if bracket {
			r.b.WriteString("(")
		}
		for i, alt := range n.alts {
			if i > 0 {
				r.b.WriteString("|")
			}
			r.nodes(alt)
		}
		if bracket {
			r.b.WriteString(")")
		}
	}
}

func isLiteral(ns []*node) bool {
	for _, n := range ns {
		if n.kind != literal || n.quant != "" {
			return false
		}
	}
	return true
}

// captureGroups returns the capture groups in the order regexp numbers them.
func captureGroups(ns []*node) []*node {
	var out []*node
	var walk func([]*node)
	walk = func(ns []*node) {
		for _, n := range ns {
			if n.kind != group {
				continue
			}
			if n.capture {
				out = append(out, n)
			}
			for _, alt := range n.alts {
				walk(alt)
			}
		}
	}
	walk(ns)
	return out
}
