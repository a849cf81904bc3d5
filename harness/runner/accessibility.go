package runner

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mxschmitt/playwright-go"

	"github.com/eprharness/eprharness/harness/a11y"
	"github.com/eprharness/eprharness/harness/config"
	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/scenario"
)

// accessibility is a run's accessibility checking: the engine, the
// baseline, and the run-wide scan's record of the pages checked. Its
// methods are safe for concurrent use by the workers.
type accessibility struct {
	engine   *a11y.Engine        // nil: the run has no engine (axe-core not installed)
	missing  error               // why engine is nil
	baseline *a11y.Baseline      // nil: no baseline
	tags     []string            // the run's standard, as axe-core tags
	scan     bool                // check every distinct page (config.A11yScanPages)
	today    time.Time           // for baseline expiry: the run's day
	mu       sync.Mutex          // guards scanned and reached
	scanned  map[string]scanner  // page key -> the scenario attempt that checked it
	reached  map[string]bool     // page keys a scenario's window navigated to (with scan)
	redact   func(string) string // keeps secrets out of node HTML
}

// scanner is the scenario attempt that checked a page in the run-wide
// scan.
type scanner struct {
	scenario string
	attempt  int
}

// loadAccessibility prepares the run's accessibility checking before
// anything starts: a bad baseline or standard is bad input (exit 2). A
// missing engine stops the run only when the run-wide scan needs it; the
// steps otherwise fail as harness faults saying how to install it.
func (r *Runner) loadAccessibility(today time.Time) (*accessibility, error) {
	a := &accessibility{scan: r.cfg.A11yScan == config.A11yScanPages, today: today, scanned: map[string]scanner{},
		reached: map[string]bool{}, redact: func(s string) string { return s }}
	tags, err := a11y.Standard(r.cfg.A11yStandard)
	if err != nil {
		return nil, &config.Error{Field: "a11y-standard", Msg: err.Error()}
	}
	a.tags = tags
	if r.cfg.A11yBaseline != "" {
		if a.baseline, err = a11y.LoadBaseline(r.cfg.A11yBaseline); err != nil {
			return nil, err
		}
	}
	var opts []a11y.Option
	if r.cfg.AxeScript != "" {
		opts = append(opts, a11y.WithScript(r.cfg.AxeScript))
	}
	a.engine, a.missing = a11y.Load(opts...)
	if a.missing != nil && a.scan {
		return nil, failure.Harness(fmt.Errorf("a11y pages needs axe-core: %w", a.missing))
	}
	return a, nil
}

// options turns a step's request into engine options.
func (a *accessibility) options(req scenario.AccessibilityRequest, rec *record) ([]a11y.CheckOption, error) {
	tags := a.tags
	if req.Standard != "" {
		var err error
		if tags, err = a11y.Standard(req.Standard); err != nil {
			return nil, failure.Harness(fmt.Errorf("accessibility standard %q: %w", req.Standard, err))
		}
	}
	opts := []a11y.CheckOption{a11y.WithTags(tags...), a11y.WithBy("step")}
	if rec != nil && rec.currentStep != nil {
		opts = append(opts, a11y.WithStep(rec.currentStep.Line))
	}
	if req.Scope != nil {
		opts = append(opts, a11y.WithScope(req.Scope, req.ScopeName))
	}
	return opts, nil
}

// check runs one check of page for the scenario of rec, applies the
// baseline, keeps an outlined screenshot of each failing violation in the
// scenario's evidence and records the check with the scenario.
func (r *Runner) checkAccessibility(ctx context.Context, rec *record, page playwright.Page, opts []a11y.CheckOption) (*results.AccessibilityCheck, error) {
	a := r.a11y
	if a.engine == nil {
		return nil, failure.Harness(fmt.Errorf("accessibility check: %w", a.missing))
	}
	defer rec.phases.Start(results.PhaseA11y)()
	c, err := a.engine.Check(ctx, page, opts...)
	if err != nil {
		return nil, failure.Harness(fmt.Errorf("accessibility check: %w", err))
	}
	for i := range c.Violations {
		for j := range c.Violations[i].Nodes {
			n := &c.Violations[i].Nodes[j]
			n.HTML, n.Summary, n.Target = a.redact(n.HTML), a.redact(n.Summary), a.redact(n.Target)
		}
	}
	if a.baseline != nil {
		a.baseline.Apply(c, a.today)
	}
	c.Decided = nil // Apply's alone: not kept with the scenario
	if !rec.realData {
		r.outline(ctx, rec, page, c)
	}
	rec.sc.Accessibility = append(rec.sc.Accessibility, *c)
	return c, nil
}

