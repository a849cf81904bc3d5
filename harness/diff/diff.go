// Package diff compares two harness runs, a baseline and a release
// candidate, scenario by scenario, and decides whether the candidate passes
// the release-candidate gate.
//
// # Categories
//
// Scenarios are matched by results.Scenario.ID ("<feature uri>:<line>"), so
// a scenario that moved to another line or file is seen as one removed and
// one new scenario. A scenario "fails" when its status is failed, undefined,
// pending or ambiguous (as results.Run.Failures); passed and flaky scenarios
// "pass"; skipped and interrupted scenarios do neither. Each matched scenario lands in at
// most one of Regressions, Quarantined, Fixed and StillFailing, and
// independently in Flaky and Slower:
//
//   - Regressions: the candidate fails a scenario that did not fail in the
//     baseline (passed, flaky or skipped there), or a new scenario (absent
//     from the baseline) that fails. A new failing scenario is therefore
//     listed both in New and in Regressions.
//   - Quarantined: what would be a regression, but the candidate's scenario
//     is quarantined (@quarantine). Listed, never gating.
//   - Fixed: failed in the baseline, passes (passed or flaky) in the
//     candidate.
//   - StillFailing: fails on both sides; Entry.Change says how the failure
//     changed (failing step, failure kind, first line of the error), empty
//     when it failed the same way.
//   - Flaky: flaky in the candidate, whatever the baseline said.
//   - New: only in the candidate.
//   - Removed: in the baseline, absent from the candidate's results and
//     from its plan (results.Run.Planned). When the candidate has no plan
//     recorded (runs of older harnesses), every scenario absent from its
//     results is Removed.
//   - NotRun: planned by the candidate but never run (results.Run.NotRun):
//     it was killed, interrupted, or stopped before them. Never Removed.
//   - Interrupted: the candidate's scenarios in flight when it was stopped
//     (status interrupted): not tested, so in no other category.
//   - Slower: passed or flaky on both sides, and the candidate took at least
//     SlowRatio times the baseline's duration AND at least SlowMin longer
//     (defaults 1.5x and 2s; WithSlowRatio, WithSlowMin).
//
// Two categories are not about scenarios:
//
//   - Unverified: the clinical-safety controls of the candidate's hazard
//     log (results.Run.HazardLog, as the candidate recorded it) that must
//     be verified by test and that the candidate did not verify, judged by
//     safety.Evaluate: no scenario verifies the control, or one of its
//     scenarios did not pass (failed, skipped, flaky, undefined, pending,
//     ambiguous, interrupted, or planned and never run; a scenario the
//     candidate did not run is traced to the control by its tags in the
//     baseline). Each carries a one-line Message naming the control, the
//     hazard and the scenarios. A candidate with no hazard log has no
//     safety gate (Safety is nil). Sorted in log order.
//   - Accessibility: the accessibility violations that fail the
//     candidate's checks (results.Run.AccessibilityViolations: not
//     accepted by a current baseline entry) and were not failing in the
//     baseline, matched by results.Violation.Key (page, rule, failing
//     elements); AccessibilityFixed are the baseline's that the candidate
//     no longer has on a page it checked. Sorted by key.
//
// # Interface changes
//
// Interface lists the scenarios that both runs ran (neither skipped nor
// interrupted them) whose messages with the EPR's interfaces
// (results.Scenario.Messages: HL7 v2, FHIR) differ in shape (Shape): the
// direction, the protocol, the type (MSH-9 as TYPE^TRIGGER; the HTTP
// method and what was exchanged for FHIR) and the answer (the ACK code
// with its ERR-3 codes; the HTTP status class). Ids, timestamps, control
// ids, peers, texts and the order of the messages are ignored, so each
// scenario's messages are compared as a multiset of shapes. A message the
// candidate no longer exchanged is ChangeGone, one it newly exchanged
// ChangeNew, and a message of the same direction, protocol and type that
// got another answer ChangeAnswer ("sent HL7v2 ADT^A08: ACK AA became AE
// (ERR 207)"). When a side stopped at a failing step, only the messages of
// the steps both sides reached are compared (up to and including the
// failing step; InterfaceChange.UpTo names it), and not the messages no
// step asked for. A run that recorded no message at all (a harness that
// did not keep them) is not compared: Warnings says so. Sorted by
// scenario id.
//
// Interface changes never gate: no scenario asserted these messages (one
// that did and now fails is a regression already, listed here too with
// its statuses, which helps explain it). The gate has no setting to make
// them gate, as it has none for flaky or slower scenarios: a pipeline
// that wants to stop on them reads "interface_changes" in the JSON.
//
// Every scenario list is sorted by scenario id: by feature URI, then by line number
// (so ":5" comes before ":11").
//
// # The gate
//
// Diff.Gate reports whether the candidate is blocked: true when there is at
// least one regression (quarantined failures never count), an unverified
// control, or a new accessibility violation, or when the
// candidate did not test everything: it was interrupted, it is unfinished
// (it never recorded its end: killed, or still running), a scenario of it
// was interrupted, or a planned scenario never ran. Diff.Incomplete says
// why in one sentence, which every format shows. Every format shows the
// unverified controls first, then the new accessibility violations. Fixed, still-failing,
// flaky, new passing, removed and slower scenarios, fixed accessibility
// violations and interface changes never block: they are
// listed for people to read. Diff.ExitCode maps the gate to the process
// exit code (exitcode.Failures when blocked, else exitcode.Pass).
//
// A baseline that is itself incomplete does not change the gate (the gate
// is about the candidate), but the comparison is against partial results:
// Diff.Warnings says so, and every format shows it.
//
// A Diff is a plain value built once by Compare; it does not refer to the
// runs it was built from and is safe for concurrent readers.
package diff

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/eprharness/eprharness/harness/exitcode"
	"github.com/eprharness/eprharness/harness/results"
)

