// Package results is the canonical model of a harness run: features,
// scenarios, steps, their outcomes, why they failed and what was captured.
//
// Every reporter (harness/report/<format>) writes from this model and nothing
// else, so a run can be re-reported from a stored copy. The model holds times
// and durations as values; nothing in it reads the clock, so reports built
// from it are deterministic. A Run is built by one goroutine at a time (the
// collector in harness/runner guards it); readers must not share a Run with a
// writer.
package results

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Status is the outcome of a step or scenario, using Cucumber's vocabulary.
type Status string

const (
	Passed    Status = "passed"
	Failed    Status = "failed"
	Skipped   Status = "skipped"
	Undefined Status = "undefined"
	Pending   Status = "pending"
	Ambiguous Status = "ambiguous"
	// Flaky: the scenario failed, was retried (see Scenario.Attempts) and
	// then passed. It is never counted as passed: something in the EPR or
	// the environment is unreliable.
	Flaky Status = "flaky"
	// Interrupted: the scenario was in flight when the run was stopped
	// (SIGINT, SIGTERM). It is neither passed nor failed: nothing is
	// known of the EPR's behaviour, and it is never blamed on the EPR.
	Interrupted Status = "interrupted"
)

// QuarantineTag marks a scenario that runs and is reported but never gates
// a run (its failures do not change the exit code).
const QuarantineTag = "@quarantine"

// HazardTagPrefix starts the tags that trace a scenario to a clinical-safety
// hazard, e.g. "@hazard:H-002".
const HazardTagPrefix = "@hazard:"

// FailureKind says why a scenario failed, so that a fault of the harness or
// of the test environment is never blamed on the system under test.
type FailureKind string

const (
	// KindNone is the kind of a scenario that did not fail.
	KindNone FailureKind = ""
	// KindAssertion: the EPR did not show or do what the scenario expected.
	KindAssertion FailureKind = "assertion"
	// KindTimeout: the EPR did not answer or render within the time allowed.
	KindTimeout FailureKind = "timeout"
	// KindBackend: the test backend (database, containers, fixtures load)
	// failed; the EPR's behaviour was not tested.
	KindBackend FailureKind = "backend"
	// KindHarness: the harness itself failed (browser crashed, bad step
	// wiring, undefined or ambiguous step, interrupted run).
	KindHarness FailureKind = "harness"
)