// outline saves, for each violation that fails the check, the page with
// the violation's elements outlined, as an attachment of the scenario.
func (r *Runner) outline(ctx context.Context, rec *record, page playwright.Page, c *results.AccessibilityCheck) {
	dir := r.evidenceDir(rec.pickle, rec)
	for i := range c.Violations {
		v := &c.Violations[i]
		if v.Baselined != nil && !v.Baselined.Expired {
			continue
		}
		n := len(rec.sc.Accessibility) + 1
		file := filepath.Join(dir, fmt.Sprintf("a11y-%d-%s.png", n, slug(v.Rule)))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			fmt.Fprintf(r.opts.stderr, "eprharness: %s: %v\n", rec.sc.ID, err)
			return
		}
		if err := r.a11y.engine.Outline(ctx, page, *v, file); err != nil {
			fmt.Fprintf(r.opts.stderr, "eprharness: %s: outline %s: %v\n", rec.sc.ID, v.Rule, err)
			continue
		}
		name := fmt.Sprintf("accessibility %d %s", n, v.Rule)
		att, err := results.FileAttachment(r.cfg.Out, name, "image/png", file)
		if err != nil {
			fmt.Fprintf(r.opts.stderr, "eprharness: %s: %v\n", rec.sc.ID, err)
			continue
		}
		rec.sc.Attachments = append(rec.sc.Attachments, att)
		v.Screenshot = name
	}
}

// scanPage is the run-wide scan after a step that passed: the page the
// step left is checked when no scenario has checked that page yet (or
// this scenario did, in an earlier attempt). Adapters also ask for it
// mid-step (target.UI.PageShown, shownHook) for a page they wait for and
// then act on. A violation fails the step:
// the EPR showed an inaccessible page. A check that cannot run is
// reported and left for a later visit of the page, never blamed on the
// EPR.
func (r *Runner) scanPage(ctx context.Context, rec *record) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return nil
	}
	return r.scan(ctx, rec, s.UI.Page)
}

// shownHook is target.UI.Shown for a window of the scenario of rec, when
// the run-wide scan is on: a page an adapter waited for and is about to
// act on is checked there, mid-step, as scanPage checks the page a step
// leaves. On an EPR the harness did not start, the page is first guarded
// against real patients' data, as the page a step leaves is (guardPage).
// What the hook finds (a violation, real data) fails the step when it
// ends (rec.shown), never inside the adapter: an adapter that reads an
// error as an outcome ("not signed in", "no answer in time") cannot take
// it for one. The hook itself always returns nil. Nil when there is no
// scan.
func (r *Runner) shownHook(ctx context.Context, rec *record, page playwright.Page) func() error {
	if a := r.a11y; a == nil || !a.scan || a.engine == nil {
		return nil
	}
	return func() error {
		if rec.realData || rec.shown != nil {
			return nil
		}
		if err := r.guard(rec, page); err != nil {
			rec.shown = err
			return nil
		}
		rec.shown = r.scan(ctx, rec, page)
		return nil
	}
}

// scan checks page for the run-wide scan, once per distinct page per run.
func (r *Runner) scan(ctx context.Context, rec *record, page playwright.Page) error {
	a := r.a11y
	if a == nil || !a.scan || rec == nil || rec.session == nil || page == nil || page.IsClosed() {
		return nil
	}
	key := a11y.PageKey(page.URL())
	if key == "" || strings.HasPrefix(page.URL(), "about:") {
		return nil
	}
	me := scanner{scenario: rec.sc.ID, attempt: rec.attempt}
	a.mu.Lock()
	// A page is checked once per run: again only when the scenario that
	// checked it runs again (a retry must meet the same verdict).
	if owner, seen := a.scanned[key]; seen && (owner.scenario != me.scenario || owner.attempt == me.attempt) {
		a.mu.Unlock()
		return nil
	}
	a.scanned[key] = me
	a.mu.Unlock()
	opts := []a11y.CheckOption{a11y.WithTags(a.tags...), a11y.WithBy("scan")}
	if rec.currentStep != nil {
		opts = append(opts, a11y.WithStep(rec.currentStep.Line))
	}
	c, err := r.checkAccessibility(ctx, rec, page, opts)
	if err != nil {
		a.mu.Lock()
		delete(a.scanned, key)
		a.mu.Unlock()
		if !r.interrupted.Load() {
			fmt.Fprintf(r.opts.stderr, "eprharness: %s: %v (the page is checked on a later visit)\n", rec.sc.ID, err)
		}
		return nil
	}
	if msg := c.Failure(); msg != "" {
		return fmt.Errorf("%s\n(found by the run-wide accessibility check, a11y: pages)", msg)
	}
	return nil
}