// Default slowness thresholds: see WithSlowRatio and WithSlowMin.
const (
	DefaultSlowRatio = 1.5
	DefaultSlowMin   = 2 * time.Second
)

// Option configures Compare.
type Option func(*options)

type options struct {
	slowRatio float64
	slowMin   time.Duration
}

// WithSlowRatio sets how many times the baseline's duration a scenario must
// take in the candidate to be slower; default 1.5.
func WithSlowRatio(r float64) Option { return func(o *options) { o.slowRatio = r } }

// WithSlowMin sets how much longer than in the baseline a scenario must take
// in the candidate to be slower; default 2s. Both thresholds must be met.
func WithSlowMin(d time.Duration) Option { return func(o *options) { o.slowMin = d } }

// Diff is the comparison of a candidate run against a baseline run.
type Diff struct {
	Base      RunInfo `json:"base"`
	Candidate RunInfo `json:"candidate"`
	// SlowRatio and SlowMin are the thresholds Slower was computed with.
	SlowRatio float64       `json:"slow_ratio"`
	SlowMin   time.Duration `json:"slow_min_ns"`

	// Unverified are the candidate's clinical-safety controls that must be
	// verified by test and are not, in hazard-log order; Safety sums up
	// its hazard log (nil: the candidate recorded none).
	Unverified []Control `json:"unverified"`
	Safety     *Safety   `json:"safety,omitempty"`
	// Accessibility are the accessibility violations failing in the
	// candidate and not in the baseline (they gate); AccessibilityFixed
	// the baseline's that are gone (they do not).
	Accessibility      []Violation `json:"accessibility"`
	AccessibilityFixed []Violation `json:"accessibility_fixed"`
	// Interface are the scenarios run in both runs whose messages with
	// the EPR's interfaces changed shape; they never gate.
	Interface []InterfaceChange `json:"interface_changes"`

	Regressions  []Entry `json:"regressions"`
	Quarantined  []Entry `json:"quarantined"`
	Fixed        []Entry `json:"fixed"`
	StillFailing []Entry `json:"still_failing"`
	Flaky        []Entry `json:"flaky"`
	New          []Entry `json:"new"`
	Removed      []Entry `json:"removed"`
	Slower       []Entry `json:"slower"`
	// NotRun are the candidate's planned scenarios that never ran; Base
	// is set when the baseline ran them, Candidate is nil.
	NotRun []Entry `json:"not_run"`
	// Interrupted are the candidate's scenarios that were in flight when
	// it was stopped: not tested.
	Interrupted []Entry `json:"interrupted"`

	// Incomplete says why the candidate did not test everything, e.g.
	// "candidate run X is unfinished: it never recorded its end; 2 of 4
	// planned scenarios never ran"; "" when it did. A non-empty
	// Incomplete fails the gate.
	Incomplete string `json:"incomplete,omitempty"`
	// Warnings are things a reader must know that do not change the
	// gate, such as an incomplete baseline.
	Warnings []string `json:"warnings,omitempty"`
}

