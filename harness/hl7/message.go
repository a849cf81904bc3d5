package hl7

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrNotFound is wrapped by Get, Text and friends when the addressed
// segment is not in the message.
var ErrNotFound = errors.New("not in message")

// Delimiters are a message's separators, read from MSH-1 and MSH-2.
// Truncation is 0 unless MSH-2 has a fifth character (v2.7).
type Delimiters struct {
	Field, Component, Repetition, Escape, Subcomponent, Truncation byte
}

// DefaultDelimiters are |^~\& without a truncation character.
var DefaultDelimiters = Delimiters{Field: '|', Component: '^', Repetition: '~', Escape: '\\', Subcomponent: '&'}

// encodingChars is MSH-2 for d.
func (d Delimiters) encodingChars() string {
	s := string([]byte{d.Component, d.Repetition, d.Escape, d.Subcomponent})
	if d.Truncation != 0 {
		s += string(d.Truncation)
	}
	return s
}

func (d Delimiters) validate() error {
	all := []byte{d.Field, d.Component, d.Repetition, d.Escape, d.Subcomponent}
	if d.Truncation != 0 {
		all = append(all, d.Truncation)
	}
	for i, c := range all {
		if c == '\r' || c == '\n' || c == ' ' || c >= 0x80 || c < 0x20 ||
			(c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') {
			return fmt.Errorf("delimiter %q not allowed", c)
		}
		for _, o := range all[:i] {
			if o == c {
				return fmt.Errorf("delimiter %q used twice", c)
			}
		}
	}
	return nil
}

// Segment is a copy of one segment: Fields[0] is field 1 (for MSH, the
// field separator itself), each field in its encoded form.
type Segment struct {
	Name   string
	Fields []string
}

// Field returns field n (1-based) or "" when absent.
func (s Segment) Field(n int) string {
	if n < 1 || n > len(s.Fields) {
		return ""
	}
	return s.Fields[n-1]
}

type segment struct {
	name   string
	fields []string // fields[0] is field 1
}

// Message is one parsed or built HL7 v2 message. See the package doc for
// paths and concurrency.
type Message struct {
	delims Delimiters
	segs   []*segment
}

// Delimiters returns the message's separators.
func (m *Message) Delimiters() Delimiters { return m.delims }

// Segments returns a copy of the message's segments in order.
func (m *Message) Segments() []Segment {
	out := make([]Segment, len(m.segs))
	for i, s := range m.segs {
		out[i] = Segment{Name: s.name, Fields: append([]string(nil), s.fields...)}
	}
	return out
}

// Type is MSH-9.1 (for example "ADT").
func (m *Message) Type() string { v, _ := m.Text("MSH-9.1"); return v }

// Trigger is MSH-9.2 (for example "A01").
func (m *Message) Trigger() string { v, _ := m.Text("MSH-9.2"); return v }

// ControlID is MSH-10.
func (m *Message) ControlID() string { v, _ := m.Text("MSH-10"); return v }

// Charset is the first repetition of MSH-18 as written ("" means ASCII).
func (m *Message) Charset() string { v, _ := m.Text("MSH-18[1].1"); return v }

// String is the encoded message with segments on separate lines (\n), for
// logs and failure messages; it is not a wire form.
func (m *Message) String() string { return strings.Join(m.lines(), "\n") }

func (m *Message) lines() []string {
	lines := make([]string, len(m.segs))
	f := string(m.delims.Field)
	for i, s := range m.segs {
		if s.name == "MSH" {
			lines[i] = "MSH" + f + strings.Join(s.fields[1:], f)
			continue
		}
		if len(s.fields) == 0 {
			lines[i] = s.name
			continue
		}
		lines[i] = s.name + f + strings.Join(s.fields, f)
	}
	return lines
}

// Path addresses part of a message; zero Occurrence, Repetition,
// Component and Subcomponent mean "not given". See the package doc.
type Path struct {
	Segment      string
	Occurrence   int
	Field        int
	Repetition   int
	Component    int
	Subcomponent int
}

// String gives the path back in its written form.
func (p Path) String() string {
	var b strings.Builder
	b.WriteString(p.Segment)
	if p.Occurrence > 0 {
		fmt.Fprintf(&b, "[%d]", p.Occurrence)
	}
	fmt.Fprintf(&b, "-%d", p.Field)
	if p.Repetition > 0 {
		fmt.Fprintf(&b, "[%d]", p.Repetition)
	}
	if p.Component > 0 {
		fmt.Fprintf(&b, ".%d", p.Component)
	}
	if p.Subcomponent > 0 {
		fmt.Fprintf(&b, ".%d", p.Subcomponent)
	}
	return b.String()
}

