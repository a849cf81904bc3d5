package declarative

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/eprharness/eprharness/harness/target"
)

// Map is a loaded screen map: for each action it binds, the generic steps
// that perform it. It is read-only after Load and safe for concurrent use.
type Map struct {
	// Name is the EPR's name, shown in reports.
	Name string
	// Session is "form" (users sign in through the bound sign-in) or
	// "none" (the EPR has no sign-in).
	Session string
	// WhenFormat is how the EPR shows a date and time, a Go layout
	// ("Mon 2 Jan 2006 15:04"): read steps into when parse with it unless
	// they give their own format, and {when_shown} is written with it.
	// Empty when the map sets no when-format.
	WhenFormat string
	source     string
	actions    map[string][]step
	// cases are the actions bound per value of one parameter (by: field):
	// such an action is also in actions, with no steps of its own.
	cases    map[string]*cases
	warnings []string
}

// cases binds an action per value of one of its parameters, for EPRs
// that show each banner field (or about fact) in its own way:
//
//	expect-banner:
//	  by: field
//	  cases:
//	    NHS number: [ {expect-value: {label: PatientID, equals: "{value|digits}"}} ]
//	  otherwise:  [ {expect-value: {label: "{field}", equals: "{value}"}} ]
//
// Values match without regard to case; an unmatched value without
// otherwise is a harness error naming the map.
type cases struct {
	by        string
	steps     map[string][]step // by lower-cased value
	otherwise []step
}

// pick returns the steps for the parameter values.
func (c *cases) pick(params map[string]string) ([]step, bool) {
	if st, ok := c.steps[strings.ToLower(params[c.by])]; ok {
		return st, true
	}
	return c.otherwise, c.otherwise != nil
}

// Source is the path the map was loaded from.
func (m *Map) Source() string { return m.source }

// Warnings lists what the map does that it should not, each with its
// file:line: css locators, which break when the EPR's markup changes.
func (m *Map) Warnings() []string { return append([]string(nil), m.warnings...) }

