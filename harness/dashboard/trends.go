package dashboard

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/safety"
	"github.com/eprharness/eprharness/harness/store"
)

// The trend pages (/accessibility, /safety) read the last n runs in full:
// the store keeps neither accessibility checks nor control verdicts in its
// run summaries. n is ?n=, defaultTrendRuns when absent, at most
// maxTrendRuns so one request cannot make the dashboard read the whole
// store.
const (
	defaultTrendRuns = 20
	maxTrendRuns     = 100
)

// windowRun is one run of a trend's window with its summary.
type windowRun struct {
	store.Summary
	Run            *results.Run
	Outcome, Class string
}

// trendWindow parses ?n= and reads the last n runs, newest first; false
// when it has already answered with an error page.
func (s *server) trendWindow(w http.ResponseWriter, r *http.Request) ([]windowRun, int, bool) {
	n := defaultTrendRuns
	if v := r.URL.Query().Get("n"); v != "" {
		i, err := strconv.Atoi(v)
		if err != nil || i < 1 || i > maxTrendRuns {
			s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("?n=%s: give a number of runs from 1 to %d.", v, maxTrendRuns), nil)
			return nil, 0, false
		}
		n = i
	}
	ctx := r.Context()
	sums, err := s.st.Runs(ctx, store.Filter{Limit: n})
	if err != nil {
		s.storeFail(w, r, "The runs", err)
		return nil, 0, false
	}
	out := make([]windowRun, len(sums))
	for i, sm := range sums {
		run, err := s.st.Run(ctx, sm.ID)
		if err != nil {
			s.storeFail(w, r, "Run "+sm.ID, err)
			return nil, 0, false
		}
		out[i] = windowRun{Summary: sm, Run: run}
		out[i].Outcome, out[i].Class = outcome(sm)
	}
	return out, n, true
}

// ---- /accessibility ----

// a11yPage is the data of /accessibility.
type a11yPage struct {
	N int
	// Runs are the window's runs, newest first.
	Runs []a11yRun
	// AnyChecks is false when no run of the window checked anything.
	AnyChecks bool
	Chart     trendChart
	// Newest is the newest run; Rows its violations grouped by rule and
	// page, failing ones first.
	Newest           *a11yRun
	Rows             []a11yRow
	Failing          int
	Expired, Fixed   []results.BaselineEntry
	Baseline, Engine string
}

// a11yRun is one run's accessibility in numbers.
type a11yRun struct {
	ID             string
	StartedAt      time.Time
	Outcome, Class string
	// Checks is how many checks the run made; Pages how many distinct
	// pages they (and the run-wide scan) checked.
	Checks, Pages int
	// Failing counts the rule-and-page pairs with a violation that fails
	// its check; Accepted those whose every violation a current baseline
	// entry accepts.
	Failing, Accepted int
}

// a11yRow is one rule failing on one page in the newest run, however many
// checks found it.
type a11yRow struct {
	Rule, Page     string
	Impact         string
	Help, HelpURL  string
	Criteria       []string
	Scopes         []string
	Elements       int
	Checks         int
	Failing        bool
	AcceptedBy     []results.BaselineRef // entries that accepted some of its violations
	ExpiredEntries []results.BaselineRef // expired entries that no longer accept them
	// Since is the run from which the rule has failed on the page in every
	// run of the window that checked the page; SinceStart is true when
	// that is the window's first such run (it may be older still).
	Since      string
	SinceStart bool
}

type rulePage struct{ rule, page string }

// a11yGroup gathers one run's violations of one rule on one page.
type a11yGroup struct {
	row     a11yRow
	targets map[string]bool
	refs    map[string]bool
}

// impactRank orders axe-core impacts, worst first.
func impactRank(impact string) int {
	switch impact {
	case "critical":
		return 0
	case "serious":
		return 1
	case "moderate":
		return 2
	case "minor":
		return 3
	}
	return 4
}

