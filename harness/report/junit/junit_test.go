package junit

import (
	"bytes"
	"encoding/xml"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/results/resultstest"
)

func write(t *testing.T, run *results.Run, cfg Config) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, run, cfg))
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	resultstest.Golden(t, "sample.golden", write(t, resultstest.Sample(), Config{}))
}

func TestGoldenAttachmentBase(t *testing.T) {
	resultstest.Golden(t, "sample_attachment_base.golden",
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
		Name          string    `xml:"name,attr"`
		Classname     string    `xml:"classname,attr"`
		File          string    `xml:"file,attr"`
		Line          int       `xml:"line,attr"`
		Time          string    `xml:"time,attr"`
		Failure       *xProblem `xml:"failure"`
		Error         *xProblem `xml:"error"`
		Skipped       *xSkipped `xml:"skipped"`
		SystemOut     *string   `xml:"system-out"`
		FlakyFailures []xRerun  `xml:"flakyFailure"`
		FlakyErrors   []xRerun  `xml:"flakyError"`
		RerunFailures []xRerun  `xml:"rerunFailure"`
		RerunErrors   []xRerun  `xml:"rerunError"`
	}
	xSkipped struct {
		Message string `xml:"message,attr"`
	}
	xRerun struct {
		Message    string  `xml:"message,attr"`
		Type       string  `xml:"type,attr"`
		StackTrace string  `xml:"stackTrace"`
		SystemOut  *string `xml:"system-out"`
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
	assert.Equal(t, 10, doc.Tests)
	assert.Equal(t, 2, doc.Failures, "assertion + timeout")
	assert.Equal(t, 2, doc.Errors, "backend + undefined")
	assert.Equal(t, 2, doc.Skipped, "skipped + quarantined")
	assert.Equal(t, "2026-06-01T09:00:00Z", doc.Timestamp)
	assert.Equal(t, run.FinishedAt.Sub(run.StartedAt), parseSeconds(t, doc.Time), "the run's wall time")
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
	assert.Contains(t, c.Failure.Text, "\nHazards: H-001\n")
	assert.True(t, strings.HasSuffix(c.Failure.Text, "\nReproduce:\n  "+run.Features[0].Scenarios[0].Repro+"\n"), c.Failure.Text)
	assert.Contains(t, run.Features[0].Scenarios[0].Repro, "features/patient_search.feature:12")
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
	assert.Equal(t, `patient "Jane Smith" was Jane Smith-k3p9, NHS number 9994021567`+"\n"+
		`patient "John Smith" was John Smith-k3p9, NHS number 9996551881`+"\n"+
		"[[ATTACHMENT|patient-search/searching-by-name-lists-matching-patients/trace.zip]]\n", *passed.SystemOut,
		"the identities the scenario used, then its attachments")

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
	require.NotNil(t, timeout.SystemOut)
	assert.True(t, strings.HasPrefix(*timeout.SystemOut, "blocked request to fonts.googleapis.com\n"+
		"blocked request to www.google-analytics.com\n"+
		`patient "Mary Jones" was Mary Jones-q4zt, NHS number 9992173041`+"\n"+
		"[[ATTACHMENT|appointments/cancelling-an-appointment-frees-the-slot/screenshot.png]]\n"), *timeout.SystemOut)
	skip := as.find(t, "Booking a follow-up appointment")
	assert.NotNil(t, skip.Skipped)
	assert.Nil(t, skip.Failure)
	assert.Nil(t, skip.Error)
	assert.Empty(t, skip.Skipped.Message)
}

// parseSeconds reads a JUnit time attribute.
func parseSeconds(t *testing.T, s string) time.Duration {
	t.Helper()
	require.Regexp(t, timeFormat, s)
	d, err := time.ParseDuration(s + "s")
	require.NoError(t, err)
	return d
}

func TestProperties(t *testing.T) {
	run := resultstest.Sample()
	doc := parse(t, write(t, run, Config{}))
	want := []string{
		"run.id=run-20260601T090000Z",
		"commit=" + run.Commit,
		"target.backend=compose",
		"target.base_url=http://localhost:8080",
		"browser=chromium 156.0.8078.73",
		"target=" + run.Target.Describe(),
		"target.version=2.3.1",
		"target.adapter=declarative",
		"target.screen_map=screens.yaml",
		"target.compose=eprharness-run-20260601t090000z-1",
		"target.service.epr=" + run.Target.Services["epr"],
		"target.service.postgres=" + run.Target.Services["postgres"],
		"target.digest.epr=" + run.Target.Digests["epr"],
		"target.digest.postgres=" + run.Target.Digests["postgres"],
		"target.defects=news2-boundary",
		"run.tags=not @wip",
		"run.retries=1",
		"machine.hostname=ci-runner-7",
		"machine.os=linux",
		"machine.arch=amd64",
		"machine.cpus=2",
		"harness.version=v0.5.0",
		"harness.go=go1.26.8",
		"feature.uri=features/medications.feature",
		"feature.tags=@medications",
	}
	var got []string
	for _, p := range doc.Suites[1].Properties {
		got = append(got, p.Name+"="+p.Value)
	}
	assert.Equal(t, want, got, "every property, in the documented order")

	// Unknown values are left out rather than written empty; flags appear
	// when set.
	run.Commit, run.Target.Digests, run.Target.Defects, run.Machine = "", nil, nil, results.Machine{}
	run.Retries, run.FailOnFlaky, run.Interrupted = 0, true, true
	s := parse(t, write(t, run, Config{})).Suites[0]
	for _, name := range []string{"commit", "target.digest.epr", "target.defects", "run.retries", "machine.hostname", "machine.cpus", "harness.version"} {
		_, ok := s.prop(name)
		assert.False(t, ok, name)
	}

	for _, name := range []string{"run.fail_on_flaky", "run.interrupted"} {
		v, ok := s.prop(name)
		assert.True(t, ok, name)
		assert.Equal(t, "true", v, name)
	}

	// The docker backend's images, by role; no adapter, screen map or
	// Compose project recorded.
	run = resultstest.Sample()
	run.Target = results.Target{Backend: "docker", BaseURL: "http://localhost:8080",
		Images:  map[string]string{"epr": "ghcr.io/eprharness/refepr:1", "postgres": "postgres:17.5"},
		Digests: map[string]string{"epr": "sha256:00"}}
	s = parse(t, write(t, run, Config{})).Suites[0]
	for name, want := range map[string]string{
		"target":                "refepr on docker (epr: ghcr.io/eprharness/refepr:1 sha256:00, postgres: postgres:17.5)",
		"target.image.epr":      "ghcr.io/eprharness/refepr:1",
		"target.image.postgres": "postgres:17.5",
		"target.digest.epr":     "sha256:00",
	} {
		v, ok := s.prop(name)
		assert.True(t, ok, name)
		assert.Equal(t, want, v, name)
	}
	for _, name := range []string{"target.adapter", "target.screen_map", "target.compose", "target.service.epr"} {
		_, ok := s.prop(name)
		assert.False(t, ok, name)
	}
}

func TestFlakyIsAPassWithFlakyFailures(t *testing.T) {
	run := resultstest.Sample()
	fs := run.Flaky()[0]
	doc := parse(t, write(t, run, Config{AttachmentBase: "out"}))
	c := doc.Suites[2].find(t, "Rescheduling moves the appointment")
	assert.Nil(t, c.Failure)
	assert.Nil(t, c.Error)
	assert.Nil(t, c.Skipped)
	assert.Empty(t, c.RerunFailures)
	assert.Empty(t, c.FlakyErrors)
	require.Len(t, c.FlakyFailures, 1, "one per failed attempt")
	ff := c.FlakyFailures[0]
	assert.Equal(t, "timeout", ff.Type)
	assert.Equal(t, `Step "Then the diary shows the appointment at "11:00"" (features/appointments.feature:20) failed: `+
		fs.Attempts[0].Error, ff.Message)
	assert.Contains(t, ff.StackTrace, fs.Attempts[0].Error)
	assert.Contains(t, ff.StackTrace, `[failed]    Then the diary shows the appointment at "11:00" (line 20)`,
		"the failed attempt's steps, not the last attempt's")
	assert.Contains(t, ff.StackTrace, "Reproduce:\n  "+fs.Repro)
	require.NotNil(t, ff.SystemOut)
	shot := "[[ATTACHMENT|out/" + fs.Attempts[0].Attachments[0].Path + "]]"
	assert.Equal(t, shot+"\n[[ATTACHMENT|out/"+fs.Attempts[0].Attachments[1].Path+"]]\n", *ff.SystemOut)
	require.NotNil(t, c.SystemOut)
	assert.True(t, strings.HasPrefix(*c.SystemOut, shot), "the failed attempt's screenshot is the test case's first attachment")
	assert.Equal(t, seconds(fs.Duration), c.Time, "the last attempt's time")

	// Two failed attempts of different kinds, then a pass.
	backend := &results.Attempt{
		Status: results.Failed, FailureKind: results.KindBackend, Error: "reset database: connection refused",
		StartedAt: fs.Attempts[0].StartedAt.Add(-time.Minute), Duration: time.Second,
	}
	fs.Attempts = append([]*results.Attempt{backend}, fs.Attempts...)
	c = parse(t, write(t, run, Config{})).Suites[2].find(t, "Rescheduling moves the appointment")
	require.Len(t, c.FlakyErrors, 1)
	require.Len(t, c.FlakyFailures, 1)
	assert.Equal(t, "backend", c.FlakyErrors[0].Type)
	assert.Contains(t, c.FlakyErrors[0].Message, "failed outside its steps: reset database: connection refused")
	assert.Nil(t, c.FlakyErrors[0].SystemOut, "no attachments, no system-out")
	assert.Equal(t, "timeout", c.FlakyFailures[0].Type)
}

// failedEveryTime turns the sample's timeout into a scenario that failed on
// both of its attempts.
func failedEveryTime(run *results.Run) *results.Scenario {
	s := run.Features[2].Scenarios[0]
	first := &results.Attempt{
		Status: results.Failed, FailureKind: results.KindAssertion,
		Error:     "expected the slot to be free",
		StartedAt: s.StartedAt, Duration: 3 * time.Second,
		Steps: []*results.Step{{Keyword: "Then ", Text: `the "09:30" slot is free`, Line: 9, Status: results.Failed,
			Error: "expected the slot to be free"}},
		Attachments: []results.Attachment{{Name: "screenshot", MediaType: "image/png", Path: "appointments/x/attempt-1/screenshot.png"}},
	}
	s.Attempts = []*results.Attempt{first}
	return s
}

func TestFailedOnEveryAttempt(t *testing.T) {
	run := resultstest.Sample()
	s := failedEveryTime(run)
	doc := parse(t, write(t, run, Config{}))
	assert.Equal(t, 2, doc.Failures, "still one failure per scenario")
	c := doc.Suites[2].find(t, s.Name)
	require.NotNil(t, c.Failure, "the last attempt")
	assert.Equal(t, "timeout", c.Failure.Type)
	assert.Empty(t, c.FlakyFailures)
	require.Len(t, c.RerunFailures, 1, "the earlier attempt")
	r := c.RerunFailures[0]
	assert.Equal(t, "assertion", r.Type)
	assert.Equal(t, `Step "Then the "09:30" slot is free" (features/appointments.feature:9) failed: expected the slot to be free`, r.Message)
	require.NotNil(t, r.SystemOut)
	assert.Equal(t, "[[ATTACHMENT|appointments/x/attempt-1/screenshot.png]]\n", *r.SystemOut)
	require.NotNil(t, c.SystemOut)
	assert.Equal(t,
		"blocked request to fonts.googleapis.com\nblocked request to www.google-analytics.com\n"+
			`patient "Mary Jones" was Mary Jones-q4zt, NHS number 9992173041`+"\n"+
			"[[ATTACHMENT|appointments/cancelling-an-appointment-frees-the-slot/screenshot.png]]\n"+
			"[[ATTACHMENT|appointments/x/attempt-1/screenshot.png]]\n"+
			"[[ATTACHMENT|appointments/cancelling-an-appointment-frees-the-slot/trace.zip]]\n",
		*c.SystemOut, "the last attempt's screenshot first, then every image, then the rest")

	// The element order is Surefire's: failure, rerunFailure, ..., system-out.
	out := string(write(t, run, Config{}))
	i := strings.Index(out, `file="features/appointments.feature" line="5"`)
	require.Positive(t, i)
	tc := out[i : i+strings.Index(out[i:], "</testcase>")]
	failure, rerun, end := strings.Index(tc, "<failure "), strings.Index(tc, "<rerunFailure "), strings.Index(tc, "</rerunFailure>")
	require.True(t, failure > 0 && rerun > 0 && end > 0, tc)
	assert.Less(t, failure, rerun)
	assert.Less(t, end, strings.LastIndex(tc, "<system-out>"))
}

func TestQuarantinedFailureIsSkipped(t *testing.T) {
	run := resultstest.Sample()
	_, q, ok := run.Scenario("features/medications.feature:17")
	require.True(t, ok)
	require.True(t, q.Quarantined)
	doc := parse(t, write(t, run, Config{}))
	c := doc.Suites[1].find(t, q.Name)
	assert.Nil(t, c.Failure, "a quarantined scenario never gates")
	assert.Nil(t, c.Error)
	require.NotNil(t, c.Skipped)
	assert.Equal(t, `quarantined: Step "Then I see the allergy warning "Penicillin"" (features/medications.feature:20) failed: `+
		`expected an alert with text "Penicillin" but none was shown`, c.Skipped.Message)
	require.NotNil(t, c.SystemOut)
	out := *c.SystemOut
	assert.True(t, strings.HasPrefix(out, "Quarantined (@quarantine): "), out)
	for _, want := range []string{
		"Failure kind: assertion",
		`[failed]    Then I see the allergy warning "Penicillin" (line 20)`,
		"Hazards: H-002",
		"Reproduce:\n  " + q.Repro,
		"[[ATTACHMENT|" + q.Attachments[0].Path + "]]\n",
	} {
		assert.Contains(t, out, want)
	}
	assert.Equal(t, 1, doc.Suites[1].Skipped)
	assert.Equal(t, 2, doc.Suites[1].Errors)

	// Retried and failed again: every attempt's text, still no failure or
	// rerun element.
	q.Attempts = []*results.Attempt{{Status: results.Failed, FailureKind: results.KindTimeout, Error: "timeout 5000ms exceeded"}}
	c = parse(t, write(t, run, Config{})).Suites[1].find(t, q.Name)
	assert.Nil(t, c.Failure)
	assert.Empty(t, c.RerunFailures)
	assert.Empty(t, c.RerunErrors)
	require.NotNil(t, c.SystemOut)
	assert.Contains(t, *c.SystemOut, "Attempt 1 of 2, timeout: Scenario \"Prescribing warns about a recorded allergy\" (features/medications.feature:17) failed outside its steps: timeout 5000ms exceeded")

	// Quarantined but passed: an ordinary pass.
	q.Attempts = nil
	q.Status, q.FailureKind, q.Error = results.Passed, results.KindNone, ""
	for _, st := range q.Steps {
		st.Status, st.Error = results.Passed, ""
	}
	c = parse(t, write(t, run, Config{})).Suites[1].find(t, q.Name)
	assert.Nil(t, c.Skipped)
	assert.Nil(t, c.Failure)
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
	var sum time.Duration
	for _, f := range run.Features {
		sum += f.Duration()
	}
	assert.Equal(t, sum, parseSeconds(t, doc.Time), "sum of the features' times")
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

	run = nastyRun()
	run.Features[0].Scenarios[0].Attempts = []*results.Attempt{{Status: results.Failed, FailureKind: "gremlins"}}
	assert.ErrorContains(t, Write(&buf, run, Config{}), `attempt 1: unknown failure kind "gremlins"`)
	run.Features[0].Scenarios[0].Attempts = []*results.Attempt{nil}
	assert.ErrorContains(t, Write(&buf, run, Config{}), `attempt 1 is nil`)
	assert.Zero(t, buf.Len(), "nothing is written on error")

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

func TestGoldenKilledAndStopped(t *testing.T) {
	resultstest.Golden(t, "killed.golden", write(t, resultstest.Killed(), Config{}))
	resultstest.Golden(t, "stopped.golden", write(t, resultstest.Stopped(), Config{}))
}

func TestKilledRunCountsItsPlan(t *testing.T) {
	// kill -9 after 2 of 4 planned scenarios: the report once said
	// tests="2", all passed.
	doc := parse(t, write(t, resultstest.Killed(), Config{}))
	assert.Equal(t, 4, doc.Tests, "tests counts the plan")
	assert.Equal(t, 2, doc.Errors, "the 2 scenarios never run are errors, so CI does not show the run green")
	assert.Equal(t, 0, doc.Failures, "nothing is blamed on the EPR")
	require.Len(t, doc.Suites, 2)
	ps := doc.Suites[0]
	assert.Equal(t, 2, ps.Tests)
	v, ok := ps.prop("run.unfinished")
	assert.True(t, ok)
	assert.Equal(t, "true", v)
	v, _ = ps.prop("run.planned")
	assert.Equal(t, "4", v)
	v, _ = ps.prop("run.not_run")
	assert.Equal(t, "2", v)

	med := doc.Suites[1]
	assert.Equal(t, "features/medications.feature", med.Name, "a feature none of whose scenarios ran is named by its URI")
	assert.Equal(t, 2, med.Tests)
	assert.Equal(t, 2, med.Errors)
	c := med.find(t, "Prescribing a repeat medication records it on the chart")
	require.NotNil(t, c.Error)
	assert.Equal(t, "not-run", c.Error.Type)
	assert.Equal(t, "not run: the run was killed (it never recorded its end) before it started this scenario", c.Error.Message)
	assert.Equal(t, "features/medications.feature", c.File)
	assert.Equal(t, 5, c.Line)
	assert.Contains(t, c.Error.Text, "eprharness run features/medications.feature:5")
}

func TestInterruptedScenarioIsAnErrorNotAFailure(t *testing.T) {
	doc := parse(t, write(t, resultstest.Stopped(), Config{}))
	assert.Equal(t, 5, doc.Tests)
	assert.Equal(t, 1, doc.Failures, "only the assertion failure")
	assert.Equal(t, 3, doc.Errors, "the interrupted scenario and 2 never run")
	var med xSuite
	for _, s := range doc.Suites {
		if s.Name == "Prescribing medication" {
			med = s
		}
	}
	c := med.find(t, "Prescribing a repeat medication records it on the chart")
	require.NotNil(t, c.Error)
	assert.Nil(t, c.Failure)
	assert.Equal(t, "interrupted", c.Error.Type)
	assert.Contains(t, c.Error.Message, "not a failure of the EPR")
	nr := med.find(t, "Stopping a medication asks for a reason")
	require.NotNil(t, nr.Error)
	assert.Equal(t, "not run: the run was interrupted before it started this scenario", nr.Error.Message)
	v, _ := med.prop("run.interrupted")
	assert.Equal(t, "true", v)
	_, unfinished := med.prop("run.unfinished")
	assert.False(t, unfinished, "a stopped run recorded its end")
}