// Actions lists the actions the map binds, sorted.
func (m *Map) Actions() []string {
	out := make([]string, 0, len(m.actions))
	for a := range m.actions {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// Error is an invalid screen map: every problem found, each starting with
// the map's file:line.
type Error struct {
	Problems []string
}

func (e *Error) Error() string { return strings.Join(e.Problems, "\n") }

// step is one generic action of a binding.
type step struct {
	kind   string
	pos    string
	arg    *tmpl           // scalar argument: goto's path, idle's duration
	loc    *locator        // the element acted on or expected
	fields map[string]tmpl // the action's other keys (value, option, equals, ...)
	cells  []cell          // expect-row: column = value, in order
	table  *locator        // expect-row
	within *locator        // wait, expect-value, expect-row: where to look
	// outcome: what shows the EPR refused, what shows it did not, and
	// the element to press first if it is offered (nil: none).
	refused, otherwise, press *locator
}

type cell struct{ column, value tmpl }

// locator is a LOCATOR of the screen map.
type locator struct {
	pos    string
	by     string // role, label, text, placeholder, testid, title, css
	value  tmpl
	name   *tmpl // role's accessible name
	exact  bool
	within *locator
	nth    *tmpl
}

// locatorKeys are the keys that choose an element, in order of preference.
var locatorKeys = []string{"role", "label", "text", "placeholder", "testid", "title", "css"}

// locatorMods are the keys that refine a locator.
var locatorMods = []string{"name", "exact", "within", "nth"}

// generic describes a generic action's argument.
type generic struct {
	scalar   bool     // takes a plain value (goto: /path)
	none     bool     // takes no argument (accept-dialog)
	locator  int      // 0 none, 1 required, 2 optional
	required []string // fields it needs
	optional []string // fields it may have
	anyOf    []string // at least one of these
	bools    []string // fields that are true or false
	ints     []string // fields that are whole numbers
}

var generics = map[string]generic{
	"goto":           {scalar: true},
	"fill":           {locator: 1, required: []string{"value"}},
	"choose":         {locator: 1, required: []string{"option"}},
	"check":          {locator: 1, optional: []string{"checked"}, bools: []string{"checked"}},
	"date":           {locator: 1, required: []string{"value"}},
	"click":          {locator: 1},
	"press":          {locator: 2, required: []string{"key"}},
	"wait":           {anyOf: []string{"text", "heading", "url"}, optional: []string{"within"}},
	"expect-text":    {locator: 1, optional: []string{"visible"}, bools: []string{"visible"}},
	"expect-row":     {optional: []string{"table", "column", "equals", "cells", "count", "within"}, ints: []string{"count"}},
	"expect-value":   {required: []string{"label", "equals"}, optional: []string{"within"}},
	"expect-count":   {locator: 1, required: []string{"equals"}, ints: []string{"equals"}},
	"accept-dialog":  {none: true, optional: []string{"prompt"}},
	"dismiss-dialog": {none: true},
	"idle":           {scalar: true},
	"read":           {locator: 2, required: []string{"into"}, optional: []string{"format", "url"}},
	"outcome":        {optional: []string{"click", "refused", "otherwise"}},
}

func genericNames() []string {
	out := make([]string, 0, len(generics))
	for g := range generics {
		out = append(out, g)
	}
	sort.Strings(out)
	return out
}

// loader collects the problems of one file.
type loader struct {
	path     string
	problems []string
	warnings []string
	// action is the action whose steps are being read; whenFormat the
	// map's when-format.
	action     string
	whenFormat string
}

func (l *loader) at(n *yaml.Node) string { return fmt.Sprintf("%s:%d", l.path, n.Line) }

func (l *loader) fail(n *yaml.Node, field, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if field != "" {
		msg = field + ": " + msg
	}
	l.problems = append(l.problems, l.at(n)+": "+msg)
}

// Load reads and checks a screen map. Every problem is reported with the
// file:line and field it concerns, all at once, as an *Error.
func Load(path string) (*Map, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read screen map: %w", err)
	}
	return parse(path, data)
}

func parse(path string, data []byte) (*Map, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &Error{Problems: []string{fmt.Sprintf("%s: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))}}
	}
	l := &loader{path: path}
	m := &Map{Session: "form", source: path, actions: map[string][]step{}, cases: map[string]*cases{}}
	if len(doc.Content) == 0 {
		return nil, &Error{Problems: []string{path + ":1: the screen map is empty: want name, session and actions"}}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		l.fail(root, "", "a screen map is a mapping with name, session and actions")
		return nil, &Error{Problems: l.problems}
	}
	var actions *yaml.Node
	var sessionNode *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "name":
			m.Name = l.scalar(v, "name")
		case "session":
			sessionNode = v
			m.Session = l.scalar(v, "session")
			if m.Session != "none" && m.Session != "form" {
				l.fail(v, "session", "%q is not none or form", m.Session)
			}
		case "actions":
			actions = v
		case "when-format":
			m.WhenFormat = l.scalar(v, "when-format")
			if p := checkWhenFormat(m.WhenFormat); p != "" {
				l.fail(v, "when-format", "%s", p)
				m.WhenFormat = ""
			}
			l.whenFormat = m.WhenFormat
		default:
			l.fail(k, k.Value, "unknown key; a screen map has name, session, when-format and actions")
		}
	}
	if actions == nil {
		l.fail(root, "actions", "missing: bind at least one action")
	} else if actions.Kind != yaml.MappingNode {
		l.fail(actions, "actions", "want a mapping from action names to lists of steps")
	} else {
		for i := 0; i+1 < len(actions.Content); i += 2 {
			k, v := actions.Content[i], actions.Content[i+1]
			name := k.Value
			field := "actions." + name
			params, ok := actionParams[name]
			switch {
			case unsupported[name]:
				l.fail(k, field, "the declarative adapter cannot perform this action (it returns values a screen map cannot produce)")
				continue
			case !ok:
				msg := "unknown action"
				if close := closest(name, target.Actions()); len(close) > 0 {
					msg += "; did you mean " + strings.Join(close, " or ") + "?"
				}
				l.fail(k, field, "%s", msg)
				continue
			}
			if _, dup := m.actions[name]; dup {
				l.fail(k, field, "bound twice")
				continue
			}
			l.action = name
			if v.Kind == yaml.MappingNode {
				m.actions[name] = nil
				if c := l.cases(v, field, params); c != nil {
					m.cases[name] = c
				}
				continue
			}
			m.actions[name] = l.steps(v, field, params)
		}
	}
	if m.Session == "form" {
		if _, ok := m.actions["sign-in"]; !ok {
			at := root
			if sessionNode != nil {
				at = sessionNode
			}
			l.fail(at, "session", "form (the default) needs the action sign-in bound; write session: none for an EPR without sign-in")
		}
	}
	if len(l.problems) > 0 {
		return nil, &Error{Problems: l.problems}
	}
	m.warnings = l.warnings
	return m, nil
}

// cases reads an action bound per value of a parameter: by, cases and
// optionally otherwise.
func (l *loader) cases(n *yaml.Node, field string, params []string) *cases {
	c := &cases{steps: map[string][]step{}}
	var byNode, casesNode *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "by":
			byNode = v
			c.by = l.scalar(v, field+".by")
		case "cases":
			casesNode = v
		case "otherwise":
			c.otherwise = l.steps(v, field+".otherwise", params)
		default:
			l.fail(k, field+"."+k.Value, "unknown key; an action bound by cases has by, cases and otherwise (or is a list of steps)")
		}
	}
	switch {
	case byNode == nil:
		l.fail(n, field+".by", "missing: the parameter whose value picks the case, one of {%s}", strings.Join(params, "} {"))
		return nil
	case !contains(params, c.by):
		l.fail(byNode, field+".by", "%q is not a parameter of the action; it has {%s}", c.by, strings.Join(params, "} {"))
		return nil
	case casesNode == nil || casesNode.Kind != yaml.MappingNode || len(casesNode.Content) == 0:
		l.fail(n, field+".cases", "want a mapping from values of {%s} to lists of steps", c.by)
		return nil
	}
	for i := 0; i+1 < len(casesNode.Content); i += 2 {
		k, v := casesNode.Content[i], casesNode.Content[i+1]
		key := strings.ToLower(k.Value)
		if _, dup := c.steps[key]; dup {
			l.fail(k, field+".cases."+k.Value, "bound twice")
			continue
		}
		c.steps[key] = l.steps(v, field+".cases."+k.Value, params)
	}
	return c
}

