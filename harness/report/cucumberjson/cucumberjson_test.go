package cucumberjson

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
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
	run := resultstest.Sample()
	resultstest.Golden(t, "sample.golden", write(t, run, Config{OutDir: resultstest.AttachmentDir(t, run)}))
}

func TestGoldenNoEmbed(t *testing.T) {
	resultstest.Golden(t, "sample_no_embed.golden", write(t, resultstest.Sample(), Config{}))
}

func TestDeterministic(t *testing.T) {
	run := resultstest.Sample()
	dir := resultstest.AttachmentDir(t, run)
	assert.Equal(t, write(t, run, Config{OutDir: dir}), write(t, resultstest.Sample(), Config{OutDir: dir}))
}

// Types used to read the report back, independent of the writer's types.
type (
	jFeature struct {
		URI         string     `json:"uri"`
		ID          string     `json:"id"`
		Keyword     string     `json:"keyword"`
		Name        string     `json:"name"`
		Description string     `json:"description"`
		Line        int        `json:"line"`
		Tags        []jTag     `json:"tags"`
		Elements    []jElement `json:"elements"`
	}
	jTag struct {
		Name string `json:"name"`
	}
	jElement struct {
		ID             string  `json:"id"`
		Keyword        string  `json:"keyword"`
		Name           string  `json:"name"`
		Description    string  `json:"description"`
		Line           int     `json:"line"`
		Type           string  `json:"type"`
		StartTimestamp string  `json:"start_timestamp"`
		Tags           []jTag  `json:"tags"`
		Before         []jHook `json:"before"`
		Steps          []jStep `json:"steps"`
		After          []jHook `json:"after"`
	}
	jHook struct {
		Match *struct {
			Location string `json:"location"`
		} `json:"match"`
		Result     jResult      `json:"result"`
		Embeddings []jEmbedding `json:"embeddings"`
		Output     []string     `json:"output"`
	}
	jStep struct {
		Keyword string `json:"keyword"`
		Name    string `json:"name"`
		Line    int    `json:"line"`
		Match   *struct {
			Location string `json:"location"`
		} `json:"match"`
		Result     jResult      `json:"result"`
		Embeddings []jEmbedding `json:"embeddings"`
		Output     []string     `json:"output"`
	}
	jResult struct {
		Status       string `json:"status"`
		Duration     *int64 `json:"duration"`
		ErrorMessage string `json:"error_message"`
	}
	jEmbedding struct {
		MimeType string `json:"mime_type"`
		Data     string `json:"data"`
		Name     string `json:"name"`
	}
)

func parse(t *testing.T, data []byte) []jFeature {
	t.Helper()
	var out []jFeature
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&out))
	return out
}

func decode(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	require.NoError(t, err)
	return b
}

