package a11y

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/mxschmitt/playwright-go"

	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/results"
)

// Engine checks pages with axe-core. It holds the script and nothing per
// page, so one Engine serves every worker: Checks of different pages may
// run at once. Two Checks of the same page at once are refused by
// axe-core itself ("Axe is already running"), which comes back as an
// error.
type Engine struct {
	source string
	custom bool // WithScript: the version is what the page says

	mu      sync.Mutex
	version string
}

// Load reads the cached axe-core that Install fetched, checking its
// pinned checksum, or with WithScript the given axe.min.js as it is.
func Load(opts ...Option) (*Engine, error) {
	o := newOptions(opts)
	if o.script != "" {
		data, err := os.ReadFile(o.script)
		if err != nil {
			return nil, fmt.Errorf("load axe-core: %w", err)
		}
		e := &Engine{source: string(data), custom: true, version: "unknown"}
		if m := headerVersion.FindSubmatch(data[:min(len(data), 200)]); m != nil {
			e.version = string(m[1])
		}
		return e, nil
	}
	path, err := o.path()
	if err != nil {
		return nil, fmt.Errorf("load axe-core: %w", err)
	}
	data, err := readVerified(path)
	switch {
	case errors.Is(err, errNotInstalled):
		return nil, fmt.Errorf("load axe-core: axe-core %s is not installed (no %s): run `eprharness install`", Version, path)
	case errors.Is(err, errCorrupted):
		return nil, fmt.Errorf("load axe-core: the cached copy is corrupted (%w): run `eprharness install` to fetch it again", err)
	case err != nil:
		return nil, fmt.Errorf("load axe-core: %w", err)
	}
	return &Engine{source: string(data), version: Version}, nil
}

// headerVersion reads the version from axe.min.js's licence comment
// ("/*! axe v4.14.1").
var headerVersion = regexp.MustCompile(`axe v(\d+\.\d+\.\d+\S*)`)

// Version is the engine and its version: "axe-core 4.14.1". With
// WithScript it is what the script's header says until a Check reads
// axe.version in a page.
func (e *Engine) Version() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return "axe-core " + e.version
}

// CheckOption configures one Check.
type CheckOption func(*checkOptions)

type checkOptions struct {
	tags      []string
	by        string
	step      int
	scope     playwright.Locator
	scopeName string
}

// WithTags runs the rules with these axe-core tags (see Standard); the
// default is DefaultTags.
func WithTags(tags ...string) CheckOption {
	return func(o *checkOptions) { o.tags = append([]string(nil), tags...) }
}

// WithBy says who asked for the check: "step" (the default) or "scan".
func WithBy(by string) CheckOption { return func(o *checkOptions) { o.by = by } }

// WithStep is the line of the step that asked for the check.
func WithStep(line int) CheckOption { return func(o *checkOptions) { o.step = line } }

// WithScope checks only the element loc finds (a dialog, a region: it
// must find exactly one, and is waited for like any locator), described
// in words for the results (`dialog "Record an allergy"`).
func WithScope(loc playwright.Locator, description string) CheckOption {
	return func(o *checkOptions) { o.scope, o.scopeName = loc, description }
}

// summariseJS is the summary of axe.run's result the page sends back:
// JSON text, so that Playwright serialises one string rather than axe's
// whole result tree. Targets come back as lists of selectors (one per
// frame or shadow root) for Go to join.
const summariseJS = `(r) => JSON.stringify({
	version: (r.testEngine && r.testEngine.version) || (window.axe && window.axe.version) || "",
	url: r.url || "",
	passes: (r.passes || []).length,
	incomplete: (r.incomplete || []).length,
	decided: [].concat(r.passes || [], r.inapplicable || [], r.violations || []).map(x => x.id)
		.filter(id => !(r.incomplete || []).some(i => i.id === id)),
	violations: (r.violations || []).map(v => ({
		rule: v.id, impact: v.impact || "", help: v.help || "", helpUrl: v.helpUrl || "", tags: v.tags || [],
		nodes: (v.nodes || []).map(n => ({
			target: [n.target].flat(Infinity).map(String),
			html: n.html || "",
			summary: n.failureSummary || "",
		})),
	})),
})`

// runPageJS runs axe-core on the whole document (page.Evaluate: one
// argument, the options).
const runPageJS = `async (o) => {
	if (!window.axe || typeof window.axe.run !== "function") throw new Error("axe-core is not in the page");
	const r = await window.axe.run(document, o);
	return (` + summariseJS + `)(r);
}`

// runScopeJS runs axe-core on one element (locator.Evaluate: the element
// and the options).
const runScopeJS = `async (el, o) => {
	const w = el.ownerDocument.defaultView;
	if (!w.axe || typeof w.axe.run !== "function") throw new Error("axe-core is not in the element's frame");
	const r = await w.axe.run(el, o);
	return (` + summariseJS + `)(r);
}`

// axeVersionJS is the version of the axe-core in a frame, "" when none.
const axeVersionJS = `() => (window.axe && typeof window.axe.run === "function") ? String(window.axe.version || "?") : ""`

type axeSummary struct {
	Version    string   `json:"version"`
	URL        string   `json:"url"`
	Passes     int      `json:"passes"`
	Incomplete int      `json:"incomplete"`
	Decided    []string `json:"decided"`
	Violations []struct {
		Rule    string   `json:"rule"`
		Impact  string   `json:"impact"`
		Help    string   `json:"help"`
		HelpURL string   `json:"helpUrl"`
		Tags    []string `json:"tags"`
		Nodes   []struct {
			Target  []string `json:"target"`
			HTML    string   `json:"html"`
			Summary string   `json:"summary"`
		} `json:"nodes"`
	} `json:"violations"`
}

