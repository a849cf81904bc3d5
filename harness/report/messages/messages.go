// Package messages writes a results.Run as Cucumber Messages NDJSON, the
// stream of envelopes that @cucumber/html-formatter, Allure and ReportPortal
// read: one JSON object (a messages.Envelope of
// github.com/cucumber/messages/go) per line.
//
// # Stream
//
// The envelopes come in the order a Cucumber implementation emits them:
//
//   - meta: protocol version, eprharness and its version, Go, OS and CPU
//     architecture from results.Machine;
//   - per feature: source (only with Config.FeatureRoot), gherkinDocument,
//     then one pickle per executed scenario;
//   - hook: the synthetic hooks below, when a scenario needs them;
//   - testRunStarted, then a log attachment of the run (testRunStartedId)
//     naming the target, "Target: <results.Target.Describe>", when the run
//     records one, then every testCase;
//   - per scenario, per attempt (earlier attempts first): testCaseStarted
//     (attempt 0, 1, …), testStepStarted and testStepFinished per step,
//     attachments, testCaseFinished (willBeRetried true on every attempt but
//     the last);
//   - testRunFinished.
//
// # Gherkin documents and pickles
//
// With Config.FeatureRoot set, each feature file is read from
// FeatureRoot/<feature URI>, emitted as a source envelope and parsed with
// github.com/cucumber/gherkin/go; a scenario's pickle is the one at the
// scenario's line (the example row's line for an outline row), and its steps
// must be the recorded steps, in order and with the same text: a file that
// cannot be read or parsed, or that no longer matches the run, is an error.
// Pickles of scenarios that did not run (filtered out) are left out.
//
// Without it there is no source envelope, and the gherkinDocument is
// reconstructed from the results: the feature with its tags and description,
// and one scenario per executed scenario, in line order (an outline row
// becomes a scenario of its own at the row's line), with the recorded steps. It has no comments,
// backgrounds, data tables or doc strings (the results model does not keep
// them), and scenario tags inherited from the feature are not repeated.
// Pickles are then compiled from it as from a parsed file.
//
// # Results
//
// Statuses map to Cucumber's (PASSED, FAILED, SKIPPED, UNDEFINED, PENDING,
// AMBIGUOUS). The failing step's result carries the error as message and as
// an exception whose type is the failure kind ("assertion", "timeout",
// "backend", "harness", or "unclassified"), the message starting with a line
// naming the kind so that an environment fault is not read as an EPR defect,
// preceded for a quarantined scenario by a line saying it does not gate the
// run. A scenario that failed outside its steps gets a synthetic hook step,
// before its steps when none passed and after them otherwise (hook
// "eprharness-before" or "eprharness-after", type BEFORE_TEST_CASE or
// AFTER_TEST_CASE) carrying that failure; in the scenario's other attempts
// the hook step passes in no time. There are no stepDefinition envelopes:
// the results model records where a step's definition is, not its pattern.
//
// Every attempt of a retried scenario (results.Scenario.Attempts, then the
// scenario itself) is its own testCaseStarted of one testCase, so a flaky
// scenario shows as failed, then passed, exactly as Cucumber's --retry does.
// testRunFinished's success is false when a gating scenario (every scenario
// but a quarantined one) did not pass, when a gating scenario was flaky and
// the run fails on flaky scenarios (results.Run.FailOnFlaky), and when the
// run did not test everything (results.Run.IncompleteReason): it was
// interrupted, it is unfinished (it never recorded its end, so
// testRunFinished is the harness's reconstruction, timed at the last
// recorded scenario's end), a scenario was interrupted or a planned
// scenario never ran. Its message then says so, e.g. "run X is unfinished:
// it never recorded its end; 2 of 4 planned scenarios never ran".
//
// An interrupted scenario (in flight when the run was stopped) is never
// FAILED: its steps keep their statuses and a synthetic hook step carries
// status SKIPPED with the message "Interrupted: the run was stopped while
// this scenario ran; not a failure of the EPR". The messages protocol has
// no envelope for a scenario that never ran, and no pickle can be made for
// one without its feature file, so each planned scenario that never ran
// (results.Run.NotRun) is a log attachment of the run (testRunStartedId),
// "Not run: <scenario id> <name>", after one "Incomplete: <why>" line.
//
// # Attachments
//
// Each attempt's attachments are attachment envelopes on its failing step
// (or failure hook step; else on its last step; else on the test case).
// Images are embedded as base64 when Config.OutDir is set, read from it; a
// file that cannot be read is an error naming its path. Other files (trace,
// page HTML), and images without OutDir, are referenced instead: an
// attachment with an empty body, IDENTITY encoding and url set to the path
// relative to the run's output folder, which is where the NDJSON file is
// written. The command line that reproduces a scenario that did not pass is a
// "text/x.cucumber.log+plain" attachment "Reproduce: <command>" on the same
// step of its last attempt; after it come log attachments "blocked request
// to HOST", one per host the browser was stopped from reaching during the
// scenario, one per unique patient identity it used (`patient "Jane
// Smith" was Jane Smith-k3p9, NHS number 9994021567`), and one per
// accessibility violation that failed a check, with every element
// (results.Scenario.AccessibilityLines).
//
// Each HL7 v2 or FHIR message the scenario's last attempt exchanged with
// the EPR's interfaces (results.Scenario.Messages) is a text/plain
// attachment on the test step that sent or received it (one of no step
// goes where the attachments go), after the log attachments: fileName is
// results.Message.Title ("HL7v2 sent ADT^A08 (AE)"), the body
// results.Message.Document (the message, then its answer or why there
// was none, HL7 v2 segments one per line), timestamp when it was sent or
// arrived.
//
// # Ids and times
//
// Ids are derived from the scenario ids ("features/x.feature:12") and
// positions, so the same run gives the same ids. Times come from the model
// only: a test case starts at its attempt's StartedAt, its steps follow one
// another from there, and it finishes at StartedAt + Duration (or after its
// last step if later).
//
// # Contract
//
// Write builds the whole stream before writing it, so on error nothing has
// been written. The caller owns w and closes it. Write does not modify the run
// and keeps no state: it is safe for concurrent use on distinct runs.
package messages

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	gherkin "github.com/cucumber/gherkin/go/v42"
	msg "github.com/cucumber/messages/go/v34"

	"github.com/eprharness/eprharness/harness/results"
)