func TestReadBack(t *testing.T) {
	run := resultstest.Sample()
	features := parse(t, write(t, run, Config{OutDir: resultstest.AttachmentDir(t, run)}))
	require.Len(t, features, 3)

	total := 0
	for i, f := range features {
		rf := run.Features[i]
		assert.Equal(t, rf.URI, f.URI)
		assert.Equal(t, "Feature", f.Keyword)
		assert.Equal(t, rf.Name, f.Name)
		assert.Equal(t, rf.Line, f.Line)
		require.Len(t, f.Elements, len(rf.Scenarios))
		for j, e := range f.Elements {
			rs := rf.Scenarios[j]
			total++
			assert.Equal(t, "scenario", e.Type)
			assert.True(t, strings.HasPrefix(e.ID, f.ID+";"), e.ID)
			assert.Equal(t, rs.Line, e.Line)
			ts, err := time.Parse(time.RFC3339Nano, e.StartTimestamp)
			require.NoError(t, err)
			if len(rs.Attempts) > 0 {
				assert.True(t, ts.Equal(rs.Attempts[0].StartedAt), "a retried scenario starts with its first attempt")
			} else {
				assert.True(t, ts.Equal(rs.StartedAt))
			}
			require.Len(t, e.Steps, len(rs.Steps))
			for k, st := range e.Steps {
				assert.True(t, strings.HasSuffix(st.Keyword, " ") && !strings.HasSuffix(st.Keyword, "  "), "%q", st.Keyword)
				assert.Equal(t, rs.Steps[k].Text, st.Name)
				assert.Equal(t, string(rs.Steps[k].Status), st.Result.Status)
				require.NotNil(t, st.Result.Duration, "duration is always present")
				assert.Equal(t, int64(rs.Steps[k].Duration), *st.Result.Duration)
			}
		}
	}
	assert.Equal(t, 10, total)

	ps := features[0]
	assert.Equal(t, "patient-search", ps.ID)
	assert.Equal(t, []jTag{{"@patients"}, {"@smoke"}}, ps.Tags)
	assert.Equal(t, run.Features[0].Description, ps.Description)

	// The assertion failure: error on the failing step, attachments on it.
	e := ps.Elements[0]
	assert.Equal(t, "patient-search;searching-by-nhs-number-shows-the-patient", e.ID)
	assert.Equal(t, "Scenario", e.Keyword)
	assert.Equal(t, []jTag{{"@nhs-number"}, {"@hazard:H-001"}}, e.Tags)
	assert.Equal(t, "2026-06-01T09:00:00.500Z", e.StartTimestamp)
	failing := e.Steps[2]
	assert.Equal(t, "Then ", failing.Keyword)
	assert.Equal(t, 15, failing.Line)
	assert.Equal(t, "failed", failing.Result.Status)
	assert.Equal(t, int64(5003*time.Millisecond), *failing.Result.Duration)
	require.NotNil(t, failing.Match)
	assert.Equal(t, "steps/patients.go:88", failing.Match.Location)
	assert.Equal(t,
		"Failure kind: assertion (the EPR did not show or do what the scenario expected)\n"+resultstest.AssertionError,
		failing.Result.ErrorMessage)
	assert.Equal(t, "skipped", e.Steps[3].Result.Status)
	assert.Empty(t, e.Steps[3].Result.ErrorMessage)
	assert.Equal(t, []string{"Reproduce: " + run.Features[0].Scenarios[0].Repro}, failing.Output)
	for k, st := range e.Steps {
		if k != 2 {
			assert.Empty(t, st.Embeddings, "attachments go on the failing step only")
			assert.Empty(t, st.Output, "the repro line goes on the failing step only")
		}
	}
	require.Len(t, failing.Embeddings, 3)
	shot := failing.Embeddings[0]
	assert.Equal(t, "image/png", shot.MimeType)
	assert.Equal(t, "screenshot", shot.Name)
	assert.Equal(t, resultstest.PNG(), decode(t, shot.Data), "the screenshot is embedded byte for byte")
	page := failing.Embeddings[1]
	assert.Equal(t, "text/plain", page.MimeType)
	assert.Equal(t, "page: patient-search/searching-by-nhs-number-shows-the-patient/page.html", string(decode(t, page.Data)))
	trace := failing.Embeddings[2]
	assert.Equal(t, "text/plain", trace.MimeType)
	assert.Equal(t, "trace", trace.Name)
	assert.Equal(t, "trace: patient-search/searching-by-nhs-number-shows-the-patient/trace.zip", string(decode(t, trace.Data)))

	// Passed scenario: its attachment goes on the last step.
	passed := ps.Elements[1]
	require.Len(t, passed.Steps, 3)
	assert.Empty(t, passed.Steps[0].Embeddings)
	require.Len(t, passed.Steps[2].Embeddings, 1)
	assert.Equal(t, "trace: patient-search/searching-by-name-lists-matching-patients/trace.zip",
		string(decode(t, passed.Steps[2].Embeddings[0].Data)))
	assert.Equal(t, []string{
		`patient "Jane Smith" was Jane Smith-k3p9, NHS number 9994021567`,
		`patient "John Smith" was John Smith-k3p9, NHS number 9996551881`,
	}, passed.Steps[2].Output, "the identities it used go with its attachments")

	// Outline rows with one name get distinct ids.
	assert.Equal(t, "patient-search;rejecting-a-malformed-nhs-number;;2", ps.Elements[2].ID)
	assert.Equal(t, "patient-search;rejecting-a-malformed-nhs-number;;3", ps.Elements[3].ID)
	assert.Equal(t, "Scenario Outline", ps.Elements[2].Keyword)

	ms := features[1]
	backend := ms.Elements[0].Steps[0]
	assert.Equal(t, "failed", backend.Result.Status)
	assert.True(t, strings.HasPrefix(backend.Result.ErrorMessage,
		"Failure kind: backend (the test backend failed; the EPR's behaviour was not tested)\nload fixture"))
	undefined := ms.Elements[2].Steps[1]
	assert.Equal(t, "undefined", undefined.Result.Status)
	assert.Nil(t, undefined.Match, "an undefined step has no match")
	assert.Contains(t, undefined.Result.ErrorMessage, "Failure kind: harness")
	assert.Empty(t, ms.Elements[2].Tags)
	assert.NotNil(t, ms.Elements[2].Tags, "tags is [] not null")

	as := features[2]
	timeout := as.Elements[0]
	require.Len(t, timeout.Steps[2].Embeddings, 2)
	assert.Equal(t, resultstest.PNG(), decode(t, timeout.Steps[2].Embeddings[0].Data))
	assert.Equal(t, []string{
		"Reproduce: " + run.Features[2].Scenarios[0].Repro,
		"blocked request to fonts.googleapis.com",
		"blocked request to www.google-analytics.com",
		`patient "Mary Jones" was Mary Jones-q4zt, NHS number 9992173041`,
	}, timeout.Steps[2].Output, "blocked hosts and identities on the failing step, after the repro line")
	for _, st := range as.Elements[2].Steps {
		assert.Equal(t, "skipped", st.Result.Status)
	}
	for _, e := range []jElement{ps.Elements[2], as.Elements[2]} {
		for _, st := range e.Steps {
			assert.Empty(t, st.Output, "passed and skipped scenarios have no repro line")
		}
	}
	for _, st := range ps.Elements[1].Steps {
		for _, line := range st.Output {
			assert.NotContains(t, line, "Reproduce:", "passed scenarios have no repro line")
		}
	}
}

