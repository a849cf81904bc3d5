// Package junit writes a results.Run as JUnit XML, the test report format
// that Jenkins, GitLab and Azure DevOps ingest, with Maven Surefire's
// extensions for reruns.
//
// # Layout
//
// The document has one <testsuites> root (name from Config.SuiteName) with the
// run's totals; one <testsuite> per feature, named after the feature, carrying
// the run's identity in <properties>; and one <testcase> per executed
// scenario: name = scenario name, classname = feature name, file = feature
// URI, line = scenario line, time = the last attempt's duration. When several
// scenarios of a feature share a name (rows of a scenario outline), each gets
// " (line N)" appended so that CI servers, which key test history by
// classname and name, keep them apart.
//
// The properties say exactly what was tested and where, in this order, each
// only when known: run.id, commit, target.backend, target.base_url, browser,
// target (the target in one line: results.Target.Describe),
// target.version, target.adapter, target.screen_map, target.compose (the
// Compose project), target.service.<name> (each Compose service's image,
// sorted by name), target.image.<role> and target.digest.<role or service>
// (sorted), target.defects (comma-separated: the reference EPR's active
// release-candidate defects), run.tags, run.retries, run.fail_on_flaky,
// run.interrupted, run.unfinished, run.planned, run.not_run, machine.hostname, machine.os, machine.arch, machine.cpus,
// harness.version, harness.go; then feature.uri and feature.tags.
//
// # Outcomes
//
// The failure kind decides the element, so a fault of the environment is never
// reported as a defect of the EPR:
//
//   - failed with kind assertion or timeout: <failure type="assertion|timeout">
//   - failed with kind backend or harness: <error type="backend|harness">
//   - failed with no kind: <error type="unclassified"> (the collector did not
//     say why, so it is not blamed on the EPR)
//   - undefined, pending or ambiguous: <error>, type from the kind, else
//     "harness"
//   - skipped: <skipped/>
//   - interrupted (in flight when the run was stopped): <error
//     type="interrupted" message="interrupted: …">. Never a <failure>:
//     nothing is known of the EPR's behaviour, so it is not blamed on it.
//
// # Unfinished and interrupted runs
//
// A run that planned its scenarios (results.Run.Planned) reports every
// planned scenario: tests counts the plan, not just what ran. A planned
// scenario with no result (results.Run.NotRun: the run was killed or
// interrupted before it started it) is a <testcase> with <error
// type="not-run" message="not run: …"> saying why (the run was killed, or
// interrupted, before it started the scenario), in its feature's
// <testsuite> (one named after the feature's URI when none of its
// scenarios ran). It is an error, not <skipped>: Jenkins marks a build
// with errors unstable and GitLab counts them as failed tests, while both
// show skipped tests as harmless, and a killed run must never look green
// in CI. The run's properties then also carry run.unfinished (true when
// the run never recorded its end), run.planned and run.not_run.
//
// The message attribute names the failing step and its location, for
// example: Step "Then the banner shows "999 000 0018"" (features/x.feature:15)
// failed: <first line of the error>. The element's text holds the failing
// step with its definition, the failure kind, the full error, every step with
// its status, the hazards the scenario traces to, the attachments and the
// command line that reproduces the scenario locally ("Reproduce: …"). A
// scenario that failed outside its steps (in a hook) is reported as such,
// with the scenario's error.
//
// # Retries
//
// Retried scenarios use Maven Surefire's rerun format
// (rerunFailingTestsCount), which Jenkins and GitLab read and which readers
// that do not know it ignore:
//
//   - flaky (failed, then passed on a retry): a passing <testcase> with one
//     <flakyFailure> (assertion, timeout) or <flakyError> (any other kind) per
//     failed attempt, oldest first, each with message and type as above, a
//     <stackTrace> holding the attempt's failure text and a <system-out>
//     with its [[ATTACHMENT|path]] lines. It counts as passed: the exit code,
//     not the report, fails the run under --fail-on-flaky.
//   - failed on every attempt: <failure> or <error> for the last attempt,
//     then one <rerunFailure> or <rerunError> per earlier attempt, oldest
//     first. (Surefire puts the first run in <failure> and the reruns after
//     it; here <failure> is the last attempt, whose evidence the scenario
//     holds, and the element order follows Surefire's XSD.)
//
// # Quarantine
//
// A quarantined scenario (@quarantine) that did not pass is reported as
// <skipped message="quarantined: <message>"> and counted as skipped, with
// the whole failure text (and every attempt's) in <system-out>. Jenkins marks
// a build unstable and GitLab a pipeline's tests failed on any <failure> or
// <error>, so reporting the failure as one would let a quarantined scenario
// gate CI, which quarantine exists to prevent; skipped keeps it visible
// without gating. A quarantined scenario that passed or was flaky is reported
// like any other.
//
// # Blocked hosts and identities
//
// A test case's <system-out> starts with one line "blocked request to HOST"
// per host the browser was stopped from reaching during the scenario, then
// one line per unique patient identity the scenario used,
// `patient "Jane Smith" was Jane Smith-k3p9, NHS number 9994021567`.
//
// A test case of a scenario that did not pass then lists the HL7 v2 and
// FHIR messages the scenario exchanged with the EPR's interfaces, one
// line each (results.Message.Line and the line of the step that sent or
// received it: "HL7v2 sent ADT^A08 (AE), control id MSG00001 (step at
// line 8)"); the messages themselves are in the other reports.
//
// # Attachments
//
// A test case with attachments gets a <system-out> holding one
// [[ATTACHMENT|path]] line per file, the last attempt's and then the earlier
// attempts', images first because GitLab shows only the first one (for a flaky
// scenario that is the failed attempt's screenshot). This is the convention of
// the Jenkins JUnit Attachments plugin and of GitLab's test report. Both
// resolve the path against the workspace / project folder, while
// results.Attachment paths are relative to the run's output folder: set
// Config.AttachmentBase to that folder (relative to the workspace, or
// absolute) to make the links resolve.
//
// # Formatting
//
// Times are seconds with three decimals. Timestamps are UTC, RFC 3339 to the
// second ("2026-06-01T09:00:00Z"). The <testsuites> time is the run's wall
// time when known, else the sum of the features' times. Escaping is done by
// encoding/xml; multi-line text goes in CDATA sections; ANSI colour codes are
// removed and characters XML 1.0 cannot carry are replaced by U+FFFD. The
// output depends only on the run and the config (no clock, no map order), so
// the same run always gives the same bytes.
//
// # Contract
//
// Write builds the whole document before writing it, so on error nothing has
// been written. The caller owns w and closes it. Write does not modify the run
// and keeps no state: it is safe for concurrent use on distinct runs.
package junit

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/eprharness/eprharness/harness/results"
)

