package check

import (
	"fmt"
	"time"

	"github.com/eprharness/eprharness/harness/a11y"
)

const (
	// BadA11yBaseline: the accessibility baseline file (a11y-baseline)
	// has a problem; run refuses it too, before anything starts.
	BadA11yBaseline Kind = "accessibility baseline"
	// ExpiredA11yBaseline: a baseline entry is past its expiry date. It
	// fails the check, and would fail the run at its end (it no longer
	// accepts its violation), but does not stop the run from starting.
	ExpiredA11yBaseline Kind = "expired accessibility baseline entry"
)

func init() { advisory[ExpiredA11yBaseline] = true }

// WithA11yBaseline checks the accessibility baseline file too: its YAML,
// fields, dates and duplicate entries (a11y.Check), each problem at its
// file and line. An entry past its expiry is reported as well: it would
// fail the run.
func WithA11yBaseline(file string) Option { return func(c *Checker) { c.a11yBaseline = file } }

func (c *Checker) baselineProblems() []Problem {
	if c.a11yBaseline == "" {
		return nil
	}
	var out []Problem
	for _, p := range a11y.Check(c.a11yBaseline) {
		msg := p.Msg
		if p.Field != "" {
			msg = p.Field + ": " + msg
		}
		out = append(out, Problem{File: p.File, Line: p.Line, Kind: BadA11yBaseline, Msg: msg})
	}
	if len(out) > 0 {
		return out
	}
	b, err := a11y.LoadBaseline(c.a11yBaseline)
	if err != nil {
		return []Problem{{File: c.a11yBaseline, Kind: BadA11yBaseline, Msg: err.Error()}}
	}
	for _, e := range b.Expired(c.now()) {
		out = append(out, Problem{File: e.File, Line: e.Line, Kind: ExpiredA11yBaseline,
			Msg: fmt.Sprintf("the acceptance of %s violations expired on %s (owner: %s): renew it with a new date and reason, or fix the page and remove it", e.Rule, e.Expires, e.Owner)})
	}
	return out
}

// now is today, for baseline expiry.
func (c *Checker) now() time.Time {
	if c.clock != nil {
		return c.clock()
	}
	return time.Now()
}

// WithClock sets what "today" is for baseline expiry (tests).
func WithClock(now func() time.Time) Option { return func(c *Checker) { c.clock = now } }
