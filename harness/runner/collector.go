package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/eprharness/eprharness/harness/backend"
	"github.com/eprharness/eprharness/harness/browser"
	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/scenario"
)

// formatterName is the Godog formatter through which the collector learns
// each feature's Gherkin document (names, keywords and line numbers).
const formatterName = "eprharness-results"

// collectors maps a Godog suite name (the run id) to its collector. Godog
// only lets formatters be registered globally by name, so this registry is
// how a run's formatter finds its own collector; entries are removed when
// the run ends.
var collectors sync.Map

func init() {
	godog.Format(formatterName, "records results for eprharness reports (internal)", func(suite string, _ io.Writer) godog.Formatter {
		c, _ := collectors.Load(suite)
		col, _ := c.(*collector)
		return &docFormatter{c: col}
	})
}

// collector builds the run's results from Godog's hooks. It is safe for
// concurrent use by scenarios running in parallel.
//
// A scenario that finishes when the run already holds a scenario with the
// same id is a retry: it replaces the earlier one, which becomes one of its
// Attempts, and a retry that passes makes the scenario Flaky.
type collector struct {
	mu   sync.Mutex
	run  *results.Run
	docs map[string]*docIndex
	now  func() time.Time
	// repro gives the command line that reproduces a scenario (nil: none).
	repro func(*results.Scenario) string
	// finished, when set, is called with each scenario as it is settled
	// (after retries are merged), outside the lock and possibly from
	// several goroutines at once. The scenario is not changed afterwards.
	finished func(f *results.Feature, sc *results.Scenario)
	// redact, when set, takes secret values (fixture passwords) out of
	// scenario and step error texts before they are recorded.
	redact func(string) string
	// files maps the paths Godog reports for an ordered selection
	// ("f.feature#12") to their feature files (see alias and file in
	// planned.go); results always name the real file.
	files sync.Map
	// startedAt is when the command started (runner.WithStartedAt), from
	// which the run's first-step phase is counted; firstStep is set once
	// that phase is recorded.
	startedAt time.Time
	firstStep bool
	// networkFailed holds the ids of the scenarios whose latest attempt
	// failed because this machine's network changed under it (see
	// record.networkChanged): they are run again (networkRetryable).
	networkFailed map[string]bool
}

// clean is an error text as it is recorded: secrets redacted.
func (c *collector) clean(s string) string {
	if c.redact == nil {
		return s
	}
	return c.redact(s)
}

func newCollector(run *results.Run, now func() time.Time) *collector {
	return &collector{run: run, docs: map[string]*docIndex{}, now: now}
}

// find returns the run's scenario with the given id, or nil. c.mu must be
// held.
func (c *collector) find(uri, id string) (*results.Feature, int) {
	for _, f := range c.run.Features {
		if f.URI != uri {
			continue
		}
		for i, s := range f.Scenarios {
			if s.ID == id {
				return f, i
			}
		}
	}
	return nil, -1
}

// docIndex maps a feature's AST node ids to what the results need.
type docIndex struct {
	feature *results.Feature
	nodes   map[string]node
}

type node struct {
	keyword string
	line    int
}

func (c *collector) addDoc(uri string, doc *messages.GherkinDocument) {
	if doc == nil || doc.Feature == nil {
		return
	}
	f := doc.Feature
	idx := &docIndex{
		feature: &results.Feature{URI: c.file(uri), Name: f.Name, Description: strings.TrimSpace(f.Description), Line: int(f.Location.Line), Tags: tagNames(f.Tags)},
		nodes:   docNodes(f),
	}
	c.mu.Lock()
	c.docs[uri] = idx
	c.mu.Unlock()
}

// docNodes maps a feature's AST node ids (steps, scenarios, example rows)
// to their keyword and line.
func docNodes(f *messages.Feature) map[string]node {
	nodes := map[string]node{}
	addSteps := func(steps []*messages.Step) {
		for _, s := range steps {
			nodes[s.Id] = node{keyword: s.Keyword, line: int(s.Location.Line)}
		}
	}
	addScenario := func(sc *messages.Scenario) {
		nodes[sc.Id] = node{keyword: sc.Keyword, line: int(sc.Location.Line)}
		addSteps(sc.Steps)
		for _, ex := range sc.Examples {
			for _, row := range ex.TableBody {
				nodes[row.Id] = node{keyword: sc.Keyword, line: int(row.Location.Line)}
			}
		}
	}
	for _, ch := range f.Children {
		switch {
		case ch.Background != nil:
			addSteps(ch.Background.Steps)
		case ch.Scenario != nil:
			addScenario(ch.Scenario)
		case ch.Rule != nil:
			for _, rc := range ch.Rule.Children {
				if rc.Background != nil {
					addSteps(rc.Background.Steps)
				}
				if rc.Scenario != nil {
					addScenario(rc.Scenario)
				}
			}
		}
	}
	return nodes
}

