// Package html writes a run's results as one self-contained HTML report for
// hospital ICT test analysts: a verdict in words, counts, what was tested,
// every feature and scenario with its steps, the evidence of each failure,
// flaky retries, history, and a clinical-safety (hazard) traceability table.
//
// # Contract
//
// The document needs nothing outside itself: CSS and a small script are
// inline, no font, script or style is fetched, and it works opened from disk
// (file://). All content is readable with JavaScript off; the script only
// adds the filter bar (status, tag, domain), copy buttons and opening a
// scenario reached by a link. Failed and otherwise unfinished scenarios are
// open (<details open>); passed, flaky and skipped ones are collapsed.
//
// Attachments: an image attachment (image/*) whose file is found under
// Config.AttachmentDir is embedded as a data URI; otherwise it is an <img>
// whose src is Config.AttachmentBase joined with the attachment path. Only
// local paths (filepath.IsLocal) are ever read. Every other attachment is a
// link to AttachmentBase + path. A trace (named "trace", "<window> trace" or
// a file trace.zip) also gets the two commands that open it,
// `npx playwright show-trace <p>` and `eprharness show-trace <p>`, where p is
// the file under AttachmentDir when that is set and the linked path
// otherwise. Earlier attempts of a retried scenario are shown with their own
// error and evidence.
//
// "What was tested" names the target in one line (results.Target.Describe)
// and gives its address, version, adapter and screen map, backend and
// Compose project, then the Compose services' images and the backend's
// images by role, each with its digest. Each scenario lists the hosts the
// browser was stopped from reaching ("blocked request to HOST") and the
// unique patient identities it used (fixture patient, name and NHS number in
// the EPR).
//
// Each scenario that exchanged HL7 v2 or FHIR messages with the EPR's
// interfaces (results.Scenario.Messages) shows them after its steps, in a
// table: time, the step (by line), direction ("Sent to EPR", "Received
// from EPR") and the other end, protocol, type, control id and outcome
// (the ACK code or HTTP status; an AE, AR, CE or CR, a status of 400 or
// more and no answer are marked ✗ and styled as failures), each with a
// <details> holding the message and its answer (HL7 v2 segments one per
// line) or why there was none. A step that sent or received messages
// links to them ("2 messages").
//
// A run that did not test everything is never shown green: an unfinished
// run (it never recorded its end: killed, or still running) gets the
// verdict "Unfinished", an interrupted run, or one with an interrupted
// scenario or a planned scenario that never ran, "Incomplete"; the
// verdict's sentences name the run unfinished or interrupted and count
// the planned scenarios never run, which the summary then lists ("Not
// run"). An interrupted scenario is shown as "interrupted", counted apart
// from failures and never as a kind of failure.
//
// History strips show Config.History[scenario id] in the order given (oldest
// first; at most MaxHistory of the most recent points) followed by the
// current run. The hazard table lists every id of Config.Hazards and every
// @hazard: tag of the run, in id order; a hazard is "verified" only when
// every scenario carrying it passed.
//
// "Where the time went" (after the scenarios) shows the run's own phases
// (browser, backends, time to the first step), the scenarios' time by phase
// with each phase's share, the 10 slowest scenarios with their phase split
// (each linked to the scenario), and the 10 step texts with the most time
// in all (runs, total, mean, longest), as harness/report/profile sums them;
// a run recorded without phases shows its steps' time and says so.
//
// Write validates the run first (statuses and failure kinds must be known)
// and renders the whole document before writing, so on error nothing is
// written. The output depends only on the run, the config and the attachment
// files: no clock is read and map keys are sorted. Times are shown in UTC.
// Write does not modify the run and keeps no state; it is safe for
// concurrent use.
package html

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/eprharness/eprharness/harness/results"
)

// MaxHistory is the most earlier runs a history strip shows (the most
// recent ones).
const MaxHistory = 30

// Config says how a report is written.
type Config struct {
	// Title heads the report; empty means "eprharness run <id>".
	Title string
	// AttachmentBase is put in front of every attachment path for links
	// (a relative folder such as "." or "../artifacts", or a URL prefix
	// such as "/artifacts"). Empty means attachment paths as they are.
	AttachmentBase string
	// AttachmentDir, when set, is the folder on disk the attachment paths
	// are relative to; screenshots found there are embedded inline (data
	// URIs), so the report file is readable on its own.
	AttachmentDir string
	// History holds each scenario's outcomes in earlier runs (oldest
	// first), by scenario id, for the history strips; nil means none.
	History map[string][]results.HistoryPoint
	// Hazards maps a hazard id to its title (from features/hazards.yaml)
	// for the clinical-safety traceability table; nil shows ids only.
	Hazards map[string]string
}

// Write writes run as one HTML document to w.
func Write(w io.Writer, run *results.Run, cfg Config) error {
	if run == nil {
		return errors.New("html report: nil run")
	}
	if err := validate(run, cfg); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	r := build(run, cfg)
	var buf bytes.Buffer
	if err := page.Execute(&buf, r); err != nil {
		return fmt.Errorf("html report: render: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("html report: write: %w", err)
	}
	return nil
}

// validate refuses a run the report could not describe truthfully.
func validate(run *results.Run, cfg Config) error {
	for i, f := range run.Features {
		if f == nil {
			return fmt.Errorf("feature %d is nil", i)
		}
		for j, s := range f.Scenarios {
			if s == nil {
				return fmt.Errorf("%s: scenario %d is nil", f.URI, j)
			}
			if err := checkStatus(s.Status, s.FailureKind, s.Steps); err != nil {
				return fmt.Errorf("scenario %s: %w", s.ID, err)
			}
			for k, a := range s.Attempts {
				if a == nil {
					return fmt.Errorf("scenario %s: attempt %d is nil", s.ID, k+1)
				}
				if err := checkStatus(a.Status, a.FailureKind, a.Steps); err != nil {
					return fmt.Errorf("scenario %s attempt %d: %w", s.ID, k+1, err)
				}
			}
		}
	}
	for _, id := range sortedKeys(cfg.History) {
		for _, p := range cfg.History[id] {
			if _, ok := statusWords[p.Status]; !ok {
				return fmt.Errorf("history of %s: unknown status %q", id, p.Status)
			}
		}
	}
	return nil
}

func checkStatus(st results.Status, kind results.FailureKind, steps []*results.Step) error {
	if _, ok := statusWords[st]; !ok {
		return fmt.Errorf("unknown status %q", st)
	}
	if _, ok := kindWords[kind]; !ok {
		return fmt.Errorf("unknown failure kind %q", kind)
	}
	for i, s := range steps {
		if s == nil {
			return fmt.Errorf("step %d is nil", i+1)
		}
		if _, ok := statusWords[s.Status]; !ok || s.Status == results.Flaky {
			return fmt.Errorf("step %d: unknown status %q", i+1, s.Status)
		}
	}
	return nil
}