// RunInfo identifies one side of a comparison.
type RunInfo struct {
	ID          string    `json:"id"`
	StartedAt   time.Time `json:"started_at"`
	Backend     string    `json:"backend,omitempty"`
	Version     string    `json:"version,omitempty"`
	Commit      string    `json:"commit,omitempty"`
	Interrupted bool      `json:"interrupted,omitempty"`
	// Unfinished is true when the run never recorded its end.
	Unfinished bool `json:"unfinished,omitempty"`
	// Planned is how many scenarios the run set out to run; 0 when it
	// recorded no plan.
	Planned int            `json:"planned,omitempty"`
	Counts  results.Counts `json:"counts"`
}

// Entry is one scenario in one category of a Diff.
type Entry struct {
	// ID is the scenario id, "<feature uri>:<line>".
	ID string `json:"id"`
	// Name is the scenario's name (the candidate's, else the baseline's);
	// Feature its feature's name.
	Name    string `json:"name"`
	Feature string `json:"feature"`
	// Base and Candidate are the scenario on each side; nil when it is
	// absent from that side (New, Removed).
	Base      *Side `json:"base"`
	Candidate *Side `json:"candidate"`
	// Repro is the candidate's command line to rerun the scenario, if any.
	Repro string `json:"repro,omitempty"`
	// Change says how a still-failing scenario's failure changed; empty
	// when it failed the same way, and in other categories.
	Change string `json:"change,omitempty"`
	// Ratio (candidate / baseline duration) and Delta (candidate minus
	// baseline duration) are set in Slower.
	Ratio float64       `json:"ratio,omitempty"`
	Delta time.Duration `json:"delta_ns,omitempty"`
}

// Side is a scenario's outcome in one run.
type Side struct {
	Status      results.Status      `json:"status"`
	FailureKind results.FailureKind `json:"failure_kind,omitempty"`
	Error       string              `json:"error,omitempty"`
	// FailedStep is the first failed, undefined, pending or ambiguous step.
	FailedStep  *Step                `json:"failed_step,omitempty"`
	Duration    time.Duration        `json:"duration_ns"`
	Attachments []results.Attachment `json:"attachments,omitempty"`
	Quarantined bool                 `json:"quarantined,omitempty"`
}

// Step names a failing step.
type Step struct {
	Keyword string `json:"keyword"`
	Text    string `json:"text"`
	Line    int    `json:"line"`
}

// String is the step as written, e.g. `Then the banner shows "x" (line 15)`.
func (s *Step) String() string {
	return fmt.Sprintf("%s%s (line %d)", s.Keyword, s.Text, s.Line)
}

// Screenshot returns the side's screenshot attachment, if any.
func (s *Side) Screenshot() (results.Attachment, bool) {
	if s == nil {
		return results.Attachment{}, false
	}
	for _, a := range s.Attachments {
		if a.Name == "screenshot" {
			return a, true
		}
	}
	return results.Attachment{}, false
}

