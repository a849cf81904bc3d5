package a11y

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/eprharness/eprharness/harness/results"
)

// Problem is one thing wrong with a baseline file.
type Problem struct {
	File string
	// Line is 0 when the problem is about the whole file.
	Line int
	// Field is where in the file ("accepted[2].expires"); empty when about
	// the whole file.
	Field string
	Msg   string
}

func (p Problem) String() string {
	at := p.File
	if p.Line > 0 {
		at += ":" + strconv.Itoa(p.Line)
	}
	if p.Field != "" {
		return at + ": " + p.Field + ": " + p.Msg
	}
	return at + ": " + p.Msg
}

// BaselineError is a baseline file that cannot be used: every problem in
// it, not just the first.
type BaselineError struct {
	Problems []Problem
}

func (e *BaselineError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Baseline is an organisation's accepted known violations (see the
// package documentation for the file format). Apply, Expired, Fixed and
// Entries are safe for concurrent use.
type Baseline struct {
	file    string
	entries []entry

	mu      sync.Mutex
	matched map[int]bool               // entry index → matched a violation
	decided map[string]map[string]bool // page key checked whole → rules decided on it
}

type entry struct {
	results.BaselineEntry
	expires time.Time
	glob    []string // Page split at "*"; nil when Page has no "*"
}

const dateLayout = "2006-01-02"

var baselineFields = map[string]bool{"rule": true, "page": true, "selector": true, "reason": true, "owner": true, "expires": true}

var ruleID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// LoadBaseline reads a baseline file. A file whose problems make it
// unusable (unknown or missing fields, bad dates, duplicate entries)
// gives a *BaselineError listing each with its line and field. A file
// with no entries (no accepted list, or an empty one) is valid.
func LoadBaseline(file string) (*Baseline, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read accessibility baseline: %w", err)
	}
	b, problems := parseBaseline(file, data)
	if len(problems) > 0 {
		return nil, &BaselineError{Problems: problems}
	}
	return b, nil
}

// Check returns the problems of a baseline file, for `eprharness check`:
// nil when the file is usable. An unreadable file is one problem.
func Check(file string) []Problem {
	data, err := os.ReadFile(file)
	if err != nil {
		return []Problem{{File: file, Msg: fmt.Sprintf("read accessibility baseline: %v", err)}}
	}
	_, problems := parseBaseline(file, data)
	return problems
}

func parseBaseline(file string, data []byte) (*Baseline, []Problem) {
	b := &Baseline{file: file, matched: map[int]bool{}, decided: map[string]map[string]bool{}}
	var problems []Problem
	bad := func(line int, field, format string, args ...any) {
		problems = append(problems, Problem{File: file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return b, nil // an empty file accepts nothing
		}
		bad(yamlLine(err), "", "%s", strings.TrimPrefix(err.Error(), "yaml: "))
		return b, problems
	}
	if len(doc.Content) == 0 {
		return b, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
			return b, nil
		}
		bad(root.Line, "", "want a mapping with an accepted: list")
		return b, problems
	}
	var list *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value != "accepted" {
			bad(k.Line, k.Value, "unknown field (the file has one list, accepted:)")
			continue
		}
		if list != nil {
			bad(k.Line, "accepted", "given twice (first at line %d)", list.Line)
			continue
		}
		list = v
	}
	if list == nil || list.Kind == yaml.ScalarNode && list.Tag == "!!null" {
		return b, problems
	}
	if list.Kind != yaml.SequenceNode {
		bad(list.Line, "accepted", "want a list of entries")
		return b, problems
	}
	seen := map[string]int{}
	for i, n := range list.Content {
		at := fmt.Sprintf("accepted[%d]", i)
		if n.Kind != yaml.MappingNode {
			bad(n.Line, at, "want an entry with rule, page or selector, reason, owner and expires")
			continue
		}
		e := entry{BaselineEntry: results.BaselineEntry{File: file, Line: n.Line}}
		ok := true
		given := map[string]int{}
		for j := 0; j+1 < len(n.Content); j += 2 {
			k, v := n.Content[j], n.Content[j+1]
			field := at + "." + k.Value
			if !baselineFields[k.Value] {
				bad(k.Line, field, "unknown field (want rule, page, selector, reason, owner, expires)")
				ok = false
				continue
			}
			if first, dup := given[k.Value]; dup {
				bad(k.Line, field, "given twice (first at line %d)", first)
				ok = false
				continue
			}
			given[k.Value] = k.Line
			if v.Kind != yaml.ScalarNode {
				bad(v.Line, field, "want a single value")
				ok = false
				continue
			}
			val := strings.TrimSpace(v.Value)
			switch k.Value {
			case "rule":
				e.Rule = val
				if val != "" && !ruleID.MatchString(val) {
					bad(v.Line, field, "%q is not an axe-core rule id (lower case and dashes: color-contrast)", val)
					ok = false
				}
			case "page":
				e.Page = val
				if val != "" && !strings.HasPrefix(val, "/") && !strings.HasPrefix(val, "*") {
					bad(v.Line, field, "%q: want a page key starting with / (/patients/{id}/record) or a glob with *", val)
					ok = false
				}
			case "selector":
				e.Selector = val
			case "reason":
				e.Reason = val
			case "owner":
				e.Owner = val
			case "expires":
				e.Expires = val
				t, err := time.Parse(dateLayout, val)
				if err != nil {
					bad(v.Line, field, "%q is not a date (want YYYY-MM-DD, such as 2027-03-31)", val)
					ok = false
					break
				}
				e.expires = t
			}
		}
		for _, f := range []string{"rule", "reason", "owner", "expires"} {
			if _, has := given[f]; !has || fieldValue(e, f) == "" {
				bad(n.Line, at+"."+f, "is required")
				ok = false
			}
		}
		if e.Page == "" && e.Selector == "" {
			bad(n.Line, at, "give a page, a selector or both (an entry for a rule everywhere is too broad)")
			ok = false
		}
		if !ok {
			continue
		}
		if e.glob = splitGlob(e.Page); e.glob == nil && e.Page != "" {
			e.Page = PageKey(e.Page)
		}
		key := e.Rule + "\x00" + e.Page + "\x00" + e.Selector
		if first, dup := seen[key]; dup {
			bad(n.Line, at, "duplicates the entry at line %d (same rule, page and selector)", first)
			continue
		}
		seen[key] = n.Line
		b.entries = append(b.entries, e)
	}
	return b, problems
}