func (l *loader) scalar(n *yaml.Node, field string) string {
	if n.Kind != yaml.ScalarNode {
		l.fail(n, field, "want a plain value")
		return ""
	}
	return n.Value
}

func (l *loader) steps(n *yaml.Node, field string, params []string) []step {
	if n.Kind != yaml.SequenceNode {
		l.fail(n, field, "want a list of steps")
		return nil
	}
	if len(n.Content) == 0 {
		l.fail(n, field, "no steps: bind at least one, or leave the action out")
		return nil
	}
	var out []step
	readsWhen := false
	outcomes := 0
	for i, s := range n.Content {
		f := fmt.Sprintf("%s[%d]", field, i+1)
		st, ok := l.step(s, f, params)
		if st.kind == "outcome" {
			outcomes++
			if l.action != outcomeAction {
				l.fail(s, f+".outcome", "%s reports no outcome; outcome goes only in %s, which reports whether the EPR refused the booking", l.action, outcomeAction)
				ok = false
			} else if outcomes == 2 {
				l.fail(s, f+".outcome", "a second outcome: %s reports one outcome, so bind exactly one", outcomeAction)
				ok = false
			}
		}
		if !ok {
			continue
		}
		out = append(out, st)
		if st.kind == "read" {
			// A value read is a parameter of the steps after it.
			into := st.fields["into"].raw
			readsWhen = readsWhen || into == "when"
			params = append(append([]string{}, params...), readParams[into]...)
		}
	}
	if _, returns := returnsAppointment[l.action]; returns && !readsWhen && len(out) == len(n.Content) {
		l.fail(n, field, "never reads the appointment's date and time, which %s returns: add `- read: {LOCATOR, into: when}` where the page shows it", l.action)
	}
	if l.action == outcomeAction && outcomes == 0 {
		l.fail(n, field, "no outcome: %s reports whether the EPR refused the booking; add `- outcome: {refused: LOCATOR, otherwise: LOCATOR}` after the steps that book", l.action)
	}
	return out
}