// ErrorLine is the first line of the side's error.
func (s *Side) ErrorLine() string {
	if s == nil {
		return ""
	}
	return firstLine(s.Error)
}

// Gate reports whether the candidate is blocked: at least one regression,
// unverified control or new accessibility violation, or a candidate run
// that did not test everything (interrupted, unfinished, an interrupted
// scenario, a planned scenario not run). See the package documentation.
func (d *Diff) Gate() bool {
	return len(d.Regressions) > 0 || len(d.Unverified) > 0 || len(d.Accessibility) > 0 ||
		d.Candidate.Interrupted || d.Candidate.Unfinished ||
		len(d.NotRun) > 0 || len(d.Interrupted) > 0 || d.Incomplete != ""
}

// ExitCode is the process exit code of the gate: exitcode.Failures when
// Gate is true, else exitcode.Pass.
func (d *Diff) ExitCode() exitcode.Code {
	if d.Gate() {
		return exitcode.Failures
	}
	return exitcode.Pass
}

// Clean reports whether nothing changed between the runs: the gate passes,
// no scenario was fixed, added, removed, newly quarantined-failing or
// slower, every still-failing scenario failed the same way, every flaky
// scenario was flaky in the baseline too and no scenario's interface
// messages changed. A run compared with itself is clean.
func (d *Diff) Clean() bool {
	if d.Gate() || len(d.Quarantined)+len(d.Fixed)+len(d.New)+len(d.Removed)+len(d.Slower)+len(d.Warnings)+len(d.AccessibilityFixed)+len(d.Interface) > 0 {
		return false
	}
	for _, e := range d.StillFailing {
		if e.Change != "" {
			return false
		}
	}
	for _, e := range d.Flaky {
		if e.Base == nil || e.Base.Status != results.Flaky {
			return false
		}
	}
	return true
}

// Summary is a one-line account, e.g. "2 regressions, 1 fixed, 3 still
// failing, 1 flaky, 1 new, 1 removed, 1 slower"; unverified controls and
// new accessibility violations come first when there are any ("1
// unverified control, 2 new accessibility violations, 0 regressions, …"),
// fixed accessibility violations and the scenarios with interface changes
// after the slower scenarios.
func (d *Diff) Summary() string {
	var parts []string
	if n := len(d.Unverified); n > 0 {
		parts = append(parts, plural(n, "unverified control", "unverified controls"))
	}
	if n := len(d.Accessibility); n > 0 {
		parts = append(parts, plural(n, "new accessibility violation", "new accessibility violations"))
	}
	parts = append(parts, plural(len(d.Regressions), "regression", "regressions"))
	if n := len(d.Quarantined); n > 0 {
		parts = append(parts, fmt.Sprintf("%d quarantined", n))
	}
	parts = append(parts,
		fmt.Sprintf("%d fixed", len(d.Fixed)),
		fmt.Sprintf("%d still failing", len(d.StillFailing)),
		fmt.Sprintf("%d flaky", len(d.Flaky)),
		fmt.Sprintf("%d new", len(d.New)),
		fmt.Sprintf("%d removed", len(d.Removed)),
		fmt.Sprintf("%d slower", len(d.Slower)),
	)
	if n := len(d.AccessibilityFixed); n > 0 {
		parts = append(parts, plural(n, "accessibility violation fixed", "accessibility violations fixed"))
	}
	if n := len(d.Interface); n > 0 {
		parts = append(parts, plural(n, "scenario with interface changes", "scenarios with interface changes"))
	}
	if n := len(d.NotRun); n > 0 {
		parts = append(parts, fmt.Sprintf("%d not run", n))
	}
	if n := len(d.Interrupted); n > 0 {
		parts = append(parts, fmt.Sprintf("%d interrupted", n))
	}
	s := strings.Join(parts, ", ")
	if d.Incomplete != "" {
		s += "; " + d.Incomplete
	}
	return s
}