// Run is one execution of the harness over a set of features.
type Run struct {
	ID         string    `json:"id"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	// Target describes what was tested.
	Target Target `json:"target"`
	// Tags is the tag expression the run was filtered with, if any.
	Tags string `json:"tags,omitempty"`
	// Browser is the browser name and version, e.g. "chromium 156.0.8078.73".
	Browser string `json:"browser,omitempty"`
	// Interrupted is true when the run was stopped by a signal before it
	// finished; the scenarios recorded are those that had finished.
	Interrupted bool `json:"interrupted,omitempty"`
	// Commit is the git commit of the feature files' checkout, if known.
	Commit string `json:"commit,omitempty"`
	// Machine describes where the run ran.
	Machine Machine `json:"machine"`
	// Retries is how many times a failing scenario was rerun at most
	// (--retries).
	Retries int `json:"retries,omitempty"`
	// FailOnFlaky is true when flaky scenarios fail the run
	// (--fail-on-flaky).
	FailOnFlaky bool `json:"fail_on_flaky,omitempty"`
	// Planned lists every scenario the run set out to run (one per
	// example row), in run order, recorded when the run begins. A
	// planned scenario with no result never ran (see NotRun): the run
	// was killed, interrupted, or its backend never started. Nil for
	// runs recorded before plans were kept.
	Planned []PlannedScenario `json:"planned,omitempty"`
	// Phases is where the run's own time went outside its scenarios:
	// "browser" (launch or connect), "backends" (start of every worker's
	// backend) and "first-step" (from the command's start to the first
	// step of the first scenario). Empty for runs recorded without them.
	Phases []Phase `json:"phases,omitempty"`
	// Shard is the share of the selected scenarios this run ran, "I/N";
	// empty when it ran them all. A run merged from shards lists them in
	// Shards instead.
	Shard  string   `json:"shard,omitempty"`
	Shards []string `json:"shards,omitempty"`
	// RanBy is who started the run, from the environment
	// (EPRHARNESS_RUN_BY, the CI system's user, else the login name).
	RanBy string `json:"ran_by,omitempty"`
	// HazardLog is the clinical-safety hazard log the run was made
	// against, as it read it; nil when the suite has none.
	HazardLog *HazardLog `json:"hazard_log,omitempty"`
	// Accessibility is what the run says of accessibility as a whole
	// (its scan, its baseline's expired and fixed entries); nil when the
	// run checked nothing.
	Accessibility *AccessibilitySummary `json:"accessibility,omitempty"`
	Features      []*Feature            `json:"features"`
}

// PlannedScenario is one scenario a run set out to run.
type PlannedScenario struct {
	// ID is the scenario's Scenario.ID ("<uri>:<line>").
	ID   string `json:"id"`
	Name string `json:"name"`
	// Feature is the feature file's URI.
	Feature string `json:"feature"`
	// Tags are the scenario's tags, its own and inherited (feature, rule,
	// examples), so what a scenario that never ran would have verified
	// is known (harness/safety). Empty for runs recorded before tags
	// were kept.
	Tags []string `json:"tags,omitempty"`
}

// Unfinished reports whether the run never recorded its end: it is still
// running, or it was killed (SIGKILL, power loss, OOM) before it could.
// An unfinished run is never green and fails every gate, like an
// interrupted one.
func (r *Run) Unfinished() bool { return r.FinishedAt.IsZero() }

// NotRun returns the planned scenarios that have no result, in plan order.
func (r *Run) NotRun() []PlannedScenario {
	var out []PlannedScenario
	for _, p := range r.Planned {
		if _, _, ok := r.Scenario(p.ID); !ok {
			out = append(out, p)
		}
	}
	return out
}

// Machine describes the machine and harness a run ran on.
type Machine struct {
	Hostname string `json:"hostname,omitempty"`
	OS       string `json:"os,omitempty"`
	Arch     string `json:"arch,omitempty"`
	CPUs     int    `json:"cpus,omitempty"`
	// Harness is the eprharness version.
	Harness string `json:"harness,omitempty"`
	// Go is the Go version the harness was built with.
	Go string `json:"go,omitempty"`
}

// Target describes the system under test, the backend that served it and
// the adapter that drove its screens. Describe puts it in one line.
type Target struct {
	// Backend is the backend that served the EPR: "embedded:<app>"
	// (in-process, e.g. "embedded:refepr"), "docker", "url" (a running EPR
	// the harness did not start) or "compose".
	Backend string `json:"backend"`
	BaseURL string `json:"base_url"`
	// Adapter is the target adapter that drove the EPR's screens, by its
	// registered name ("refepr", "declarative").
	Adapter string `json:"adapter,omitempty"`
	// ScreenMap is the declarative adapter's screen map, as the path was
	// given ("screens.yaml").
	ScreenMap string `json:"screen_map,omitempty"`
	// Compose is the Docker Compose project the compose backend ran.
	Compose string `json:"compose,omitempty"`
	// Services names the image of each Compose service, by service name
	// ("orthanc": "orthancteam/orthanc:25.1.1"); Digests then holds their
	// digests by the same names.
	Services map[string]string `json:"services,omitempty"`
	// Images names the container images used, by role ("epr", "postgres").
	Images map[string]string `json:"images,omitempty"`
	// Digests holds the image digests (or image ids when the image was
	// built locally and never pushed), by the same roles as Images or the
	// same service names as Services.
	Digests map[string]string `json:"digests,omitempty"`
	// Version is the version the EPR reported about itself, if any.
	Version string `json:"version,omitempty"`
	// Defects lists the defects the reference EPR reported as active (only
	// the reference EPR has them: they are how the gate is proven).
	Defects []string `json:"defects,omitempty"`
}

// Feature is one feature file.
type Feature struct {
	URI         string      `json:"uri"`
	Name        string      `json:"name"`
	Description string      `json:"description,omitempty"`
	Line        int         `json:"line"`
	Tags        []string    `json:"tags,omitempty"`
	Scenarios   []*Scenario `json:"scenarios"`
}

// Scenario is one executed scenario (one example row of an outline).
type Scenario struct {
	// ID is stable across runs: "<uri>:<line>" of the scenario or, for an
	// outline, of its example row.
	ID      string   `json:"id"`
	Keyword string   `json:"keyword"`
	Name    string   `json:"name"`
	Line    int      `json:"line"`
	Tags    []string `json:"tags,omitempty"`

	Status      Status        `json:"status"`
	FailureKind FailureKind   `json:"failure_kind,omitempty"`
	Error       string        `json:"error,omitempty"`
	StartedAt   time.Time     `json:"started_at"`
	Duration    time.Duration `json:"duration_ns"`
	Steps       []*Step       `json:"steps"`
	// Attachments captured for the scenario as a whole (screenshot, page
	// HTML, trace). Paths are relative to the run's output folder.
	Attachments []Attachment `json:"attachments,omitempty"`

	// Attempts holds the earlier attempts of a retried scenario, oldest
	// first; the fields above are its last attempt. Empty when the
	// scenario ran once. A scenario whose last attempt passed after an
	// earlier one failed has Status Flaky.
	Attempts []*Attempt `json:"attempts,omitempty"`
	// Quarantined is true for a scenario tagged @quarantine: it runs and is
	// reported but never gates the run.
	Quarantined bool `json:"quarantined,omitempty"`
	// Repro is the one command line that reruns the scenario locally the
	// same way (feature file and line, target, fixtures, clock), headed,
	// with tracing on and the backends kept. Set for scenarios that did not
	// pass.
	Repro string `json:"repro,omitempty"`
	// Blocked lists the hosts the browser was stopped from reaching during
	// the scenario (its last attempt), each once, in the order first
	// blocked. Reports show each as "blocked request to HOST".
	Blocked []string `json:"blocked,omitempty"`
	// Identities lists the patient identities the scenario used when its
	// fixture patients were given unique names and NHS numbers (reset:
	// unique), in the order loaded.
	Identities []Identity `json:"identities,omitempty"`
	// Phases is where the scenario's time went (its last attempt), in the
	// order they happened: the backend reset, the browser context and
	// page, fixture patients, sign-in restores, the steps, evidence
	// capture and teardown (see the Phase* names). Step by step timings
	// are in Steps. Empty for scenarios recorded without them.
	Phases []Phase `json:"phases,omitempty"`
	// Accessibility lists the accessibility checks of the scenario's last
	// attempt, in the order they ran: by its steps and by the run-wide
	// scan of the pages it visited first.
	Accessibility []AccessibilityCheck `json:"accessibility,omitempty"`
	// Messages lists every message the scenario's last attempt sent to the
	// EPR's interfaces or received from them (HL7 v2, FHIR), in order,
	// with the answers (messages.go).
	Messages []Message `json:"messages,omitempty"`
}

// Phase is one part of a scenario's or a run's time.
type Phase struct {
	Name     string        `json:"name"`
	Duration time.Duration `json:"duration_ns"`
}

// Names of the phases of a scenario's and a run's time.
const (
	PhaseReset     = "reset"         // the backend's data put back
	PhaseContext   = "context"       // browser context and page created
	PhaseFixtures  = "fixtures"      // fixture patients loaded
	PhaseSignIn    = "sign-in"       // signing in, or restoring a saved sign-in
	PhaseSteps     = "steps"         // the steps, sign-ins excluded
	PhaseA11y      = "accessibility" // accessibility checks, by steps and the run-wide check
	PhaseEvidence  = "evidence"      // screenshots, page HTML, traces, logs saved
	PhaseTeardown  = "teardown"      // contexts closed, backend handed back
	PhaseBrowser   = "browser"       // run: browser launched or connected
	PhaseBackends  = "backends"      // run: the workers' backends started
	PhaseFirstStep = "first-step"    // run: command start to the first step
)

// Identity is the identity one fixture patient had in one scenario, when
// fixtures get unique per-scenario names on a shared environment.
type Identity struct {
	// Fixture is the patient as the fixtures and the feature name it
	// ("Jane Smith").
	Fixture string `json:"fixture"`
	// Name is the name the patient had in the EPR ("Jane Smith-k3p9").
	Name string `json:"name"`
	// NHSNumber is the NHS number the patient had in the EPR (ten digits).
	NHSNumber string `json:"nhs_number"`
}

// String puts the identity in words, as every report shows it:
// `patient "Jane Smith" was Jane Smith-k3p9, NHS number 9994021567`.
func (i Identity) String() string {
	s := fmt.Sprintf("patient %q was %s", i.Fixture, cmp.Or(i.Name, "(no name recorded)"))
	if i.NHSNumber != "" {
		s += ", NHS number " + i.NHSNumber
	}
	return s
}

// BlockedLine is how every report shows a host the browser was stopped
// from reaching: "blocked request to HOST".
func BlockedLine(host string) string { return "blocked request to " + host }

// Attempt is one earlier, failed attempt of a retried scenario. Its
// attachments (the failed attempt's screenshot and trace) are kept.
type Attempt struct {
	Status      Status        `json:"status"`
	FailureKind FailureKind   `json:"failure_kind,omitempty"`
	Error       string        `json:"error,omitempty"`
	StartedAt   time.Time     `json:"started_at"`
	Duration    time.Duration `json:"duration_ns"`
	Steps       []*Step       `json:"steps"`
	Attachments []Attachment  `json:"attachments,omitempty"`
	// Phases is where this attempt's time went (see Scenario.Phases).
	Phases []Phase `json:"phases,omitempty"`
}

// HistoryPoint is one scenario's outcome in one past run, as the results
// store returns it for history strips and flip detection.
type HistoryPoint struct {
	RunID     string        `json:"run_id"`
	StartedAt time.Time     `json:"started_at"`
	Status    Status        `json:"status"`
	Duration  time.Duration `json:"duration_ns"`
}

// Hazards returns the hazard ids of the scenario's @hazard:<id> tags, in
// tag order.
func (s *Scenario) Hazards() []string {
	var out []string
	for _, t := range s.Tags {
		if id, ok := strings.CutPrefix(t, HazardTagPrefix); ok && id != "" {
			out = append(out, id)
		}
	}
	return out
}

// Gates reports whether the scenario's outcome may change the run's exit
// code: every scenario except a quarantined one.
func (s *Scenario) Gates() bool { return !s.Quarantined }

// Domain is the clinical domain of the feature, taken from its file name:
// "features/allergies.feature" -> "allergies".
func (f *Feature) Domain() string {
	return strings.TrimSuffix(path.Base(f.URI), path.Ext(f.URI))
}

// Step is one executed step.
type Step struct {
	Keyword  string        `json:"keyword"`
	Text     string        `json:"text"`
	Line     int           `json:"line"`
	Status   Status        `json:"status"`
	Duration time.Duration `json:"duration_ns"`
	Error    string        `json:"error,omitempty"`
	// Match is where the step's definition lives, e.g. "steps/patients.go:42".
	Match string `json:"match,omitempty"`
}

// Attachment is a file captured during a scenario.
type Attachment struct {
	// Name is what the file shows, e.g. "screenshot", "trace", "page".
	Name      string `json:"name"`
	MediaType string `json:"media_type"`
	// Path is relative to the run's output folder, with forward slashes.
	Path   string `json:"path"`
	SHA256 string `json:"sha256,omitempty"`
	Size   int64  `json:"size,omitempty"`
}

// FailedStep returns the first failed, undefined or ambiguous step, or nil.
func (s *Scenario) FailedStep() *Step {
	for _, st := range s.Steps {
		switch st.Status {
		case Failed, Undefined, Ambiguous, Pending:
			return st
		}
	}
	return nil
}

// Attachment returns the scenario's first attachment with the given name.
func (s *Scenario) Attachment(name string) (Attachment, bool) {
	for _, a := range s.Attachments {
		if a.Name == name {
			return a, true
		}
	}
	return Attachment{}, false
}

// Counts tallies scenarios by status.
type Counts struct {
	Scenarios int `json:"scenarios"`
	Passed    int `json:"passed"`
	Failed    int `json:"failed"`
	Skipped   int `json:"skipped"`
	// Flaky counts scenarios that failed and then passed on a retry.
	Flaky int `json:"flaky"`
	// Other counts undefined, pending and ambiguous scenarios.
	Other int `json:"other"`
	// Interrupted counts scenarios that were in flight when the run was
	// stopped (Status Interrupted): neither passed nor failed.
	Interrupted int `json:"interrupted,omitempty"`
	// NotRun counts the planned scenarios that have no result (Run.NotRun);
	// they are not in Scenarios. Always 0 in a Feature's counts and for
	// runs recorded without a plan.
	NotRun int `json:"not_run,omitempty"`
}

// Untested is how many scenarios the run set out to test and did not:
// interrupted ones and planned ones that never ran.
func (c Counts) Untested() int { return c.Interrupted + c.NotRun }

// Counts tallies the scenarios of the run by status.
func (r *Run) Counts() Counts {
	var c Counts
	for _, f := range r.Features {
		fc := f.Counts()
		c.Scenarios += fc.Scenarios
		c.Passed += fc.Passed
		c.Failed += fc.Failed
		c.Skipped += fc.Skipped
		c.Flaky += fc.Flaky
		c.Other += fc.Other
		c.Interrupted += fc.Interrupted
	}
	c.NotRun = len(r.NotRun())
	return c
}

// Counts tallies the scenarios of the feature by status.
func (f *Feature) Counts() Counts {
	var c Counts
	for _, s := range f.Scenarios {
		c.Scenarios++
		switch s.Status {
		case Passed:
			c.Passed++
		case Failed:
			c.Failed++
		case Skipped:
			c.Skipped++
		case Flaky:
			c.Flaky++
		case Interrupted:
			c.Interrupted++
		default:
			c.Other++
		}
	}
	return c
}

// Duration is the sum of the feature's scenario durations.
func (f *Feature) Duration() time.Duration {
	var d time.Duration
	for _, s := range f.Scenarios {
		d += s.Duration
	}
	return d
}

// Failures returns the scenarios that did not pass, were not skipped, are
// not flaky and were not interrupted, in run order (quarantined ones
// included: see Scenario.Gates). An interrupted scenario is never a
// failure: see InterruptedScenarios.
func (r *Run) Failures() []*Scenario {
	return r.scenarios(func(s *Scenario) bool {
		return s.Status != Passed && s.Status != Skipped && s.Status != Flaky && s.Status != Interrupted
	})
}

// InterruptedScenarios returns the scenarios that were in flight when the
// run was stopped (Status Interrupted), in run order.
func (r *Run) InterruptedScenarios() []*Scenario {
	return r.scenarios(func(s *Scenario) bool { return s.Status == Interrupted })
}

// Incomplete reports whether the run did not test everything it set out
// to: it is unfinished, it was interrupted, a scenario was interrupted or
// a planned scenario never ran. An incomplete run is never green.
func (r *Run) Incomplete() bool {
	return r.Unfinished() || r.Interrupted || len(r.InterruptedScenarios()) > 0 || len(r.NotRun()) > 0
}

// IncompleteReason says in one sentence why the run is incomplete, e.g.
// "run X is unfinished: it never recorded its end; 2 of 4 planned
// scenarios never ran"; "" when it is not.
func (r *Run) IncompleteReason() string {
	if !r.Incomplete() {
		return ""
	}
	id := r.ID
	if id == "" {
		id = "(no id)"
	}
	var why string
	switch {
	case r.Unfinished():
		why = "run " + id + " is unfinished: it never recorded its end"
	case r.Interrupted:
		why = "run " + id + " was interrupted"
	default:
		why = "run " + id + " is incomplete"
	}
	var parts []string
	if n := len(r.NotRun()); n > 0 {
		parts = append(parts, fmt.Sprintf("%d of %d planned scenarios never ran", n, len(r.Planned)))
	}
	if n := len(r.InterruptedScenarios()); n == 1 {
		parts = append(parts, "1 scenario was interrupted")
	} else if n > 1 {
		parts = append(parts, fmt.Sprintf("%d scenarios were interrupted", n))
	}
	if len(parts) == 0 {
		return why
	}
	return why + "; " + strings.Join(parts, ", ")
}

// scenarios returns the scenarios for which keep is true, in run order.
func (r *Run) scenarios(keep func(*Scenario) bool) []*Scenario {
	var out []*Scenario
	for _, f := range r.Features {
		for _, s := range f.Scenarios {
			if keep(s) {
				out = append(out, s)
			}
		}
	}
	return out
}

// Flaky returns the flaky scenarios in run order.
func (r *Run) Flaky() []*Scenario {
	return r.scenarios(func(s *Scenario) bool { return s.Status == Flaky })
}

// Scenario returns the scenario with the given id and its feature.
func (r *Run) Scenario(id string) (*Feature, *Scenario, bool) {
	for _, f := range r.Features {
		for _, s := range f.Scenarios {
			if s.ID == id {
				return f, s, true
			}
		}
	}
	return nil, nil, false
}

// Sort puts the features in URI order and each feature's scenarios in line
// order, the order in which they are written, whatever order parallel
// workers finished them in.
func (r *Run) Sort() {
	sort.SliceStable(r.Features, func(i, j int) bool { return r.Features[i].URI < r.Features[j].URI })
	for _, f := range r.Features {
		sort.SliceStable(f.Scenarios, func(i, j int) bool { return f.Scenarios[i].Line < f.Scenarios[j].Line })
	}
}

// FileAttachment describes the file at path as an attachment: its path
// relative to root (the run's output folder), with forward slashes, its
// SHA-256 and size, read from the file.
func FileAttachment(root, name, mediaType, path string) (Attachment, error) {
	f, err := os.Open(path)
	if err != nil {
		return Attachment{}, fmt.Errorf("%s: %w", name, err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return Attachment{}, fmt.Errorf("%s: %w", name, err)
	}
	rel, err := filepath.Rel(root, path)
	if err != nil {
		rel = path
	}
	return Attachment{Name: name, MediaType: mediaType, Path: filepath.ToSlash(rel), SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}, nil
}
