package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/eprharness/eprharness/harness/exitcode"
	"github.com/eprharness/eprharness/harness/report/statement"
)

// a11yStatementCmd writes the draft accessibility statement of a stored
// run (harness/report/statement):
//
//	eprharness a11y-statement [--store S] [--out FILE] [--organisation NAME] [--system NAME] RUN
//
// It exits 0 when the draft was written, whatever it says (it does not
// gate: run and diff do); 1 when the run has no accessibility checks, so
// there is nothing to state; 2 for bad arguments or a run or store that
// does not exist; 3 when the run cannot be read. A one-line summary goes
// to standard error.
func a11yStatementCmd(args []string, stdout, stderr io.Writer) exitcode.Code {
	fs := flag.NewFlagSet("eprharness a11y-statement", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "statement.md", `file to write the statement to; "-" for standard output`)
	org := fs.String("organisation", "", "the organisation that runs the system (default: a placeholder to complete)")
	system := fs.String("system", "", "the name of the system the statement is for (default: a placeholder to complete)")
	sf := addStoreFlags(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, `usage: eprharness a11y-statement [flags] RUN

Writes the draft accessibility statement a UK public-sector body publishes
(Public Sector Bodies (Websites and Mobile Applications) (No. 2)
Accessibility Regulations 2018), in the sections of GOV.UK's sample
statement, as Markdown, from a stored run's accessibility checks: the
compliance status with WCAG 2.2 AA, each non-compliance with its WCAG
success criteria, pages and plan (the baseline entry's date and owner, or
"Not yet planned"), and how the system was tested. What only the
organisation knows is left as "[TO COMPLETE: ...]". It is a draft to
review: automated checks find only part of WCAG failures. RUN is a run id
(or a unique prefix of one), latest, latest~N or last-green. The exit code
is 0 when the draft was written, 1 when the run has no accessibility
checks, and 2 for bad input.

`)
		fs.PrintDefaults()
	}
	if code, done := parseRunArgs(fs, args, "a11y-statement", stderr); done {
		return code
	}
	if *out == "" {
		fmt.Fprintln(stderr, `eprharness a11y-statement: --out: want a file name, or "-" for standard output`)
		return exitcode.Usage
	}

	st, _, run, code := sf.openRun(context.Background(), "a11y-statement", fs.Arg(0), stderr)
	if code != exitcode.Pass {
		return code
	}
	defer st.Close()
	a, err := statement.Assess(run)
	if errors.Is(err, statement.ErrNoChecks) {
		fmt.Fprintf(stderr, "eprharness a11y-statement: run %s has no accessibility checks: run with --a11y pages or accessibility steps\n", run.ID)
		return exitcode.Failures
	}
	// Rendered whole first, so a file is only created for a good draft.
	var buf bytes.Buffer
	if err == nil {
		err = statement.Write(&buf, run, statement.Config{Organisation: *org, System: *system, Prepared: time.Now().UTC()})
	}
	if err != nil {
		fmt.Fprintf(stderr, "eprharness a11y-statement: %v\n", err)
		return exitcode.Harness
	}
	target, code := writeDocument("a11y-statement", *out, buf.Bytes(), stdout, stderr)
	if code != exitcode.Pass {
		return code
	}
	standard := a.Standard
	if standard == "" {
		standard = "no WCAG level in full"
	}
	fmt.Fprintf(stderr, "a11y-statement: %s (checked: %s): %d non-compliance(s), %d not yet planned, %d past their planned date; %d page(s) checked, %d not reached -> %s\n",
		a.Status, standard, a.NonCompliances, a.NotPlanned, a.Expired, a.Pages, a.Unchecked, target)
	if why := run.IncompleteReason(); why != "" {
		fmt.Fprintf(stderr, "eprharness a11y-statement: %s; the statement says so\n", why)
	}
	return exitcode.Pass
}
