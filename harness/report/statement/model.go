package statement

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/eprharness/eprharness/harness/results"
)

// model is what the statement says, read from the run.
type model struct {
	run *results.Run
	cfg Config

	entries []*entry // violations of WCAG A or AA criteria, those needing a plan first
	others  []*entry // violations of other rules (best practice, AAA)

	checks     int
	stepChecks int                 // of them, those steps asked for
	checked    []string            // pages checked in full, sorted
	partial    map[string][]string // pages checked only in part: their scopes
	unchecked  []string            // pages reached that no check covered even in part, sorted
	tags       []string            // every tag a check ran, in the order first seen
	standard   string              // the standard every page checked got in full
	engines    []string            // the engines, in the order first seen
	incomplete int                 // rule results axe-core left for people
	undecided  int                 // checks with such results
	scan       bool                // the run-wide scan ran
	baseline   string              // the baseline file, as given
}

// entry is one rule on one page: every element any check of the run
// found failing it there, by plan.
type entry struct {
	rule, page, help string
	criteria         []string // WCAG numbers, in the order the rule gives them
	wcag             bool     // the rule is tagged with a WCAG level but names no criterion
	scopes           []string // the scopes it was found in, when never by a whole-page check
	whole            bool     // a whole-page check found it
	plans            []*plan
	elements         map[string]bool
}

// plan is the baseline entry that accepted some of an entry's elements:
// none, an expired one or a current one.
type plan struct {
	ref      *results.BaselineRef // nil: no entry accepts them
	elements map[string]bool
}

func (p *plan) planned() bool { return p.ref != nil && !p.ref.Expired }

// rank orders plans: not planned, expired, then planned by date.
func (p *plan) rank() int {
	switch {
	case p.ref == nil:
		return 0
	case p.ref.Expired:
		return 1
	}
	return 2
}

// needsPlan reports whether some of the entry's elements have no current
// plan.
func (e *entry) needsPlan() bool { return !e.plans[0].planned() }

// required lists the entry's criteria the regulations require (WCAG 2.2
// A and AA).
func (e *entry) required() []string {
	var out []string
	for _, c := range e.criteria {
		if required(c) {
			out = append(out, c)
		}
	}
	return out
}

// nonCompliance reports whether the entry fails the regulations: a WCAG A
// or AA criterion, or a rule of a WCAG A or AA level that names none.
// A criterion this package cannot name (a later axe-core's) counts, to
// be safe.
func (e *entry) nonCompliance() bool {
	if len(e.required()) > 0 || len(e.criteria) == 0 && e.wcag {
		return true
	}
	return slices.ContainsFunc(e.criteria, func(c string) bool { _, ok := criteria[c]; return !ok })
}

// wcagLevelTags are the axe-core tags of WCAG levels A and AA.
var wcagLevelTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

