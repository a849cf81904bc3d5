package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/cucumber/godog"

	"github.com/eprharness/eprharness/harness/catalogue"
	"github.com/eprharness/eprharness/harness/check"
	"github.com/eprharness/eprharness/harness/config"
	"github.com/eprharness/eprharness/harness/exitcode"
	"github.com/eprharness/eprharness/harness/fixtures"
	"github.com/eprharness/eprharness/harness/phrasebook"
	"github.com/eprharness/eprharness/harness/scenario"
	"github.com/eprharness/eprharness/harness/target"
	"github.com/eprharness/eprharness/steps"
	"github.com/eprharness/eprharness/steps/library"
)

// stepDefs is every definition of the step library, for the phrasebook.
func stepDefs() []steps.Def {
	var out []steps.Def
	for _, d := range library.Domains() {
		out = append(out, d.Defs...)
	}
	return out
}

// loadPhrasebook loads the phrasebook files (the setting phrasebook) and
// binds them to the step library; nil without files. The error names
// every problem's file:line and field.
func loadPhrasebook(files []string) (*phrasebook.Resolver, error) {
	if len(files) == 0 {
		return nil, nil
	}
	book, err := phrasebook.Load(files...)
	if err != nil {
		return nil, &config.Error{Field: "phrasebook", Msg: "does not load:\n  " + strings.ReplaceAll(err.Error(), "\n", "\n  ")}
	}
	return book.Resolve(stepDefs())
}

// registerSteps registers the step library and, with a phrasebook, every
// phrase, whose catalogue steps act in their persona's window as the
// runner makes the phrase step's own persona current.
func registerSteps(pb *phrasebook.Resolver) func(*godog.ScenarioContext) {
	if pb == nil {
		return library.Register
	}
	actFor := phrasebook.BeforeEachStep(func(ctx context.Context, text string) error {
		if s, err := scenario.From(ctx); err == nil {
			return s.ActFor(text)
		}
		return nil
	})
	return func(sc *godog.ScenarioContext) {
		library.Register(sc)
		pb.Register(sc, actFor)
	}
}

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
	fixturesDir := fs.String("fixtures", "", "folder of fixture patients and users, to name {patient} and {role} (default: the fixtures setting)")
	phrasebooks := fs.String("phrasebook", "", "your phrasebook files, comma-separated, listed beside the catalogue (default: the phrasebook setting)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: eprharness steps [--format text|markdown|json] [--fixtures DIR] [--phrasebook FILES]\n\n"+
			"Without --fixtures or --phrasebook the settings of ./eprharness.yaml (or EPRHARNESS_CONFIG) and EPRHARNESS_* apply.\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitcode.Pass
		}
		return exitcode.Usage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "eprharness steps: unexpected argument %q\n", fs.Arg(0))
		return exitcode.Usage
	}
	// Unset flags come from the configuration (file and environment), as
	// a run would have them. A configuration that does not load is
	// bad input, as for every other command.
	if *fixturesDir == "" || *phrasebooks == "" {
		cfg, err := config.Load(config.Source{Dir: ".", Env: os.Environ(), NoPaths: true})
		if err != nil {
			fmt.Fprintf(stderr, "eprharness: %v\n", err)
			return exitcode.Usage
		}
		if *fixturesDir == "" {
			*fixturesDir = cfg.Fixtures
		}
		if *phrasebooks == "" {
			*phrasebooks = strings.Join(cfg.Phrasebook, ",")
		}
		if *fixturesDir == "" {
			*fixturesDir = config.Default().Fixtures
		}
	}
	// The step examples' names name {patient} and {role}; the fixtures,
	// when they open, add their own.
	lib, err := fixtures.Open(*fixturesDir)
	if err != nil {
		lib = nil
	}
	cat, err := catalogue.New(stepDomains(), check.CatalogueOptions(lib, library.ExamplePatients, library.ExampleRoles)...)
	if err != nil {
		fmt.Fprintf(stderr, "eprharness: %v\n", err)
		return exitcode.Harness
	}
	var files []string
	for _, f := range strings.Split(*phrasebooks, ",") {
		if f = strings.TrimSpace(f); f != "" {
			files = append(files, f)
		}
	}
	var book *phrasebook.Book
	if len(files) > 0 {
		if book, err = phrasebook.Load(files...); err != nil {
			fmt.Fprintf(stderr, "eprharness: --phrasebook:\n%v\n", err)
			return exitcode.Usage
		}
	}
	if err := writeSteps(stdout, cat, book, *format); err != nil {
		fmt.Fprintf(stderr, "eprharness: --format: %v\n", err)
		return exitcode.Usage
	}
	return exitcode.Pass
}

// writeSteps writes the catalogue and, after it, the team's phrasebook
// ("Your phrasebook"; in JSON a "phrases" list beside "steps").
func writeSteps(w io.Writer, cat *catalogue.Catalogue, book *phrasebook.Book, format string) error {
	if book == nil {
		return catalogue.Write(w, cat, format)
	}
	switch format {
	case "json":
		var buf bytes.Buffer
		if err := catalogue.WriteJSON(&buf, cat); err != nil {
			return err
		}
		var doc struct {
			Steps json.RawMessage `json:"steps"`
		}
		if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
			return fmt.Errorf("write step catalogue: %w", err)
		}
		out := struct {
			Steps   json.RawMessage         `json:"steps"`
			Phrases []phrasebook.JSONPhrase `json:"phrases"`
		}{doc.Steps, phrasebook.JSON(book)}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(out); err != nil {
			return fmt.Errorf("write step catalogue: %w", err)
		}
		return nil
	case "markdown", "md":
		if err := catalogue.WriteMarkdown(w, cat); err != nil {
			return err
		}
		return phrasebook.WriteMarkdown(w, book)
	case "text", "":
		if err := catalogue.WriteText(w, cat); err != nil {
			return err
		}
		return phrasebook.WriteText(w, book)
	}
	return catalogue.Write(w, cat, format) // names the formats
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