// step reads one generic action: `- click: {role: button, name: Save}`, or
// a bare `- accept-dialog`.
func (l *loader) step(n *yaml.Node, field string, params []string) (step, bool) {
	var key, val *yaml.Node
	switch {
	case n.Kind == yaml.ScalarNode:
		key = n
	case n.Kind == yaml.MappingNode && len(n.Content) == 2:
		key, val = n.Content[0], n.Content[1]
	default:
		l.fail(n, field, "a step is one generic action, e.g. `- click: {role: button, name: Save}`")
		return step{}, false
	}
	kind := key.Value
	g, ok := generics[kind]
	if !ok {
		msg := fmt.Sprintf("unknown generic action %q", kind)
		if close := closest(kind, genericNames()); len(close) > 0 {
			msg += "; did you mean " + strings.Join(close, " or ") + "?"
		} else {
			msg += "; generic actions are " + strings.Join(genericNames(), ", ")
		}
		l.fail(key, field, "%s", msg)
		return step{}, false
	}
	field += "." + kind
	st := step{kind: kind, pos: l.at(key), fields: map[string]tmpl{}}
	before := len(l.problems)
	isNull := val == nil || (val.Kind == yaml.ScalarNode && val.Tag == "!!null")
	switch {
	case g.none && isNull:
	case g.scalar:
		if isNull || val.Kind != yaml.ScalarNode {
			l.fail(key, field, "want a value, e.g. `- %s: %s`", kind, map[string]string{"goto": "/login", "idle": "\"{duration}\""}[kind])
			break
		}
		t := l.tmpl(val, field, params)
		st.arg = &t
	case isNull || val.Kind != yaml.MappingNode:
		l.fail(key, field, "want a mapping of its keys")
	default:
		l.fields(val, field, params, g, &st)
	}
	return st, len(l.problems) == before
}

func (l *loader) tmpl(n *yaml.Node, field string, params []string) tmpl {
	t := tmpl{raw: n.Value, pos: l.at(n)}
	if n.Kind != yaml.ScalarNode {
		l.fail(n, field, "want a plain value")
		return t
	}
	for _, p := range t.check(params) {
		l.fail(n, field, "%s", p)
	}
	if l.whenFormat == "" && t.uses("when_shown") && contains(params, "when_shown") {
		l.fail(n, field, "{when_shown} is written in the map's when-format: set when-format at the top of the map, e.g. when-format: \"2 Jan 2006 15:04\"")
	}
	return t
}