// ProtocolVersion is the Cucumber Messages version the stream follows: that
// of the github.com/cucumber/messages/go module this package builds with.
const ProtocolVersion = "34.2.0"

// LogMediaType is the media type of log text attachments, the one Cucumber
// uses for a scenario's log lines.
const LogMediaType = "text/x.cucumber.log+plain"

// Synthetic hook ids; see the package documentation.
const (
	HookBefore = "eprharness-before"
	HookAfter  = "eprharness-after"
)

// Config controls the report.
type Config struct {
	// OutDir is the run's output folder, which attachment paths are relative
	// to. Images are read from it and embedded. "" means embed no files.
	OutDir string
	// FeatureRoot is the folder that feature URIs are relative to. When set,
	// each feature file is read from it and emitted as a source and a parsed
	// gherkinDocument; "" means reconstruct the documents from the results.
	FeatureRoot string
}

// Write writes run to w as Cucumber Messages NDJSON.
func Write(w io.Writer, run *results.Run, cfg Config) (err error) {
	if run == nil {
		return errors.New("messages: nil run")
	}
	b := &builder{cfg: cfg, run: run}
	defer func() {
		for _, r := range []*os.Root{b.out} {
			if r != nil {
				if cerr := r.Close(); cerr != nil && err == nil {
					err = fmt.Errorf("messages: %w", cerr)
				}
			}
		}
	}()
	envs, err := b.build()
	if err != nil {
		return fmt.Errorf("messages: %w", err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, e := range envs {
		if err := enc.Encode(e); err != nil {
			return fmt.Errorf("messages: encode: %w", err)
		}
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("messages: write: %w", err)
	}
	return nil
}

type builder struct {
	cfg Config
	run *results.Run
	out *os.Root // Config.OutDir, opened on first use
}

// planned is one scenario with its pickle and test case.
type planned struct {
	f      *results.Feature
	s      *results.Scenario
	pickle *msg.Pickle
	tc     *msg.TestCase
	// before and after are the ids of the synthetic hook steps, if any.
	before, after string
}

func (b *builder) where(f *results.Feature, s *results.Scenario) string {
	return fmt.Sprintf("scenario %q (%s:%d)", s.Name, f.URI, s.Line)
}

func (b *builder) build() ([]*msg.Envelope, error) {
	run := b.run
	envs := []*msg.Envelope{{Meta: meta(run)}}

	var plan []*planned
	seen := map[string]bool{}
	for fi, f := range run.Features {
		if f == nil {
			return nil, fmt.Errorf("feature %d is nil", fi)
		}
		for si, s := range f.Scenarios {
			if s == nil {
				return nil, fmt.Errorf("%s: scenario %d is nil", f.URI, si)
			}
			if err := checkScenario(s); err != nil {
				return nil, fmt.Errorf("%s: %w", b.where(f, s), err)
			}
			id := scenarioID(f, s)
			if seen[id] {
				return nil, fmt.Errorf("%s: scenario id %q is not unique", f.URI, id)
			}
			seen[id] = true
		}
		fenvs, fplan, err := b.feature(f)
		if err != nil {
			return nil, err
		}
		envs = append(envs, fenvs...)
		plan = append(plan, fplan...)
	}

	runID := "run"
	if run.ID != "" {
		runID = run.ID
	}
	var needBefore, needAfter bool
	for _, p := range plan {
		b.testCase(p, runID)
		needBefore = needBefore || p.before != ""
		needAfter = needAfter || p.after != ""
	}
	if needBefore {
		envs = append(envs, &msg.Envelope{Hook: &msg.Hook{
			Id: HookBefore, Name: "eprharness scenario setup", Type: msg.HookType_BEFORE_TEST_CASE,
			SourceReference: &msg.SourceReference{Uri: "harness/runner"},
		}})
	}
	if needAfter {
		envs = append(envs, &msg.Envelope{Hook: &msg.Hook{
			Id: HookAfter, Name: "eprharness scenario teardown", Type: msg.HookType_AFTER_TEST_CASE,
			SourceReference: &msg.SourceReference{Uri: "harness/runner"},
		}})
	}

	envs = append(envs, &msg.Envelope{TestRunStarted: &msg.TestRunStarted{Id: runID, Timestamp: stamp(run.StartedAt)}})
	if t := run.Target; t.Backend != "" || t.BaseURL != "" || t.Adapter != "" || t.Compose != "" {
		envs = append(envs, &msg.Envelope{Attachment: &msg.Attachment{
			Body: "Target: " + t.Describe(), ContentEncoding: msg.AttachmentContentEncoding_IDENTITY,
			MediaType: LogMediaType, TestRunStartedId: runID, Timestamp: stamp(run.StartedAt),
		}})
	}
	if notRun := run.NotRun(); len(notRun) > 0 || run.Incomplete() {
		lines := []string{"Incomplete: " + run.IncompleteReason()}
		for _, p := range notRun {
			lines = append(lines, strings.TrimSpace("Not run: "+p.ID+" "+p.Name))
		}
		for _, line := range lines {
			envs = append(envs, &msg.Envelope{Attachment: &msg.Attachment{
				Body: line, ContentEncoding: msg.AttachmentContentEncoding_IDENTITY,
				MediaType: LogMediaType, TestRunStartedId: runID, Timestamp: stamp(run.StartedAt),
			}})
		}
	}
	for _, p := range plan {
		envs = append(envs, &msg.Envelope{TestCase: p.tc})
	}
	end := run.StartedAt
	for _, p := range plan {
		penvs, pend, err := b.execution(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.where(p.f, p.s), err)
		}
		envs = append(envs, penvs...)
		if pend.After(end) {
			end = pend
		}
	}
	if run.FinishedAt.After(run.StartedAt) || run.StartedAt.IsZero() && !run.FinishedAt.IsZero() {
		end = run.FinishedAt
	}
	success, message := outcome(run)
	envs = append(envs, &msg.Envelope{TestRunFinished: &msg.TestRunFinished{
		Success: success, Message: message, Timestamp: stamp(end), TestRunStartedId: runID,
	}})
	return envs, nil
}

func meta(run *results.Run) *msg.Meta {
	m := run.Machine
	return &msg.Meta{
		ProtocolVersion: ProtocolVersion,
		Implementation:  &msg.Product{Name: "eprharness", Version: m.Harness},
		Runtime:         &msg.Product{Name: "go", Version: strings.TrimPrefix(m.Go, "go")},
		Os:              &msg.Product{Name: m.OS},
		Cpu:             &msg.Product{Name: m.Arch},
	}
}

// outcome is testRunFinished's success and message; see the package
// documentation.
func outcome(run *results.Run) (bool, string) {
	var failed, flaky int
	for _, s := range run.Failures() {
		if s.Gates() {
			failed++
		}
	}
	if run.FailOnFlaky {
		for _, s := range run.Flaky() {
			if s.Gates() {
				flaky++
			}
		}
	}
	var why []string
	if failed > 0 {
		why = append(why, plural(failed, "scenario")+" did not pass")
	}
	if flaky > 0 {
		why = append(why, plural(flaky, "scenario")+" flaky (the run fails on flaky scenarios)")
	}
	if incomplete := run.IncompleteReason(); incomplete != "" {
		why = append(why, incomplete)
	}
	return len(why) == 0, strings.Join(why, "; ")
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

func checkScenario(s *results.Scenario) error {
	switch s.Status {
	case results.Passed, results.Flaky, results.Failed, results.Skipped, results.Undefined, results.Pending, results.Ambiguous,
		results.Interrupted:
	default:
		return fmt.Errorf("unknown status %q", s.Status)
	}
	check := func(what string, steps []*results.Step) error {
		for i, st := range steps {
			if st == nil {
				return fmt.Errorf("%sstep %d is nil", what, i+1)
			}
			if _, ok := statuses[st.Status]; !ok {
				return fmt.Errorf("%sstep at line %d: unknown status %q", what, st.Line, st.Status)
			}
		}
		return nil
	}
	if err := check("", s.Steps); err != nil {
		return err
	}
	for i, at := range s.Attempts {
		if at == nil {
			return fmt.Errorf("attempt %d is nil", i+1)
		}
		if _, ok := statuses[at.Status]; !ok || at.Status == results.Passed {
			return fmt.Errorf("attempt %d: unknown or passed status %q (earlier attempts failed)", i+1, at.Status)
		}
		if err := check(fmt.Sprintf("attempt %d: ", i+1), at.Steps); err != nil {
			return err
		}
		if len(at.Steps) > len(s.Steps) {
			return fmt.Errorf("attempt %d has %d steps, the scenario %d", i+1, len(at.Steps), len(s.Steps))
		}
	}
	return nil
}

var statuses = map[results.Status]msg.TestStepResultStatus{
	results.Passed:    msg.TestStepResultStatus_PASSED,
	results.Failed:    msg.TestStepResultStatus_FAILED,
	results.Skipped:   msg.TestStepResultStatus_SKIPPED,
	results.Undefined: msg.TestStepResultStatus_UNDEFINED,
	results.Pending:   msg.TestStepResultStatus_PENDING,
	results.Ambiguous: msg.TestStepResultStatus_AMBIGUOUS,
}

// scenarioID is the scenario's stable id, the base of every id derived from
// it.
func scenarioID(f *results.Feature, s *results.Scenario) string {
	if s.ID != "" {
		return s.ID
	}
	return fmt.Sprintf("%s:%d", f.URI, s.Line)
}

// feature returns the source, gherkinDocument and pickle envelopes of f and
// the plan of its scenarios.
func (b *builder) feature(f *results.Feature) ([]*msg.Envelope, []*planned, error) {
	n := 0
	newID := func() string {
		n++
		return f.URI + "#" + strconv.Itoa(n)
	}
	var envs []*msg.Envelope
	var doc *msg.GherkinDocument
	if b.cfg.FeatureRoot != "" {
		data, err := b.readSource(f.URI)
		if err != nil {
			return nil, nil, err
		}
		envs = append(envs, &msg.Envelope{Source: &msg.Source{
			Uri: f.URI, Data: string(data), MediaType: msg.SourceMediaType_TEXT_X_CUCUMBER_GHERKIN_PLAIN,
		}})
		doc, err = gherkin.ParseGherkinDocument(bytes.NewReader(data), newID)
		if err != nil {
			return nil, nil, fmt.Errorf("parse %s: %w", f.URI, err)
		}
		doc.Uri = f.URI
	} else {
		doc = reconstruct(f, newID)
	}
	envs = append(envs, &msg.Envelope{GherkinDocument: doc})

	pickles := gherkin.Pickles(*doc, f.URI, newID)
	byLine := map[int64]*msg.Pickle{}
	for _, p := range pickles {
		if p.Location != nil {
			byLine[p.Location.Line] = p
		}
	}
	var plan []*planned
	for _, s := range f.Scenarios {
		p, ok := byLine[int64(s.Line)]
		if !ok {
			return nil, nil, fmt.Errorf("%s: no scenario or example row at line %d of the feature file", b.where(f, s), s.Line)
		}
		if len(p.Steps) != len(s.Steps) {
			return nil, nil, fmt.Errorf("%s: the feature file has %d steps, the run %d", b.where(f, s), len(p.Steps), len(s.Steps))
		}
		for i, ps := range p.Steps {
			if ps.Text != s.Steps[i].Text {
				return nil, nil, fmt.Errorf("%s: step %d is %q in the feature file, %q in the run", b.where(f, s), i+1, ps.Text, s.Steps[i].Text)
			}
		}
		// Ids that say what they are, stable across runs.
		sid := scenarioID(f, s)
		p.Id = "pickle:" + sid
		for i, ps := range p.Steps {
			ps.Id = fmt.Sprintf("pickle:%s:step:%d", sid, i+1)
		}
		envs = append(envs, &msg.Envelope{Pickle: p})
		plan = append(plan, &planned{f: f, s: s, pickle: p})
	}
	return envs, plan, nil
}

func (b *builder) readSource(uri string) ([]byte, error) {
	// Feature URIs are the paths the run was given (relative to the run's
	// working directory, or absolute), not untrusted input: they may lead
	// outside FeatureRoot ("../shared/x.feature").
	full := filepath.FromSlash(uri)
	if !filepath.IsAbs(full) {
		full = filepath.Join(b.cfg.FeatureRoot, full)
	}
	data, err := os.ReadFile(full)
	if err != nil {
		return nil, fmt.Errorf("feature %s: %w", full, err)
	}
	return data, nil
}

// reconstruct builds a gherkinDocument from the results; see the package
// documentation.
func reconstruct(f *results.Feature, newID func() string) *msg.GherkinDocument {
	tags := func(names []string, line int, skip []string) []*msg.Tag {
		out := []*msg.Tag{}
		for _, t := range names {
			if !strings.HasPrefix(t, "@") {
				t = "@" + t
			}
			if slices.Contains(skip, t) {
				continue
			}
			out = append(out, &msg.Tag{Location: &msg.Location{Line: int64(max(line-1, 1))}, Name: t, Id: newID()})
		}
		return out
	}
	featureTags := tags(f.Tags, f.Line, nil)
	var inherited []string
	for _, t := range featureTags {
		inherited = append(inherited, t.Name)
	}
	feature := &msg.Feature{
		Location:    &msg.Location{Line: int64(f.Line), Column: 1},
		Tags:        featureTags,
		Language:    "en",
		Keyword:     "Feature",
		Name:        f.Name,
		Description: f.Description,
		Children:    []*msg.FeatureChild{},
	}
	// A document lists its scenarios in file order, whatever order they ran.
	scenarios := slices.Clone(f.Scenarios)
	slices.SortStableFunc(scenarios, func(a, b *results.Scenario) int { return a.Line - b.Line })
	for _, s := range scenarios {
		keyword := strings.TrimSpace(s.Keyword)
		if keyword == "" {
			keyword = "Scenario"
		}
		sc := &msg.Scenario{
			Location: &msg.Location{Line: int64(s.Line), Column: 3},
			Tags:     tags(s.Tags, s.Line, inherited),
			Keyword:  keyword,
			Name:     s.Name,
			Steps:    []*msg.Step{},
			Examples: []*msg.Examples{},
		}
		for _, st := range s.Steps {
			kw := st.Keyword
			if strings.TrimSpace(kw) == "" {
				kw = "* "
			}
			sc.Steps = append(sc.Steps, &msg.Step{
				Location:    &msg.Location{Line: int64(st.Line), Column: 5},
				Keyword:     kw,
				KeywordType: keywordType(kw),
				Text:        st.Text,
				Id:          newID(),
			})
		}
		sc.Id = newID()
		feature.Children = append(feature.Children, &msg.FeatureChild{Scenario: sc})
	}
	return &msg.GherkinDocument{Uri: f.URI, Feature: feature, Comments: []*msg.Comment{}}
}

// keywordType classifies an English step keyword.
func keywordType(kw string) msg.StepKeywordType {
	switch strings.TrimSpace(kw) {
	case "Given":
		return msg.StepKeywordType_CONTEXT
	case "When":
		return msg.StepKeywordType_ACTION
	case "Then":
		return msg.StepKeywordType_OUTCOME
	case "And", "But", "*":
		return msg.StepKeywordType_CONJUNCTION
	}
	return msg.StepKeywordType_UNKNOWN
}

// failedOutsideSteps reports whether an attempt with this status and these
// steps failed without a failing step, and whether any step passed.
func failedOutsideSteps(status results.Status, steps []*results.Step) (outside, anyPassed bool) {
	for _, st := range steps {
		switch st.Status {
		case results.Failed, results.Undefined, results.Ambiguous, results.Pending:
			return false, false
		case results.Passed:
			anyPassed = true
		}
	}
	return status != results.Passed && status != results.Skipped && status != results.Flaky, anyPassed
}

// testCase fills p.tc, with the synthetic hook steps the scenario's
// attempts need.
func (b *builder) testCase(p *planned, runID string) {
	sid := scenarioID(p.f, p.s)
	attempts := append(slices.Clone(p.s.Attempts), nil) // nil: the last attempt
	for _, at := range attempts {
		status, steps := p.s.Status, p.s.Steps
		if at != nil {
			status, steps = at.Status, at.Steps
		}
		if outside, anyPassed := failedOutsideSteps(status, steps); outside {
			if anyPassed {
				p.after = "testcase:" + sid + ":after"
			} else {
				p.before = "testcase:" + sid + ":before"
			}
		}
	}
	tc := &msg.TestCase{Id: "testcase:" + sid, PickleId: p.pickle.Id, TestRunStartedId: runID}
	if p.before != "" {
		tc.TestSteps = append(tc.TestSteps, &msg.TestStep{Id: p.before, HookId: HookBefore})
	}
	for i, ps := range p.pickle.Steps {
		tc.TestSteps = append(tc.TestSteps, &msg.TestStep{
			Id:           fmt.Sprintf("testcase:%s:step:%d", sid, i+1),
			PickleStepId: ps.Id,
		})
	}
	if p.after != "" {
		tc.TestSteps = append(tc.TestSteps, &msg.TestStep{Id: p.after, HookId: HookAfter})
	}
	p.tc = tc
}

// execution returns the envelopes of every attempt of p's scenario and when
// the last one finished.
func (b *builder) execution(p *planned) ([]*msg.Envelope, time.Time, error) {
	s := p.s
	sid := scenarioID(p.f, s)
	var envs []*msg.Envelope
	var end time.Time
	n := len(s.Attempts) + 1
	for i := range n {
		a := attempt{status: s.Status, kind: s.FailureKind, err: s.Error, start: s.StartedAt,
			duration: s.Duration, steps: s.Steps, attachments: s.Attachments, last: true}
		if i < len(s.Attempts) {
			at := s.Attempts[i]
			a = attempt{status: at.Status, kind: at.FailureKind, err: at.Error, start: at.StartedAt,
				duration: at.Duration, steps: at.Steps, attachments: at.Attachments}
		}
		started := fmt.Sprintf("started:%s:%d", sid, i)
		envs = append(envs, &msg.Envelope{TestCaseStarted: &msg.TestCaseStarted{
			Attempt: int64(i), Id: started, TestCaseId: p.tc.Id, Timestamp: stamp(a.start),
		}})
		aenvs, aend, err := b.attempt(p, a, started)
		if err != nil {
			if !a.last {
				err = fmt.Errorf("attempt %d: %w", i+1, err)
			}
			return nil, end, err
		}
		envs = append(envs, aenvs...)
		envs = append(envs, &msg.Envelope{TestCaseFinished: &msg.TestCaseFinished{
			TestCaseStartedId: started, Timestamp: stamp(aend), WillBeRetried: !a.last,
		}})
		end = aend
	}
	return envs, end, nil
}

// attempt is one attempt of a scenario: an earlier one or the last.
type attempt struct {
	status      results.Status
	kind        results.FailureKind
	err         string
	start       time.Time
	duration    time.Duration
	steps       []*results.Step
	attachments []results.Attachment
	last        bool
}

// attempt returns the step and attachment envelopes of attempt a and when
// it finished.
func (b *builder) attempt(p *planned, a attempt, started string) ([]*msg.Envelope, time.Time, error) {
	s := p.s
	var envs []*msg.Envelope
	at := a.start
	var attachTo string // test step the attachments go on
	var lastStep string
	stepIDs := map[int]string{} // index in a.steps -> test step id
	failed := (&results.Scenario{Steps: a.steps}).FailedStep()

	emit := func(stepID string, d time.Duration, res *msg.TestStepResult) {
		if d < 0 {
			d = 0
		}
		dur := msg.GoDurationToDuration(d)
		res.Duration = &dur
		envs = append(envs,
			&msg.Envelope{TestStepStarted: &msg.TestStepStarted{TestCaseStartedId: started, TestStepId: stepID, Timestamp: stamp(at)}},
		)
		at = at.Add(d)
		envs = append(envs,
			&msg.Envelope{TestStepFinished: &msg.TestStepFinished{TestCaseStartedId: started, TestStepId: stepID, TestStepResult: res, Timestamp: stamp(at)}},
		)
		lastStep = stepID
	}
	failure := func(errText string) *msg.TestStepResult {
		if a.status == results.Interrupted {
			m := "Interrupted: the run was stopped while this scenario ran; not a failure of the EPR"
			if e := stripANSI(strings.TrimRight(errText, "\n")); e != "" {
				m += "\n" + e
			}
			return &msg.TestStepResult{Status: msg.TestStepResultStatus_SKIPPED, Message: m}
		}
		res := &msg.TestStepResult{Status: statusOf(a.status)}
		text := stripANSI(strings.TrimRight(errText, "\n"))
		if text == "" {
			text = "(no error message recorded)"
		}
		typ := string(a.kind)
		if typ == "" {
			typ = "unclassified"
		}
		res.Message = failureMessage(s, a.kind, text)
		res.Exception = &msg.Exception{Type: typ, Message: firstLine(text), StackTrace: text}
		return res
	}
	hook := func(id string, fails bool) {
		if id == "" {
			return
		}
		if fails {
			res := failure(a.err)
			emit(id, 0, res)
			attachTo = id
			return
		}
		emit(id, 0, &msg.TestStepResult{Status: msg.TestStepResultStatus_PASSED})
	}

	// The synthetic hook step that carries a failure outside the steps.
	failHook := ""
	if outside, passed := failedOutsideSteps(a.status, a.steps); outside {
		failHook = p.before
		if passed {
			failHook = p.after
		}
	}
	hook(p.before, failHook == p.before)
	stepIdx := 0
	for _, ts := range p.tc.TestSteps {
		if ts.PickleStepId == "" {
			continue
		}
		if stepIdx >= len(a.steps) {
			// An earlier attempt that recorded fewer steps: the rest did
			// not run.
			emit(ts.Id, 0, &msg.TestStepResult{Status: msg.TestStepResultStatus_SKIPPED})
			stepIdx++
			continue
		}
		st := a.steps[stepIdx]
		stepIDs[stepIdx] = ts.Id
		stepIdx++
		var res *msg.TestStepResult
		if st == failed {
			e := st.Error
			if e == "" {
				e = a.err
			}
			res = failure(e)
			res.Status = statusOf(st.Status)
			attachTo = ts.Id
		} else {
			res = &msg.TestStepResult{Status: statusOf(st.Status)}
			if st.Error != "" {
				res.Message = stripANSI(st.Error)
			}
		}
		emit(ts.Id, st.Duration, res)
	}
	hook(p.after, failHook == p.after)

	if attachTo == "" {
		attachTo = lastStep
	}
	for _, att := range a.attachments {
		e, err := b.attachment(att, started, attachTo, a.start)
		if err != nil {
			return nil, at, err
		}
		envs = append(envs, e)
	}
	if a.last && s.Repro != "" && s.Status != results.Passed && s.Status != results.Skipped {
		envs = append(envs, &msg.Envelope{Attachment: &msg.Attachment{
			Body: "Reproduce: " + s.Repro, ContentEncoding: msg.AttachmentContentEncoding_IDENTITY,
			MediaType: LogMediaType, TestCaseStartedId: started, TestStepId: attachTo,
		}})
	}
	if a.last {
		var lines []string
		for _, h := range s.Blocked {
			lines = append(lines, results.BlockedLine(h))
		}
		for _, id := range s.Identities {
			lines = append(lines, id.String())
		}
		lines = append(lines, s.AccessibilityLines()...)
		for _, line := range lines {
			envs = append(envs, &msg.Envelope{Attachment: &msg.Attachment{
				Body: line, ContentEncoding: msg.AttachmentContentEncoding_IDENTITY,
				MediaType: LogMediaType, TestCaseStartedId: started, TestStepId: attachTo,
			}})
		}
		for _, m := range s.Messages {
			to, ok := stepIDs[m.Step]
			if !ok {
				to = attachTo
			}
			att := &msg.Attachment{
				Body: m.Document(), ContentEncoding: msg.AttachmentContentEncoding_IDENTITY, MediaType: "text/plain",
				FileName: m.Title(), TestCaseStartedId: started, TestStepId: to,
			}
			if !m.At.IsZero() {
				att.Timestamp = stamp(m.At)
			}
			envs = append(envs, &msg.Envelope{Attachment: att})
		}
	}
	end := a.start.Add(max(a.duration, 0))
	if at.After(end) {
		end = at
	}
	return envs, end, nil
}

func statusOf(s results.Status) msg.TestStepResultStatus {
	if st, ok := statuses[s]; ok {
		return st
	}
	if s == results.Flaky {
		return msg.TestStepResultStatus_PASSED
	}
	return msg.TestStepResultStatus_UNKNOWN
}

// attachment returns the attachment envelope of a, on test step stepID (or
// the test case when "") of test case started.
func (b *builder) attachment(a results.Attachment, started, stepID string, at time.Time) (*msg.Envelope, error) {
	out := &msg.Attachment{
		MediaType:         a.MediaType,
		FileName:          path.Base(a.Path),
		TestCaseStartedId: started,
		TestStepId:        stepID,
		ContentEncoding:   msg.AttachmentContentEncoding_IDENTITY,
	}
	if out.MediaType == "" {
		out.MediaType = "application/octet-stream"
	}
	if b.cfg.OutDir == "" || !strings.HasPrefix(a.MediaType, "image/") {
		out.Url = a.Path
		return &msg.Envelope{Attachment: out}, nil
	}
	full := filepath.Join(b.cfg.OutDir, filepath.FromSlash(a.Path))
	if b.out == nil {
		root, err := os.OpenRoot(b.cfg.OutDir)
		if err != nil {
			return nil, fmt.Errorf("attachment %s: output folder: %w", full, err)
		}
		b.out = root
	}
	// os.Root refuses paths that leave OutDir (absolute, "..", symlinks out).
	data, err := b.out.ReadFile(filepath.FromSlash(a.Path))
	if err != nil {
		return nil, fmt.Errorf("attachment %s: %w", full, err)
	}
	out.Body = base64.StdEncoding.EncodeToString(data)
	out.ContentEncoding = msg.AttachmentContentEncoding_BASE64
	return &msg.Envelope{Attachment: out}, nil
}

// kindHelp explains each failure kind in the failing step's message.
var kindHelp = map[results.FailureKind]string{
	results.KindAssertion: "the EPR did not show or do what the scenario expected",
	results.KindTimeout:   "the EPR did not answer or render within the time allowed",
	results.KindBackend:   "the test backend failed; the EPR's behaviour was not tested",
	results.KindHarness:   "the harness itself failed; the EPR's behaviour was not tested",
}

// failureMessage is text preceded by the failure kind and, for a
// quarantined scenario, a line saying that it does not gate the run.
func failureMessage(s *results.Scenario, kind results.FailureKind, text string) string {
	if kind != results.KindNone {
		line := "Failure kind: " + string(kind)
		if h, ok := kindHelp[kind]; ok {
			line += " (" + h + ")"
		}
		text = line + "\n" + text
	}
	if s.Quarantined {
		text = "Quarantined (" + results.QuarantineTag + "): this failure does not gate the run\n" + text
	}
	return text
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimLeft(s, "\r\n"), "\n")
	return strings.TrimSpace(line)
}

// stamp converts t; the zero time becomes the Unix epoch.
func stamp(t time.Time) *msg.Timestamp {
	if t.IsZero() {
		return &msg.Timestamp{}
	}
	ts := msg.GoTimeToTimestamp(t)
	return &ts
}

var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]`)

func stripANSI(s string) string {
	if strings.IndexByte(s, 0x1b) < 0 {
		return s
	}
	return ansi.ReplaceAllString(s, "")
}