// DefaultSuiteName is the <testsuites> name used when Config.SuiteName is
// empty.
const DefaultSuiteName = "eprharness"

// Config controls the report.
type Config struct {
	// SuiteName names the <testsuites> root; "" means DefaultSuiteName.
	SuiteName string
	// AttachmentBase is put in front of every attachment path in the report,
	// for example the run's output folder relative to the CI workspace
	// ("reports/run-42") or as an absolute path. "" leaves the paths as
	// recorded, relative to the run's output folder.
	AttachmentBase string
}

// Write writes run to w as a JUnit XML document.
func Write(w io.Writer, run *results.Run, cfg Config) error {
	if run == nil {
		return errors.New("junit: nil run")
	}
	doc, err := build(run, cfg)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("junit: encode: %w", err)
	}
	buf.WriteByte('\n')
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("junit: write: %w", err)
	}
	return nil
}

type testSuites struct {
	XMLName   xml.Name    `xml:"testsuites"`
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr,omitempty"`
	Suites    []testSuite `xml:"testsuite"`
}

type testSuite struct {
	uri        string     // the feature's URI, not written
	Name       string     `xml:"name,attr"`
	Tests      int        `xml:"tests,attr"`
	Failures   int        `xml:"failures,attr"`
	Errors     int        `xml:"errors,attr"`
	Skipped    int        `xml:"skipped,attr"`
	Time       string     `xml:"time,attr"`
	Timestamp  string     `xml:"timestamp,attr,omitempty"`
	Properties []property `xml:"properties>property"`
	Cases      []testCase `xml:"testcase"`
}