// scenarioLine is the line that identifies a pickle (Scenario.ID): its
// scenario's line or, for an outline, its example row's.
func scenarioLine(nodes map[string]node, astNodeIDs []string) (keyword string, line int) {
	if len(astNodeIDs) == 0 {
		return "", 0
	}
	n := nodes[astNodeIDs[0]]
	keyword, line = strings.TrimSpace(n.keyword), n.line
	if len(astNodeIDs) > 1 {
		line = nodes[astNodeIDs[len(astNodeIDs)-1]].line
	}
	return keyword, line
}

// record is one running scenario's bookkeeping, carried in its context.
type record struct {
	sc        *results.Scenario
	steps     map[string]*results.Step
	stepStart time.Time
	// pickle is the scenario as Godog runs it; currentStep the step
	// running now (set by the before-step hook).
	pickle      *godog.Scenario
	currentStep *results.Step
	session     *browser.Session
	backend     backend.Backend    // the worker's backend the scenario runs on
	others      []*browser.Session // further windows opened by UI.Another
	skipped     bool               // the before hook chose not to run the scenario
	// notRun is set when the run was interrupted before the scenario
	// started: it is left out of the results (the run's plan shows it as
	// never run), as nothing of it happened.
	notRun bool
	// interrupted holds why the run stopped ("interrupted by SIGINT")
	// when the scenario was in flight then: it is recorded as
	// Interrupted, not failed, and blamed on no one.
	interrupted string
	// browser is the browser the scenario's windows were opened in;
	// pageCrashed is set when one of their pages' renderer crashed.
	browser     *browser.Browser
	pageCrashed atomic.Bool
	// networkChanged is set when Chromium aborted a request of the
	// scenario because this machine's network changed: the scenario is
	// run again (Runner.envReruns).
	networkChanged atomic.Bool
	// browserCrashed and backendDead are set by the after hook when the
	// scenario failed because the browser or the backend died under it.
	browserCrashed bool
	backendDead    error
	done           bool
	attempt        int // 1 for the first run of the scenario, 2 for its first retry…
	// realData is set when a page of the scenario showed an NHS number
	// outside the test ranges: its evidence then holds no screenshot,
	// page or trace.
	realData bool
	// shown is what a page the current step passed through found
	// (runner.shownHook): real data, or a run-wide accessibility
	// violation; the step fails with it when it ends.
	shown error
	// phases records where this attempt's time goes (the runner's hooks
	// and, through scenario.State.Phases, the steps time into it);
	// finish turns it into the scenario's Phases.
	phases *scenario.Phases
}

type recordKey struct{}

func withRecord(ctx context.Context, r *record) context.Context {
	return context.WithValue(ctx, recordKey{}, r)
}

func recordFrom(ctx context.Context) *record {
	r, _ := ctx.Value(recordKey{}).(*record)
	return r
}

// start builds the scenario's record from the pickle, all steps skipped
// until they run.
func (c *collector) start(p *godog.Scenario) *record {
	c.mu.Lock()
	idx := c.docs[p.Uri]
	c.mu.Unlock()
	sc := &results.Scenario{Name: p.Name, Tags: pickleTags(p.Tags), Status: results.Skipped, StartedAt: c.now()}
	sc.Quarantined = slices.Contains(sc.Tags, results.QuarantineTag)
	if idx != nil {
		sc.Keyword, sc.Line = scenarioLine(idx.nodes, p.AstNodeIds)
	}
	sc.ID = fmt.Sprintf("%s:%d", c.file(p.Uri), sc.Line)
	r := &record{sc: sc, steps: map[string]*results.Step{}, attempt: 1, phases: scenario.NewPhases(c.now)}
	c.mu.Lock()
	if f, i := c.find(c.file(p.Uri), sc.ID); f != nil {
		r.attempt = len(f.Scenarios[i].Attempts) + 2
	}
	c.mu.Unlock()
	for _, ps := range p.Steps {
		st := &results.Step{Text: ps.Text, Status: results.Skipped}
		if idx != nil && len(ps.AstNodeIds) > 0 {
			n := idx.nodes[ps.AstNodeIds[0]]
			st.Keyword, st.Line = n.keyword, n.line
		}
		sc.Steps = append(sc.Steps, st)
		r.steps[ps.Id] = st
	}
	return r
}

