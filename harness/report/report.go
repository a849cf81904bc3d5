// Package report writes every report of a run into one folder: the files a
// run leaves in its output folder, and what `eprharness report RUN`
// rebuilds from the results store.
//
// The formats live in sub-packages (junit, cucumberjson, messages, html),
// each with the same shape, Write(w, run, cfg); this package only decides
// the file names and what each format is told about where the attachments
// are. It never reads the clock, so the same run gives the same files.
package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/eprharness/eprharness/harness/check"

	"github.com/eprharness/eprharness/harness/report/cucumberjson"
	"github.com/eprharness/eprharness/harness/report/html"
	"github.com/eprharness/eprharness/harness/report/junit"
	"github.com/eprharness/eprharness/harness/report/messages"
	"github.com/eprharness/eprharness/harness/results"
)

// Files are the names of the files WriteAll writes, in the order written.
var Files = []string{"results.json", "junit.xml", "cucumber.json", "messages.ndjson", "report.html"}

// Config says where a run's attachments are and what else the reports show.
type Config struct {
	// AttachmentDir is the folder the run's attachment paths are relative
	// to (the run's output folder, or the store's artifacts folder).
	// Reports that embed screenshots read them from there.
	AttachmentDir string
	// History holds each scenario's outcomes in earlier runs, oldest
	// first, by scenario id (for the HTML report's history strips).
	History map[string][]results.HistoryPoint
	// Hazards maps hazard ids to their titles (the hazard log).
	Hazards map[string]string
	// FeatureRoot is the folder the run's feature URIs are relative to
	// (the working directory of the run). When set, messages.ndjson
	// carries the feature sources; "" rebuilds the documents from the
	// results instead.
	FeatureRoot string
}

// WriteAll writes every report of run into dir, which must exist. Links to
// attachments are made relative to dir, so the folder can be opened where
// it is. It returns the first error of each file, joined.
func WriteAll(dir string, run *results.Run, cfg Config) error {
	base := "."
	if cfg.AttachmentDir != "" {
		if rel, err := filepath.Rel(dir, cfg.AttachmentDir); err == nil {
			base = filepath.ToSlash(rel)
		} else if abs, err := filepath.Abs(cfg.AttachmentDir); err == nil {
			base = filepath.ToSlash(abs)
		}
	}
	attDir := cfg.AttachmentDir
	if attDir == "" {
		attDir = dir
	}
	linkBase := base
	if linkBase == "." {
		linkBase = ""
	}
	write := func(name string, fn func(io.Writer) error) error {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		if err := fn(f); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", name, err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		return nil
	}
	return errors.Join(
		write("results.json", func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(run)
		}),
		write("junit.xml", func(w io.Writer) error {
			return junit.Write(w, run, junit.Config{AttachmentBase: linkBase})
		}),
		write("cucumber.json", func(w io.Writer) error {
			return cucumberjson.Write(w, run, cucumberjson.Config{OutDir: attDir})
		}),
		write("messages.ndjson", func(w io.Writer) error {
			return messages.Write(w, run, messages.Config{OutDir: attDir, FeatureRoot: cfg.FeatureRoot})
		}),
		write("report.html", func(w io.Writer) error {
			return html.Write(w, run, html.Config{
				AttachmentBase: base,
				AttachmentDir:  attDir,
				History:        cfg.History,
				Hazards:        cfg.Hazards,
			})
		}),
	)
}

// HazardTitles reads the hazard log nearest the feature files at paths
// (see check.FindHazardLog) into id -> title, for Config.Hazards; nil when
// there is none or it is unreadable (`eprharness check` reports why).
func HazardTitles(paths []string) map[string]string {
	for _, p := range paths {
		file, _, _ := strings.Cut(p, ":")
		if info, err := os.Stat(file); err == nil && info.IsDir() {
			file = filepath.Join(file, "x.feature")
		}
		logFile := check.FindHazardLog(file)
		if logFile == "" {
			continue
		}
		log, _, err := check.ReadHazardLog(logFile)
		if err != nil || log == nil {
			continue
		}
		out := map[string]string{}
		for _, h := range log.Hazards {
			out[h.ID] = h.Title
		}
		return out
	}
	return nil
}