// Check runs axe-core's rules with the chosen tags on the page (or the
// scope) as it is now, injecting axe-core into every frame that lacks it.
// Violations are the result; an error is the page's or the harness's
// fault (the page navigated away, closed or crashed while checked; the
// context ended), never a violation, and is marked failure.Harness.
//
// Passes and Incomplete count rules: axe-core is asked for the details of
// violations only (resultTypes), which trims the elements it lists for
// the other kinds but not the rules, so the counts are exact.
func (e *Engine) Check(ctx context.Context, page playwright.Page, opts ...CheckOption) (*results.AccessibilityCheck, error) {
	o := &checkOptions{by: "step"}
	for _, f := range opts {
		f(o)
	}
	if len(o.tags) == 0 {
		o.tags = append([]string(nil), DefaultTags...)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("check accessibility: %w", err)
	}
	start := time.Now()
	url := page.URL()
	c := &results.AccessibilityCheck{
		Page: PageKey(url), URL: url, Scope: o.scopeName, Tags: o.tags,
		By: o.by, Step: o.step,
	}
	raw, err := await(ctx, func() (any, error) {
		if err := e.inject(page); err != nil {
			return nil, err
		}
		runOpts := map[string]any{
			"runOnly":     map[string]any{"type": "tag", "values": o.tags},
			"resultTypes": []string{"violations"},
		}
		if o.scope != nil {
			return o.scope.Evaluate(runScopeJS, runOpts)
		}
		return page.Evaluate(runPageJS, runOpts)
	})
	if err != nil {
		return nil, failure.Harness(fmt.Errorf("check accessibility of %s: %w", where(c), err))
	}
	text, ok := raw.(string)
	if !ok {
		return nil, failure.Harness(fmt.Errorf("check accessibility of %s: axe-core returned %T, want JSON text", where(c), raw))
	}
	var s axeSummary
	if err := json.Unmarshal([]byte(text), &s); err != nil {
		return nil, failure.Harness(fmt.Errorf("check accessibility of %s: read axe-core's result: %w", where(c), err))
	}
	if s.Version != "" {
		e.mu.Lock()
		if e.custom || e.version == "" {
			e.version = s.Version
		}
		e.mu.Unlock()
		c.Engine = "axe-core " + s.Version
	} else {
		c.Engine = e.Version()
	}
	c.Passes, c.Incomplete, c.Decided = s.Passes, s.Incomplete, s.Decided
	for _, v := range s.Violations {
		rv := results.Violation{
			Rule: v.Rule, Impact: v.Impact, Help: v.Help, HelpURL: v.HelpURL,
			Criteria: Criteria(v.Tags), Tags: v.Tags, Nodes: []results.ViolationNode{},
		}
		for _, n := range v.Nodes {
			rv.Nodes = append(rv.Nodes, results.ViolationNode{Target: JoinTarget(n.Target), HTML: n.HTML, Summary: n.Summary})
		}
		c.Violations = append(c.Violations, rv)
	}
	c.Duration = time.Since(start)
	return c, nil
}

// TargetSeparator joins the selectors of an element inside frames or
// shadow roots: the iframe's (or host's) selector, then the element's in
// it. Playwright's locators read the same separator for frames.
const TargetSeparator = " >>> "

// JoinTarget joins axe-core's selector list for one element.
func JoinTarget(selectors []string) string { return strings.Join(selectors, TargetSeparator) }

func where(c *results.AccessibilityCheck) string {
	if c.Scope != "" {
		return c.Scope + " on " + c.Page
	}
	return c.Page
}

// inject puts axe-core into every frame of the page that does not have
// this engine's version. page.Evaluate of the source runs it through the
// DevTools protocol, which a page's Content-Security-Policy does not
// govern (a <script> tag would be blocked by script-src). A frame that
// goes away meanwhile is skipped; the main frame's failure is an error.
func (e *Engine) inject(page playwright.Page) error {
	main := page.MainFrame()
	for _, f := range page.Frames() {
		err := e.injectFrame(f)
		if err == nil {
			continue
		}
		if f == main {
			return fmt.Errorf("inject axe-core: %w", err)
		}
		if f.IsDetached() {
			continue
		}
		// A child frame axe-core cannot enter (cross-origin and closed to
		// evaluation, or mid-navigation) is reported by axe-core's own
		// frame-tested rule rather than failing the check.
	}
	return nil
}

func (e *Engine) injectFrame(f playwright.Frame) error {
	have, err := f.Evaluate(axeVersionJS)
	if err != nil {
		return err
	}
	e.mu.Lock()
	want := e.version
	custom := e.custom
	e.mu.Unlock()
	if h, _ := have.(string); h != "" && (custom || h == want) {
		return nil
	}
	// The source ends in an expression whose value Playwright would try
	// to send back: "; 0" keeps the reply small.
	if _, err := f.Evaluate(e.source + "\n;0"); err != nil {
		return err
	}
	// axe-core talks to the copies in child frames by postMessage, by
	// default with same-origin frames only; every frame has our copy, so
	// cross-origin frames (an embedded viewer on another host) are checked
	// too.
	_, err = f.Evaluate(configureJS)
	return err
}

const configureJS = `() => { window.axe.configure({ allowedOrigins: ["<unsafe_all_origins>"] }); return 0; }`

// await runs fn (a Playwright call, which takes no context) and returns
// when it does or when ctx ends; in the latter case fn finishes in the
// background (its page is usually being closed by then).
func await(ctx context.Context, fn func() (any, error)) (any, error) {
	type result struct {
		v   any
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := fn()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
