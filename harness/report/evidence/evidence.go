// Package evidence writes the verification appendix of a clinical safety
// case: one self-contained HTML document that says, for every hazard of a
// run's hazard log (DCB0129/DCB0160) and every control of each hazard,
// which scenarios verify it, how they fared in this run and in the last N
// runs, and where their evidence is; and that lists first, as unverified,
// every control that must be verified by test and was not. It is evidence
// for a safety case, not the safety case itself: the clinical safety
// officer reads it, judges it and signs it.
//
// # Contract
//
// Write(w, run, cfg) has the shape of every reporter (harness/report):
// it reads only the run, the config and, when Config.AttachmentDir is set,
// whether each linked attachment file is there. Which controls are
// verified is harness/safety's judgement (safety.Evaluate), never
// re-derived here. The document, in order: the title and the run's
// provenance (run id, times, EPR version, backend, address, adapter,
// images and digests, feature commit, browser, harness version, machine,
// who ran it, the hazard log file and its SHA-256, when the appendix was
// generated); the summary (counts, the open items) with a sign-off block;
// the unverified controls; then each hazard with its description,
// causes, effect, risks, status and a table of its controls and their
// verifying scenarios: this run's status, a history strip of the last N
// runs and links to the evidence (screenshot, page HTML, trace, logs),
// followed by the HL7 v2 and FHIR messages the scenario exchanged with the
// EPR's interfaces, one line each ("message: HL7v2 sent ADT^A08 (AE),
// control id MSG00001"; the messages in full are in the run's report).
//
// The document is made for paper as much as for the screen: there is no
// JavaScript at all, CSS is inline, nothing is fetched (no fonts, no
// images); the print stylesheet sets A4 pages and margins, repeats table
// headers, keeps a control's rows and a hazard's heading together, starts
// the hazards on a new page and prints each evidence link's target.
// Statuses are symbols and words as well as colours, so a black-and-white
// print reads the same. Everything is escaped by html/template.
//
// Write renders the whole document before writing, so on error nothing is
// written. It never reads the clock (the generated time is
// Config.Generated) and sorts what it takes from maps, so the same input
// gives the same bytes. It does not modify the run and keeps no state; it
// is safe for concurrent use.
package evidence

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/safety"
)

// DefaultHistory is how many earlier runs a history strip shows when
// Config.History is 0.
const DefaultHistory = 10

// ErrNoHazardLog is returned (wrapped) when neither the config nor the run
// holds a hazard log: there is nothing to verify against.
var ErrNoHazardLog = errors.New("the run has no hazard log")

// Config says what the appendix is written against and how.
type Config struct {
	// Title heads the document; empty means "Clinical safety verification
	// evidence: run <id>".
	Title string
	// Log is the hazard log to judge the run against; nil means the log
	// the run recorded (results.Run.HazardLog). When it is not the run's
	// own, the provenance and the open items say so.
	Log *results.HazardLog
	// History holds each scenario's outcomes in earlier runs (oldest
	// first), by scenario id, as the results store gives them
	// (store.RunHistory).
	History map[string][]results.HistoryPoint
	// N is how many of the most recent earlier runs a history strip shows;
	// 0 means DefaultHistory.
	N int
	// AttachmentBase is put in front of every attachment path for links:
	// a folder relative to the document ("../store/artifacts"), an
	// absolute folder or a URL prefix. Empty means the paths as they are.
	AttachmentBase string
	// AttachmentDir, when set, is the folder on disk the attachment paths
	// are relative to; an attachment whose file is not there is marked
	// "missing" rather than linked silently.
	AttachmentDir string
	// Generated is when the appendix was made (shown in UTC); the zero
	// time shows "not recorded".
	Generated time.Time
	// PlannedTags gives the tags of scenarios the run planned but never
	// ran, by id (the run does not record them): with them such a
	// scenario counts against the controls it verifies ("… did not run");
	// without them it is left out (see safety.WithPlannedTags).
	PlannedTags map[string][]string
	// Signers are the sign-off lines; nil means one, the Clinical Safety
	// Officer's, with the name left blank.
	Signers []Signer
}

// Signer is one sign-off line: a role, and a name when it is known in
// advance. Signature and date are always left blank to sign by hand.
type Signer struct {
	Role string
	Name string
}

// Write writes the verification appendix of run as one HTML document to w.
func Write(w io.Writer, run *results.Run, cfg Config) error {
	if run == nil {
		return errors.New("evidence: nil run")
	}
	log := cfg.Log
	if log == nil {
		log = run.HazardLog
	}
	if log == nil {
		id := run.ID
		if id == "" {
			id = "(no id)"
		}
		return fmt.Errorf("evidence: %w: run %s recorded none (its suite had no hazards.yaml, or it was recorded before runs kept their hazard log); give one to judge it against", ErrNoHazardLog, id)
	}
	if cfg.N < 0 {
		return fmt.Errorf("evidence: history of %d runs: want 0 or more", cfg.N)
	}
	if err := validate(run, cfg); err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	v := safety.Evaluate(run, log, safety.WithPlannedTags(cfg.PlannedTags))
	if v == nil {
		return errors.New("evidence: the hazard log could not be evaluated")
	}
	doc := build(run, log, v, cfg)
	var buf bytes.Buffer
	if err := page.Execute(&buf, doc); err != nil {
		return fmt.Errorf("evidence: render: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("evidence: write: %w", err)
	}
	return nil
}

// validate refuses a run the appendix could not describe truthfully: a
// status it has no words for would be shown as verified or as nothing.
func validate(run *results.Run, cfg Config) error {
	for i, f := range run.Features {
		if f == nil {
			return fmt.Errorf("feature %d is nil", i)
		}
		for j, s := range f.Scenarios {
			if s == nil {
				return fmt.Errorf("%s: scenario %d is nil", f.URI, j)
			}
			if _, ok := statusWords[s.Status]; !ok {
				return fmt.Errorf("scenario %s: unknown status %q", s.ID, s.Status)
			}
		}
	}
	for _, id := range sortedKeys(cfg.History) {
		for _, p := range cfg.History[id] {
			if _, ok := statusWords[p.Status]; !ok {
				return fmt.Errorf("history of %s: run %s: unknown status %q", id, p.RunID, p.Status)
			}
		}
	}
	return nil
}
