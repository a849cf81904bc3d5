package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/eprharness/eprharness/harness/config"
	"github.com/eprharness/eprharness/harness/exitcode"
	"github.com/eprharness/eprharness/harness/fixtures/fhirimport"
	"github.com/eprharness/eprharness/harness/fixtures/generate"
)

const fixturesUsage = `usage:
  eprharness fixtures generate --count N [--seed S] [--out DIR] [--per-bundle K] [--as-of DATE] [--shape default|synthea]
      write N synthetic patients as FHIR transaction bundles; the same seed gives the same bytes
      (--shape synthea: each patient's history as Synthea writes it, with US identifiers and no NHS number)
  eprharness fixtures import --from DIR|FILE --to URL [--strict] [--nhs-test-ranges RANGES] [--report FILE]
      load Synthea's (or generated) bundles, collection or searchset Bundles, or single resources (FHIR JSON)
      into an EPR through its FHIR API (URL: the EPR, or its FHIR base); --report writes every entry left out, with why
`

// fixturesCmd runs "eprharness fixtures generate|import".
func fixturesCmd(args []string, stdout, stderr io.Writer) exitcode.Code {
	if len(args) == 0 {
		fmt.Fprint(stderr, fixturesUsage)
		return exitcode.Usage
	}
	switch args[0] {
	case "generate":
		return generateCmd(args[1:], stdout, stderr)
	case "import":
		return importCmd(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, fixturesUsage)
		return exitcode.Pass
	default:
		fmt.Fprintf(stderr, "eprharness fixtures: unknown command %q\n\n%s", args[0], fixturesUsage)
		return exitcode.Usage
	}
}