// fields reads a generic action's mapping: its locator keys and fields.
func (l *loader) fields(n *yaml.Node, field string, params []string, g generic, st *step) {
	known := append(append([]string{}, g.required...), g.optional...)
	known = append(known, g.anyOf...)
	locNode := &yaml.Node{Kind: yaml.MappingNode, Line: n.Line}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		f := field + "." + k.Value
		switch {
		case g.locator > 0 && (contains(locatorKeys, k.Value) || contains(locatorMods, k.Value)):
			locNode.Content = append(locNode.Content, k, v)
		case k.Value == "within" && contains(known, "within"):
			st.within = l.locator(v, f, params)
		case k.Value == "table" && st.kind == "expect-row":
			st.table = l.locator(v, f, params)
		case st.kind == "outcome" && contains(known, k.Value):
			loc := l.locator(v, f, params)
			switch k.Value {
			case "refused":
				st.refused = loc
			case "otherwise":
				st.otherwise = loc
			case "click":
				st.press = loc
			}
		case k.Value == "cells" && st.kind == "expect-row":
			if v.Kind != yaml.MappingNode || len(v.Content) == 0 {
				l.fail(v, f, "want a mapping of column names to values")
				continue
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				st.cells = append(st.cells, cell{column: l.tmpl(v.Content[j], f, params), value: l.tmpl(v.Content[j+1], f, params)})
			}
		case contains(known, k.Value):
			if _, dup := st.fields[k.Value]; dup {
				l.fail(k, f, "given twice")
			}
			t := l.tmpl(v, f, params)
			st.fields[k.Value] = t
			if t.literal() {
				switch {
				case contains(g.bools, k.Value):
					if _, err := strconv.ParseBool(t.raw); err != nil {
						l.fail(v, f, "%q is not true or false", t.raw)
					}
				case contains(g.ints, k.Value):
					if _, err := strconv.Atoi(t.raw); err != nil {
						l.fail(v, f, "%q is not a whole number", t.raw)
					}
				}
			}
		default:
			allowed := append([]string{}, known...)
			what := "key"
			if g.locator > 0 {
				allowed = append(append(allowed, locatorKeys...), locatorMods...)
				what = "locator key"
			}
			msg := fmt.Sprintf("unknown %s %q: %s takes %s", what, k.Value, st.kind, strings.Join(allowed, ", "))
			if close := closest(k.Value, allowed); len(close) > 0 {
				msg += "; did you mean " + strings.Join(close, " or ") + "?"
			}
			l.fail(k, f, "%s", msg)
		}
	}
	for _, r := range g.required {
		if _, ok := st.fields[r]; !ok {
			l.fail(n, field, "missing %s", r)
		}
	}
	if len(g.anyOf) > 0 {
		n2 := 0
		for _, a := range g.anyOf {
			if _, ok := st.fields[a]; ok {
				n2++
			}
		}
		if n2 == 0 {
			l.fail(n, field, "want one of %s", strings.Join(g.anyOf, ", "))
		}
	}
	if st.kind == "expect-row" {
		_, col := st.fields["column"]
		_, eq := st.fields["equals"]
		switch {
		case col != eq:
			l.fail(n, field, "column and equals go together")
		case !col && len(st.cells) == 0:
			l.fail(n, field, "want column and equals (or cells: {COLUMN: VALUE, ...})")
		case col:
			st.cells = append([]cell{{column: st.fields["column"], value: st.fields["equals"]}}, st.cells...)
		}
	}
	if st.kind == "outcome" {
		for _, k := range []string{"refused", "otherwise"} {
			if !hasKey(n, k) {
				l.fail(n, field+"."+k, "missing: the LOCATOR of what the EPR shows when %s", map[string]string{"refused": "it refuses the booking (the slot is taken)", "otherwise": "it books the slot"}[k])
			}
		}
	}
	_, byURL := st.fields["url"]
	switch {
	case st.kind == "read" && byURL && len(locNode.Content) > 0:
		l.fail(n, field, "read takes a LOCATOR (what an element shows) or url (a parameter of the page's address), not both")
	case (g.locator == 1 || (st.kind == "read" && !byURL)) && len(locNode.Content) == 0:
		l.fail(n, field, "missing a locator: one of %s", strings.Join(locatorKeys, ", "))
	case len(locNode.Content) > 0:
		st.loc = l.locator(locNode, field, params)
	}
	if st.kind == "read" {
		l.read(n, field, st)
	}
}

// hasKey reports whether the mapping n has the key.
func hasKey(n *yaml.Node, key string) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return true
		}
	}
	return false
}

// read checks a read step: what it reads into, in an action that returns
// an appointment, and the date-time layout of a read into when.
func (l *loader) read(n *yaml.Node, field string, st *step) {
	if _, ok := returnsAppointment[l.action]; !ok {
		l.fail(n, field, "%s returns nothing to read into; read goes in the actions that return an appointment: %s", l.action, strings.Join(returnsAppointmentNames(), ", "))
		return
	}
	into, ok := st.fields["into"]
	if !ok {
		return // missing into is reported already
	}
	if _, known := readParams[into.raw]; !known {
		msg := fmt.Sprintf("%q is not a field of the appointment: into takes %s", into.raw, strings.Join(readIntos, ", "))
		if close := closest(into.raw, readIntos); len(close) > 0 {
			msg += "; did you mean " + strings.Join(close, " or ") + "?"
		}
		l.fail(n, field+".into", "%s", msg)
		return
	}
	format, hasFormat := st.fields["format"]
	switch {
	case hasFormat && into.raw != "when":
		l.fail(n, field+".format", "format goes with into: when (a date and time); %s is read as text", into.raw)
	case hasFormat:
		if p := checkWhenFormat(format.raw); p != "" {
			l.fail(n, field+".format", "%s", p)
		}
	case into.raw == "when" && l.whenFormat == "":
		l.fail(n, field, "into: when needs the layout the EPR shows dates and times in: give format: \"2 Jan 2006 15:04\" (Go's reference time) here or when-format at the top of the map")
	}
}

