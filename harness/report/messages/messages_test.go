package messages

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	msg "github.com/cucumber/messages/go/v34"
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
	out := write(t, run, Config{OutDir: resultstest.AttachmentDir(t, run)})
	resultstest.Golden(t, "sample.golden", out)
	check(t, out)
}

func TestGoldenWithSource(t *testing.T) {
	out := write(t, resultstest.Sample(), Config{FeatureRoot: "testdata"})
	resultstest.Golden(t, "sample_source.golden", out)
	check(t, out)
}

func TestDeterministic(t *testing.T) {
	run := resultstest.Sample()
	dir := resultstest.AttachmentDir(t, run)
	cfg := Config{OutDir: dir, FeatureRoot: "testdata"}
	assert.Equal(t, write(t, run, cfg), write(t, resultstest.Sample(), cfg))
}

func TestProtocolVersionIsTheModuleVersion(t *testing.T) {
	gomod, err := os.ReadFile(filepath.Join("..", "..", "..", "go.mod"))
	require.NoError(t, err)
	assert.Regexp(t, `(?m)^\s*github\.com/cucumber/messages/go/v34 v`+regexp.QuoteMeta(ProtocolVersion)+`$`, string(gomod),
		"ProtocolVersion follows the messages module in go.mod")
}

// stream is a decoded NDJSON stream, indexed for the checks.
type stream struct {
	envs     []*msg.Envelope
	docIDs   map[string]bool
	docs     map[string]*msg.GherkinDocument
	pickles  map[string]*msg.Pickle
	hooks    map[string]*msg.Hook
	cases    map[string]*msg.TestCase
	started  map[string]*msg.TestCaseStarted
	finished map[string]*msg.TestCaseFinished
	steps    map[string][]*msg.TestStepFinished // by testCaseStartedId
	attached map[string][]*msg.Attachment       // by testCaseStartedId
	// runAttached are the attachments of the run itself.
	runAttached []*msg.Attachment
	byPickle    map[string][]*msg.TestCaseStarted // pickle id -> attempts
	runID       string
	runResult   *msg.TestRunFinished
}

// decode reads every line of out as one envelope with exactly one message,
// rejecting unknown fields.
func decode(t *testing.T, out []byte) []*msg.Envelope {
	t.Helper()
	require.True(t, bytes.HasSuffix(out, []byte("\n")), "NDJSON ends with a newline")
	var envs []*msg.Envelope
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		line := sc.Bytes()
		require.True(t, json.Valid(line), "line %d is one JSON value", len(envs)+1)
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		var e msg.Envelope
		require.NoError(t, dec.Decode(&e), "line %d", len(envs)+1)
		set := 0
		v := reflect.ValueOf(e)
		for i := range v.NumField() {
			if !v.Field(i).IsNil() {
				set++
			}
		}
		require.Equal(t, 1, set, "line %d holds one message", len(envs)+1)
		envs = append(envs, &e)
	}
	require.NoError(t, sc.Err())
	return envs
}

