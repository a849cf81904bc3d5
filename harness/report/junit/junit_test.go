package junit

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/results/resultstest"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.golden files from the current output")

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(p, got, 0o644))
		return
	}
	want, err := os.ReadFile(p)
	require.NoError(t, err, "run: go test ./harness/report/... -update")
	if !bytes.Equal(want, got) {
		t.Errorf("output differs from %s (run with -update if the change is intended)\n--- got ---\n%s", p, got)
	}
}

func write(t *testing.T, run *results.Run, cfg Config) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, run, cfg))
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	golden(t, "sample.golden", write(t, resultstest.Sample(), Config{}))
}

func TestGoldenAttachmentBase(t *testing.T) {
	golden(t, "sample_attachment_base.golden",
		write(t, resultstest.Sample(), Config{SuiteName: "nightly EPR regression", AttachmentBase: "reports/run-20260601T090000Z/"}))
}

func TestDeterministic(t *testing.T) {
	assert.Equal(t, write(t, resultstest.Sample(), Config{}), write(t, resultstest.Sample(), Config{}))
}

// Types used to read the report back, independent of the writer's types.
type (
	xSuites struct {
		XMLName   xml.Name `xml:"testsuites"`
		Name      string   `xml:"name,attr"`
		Tests     int      `xml:"tests,attr"`
		Failures  int      `xml:"failures,attr"`
		Errors    int      `xml:"errors,attr"`
		Skipped   int      `xml:"skipped,attr"`
		Time      string   `xml:"time,attr"`
		Timestamp string   `xml:"timestamp,attr"`
		Suites    []xSuite `xml:"testsuite"`
	}
	xSuite struct {
		Name       string `xml:"name,attr"`
		Tests      int    `xml:"tests,attr"`
		Failures   int    `xml:"failures,attr"`
		Errors     int    `xml:"errors,attr"`
		Skipped    int    `xml:"skipped,attr"`
		Time       string `xml:"time,attr"`
		Timestamp  string `xml:"timestamp,attr"`
		Properties []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []xCase `xml:"testcase"`
	}
	xCase struct {
		Name      string    `xml:"name,attr"`
		Classname string    `xml:"classname,attr"`
		File      string    `xml:"file,attr"`
		Line      int       `xml:"line,attr"`
		Time      string    `xml:"time,attr"`
		Failure   *xProblem `xml:"failure"`
		Error     *xProblem `xml:"error"`
		Skipped   *struct{} `xml:"skipped"`
		SystemOut *string   `xml:"system-out"`
	}
	xProblem struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
)

func parse(t *testing.T, data []byte) xSuites {
	t.Helper()
	var doc xSuites
	require.NoError(t, xml.Unmarshal(data, &doc))
	return doc
}

func (s xSuite) prop(name string) (string, bool) {
	for _, p := range s.Properties {
		if p.Name == name {
			return p.Value, true
		}
	}
	return "", false
}

