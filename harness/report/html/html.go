// Package html writes a run's results as one self-contained HTML report for
// test analysts. (Placeholder signature; the report is being built.)
package html

import (
	"errors"
	"io"

	"github.com/eprharness/eprharness/harness/results"
)

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
	return errors.New("html report: not built yet")
}