type property struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// testCase's fields are in the order of Surefire's XSD sequence.
type testCase struct {
	Name          string   `xml:"name,attr"`
	Classname     string   `xml:"classname,attr"`
	File          string   `xml:"file,attr,omitempty"`
	Line          int      `xml:"line,attr,omitempty"`
	Time          string   `xml:"time,attr"`
	Failure       *problem `xml:"failure,omitempty"`
	RerunFailures []rerun  `xml:"rerunFailure"`
	FlakyFailures []rerun  `xml:"flakyFailure"`
	Skipped       *skipped `xml:"skipped,omitempty"`
	Error         *problem `xml:"error,omitempty"`
	RerunErrors   []rerun  `xml:"rerunError"`
	FlakyErrors   []rerun  `xml:"flakyError"`
	SystemOut     *cdata   `xml:"system-out,omitempty"`
}

// rerun is one earlier attempt, in Surefire's rerun format.
type rerun struct {
	Message    string `xml:"message,attr"`
	Type       string `xml:"type,attr"`
	StackTrace cdata  `xml:"stackTrace"`
	SystemOut  *cdata `xml:"system-out,omitempty"`
}

type problem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",cdata"`
}

type skipped struct {
	Message string `xml:"message,attr,omitempty"`
}

type cdata struct {
	Text string `xml:",cdata"`
}

// outcome is how a scenario is reported.
type outcome int

const (
	outPassed outcome = iota
	outFailure
	outError
	outSkipped
)

func build(run *results.Run, cfg Config) (*testSuites, error) {
	name := cfg.SuiteName
	if name == "" {
		name = DefaultSuiteName
	}
	doc := &testSuites{Name: clean(name)}
	runProps := runProperties(run)
	// Planned scenarios that never ran, by feature URI, in plan order.
	notRun := map[string][]results.PlannedScenario{}
	var notRunURIs []string
	for _, p := range run.NotRun() {
		if _, ok := notRun[p.Feature]; !ok {
			notRunURIs = append(notRunURIs, p.Feature)
		}
		notRun[p.Feature] = append(notRun[p.Feature], p)
	}
	addNotRun := func(suite *testSuite, className string, taken map[string]bool) {
		for _, p := range notRun[suite.uri] {
			n := p.Name
			if n == "" {
				n = p.ID
			}
			if taken[n] {
				n = fmt.Sprintf("%s (%s)", n, p.ID)
			}
			for k := 2; taken[n]; k++ {
				n = fmt.Sprintf("%s (%s #%d)", p.Name, p.ID, k)
			}
			taken[n] = true
			tc := notRunCase(run, p, clean(n))
			tc.Classname = className
			suite.Cases = append(suite.Cases, tc)
			suite.Tests++
			suite.Errors++
		}
		delete(notRun, suite.uri)
	}

	var sum time.Duration
	var first time.Time
	for fi, f := range run.Features {
		if f == nil {
			return nil, fmt.Errorf("junit: feature %d is nil", fi)
		}
		suite := testSuite{
			uri:        f.URI,
			Name:       clean(f.Name),
			Time:       seconds(f.Duration()),
			Properties: append(slices.Clone(runProps), featureProperties(f)...),
			Cases:      []testCase{},
		}
		names := caseNames(f)
		taken := map[string]bool{}
		var fstart time.Time
		for si, s := range f.Scenarios {
			if s == nil {
				return nil, fmt.Errorf("junit: %s: scenario %d is nil", f.URI, si)
			}
			tc, out, err := buildCase(f, s, names[si], cfg)
			if err != nil {
				return nil, err
			}
			suite.Tests++
			switch out {
			case outFailure:
				suite.Failures++
			case outError:
				suite.Errors++
			case outSkipped:
				suite.Skipped++
			}
			suite.Cases = append(suite.Cases, tc)
			taken[names[si]] = true
			for _, at := range scenarioStarts(s) {
				if !at.IsZero() && (fstart.IsZero() || at.Before(fstart)) {
					fstart = at
				}
			}
		}
		addNotRun(&suite, clean(f.Name), taken)
		if fstart.IsZero() {
			fstart = run.StartedAt
		}
		suite.Timestamp = timestamp(fstart)
		if !fstart.IsZero() && (first.IsZero() || fstart.Before(first)) {
			first = fstart
		}
		sum += f.Duration()

		doc.Tests += suite.Tests
		doc.Failures += suite.Failures
		doc.Errors += suite.Errors
		doc.Skipped += suite.Skipped
		doc.Suites = append(doc.Suites, suite)
	}

	// Features none of whose planned scenarios ran.
	for _, uri := range notRunURIs {
		if _, ok := notRun[uri]; !ok {
			continue
		}
		suite := testSuite{
			uri:        uri,
			Name:       clean(uri),
			Time:       seconds(0),
			Timestamp:  timestamp(run.StartedAt),
			Properties: append(slices.Clone(runProps), property{"feature.uri", clean(uri)}),
			Cases:      []testCase{},
		}
		addNotRun(&suite, clean(uri), map[string]bool{})
		doc.Tests += suite.Tests
		doc.Errors += suite.Errors
		doc.Suites = append(doc.Suites, suite)
	}

	total := sum
	if !run.StartedAt.IsZero() && run.FinishedAt.After(run.StartedAt) {
		total = run.FinishedAt.Sub(run.StartedAt)
	}
	doc.Time = seconds(total)
	start := run.StartedAt
	if start.IsZero() {
		start = first
	}
	doc.Timestamp = timestamp(start)
	return doc, nil
}

// scenarioStarts returns when each attempt of s started.
func scenarioStarts(s *results.Scenario) []time.Time {
	out := []time.Time{s.StartedAt}
	for _, at := range s.Attempts {
		if at != nil {
			out = append(out, at.StartedAt)
		}
	}
	return out
}

func runProperties(run *results.Run) []property {
	var props []property
	add := func(name, value string) {
		if value != "" {
			props = append(props, property{name, clean(value)})
		}
	}
	props = append(props, property{"run.id", clean(run.ID)})
	add("commit", run.Commit)
	props = append(props,
		property{"target.backend", clean(run.Target.Backend)},
		property{"target.base_url", clean(run.Target.BaseURL)},
		property{"browser", clean(run.Browser)},
	)
	add("target", run.Target.Describe())
	add("target.version", run.Target.Version)
	add("target.adapter", run.Target.Adapter)
	add("target.screen_map", run.Target.ScreenMap)
	add("target.compose", run.Target.Compose)
	for _, name := range sortedKeys(run.Target.Services) {
		add("target.service."+name, run.Target.Services[name])
	}
	for _, role := range sortedKeys(run.Target.Images) {
		add("target.image."+role, run.Target.Images[role])
	}
	for _, role := range sortedKeys(run.Target.Digests) {
		add("target.digest."+role, run.Target.Digests[role])
	}
	add("target.defects", strings.Join(run.Target.Defects, ","))
	add("run.tags", run.Tags)
	if run.Retries > 0 {
		add("run.retries", strconv.Itoa(run.Retries))
	}
	if run.FailOnFlaky {
		add("run.fail_on_flaky", "true")
	}
	if run.Interrupted {
		add("run.interrupted", "true")
	}
	if run.Unfinished() && !run.StartedAt.IsZero() {
		add("run.unfinished", "true")
	}
	if len(run.Planned) > 0 {
		add("run.planned", strconv.Itoa(len(run.Planned)))
		add("run.not_run", strconv.Itoa(len(run.NotRun())))
	}
	m := run.Machine
	add("machine.hostname", m.Hostname)
	add("machine.os", m.OS)
	add("machine.arch", m.Arch)
	if m.CPUs > 0 {
		add("machine.cpus", strconv.Itoa(m.CPUs))
	}
	add("harness.version", m.Harness)
	add("harness.go", m.Go)
	return props
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func featureProperties(f *results.Feature) []property {
	props := []property{{"feature.uri", clean(f.URI)}}
	if len(f.Tags) > 0 {
		props = append(props, property{"feature.tags", clean(strings.Join(f.Tags, " "))})
	}
	return props
}

// caseNames returns the test case name of each scenario of f, making names
// that occur more than once unique with " (line N)".
func caseNames(f *results.Feature) []string {
	count := map[string]int{}
	for _, s := range f.Scenarios {
		if s != nil {
			count[s.Name]++
		}
	}
	names := make([]string, len(f.Scenarios))
	used := map[string]bool{}
	for i, s := range f.Scenarios {
		if s == nil {
			continue
		}
		n := s.Name
		if count[s.Name] > 1 {
			n = fmt.Sprintf("%s (line %d)", s.Name, s.Line)
		}
		// Two rows on the same line cannot happen in Gherkin, but a stored
		// run may be odd; never emit the same name twice.
		for k := 2; used[n]; k++ {
			n = fmt.Sprintf("%s (line %d #%d)", s.Name, s.Line, k)
		}
		used[n] = true
		names[i] = clean(n)
	}
	return names
}

// attempt is one attempt of a scenario as the report shows it: the
// scenario's last attempt or one of its earlier ones.
type attempt struct {
	status      results.Status
	kind        results.FailureKind
	err         string
	steps       []*results.Step
	attachments []results.Attachment
}

func lastAttempt(s *results.Scenario) attempt {
	return attempt{s.Status, s.FailureKind, s.Error, s.Steps, s.Attachments}
}

func earlierAttempt(a *results.Attempt) attempt {
	return attempt{a.Status, a.FailureKind, a.Error, a.Steps, a.Attachments}
}

// failedStep returns the attempt's first failed, undefined, ambiguous or
// pending step, or nil.
func (a attempt) failedStep() *results.Step {
	return (&results.Scenario{Steps: a.steps}).FailedStep()
}

// classify returns the element kind (outFailure or outError) and type of a
// failed, undefined, pending or ambiguous attempt.
func classify(a attempt) (outcome, string, error) {
	switch a.status {
	case results.Failed:
		switch a.kind {
		case results.KindAssertion, results.KindTimeout:
			return outFailure, string(a.kind), nil
		case results.KindBackend, results.KindHarness:
			return outError, string(a.kind), nil
		case results.KindNone:
			return outError, "unclassified", nil
		default:
			return 0, "", fmt.Errorf("unknown failure kind %q", a.kind)
		}
	case results.Undefined, results.Pending, results.Ambiguous:
		typ := string(a.kind)
		if typ == "" {
			typ = string(results.KindHarness)
		}
		return outError, typ, nil
	}
	return 0, "", fmt.Errorf("unknown status %q", a.status)
}

func buildCase(f *results.Feature, s *results.Scenario, name string, cfg Config) (testCase, outcome, error) {
	tc := testCase{
		Name:      name,
		Classname: clean(f.Name),
		File:      clean(f.URI),
		Line:      s.Line,
		Time:      seconds(s.Duration),
	}
	wrap := func(err error) error {
		return fmt.Errorf("junit: scenario %q (%s:%d): %w", s.Name, f.URI, s.Line, err)
	}
	if s.Status == results.Interrupted {
		tc.Error = interruptedProblem(f, s)
		if lines := scenarioLines(s) + messageLines(s) + attachmentLines(s.Attachments, cfg); lines != "" {
			tc.SystemOut = &cdata{Text: lines}
		}
		return tc, outError, nil
	}
	// Earlier attempts, in Surefire's rerun elements: flaky* when the
	// scenario passed in the end, rerun* when it did not.
	var earlier []rerun
	var earlierOut []outcome
	for i, at := range s.Attempts {
		if at == nil {
			return tc, 0, wrap(fmt.Errorf("attempt %d is nil", i+1))
		}
		a := earlierAttempt(at)
		out, typ, err := classify(a)
		if err != nil {
			return tc, 0, wrap(fmt.Errorf("attempt %d: %w", i+1, err))
		}
		p := newProblem(f, s, a, typ, cfg)
		r := rerun{Message: p.Message, Type: p.Type, StackTrace: cdata{p.Text}}
		if lines := attachmentLines(a.attachments, cfg); lines != "" {
			r.SystemOut = &cdata{Text: lines}
		}
		earlier = append(earlier, r)
		earlierOut = append(earlierOut, out)
	}
	placeEarlier := func(failures, errs *[]rerun) {
		for i, r := range earlier {
			if earlierOut[i] == outFailure {
				*failures = append(*failures, r)
			} else {
				*errs = append(*errs, r)
			}
		}
	}

	var out outcome
	var quarantinedText string
	switch s.Status {
	case results.Passed, results.Flaky:
		out = outPassed
		placeEarlier(&tc.FlakyFailures, &tc.FlakyErrors)
	case results.Skipped:
		out = outSkipped
		tc.Skipped = &skipped{Message: clean(firstLine(s.Error))}
		placeEarlier(&tc.RerunFailures, &tc.RerunErrors)
	default:
		last := lastAttempt(s)
		o, typ, err := classify(last)
		if err != nil {
			return tc, 0, wrap(err)
		}
		p := newProblem(f, s, last, typ, cfg)
		if s.Quarantined {
			// Reported as skipped so that it cannot gate CI; see the
			// package documentation.
			out = outSkipped
			tc.Skipped = &skipped{Message: "quarantined: " + p.Message}
			quarantinedText = quarantineText(p, earlier)
			break
		}
		out = o
		if o == outFailure {
			tc.Failure = p
		} else {
			tc.Error = p
		}
		placeEarlier(&tc.RerunFailures, &tc.RerunErrors)
	}

	atts := slices.Clone(s.Attachments)
	for _, at := range s.Attempts {
		atts = append(atts, at.Attachments...)
	}
	text := quarantinedText
	if lines := scenarioLines(s) + messageLines(s) + attachmentLines(atts, cfg); lines != "" {
		if text != "" {
			text += "\n"
		}
		text += lines
	}
	if text != "" {
		tc.SystemOut = &cdata{Text: text}
	}
	return tc, out, nil
}

// scenarioLines are the "blocked request to HOST" lines of s and a line
// per identity it used.
func scenarioLines(s *results.Scenario) string {
	var b strings.Builder
	for _, h := range s.Blocked {
		b.WriteString(results.BlockedLine(h) + "\n")
	}
	for _, id := range s.Identities {
		b.WriteString(id.String() + "\n")
	}
	return clean(b.String())
}

// messageLines is, for a scenario that did not pass, a line per message
// it exchanged with the EPR's interfaces (results.Message.Line and the
// step's line), after a heading line; "" otherwise.
func messageLines(s *results.Scenario) string {
	if len(s.Messages) == 0 || s.Status == results.Passed || s.Status == results.Flaky || s.Status == results.Skipped {
		return ""
	}
	var b strings.Builder
	b.WriteString("Messages exchanged with the EPR's interfaces (in the run's HTML report in full):\n")
	for _, m := range s.Messages {
		b.WriteString("  " + m.Line())
		if m.Step >= 0 && m.Step < len(s.Steps) && s.Steps[m.Step] != nil {
			fmt.Fprintf(&b, " (step at line %d)", s.Steps[m.Step].Line)
		}
		b.WriteString("\n")
	}
	return clean(b.String())
}

// interruptedProblem describes a scenario that was in flight when the run
// was stopped.
func interruptedProblem(f *results.Feature, s *results.Scenario) *problem {
	var b strings.Builder
	fmt.Fprintf(&b, "Scenario \"%s\" was interrupted\n  at %s:%d\n", s.Name, f.URI, s.Line)
	b.WriteString("Interrupted: the run was stopped while this scenario ran; nothing is known of the EPR's behaviour, and it is not a failure of the EPR.\n")
	if e := strings.TrimRight(s.Error, "\n"); e != "" {
		b.WriteString("\n" + e + "\n")
	}
	writeStepsAndHazards(&b, s.Steps, s)
	if s.Repro != "" {
		fmt.Fprintf(&b, "\nReproduce:\n  %s\n", s.Repro)
	}
	return &problem{
		Message: clean(fmt.Sprintf("interrupted: the run was stopped while scenario \"%s\" (%s:%d) ran; not a failure of the EPR", s.Name, f.URI, s.Line)),
		Type:    string(results.Interrupted),
		Text:    clean(b.String()),
	}
}

// writeStepsAndHazards writes steps, one per line with its status, and
// s's hazards to b, each block after a blank line and only when there are
// any.
func writeStepsAndHazards(b *strings.Builder, steps []*results.Step, s *results.Scenario) {
	if len(steps) > 0 {
		b.WriteString("\nSteps:\n")
		for _, x := range steps {
			fmt.Fprintf(b, "  %-11s %s (line %d)\n", "["+string(x.Status)+"]", stepText(x), x.Line)
		}
	}
	if hz := s.Hazards(); len(hz) > 0 {
		fmt.Fprintf(b, "\nHazards: %s\n", strings.Join(hz, ", "))
	}
}

// notRunType is the <error> type of a planned scenario that never ran.
const notRunType = "not-run"

// notRunCase is the test case of a planned scenario that never ran.
func notRunCase(run *results.Run, p results.PlannedScenario, name string) testCase {
	why := "the run ended before it started this scenario"
	switch {
	case run.Unfinished():
		why = "the run was killed (it never recorded its end) before it started this scenario"
	case run.Interrupted:
		why = "the run was interrupted before it started this scenario"
	}
	line := 0
	if i := strings.LastIndexByte(p.ID, ':'); i >= 0 {
		line, _ = strconv.Atoi(p.ID[i+1:])
	}
	text := fmt.Sprintf("Scenario \"%s\" (%s) was planned but never ran: %s.\nIt was not tested; rerun it:\n  eprharness run %s\n", p.Name, p.ID, why, p.ID)
	return testCase{
		Name:      name,
		Classname: "",
		File:      clean(p.Feature),
		Line:      line,
		Time:      seconds(0),
		Error:     &problem{Message: clean("not run: " + why), Type: notRunType, Text: clean(text)},
	}
}

// quarantineText is the <system-out> text of a quarantined scenario that
// did not pass: why it is skipped, the failure text of its last attempt and
// that of every earlier attempt.
func quarantineText(p *problem, earlier []rerun) string {
	var b strings.Builder
	b.WriteString("Quarantined (" + results.QuarantineTag + "): this scenario runs and is reported but does not gate the run.\n")
	fmt.Fprintf(&b, "\n%s: %s\n%s", p.Type, p.Message, p.Text)
	for i, r := range earlier {
		fmt.Fprintf(&b, "\nAttempt %d of %d, %s: %s\n%s", i+1, len(earlier)+1, r.Type, r.Message, r.StackTrace.Text)
	}
	return b.String()
}

// kindHelp explains each failure type in the element's text.
var kindHelp = map[string]string{
	string(results.KindAssertion): "the EPR did not show or do what the scenario expected",
	string(results.KindTimeout):   "the EPR did not answer or render within the time allowed",
	string(results.KindBackend):   "the test backend failed; the EPR's behaviour was not tested",
	string(results.KindHarness):   "the harness itself failed; the EPR's behaviour was not tested",
	"unclassified":                "the harness did not record why the scenario failed",
}

// newProblem describes the failed attempt a of scenario s.
func newProblem(f *results.Feature, s *results.Scenario, a attempt, typ string, cfg Config) *problem {
	st := a.failedStep()
	errText := a.err
	if st != nil && st.Error != "" {
		errText = st.Error
	}
	errText = strings.TrimRight(errText, "\n")
	first := firstLine(errText)
	if first == "" {
		first = "(no error message recorded)"
	}

	var msg string
	var b strings.Builder
	if st != nil {
		verb := "failed"
		if st.Status != results.Failed {
			verb = "is " + string(st.Status)
		}
		msg = fmt.Sprintf("Step \"%s\" (%s:%d) %s: %s", stepText(st), f.URI, st.Line, verb, first)
		fmt.Fprintf(&b, "%s\n  at %s:%d", stepText(st), f.URI, st.Line)
		if st.Match != "" {
			fmt.Fprintf(&b, " (%s)", st.Match)
		}
		b.WriteString("\n")
	} else {
		msg = fmt.Sprintf("Scenario \"%s\" (%s:%d) failed outside its steps: %s", s.Name, f.URI, s.Line, first)
		fmt.Fprintf(&b, "Scenario \"%s\" failed outside its steps (in a hook)\n  at %s:%d\n", s.Name, f.URI, s.Line)
	}
	fmt.Fprintf(&b, "Failure kind: %s", typ)
	if h, ok := kindHelp[typ]; ok {
		fmt.Fprintf(&b, " (%s)", h)
	}
	b.WriteString("\n\n")
	if errText == "" {
		b.WriteString("(no error message recorded)\n")
	} else {
		b.WriteString(errText)
		b.WriteString("\n")
	}
	writeStepsAndHazards(&b, a.steps, s)
	if len(a.attachments) > 0 {
		b.WriteString("\nAttachments:\n")
		for _, x := range a.attachments {
			fmt.Fprintf(&b, "  %s (%s): %s\n", x.Name, x.MediaType, attachmentPath(x, cfg))
		}
	}
	if s.Repro != "" {
		fmt.Fprintf(&b, "\nReproduce:\n  %s\n", s.Repro)
	}
	return &problem{Message: clean(msg), Type: clean(typ), Text: clean(b.String())}
}

// attachmentLines returns the [[ATTACHMENT|path]] lines of atts, images
// first, otherwise in order.
func attachmentLines(atts []results.Attachment, cfg Config) string {
	atts = slices.Clone(atts)
	slices.SortStableFunc(atts, func(a, b results.Attachment) int {
		ai, bi := isImage(a), isImage(b)
		switch {
		case ai && !bi:
			return -1
		case bi && !ai:
			return 1
		}
		return 0
	})
	var b strings.Builder
	for _, a := range atts {
		fmt.Fprintf(&b, "[[ATTACHMENT|%s]]\n", attachmentPath(a, cfg))
	}
	return clean(b.String())
}

func isImage(a results.Attachment) bool {
	return strings.HasPrefix(a.MediaType, "image/")
}

func attachmentPath(a results.Attachment, cfg Config) string {
	if cfg.AttachmentBase == "" {
		return a.Path
	}
	return path.Join(filepath.ToSlash(cfg.AttachmentBase), a.Path)
}

func stepText(st *results.Step) string {
	kw := strings.TrimSpace(st.Keyword)
	if kw == "" {
		return st.Text
	}
	return kw + " " + st.Text
}

func firstLine(s string) string {
	s = strings.TrimLeft(s, "\r\n")
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(line)
}

// seconds formats d as seconds with three decimals, without going through
// floating point.
func seconds(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	ms := d.Round(time.Millisecond).Milliseconds()
	return strconv.FormatInt(ms/1000, 10) + "." + fmt.Sprintf("%03d", ms%1000)
}

func timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// ansi matches terminal escape sequences (colours, cursor moves).
var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]`)

// clean removes ANSI escape sequences and replaces characters that XML 1.0
// cannot carry (most control characters, invalid UTF-8) with U+FFFD.
// encoding/xml does the latter for attributes but not for CDATA.
func clean(s string) string {
	if strings.IndexByte(s, 0x1b) >= 0 {
		s = ansi.ReplaceAllString(s, "")
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20:
			return '\uFFFD'
		case r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
			return '\uFFFD'
		}
		return r
	}, s)
}
