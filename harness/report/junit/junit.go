// Package junit writes a results.Run as JUnit XML, the test report format
// that Jenkins, GitLab and Azure DevOps ingest.
//
// # Layout
//
// The document has one <testsuites> root (name from Config.SuiteName) with the
// run's totals; one <testsuite> per feature, named after the feature, carrying
// the run's identity in <properties> (run.id, target.backend,
// target.base_url, browser, and when known target.version, target.image.<role>
// sorted by role, run.tags, run.interrupted, feature.uri, feature.tags); and
// one <testcase> per executed scenario: name = scenario name, classname =
// feature name, file = feature URI, line = scenario line. When several
// scenarios of a feature share a name (rows of a scenario outline), each gets
// " (line N)" appended so that CI servers, which key test history by
// classname and name, keep them apart.
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
//
// The message attribute names the failing step and its location, for
// example: Step "Then the banner shows "999 000 0018"" (features/x.feature:15)
// failed: <first line of the error>. The element's text holds the failing
// step with its definition, the failure kind, the full error, every step with
// its status, and the attachments. A scenario that failed outside its steps
// (in a hook) is reported as such, with the scenario's error.
//
// # Attachments
//
// A test case with attachments gets a <system-out> holding one
// [[ATTACHMENT|path]] line per file, the convention of the Jenkins JUnit
// Attachments plugin and of GitLab's test report, images first because
// GitLab shows only the first one. Both resolve the path against the
// workspace / project folder, while results.Attachment paths are relative to
// the run's output folder: set Config.AttachmentBase to that folder
// (relative to the workspace, or absolute) to make the links resolve.
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

type testCase struct {
	Name      string   `xml:"name,attr"`
	Classname string   `xml:"classname,attr"`
	File      string   `xml:"file,attr,omitempty"`
	Line      int      `xml:"line,attr,omitempty"`
	Time      string   `xml:"time,attr"`
	Failure   *problem `xml:"failure,omitempty"`
	Error     *problem `xml:"error,omitempty"`
	Skipped   *skipped `xml:"skipped,omitempty"`
	SystemOut *cdata   `xml:"system-out,omitempty"`
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

	var sum time.Duration
	var first time.Time
	for fi, f := range run.Features {
		if f == nil {
			return nil, fmt.Errorf("junit: feature %d is nil", fi)
		}
		suite := testSuite{
			Name:       clean(f.Name),
			Time:       seconds(f.Duration()),
			Properties: append(slices.Clone(runProps), featureProperties(f)...),
			Cases:      []testCase{},
		}
		names := caseNames(f)
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
			if !s.StartedAt.IsZero() && (fstart.IsZero() || s.StartedAt.Before(fstart)) {
				fstart = s.StartedAt
			}
		}
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

func runProperties(run *results.Run) []property {
	props := []property{
		{"run.id", clean(run.ID)},
		{"target.backend", clean(run.Target.Backend)},
		{"target.base_url", clean(run.Target.BaseURL)},
		{"browser", clean(run.Browser)},
	}
	if run.Target.Version != "" {
		props = append(props, property{"target.version", clean(run.Target.Version)})
	}
	roles := make([]string, 0, len(run.Target.Images))
	for role := range run.Target.Images {
		roles = append(roles, role)
	}
	slices.Sort(roles)
	for _, role := range roles {
		props = append(props, property{"target.image." + clean(role), clean(run.Target.Images[role])})
	}
	if run.Tags != "" {
		props = append(props, property{"run.tags", clean(run.Tags)})
	}
	if run.Interrupted {
		props = append(props, property{"run.interrupted", "true"})
	}
	return props
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

func buildCase(f *results.Feature, s *results.Scenario, name string, cfg Config) (testCase, outcome, error) {
	tc := testCase{
		Name:      name,
		Classname: clean(f.Name),
		File:      clean(f.URI),
		Line:      s.Line,
		Time:      seconds(s.Duration),
	}
	var out outcome
	switch s.Status {
	case results.Passed:
		out = outPassed
	case results.Skipped:
		out = outSkipped
		tc.Skipped = &skipped{Message: clean(firstLine(s.Error))}
	case results.Failed:
		switch s.FailureKind {
		case results.KindAssertion, results.KindTimeout:
			out = outFailure
			tc.Failure = newProblem(f, s, string(s.FailureKind), cfg)
		case results.KindBackend, results.KindHarness:
			out = outError
			tc.Error = newProblem(f, s, string(s.FailureKind), cfg)
		case results.KindNone:
			out = outError
			tc.Error = newProblem(f, s, "unclassified", cfg)
		default:
			return tc, 0, fmt.Errorf("junit: scenario %q (%s:%d): unknown failure kind %q", s.Name, f.URI, s.Line, s.FailureKind)
		}
	case results.Undefined, results.Pending, results.Ambiguous:
		out = outError
		typ := string(s.FailureKind)
		if typ == "" {
			typ = string(results.KindHarness)
		}
		tc.Error = newProblem(f, s, typ, cfg)
	default:
		return tc, 0, fmt.Errorf("junit: scenario %q (%s:%d): unknown status %q", s.Name, f.URI, s.Line, s.Status)
	}
	if lines := attachmentLines(s, cfg); lines != "" {
		tc.SystemOut = &cdata{Text: lines}
	}
	return tc, out, nil
}

// kindHelp explains each failure type in the element's text.
var kindHelp = map[string]string{
	string(results.KindAssertion): "the EPR did not show or do what the scenario expected",
	string(results.KindTimeout):   "the EPR did not answer or render within the time allowed",
	string(results.KindBackend):   "the test backend failed; the EPR's behaviour was not tested",
	string(results.KindHarness):   "the harness itself failed; the EPR's behaviour was not tested",
	"unclassified":                "the harness did not record why the scenario failed",
}

func newProblem(f *results.Feature, s *results.Scenario, typ string, cfg Config) *problem {
	st := s.FailedStep()
	errText := s.Error
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
	if len(s.Steps) > 0 {
		b.WriteString("\nSteps:\n")
		for _, x := range s.Steps {
			fmt.Fprintf(&b, "  %-11s %s (line %d)\n", "["+string(x.Status)+"]", stepText(x), x.Line)
		}
	}
	if len(s.Attachments) > 0 {
		b.WriteString("\nAttachments:\n")
		for _, a := range s.Attachments {
			fmt.Fprintf(&b, "  %s (%s): %s\n", a.Name, a.MediaType, attachmentPath(a, cfg))
		}
	}
	return &problem{Message: clean(msg), Type: clean(typ), Text: clean(b.String())}
}

// attachmentLines returns the [[ATTACHMENT|path]] lines of s, images first.
func attachmentLines(s *results.Scenario, cfg Config) string {
	atts := slices.Clone(s.Attachments)
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
