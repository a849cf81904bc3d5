package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/eprharness/eprharness/harness/catalogue"
	"github.com/eprharness/eprharness/harness/check"
	"github.com/eprharness/eprharness/harness/config"
	"github.com/eprharness/eprharness/harness/exitcode"
	"github.com/eprharness/eprharness/harness/fixtures"
	"github.com/eprharness/eprharness/harness/target"
	"github.com/eprharness/eprharness/steps/library"
)

// stepDomains is steps/library's domains for the catalogue.
func stepDomains() []catalogue.Domain {
	var out []catalogue.Domain
	for _, d := range library.Domains() {
		out = append(out, catalogue.Domain{Name: d.Name, Defs: d.Defs})
	}
	return out
}

// stepsCmd prints the step catalogue.
func stepsCmd(args []string, stdout, stderr io.Writer) exitcode.Code {
	fs := flag.NewFlagSet("eprharness steps", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "text", "output format: "+strings.Join(catalogue.Formats, ", "))
	fixturesDir := fs.String("fixtures", config.Default().Fixtures, "folder of fixture patients and users, to name {patient} and {role}")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: eprharness steps [--format text|markdown|json] [--fixtures DIR]\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitcode.Pass
		}
		return exitcode.Usage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "eprharness steps: unexpected argument %q\n", fs.Arg(0))
		return exitcode.Usage
	}
	var opts []catalogue.Option
	if lib, err := fixtures.Open(*fixturesDir); err == nil {
		opts = check.CatalogueOptions(lib)
	} else {
		fmt.Fprintf(stderr, "eprharness: warning: fixtures not read, so {patient} and {role} are not named: %v\n", err)
	}
	cat, err := catalogue.New(stepDomains(), opts...)
	if err != nil {
		fmt.Fprintf(stderr, "eprharness: %v\n", err)
		return exitcode.Harness
	}
	if err := catalogue.Write(stdout, cat, *format); err != nil {
		fmt.Fprintf(stderr, "eprharness: --format: %v\n", err)
		return exitcode.Usage
	}
	return exitcode.Pass
}

// adapterChecks are the checks the configured adapter adds: a screen map's
// unbound actions and its warnings (css locators). Building the adapter
// reads and checks its screen map; an error names its file and line.
func adapterChecks(cfg config.Config) ([]check.Option, error) {
	epr, err := target.New(cfg.Adapter, target.Options{ScreenMap: cfg.ScreenMap})
	if err != nil {
		return nil, &config.Error{Source: cfg.Origin("adapter"), Field: "adapter", Msg: err.Error()}
	}
	var opts []check.Option
	if b, ok := epr.(target.Binder); ok {
		opts = append(opts, check.WithAdapter(b))
	}
	if w, ok := epr.(interface{ Warnings() []string }); ok {
		opts = append(opts, check.WithAdapterWarnings(w.Warnings()))
	}
	return opts, nil
}

// checkCmd checks scenarios without a browser or backend: exit 0 when
// clean, 2 (usage or bad input) on any problem.
func checkCmd(args []string, stdout, stderr io.Writer) exitcode.Code {
	cfg, code, ok := loadConfig(args, stderr)
	if !ok {
		return code
	}
	lib, err := fixtures.Open(cfg.Fixtures)
	if err != nil {
		fmt.Fprintf(stderr, "eprharness: fixtures: %v\n", err)
		return exitcode.Usage
	}
	cat, err := catalogue.New(stepDomains(), check.CatalogueOptions(lib)...)
	if err != nil {
		fmt.Fprintf(stderr, "eprharness: %v\n", err)
		return exitcode.Harness
	}
	opts := []check.Option{check.WithFixtures(lib), check.WithRequiredTags(cfg.RequiredTags)}
	adapterOpts, err := adapterChecks(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "eprharness: %v\n", err)
		return exitcode.Usage
	}
	report, err := check.New(cat, append(opts, adapterOpts...)...).Paths(cfg.Paths)
	if err != nil {
		fmt.Fprintf(stderr, "eprharness: %v\n", err)
		return exitcode.Usage
	}
	if err := report.Write(stdout); err != nil {
		fmt.Fprintf(stderr, "eprharness: %v\n", err)
		return exitcode.Harness
	}
	if !report.OK() {
		return exitcode.Usage
	}
	return exitcode.Pass
}

// unboundActions checks, before a run starts anything, that the configured
// adapter binds every action the selected scenarios need (a screen map may
// leave some out). Only unbound actions stop a run; check reports the
// rest. Nothing is returned for adapters that bind everything.
func unboundActions(cfg config.Config) ([]check.Problem, error) {
	adapterOpts, err := adapterChecks(cfg)
	if err != nil || len(adapterOpts) == 0 {
		return nil, err
	}
	lib, err := fixtures.Open(cfg.Fixtures, cfg.NHSTestRanges...)
	if err != nil {
		return nil, err
	}
	cat, err := catalogue.New(stepDomains(), check.CatalogueOptions(lib)...)
	if err != nil {
		return nil, err
	}
	report, err := check.New(cat, append([]check.Option{check.WithFixtures(lib)}, adapterOpts...)...).Paths(cfg.Paths)
	if err != nil {
		return nil, err
	}
	var out []check.Problem
	for _, p := range report.Problems {
		if p.Kind == check.Unbound {
			out = append(out, p)
		}
	}
	return out, nil
}