// collectIDs adds every "id" in the JSON form of v to ids, failing on a
// repeated one.
func collectIDs(t *testing.T, v any, ids map[string]bool) {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			if id, ok := x["id"].(string); ok {
				require.False(t, ids[id], "gherkin id %q is unique", id)
				ids[id] = true
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	var doc any
	require.NoError(t, json.Unmarshal(data, &doc))
	walk(doc)
}

// check decodes out and checks the stream's order and referential
// integrity; it returns the indexed stream.
func check(t *testing.T, out []byte) *stream {
	t.Helper()
	s := &stream{
		docIDs: map[string]bool{}, docs: map[string]*msg.GherkinDocument{}, pickles: map[string]*msg.Pickle{},
		hooks: map[string]*msg.Hook{}, cases: map[string]*msg.TestCase{}, started: map[string]*msg.TestCaseStarted{},
		finished: map[string]*msg.TestCaseFinished{}, steps: map[string][]*msg.TestStepFinished{},
		attached: map[string][]*msg.Attachment{}, byPickle: map[string][]*msg.TestCaseStarted{},
	}
	s.envs = decode(t, out)
	require.NotEmpty(t, s.envs)
	require.NotNil(t, s.envs[0].Meta, "meta comes first")
	assert.Equal(t, ProtocolVersion, s.envs[0].Meta.ProtocolVersion)
	require.NotNil(t, s.envs[len(s.envs)-1].TestRunFinished, "testRunFinished comes last")

	ids := map[string]string{} // every message id -> kind, to find clashes
	unique := func(kind, id string) {
		t.Helper()
		require.NotEmpty(t, id, kind)
		require.NotContains(t, ids, id, "%s id %q is unique", kind, id)
		ids[id] = kind
	}
	stepOf := func(tcs string, stepID string) bool {
		tc := s.cases[s.started[tcs].TestCaseId]
		for _, ts := range tc.TestSteps {
			if ts.Id == stepID {
				return true
			}
		}
		return false
	}
	open := map[string]int{} // testCaseStartedId -> index of next expected test step
	var stepStarted string   // test step started and not finished, per test case
	lastTime := map[string]time.Time{}
	runStarted := false
	for i, e := range s.envs {
		switch {
		case e.Meta != nil:
			assert.Equal(t, 0, i, "one meta")
		case e.Source != nil:
			assert.False(t, runStarted)
		case e.GherkinDocument != nil:
			assert.False(t, runStarted)
			require.NotEmpty(t, e.GherkinDocument.Uri)
			s.docs[e.GherkinDocument.Uri] = e.GherkinDocument
			collectIDs(t, e.GherkinDocument, s.docIDs)
		case e.Pickle != nil:
			p := e.Pickle
			assert.False(t, runStarted)
			unique("pickle", p.Id)
			require.Contains(t, s.docs, p.Uri, "pickle %s: its gherkinDocument comes first", p.Id)
			require.NotEmpty(t, p.AstNodeIds)
			for _, id := range p.AstNodeIds {
				assert.True(t, s.docIDs[id], "pickle %s: ast node %q exists", p.Id, id)
			}
			for _, ps := range p.Steps {
				unique("pickle step", ps.Id)
				for _, id := range ps.AstNodeIds {
					assert.True(t, s.docIDs[id], "pickle step %s: ast node %q exists", ps.Id, id)
				}
			}
			for _, tag := range p.Tags {
				assert.True(t, s.docIDs[tag.AstNodeId], "pickle %s: tag %s's node exists", p.Id, tag.Name)
			}
			s.pickles[p.Id] = p
		case e.Hook != nil:
			assert.False(t, runStarted)
			unique("hook", e.Hook.Id)
			s.hooks[e.Hook.Id] = e.Hook
		case e.TestRunStarted != nil:
			assert.False(t, runStarted, "one testRunStarted")
			runStarted = true
			s.runID = e.TestRunStarted.Id
		case e.TestCase != nil:
			tc := e.TestCase
			require.True(t, runStarted)
			unique("test case", tc.Id)
			assert.Equal(t, s.runID, tc.TestRunStartedId)
			p, ok := s.pickles[tc.PickleId]
			require.True(t, ok, "test case %s: pickle %q exists", tc.Id, tc.PickleId)
			var pickleSteps []string
			for _, ts := range tc.TestSteps {
				unique("test step", ts.Id)
				if ts.HookId != "" {
					assert.Contains(t, s.hooks, ts.HookId, "test step %s: hook exists", ts.Id)
					assert.Empty(t, ts.PickleStepId)
					continue
				}
				pickleSteps = append(pickleSteps, ts.PickleStepId)
			}
			var want []string
			for _, ps := range p.Steps {
				want = append(want, ps.Id)
			}
			assert.Equal(t, want, pickleSteps, "test case %s runs its pickle's steps in order", tc.Id)
			s.cases[tc.Id] = tc
		case e.TestCaseStarted != nil:
			cs := e.TestCaseStarted
			unique("test case started", cs.Id)
			tc, ok := s.cases[cs.TestCaseId]
			require.True(t, ok, "test case started %s: test case %q exists", cs.Id, cs.TestCaseId)
			prev := s.byPickle[tc.PickleId]
			assert.Equal(t, int64(len(prev)), cs.Attempt, "attempts count from 0")
			if len(prev) > 0 {
				f := s.finished[prev[len(prev)-1].Id]
				require.NotNil(t, f, "the previous attempt finished first")
				assert.True(t, f.WillBeRetried, "an attempt that is retried says so")
			}
			s.byPickle[tc.PickleId] = append(prev, cs)
			s.started[cs.Id] = cs
			open[cs.Id] = 0
			lastTime[cs.Id] = msg.TimestampToGoTime(*cs.Timestamp)
		case e.TestStepStarted != nil:
			ss := e.TestStepStarted
			require.Contains(t, open, ss.TestCaseStartedId, "step started: its test case is running")
			tc := s.cases[s.started[ss.TestCaseStartedId].TestCaseId]
			require.Less(t, open[ss.TestCaseStartedId], len(tc.TestSteps))
			assert.Equal(t, tc.TestSteps[open[ss.TestCaseStartedId]].Id, ss.TestStepId, "steps run in order")
			assert.Empty(t, stepStarted, "one step at a time")
			stepStarted = ss.TestStepId
			ts := msg.TimestampToGoTime(*ss.Timestamp)
			assert.False(t, ts.Before(lastTime[ss.TestCaseStartedId]), "time moves forward")
			lastTime[ss.TestCaseStartedId] = ts
		case e.TestStepFinished != nil:
			sf := e.TestStepFinished
			require.Contains(t, open, sf.TestCaseStartedId)
			assert.Equal(t, stepStarted, sf.TestStepId, "the started step finishes")
			stepStarted = ""
			open[sf.TestCaseStartedId]++
			require.NotNil(t, sf.TestStepResult)
			require.NotNil(t, sf.TestStepResult.Duration)
			assert.NotEqual(t, msg.TestStepResultStatus_UNKNOWN, sf.TestStepResult.Status)
			ts := msg.TimestampToGoTime(*sf.Timestamp)
			assert.False(t, ts.Before(lastTime[sf.TestCaseStartedId]))
			lastTime[sf.TestCaseStartedId] = ts
			s.steps[sf.TestCaseStartedId] = append(s.steps[sf.TestCaseStartedId], sf)
		case e.Attachment != nil && e.Attachment.TestCaseStartedId == "":
			a := e.Attachment
			require.True(t, runStarted, "a run's attachment comes after testRunStarted")
			assert.Equal(t, s.runID, a.TestRunStartedId, "a run's attachment names the run")
			assert.Empty(t, a.TestStepId)
			assert.Equal(t, msg.AttachmentContentEncoding_IDENTITY, a.ContentEncoding)
			assert.NotEmpty(t, a.Body)
			s.runAttached = append(s.runAttached, a)
		case e.Attachment != nil:
			a := e.Attachment
			require.Contains(t, open, a.TestCaseStartedId, "attachment: its test case is running")
			if a.TestStepId != "" {
				assert.True(t, stepOf(a.TestCaseStartedId, a.TestStepId), "attachment: step %q is in the test case", a.TestStepId)
			}
			switch a.ContentEncoding {
			case msg.AttachmentContentEncoding_BASE64:
				_, err := base64.StdEncoding.DecodeString(a.Body)
				assert.NoError(t, err)
			case msg.AttachmentContentEncoding_IDENTITY:
				assert.True(t, a.Body != "" || a.Url != "", "an attachment has a body or a url")
			default:
				t.Errorf("attachment: encoding %q", a.ContentEncoding)
			}
			s.attached[a.TestCaseStartedId] = append(s.attached[a.TestCaseStartedId], a)
		case e.TestCaseFinished != nil:
			cf := e.TestCaseFinished
			n, ok := open[cf.TestCaseStartedId]
			require.True(t, ok, "test case finished: %q is running", cf.TestCaseStartedId)
			tc := s.cases[s.started[cf.TestCaseStartedId].TestCaseId]
			assert.Equal(t, len(tc.TestSteps), n, "every test step ran")
			delete(open, cf.TestCaseStartedId)
			s.finished[cf.TestCaseStartedId] = cf
			assert.False(t, msg.TimestampToGoTime(*cf.Timestamp).Before(lastTime[cf.TestCaseStartedId]))
		case e.TestRunFinished != nil:
			assert.Equal(t, len(s.envs)-1, i)
			assert.Equal(t, s.runID, e.TestRunFinished.TestRunStartedId)
			s.runResult = e.TestRunFinished
		default:
			t.Errorf("line %d: unexpected message", i+1)
		}
	}
	assert.Empty(t, open, "every test case finished")
	for id, cs := range s.byPickle {
		assert.False(t, s.finished[cs[len(cs)-1].Id].WillBeRetried, "%s: the last attempt is not retried", id)
	}
	for id := range s.cases {
		found := false
		for _, cs := range s.started {
			found = found || cs.TestCaseId == id
		}
		assert.True(t, found, "test case %s ran", id)
	}
	return s
}

// attempts returns the statuses of the steps of each attempt of the
// scenario with the given id.
func (s *stream) attempts(id string) [][]msg.TestStepResultStatus {
	var out [][]msg.TestStepResultStatus
	for _, cs := range s.byPickle["pickle:"+id] {
		var st []msg.TestStepResultStatus
		for _, f := range s.steps[cs.Id] {
			st = append(st, f.TestStepResult.Status)
		}
		out = append(out, st)
	}
	return out
}

func (s *stream) attempt(id string, n int) *msg.TestCaseStarted {
	return s.byPickle["pickle:"+id][n]
}

const (
	P = msg.TestStepResultStatus_PASSED
	F = msg.TestStepResultStatus_FAILED
	S = msg.TestStepResultStatus_SKIPPED
	U = msg.TestStepResultStatus_UNDEFINED
)

func TestSample(t *testing.T) {
	run := resultstest.Sample()
	dir := resultstest.AttachmentDir(t, run)
	for name, cfg := range map[string]Config{
		"reconstructed": {OutDir: dir},
		"source":        {OutDir: dir, FeatureRoot: "testdata"},
	} {
		t.Run(name, func(t *testing.T) {
			s := check(t, write(t, run, cfg))
			assert.Len(t, s.docs, 3)
			assert.Len(t, s.pickles, 10)
			assert.Len(t, s.cases, 10)
			assert.Len(t, s.started, 11, "10 scenarios, one of them run twice")

			assert.Equal(t, [][]msg.TestStepResultStatus{{P, P, F, S, S}}, s.attempts("features/patient_search.feature:12"))
			assert.Equal(t, [][]msg.TestStepResultStatus{{P, P, P}}, s.attempts("features/patient_search.feature:33"))
			assert.Equal(t, [][]msg.TestStepResultStatus{{P, U, S}}, s.attempts("features/medications.feature:11"))
			assert.Equal(t, [][]msg.TestStepResultStatus{{P, P, F}, {P, P, P}}, s.attempts("features/appointments.feature:17"),
				"the flaky scenario: a failed attempt, then a passed one")
			assert.Equal(t, [][]msg.TestStepResultStatus{{S, S, S}}, s.attempts("features/appointments.feature:11"))

			// The outline row's pickle has the row's values and tags.
			row := s.pickles["pickle:features/patient_search.feature:33"]
			require.NotNil(t, row)
			assert.Equal(t, "Rejecting a malformed NHS number", row.Name)
			assert.Equal(t, `I search for NHS number "ABC 000 0018"`, row.Steps[1].Text)
			var tags []string
			for _, tg := range row.Tags {
				tags = append(tags, tg.Name)
			}
			assert.Equal(t, []string{"@patients", "@smoke", "@validation"}, tags, "feature tags are inherited once")

			// The failing step: kind, error, exception.
			first := s.attempt("features/patient_search.feature:12", 0)
			failed := s.steps[first.Id][2].TestStepResult
			assert.Equal(t, "Failure kind: assertion (the EPR did not show or do what the scenario expected)\n"+resultstest.AssertionError, failed.Message)
			require.NotNil(t, failed.Exception)
			assert.Equal(t, "assertion", failed.Exception.Type)
			assert.Equal(t, resultstest.AssertionError, failed.Exception.StackTrace)
			assert.Equal(t, 5003*time.Millisecond, msg.DurationToGoDuration(*failed.Duration))
			assert.Equal(t, run.Features[0].Scenarios[0].StartedAt, msg.TimestampToGoTime(*first.Timestamp).UTC())

			// Its attachments: the screenshot embedded, the others by url, the
			// repro line as a log; all on the failing step.
			atts := s.attached[first.Id]
			require.Len(t, atts, 4)
			failingStep := s.steps[first.Id][2].TestStepId
			for _, a := range atts {
				assert.Equal(t, failingStep, a.TestStepId)
			}
			assert.Equal(t, "image/png", atts[0].MediaType)
			assert.Equal(t, msg.AttachmentContentEncoding_BASE64, atts[0].ContentEncoding)
			assert.Equal(t, "screenshot.png", atts[0].FileName)
			png, err := base64.StdEncoding.DecodeString(atts[0].Body)
			require.NoError(t, err)
			assert.Equal(t, resultstest.PNG(), png)
			assert.Equal(t, "text/html", atts[1].MediaType)
			assert.Empty(t, atts[1].Body)
			assert.Equal(t, "patient-search/searching-by-nhs-number-shows-the-patient/page.html", atts[1].Url)
			assert.Equal(t, "application/zip", atts[2].MediaType)
			assert.Equal(t, LogMediaType, atts[3].MediaType)
			assert.Equal(t, "Reproduce: "+run.Features[0].Scenarios[0].Repro, atts[3].Body)

			// The flaky scenario: the failed attempt keeps its evidence; the
			// repro line is on the last attempt.
			fl := run.Flaky()[0]
			a0, a1 := s.attempt(fl.ID, 0), s.attempt(fl.ID, 1)
			assert.True(t, s.finished[a0.Id].WillBeRetried)
			assert.False(t, s.finished[a1.Id].WillBeRetried)
			assert.Equal(t, fl.Attempts[0].StartedAt, msg.TimestampToGoTime(*a0.Timestamp).UTC())
			assert.Equal(t, fl.StartedAt, msg.TimestampToGoTime(*a1.Timestamp).UTC())
			assert.Equal(t, fl.Attempts[0].StartedAt.Add(fl.Attempts[0].Duration), msg.TimestampToGoTime(*s.finished[a0.Id].Timestamp).UTC())
			require.Len(t, s.attached[a0.Id], 2)
			assert.Equal(t, "image/png", s.attached[a0.Id][0].MediaType)
			assert.Equal(t, s.steps[a0.Id][2].TestStepId, s.attached[a0.Id][0].TestStepId)
			assert.Equal(t, "timeout", s.steps[a0.Id][2].TestStepResult.Exception.Type)
			require.Len(t, s.attached[a1.Id], 1)
			assert.Equal(t, "Reproduce: "+fl.Repro, s.attached[a1.Id][0].Body)

			// The quarantined failure says so; it does not make the run fail
			// on its own (see TestRunSuccess).
			q := s.attempt("features/medications.feature:17", 0)
			assert.True(t, strings.HasPrefix(s.steps[q.Id][2].TestStepResult.Message, "Quarantined (@quarantine): this failure does not gate the run\n"))

			require.NotNil(t, s.runResult)
			assert.False(t, s.runResult.Success)
			assert.Equal(t, "4 scenarios did not pass", s.runResult.Message)
			assert.Equal(t, run.FinishedAt, msg.TimestampToGoTime(*s.runResult.Timestamp).UTC())
		})
	}
}

func TestSourceAndParsedDocument(t *testing.T) {
	s := check(t, write(t, resultstest.Sample(), Config{FeatureRoot: "testdata"}))
	var sources []*msg.Source
	for _, e := range s.envs {
		if e.Source != nil {
			sources = append(sources, e.Source)
		}
	}
	require.Len(t, sources, 3)
	data, err := os.ReadFile(filepath.Join("testdata", "features", "medications.feature"))
	require.NoError(t, err)
	assert.Equal(t, "features/medications.feature", sources[1].Uri)
	assert.Equal(t, string(data), sources[1].Data)
	assert.Equal(t, msg.SourceMediaType_TEXT_X_CUCUMBER_GHERKIN_PLAIN, sources[1].MediaType)
	doc := s.docs["features/patient_search.feature"]
	require.Len(t, doc.Comments, 1, "the parsed document keeps comments")
	outline := doc.Feature.Children[2].Scenario
	require.Len(t, outline.Examples, 1, "and the outline's examples")
	assert.Len(t, outline.Examples[0].TableBody, 2)
}

func TestReconstructedDocument(t *testing.T) {
	s := check(t, write(t, resultstest.Sample(), Config{}))
	for _, e := range s.envs {
		assert.Nil(t, e.Source, "no source without a feature root")
	}
	doc := s.docs["features/appointments.feature"]
	require.NotNil(t, doc.Feature)
	assert.Equal(t, "Booking appointments", doc.Feature.Name)
	require.Len(t, doc.Feature.Children, 3)
	sc := doc.Feature.Children[2].Scenario
	assert.Equal(t, int64(17), sc.Location.Line)
	require.Len(t, sc.Tags, 1)
	assert.Equal(t, "@hazard:H-004", sc.Tags[0].Name)
	assert.Equal(t, msg.StepKeywordType_OUTCOME, sc.Steps[2].KeywordType)
	assert.Equal(t, "Then ", sc.Steps[2].Keyword)
	p := s.pickles["pickle:features/appointments.feature:17"]
	assert.Equal(t, msg.PickleStepType_OUTCOME, p.Steps[2].Type)
}

func TestNoOutDirReferencesImages(t *testing.T) {
	s := check(t, write(t, resultstest.Sample(), Config{}))
	atts := s.attached[s.attempt("features/appointments.feature:5", 0).Id]
	require.NotEmpty(t, atts)
	assert.Equal(t, "image/png", atts[0].MediaType)
	assert.Equal(t, msg.AttachmentContentEncoding_IDENTITY, atts[0].ContentEncoding)
	assert.Empty(t, atts[0].Body)
	assert.Equal(t, "appointments/cancelling-an-appointment-frees-the-slot/screenshot.png", atts[0].Url)
}

func TestRunSuccess(t *testing.T) {
	// Only the quarantined and the flaky scenario did not pass.
	onlyQuarantined := func() *results.Run {
		run := resultstest.Sample()
		for _, f := range run.Features {
			var keep []*results.Scenario
			for _, s := range f.Scenarios {
				if s.Status == results.Passed || s.Status == results.Skipped || s.Status == results.Flaky || s.Quarantined {
					keep = append(keep, s)
				}
			}
			f.Scenarios = keep
		}
		return run
	}
	result := func(run *results.Run) *msg.TestRunFinished {
		return check(t, write(t, run, Config{})).runResult
	}
	r := result(onlyQuarantined())
	assert.True(t, r.Success, "a quarantined failure does not gate")
	assert.Empty(t, r.Message)

	run := onlyQuarantined()
	run.FailOnFlaky = true
	r = result(run)
	assert.False(t, r.Success)
	assert.Equal(t, "1 scenario flaky (the run fails on flaky scenarios)", r.Message)

	run = onlyQuarantined()
	run.Interrupted = true
	assert.Equal(t, "run run-20260601T090000Z was interrupted", result(run).Message)

	r = result(resultstest.Killed())
	assert.False(t, r.Success, "a killed run is never a success")
	assert.Equal(t, "run run-20260601T100000Z is unfinished: it never recorded its end; 2 of 4 planned scenarios never ran", r.Message)
}

func TestGoldenKilledAndStopped(t *testing.T) {
	killed := write(t, resultstest.Killed(), Config{})
	resultstest.Golden(t, "killed.golden", killed)
	assert.Contains(t, string(killed), `"body":"Not run: features/medications.feature:5 Prescribing a repeat medication records it on the chart"`)
	assert.Contains(t, string(killed), `"body":"Incomplete: run run-20260601T100000Z is unfinished: it never recorded its end; 2 of 4 planned scenarios never ran"`)
	stopped := write(t, resultstest.Stopped(), Config{})
	resultstest.Golden(t, "stopped.golden", stopped)
	assert.Contains(t, string(stopped), "Interrupted: the run was stopped while this scenario ran; not a failure of the EPR")
	check(t, killed)
	check(t, stopped)
}

func TestFailureOutsideSteps(t *testing.T) {
	run := resultstest.Sample()
	s := run.Features[1].Scenarios[0] // backend failure
	for _, st := range s.Steps {
		st.Status, st.Error = results.Skipped, ""
	}
	s.Error = "reset database: context deadline exceeded"
	st := check(t, write(t, run, Config{}))
	assert.Contains(t, st.hooks, HookBefore)
	assert.NotContains(t, st.hooks, HookAfter, "hooks are emitted only when used")
	a := st.attempt(s.ID, 0)
	steps := st.steps[a.Id]
	require.Len(t, steps, 5, "a hook step before the 4 steps")
	assert.Equal(t, "testcase:"+s.ID+":before", steps[0].TestStepId)
	assert.Equal(t, F, steps[0].TestStepResult.Status)
	assert.Equal(t, "backend", steps[0].TestStepResult.Exception.Type)
	assert.Contains(t, steps[0].TestStepResult.Message, "reset database: context deadline exceeded")
	repro := st.attached[a.Id]
	require.Len(t, repro, 1)
	assert.Equal(t, steps[0].TestStepId, repro[0].TestStepId, "the repro line is on the failing hook")

	// After a passed step, the failure is after the steps; an earlier
	// attempt that failed in a step gets a passing hook step.
	s.Steps[0].Status = results.Passed
	s.Attempts = []*results.Attempt{{
		Status: results.Failed, FailureKind: results.KindAssertion, StartedAt: s.StartedAt.Add(-time.Minute),
		Steps: []*results.Step{{Keyword: "Given ", Text: s.Steps[0].Text, Line: 6, Status: results.Failed, Error: "boom"}},
	}}
	st = check(t, write(t, run, Config{}))
	assert.Contains(t, st.hooks, HookAfter)
	assert.Equal(t, [][]msg.TestStepResultStatus{{F, S, S, S, P}, {P, S, S, S, F}}, st.attempts(s.ID),
		"the earlier attempt's missing steps are skipped and its hook step passes")
}

func TestErrors(t *testing.T) {
	var buf bytes.Buffer
	assert.ErrorContains(t, Write(&buf, nil, Config{}), "nil run")

	run := resultstest.Sample()
	run.Features[0].Scenarios[1].Steps[0].Status = "exploded"
	assert.ErrorContains(t, Write(&buf, run, Config{}), `step at line 21: unknown status "exploded"`)

	run = resultstest.Sample()
	run.Features[0].Scenarios[1].Status = ""
	assert.ErrorContains(t, Write(&buf, run, Config{}), `unknown status ""`)

	run = resultstest.Sample()
	run.Flaky()[0].Attempts[0].Status = results.Passed
	assert.ErrorContains(t, Write(&buf, run, Config{}), `attempt 1: unknown or passed status "passed"`)

	run = resultstest.Sample()
	run.Features[0].Scenarios[1].ID = run.Features[0].Scenarios[0].ID
	assert.ErrorContains(t, Write(&buf, run, Config{}), "is not unique")

	// The feature file must match the run.
	run = resultstest.Sample()
	run.Features[2].Scenarios[0].Steps[0].Text = "I am someone else"
	assert.ErrorContains(t, Write(&buf, run, Config{FeatureRoot: "testdata"}),
		`step 1 is "I am logged in as \"reception.lee\"" in the feature file, "I am someone else" in the run`)
	run = resultstest.Sample()
	run.Features[2].Scenarios[0].Line = 6
	run.Features[2].Scenarios[0].ID = "x"
	assert.ErrorContains(t, Write(&buf, run, Config{FeatureRoot: "testdata"}), "no scenario or example row at line 6")
	err := Write(&buf, resultstest.Sample(), Config{FeatureRoot: t.TempDir()})
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.ErrorContains(t, err, "patient_search.feature")

	// Attachments.
	run = resultstest.Sample()
	dir := resultstest.AttachmentDir(t, run)
	missing := filepath.Join(dir, "appointments", "cancelling-an-appointment-frees-the-slot", "screenshot.png")
	require.NoError(t, os.Remove(missing))
	err = Write(&buf, run, Config{OutDir: dir})
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.ErrorContains(t, err, missing)
	assert.ErrorContains(t, err, `"Cancelling an appointment frees the slot" (features/appointments.feature:5)`)
	run.Features[0].Scenarios[0].Attachments[0].Path = "../../etc/passwd.png"
	assert.ErrorContains(t, Write(&buf, run, Config{OutDir: dir}), "passwd.png")
	assert.Zero(t, buf.Len(), "nothing is written on error")

	sentinel := errors.New("disk full")
	assert.ErrorIs(t, Write(failingWriter{sentinel}, resultstest.Sample(), Config{}), sentinel)
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestEmptyRun(t *testing.T) {
	s := check(t, write(t, &results.Run{ID: "empty", StartedAt: resultstest.Start, FinishedAt: resultstest.Start}, Config{}))
	assert.Len(t, s.envs, 3, "meta, testRunStarted, testRunFinished")
	assert.True(t, s.runResult.Success)

	s = check(t, write(t, &results.Run{ID: "empty"}, Config{}))
	assert.Len(t, s.envs, 4, "meta, testRunStarted, the incomplete line, testRunFinished")
	assert.False(t, s.runResult.Success, "a run that never recorded its end is no success")
}

func TestConcurrentWrites(t *testing.T) {
	run := resultstest.Sample()
	dir := resultstest.AttachmentDir(t, run)
	cfg := Config{OutDir: dir, FeatureRoot: "testdata"}
	want := write(t, run, cfg)
	done := make(chan []byte)
	for range 4 {
		go func() {
			var buf bytes.Buffer
			if err := Write(&buf, resultstest.Sample(), cfg); err != nil {
				done <- nil
				return
			}
			done <- buf.Bytes()
		}()
	}
	for range 4 {
		assert.Equal(t, want, <-done)
	}
}

// The run names its target in a log attachment of the run; each scenario's
// blocked hosts and unique identities are log attachments on the step that
// holds its evidence.
func TestTargetBlockedAndIdentities(t *testing.T) {
	run := resultstest.Sample()
	s := check(t, write(t, run, Config{}))
	require.Len(t, s.runAttached, 1)
	a := s.runAttached[0]
	assert.Equal(t, LogMediaType, a.MediaType)
	assert.Equal(t, "Target: "+run.Target.Describe(), a.Body)
	assert.Equal(t, "run-20260601T090000Z", a.TestRunStartedId)

	logs := func(started string) []string {
		var out []string
		for _, a := range s.attached[started] {
			if a.MediaType == LogMediaType && !strings.HasPrefix(a.Body, "Reproduce: ") {
				out = append(out, a.TestStepId+" "+a.Body)
			}
		}
		return out
	}
	assert.Equal(t, []string{
		"testcase:features/appointments.feature:5:step:3 blocked request to fonts.googleapis.com",
		"testcase:features/appointments.feature:5:step:3 blocked request to www.google-analytics.com",
		`testcase:features/appointments.feature:5:step:3 patient "Mary Jones" was Mary Jones-q4zt, NHS number 9992173041`,
	}, logs("started:features/appointments.feature:5:0"), "on the failing step")
	assert.Equal(t, []string{
		`testcase:features/patient_search.feature:20:step:3 patient "Jane Smith" was Jane Smith-k3p9, NHS number 9994021567`,
		`testcase:features/patient_search.feature:20:step:3 patient "John Smith" was John Smith-k3p9, NHS number 9996551881`,
	}, logs("started:features/patient_search.feature:20:0"), "on the last step of a passed scenario")

	// No target recorded: no run attachment.
	run.Target = results.Target{}
	assert.Empty(t, check(t, write(t, run, Config{})).runAttached)
}

// Each accessibility violation that failed a check is a log attachment
// with every element, on the step that holds the scenario's evidence.
func TestAccessibilityViolationsAreLogAttachments(t *testing.T) {
	run := resultstest.Sample()
	sc := run.Features[0].Scenarios[0] // fails at its third step (step:3)
	sc.Accessibility = []results.AccessibilityCheck{{Page: "/patients/{id}", Violations: []results.Violation{{Rule: "label", Impact: "critical",
		Help: "Form elements must have labels", Criteria: []string{"4.1.2"}, Nodes: []results.ViolationNode{{Target: "#nhs", HTML: `<input id="nhs">`}}}}}}
	s := check(t, write(t, run, Config{}))
	var got []string
	for _, a := range s.attached["started:"+sc.ID+":0"] {
		if a.MediaType == LogMediaType && strings.HasPrefix(a.Body, "accessibility violation") {
			got = append(got, a.TestStepId+" "+a.Body)
		}
	}
	assert.Equal(t, []string{`testcase:` + sc.ID + `:step:3 accessibility violation on /patients/{id}: label (critical; WCAG 4.1.2) Form elements must have labels: #nhs <input id="nhs">`}, got)
}