// stepStarted notes that one of r's steps begins: its duration counts
// from now, and the run's first step (Run.Phases first-step) is recorded
// when it is the run's first.
func (c *collector) stepStarted(r *record) {
	if r == nil {
		return
	}
	now := c.now()
	r.stepStart = now
	r.phases.StepStarted()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.firstStep {
		return
	}
	c.firstStep = true
	from := c.startedAt
	if from.IsZero() {
		from = c.run.StartedAt
	}
	c.run.Phases = append(c.run.Phases, results.Phase{Name: results.PhaseFirstStep, Duration: max(now.Sub(from), 0)})
}

// runPhase records one of the run's own phases (browser, backends) as
// having started at from and ended now.
func (c *collector) runPhase(name string, from time.Time) {
	d := c.now().Sub(from)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.run.Phases = append(c.run.Phases, results.Phase{Name: name, Duration: max(d, 0)})
}

func (c *collector) stepDone(r *record, st *godog.Step, status godog.StepResultStatus, err error) {
	if r == nil || r.done {
		return
	}
	r.phases.StepEnded()
	s := r.steps[st.Id]
	if s == nil {
		return
	}
	s.Status = stepStatus(status)
	if s.Status != results.Skipped && !r.stepStart.IsZero() {
		s.Duration = c.now().Sub(r.stepStart)
	}
	if err != nil && s.Status != results.Skipped {
		// The persona switch runs as a before-step hook (initScenario);
		// its error is the step's.
		s.Error = c.clean(strings.TrimPrefix(err.Error(), "before step hook failed: "))
	}
}

// finish settles the scenario's status from its steps and the error Godog
// reported, and adds it to the run.
func (c *collector) finish(uri string, r *record, err error) {
	if r == nil || r.done {
		return
	}
	godogURI, uri := uri, c.file(uri) // the document is known by Godog's path, the results by the file's
	r.done = true
	if r.notRun {
		return
	}
	sc := r.sc
	sc.Duration = c.now().Sub(sc.StartedAt)
	var steps time.Duration
	for _, st := range sc.Steps {
		steps += st.Duration
	}
	sc.Phases = r.phases.List(steps)
	sc.Status = scenarioStatus(r, err)
	if r.interrupted != "" && sc.Status != results.Passed && sc.Status != results.Skipped {
		// Stopped under the scenario: nothing is known of the EPR's
		// behaviour, so no one is blamed.
		sc.Status, sc.FailureKind, sc.Error = results.Interrupted, results.KindNone, r.interrupted
	} else if sc.Status != results.Passed && sc.Status != results.Skipped {
		cause := err
		if cause == nil {
			if fs := sc.FailedStep(); fs != nil {
				cause = errors.New(fs.Error)
			}
		}
		sc.FailureKind = failure.Classify(cause)
		if sc.Status == results.Undefined || sc.Status == results.Ambiguous || sc.Status == results.Pending {
			sc.FailureKind = results.KindHarness
		}
		if cause != nil {
			sc.Error = c.clean(strings.TrimPrefix(strings.TrimPrefix(cause.Error(), "before scenario hook failed: "), "before step hook failed: "))
		}
	}

	if sc.Status != results.Passed && c.repro != nil {
		sc.Repro = c.repro(sc)
	}

	c.mu.Lock()
	if c.networkFailed == nil {
		c.networkFailed = map[string]bool{}
	}
	networkFailed := r.networkChanged.Load() && sc.Status == results.Failed
	if pf, i := c.find(uri, sc.ID); pf != nil {
		prev := pf.Scenarios[i]
		if sc.Status == results.Skipped || sc.Status == results.Interrupted {
			// A retry that never ran or was cut short (the run was
			// interrupted): the earlier attempt stands.
			c.mu.Unlock()
			return
		}
		sc.Attempts = append(slices.Clone(prev.Attempts), &results.Attempt{
			Status: prev.Status, FailureKind: prev.FailureKind, Error: prev.Error,
			StartedAt: prev.StartedAt, Duration: prev.Duration,
			Steps: prev.Steps, Attachments: prev.Attachments, Phases: prev.Phases,
		})
		delete(c.networkFailed, sc.ID)
		if networkFailed {
			c.networkFailed[sc.ID] = true
		}
		// Passing after failing is flaky, unless every earlier failure
		// was the machine's network changing under the scenario: that
		// says nothing of the EPR.
		if sc.Status == results.Passed && !onlyNetworkFailures(sc.Attempts) {
			sc.Status = results.Flaky
			if c.repro != nil {
				sc.Repro = c.repro(sc)
			}
		}
		pf.Scenarios[i] = sc
		c.mu.Unlock()
		c.notify(pf, sc)
		return
	}
	var f *results.Feature
	for _, have := range c.run.Features {
		if have.URI == uri {
			f = have
		}
	}
	if f == nil {
		f = &results.Feature{URI: uri, Name: uri}
		if idx := c.docs[godogURI]; idx != nil {
			cp := *idx.feature
			f = &cp
		}
		c.run.Features = append(c.run.Features, f)
	}
	f.Scenarios = append(f.Scenarios, sc)
	if networkFailed {
		c.networkFailed[sc.ID] = true
	}
	c.mu.Unlock()
	c.notify(f, sc)
}

