package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/eprharness/eprharness/harness/exitcode"
	"github.com/eprharness/eprharness/harness/report/evidence"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/safety"
	"github.com/eprharness/eprharness/harness/store"
)

// evidenceCmd writes the verification appendix of a clinical safety case
// for a stored run (harness/report/evidence):
//
//	eprharness evidence [--store S] [--out FILE] [--history N] [--hazard-log FILE] RUN
//
// It exits 0 when the appendix was written, whatever it says: it does not
// gate (diff does); 2 for bad arguments, a run or store that does not
// exist, a hazard log that cannot be read (every problem with file, line
// and field) or a run with no hazard log; 3 when the appendix cannot be
// rendered. A one-line summary goes to standard error.
func evidenceCmd(args []string, stdout, stderr io.Writer) exitcode.Code {
	fs := flag.NewFlagSet("eprharness evidence", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "evidence.html", `file to write the appendix to; "-" for standard output`)
	n := fs.Int("history", evidence.DefaultHistory, "how many earlier runs each scenario's history strip shows")
	logFile := fs.String("hazard-log", "", "judge the run against this hazard log (.yaml, .yml or .csv) instead of the one it recorded")
	sf := addStoreFlags(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, `usage: eprharness evidence [flags] RUN

Writes the verification appendix of a clinical safety case (DCB0129/DCB0160)
for a stored run: its provenance, every hazard and control of its hazard log
with the scenarios that verify it, their results in this run and the last N
runs and links to their evidence, the unverified controls first, and a
summary to sign. RUN is a run id (or a unique prefix of one), latest,
latest~N or last-green. The exit code is 0 when the appendix was written,
whatever it says (the gate is eprharness diff's), and 2 for bad input.

`)
		fs.PrintDefaults()
	}
	if code, done := parseRunArgs(fs, args, "evidence", stderr); done {
		return code
	}
	if *n < 1 {
		fmt.Fprintf(stderr, "eprharness evidence: --history: want 1 or more runs, got %d\n", *n)
		return exitcode.Usage
	}
	if *out == "" {
		fmt.Fprintln(stderr, `eprharness evidence: --out: want a file name, or "-" for standard output`)
		return exitcode.Usage
	}
	var log *results.HazardLog
	if *logFile != "" {
		var err error
		if log, err = safety.Read(*logFile); err != nil {
			fmt.Fprintf(stderr, "eprharness evidence: --hazard-log: %v\n", err)
			return exitcode.Usage
		}
	}

	ctx := context.Background()
	st, _, run, code := sf.openRun(ctx, "evidence", fs.Arg(0), stderr)
	if code != exitcode.Pass {
		return code
	}
	defer st.Close()
	id := run.ID
	if log == nil && run.HazardLog == nil {
		fmt.Fprintf(stderr, "eprharness evidence: %v: run %s recorded none (its suite had no hazards.yaml, or it ran before runs kept their hazard log); give one with --hazard-log FILE\n", evidence.ErrNoHazardLog, id)
		return exitcode.Usage
	}
	hist, err := store.RunHistory(ctx, st, run, *n)
	if err != nil {
		fmt.Fprintf(stderr, "eprharness evidence: %v (the appendix shows the history read so far)\n", err)
	}

	// Links to the stored evidence are relative to the file, so the file
	// and the store can move together; on standard output they are
	// absolute.
	base := st.Artifacts()
	if *out != "-" {
		if dir, err := filepath.Abs(filepath.Dir(*out)); err == nil {
			base = relLink(dir, st.Artifacts())
		}
	}
	cfg := evidence.Config{
		Log:            log,
		History:        hist,
		N:              *n,
		AttachmentBase: base,
		AttachmentDir:  st.Artifacts(),
		Generated:      time.Now().UTC(),
		PlannedTags:    plannedTags(ctx, st, run),
	}
	// Rendered whole first, so a file is only created for a good appendix.
	var buf bytes.Buffer
	if err := evidence.Write(&buf, run, cfg); err != nil {
		fmt.Fprintf(stderr, "eprharness evidence: %v\n", err)
		return exitcode.Harness
	}
	target, code := writeDocument("evidence", *out, buf.Bytes(), stdout, stderr)
	if code != exitcode.Pass {
		return code
	}
	judged := log
	if judged == nil {
		judged = run.HazardLog
	}
	v := safety.Evaluate(run, judged, safety.WithPlannedTags(cfg.PlannedTags))
	controls := "controls"
	if v.Controls == 1 {
		controls = "control"
	}
	fmt.Fprintf(stderr, "evidence: %d %s, %d must be verified by test, %d verified, %d unverified -> %s\n",
		v.Controls, controls, v.MustVerify, v.Verified, len(v.Unverified), target)
	if why := run.IncompleteReason(); why != "" {
		fmt.Fprintf(stderr, "eprharness evidence: %s; the appendix says so\n", why)
	}
	return exitcode.Pass
}

// plannedTags finds the tags of the run's planned scenarios that never
// ran (the run does not record them) in the last green run, so the
// appendix can count them against the controls they verify; nil when
// every planned scenario ran or there is no such run. The appendix lists
// those it could not find as an open item.
func plannedTags(ctx context.Context, st store.Store, run *results.Run) map[string][]string {
	missing := run.NotRun()
	if len(missing) == 0 {
		return nil
	}
	id, err := st.Resolve(ctx, store.RefLastGreen)
	if err != nil || id == run.ID {
		return nil
	}
	green, err := st.Run(ctx, id)
	if err != nil {
		return nil
	}
	out := map[string][]string{}
	for _, p := range missing {
		if _, s, ok := green.Scenario(p.ID); ok {
			out[p.ID] = s.Tags
		}
	}
	return out
}