// checker builds the checker both check and run use: the fixture library
// (with the configured NHS test ranges), the step catalogue naming its
// patients and roles, the required tags, the configured adapter's checks,
// and, for a run, its tag expression. Every error is bad input (exit 2)
// except a catalogue that does not build (a harness fault, harness true).
func checker(cfg config.Config, tags string) (c *check.Checker, harness bool, err error) {
	c, _, harness, err = checkerWithPhrases(cfg, tags)
	return c, harness, err
}

// checkerWithPhrases is checker, also returning the loaded phrasebook
// (nil without one), which a run then registers.
func checkerWithPhrases(cfg config.Config, tags string) (c *check.Checker, pb *phrasebook.Resolver, harness bool, err error) {
	lib, err := fixtures.Open(cfg.FixturesDir(), cfg.NHSTestRanges...)
	if err != nil {
		return nil, nil, false, fmt.Errorf("fixtures: %w", err)
	}
	cat, err := catalogue.New(stepDomains(), check.CatalogueOptions(lib, library.ExamplePatients, library.ExampleRoles)...)
	if err != nil {
		return nil, nil, true, err
	}
	opts := []check.Option{
		check.WithFixtures(lib), check.WithRequiredTags(cfg.RequiredTags),
		check.WithNHSTestRanges(cfg.NHSTestRanges...), check.WithTags(tags),
		check.WithA11yBaseline(cfg.A11yBaseline), check.WithHazardLog(cfg.HazardLog),
	}
	pb, err = loadPhrasebook(cfg.Phrasebook)
	if err != nil {
		return nil, nil, false, err
	}
	if pb != nil {
		opts = append(opts, check.WithPhrasebook(pb))
	}
	adapterOpts, err := adapterChecks(cfg)
	if err != nil {
		return nil, nil, false, err
	}
	return check.New(cat, append(opts, adapterOpts...)...), pb, false, nil
}

// checkCmd checks scenarios without a browser or backend: exit 0 when
// clean, 2 (usage or bad input) on any problem. It checks what run would
// run: the paths with their :LINE and the tag expression (--tags).
func checkCmd(args []string, stdout, stderr io.Writer) exitcode.Code {
	cfg, code, ok := loadConfig(args, stderr)
	if !ok {
		return code
	}
	c, harness, err := checker(cfg, cfg.Tags)
	if err != nil {
		fmt.Fprintf(stderr, "eprharness: %v\n", err)
		if harness {
			return exitcode.Harness
		}
		return exitcode.Usage
	}
	report, err := c.Paths(cfg.Paths)
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

// preflight runs check on what a run selects (cfg.Paths with their :LINE,
// cfg.Tags) before anything starts, and writes every problem that stops a
// run (check.Problem.StopsRun) to stderr as FILE:LINE: kind: message, with
// its hints. It returns Pass when the run may start, Usage (2) when the
// input is bad, Harness when the catalogue does not build. Problems that
// only fail `eprharness check` (missing tags, the hazard log's) are
// counted in one warning line.
func preflight(cfg config.Config, stderr io.Writer) exitcode.Code {
	_, code := preflightSteps(cfg, stderr)
	return code
}

// preflightSteps is preflight, also returning what registers the run's
// steps: the step library and the configured phrasebook, loaded once for
// the check and the run.
func preflightSteps(cfg config.Config, stderr io.Writer) (func(*godog.ScenarioContext), exitcode.Code) {
	c, pb, harness, err := checkerWithPhrases(cfg, cfg.Tags)
	if err != nil {
		fmt.Fprintf(stderr, "eprharness: %v\n", err)
		if harness {
			return nil, exitcode.Harness
		}
		return nil, exitcode.Usage
	}
	report, err := c.Paths(cfg.Paths)
	if err != nil {
		fmt.Fprintf(stderr, "eprharness: %v\n", err)
		fmt.Fprintln(stderr, "eprharness: nothing was started")
		return nil, exitcode.Usage
	}
	var stops []check.Problem
	advisory := 0
	for _, p := range report.Problems {
		if p.StopsRun() {
			stops = append(stops, p)
		} else {
			advisory++
		}
	}
	for _, p := range stops {
		fmt.Fprintln(stderr, p)
		for _, h := range p.Hints {
			fmt.Fprintf(stderr, "    %s\n", h)
		}
	}
	if len(stops) > 0 {
		unbound := 0
		for _, p := range stops {
			if p.Kind == check.Unbound {
				unbound++
			}
		}
		if unbound == len(stops) {
			fmt.Fprintf(stderr, "eprharness: %d step(s) need actions the adapter does not bind; nothing was started (see `eprharness check`)\n", unbound)
		} else {
			fmt.Fprintf(stderr, "eprharness: %d problem(s) in the scenarios; nothing was started (see `eprharness check`)\n", len(stops))
		}
		return nil, exitcode.Usage
	}
	if advisory > 0 {
		fmt.Fprintf(stderr, "eprharness: warning: `eprharness check` finds %d problem(s) that do not stop a run (required tags, hazard log)\n", advisory)
	}
	return registerSteps(pb), exitcode.Pass
}