func (s xSuite) find(t *testing.T, name string) xCase {
	t.Helper()
	for _, c := range s.Cases {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no test case %q in suite %q", name, s.Name)
	return xCase{}
}

var timeFormat = regexp.MustCompile(`^\d+\.\d{3}$`)

func TestReadBack(t *testing.T) {
	run := resultstest.Sample()
	doc := parse(t, write(t, run, Config{}))

	assert.Equal(t, "eprharness", doc.Name)
	assert.Equal(t, 8, doc.Tests)
	assert.Equal(t, 2, doc.Failures, "assertion + timeout")
	assert.Equal(t, 2, doc.Errors, "backend + undefined")
	assert.Equal(t, 1, doc.Skipped)
	assert.Equal(t, "2026-06-01T09:00:00Z", doc.Timestamp)
	assert.Equal(t, "65.359", doc.Time, "the run's wall time")
	require.Len(t, doc.Suites, 3)

	var tests, failures, errs, skipped int
	for i, s := range doc.Suites {
		f := run.Features[i]
		assert.Equal(t, f.Name, s.Name)
		assert.Len(t, s.Cases, s.Tests)
		tests += s.Tests
		failures += s.Failures
		errs += s.Errors
		skipped += s.Skipped
		assert.Regexp(t, timeFormat, s.Time)
		_, err := time.Parse(time.RFC3339, s.Timestamp)
		assert.NoError(t, err)
		for prop, want := range map[string]string{
			"run.id":          run.ID,
			"target.backend":  run.Target.Backend,
			"target.base_url": run.Target.BaseURL,
			"browser":         run.Browser,
			"feature.uri":     f.URI,
		} {
			got, ok := s.prop(prop)
			assert.True(t, ok, prop)
			assert.Equal(t, want, got, prop)
		}
		for _, c := range s.Cases {
			assert.Equal(t, f.Name, c.Classname)
			assert.Equal(t, f.URI, c.File)
			assert.Positive(t, c.Line)
			assert.Regexp(t, timeFormat, c.Time)
		}
	}
	assert.Equal(t, []int{doc.Tests, doc.Failures, doc.Errors, doc.Skipped}, []int{tests, failures, errs, skipped},
		"suite counts add up to the totals")

	ps := doc.Suites[0]
	assert.Equal(t, "14.238", ps.Time)
	c := ps.find(t, "Searching by NHS number shows the patient")
	require.NotNil(t, c.Failure)
	assert.Nil(t, c.Error)
	assert.Equal(t, "assertion", c.Failure.Type)
	assert.Equal(t, 12, c.Line)
	assert.Equal(t, "7.249", c.Time)
	assert.Equal(t,
		`Step "Then the patient banner shows the NHS number "999 000 0018"" (features/patient_search.feature:15) failed: `+
			`expected the patient banner <div data-testid="patient-banner"> to show NHS number "999 000 0018" & name "SMITH, Jane"`,
		c.Failure.Message)
	assert.Contains(t, c.Failure.Text, resultstest.AssertionError, "the full error")
	assert.Contains(t, c.Failure.Text, "at features/patient_search.feature:15 (steps/patients.go:88)")
	assert.Contains(t, c.Failure.Text, `[passed]    Given I am logged in as "dr.jones" (line 13)`)
	assert.Contains(t, c.Failure.Text, `[failed]    Then the patient banner shows the NHS number "999 000 0018" (line 15)`)
	assert.Contains(t, c.Failure.Text, `[skipped]   And the allergies panel is visible (line 17)`)
	assert.Contains(t, c.Failure.Text, "screenshot (image/png): patient-search/searching-by-nhs-number-shows-the-patient/screenshot.png")
	require.NotNil(t, c.SystemOut)
	assert.Equal(t,
		"[[ATTACHMENT|patient-search/searching-by-nhs-number-shows-the-patient/screenshot.png]]\n"+
			"[[ATTACHMENT|patient-search/searching-by-nhs-number-shows-the-patient/page.html]]\n"+
			"[[ATTACHMENT|patient-search/searching-by-nhs-number-shows-the-patient/trace.zip]]\n",
		*c.SystemOut)

	passed := ps.find(t, "Searching by name lists matching patients")
	assert.Nil(t, passed.Failure)
	assert.Nil(t, passed.Error)
	assert.Nil(t, passed.Skipped)
	require.NotNil(t, passed.SystemOut)
	assert.Equal(t, "[[ATTACHMENT|patient-search/searching-by-name-lists-matching-patients/trace.zip]]\n", *passed.SystemOut)

	// Outline rows sharing a name are kept apart.
	row1 := ps.find(t, "Rejecting a malformed NHS number (line 32)")
	row2 := ps.find(t, "Rejecting a malformed NHS number (line 33)")
	assert.Nil(t, row1.SystemOut, "no attachments, no system-out")
	assert.Equal(t, 33, row2.Line)

	ms := doc.Suites[1]
	backend := ms.find(t, "Prescribing a repeat medication records it on the chart")
	require.NotNil(t, backend.Error)
	assert.Nil(t, backend.Failure, "a backend fault is not an EPR failure")
	assert.Equal(t, "backend", backend.Error.Type)
	assert.True(t, strings.HasPrefix(backend.Error.Message,
		`Step "Given the patient "999 000 0026" has a medication history" (features/medications.feature:6) failed: load fixture`))
	undefined := ms.find(t, "Stopping a medication asks for a reason")
	require.NotNil(t, undefined.Error)
	assert.Equal(t, "harness", undefined.Error.Type)
	assert.Contains(t, undefined.Error.Message, `(features/medications.feature:13) is undefined: `)
	assert.Contains(t, undefined.Error.Text, `[undefined] When I stop the medication "Amoxicillin 500mg capsules" (line 13)`)

	as := doc.Suites[2]
	timeout := as.find(t, "Cancelling an appointment frees the slot")
	require.NotNil(t, timeout.Failure)
	assert.Equal(t, "timeout", timeout.Failure.Type)
	skip := as.find(t, "Booking a follow-up appointment")
	assert.NotNil(t, skip.Skipped)
	assert.Nil(t, skip.Failure)
	assert.Nil(t, skip.Error)
}

func TestAttachmentBaseAndImagesFirst(t *testing.T) {
	run := resultstest.Sample()
	s := run.Features[0].Scenarios[0]
	// Put the screenshot last: the report must still list it first.
	s.Attachments = append(s.Attachments[1:], s.Attachments[0])
	doc := parse(t, write(t, run, Config{SuiteName: "nightly", AttachmentBase: `out/run-1`}))
	assert.Equal(t, "nightly", doc.Name)
	c := doc.Suites[0].Cases[0]
	require.NotNil(t, c.SystemOut)
	lines := strings.Split(strings.TrimSpace(*c.SystemOut), "\n")
	require.Len(t, lines, 3)
	assert.Equal(t, "[[ATTACHMENT|out/run-1/patient-search/searching-by-nhs-number-shows-the-patient/screenshot.png]]", lines[0])
	assert.Equal(t, "[[ATTACHMENT|out/run-1/patient-search/searching-by-nhs-number-shows-the-patient/page.html]]", lines[1])
	assert.Contains(t, c.Failure.Text, "trace (application/zip): out/run-1/patient-search/")
}

// nasty holds everything that could break XML: markup, entities, quotes of
// both kinds, a CDATA terminator, control characters, ANSI colours and
// invalid UTF-8.
const nasty = "expected <b>\"bold\"</b> & 'quoted' ]]> end\n\tsecond line\x00 with NUL\x1b[31m red\x1b[0m \xff bad byte"

func nastyRun() *results.Run {
	start := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	return &results.Run{
		ID:        `run "<1>" & co`,
		StartedAt: start,
		Browser:   "chromium",
		Features: []*results.Feature{{
			URI:  "features/odd <name>.feature",
			Name: `Odd "names" & <tags>`,
			Line: 1,
			Scenarios: []*results.Scenario{{
				ID:          "features/odd <name>.feature:3",
				Keyword:     "Scenario",
				Name:        `A & B <"c">`,
				Line:        3,
				Status:      results.Failed,
				FailureKind: results.KindAssertion,
				Error:       nasty,
				StartedAt:   start,
				Duration:    1500 * time.Microsecond,
				Steps: []*results.Step{{
					Keyword: "Then ", Text: `I see "<x> & y"`, Line: 4,
					Status: results.Failed, Error: nasty, Duration: time.Millisecond,
				}},
				Attachments: []results.Attachment{{Name: "screenshot", MediaType: "image/png", Path: "odd/a&b <1>.png"}},
			}},
		}},
	}
}

func TestEscaping(t *testing.T) {
	out := write(t, nastyRun(), Config{SuiteName: `suite "<&>"`})
	doc := parse(t, out)
	assert.Equal(t, `suite "<&>"`, doc.Name)
	s := doc.Suites[0]
	assert.Equal(t, `Odd "names" & <tags>`, s.Name)
	id, _ := s.prop("run.id")
	assert.Equal(t, `run "<1>" & co`, id)
	c := s.Cases[0]
	assert.Equal(t, `A & B <"c">`, c.Name)
	assert.Equal(t, "0.002", c.Time, "1.5ms rounds to 2ms")
	require.NotNil(t, c.Failure)
	assert.Equal(t,
		`Step "Then I see "<x> & y"" (features/odd <name>.feature:4) failed: expected <b>"bold"</b> & 'quoted' ]]> end`,
		c.Failure.Message)
	assert.Contains(t, c.Failure.Text, "expected <b>\"bold\"</b> & 'quoted' ]]> end\n\tsecond line\uFFFD with NUL red \uFFFD bad byte",
		"markup and ]]> survive; NUL and the bad byte become U+FFFD; ANSI colours are removed")
	require.NotNil(t, c.SystemOut)
	assert.Equal(t, "[[ATTACHMENT|odd/a&b <1>.png]]\n", *c.SystemOut)

	// Stricter than encoding/xml: the raw output must not hold the bytes
	// that XML 1.0 forbids.
	assert.NotContains(t, string(out), "\x00")
	assert.NotContains(t, string(out), "\x1b")
	assert.NotContains(t, string(out), "\xff")
}

func TestFailureOutsideSteps(t *testing.T) {
	run := nastyRun()
	s := run.Features[0].Scenarios[0]
	s.FailureKind = results.KindBackend
	s.Error = "reset database: context deadline exceeded"
	s.Steps[0].Status = results.Skipped
	s.Steps[0].Error = ""
	doc := parse(t, write(t, run, Config{}))
	c := doc.Suites[0].Cases[0]
	require.NotNil(t, c.Error)
	assert.Equal(t, "backend", c.Error.Type)
	assert.Equal(t, `Scenario "A & B <"c">" (features/odd <name>.feature:3) failed outside its steps: reset database: context deadline exceeded`,
		c.Error.Message)
	assert.Contains(t, c.Error.Text, "failed outside its steps (in a hook)")
}

func TestUnclassifiedFailureIsAnError(t *testing.T) {
	run := nastyRun()
	run.Features[0].Scenarios[0].FailureKind = results.KindNone
	doc := parse(t, write(t, run, Config{}))
	c := doc.Suites[0].Cases[0]
	assert.Nil(t, c.Failure)
	require.NotNil(t, c.Error)
	assert.Equal(t, "unclassified", c.Error.Type)
	assert.Equal(t, 1, doc.Errors)
	assert.Equal(t, 0, doc.Failures)
}

func TestTimesWithoutRunTimes(t *testing.T) {
	run := resultstest.Sample()
	run.StartedAt, run.FinishedAt = time.Time{}, time.Time{}
	doc := parse(t, write(t, run, Config{}))
	assert.Equal(t, "62.459", doc.Time, "sum of the features' times")
	assert.Equal(t, "2026-06-01T09:00:00Z", doc.Timestamp, "first scenario start (09:00:00.5, to the second)")
}

func TestEmptyRun(t *testing.T) {
	doc := parse(t, write(t, &results.Run{ID: "empty"}, Config{}))
	assert.Equal(t, 0, doc.Tests)
	assert.Empty(t, doc.Suites)
	assert.Equal(t, "0.000", doc.Time)
}

func TestErrors(t *testing.T) {
	var buf bytes.Buffer
	assert.ErrorContains(t, Write(&buf, nil, Config{}), "nil run")

	run := nastyRun()
	run.Features[0].Scenarios[0].Status = "exploded"
	err := Write(&buf, run, Config{})
	assert.ErrorContains(t, err, `unknown status "exploded"`)
	assert.Zero(t, buf.Len(), "nothing is written on error")

	run = nastyRun()
	run.Features[0].Scenarios[0].FailureKind = "cosmic-ray"
	assert.ErrorContains(t, Write(&buf, run, Config{}), `unknown failure kind "cosmic-ray"`)

	sentinel := errors.New("disk full")
	err = Write(failingWriter{sentinel}, resultstest.Sample(), Config{})
	assert.ErrorIs(t, err, sentinel)
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestConcurrentWrites(t *testing.T) {
	want := write(t, resultstest.Sample(), Config{})
	done := make(chan []byte)
	for range 8 {
		go func() {
			var buf bytes.Buffer
			if err := Write(&buf, resultstest.Sample(), Config{}); err != nil {
				done <- nil
				return
			}
			done <- buf.Bytes()
		}()
	}
	for range 8 {
		assert.Equal(t, want, <-done)
	}
}