// onlyNetworkFailures reports whether every failed attempt failed because
// this machine's network changed (its error says net::ERR_NETWORK_CHANGED,
// as Runner.explain words it).
func onlyNetworkFailures(attempts []*results.Attempt) bool {
	for _, a := range attempts {
		if a.Status != results.Passed && !failure.NetworkChanged(errors.New(a.Error)) {
			return false
		}
	}
	return true
}

// networkRetryable returns the ids of the scenarios whose latest attempt
// failed because this machine's network changed under it, sorted.
func (c *collector) networkRetryable() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	ids := make([]string, 0, len(c.networkFailed))
	for id := range c.networkFailed {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func (c *collector) notify(f *results.Feature, sc *results.Scenario) {
	if c.finished != nil {
		c.finished(f, sc)
	}
}

// retryable returns the ids ("uri:line") of the scenarios worth another
// attempt: those that failed. Undefined, ambiguous and pending steps fail
// the same way every time and are not retried.
func (c *collector) retryable() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ids []string
	for _, f := range c.run.Features {
		for _, s := range f.Scenarios {
			if s.Status == results.Failed {
				ids = append(ids, s.ID)
			}
		}
	}
	return ids
}

func scenarioStatus(r *record, err error) results.Status {
	if r.skipped || (err != nil && errors.Is(err, godog.ErrSkip)) {
		return results.Skipped
	}
	worst := results.Passed
	ran := false
	for _, s := range r.sc.Steps {
		switch s.Status {
		case results.Failed:
			return results.Failed
		case results.Undefined, results.Ambiguous, results.Pending:
			worst = s.Status
		case results.Passed:
			ran = true
		}
	}
	if err != nil && worst == results.Passed {
		return results.Failed // e.g. an after-scenario hook failed
	}
	if worst != results.Passed {
		return worst
	}
	if !ran {
		return results.Skipped
	}
	return results.Passed
}

func stepStatus(s godog.StepResultStatus) results.Status {
	switch s {
	case godog.StepPassed:
		return results.Passed
	case godog.StepFailed:
		return results.Failed
	case godog.StepUndefined:
		return results.Undefined
	case godog.StepPending:
		return results.Pending
	case godog.StepAmbiguous:
		return results.Ambiguous
	default:
		return results.Skipped
	}
}

func tagNames(tags []*messages.Tag) []string {
	var out []string
	for _, t := range tags {
		out = append(out, t.Name)
	}
	return out
}

func pickleTags(tags []*messages.PickleTag) []string {
	var out []string
	for _, t := range tags {
		out = append(out, t.Name)
	}
	return out
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// slug turns a name into a folder name: "Searching by NHS number" ->
// "searching-by-nhs-number".
func slug(s string) string {
	s = strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(s) > 60 {
		s = strings.TrimRight(s[:60], "-")
	}
	if s == "" {
		s = "scenario"
	}
	return s
}

// docFormatter hands each feature's document to the collector and ignores
// everything else (the collector learns outcomes from hooks, which also work
// when scenarios run in parallel).
type docFormatter struct{ c *collector }

func (f *docFormatter) TestRunStarted() {}
func (f *docFormatter) Feature(doc *messages.GherkinDocument, uri string, _ []byte) {
	if f.c != nil {
		f.c.addDoc(uri, doc)
	}
}
func (f *docFormatter) Pickle(*godog.Scenario)                                            {}
func (f *docFormatter) Defined(*godog.Scenario, *godog.Step, *godog.StepDefinition)       {}
func (f *docFormatter) Failed(*godog.Scenario, *godog.Step, *godog.StepDefinition, error) {}
func (f *docFormatter) Passed(*godog.Scenario, *godog.Step, *godog.StepDefinition)        {}
func (f *docFormatter) Skipped(*godog.Scenario, *godog.Step, *godog.StepDefinition)       {}
func (f *docFormatter) Undefined(*godog.Scenario, *godog.Step, *godog.StepDefinition)     {}
func (f *docFormatter) Pending(*godog.Scenario, *godog.Step, *godog.StepDefinition)       {}
func (f *docFormatter) Ambiguous(*godog.Scenario, *godog.Step, *godog.StepDefinition, error) {
}
func (f *docFormatter) Summary() {}