func TestFlakyScenario(t *testing.T) {
	run := resultstest.Sample()
	fs := run.Flaky()[0]
	at := fs.Attempts[0]
	e := parse(t, write(t, run, Config{OutDir: resultstest.AttachmentDir(t, run)}))[2].Elements[1]
	assert.Equal(t, fs.Name, e.Name)
	for _, st := range e.Steps {
		assert.Equal(t, "passed", st.Result.Status, "the last attempt's steps")
		assert.Empty(t, st.Embeddings)
		assert.Empty(t, st.Output)
	}
	assert.Empty(t, e.After)
	require.Len(t, e.Before, 1)
	h := e.Before[0]
	require.NotNil(t, h.Match)
	assert.Equal(t, "eprharness:earlier-attempts", h.Match.Location)
	assert.Equal(t, "passed", h.Result.Status, "the hook does not turn a flaky scenario into a failed one")
	assert.Empty(t, h.Result.ErrorMessage)
	require.NotNil(t, h.Result.Duration)
	assert.Equal(t, int64(at.Duration), *h.Result.Duration)
	assert.Equal(t, []string{
		"Attempt 1 of 2 failed (timeout: the EPR did not answer or render within the time allowed)\n" +
			`Then the diary shows the appointment at "11:00" (line 20) failed` + "\n" + at.Error,
		"Attempt 2 of 2 passed",
		"Reproduce: " + fs.Repro,
	}, h.Output)
	require.Len(t, h.Embeddings, 2)
	assert.Equal(t, "image/png", h.Embeddings[0].MimeType)
	assert.Equal(t, "screenshot (attempt 1)", h.Embeddings[0].Name)
	assert.Equal(t, resultstest.PNG(), decode(t, h.Embeddings[0].Data), "the failed attempt's screenshot is embedded")
	assert.Equal(t, "trace (attempt 1): "+at.Attachments[1].Path, string(decode(t, h.Embeddings[1].Data)))
}

func TestFailedOnEveryAttempt(t *testing.T) {
	run := resultstest.Sample()
	s := run.Features[2].Scenarios[0] // timeout
	s.Attempts = []*results.Attempt{{
		Status: results.Failed, FailureKind: results.KindBackend, Error: "reset database: connection refused",
		StartedAt: s.StartedAt.Add(-10 * time.Second), Duration: 2 * time.Second,
	}}
	s.Error = "" // the failing step's error is used
	e := parse(t, write(t, run, Config{}))[2].Elements[0]
	assert.Equal(t, s.Attempts[0].StartedAt.UTC().Format("2006-01-02T15:04:05.000Z"), e.StartTimestamp, "the first attempt's start")
	require.Len(t, e.Before, 1)
	h := e.Before[0]
	assert.Equal(t, "passed", h.Result.Status)
	assert.Empty(t, h.Embeddings)
	assert.Equal(t, []string{
		"Attempt 1 of 2 failed (backend: the test backend failed; the EPR's behaviour was not tested)\nreset database: connection refused",
		"Attempt 2 of 2 failed",
	}, h.Output, "the repro line is on the failing step, not here")
	failing := e.Steps[2]
	assert.Equal(t, "failed", failing.Result.Status, "the last attempt decides the status")
	require.NotEmpty(t, failing.Output)
	assert.Equal(t, "Reproduce: "+s.Repro, failing.Output[0])

	s.Attempts[0].Status = "exploded"
	assert.ErrorContains(t, Write(new(bytes.Buffer), run, Config{}), `attempt 1: unknown status "exploded"`)
	s.Attempts[0] = nil
	assert.ErrorContains(t, Write(new(bytes.Buffer), run, Config{}), `attempt 1 is nil`)
}