// watch records, with the run-wide scan, every page a scenario's window
// reaches (each navigation of its main frame, within a step or not), so
// that the run can say which of them the scan never checked. It is safe
// to call for every window of a scenario.
func (a *accessibility) watch(page playwright.Page) {
	if a == nil || !a.scan || page == nil {
		return
	}
	page.OnFrameNavigated(func(f playwright.Frame) {
		if f.ParentFrame() != nil {
			return
		}
		u := f.URL()
		key := a11y.PageKey(u)
		if key == "" || !strings.HasPrefix(u, "http") {
			return
		}
		a.mu.Lock()
		a.reached[key] = true
		a.mu.Unlock()
	})
}

// summary is what the run says of accessibility as a whole; nil when it
// neither checked a page nor had a baseline.
func (a *accessibility) summary(run *results.Run) *results.AccessibilitySummary {
	if a == nil {
		return nil
	}
	checked := false
	for _, f := range run.Features {
		for _, s := range f.Scenarios {
			if len(s.Accessibility) > 0 {
				checked = true
			}
		}
	}
	if !checked && a.baseline == nil && !a.scan {
		return nil
	}
	sum := &results.AccessibilitySummary{Tags: a.tags}
	if a.scan {
		sum.Scan = config.A11yScanPages
	}
	if a.engine != nil {
		sum.Engine = a.engine.Version()
	}
	a.mu.Lock()
	sum.Pages = len(a.scanned)
	for k := range a.scanned {
		sum.Checked = append(sum.Checked, k)
	}
	for k := range a.reached {
		if _, ok := a.scanned[k]; !ok {
			sum.Unchecked = append(sum.Unchecked, k)
		}
	}
	a.mu.Unlock()
	slices.Sort(sum.Checked)
	slices.Sort(sum.Unchecked)
	if a.baseline != nil {
		sum.Baseline = a.baseline.File()
		sum.Expired = a.baseline.Expired(a.today)
		sum.Fixed = a.baseline.Fixed()
	}
	return sum
}

// printAccessibility puts the run's accessibility in a few lines of the
// summary: what was checked, what failed, and the baseline entries that
// expired (which fail the run: the one place that says why) or can be
// pruned.
func printAccessibility(w io.Writer, run *results.Run) {
	sum := run.Accessibility
	if sum == nil {
		return
	}
	checks := 0
	for _, f := range run.Features {
		for _, s := range f.Scenarios {
			checks += len(s.Accessibility)
		}
	}
	line := fmt.Sprintf("%d check(s)", checks)
	if sum.Scan != "" {
		line += fmt.Sprintf(", %d distinct page(s) by the run-wide check", sum.Pages)
	}
	fmt.Fprintf(w, "\neprharness: accessibility: %s with %s (%s): %d violation(s) fail their checks\n",
		line, cmp.Or(sum.Engine, "axe-core"), strings.Join(sum.Tags, ", "), len(run.AccessibilityViolations()))
	if n := len(sum.Unchecked); n > 0 {
		fmt.Fprintf(w, "  not checked by the run-wide check: %d page(s) reached only within a step or left by a failed step: %s\n", n, strings.Join(sum.Unchecked, ", "))
	}
	for _, e := range sum.Expired {
		fmt.Fprintf(w, "  EXPIRED baseline entry %s:%d (%s on %s, owner %s) expired on %s: it fails the run until it is renewed or removed\n",
			e.File, e.Line, e.Rule, cmp.Or(e.Page, e.Selector), e.Owner, e.Expires)
	}
	for _, e := range sum.Fixed {
		fmt.Fprintf(w, "  fixed: baseline entry %s:%d (%s on %s) matched no violation: remove it\n", e.File, e.Line, e.Rule, cmp.Or(e.Page, e.Selector))
	}
}

// scrubAccessibility takes out of the scenario's accessibility checks
// what may show a real patient's data, once its page was found to show
// an NHS number outside the test ranges (guardPage): the elements' HTML
// and the outlined screenshots (attachments and files). The rules and
// the elements' selectors stay.
func (r *Runner) scrubAccessibility(rec *record) {
	shots := map[string]bool{}
	for i := range rec.sc.Accessibility {
		c := &rec.sc.Accessibility[i]
		for j := range c.Violations {
			v := &c.Violations[j]
			if v.Screenshot != "" {
				shots[v.Screenshot] = true
				v.Screenshot = ""
			}
			for k := range v.Nodes {
				v.Nodes[k].HTML, v.Nodes[k].Summary = "", ""
			}
		}
	}
	rec.sc.Attachments = slices.DeleteFunc(rec.sc.Attachments, func(a results.Attachment) bool {
		if !shots[a.Name] {
			return false
		}
		_ = os.Remove(filepath.Join(r.cfg.Out, filepath.FromSlash(a.Path)))
		return true
	})
}