func generateCmd(args []string, stdout, stderr io.Writer) exitcode.Code {
	fs := flag.NewFlagSet("eprharness fixtures generate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	count := fs.Int("count", 0, "number of patients (required)")
	seed := fs.Uint64("seed", 1, "random seed; the same seed gives byte-identical bundles")
	out := fs.String("out", "generated-fixtures", "folder to write the bundles to")
	per := fs.Int("per-bundle", 1, "patients per bundle")
	asOf := fs.String("as-of", generate.DefaultAsOf.Format(time.DateOnly), "date ages and record dates count back from")
	shapeName := fs.String("shape", string(generate.ShapeDefault), "bundle shape: default (UK patients with NHS numbers) or synthea (Synthea-shaped histories with US identifiers)")
	if err := parseFlags(fs, args); err != nil {
		return flagCode(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "eprharness fixtures generate: unexpected argument %q\n", fs.Arg(0))
		return exitcode.Usage
	}
	day, err := time.Parse(time.DateOnly, *asOf)
	if err != nil {
		fmt.Fprintf(stderr, "eprharness fixtures generate: --as-of: want a date such as 2026-06-01, got %q\n", *asOf)
		return exitcode.Usage
	}
	if *count < 1 {
		fmt.Fprintf(stderr, "eprharness fixtures generate: --count: want a number of patients from 1 to %d\n", generate.MaxCount())
		return exitcode.Usage
	}
	shape, err := generate.ParseShape(*shapeName)
	if err != nil {
		fmt.Fprintf(stderr, "eprharness fixtures generate: --shape: %v\n", err)
		return exitcode.Usage
	}
	start := time.Now()
	paths, err := generate.Write(*out, *count, *seed, generate.WithPerBundle(*per), generate.WithAsOf(day), generate.WithShape(shape))
	if err != nil {
		fmt.Fprintf(stderr, "eprharness fixtures %v\n", err)
		return exitcode.Usage
	}
	fmt.Fprintf(stdout, "eprharness: wrote %d patient(s) in %d bundle(s) to %s (seed %d) in %s\n",
		*count, len(paths), *out, *seed, time.Since(start).Round(time.Millisecond))
	return exitcode.Pass
}

func importCmd(args []string, stdout, stderr io.Writer) exitcode.Code {
	fs := flag.NewFlagSet("eprharness fixtures import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "a bundle file, or a folder of them such as Synthea's output/fhir (required)")
	to := fs.String("to", "", "the EPR's URL (http://host:8080) or its FHIR base (…/fhir) (required)")
	strict := fs.Bool("strict", false, "fail on an entry the EPR rejects instead of leaving it out")
	ranges := fs.String("nhs-test-ranges", os.Getenv("EPRHARNESS_NHS_TEST_RANGES"), "NHS number ranges allowed besides 999…, comma-separated FIRST-LAST")
	timeout := fs.Duration("timeout", time.Minute, "time allowed for each request to the EPR")
	reportFile := fs.String("report", "", "write the whole import report (counts per type, every entry left out with why) to this JSON file")
	if err := parseFlags(fs, args); err != nil {
		return flagCode(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "eprharness fixtures import: unexpected argument %q (name the bundles with --from)\n", fs.Arg(0))
		return exitcode.Usage
	}
	if *from == "" || *to == "" {
		fmt.Fprint(stderr, "eprharness fixtures import: --from and --to are required\n\n"+fixturesUsage)
		return exitcode.Usage
	}
	extra, err := config.ParseNHSRanges(*ranges)
	if err != nil {
		src := "--nhs-test-ranges"
		if !flagSet(fs, "nhs-test-ranges") {
			src = "EPRHARNESS_NHS_TEST_RANGES"
		}
		fmt.Fprintf(stderr, "eprharness fixtures import: %s: %v\n", src, err)
		return exitcode.Usage
	}
	if err := checkImportURL(*to); err != nil {
		fmt.Fprintf(stderr, "eprharness fixtures import: --to: %v\n", err)
		return exitcode.Usage
	}
	if *timeout <= 0 {
		fmt.Fprintf(stderr, "eprharness fixtures import: --timeout: must be positive, got %s\n", *timeout)
		return exitcode.Usage
	}
	if *reportFile != "" {
		if info, err := os.Stat(filepath.Dir(*reportFile)); err != nil || !info.IsDir() {
			fmt.Fprintf(stderr, "eprharness fixtures import: --report: the folder of %q does not exist\n", *reportFile)
			return exitcode.Usage
		}
		if info, err := os.Stat(*reportFile); err == nil && info.IsDir() {
			fmt.Fprintf(stderr, "eprharness fixtures import: --report: %q is a folder; want a file name such as import-report.json\n", *reportFile)
			return exitcode.Usage
		}
	}
	base := strings.TrimRight(*to, "/")
	if !strings.HasSuffix(base, "/fhir") {
		base += "/fhir"
	}
	opts := []fhirimport.Option{fhirimport.WithExtraRanges(extra...)}
	if *strict {
		opts = append(opts, fhirimport.WithStrict())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	im := fhirimport.New(&http.Client{Timeout: *timeout}, base, opts...)
	rep, err := im.ImportPath(ctx, *from)
	if err == nil || rep.Files > 0 {
		printImport(stdout, rep)
	}
	if *reportFile != "" && (err == nil || rep.Files > 0) {
		data, jerr := rep.JSON()
		if jerr == nil {
			jerr = os.WriteFile(*reportFile, append(data, '\n'), 0o644)
		}
		if jerr != nil {
			fmt.Fprintf(stderr, "eprharness: write import report: %v\n", jerr)
			if err == nil {
				return exitcode.Harness
			}
		} else {
			fmt.Fprintf(stdout, "eprharness: wrote the import report to %s\n", *reportFile)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "eprharness: %v\n", err)
		var ie *fhirimport.InputError
		var pe *os.PathError
		if errors.As(err, &ie) || errors.As(err, &pe) {
			return exitcode.Usage
		}
		if ctx.Err() != nil {
			return exitcode.Interrupted
		}
		return exitcode.Backend
	}
	return exitcode.Pass
}

// printImport prints what an import did: the summary, a line per input
// resource type, the coverage of the types the target supports, and every
// entry of those types left out, with why (the entries of types the target
// does not support are counted; --report names each).
func printImport(w io.Writer, rep fhirimport.Report) {
	fmt.Fprintf(w, "eprharness: imported %s\n", rep)
	for _, l := range rep.TypeLines() {
		fmt.Fprintf(w, "eprharness:   %s\n", l)
	}
	fmt.Fprintf(w, "eprharness: %s\n", rep.CoverageLine())
	unsupported := 0
	for _, l := range rep.LeftOut {
		if c := rep.Types[l.ResourceType]; c != nil && !c.Supported {
			unsupported++
			continue
		}
		fmt.Fprintf(w, "eprharness: left out: %s\n", l)
	}
	if unsupported > 0 {
		fmt.Fprintf(w, "eprharness: %d entr%s of types the target does not support left out (--report names each)\n", unsupported, map[bool]string{true: "y", false: "ies"}[unsupported == 1])
	}
}

// checkImportURL refuses a --to that is not an absolute http(s) URL with a
// host, before anything is read or sent.
func checkImportURL(to string) error {
	u, err := url.Parse(to)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("want the EPR's absolute http(s) URL, such as http://127.0.0.1:8080 or https://epr.test.example.nhs.uk/fhir, got %q", to)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("want the EPR's URL or FHIR base without a query or fragment, got %q", to)
	}
	return nil
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func flagCode(err error) exitcode.Code {
	if errors.Is(err, flag.ErrHelp) {
		return exitcode.Pass
	}
	return exitcode.Usage
}