func TestQuarantinedScenarioKeepsItsStatus(t *testing.T) {
	run := resultstest.Sample()
	_, q, ok := run.Scenario("features/medications.feature:17")
	require.True(t, ok)
	e := parse(t, write(t, run, Config{}))[1].Elements[1]
	assert.Equal(t, q.Name, e.Name)
	assert.Contains(t, e.Tags, jTag{"@quarantine"})
	failing := e.Steps[2]
	assert.Equal(t, "failed", failing.Result.Status)
	assert.Equal(t, "Quarantined (@quarantine): this failure does not gate the run\n"+
		"Failure kind: assertion (the EPR did not show or do what the scenario expected)\n"+
		`expected an alert with text "Penicillin" but none was shown`, failing.Result.ErrorMessage)
	assert.Equal(t, []string{"Reproduce: " + q.Repro}, failing.Output)

	// Failed outside its steps: the hook says the same.
	for _, st := range q.Steps {
		st.Status, st.Error = results.Skipped, ""
	}
	q.Error = "browser crashed"
	q.FailureKind = results.KindHarness
	e = parse(t, write(t, run, Config{}))[1].Elements[1]
	require.Len(t, e.Before, 1)
	assert.True(t, strings.HasPrefix(e.Before[0].Result.ErrorMessage, "Quarantined (@quarantine): "), e.Before[0].Result.ErrorMessage)
	assert.Equal(t, []string{"Reproduce: " + q.Repro}, e.Before[0].Output)
}

func TestNoEmbedReferencesEverything(t *testing.T) {
	features := parse(t, write(t, resultstest.Sample(), Config{}))
	embs := features[0].Elements[0].Steps[2].Embeddings
	require.Len(t, embs, 3)
	for _, e := range embs {
		assert.Equal(t, "text/plain", e.MimeType)
	}
	assert.Equal(t, "screenshot: patient-search/searching-by-nhs-number-shows-the-patient/screenshot.png", string(decode(t, embs[0].Data)))
}

func TestMissingAttachmentIsAnError(t *testing.T) {
	run := resultstest.Sample()
	dir := resultstest.AttachmentDir(t, run)
	missing := filepath.Join(dir, "appointments", "cancelling-an-appointment-frees-the-slot", "screenshot.png")
	require.NoError(t, os.Remove(missing))

	var buf bytes.Buffer
	err := Write(&buf, run, Config{OutDir: dir})
	require.Error(t, err)
	assert.Contains(t, err.Error(), missing, "the error names the file")
	assert.Contains(t, err.Error(), `"Cancelling an appointment frees the slot" (features/appointments.feature:5)`)
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.Zero(t, buf.Len(), "nothing is written on error")
}

func TestMissingOutDirIsAnError(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "not-there")
	err := Write(new(bytes.Buffer), resultstest.Sample(), Config{OutDir: dir})
	require.Error(t, err)
	assert.Contains(t, err.Error(), filepath.Join(dir, "patient-search"))
}

func TestAttachmentOutsideOutDirIsAnError(t *testing.T) {
	run := resultstest.Sample()
	dir := resultstest.AttachmentDir(t, run)
	s := run.Features[0].Scenarios[0]
	s.Attachments[0].Path = "../../etc/passwd.png"
	err := Write(new(bytes.Buffer), run, Config{OutDir: dir})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "passwd.png")
}