func validSegmentName(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z') && !(i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// ParsePath reads SEG[k]-n[r].c.s (brackets and dotted parts optional).
func ParsePath(s string) (Path, error) {
	bad := func(why string) (Path, error) {
		return Path{}, fmt.Errorf("parse hl7 path %q: %s (want SEG-n, SEG-n.c, SEG-n.c.s, SEG-n[r], SEG[k]-n)", s, why)
	}
	var p Path
	rest := strings.TrimSpace(s)
	if len(rest) < 3 || !validSegmentName(rest[:3]) {
		return bad("segment name must be 3 capitals or digits")
	}
	p.Segment, rest = rest[:3], rest[3:]
	num := func(what string) (int, bool) {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i > 6 {
			return 0, false
		}
		n, _ := strconv.Atoi(rest[:i])
		rest = rest[i:]
		return n, n >= 1
	}
	bracket := func() (int, bool) {
		rest = rest[1:]
		n, ok := num("index")
		if !ok || !strings.HasPrefix(rest, "]") {
			return 0, false
		}
		rest = rest[1:]
		return n, true
	}
	var ok bool
	if strings.HasPrefix(rest, "[") {
		if p.Occurrence, ok = bracket(); !ok {
			return bad("bad segment occurrence")
		}
	}
	if !strings.HasPrefix(rest, "-") {
		return bad("missing -field")
	}
	rest = rest[1:]
	if p.Field, ok = num("field"); !ok {
		return bad("bad field number")
	}
	if strings.HasPrefix(rest, "[") {
		if p.Repetition, ok = bracket(); !ok {
			return bad("bad repetition")
		}
	}
	if strings.HasPrefix(rest, ".") {
		rest = rest[1:]
		if p.Component, ok = num("component"); !ok {
			return bad("bad component")
		}
		if strings.HasPrefix(rest, ".") {
			rest = rest[1:]
			if p.Subcomponent, ok = num("subcomponent"); !ok {
				return bad("bad subcomponent")
			}
		}
	}
	if rest != "" {
		return bad(fmt.Sprintf("unexpected %q", rest))
	}
	return p, nil
}

func (m *Message) occurrences(name string) []*segment {
	var out []*segment
	for _, s := range m.segs {
		if s.name == name {
			out = append(out, s)
		}
	}
	return out
}

func (s *segment) field(n int) string {
	if n < 1 || n > len(s.fields) {
		return ""
	}
	return s.fields[n-1]
}

// part returns the i-th (1-based) piece of s split on sep, or "".
func part(s string, sep byte, i int) string {
	for ; i > 1; i-- {
		j := strings.IndexByte(s, sep)
		if j < 0 {
			return ""
		}
		s = s[j+1:]
	}
	if j := strings.IndexByte(s, sep); j >= 0 {
		return s[:j]
	}
	return s
}

// setPart replaces the i-th piece of s split on sep, growing s as needed.
func setPart(s string, sep byte, i int, v string) string {
	parts := strings.Split(s, string(sep))
	for len(parts) < i {
		parts = append(parts, "")
	}
	parts[i-1] = v
	return strings.Join(parts, string(sep))
}

func (m *Message) isDelimField(p Path) bool {
	return p.Segment == "MSH" && (p.Field == 1 || p.Field == 2)
}

// extract applies p's repetition, component and subcomponent to field f.
func (m *Message) extract(f string, p Path, rep int) string {
	if rep == 0 && p.Component == 0 {
		return f
	}
	if rep == 0 {
		rep = 1
	}
	r := part(f, m.delims.Repetition, rep)
	if p.Component == 0 {
		return r
	}
	c := part(r, m.delims.Component, p.Component)
	if p.Subcomponent == 0 {
		return c
	}
	return part(c, m.delims.Subcomponent, p.Subcomponent)
}

// Get returns the encoded value at path (see the package doc).
func (m *Message) Get(path string) (string, error) {
	p, err := ParsePath(path)
	if err != nil {
		return "", err
	}
	occ := m.occurrences(p.Segment)
	k := max(p.Occurrence, 1)
	if k > len(occ) {
		return "", fmt.Errorf("get %s: %s segment %d: %w (message has %d)", path, p.Segment, k, ErrNotFound, len(occ))
	}
	f := occ[k-1].field(p.Field)
	if m.isDelimField(p) {
		if max(p.Repetition, 1) == 1 && max(p.Component, 1) == 1 && max(p.Subcomponent, 1) == 1 {
			return f, nil
		}
		return "", nil
	}
	return m.extract(f, p, p.Repetition), nil
}

// Text is Get unescaped: the plain text at path. For a composite value
// the delimiters stay in place.
func (m *Message) Text(path string) (string, error) {
	v, err := m.Get(path)
	if err != nil {
		return "", err
	}
	if p, _ := ParsePath(path); m.isDelimField(p) {
		return v, nil
	}
	return Unescape(v, m.delims)
}

// All returns the encoded value at path in every occurrence of the segment
// (unless the path names one, SEG[k]) and every repetition of the field
// (unless the path names one, n[r]). An empty field has no repetitions.
// A missing segment gives no values and no error.
func (m *Message) All(path string) ([]string, error) {
	p, err := ParsePath(path)
	if err != nil {
		return nil, err
	}
	occ := m.occurrences(p.Segment)
	if p.Occurrence > 0 {
		if p.Occurrence > len(occ) {
			return nil, nil
		}
		occ = occ[p.Occurrence-1 : p.Occurrence]
	}
	var out []string
	for _, s := range occ {
		f := s.field(p.Field)
		if m.isDelimField(p) {
			out = append(out, f)
			continue
		}
		if p.Repetition > 0 {
			out = append(out, m.extract(f, p, p.Repetition))
			continue
		}
		if f == "" {
			continue
		}
		n := strings.Count(f, string(m.delims.Repetition)) + 1
		for r := 1; r <= n; r++ {
			out = append(out, m.extract(f, p, r))
		}
	}
	return out, nil
}

// Set stores the encoded value at path, adding the segment (at the end of
// the message), fields, repetitions and components as needed. The value
// may contain the delimiters below the path's level (PID-5 "POND^AMY")
// but no higher ones, no field separator and no line breaks; its escape
// sequences must be well formed. MSH-1 and MSH-2 cannot be set.
func (m *Message) Set(path, value string) error {
	p, err := ParsePath(path)
	if err != nil {
		return err
	}
	if err := m.checkValue(p, value); err != nil {
		return fmt.Errorf("set %s: %w", path, err)
	}
	if m.isDelimField(p) {
		return fmt.Errorf("set %s: MSH-1 and MSH-2 are the message's delimiters", path)
	}
	if p.Segment == "MSH" && p.Occurrence > 1 {
		return fmt.Errorf("set %s: a message has one MSH", path)
	}
	occ := m.occurrences(p.Segment)
	k := max(p.Occurrence, 1)
	for len(occ) < k {
		s := &segment{name: p.Segment}
		m.segs = append(m.segs, s)
		occ = append(occ, s)
	}
	s := occ[k-1]
	for len(s.fields) < p.Field {
		s.fields = append(s.fields, "")
	}
	f := s.fields[p.Field-1]
	d := m.delims
	switch {
	case p.Repetition == 0 && p.Component == 0:
		f = value
	case p.Component == 0:
		f = setPart(f, d.Repetition, p.Repetition, value)
	default:
		rep := max(p.Repetition, 1)
		r := part(f, d.Repetition, rep)
		if p.Subcomponent == 0 {
			r = setPart(r, d.Component, p.Component, value)
		} else {
			c := part(r, d.Component, p.Component)
			r = setPart(r, d.Component, p.Component, setPart(c, d.Subcomponent, p.Subcomponent, value))
		}
		f = setPart(f, d.Repetition, rep, r)
	}
	s.fields[p.Field-1] = f
	return nil
}

// SetText stores plain text at path, escaping every delimiter in it.
func (m *Message) SetText(path, text string) error {
	return m.Set(path, Escape(text, m.delims))
}

func (m *Message) checkValue(p Path, v string) error {
	d := m.delims
	if strings.ContainsAny(v, "\r\n") {
		return errors.New("value has a line break")
	}
	if strings.IndexByte(v, d.Field) >= 0 {
		return fmt.Errorf("value has the field separator %q", d.Field)
	}
	var forbidden []byte
	if p.Repetition > 0 || p.Component > 0 {
		forbidden = append(forbidden, d.Repetition)
	}
	if p.Component > 0 {
		forbidden = append(forbidden, d.Component)
	}
	if p.Subcomponent > 0 {
		forbidden = append(forbidden, d.Subcomponent)
	}
	for _, c := range forbidden {
		if strings.IndexByte(v, c) >= 0 {
			return fmt.Errorf("value has the separator %q, not allowed at %s (use SetText for plain text)", c, p)
		}
	}
	if !utf8.ValidString(v) {
		return errors.New("value is not valid UTF-8")
	}
	if off, err := checkEscapes(v, d); err != nil {
		return fmt.Errorf("offset %d: %w", off, err)
	}
	return nil
}

// newMessage is a message holding only MSH-1 and MSH-2.
func newMessage(d Delimiters) *Message {
	return &Message{delims: d, segs: []*segment{{name: "MSH", fields: []string{string(d.Field), d.encodingChars()}}}}
}

// Clone returns a deep copy of m.
func (m *Message) Clone() *Message {
	c := &Message{delims: m.delims, segs: make([]*segment, len(m.segs))}
	for i, s := range m.segs {
		c.segs[i] = &segment{name: s.name, fields: append([]string(nil), s.fields...)}
	}
	return c
}
