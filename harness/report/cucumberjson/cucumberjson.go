// Package cucumberjson writes a results.Run as Cucumber JSON, the report
// format of cucumber-jvm and cucumber-js that the Jenkins Cucumber Reports
// plugin (cucumber-reporting), Allure and most Cucumber dashboards ingest.
//
// # Layout
//
// The document is an array with one object per feature:
//
//	{uri, id, keyword: "Feature", name, description, line, tags: [{name}],
//	 elements: [{id, keyword, name, description, line, type: "scenario",
//	             start_timestamp, tags: [{name}], before?, steps: [{keyword,
//	             name, line, match: {location}, result: {status, duration,
//	             error_message}, embeddings?, output?}], after?}]}
//
// where a hook is {match?: {location}, result, embeddings?, output?}.
//
// Ids follow cucumber-jvm: the name in lower case with white space and the
// characters ' _ , ! replaced by "-", and "<feature-id>;<scenario-id>" for
// scenarios. When several scenarios of a feature get the same id (rows of a
// scenario outline), each gets ";;N" appended, N counting from 2 as
// cucumber-jvm numbers example rows. Step keywords end with one space
// ("Given "), durations are integer nanoseconds, start_timestamp is UTC with
// milliseconds ("2026-06-01T09:00:00.500Z"). Tags carry no "line": the results
// model does not record where tags are written (cucumber-jvm also omits it
// for scenario tags). Element descriptions are empty for the same reason.
//
// Statuses are Cucumber's: passed, failed, skipped, undefined, pending,
// ambiguous. Because Cucumber JSON has no notion of why a scenario failed,
// the error_message of the failing step starts with a line naming the
// failure kind, e.g. "Failure kind: backend (the test backend failed; the
// EPR's behaviour was not tested)", so that an environment fault is not read
// as an EPR defect. A scenario that failed outside its steps (in a hook) gets
// a synthetic "before" hook (no step passed) or "after" hook (some did)
// carrying the status and the scenario's error, since consumers derive a
// scenario's status from its steps and hooks.
//
// # Retries, flaky and quarantined scenarios
//
// Cucumber JSON has no notion of retries or of a flaky outcome, and consumers
// derive a scenario's status from its steps and hooks, so:
//
//   - the steps are the last attempt's, with its statuses: a flaky scenario
//     (failed, then passed on a retry) shows as passed, one that failed on
//     every attempt as failed;
//   - the earlier, failed attempts go in one synthetic "before" hook, first
//     of the scenario's before hooks, with match location
//     "eprharness:earlier-attempts", result passed (it does not change the
//     outcome: a failed hook would make a flaky scenario look failed) and
//     duration the attempts' total; the scenario's start_timestamp is then
//     the first attempt's. Its
//     "output" holds one entry per attempt, "Attempt 1 of 2 failed (timeout:
//     …)" followed by the failing step and the full error, then the entry
//     "Attempt 2 of 2 passed" (or "failed") and, for a flaky scenario, the
//     repro line. Its embeddings are the attempts' attachments, in the same
//     form as below, named "<name> (attempt N)" (the failed attempt's
//     screenshot shows inline).
//   - a quarantined scenario keeps its true statuses (this report is a record,
//     not the gate; the junit report is what keeps a quarantined failure from
//     gating CI) and its @quarantine tag; its failure message starts with a
//     line saying it does not gate the run.
//
// The command line that reproduces a scenario that did not pass
// (results.Scenario.Repro) is the "output" line "Reproduce: <command>" of
// its failing step or failure hook, or of the earlier-attempts hook for a
// flaky scenario. cucumber-jvm writes a scenario's log lines to "output", and
// cucumber-reporting shows them under the step.
//
// The hosts the browser was stopped from reaching during the scenario are
// "output" lines "blocked request to HOST", followed by one line per unique
// patient identity the scenario used (`patient "Jane Smith" was Jane
// Smith-k3p9, NHS number 9994021567`) and one per accessibility violation
// that failed a check, with every element
// (results.Scenario.AccessibilityLines), after any repro line, on the step or
// hook that holds the scenario's attachments (below; a scenario with no
// steps gets an "after" hook for them).
//
// # Interrupted scenarios and unfinished runs
//
// Cucumber JSON has no interrupted status and no notion of a plan, so:
//
//   - an interrupted scenario (in flight when the run was stopped) keeps its
//     steps' statuses and gets a synthetic hook ("after" when a step passed,
//     else "before") with status "skipped" and an error_message starting
//     "Interrupted: the run was stopped while this scenario ran; not a
//     failure of the EPR". It is never "failed".
//   - a planned scenario that never ran (results.Run.NotRun: the run was
//     killed or interrupted first) is an element with no steps and one
//     "before" hook with status "skipped" and match location
//     "eprharness:not-run", whose error_message is "Not run: " and why the
//     run is incomplete, naming it unfinished (or interrupted) with the
//     count of scenarios never run, e.g. "Not run: run X is unfinished: it
//     never recorded its end; 2 of 4 planned scenarios never ran". It goes
//     in its feature's object, after the scenarios that ran; a feature none
//     of whose scenarios ran gets an object named after its URI.
//
// # Attachments
//
// A scenario's attachments go on its failing step (the first failed,
// undefined, ambiguous or pending one), on the synthetic failure hook, or,
// when nothing failed, on its last step; a scenario without steps gets an
// "after" hook to hold them. Consumers only read embeddings in the
// {mime_type, data (base64), name} shape, and cucumber-reporting and Allure
// copy every embedding out as a file of its own, so:
//
//   - image/* attachments are embedded whole: the file is read from
//     Config.OutDir and written as base64 with its media type, so the
//     screenshot shows inline in the report. A file that cannot be read is an
//     error naming its path; it is never silently left out.
//   - other attachments (Playwright trace zip, page HTML) are not embedded,
//     as they are large and no Cucumber report can open them inline. Each is
//     referenced by a text/plain embedding whose data is the base64 of one
//     line "<name>: <path>", e.g. "trace: patient-search/x/trace.zip", the
//     path relative to the run's output folder. Every consumer shows
//     text/plain embeddings as text.
//   - with Config.OutDir empty no file is read and images are referenced the
//     same way.
//
// Each embedding's name is the attachment's name ("screenshot", "trace").
//
// # Messages
//
// Each HL7 v2 or FHIR message the scenario exchanged with the EPR's
// interfaces (results.Scenario.Messages) is a text/plain embedding on the
// step that sent or received it, after that step's attachments, named by
// results.Message.Title ("HL7v2 sent ADT^A08 (AE)", "FHIR received
// Appointment notification (200)"), holding results.Message.Document: a
// heading line (direction, the other end, time, control id), the message
// (HL7 v2 segments one per line, FHIR JSON after the request line) and
// its answer, or why there was none. text/plain because the embedding
// holds message and answer together, and every consumer shows text/plain
// inline. A message of no step goes with the scenario's attachments.
//
// # Contract
//
// The output is indented JSON ending in a newline, without HTML escaping of
// <, > and &, and depends only on the run, the config and the attachment
// files (no clock, no map order). ANSI colour codes are removed from error
// messages. Write builds the whole document before writing it, so on error
// nothing has been written. The caller owns w and closes it. Write does not
// modify the run and keeps no state: it is safe for concurrent use on distinct
// runs.
package cucumberjson

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
	"strings"
	"time"

	"github.com/eprharness/eprharness/harness/results"
)