func TestEscaping(t *testing.T) {
	const nasty = "expected <b>\"bold\"</b> & 'quoted'\n\tsecond line \\ backslash\x00\x1b[31m red\x1b[0m"
	run := &results.Run{Features: []*results.Feature{{
		URI:  "features/odd.feature",
		Name: `Odd "names" & <tags>, isn't it!`,
		Line: 1,
		Tags: []string{"no-at-sign"},
		Scenarios: []*results.Scenario{{
			Keyword:     "Scenario",
			Name:        "A_b C\td",
			Line:        3,
			Status:      results.Failed,
			FailureKind: results.KindAssertion,
			Steps: []*results.Step{{
				Keyword: "Then", Text: `I see "<x> & y"`, Line: 4,
				Status: results.Failed, Error: nasty,
			}},
		}},
	}}}
	out := write(t, run, Config{})
	assert.True(t, json.Valid(out))
	assert.NotContains(t, string(out), `\u003c`, "no HTML escaping")
	f := parse(t, out)[0]
	assert.Equal(t, `odd-"names"-&-<tags>--isn-t-it-`, f.ID)
	assert.Equal(t, []jTag{{"@no-at-sign"}}, f.Tags)
	e := f.Elements[0]
	assert.Equal(t, f.ID+";a-b-c-d", e.ID)
	assert.Empty(t, e.StartTimestamp, "no start time, no timestamp")
	st := e.Steps[0]
	assert.Equal(t, "Then ", st.Keyword)
	assert.Equal(t, `I see "<x> & y"`, st.Name)
	assert.Equal(t,
		"Failure kind: assertion (the EPR did not show or do what the scenario expected)\n"+
			"expected <b>\"bold\"</b> & 'quoted'\n\tsecond line \\ backslash\x00 red",
		st.Result.ErrorMessage, "round-trips exactly, ANSI colours removed")
}

func TestFailureOutsideSteps(t *testing.T) {
	run := resultstest.Sample()
	s := run.Features[1].Scenarios[0] // backend failure
	for _, st := range s.Steps {
		st.Status, st.Error = results.Skipped, ""
	}
	s.Error = "reset database: context deadline exceeded"
	s.Attachments = []results.Attachment{{Name: "log", MediaType: "text/plain", Path: "medications/x/backend.log"}}

	e := parse(t, write(t, run, Config{}))[1].Elements[0]
	require.Len(t, e.Before, 1, "no step passed: the failure is shown before them")
	assert.Empty(t, e.After)
	h := e.Before[0]
	assert.Equal(t, "failed", h.Result.Status)
	assert.Equal(t, "Failure kind: backend (the test backend failed; the EPR's behaviour was not tested)\n"+
		"reset database: context deadline exceeded", h.Result.ErrorMessage)
	require.Len(t, h.Embeddings, 1)
	assert.Equal(t, "log: medications/x/backend.log", string(decode(t, h.Embeddings[0].Data)))

	// With a passed step the failure is put after the steps.
	s.Steps[0].Status = results.Passed
	e = parse(t, write(t, run, Config{}))[1].Elements[0]
	assert.Empty(t, e.Before)
	require.Len(t, e.After, 1)
	assert.Equal(t, "failed", e.After[0].Result.Status)
}

func TestScenarioWithoutSteps(t *testing.T) {
	run := resultstest.Sample()
	dir := resultstest.AttachmentDir(t, run)
	s := run.Features[0].Scenarios[1] // passed, with a trace
	s.Steps = nil
	e := parse(t, write(t, run, Config{OutDir: dir}))[0].Elements[1]
	assert.NotNil(t, e.Steps, "steps is [] not null")
	assert.Empty(t, e.Steps)
	require.Len(t, e.After, 1)
	assert.Equal(t, "passed", e.After[0].Result.Status)
	require.Len(t, e.After[0].Embeddings, 1)
}