// checkWhenFormat explains why layout cannot read a date and time to the
// minute, or returns "".
func checkWhenFormat(layout string) string {
	const hint = "write it with Go's reference time, Mon Jan 2 15:04 2006, e.g. \"2 Jan 2006 15:04\" or \"02/01/2006 3:04pm\""
	if strings.TrimSpace(layout) == "" {
		return "empty: " + hint
	}
	if strings.ContainsAny(layout, "{}") {
		return fmt.Sprintf("%q: a format is a fixed layout, not a {parameter}", layout)
	}
	ref := time.Date(2027, 11, 23, 17, 45, 0, 0, time.UTC)
	back, err := time.Parse(layout, ref.Format(layout))
	if err != nil || !wallClock(back).Equal(ref) {
		return fmt.Sprintf("%q does not hold a date and time to the minute: %s", layout, hint)
	}
	return ""
}

// wallClock is t's calendar date and time, to the minute, in time.UTC as
// target.Appointment holds it.
func wallClock(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), 0, 0, time.UTC)
}

// locator reads a LOCATOR mapping.
func (l *loader) locator(n *yaml.Node, field string, params []string) *locator {
	if n.Kind != yaml.MappingNode {
		l.fail(n, field, "want a locator mapping, e.g. {role: button, name: Save}")
		return nil
	}
	loc := &locator{pos: l.at(n)}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		f := field + "." + k.Value
		switch {
		case contains(locatorKeys, k.Value):
			if loc.by != "" {
				l.fail(k, f, "a locator has one of %s; this one has %s too", strings.Join(locatorKeys, ", "), loc.by)
				continue
			}
			loc.by = k.Value
			loc.value = l.tmpl(v, f, params)
			if k.Value == "css" {
				l.warnings = append(l.warnings, fmt.Sprintf("%s: %s: css locator %q: prefer role, label or text, which survive changes to the EPR's markup", l.at(k), f, v.Value))
			}
		case k.Value == "name":
			t := l.tmpl(v, f, params)
			loc.name = &t
		case k.Value == "exact":
			b, err := strconv.ParseBool(v.Value)
			if v.Kind != yaml.ScalarNode || err != nil {
				l.fail(v, f, "%q is not true or false", v.Value)
			}
			loc.exact = b
		case k.Value == "nth":
			t := l.tmpl(v, f, params)
			if t.literal() {
				if _, err := strconv.Atoi(t.raw); err != nil {
					l.fail(v, f, "%q is not a whole number", t.raw)
				}
			}
			loc.nth = &t
		case k.Value == "within":
			loc.within = l.locator(v, f, params)
		default:
			all := append(append([]string{}, locatorKeys...), locatorMods...)
			msg := fmt.Sprintf("unknown locator key %q: locator keys are %s", k.Value, strings.Join(all, ", "))
			if close := closest(k.Value, all); len(close) > 0 {
				msg += "; did you mean " + strings.Join(close, " or ") + "?"
			}
			l.fail(k, f, "%s", msg)
		}
	}
	if loc.by == "" {
		l.fail(n, field, "missing a locator: one of %s", strings.Join(locatorKeys, ", "))
	}
	if loc.name != nil && loc.by != "role" {
		l.fail(n, field+".name", "name goes with role")
	}
	return loc
}

// closest lists the candidates within a small edit distance of s, or
// sharing a word with it, best first (at most three).
func closest(s string, candidates []string) []string {
	type scored struct {
		c string
		d int
	}
	var out []scored
	for _, c := range candidates {
		d := distance(s, c)
		limit := max(2, len(s)/3)
		if d <= limit || (len(s) >= 4 && (strings.Contains(c, s) || strings.Contains(s, c))) {
			out = append(out, scored{c, d})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].d < out[j].d })
	var names []string
	for i, o := range out {
		if i == 3 {
			break
		}
		names = append(names, o.c)
	}
	return names
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