// Config controls the report.
type Config struct {
	// OutDir is the run's output folder, which attachment paths are relative
	// to. Images are read from it and embedded. "" means embed no files.
	OutDir string
}

// Write writes run to w as a Cucumber JSON document.
func Write(w io.Writer, run *results.Run, cfg Config) (err error) {
	if run == nil {
		return errors.New("cucumberjson: nil run")
	}
	b := &builder{cfg: cfg}
	defer func() {
		if b.root != nil {
			if cerr := b.root.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("cucumberjson: %w", cerr)
			}
		}
	}()
	features := make([]feature, 0, len(run.Features))
	for i, f := range run.Features {
		if f == nil {
			return fmt.Errorf("cucumberjson: feature %d is nil", i)
		}
		jf, err := b.feature(f)
		if err != nil {
			return err
		}
		features = append(features, jf)
	}
	features = addNotRun(run, features)

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(features); err != nil {
		return fmt.Errorf("cucumberjson: encode: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("cucumberjson: write: %w", err)
	}
	return nil
}

type feature struct {
	URI         string    `json:"uri"`
	ID          string    `json:"id"`
	Keyword     string    `json:"keyword"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Line        int       `json:"line"`
	Tags        []tag     `json:"tags"`
	Elements    []element `json:"elements"`
}

type tag struct {
	Name string `json:"name"`
}

type element struct {
	ID             string `json:"id"`
	Keyword        string `json:"keyword"`
	Name           string `json:"name"`
	Description    string `json:"description"`
	Line           int    `json:"line"`
	Type           string `json:"type"`
	StartTimestamp string `json:"start_timestamp,omitempty"`
	Tags           []tag  `json:"tags"`
	Before         []hook `json:"before,omitempty"`
	Steps          []step `json:"steps"`
	After          []hook `json:"after,omitempty"`
}

type hook struct {
	Match      *match      `json:"match,omitempty"`
	Result     result      `json:"result"`
	Embeddings []embedding `json:"embeddings,omitempty"`
	Output     []string    `json:"output,omitempty"`
}

// attemptsLocation is the match location of the synthetic hook that holds a
// retried scenario's earlier attempts.
const attemptsLocation = "eprharness:earlier-attempts"

type step struct {
	Keyword    string      `json:"keyword"`
	Name       string      `json:"name"`
	Line       int         `json:"line"`
	Match      *match      `json:"match,omitempty"`
	Result     result      `json:"result"`
	Embeddings []embedding `json:"embeddings,omitempty"`
	Output     []string    `json:"output,omitempty"`
}

type match struct {
	Location string `json:"location"`
}

type result struct {
	Status       string `json:"status"`
	Duration     int64  `json:"duration"`
	ErrorMessage string `json:"error_message,omitempty"`
}

type embedding struct {
	MimeType string `json:"mime_type"`
	Data     string `json:"data"`
	Name     string `json:"name,omitempty"`
}

type builder struct {
	cfg  Config
	root *os.Root
}

func (b *builder) feature(f *results.Feature) (feature, error) {
	fid := formatID(f.Name)
	jf := feature{
		URI:         f.URI,
		ID:          fid,
		Keyword:     "Feature",
		Name:        f.Name,
		Description: f.Description,
		Line:        f.Line,
		Tags:        tags(f.Tags),
		Elements:    make([]element, 0, len(f.Scenarios)),
	}
	ids := elementIDs(fid, f)
	for i, s := range f.Scenarios {
		if s == nil {
			return jf, fmt.Errorf("cucumberjson: %s: scenario %d is nil", f.URI, i)
		}
		el, err := b.element(f, s, ids[i])
		if err != nil {
			return jf, err
		}
		jf.Elements = append(jf.Elements, el)
	}
	return jf, nil
}

// elementIDs returns the element id of each scenario of f; ids that would
// repeat get ";;N" appended, N counting from 2.
func elementIDs(fid string, f *results.Feature) []string {
	base := make([]string, len(f.Scenarios))
	count := map[string]int{}
	for i, s := range f.Scenarios {
		if s == nil {
			continue
		}
		base[i] = fid + ";" + formatID(s.Name)
		count[base[i]]++
	}
	ids := make([]string, len(f.Scenarios))
	used := map[string]bool{}
	next := map[string]int{}
	for i, s := range f.Scenarios {
		if s == nil {
			continue
		}
		id := base[i]
		if count[id] > 1 {
			if next[id] == 0 {
				next[id] = 2
			}
			for {
				cand := fmt.Sprintf("%s;;%d", id, next[id])
				next[id]++
				if !used[cand] {
					id = cand
					break
				}
			}
		}
		used[id] = true
		ids[i] = id
	}
	return ids
}

func (b *builder) element(f *results.Feature, s *results.Scenario, id string) (element, error) {
	where := func() string { return fmt.Sprintf("scenario %q (%s:%d)", s.Name, f.URI, s.Line) }
	if !knownStatus(s.Status) && s.Status != results.Flaky && s.Status != results.Interrupted {
		return element{}, fmt.Errorf("cucumberjson: %s: unknown status %q", where(), s.Status)
	}
	keyword := strings.TrimSpace(s.Keyword)
	if keyword == "" {
		keyword = "Scenario"
	}
	el := element{
		ID:      id,
		Keyword: keyword,
		Name:    s.Name,
		Line:    s.Line,
		Type:    "scenario",
		Tags:    tags(s.Tags),
		Steps:   make([]step, 0, len(s.Steps)),
	}
	start := s.StartedAt
	if len(s.Attempts) > 0 && s.Attempts[0] != nil && !s.Attempts[0].StartedAt.IsZero() {
		start = s.Attempts[0].StartedAt
	}
	if !start.IsZero() {
		el.StartTimestamp = start.UTC().Format("2006-01-02T15:04:05.000Z")
	}

	failed := s.FailedStep()
	anyPassed := false
	for i, st := range s.Steps {
		if st == nil {
			return el, fmt.Errorf("cucumberjson: %s: step %d is nil", where(), i)
		}
		if !knownStatus(st.Status) {
			return el, fmt.Errorf("cucumberjson: %s: step at line %d: unknown status %q", where(), st.Line, st.Status)
		}
		if st.Status == results.Passed {
			anyPassed = true
		}
		js := step{
			Keyword: keywordOf(st),
			Name:    st.Text,
			Line:    st.Line,
			Result: result{
				Status:       string(st.Status),
				Duration:     nanos(st.Duration),
				ErrorMessage: stripANSI(st.Error),
			},
		}
		if st.Match != "" {
			js.Match = &match{Location: st.Match}
		}
		if st == failed {
			msg := js.Result.ErrorMessage
			if msg == "" {
				msg = stripANSI(s.Error)
			}
			js.Result.ErrorMessage = failureMessage(s, strings.TrimRight(msg, "\n"))
			js.Output = reproOutput(s)
		}
		el.Steps = append(el.Steps, js)
	}
	passedInTheEnd := s.Status == results.Passed || s.Status == results.Flaky

	// Where the attachments and the scenario's output lines go.
	lines := scenarioOutput(s)
	var target *[]embedding
	var output *[]string
	// outsideSteps makes h the scenario's only after hook when a step
	// passed, else its only before hook, and sends the attachments and
	// output lines there.
	outsideSteps := func(h hook) {
		hooks := &el.Before
		if anyPassed {
			hooks = &el.After
		}
		*hooks = []hook{h}
		target, output = &(*hooks)[0].Embeddings, &(*hooks)[0].Output
	}
	switch {
	case s.Status == results.Interrupted:
		h := hook{
			Result: result{Status: string(results.Skipped), ErrorMessage: interruptedMessage(s)},
			Output: reproOutput(s),
		}
		outsideSteps(h)
	case failed != nil:
		for i, st := range s.Steps {
			if st == failed {
				target, output = &el.Steps[i].Embeddings, &el.Steps[i].Output
				break
			}
		}
	case !passedInTheEnd && s.Status != results.Skipped:
		// Failed outside the steps: say so in a hook, or consumers would
		// show the scenario as passed or skipped.
		msg := stripANSI(strings.TrimRight(s.Error, "\n"))
		if msg == "" {
			msg = "(no error message recorded)"
		}
		h := hook{
			Result: result{
				Status:       string(s.Status),
				ErrorMessage: failureMessage(s, msg),
			},
			Output: reproOutput(s),
		}
		outsideSteps(h)
	case len(el.Steps) > 0:
		last := &el.Steps[len(el.Steps)-1]
		target, output = &last.Embeddings, &last.Output
	case len(s.Attachments) > 0 || len(lines) > 0:
		status := s.Status
		if status == results.Flaky {
			status = results.Passed
		}
		el.After = []hook{{Result: result{Status: string(status)}}}
		target, output = &el.After[0].Embeddings, &el.After[0].Output
	}
	if len(lines) > 0 {
		*output = append(*output, lines...)
	}
	for _, a := range s.Attachments {
		e, err := b.embedding(a, "")
		if err != nil {
			return el, fmt.Errorf("cucumberjson: %s: %w", where(), err)
		}
		*target = append(*target, e)
	}
	// Each message goes on the step that sent or received it; one of no
	// step goes with the attachments.
	for _, m := range s.Messages {
		dst := target
		if m.Step >= 0 && m.Step < len(el.Steps) {
			dst = &el.Steps[m.Step].Embeddings
		}
		if dst == nil {
			el.After = append(el.After, hook{Result: result{Status: string(afterStatus(s.Status))}})
			target = &el.After[len(el.After)-1].Embeddings
			dst = target
		}
		*dst = append(*dst, messageEmbedding(m))
	}

	if len(s.Attempts) > 0 {
		h, err := b.attemptsHook(s)
		if err != nil {
			return el, fmt.Errorf("cucumberjson: %s: %w", where(), err)
		}
		el.Before = append([]hook{h}, el.Before...)
	}
	return el, nil
}

// attemptsHook returns the synthetic hook that records the earlier, failed
// attempts of a retried scenario; see the package documentation.
func (b *builder) attemptsHook(s *results.Scenario) (hook, error) {
	n := len(s.Attempts) + 1
	h := hook{
		Match:  &match{Location: attemptsLocation},
		Result: result{Status: string(results.Passed)},
	}
	for i, at := range s.Attempts {
		if at == nil {
			return h, fmt.Errorf("attempt %d is nil", i+1)
		}
		if !knownStatus(at.Status) {
			return h, fmt.Errorf("attempt %d: unknown status %q", i+1, at.Status)
		}
		h.Result.Duration += nanos(at.Duration)
		var out strings.Builder
		fmt.Fprintf(&out, "Attempt %d of %d %s", i+1, n, at.Status)
		if at.FailureKind != results.KindNone {
			fmt.Fprintf(&out, " (%s", at.FailureKind)
			if help, ok := kindHelp[at.FailureKind]; ok {
				fmt.Fprintf(&out, ": %s", help)
			}
			out.WriteString(")")
		}
		msg := at.Error
		for _, st := range at.Steps {
			if st == nil {
				return h, fmt.Errorf("attempt %d: nil step", i+1)
			}
			if st.Status == results.Failed || st.Status == results.Undefined || st.Status == results.Ambiguous || st.Status == results.Pending {
				fmt.Fprintf(&out, "\n%s%s (line %d) %s", keywordOf(st), st.Text, st.Line, st.Status)
				if st.Error != "" {
					msg = st.Error
				}
				break
			}
		}
		if msg = stripANSI(strings.TrimRight(msg, "\n")); msg != "" {
			out.WriteString("\n" + msg)
		}
		h.Output = append(h.Output, out.String())
		for _, a := range at.Attachments {
			e, err := b.embedding(a, fmt.Sprintf(" (attempt %d)", i+1))
			if err != nil {
				return h, fmt.Errorf("attempt %d: %w", i+1, err)
			}
			h.Embeddings = append(h.Embeddings, e)
		}
	}
	last := s.Status
	if last == results.Flaky {
		last = results.Passed
	}
	h.Output = append(h.Output, fmt.Sprintf("Attempt %d of %d %s", n, n, last))
	if s.Status == results.Flaky {
		h.Output = append(h.Output, reproOutput(s)...)
	}
	return h, nil
}

// failureMessage is the error message shown for the scenario's failure:
// msg preceded by the failure kind and, for a quarantined scenario, a line
// saying that it does not gate the run.
func failureMessage(s *results.Scenario, msg string) string {
	msg = withKind(s.FailureKind, msg)
	if s.Quarantined {
		msg = "Quarantined (" + results.QuarantineTag + "): this failure does not gate the run\n" + msg
	}
	return msg
}

// notRunLocation is the match location of the hook of a planned scenario
// that never ran.
const notRunLocation = "eprharness:not-run"

// addNotRun adds an element for each planned scenario of run that never
// ran, to its feature's object (made when missing, named by its URI).
func addNotRun(run *results.Run, features []feature) []feature {
	notRun := run.NotRun()
	if len(notRun) == 0 {
		return features
	}
	why := run.IncompleteReason()
	byURI := map[string]int{}
	for i, f := range features {
		byURI[f.URI] = i
	}
	used := map[string]bool{}
	for _, f := range features {
		for _, el := range f.Elements {
			used[el.ID] = true
		}
	}
	for _, p := range notRun {
		i, ok := byURI[p.Feature]
		if !ok {
			features = append(features, feature{URI: p.Feature, ID: formatID(p.Feature), Keyword: "Feature",
				Name: p.Feature, Tags: []tag{}, Elements: []element{}})
			i = len(features) - 1
			byURI[p.Feature] = i
		}
		line := 0
		if j := strings.LastIndexByte(p.ID, ':'); j >= 0 {
			fmt.Sscanf(p.ID[j+1:], "%d", &line)
		}
		name := p.Name
		if name == "" {
			name = p.ID
		}
		id := features[i].ID + ";" + formatID(name)
		for k := 2; used[id]; k++ {
			id = fmt.Sprintf("%s;%s;;%d", features[i].ID, formatID(name), k)
		}
		used[id] = true
		features[i].Elements = append(features[i].Elements, element{
			ID: id, Keyword: "Scenario", Name: name, Line: line, Type: "scenario", Tags: []tag{}, Steps: []step{},
			Before: []hook{{
				Match:  &match{Location: notRunLocation},
				Result: result{Status: string(results.Skipped), ErrorMessage: "Not run: " + why},
				Output: []string{"Planned but never ran; rerun it: eprharness run " + p.ID},
			}},
		})
	}
	return features
}

// interruptedMessage is the error_message of an interrupted scenario.
func interruptedMessage(s *results.Scenario) string {
	msg := "Interrupted: the run was stopped while this scenario ran; not a failure of the EPR"
	if e := stripANSI(strings.TrimRight(s.Error, "\n")); e != "" {
		msg += "\n" + e
	}
	return msg
}

// scenarioOutput is the scenario's "blocked request to HOST" lines, then
// a line per unique patient identity it used, then a line per
// accessibility violation that failed a check (every element with it).
func scenarioOutput(s *results.Scenario) []string {
	var out []string
	for _, h := range s.Blocked {
		out = append(out, results.BlockedLine(h))
	}
	for _, id := range s.Identities {
		out = append(out, id.String())
	}
	return append(out, s.AccessibilityLines()...)
}

// afterStatus is the status of a synthetic after hook of a scenario with
// status st: it never changes the scenario's outcome.
func afterStatus(st results.Status) results.Status {
	if st == results.Flaky || st == results.Interrupted {
		return results.Passed
	}
	if knownStatus(st) {
		return st
	}
	return results.Passed
}

// messageEmbedding is a message as a text/plain embedding named by its
// title ("HL7v2 sent ADT^A08 (AE)"), holding results.Message.Document:
// the message, then its answer.
func messageEmbedding(m results.Message) embedding {
	return embedding{
		MimeType: "text/plain",
		Data:     base64.StdEncoding.EncodeToString([]byte(m.Document())),
		Name:     m.Title(),
	}
}

// reproOutput is the output line that gives the scenario's repro command,
// if any.
func reproOutput(s *results.Scenario) []string {
	if s.Repro == "" {
		return nil
	}
	return []string{"Reproduce: " + s.Repro}
}

// embedding returns the embedding of attachment a, its name followed by
// suffix.
func (b *builder) embedding(a results.Attachment, suffix string) (embedding, error) {
	name := a.Name
	if name == "" {
		name = path.Base(a.Path)
	}
	name += suffix
	if b.cfg.OutDir == "" || !strings.HasPrefix(a.MediaType, "image/") {
		line := name + ": " + a.Path
		return embedding{
			MimeType: "text/plain",
			Data:     base64.StdEncoding.EncodeToString([]byte(line)),
			Name:     name,
		}, nil
	}
	full := filepath.Join(b.cfg.OutDir, filepath.FromSlash(a.Path))
	if b.root == nil {
		root, err := os.OpenRoot(b.cfg.OutDir)
		if err != nil {
			return embedding{}, fmt.Errorf("attachment %s: output folder: %w", full, err)
		}
		b.root = root
	}
	// os.Root refuses paths that leave OutDir (absolute, "..", symlinks out).
	data, err := b.root.ReadFile(filepath.FromSlash(a.Path))
	if err != nil {
		return embedding{}, fmt.Errorf("attachment %s: %w", full, err)
	}
	return embedding{
		MimeType: a.MediaType,
		Data:     base64.StdEncoding.EncodeToString(data),
		Name:     name,
	}, nil
}

// kindHelp explains each failure kind in the failing step's error message.
var kindHelp = map[results.FailureKind]string{
	results.KindAssertion: "the EPR did not show or do what the scenario expected",
	results.KindTimeout:   "the EPR did not answer or render within the time allowed",
	results.KindBackend:   "the test backend failed; the EPR's behaviour was not tested",
	results.KindHarness:   "the harness itself failed; the EPR's behaviour was not tested",
}

func withKind(kind results.FailureKind, msg string) string {
	if kind == results.KindNone {
		return msg
	}
	line := "Failure kind: " + string(kind)
	if h, ok := kindHelp[kind]; ok {
		line += " (" + h + ")"
	}
	if msg == "" {
		return line
	}
	return line + "\n" + msg
}

func knownStatus(s results.Status) bool {
	switch s {
	case results.Passed, results.Failed, results.Skipped, results.Undefined, results.Pending, results.Ambiguous:
		return true
	}
	return false
}

func keywordOf(st *results.Step) string {
	kw := strings.TrimSpace(st.Keyword)
	if kw == "" {
		kw = "*"
	}
	return kw + " "
}

func tags(in []string) []tag {
	out := make([]tag, 0, len(in))
	for _, t := range in {
		if !strings.HasPrefix(t, "@") {
			t = "@" + t
		}
		out = append(out, tag{Name: t})
	}
	return out
}

var idReplace = regexp.MustCompile(`[\s'_,!]`)

// formatID turns a name into a Cucumber id the way cucumber-jvm does.
func formatID(name string) string {
	return strings.ToLower(idReplace.ReplaceAllString(name, "-"))
}

func nanos(d time.Duration) int64 {
	if d < 0 {
		return 0
	}
	return int64(d)
}

var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]`)

func stripANSI(s string) string {
	if strings.IndexByte(s, 0x1b) < 0 {
		return s
	}
	return ansi.ReplaceAllString(s, "")
}