func TestErrors(t *testing.T) {
	var buf bytes.Buffer
	assert.ErrorContains(t, Write(&buf, nil, Config{}), "nil run")

	run := resultstest.Sample()
	run.Features[0].Scenarios[1].Steps[0].Status = "exploded"
	err := Write(&buf, run, Config{})
	assert.ErrorContains(t, err, `step at line 21: unknown status "exploded"`)

	run = resultstest.Sample()
	run.Features[0].Scenarios[1].Status = ""
	assert.ErrorContains(t, Write(&buf, run, Config{}), `unknown status ""`)
	assert.Zero(t, buf.Len())

	sentinel := errors.New("disk full")
	assert.ErrorIs(t, Write(failingWriter{sentinel}, resultstest.Sample(), Config{}), sentinel)
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestEmptyRun(t *testing.T) {
	assert.Equal(t, "[]\n", string(write(t, &results.Run{}, Config{})))
}

func TestConcurrentWrites(t *testing.T) {
	run := resultstest.Sample()
	dir := resultstest.AttachmentDir(t, run)
	want := write(t, run, Config{OutDir: dir})
	done := make(chan []byte)
	for range 8 {
		go func() {
			var buf bytes.Buffer
			if err := Write(&buf, resultstest.Sample(), Config{OutDir: dir}); err != nil {
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

// A scenario with no steps keeps its blocked hosts and identities in an
// "after" hook.
func TestBlockedWithoutSteps(t *testing.T) {
	run := &results.Run{ID: "r", Features: []*results.Feature{{
		URI: "features/a.feature", Name: "A", Line: 1,
		Scenarios: []*results.Scenario{{
			ID: "features/a.feature:3", Keyword: "Scenario", Name: "S", Line: 3, Status: results.Passed,
			Blocked:    []string{"cdn.example.com"},
			Identities: []results.Identity{{Fixture: "Jane Smith", Name: "Jane Smith-k3p9", NHSNumber: "9994021567"}},
		}},
	}}}
	e := parse(t, write(t, run, Config{}))[0].Elements[0]
	assert.Empty(t, e.Steps)
	require.Len(t, e.After, 1)
	assert.Equal(t, "passed", e.After[0].Result.Status)
	assert.Equal(t, []string{"blocked request to cdn.example.com",
		`patient "Jane Smith" was Jane Smith-k3p9, NHS number 9994021567`}, e.After[0].Output)
}

func TestGoldenKilledAndStopped(t *testing.T) {
	resultstest.Golden(t, "killed.golden", write(t, resultstest.Killed(), Config{}))
	resultstest.Golden(t, "stopped.golden", write(t, resultstest.Stopped(), Config{}))
}

func TestNotRunAndInterruptedScenarios(t *testing.T) {
	var doc []map[string]any
	require.NoError(t, json.Unmarshal(write(t, resultstest.Killed(), Config{}), &doc))
	require.Len(t, doc, 2)
	assert.Equal(t, "features/medications.feature", doc[1]["name"], "a feature none of whose scenarios ran")
	els := doc[1]["elements"].([]any)
	require.Len(t, els, 2)
	hook := els[0].(map[string]any)["before"].([]any)[0].(map[string]any)
	res := hook["result"].(map[string]any)
	assert.Equal(t, "skipped", res["status"])
	assert.Equal(t, "Not run: run run-20260601T100000Z is unfinished: it never recorded its end; 2 of 4 planned scenarios never ran", res["error_message"])

	out := string(write(t, resultstest.Stopped(), Config{}))
	assert.Contains(t, out, "Interrupted: the run was stopped while this scenario ran; not a failure of the EPR")
	assert.Contains(t, out, "Not run: run run-20260601T110000Z was interrupted; 2 of 5 planned scenarios never ran, 1 scenario was interrupted")
	assert.NotContains(t, out, `"status": "interrupted"`, "not a Cucumber status")
}

// Each accessibility violation that failed a check is an output line with
// every element, on the step that holds the scenario's evidence; an
// accepted one is not.
func TestAccessibilityViolationsAreOutput(t *testing.T) {
	run := &results.Run{ID: "r", Features: []*results.Feature{{
		URI: "features/a.feature", Name: "A", Line: 1,
		Scenarios: []*results.Scenario{{
			ID: "features/a.feature:3", Keyword: "Scenario", Name: "S", Line: 3, Status: results.Failed, FailureKind: results.KindAssertion,
			Steps: []*results.Step{{Keyword: "Then ", Text: "the page has no accessibility violations", Line: 4, Status: results.Failed, Error: "1 accessibility violation"}},
			Accessibility: []results.AccessibilityCheck{{Page: "/form", Violations: []results.Violation{
				{Rule: "label", Impact: "critical", Help: "Form elements must have labels", Criteria: []string{"4.1.2"}, Screenshot: "accessibility 1 label",
					Nodes: []results.ViolationNode{{Target: "#nhs", HTML: `<input id="nhs">`}, {Target: "#dob", HTML: `<input id="dob">`}}},
				{Rule: "region", Impact: "moderate", Nodes: []results.ViolationNode{{Target: "footer"}},
					Baselined: &results.BaselineRef{File: "b.yaml", Line: 2, Expires: "2099-01-01"}},
			}}},
		}},
	}}}
	e := parse(t, write(t, run, Config{}))[0].Elements[0]
	require.Len(t, e.Steps, 1)
	assert.Equal(t, []string{`accessibility violation on /form: label (critical; WCAG 4.1.2) Form elements must have labels: #nhs <input id="nhs">; #dob <input id="dob">; screenshot "accessibility 1 label"`},
		e.Steps[0].Output)
}