// Compare compares cand against base. A nil run is compared as an empty
// one. Neither run is modified.
func Compare(base, cand *results.Run, opts ...Option) *Diff {
	o := options{slowRatio: DefaultSlowRatio, slowMin: DefaultSlowMin}
	for _, opt := range opts {
		opt(&o)
	}
	if base == nil {
		base = &results.Run{}
	}
	if cand == nil {
		cand = &results.Run{}
	}
	d := &Diff{
		Base:         info(base),
		Candidate:    info(cand),
		SlowRatio:    o.slowRatio,
		SlowMin:      o.slowMin,
		Regressions:  []Entry{},
		Quarantined:  []Entry{},
		Fixed:        []Entry{},
		StillFailing: []Entry{},
		Flaky:        []Entry{},
		New:          []Entry{},
		Removed:      []Entry{},
		Slower:       []Entry{},
		NotRun:       []Entry{},
		Interrupted:  []Entry{},
	}
	if why := cand.IncompleteReason(); why != "" && cand.ID != "" {
		d.Incomplete = "candidate " + why
	}
	if why := base.IncompleteReason(); why != "" && base.ID != "" {
		d.Warnings = append(d.Warnings, "baseline "+why+": the comparison is against partial results")
	}
	d.Unverified, d.Safety = unverified(base, cand)
	d.Accessibility, d.AccessibilityFixed = accessibility(base, cand)
	baseByID := index(base)
	candByID := index(cand)
	planned := map[string]bool{}
	for _, p := range cand.Planned {
		planned[p.ID] = true
	}

	for id, c := range candByID {
		b, inBase := baseByID[id]
		e := Entry{ID: id, Name: c.sc.Name, Feature: c.feature, Candidate: side(c.sc), Repro: c.sc.Repro}
		if inBase {
			e.Base = side(b.sc)
		}
		if c.sc.Status == results.Interrupted {
			d.Interrupted = append(d.Interrupted, e)
			continue
		}
		cFails, cPasses := fails(c.sc.Status), passes(c.sc.Status)
		switch {
		case !inBase:
			d.New = append(d.New, e)
			if cFails {
				d.addFailure(e, c.sc)
			}
		case cFails && !fails(b.sc.Status):
			d.addFailure(e, c.sc)
		case cFails:
			e.Change = change(e.Base, e.Candidate)
			d.StillFailing = append(d.StillFailing, e)
		case cPasses && fails(b.sc.Status):
			d.Fixed = append(d.Fixed, e)
		}
		if c.sc.Status == results.Flaky {
			d.Flaky = append(d.Flaky, e)
		}
		if inBase && cPasses && passes(b.sc.Status) && b.sc.Duration > 0 {
			ratio := float64(c.sc.Duration) / float64(b.sc.Duration)
			delta := c.sc.Duration - b.sc.Duration
			if ratio >= o.slowRatio && delta >= o.slowMin {
				se := e
				se.Ratio, se.Delta = ratio, delta
				d.Slower = append(d.Slower, se)
			}
		}
	}
	for _, p := range cand.NotRun() {
		e := Entry{ID: p.ID, Name: p.Name, Feature: p.Feature}
		if b, ok := baseByID[p.ID]; ok {
			e.Base = side(b.sc)
			if e.Name == "" {
				e.Name = b.sc.Name
			}
			e.Feature = b.feature
		}
		d.NotRun = append(d.NotRun, e)
	}
	for id, b := range baseByID {
		if _, ok := candByID[id]; !ok && !planned[id] {
			d.Removed = append(d.Removed, Entry{ID: id, Name: b.sc.Name, Feature: b.feature, Base: side(b.sc)})
		}
	}
	var warning string
	d.Interface, warning = interfaceChanges(baseByID, candByID, base, cand)
	if warning != "" {
		d.Warnings = append(d.Warnings, warning)
	}
	for _, l := range []*[]Entry{&d.Regressions, &d.Quarantined, &d.Fixed, &d.StillFailing, &d.Flaky, &d.New, &d.Removed, &d.Slower, &d.NotRun, &d.Interrupted} {
		sort.Slice(*l, func(i, j int) bool { return idLess((*l)[i].ID, (*l)[j].ID) })
	}
	return d
}