// accessibilityOf groups a run's violations by rule and page, and returns
// the pages it checked.
func accessibilityOf(run *results.Run) (groups map[rulePage]*a11yGroup, pages map[string]bool, checks int) {
	groups, pages = map[rulePage]*a11yGroup{}, map[string]bool{}
	if run.Accessibility != nil {
		for _, p := range run.Accessibility.Checked {
			pages[p] = true
		}
	}
	for _, f := range run.Features {
		for _, sc := range f.Scenarios {
			for i := range sc.Accessibility {
				c := &sc.Accessibility[i]
				checks++
				pages[c.Page] = true
				for _, v := range c.Violations {
					k := rulePage{v.Rule, c.Page}
					g := groups[k]
					if g == nil {
						g = &a11yGroup{row: a11yRow{Rule: v.Rule, Page: c.Page, Impact: v.Impact, Help: v.Help, HelpURL: v.HelpURL},
							targets: map[string]bool{}, refs: map[string]bool{}}
						groups[k] = g
					}
					row := &g.row
					row.Checks++
					if impactRank(v.Impact) < impactRank(row.Impact) {
						row.Impact = v.Impact
					}
					for _, cr := range v.Criteria {
						if !contains(row.Criteria, cr) {
							row.Criteria = append(row.Criteria, cr)
						}
					}
					if c.Scope != "" && !contains(row.Scopes, c.Scope) {
						row.Scopes = append(row.Scopes, c.Scope)
					}
					for _, n := range v.Nodes {
						g.targets[n.Target] = true
					}
					row.Elements = len(g.targets)
					switch b := v.Baselined; {
					case b == nil:
						row.Failing = true
					case b.Expired:
						row.Failing = true
						if key := fmt.Sprintf("%s:%d", b.File, b.Line); !g.refs["x"+key] {
							g.refs["x"+key] = true
							row.ExpiredEntries = append(row.ExpiredEntries, *b)
						}
					default:
						if key := fmt.Sprintf("%s:%d", b.File, b.Line); !g.refs[key] {
							g.refs[key] = true
							row.AcceptedBy = append(row.AcceptedBy, *b)
						}
					}
				}
			}
		}
	}
	return groups, pages, checks
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (s *server) accessibility(w http.ResponseWriter, r *http.Request) {
	win, n, ok := s.trendWindow(w, r)
	if !ok {
		return
	}
	p := a11yPage{N: n}
	type seen struct {
		groups map[rulePage]*a11yGroup
		pages  map[string]bool
	}
	per := make([]seen, len(win))
	for i, wr := range win {
		groups, pages, checks := accessibilityOf(wr.Run)
		per[i] = seen{groups, pages}
		ar := a11yRun{ID: wr.ID, StartedAt: wr.StartedAt, Outcome: wr.Outcome, Class: wr.Class, Checks: checks, Pages: len(pages)}
		for _, g := range groups {
			if g.row.Failing {
				ar.Failing++
			} else {
				ar.Accepted++
			}
		}
		if checks > 0 || len(pages) > 0 {
			p.AnyChecks = true
		}
		p.Runs = append(p.Runs, ar)
	}
	if len(win) == 0 || !p.AnyChecks {
		s.render(w, r, http.StatusOK, "accessibility", "Accessibility", p, "")
		return
	}
	p.Chart = newTrendChart(p.Runs)
	p.Newest = &p.Runs[0]
	newest := win[0].Run
	if a := newest.Accessibility; a != nil {
		p.Expired, p.Fixed, p.Baseline, p.Engine = a.Expired, a.Fixed, a.Baseline, a.Engine
	}
	firstChecked := map[string]int{} // page → the oldest run of the window that checked it
	for i := range win {
		for page := range per[i].pages {
			firstChecked[page] = i
		}
	}
	for k, g := range per[0].groups {
		row := g.row
		// Walk back from the newest run while the rule fails on the page;
		// runs that did not check the page neither extend nor break it.
		row.Since = win[0].ID
		first := firstChecked[k.page]
		for i := 1; i < len(win); i++ {
			if !per[i].pages[k.page] {
				continue
			}
			// A run in which the rule was not found on the page, or was
			// found but on the other side of the baseline (accepted then,
			// failing now, as when an entry expired), ends the streak.
			if g := per[i].groups[k]; g == nil || g.row.Failing != row.Failing {
				break
			}
			row.Since = win[i].ID
		}
		row.SinceStart = row.Since == win[first].ID && len(win) > 1
		if row.Failing {
			p.Failing++
		}
		p.Rows = append(p.Rows, row)
	}
	sort.Slice(p.Rows, func(i, j int) bool {
		a, b := p.Rows[i], p.Rows[j]
		if a.Failing != b.Failing {
			return a.Failing
		}
		if ra, rb := impactRank(a.Impact), impactRank(b.Impact); ra != rb {
			return ra < rb
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Page < b.Page
	})
	s.render(w, r, http.StatusOK, "accessibility", "Accessibility", p, trendCSS)
}

// ---- /safety ----

// safetyPage is the data of /safety.
type safetyPage struct {
	N int
	// Runs are the window's runs, newest first: the matrix's columns.
	Runs []safetyRun
	// LogRun is the newest run with a hazard log, whose log gives the
	// rows; "" when no run of the window has one. LogFile is its file.
	LogRun, LogFile string
	// NewestHasLog is false when the newest run recorded no hazard log.
	NewestHasLog bool
	Hazards      []safetyHazard
	// Unverified are the controls that must be verified by test and are
	// not, in LogRun, with why.
	Unverified []safety.ControlResult
}

// safetyRun is one column of the matrix.
type safetyRun struct {
	ID             string
	StartedAt      time.Time
	Outcome, Class string
	HasLog         bool
	// MustVerify and Verified count the run's controls that must be
	// verified by test, and those of them it verified.
	MustVerify, Verified int
}

type safetyHazard struct {
	ID, Title string
	Controls  []safetyControl
}

type safetyControl struct {
	ID, Description string
	VerifyByTest    bool
	// Unverified is true when the control is not verified in LogRun.
	Unverified bool
	Scenarios  []safety.ScenarioResult
	Cells      []safetyCell // one per run, newest first
}

// safetyCell is one control in one run.
type safetyCell struct {
	// Label is "verified", or why not in a few words ("failed", "no
	// scenario", "not run", "skipped", "flaky", "undefined"...), or "no
	// hazard log" / "not in log" when the run could not judge it.
	Label, Class string
	// Reason is safety's reason in full ("features/x.feature:12 failed").
	Reason string
}

// cellOf labels one control's verdict in one run.
func cellOf(cr safety.ControlResult) safetyCell {
	if cr.Verified {
		return safetyCell{Label: "verified", Class: "good"}
	}
	class := "bad"
	if !cr.Control.VerifyByTest {
		class = "warn"
	}
	if len(cr.Scenarios) == 0 {
		return safetyCell{Label: "no scenario", Class: class, Reason: cr.Reason}
	}
	// The worst of its scenarios names the cell.
	rank := func(sr safety.ScenarioResult) (int, string) {
		switch {
		case sr.NotRun || sr.Status == results.Interrupted:
			return 2, "not run"
		case sr.Status == results.Passed:
			return 9, "verified"
		case sr.Status == results.Flaky:
			return 3, "flaky"
		case sr.Status == results.Skipped:
			return 4, "skipped"
		case sr.Status == results.Failed:
			return 0, "failed"
		case sr.Status == "":
			return 1, "no result"
		}
		return 1, string(sr.Status)
	}
	best, label := 10, ""
	for _, sr := range cr.Scenarios {
		if rk, l := rank(sr); rk < best {
			best, label = rk, l
		}
	}
	return safetyCell{Label: label, Class: class, Reason: cr.Reason}
}

func (s *server) safety(w http.ResponseWriter, r *http.Request) {
	win, n, ok := s.trendWindow(w, r)
	if !ok {
		return
	}
	p := safetyPage{N: n}
	verdicts := make([]map[string]safety.ControlResult, len(win))
	logAt := -1
	for i, wr := range win {
		sr := safetyRun{ID: wr.ID, StartedAt: wr.StartedAt, Outcome: wr.Outcome, Class: wr.Class}
		// Each run is judged against the log it was made against, as its
		// evidence page judges it.
		if v := safety.Evaluate(wr.Run, wr.Run.HazardLog); v != nil {
			sr.HasLog = true
			sr.MustVerify, sr.Verified = v.MustVerify, v.Verified
			verdicts[i] = map[string]safety.ControlResult{}
			for _, h := range v.Hazards {
				for _, cr := range h.Controls {
					verdicts[i][cr.Control.ID] = cr
				}
			}
			if logAt < 0 {
				logAt = i
				p.LogRun, p.LogFile = wr.ID, wr.Run.HazardLog.File
				p.Unverified = v.Unverified
			}
		}
		p.Runs = append(p.Runs, sr)
	}
	p.NewestHasLog = logAt == 0
	if logAt < 0 {
		s.render(w, r, http.StatusOK, "safety", "Clinical safety", p, trendCSS)
		return
	}
	for _, h := range win[logAt].Run.HazardLog.Hazards {
		sh := safetyHazard{ID: h.ID, Title: h.Title}
		for _, c := range h.Controls {
			cr := verdicts[logAt][c.ID]
			sc := safetyControl{ID: c.ID, Description: c.Description, VerifyByTest: c.VerifyByTest,
				Unverified: c.VerifyByTest && !cr.Verified, Scenarios: cr.Scenarios}
			// The scenarios that verify it: the log run's, else the newest
			// run's that had any.
			for i := logAt + 1; len(sc.Scenarios) == 0 && i < len(win); i++ {
				if old, ok := verdicts[i][c.ID]; ok {
					sc.Scenarios = old.Scenarios
				}
			}
			for i := range win {
				switch old, ok := verdicts[i][c.ID]; {
				case verdicts[i] == nil:
					sc.Cells = append(sc.Cells, safetyCell{Label: "no hazard log", Class: "na"})
				case !ok:
					sc.Cells = append(sc.Cells, safetyCell{Label: "not in log", Class: "na",
						Reason: "the run's hazard log has no control " + c.ID})
				default:
					sc.Cells = append(sc.Cells, cellOf(old))
				}
			}
			sh.Controls = append(sh.Controls, sc)
		}
		// Unverified controls first, in log order.
		sort.SliceStable(sh.Controls, func(i, j int) bool {
			return sh.Controls[i].Unverified && !sh.Controls[j].Unverified
		})
		p.Hazards = append(p.Hazards, sh)
	}
	// Hazards with an unverified control first, in log order.
	sort.SliceStable(p.Hazards, func(i, j int) bool {
		return hasUnverified(p.Hazards[i]) && !hasUnverified(p.Hazards[j])
	})
	s.render(w, r, http.StatusOK, "safety", "Clinical safety", p, trendCSS)
}

func hasUnverified(h safetyHazard) bool {
	return len(h.Controls) > 0 && h.Controls[0].Unverified
}

// evidenceURL is the dashboard path of a run's safety evidence.
func evidenceURL(id string) string { return runURL(id) + "/evidence" }