func build(run *results.Run, cfg Config) (*model, error) {
	if run == nil {
		return nil, errors.New("statement: nil run")
	}
	m := &model{run: run, cfg: cfg, partial: map[string][]string{}}
	sum := run.Accessibility
	if sum != nil {
		m.scan = sum.Scan != ""
		m.baseline = sum.Baseline
		m.tags = appendNew(m.tags, sum.Tags...)
		if sum.Engine != "" {
			m.engines = appendNew(m.engines, sum.Engine)
		}
	}
	whole := map[string]bool{}
	if sum != nil {
		for _, p := range sum.Checked {
			whole[p] = true
		}
	}
	// The tags each page was checked with, whole-page checks and scoped
	// ones apart: a page checked whole counts its whole-page checks only.
	wholeTags, partTags := map[string][]string{}, map[string][]string{}
	byKey := map[string]*entry{}
	var all []*entry
	for i, f := range run.Features {
		if f == nil {
			return nil, fmt.Errorf("statement: feature %d is nil", i)
		}
		for j, s := range f.Scenarios {
			if s == nil {
				return nil, fmt.Errorf("statement: %s: scenario %d is nil", f.URI, j)
			}
			for k := range s.Accessibility {
				c := &s.Accessibility[k]
				m.checks++
				if c.By != "scan" {
					m.stepChecks++
				}
				tags := c.Tags
				if len(tags) == 0 && sum != nil {
					tags = sum.Tags
				}
				if c.Scope == "" {
					wholeTags[c.Page] = appendNew(wholeTags[c.Page], tags...)
				} else {
					partTags[c.Page] = appendNew(partTags[c.Page], tags...)
				}
				m.tags = appendNew(m.tags, c.Tags...)
				if c.Engine != "" {
					m.engines = appendNew(m.engines, c.Engine)
				}
				if c.Incomplete > 0 {
					m.incomplete += c.Incomplete
					m.undecided++
				}
				if c.Scope == "" {
					whole[c.Page] = true
				} else {
					m.partial[c.Page] = appendNew(m.partial[c.Page], c.Scope)
				}
				for _, v := range c.Violations {
					key := v.Rule + "\x00" + c.Page
					e := byKey[key]
					if e == nil {
						e = &entry{rule: v.Rule, page: c.Page, elements: map[string]bool{}}
						byKey[key] = e
						all = append(all, e)
					}
					e.add(c, v)
				}
			}
		}
	}
	if m.checks == 0 {
		id := cmp.Or(run.ID, "(no id)")
		return nil, fmt.Errorf("statement: run %s has %w: run with --a11y pages or accessibility steps", id, ErrNoChecks)
	}
	// The standard is the one every page checked got in full.
	var sets [][]string
	for _, p := range sortedKeys(wholeTags) {
		sets = append(sets, wholeTags[p])
	}
	for _, p := range sortedKeys(partTags) {
		if _, ok := wholeTags[p]; !ok {
			sets = append(sets, partTags[p])
		}
	}
	m.standard = covered(sets)
	for p := range whole {
		m.checked = append(m.checked, p)
		delete(m.partial, p)
	}
	slices.Sort(m.checked)
	if sum != nil {
		for _, p := range sum.Unchecked {
			if _, part := m.partial[p]; !whole[p] && !part {
				m.unchecked = append(m.unchecked, p)
			}
		}
		slices.Sort(m.unchecked)
	}
	for _, e := range all {
		slices.SortStableFunc(e.plans, func(a, b *plan) int {
			if c := cmp.Compare(a.rank(), b.rank()); c != 0 || a.ref == nil {
				return c
			}
			return cmp.Or(cmp.Compare(a.ref.Expires, b.ref.Expires), cmp.Compare(a.ref.File, b.ref.File), cmp.Compare(a.ref.Line, b.ref.Line))
		})
		if e.whole {
			e.scopes = nil
		}
		if e.nonCompliance() {
			m.entries = append(m.entries, e)
		} else {
			m.others = append(m.others, e)
		}
	}
	order := func(a, b *entry) int {
		if a.needsPlan() != b.needsPlan() {
			if a.needsPlan() {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.page, b.page), cmp.Compare(a.rule, b.rule))
	}
	slices.SortFunc(m.entries, order)
	slices.SortFunc(m.others, order)
	return m, nil
}

// add counts v's elements in e, under the plan of the baseline entry that
// accepted them.
func (e *entry) add(c *results.AccessibilityCheck, v results.Violation) {
	if e.help == "" {
		e.help = v.Help
	}
	e.criteria = appendNew(e.criteria, v.Criteria...)
	if slices.ContainsFunc(v.Tags, func(t string) bool { return slices.Contains(wcagLevelTags, t) }) {
		e.wcag = true
	}
	if c.Scope == "" {
		e.whole = true
	} else {
		e.scopes = appendNew(e.scopes, c.Scope)
	}
	var p *plan
	for _, q := range e.plans {
		if q.ref == nil && v.Baselined == nil ||
			q.ref != nil && v.Baselined != nil && *q.ref == *v.Baselined {
			p = q
			break
		}
	}
	if p == nil {
		p = &plan{elements: map[string]bool{}}
		if v.Baselined != nil {
			ref := *v.Baselined
			p.ref = &ref
		}
		e.plans = append(e.plans, p)
	}
	for _, n := range v.Nodes {
		el := cmp.Or(n.Target, n.HTML)
		p.elements[el] = true
		e.elements[el] = true
	}
}

func (m *model) assessment() Assessment {
	a := Assessment{Standard: m.standard, NonCompliances: len(m.entries), Other: len(m.others),
		Pages: len(m.checked) + len(m.partial), Unchecked: len(m.unchecked)}
	for _, e := range m.entries {
		for _, p := range e.plans {
			if p.ref == nil {
				a.NotPlanned++
				break
			}
		}
		for _, p := range e.plans {
			if p.ref != nil && p.ref.Expired {
				a.Expired++
				break
			}
		}
	}
	switch {
	case len(m.entries) > 0:
		a.Status = PartiallyCompliant
	case m.standard == Required:
		a.Status = FullyCompliant
	default:
		a.Status = Undetermined
	}
	return a
}

// appendNew appends the non-empty values of vs that list lacks.
func appendNew(list []string, vs ...string) []string {
	for _, v := range vs {
		if v != "" && !slices.Contains(list, v) {
			list = append(list, v)
		}
	}
	return list
}

// sortedKeys returns m's keys, sorted.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// countElements is "1 element" or "N elements".
func countElements(n int) string {
	if n == 1 {
		return "1 element"
	}
	return fmt.Sprintf("%d elements", n)
}

// plural is n and noun, with an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// joinWords joins items as "a", "a and b", "a, b and c".
func joinWords(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