// addFailure files a newly failing candidate scenario as a regression, or
// as a quarantined failure when it does not gate.
func (d *Diff) addFailure(e Entry, sc *results.Scenario) {
	if sc.Gates() {
		d.Regressions = append(d.Regressions, e)
	} else {
		d.Quarantined = append(d.Quarantined, e)
	}
}

// idLess orders scenario ids by feature URI, then line number.
func idLess(a, b string) bool {
	au, al := splitID(a)
	bu, bl := splitID(b)
	if au != bu {
		return au < bu
	}
	if al != bl {
		return al < bl
	}
	return a < b
}

func splitID(id string) (uri string, line int) {
	i := strings.LastIndexByte(id, ':')
	if i < 0 {
		return id, -1
	}
	n, err := strconv.Atoi(id[i+1:])
	if err != nil {
		return id, -1
	}
	return id[:i], n
}

type located struct {
	feature string
	sc      *results.Scenario
}

func index(r *results.Run) map[string]located {
	m := make(map[string]located)
	for _, f := range r.Features {
		for _, s := range f.Scenarios {
			m[s.ID] = located{feature: f.Name, sc: s}
		}
	}
	return m
}

func info(r *results.Run) RunInfo {
	return RunInfo{
		ID:          r.ID,
		StartedAt:   r.StartedAt,
		Backend:     r.Target.Backend,
		Version:     r.Target.Version,
		Commit:      r.Commit,
		Interrupted: r.Interrupted,
		Unfinished:  r.Unfinished() && r.ID != "",
		Planned:     len(r.Planned),
		Counts:      r.Counts(),
	}
}

func side(s *results.Scenario) *Side {
	sd := &Side{
		Status:      s.Status,
		FailureKind: s.FailureKind,
		Error:       s.Error,
		Duration:    s.Duration,
		Attachments: s.Attachments,
		Quarantined: s.Quarantined,
	}
	if st := s.FailedStep(); st != nil {
		sd.FailedStep = &Step{Keyword: st.Keyword, Text: st.Text, Line: st.Line}
	}
	return sd
}

// fails reports whether a status counts as a failure (as results.Run.Failures).
func fails(s results.Status) bool {
	return s != results.Passed && s != results.Skipped && s != results.Flaky && s != results.Interrupted
}

// passes reports whether a status counts as a pass.
func passes(s results.Status) bool {
	return s == results.Passed || s == results.Flaky
}

// change describes how a failure changed between two sides; "" when the
// failing step, status, kind and first error line are the same.
func change(b, c *Side) string {
	var parts []string
	bs, cs := "", ""
	if b.FailedStep != nil {
		bs = b.FailedStep.String()
	}
	if c.FailedStep != nil {
		cs = c.FailedStep.String()
	}
	if bs != cs {
		parts = append(parts, fmt.Sprintf("failing step %s -> %s", orNone(bs), orNone(cs)))
	}
	if b.Status != c.Status {
		parts = append(parts, fmt.Sprintf("status %s -> %s", b.Status, c.Status))
	}
	if b.FailureKind != c.FailureKind {
		parts = append(parts, fmt.Sprintf("kind %s -> %s", orNone(string(b.FailureKind)), orNone(string(c.FailureKind))))
	}
	if firstLine(b.Error) != firstLine(c.Error) {
		parts = append(parts, "error changed")
	}
	return strings.Join(parts, "; ")
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(l)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