func fieldValue(e entry, f string) string {
	switch f {
	case "rule":
		return e.Rule
	case "reason":
		return e.Reason
	case "owner":
		return e.Owner
	case "expires":
		return e.Expires
	}
	return ""
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

func yamlLine(err error) int {
	m := yamlLineRE.FindStringSubmatch(err.Error())
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// File is the baseline file as it was given.
func (b *Baseline) File() string { return b.file }

// Entries returns every entry of the baseline, in file order.
func (b *Baseline) Entries() []results.BaselineEntry {
	out := make([]results.BaselineEntry, len(b.entries))
	for i, e := range b.entries {
		out[i] = e.BaselineEntry
	}
	return out
}

// Apply marks each violation of the check that an entry accepts: the
// first entry (in file order) whose rule is the violation's, whose page
// (key or glob, * matching anything) matches the check's page, and whose
// selector is contained in one of the violation's node targets. The
// violation's Baselined says which entry, and whether it had expired on
// today's date (then it no longer accepts it). Apply also remembers which
// entries matched and which pages were checked, for Fixed.
func (b *Baseline) Apply(c *results.AccessibilityCheck, today time.Time) {
	if b == nil || c == nil {
		return
	}
	var hits []int
	for vi := range c.Violations {
		v := &c.Violations[vi]
		for i, e := range b.entries {
			if !e.matches(c.Page, v) {
				continue
			}
			v.Baselined = &results.BaselineRef{
				File: e.File, Line: e.Line, Reason: e.Reason, Owner: e.Owner,
				Expires: e.Expires, Expired: expired(e, today),
			}
			hits = append(hits, i)
			break
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if c.Scope == "" {
		rules := b.decided[c.Page]
		if rules == nil {
			rules = map[string]bool{}
			b.decided[c.Page] = rules
		}
		for _, r := range c.Decided {
			rules[r] = true
		}
	}
	for _, i := range hits {
		b.matched[i] = true
	}
}

func (e entry) matches(page string, v *results.Violation) bool {
	if e.Rule != v.Rule {
		return false
	}
	if e.Page != "" && !e.pageMatches(page) {
		return false
	}
	if e.Selector == "" {
		return true
	}
	for _, n := range v.Nodes {
		if strings.Contains(n.Target, e.Selector) {
			return true
		}
	}
	return false
}

// splitGlob splits a page glob at its stars; nil when it has none.
func splitGlob(page string) []string {
	if !strings.Contains(page, "*") {
		return nil
	}
	return strings.Split(page, "*")
}

// pageMatches reports whether the entry's page (a key, or a glob whose *
// matches any run of characters, slashes included) matches a page key.
func (e entry) pageMatches(page string) bool {
	if e.glob == nil {
		return e.Page == page
	}
	parts := e.glob
	if !strings.HasPrefix(page, parts[0]) {
		return false
	}
	rest := page[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(rest, p)
		if i < 0 {
			return false
		}
		rest = rest[i+len(p):]
	}
	return len(rest) >= len(last) && strings.HasSuffix(rest, last)
}

// expired reports whether today (in its own location) is after the
// entry's expiry date: an entry is valid through the day it expires.
func expired(e entry, today time.Time) bool {
	return today.Format(dateLayout) > e.Expires
}

// Expired returns every entry past its expiry date on today's date,
// whether or not it matched a violation: each fails the run until it is
// renewed or removed.
func (b *Baseline) Expired(today time.Time) []results.BaselineEntry {
	if b == nil {
		return nil
	}
	var out []results.BaselineEntry
	for _, e := range b.entries {
		if expired(e, today) {
			out = append(out, e.BaselineEntry)
		}
	}
	return out
}

// Fixed returns the entries that matched no violation so far, among those
// the run could have matched: entries whose rule axe-core ran and decided
// (passed, found not applicable or found violations; not left incomplete)
// on a page checked whole in this run that the entry's page (or glob)
// matches, or on any page checked whole for an entry without a page.
// Their violations are gone and they can be pruned. A check of a dialog
// or region does not count, and neither does a page checked with tags
// that leave the entry's rule out: a best-practice entry is not called
// fixed by a run of the WCAG tags only.
func (b *Baseline) Fixed() []results.BaselineEntry {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []results.BaselineEntry
	for i, e := range b.entries {
		if b.matched[i] {
			continue
		}
		for p, rules := range b.decided {
			if rules[e.Rule] && (e.Page == "" || e.pageMatches(p)) {
				out = append(out, e.BaselineEntry)
				break
			}
		}
	}
	return out
}
