// Package check checks scenarios without a browser or a backend, so that a
// test analyst can try a new scenario in a second, and it is the one
// preflight of `eprharness run`, which refuses what it finds before any
// container or browser starts. It reports, each with its file and line:
// Gherkin syntax errors; files that are not UTF-8, or have a line or a size
// over featureset's limits (MaxLineBytes, MaxFileBytes); Scenario Outlines
// without Examples rows or with a <placeholder> no Examples column
// provides; files without scenarios and folders without feature files;
// FILE:LINE that names no scenario, and a tag expression that does not
// parse or selects nothing; valid NHS numbers outside the test ranges
// (real patient data, as fixtures.CheckFeatures refuses them); undefined
// steps (with the closest catalogue steps as suggestions), ambiguous
// steps, patients that are not fixture patients (also in @patient: tags),
// roles that are not in users.yaml (or any role, when the library has no
// users), scenarios without one of the required tags, and hazard
// traceability: a @hazard:H-NNN tag must name a hazard and a
// @control:C-NNN tag a control in the hazard log (harness/safety: the
// hazard-log setting, WithHazardLog, else hazards.yaml, hazards.yml or
// hazards.csv in the features' folder or above it), and when a log's
// whole folder is checked every control that must be verified by test
// needs at least one scenario. With WithA11yBaseline it checks the
// accessibility baseline file too (accessibility.go).
//
// Paths checks what run would run: FILE:LINE checks that scenario only,
// and WithTags the scenarios the tag expression selects.
//
// Which problems stop a run (Problem.StopsRun): all of them, except
// missing required tags and the hazard log's (unknown or untested
// hazards, a bad log). Those are the suite's bookkeeping: they fail
// `eprharness check` (exit 2), so CI that runs check keeps the suite
// tidy, but a run of scenarios that can run is not refused for them.
//
// Given an adapter that binds only some actions (a target.Binder, such as
// the declarative adapter's screen map; WithAdapter), it also reports each
// step whose definition uses (steps.Def.Uses) an action the adapter does
// not bind, and it passes on the adapter's own warnings
// (WithAdapterWarnings) as warnings, which do not fail the check.
//
// With a team's phrasebook (WithPhrasebook, phrases.go), step text that
// matches a phrase is checked as the catalogue steps it expands to, and
// the phrasebook's own problems (undefined or ambiguous steps, cycles) are
// reported at its file:line.
//
// Check reads feature files and the fixture library and never writes;
// a Checker is immutable after New and safe for concurrent use.
package check

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	messages "github.com/cucumber/messages/go/v34"

	"github.com/eprharness/eprharness/harness/catalogue"
	"github.com/eprharness/eprharness/harness/featureset"
	"github.com/eprharness/eprharness/harness/fixtures"
	"github.com/eprharness/eprharness/harness/phrasebook"
	"github.com/eprharness/eprharness/harness/tagexpr"
	"github.com/eprharness/eprharness/harness/target"
	"github.com/eprharness/eprharness/nhsnumber"
	"github.com/eprharness/eprharness/steps"
)

// Kind is the kind of a problem.
type Kind string

// Problem kinds.
const (
	Syntax         Kind = "syntax error"
	Undefined      Kind = "undefined step"
	Ambiguous      Kind = "ambiguous step"
	UnknownPatient Kind = "unknown patient"
	UnknownRole    Kind = "unknown role"
	MissingTag     Kind = "missing tag"
	UnknownHazard  Kind = "unknown hazard"
	UntestedHazard Kind = "untested hazard"
	BadHazardLog   Kind = "hazard log"
	// Unbound is a step that needs an action the adapter does not bind.
	Unbound Kind = "unbound action"
	// Encoding is a feature file that is not UTF-8 text.
	Encoding Kind = "text encoding"
	// TooLong is a line or file over featureset's limits.
	TooLong Kind = "too long"
	// Outline is a Scenario Outline without Examples rows, or with a
	// <placeholder> that an Examples table has no column for.
	Outline Kind = "scenario outline"
	// Empty is a feature file without scenarios or a folder without
	// feature files.
	Empty Kind = "no scenarios"
	// Selection is a FILE:LINE that names no scenario, a tag expression
	// that does not parse, or one that selects nothing.
	Selection Kind = "selection"
	// RealNHSNumber is a valid NHS number outside the test ranges: real
	// patient data (fixtures.CheckFeatures).
	RealNHSNumber Kind = "real NHS number"
	// BadInput is a step whose own check of what it is given failed
	// (steps.Def.Check): a message template file that is missing or does
	// not build, a field path that does not parse.
	BadInput Kind = "bad input"
)

// advisory are the kinds that fail `eprharness check` but do not stop a
// run: they are about the suite's bookkeeping (tagging and the hazard
// log's traceability), not about whether its scenarios can run.
var advisory = map[Kind]bool{MissingTag: true, UnknownHazard: true, UntestedHazard: true, BadHazardLog: true}

// StopsRun reports whether the problem stops `eprharness run` before
// anything starts. Every kind does except MissingTag, UnknownHazard,
// UntestedHazard and BadHazardLog, which only fail the check.
func (p Problem) StopsRun() bool { return !advisory[p.Kind] }

// kinds maps featureset's error kinds onto problem kinds.
var kinds = map[featureset.Kind]Kind{
	featureset.Syntax: Syntax, featureset.Encoding: Encoding, featureset.TooLong: TooLong,
	featureset.Outline: Outline, featureset.Empty: Empty, featureset.BadSelection: Selection,
	featureset.Path: Syntax,
}

// problemOf turns a featureset error into a problem.
func problemOf(e *featureset.Error) Problem {
	k, ok := kinds[e.Kind]
	if !ok {
		k = Syntax
	}
	msg := e.Msg
	switch {
	case k == Syntax:
		msg = plainSyntax(msg)
	case k == Empty && e.Msg == "no scenarios":
		msg = "no scenarios (the file has no Scenario or Scenario Outline, so it would run nothing)"
	}
	return Problem{File: e.File, Line: e.Line, Kind: k, Msg: msg}
}

// Problem is one finding at a file and line.
type Problem struct {
	File string
	Line int // 0 when about the whole file
	Kind Kind
	Msg  string
	// Hints are lines of advice shown under the problem.
	Hints []string
}

func (p Problem) String() string {
	at := p.File
	if p.Line > 0 {
		at = fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	if p.Kind == Selection || p.Kind == Empty {
		return fmt.Sprintf("%s: %s", at, p.Msg) // the message says it
	}
	return fmt.Sprintf("%s: %s: %s", at, p.Kind, p.Msg)
}

// Report is the result of a check.
type Report struct {
	Files, Scenarios, Steps int
	Problems                []Problem
	// Warnings are findings that do not fail the check (the adapter's,
	// such as a screen map's css locators), each a full line.
	Warnings []string
}

// OK reports whether the check found no problem; warnings do not count.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// Write writes every problem, with its hints indented below it, then
// every warning ("warning: ..."), and a summary line.
func (r *Report) Write(w io.Writer) error {
	var b strings.Builder
	files := map[string]bool{}
	for _, p := range r.Problems {
		files[p.File] = true
		b.WriteString(p.String() + "\n")
		for _, h := range p.Hints {
			b.WriteString("    " + h + "\n")
		}
	}
	for _, w := range r.Warnings {
		b.WriteString("warning: " + w + "\n")
	}
	checked := fmt.Sprintf("%s, %s, %s checked", plural(r.Files, "file"), plural(r.Scenarios, "scenario"), plural(r.Steps, "step"))
	warnings := ""
	if len(r.Warnings) > 0 {
		warnings = ", " + plural(len(r.Warnings), "warning")
	}
	if r.OK() {
		fmt.Fprintf(&b, "eprharness check: no problems%s (%s)\n", warnings, checked)
	} else {
		fmt.Fprintf(&b, "eprharness check: %s in %s%s (%s)\n", plural(len(r.Problems), "problem"), plural(len(files), "file"), warnings, checked)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write check report: %w", err)
	}
	return nil
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// Checker checks feature files against a step catalogue and fixtures.
type Checker struct {
	cat          *catalogue.Catalogue
	fixtures     *fixtures.Library
	requiredTags []string
	adapter      target.Binder
	warnings     []string
	tagExpr      string
	nhsRanges    []nhsnumber.Range
	phrases      *phrasebook.Resolver // WithPhrasebook (phrases.go)
	a11yBaseline string               // WithA11yBaseline (accessibility.go)
	clock        func() time.Time     // WithClock (accessibility.go)
	hazardLog    string               // WithHazardLog (hazards.go)
}

// Option configures New.
type Option func(*Checker)

// WithFixtures checks patient names and roles against the fixture library.
// Without it, names and roles are not checked.
func WithFixtures(lib *fixtures.Library) Option { return func(c *Checker) { c.fixtures = lib } }

// WithRequiredTags requires every scenario to carry at least one of tags
// (its own, its rule's, its feature's or its examples'). Empty: no rule.
func WithRequiredTags(tags []string) Option {
	return func(c *Checker) { c.requiredTags = append([]string(nil), tags...) }
}

// WithAdapter checks that the adapter binds every action the scenarios'
// steps use (steps.Def.Uses, through the catalogue's Step.Uses): each step
// needing an action it does not bind is a problem naming the action and
// the adapter's Source. Nil, or without the option: actions are not
// checked (an adapter that implements every action is no target.Binder).
func WithAdapter(b target.Binder) Option { return func(c *Checker) { c.adapter = b } }

// WithAdapterWarnings adds the adapter's own findings, such as a screen
// map's css locators, to every report from Paths as warnings: printed, but
// not failing the check.
func WithAdapterWarnings(warnings []string) Option {
	return func(c *Checker) { c.warnings = append(c.warnings, warnings...) }
}

// WithTags checks only the scenarios the tag expression selects, as run
// does (--tags). A tag expression that does not parse is a Selection
// problem, and so is one that selects nothing.
func WithTags(expr string) Option { return func(c *Checker) { c.tagExpr = expr } }

// WithNHSTestRanges allows NHS numbers in these ranges besides the reserved
// test ranges (the setting nhs-test-ranges); any other valid NHS number in
// a feature file is a RealNHSNumber problem.
func WithNHSTestRanges(ranges ...nhsnumber.Range) Option {
	return func(c *Checker) { c.nhsRanges = append([]nhsnumber.Range(nil), ranges...) }
}

// New returns a Checker for the catalogue's steps.
func New(cat *catalogue.Catalogue, opts ...Option) *Checker {
	c := &Checker{cat: cat}
	for _, o := range opts {
		o(c)
	}
	return c
}

// CatalogueOptions names catalogue placeholders {patient} and {role}, so
// that New(catalogue) checks them against the run's fixtures. A capture
// group is a {patient} when every example of the step names one of
// examplePatients or a patient of lib, and a {role} likewise: the step
// examples are written with the reference fixtures' names (see
// steps/library.ExamplePatients), so the placeholders, and with them the
// checks, do not depend on which patients and users a suite's own
// fixtures hold (lib may be nil: none).
func CatalogueOptions(lib *fixtures.Library, examplePatients, exampleRoles []string) []catalogue.Option {
	return []catalogue.Option{
		catalogue.WithPatients(func(name string) bool {
			return (lib != nil && isPatient(lib, name)) || slices.ContainsFunc(examplePatients, func(p string) bool {
				return strings.EqualFold(p, name) || strings.EqualFold(p, bannerName(name))
			})
		}),
		catalogue.WithRoles(func(role string) bool {
			if lib != nil {
				if _, err := lib.User(role); err == nil {
					return true
				}
			}
			return slices.Contains(exampleRoles, role)
		}),
	}
}

// bannerName turns the banner's "POND, Amy" into "Amy Pond"; other names
// come back as they are.
func bannerName(name string) string {
	if family, given, ok := strings.Cut(name, ","); ok {
		return strings.TrimSpace(given) + " " + strings.TrimSpace(family)
	}
	return name
}

// isPatient accepts "Amy Pond" and the banner's "POND, Amy".
func isPatient(lib *fixtures.Library, name string) bool {
	if _, err := lib.Patient(name); err == nil {
		return true
	}
	if b := bannerName(name); b != name {
		_, err := lib.Patient(b)
		return err == nil
	}
	return false
}

// Paths checks the feature files under paths (files, folders, or
// file:LINE) as run selects them: with a LINE only the scenario (or example
// row) there is checked, and a LINE that names no scenario is a problem;
// with WithTags only the scenarios the expression selects. Every problem
// that run refuses is found: syntax, encoding and size, outlines, empty
// files, real NHS numbers, undefined and ambiguous steps, unknown
// patients and roles, unbound actions. Hazards that no scenario names are
// reported only when whole folders are checked without a tag expression.
// The error is for paths that do not exist or cannot be read (a
// featureset.Errors) and for a tag expression that does not parse.
func (c *Checker) Paths(paths []string) (*Report, error) {
	expr, err := tagexpr.Parse(c.tagExpr)
	if err != nil {
		return nil, &featureset.Error{File: "--tags", Kind: featureset.BadSelection, Msg: err.Error()}
	}
	targets, errs := featureset.Resolve(paths)
	if errs != nil {
		return nil, errs
	}
	r := &Report{Warnings: append([]string(nil), c.warnings...)}
	r.Problems = append(r.Problems, c.phraseBookProblems()...)
	r.Problems = append(r.Problems, c.baselineProblems()...)
	hz := newHazards()
	filtered := c.tagExpr != ""
	for _, t := range targets {
		src, err := featureset.ReadFile(t.File)
		if err != nil {
			var fe *featureset.Error
			if errors.As(err, &fe) && fe.Kind == featureset.TooLong {
				r.Files++
				r.Problems = append(r.Problems, problemOf(fe))
				continue
			}
			return nil, fmt.Errorf("check %s: %w", t.File, err)
		}
		filtered = filtered || t.Lines != nil
		c.file(r, hz, t.File, src, expr, t.Lines)
		c.nhsNumbers(r, t.File)
	}
	if filtered && r.Scenarios == 0 && r.OK() {
		r.Problems = append(r.Problems, Problem{File: "--tags", Kind: Selection,
			Msg: fmt.Sprintf("no scenario in %s matches the tag expression %q", strings.Join(paths, ", "), c.tagExpr)})
	}
	if !filtered {
		var roots []string
		for _, p := range paths {
			if info, err := os.Stat(p); err == nil && info.IsDir() {
				roots = append(roots, p)
			}
		}
		hz.untested(r, roots)
	}
	return r, nil
}

// nhsNumbers reports the valid NHS numbers outside the test ranges in the
// file, as run refuses them (fixtures.CheckFeatures: the whole file).
func (c *Checker) nhsNumbers(r *Report, file string) {
	err := fixtures.CheckFeatures([]string{file}, c.nhsRanges...)
	if err == nil {
		return
	}
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	var problems []Problem
	for _, e := range errs {
		var fe *fixtures.Error
		if !errors.As(e, &fe) {
			problems = append(problems, Problem{File: file, Kind: RealNHSNumber, Msg: e.Error()})
			continue
		}
		msg := fe.Msg
		if fe.Field != "" {
			msg = fe.Field + ": " + msg
		}
		problems = append(problems, Problem{File: file, Line: fe.Line, Kind: RealNHSNumber, Msg: msg,
			Hints: []string{"use a synthetic number from 999 000 0000–999 999 9999 (eprharness fixtures generate makes valid ones)"}})
	}
	r.Problems = append(r.Problems, problems...)
}

// File checks one feature file's source, every scenario the checker's tag
// expression selects, and adds to r. Hazards in the log that no scenario
// names and real NHS numbers are only reported by Paths.
func (c *Checker) File(r *Report, file string, src []byte) {
	expr, err := tagexpr.Parse(c.tagExpr)
	if err != nil {
		r.Problems = append(r.Problems, Problem{File: "--tags", Kind: Selection, Msg: err.Error()})
		return
	}
	c.file(r, newHazards(), file, src, expr, nil)
}

func (c *Checker) file(r *Report, hz *hazards, file string, src []byte, expr tagexpr.Expr, lines []int) {
	r.Files++
	doc, picked, errs := featureset.Pick(file, src, expr, lines)
	if doc == nil || (errs != nil && !doc.HasScenarios()) {
		for _, e := range errs {
			r.Problems = append(r.Problems, problemOf(e))
		}
		return
	}
	steps := stepIndex(doc.Gherkin.Feature)
	scenarioLines := scenarioIndex(doc.Gherkin.Feature)
	matches := map[string][]*catalogue.Step{}
	var problems []Problem
	seen := map[string]bool{}
	add := func(p Problem) {
		key := fmt.Sprintf("%d\x00%s\x00%s", p.Line, p.Kind, p.Msg)
		if !seen[key] {
			seen[key] = true
			problems = append(problems, p)
		}
	}
	for _, e := range errs { // lines that name no scenario
		add(problemOf(e))
	}
	// A selection (tags, lines) checks only the tags of what it runs.
	var keep func(*messages.Tag) bool
	if len(picked) < len(doc.Pickles) {
		ids := map[string]bool{}
		for _, pk := range picked {
			for _, t := range pk.Tags {
				ids[t.AstNodeId] = true
			}
		}
		keep = func(t *messages.Tag) bool { return ids[t.Id] }
	}
	c.tagRefs(r, hz, add, file, doc.Gherkin.Feature, keep)
	for _, pk := range picked {
		r.Scenarios++
		c.tags(add, file, scenarioLines[pk.AstNodeIds[0]], pk)
		registered := map[string]bool{}
		for _, st := range pk.Steps {
			r.Steps++
			src := steps[st.AstNodeIds[0]]
			written := strings.TrimSpace(src.keyword) + " " + st.Text
			if len(st.AstNodeIds) > 1 && st.Text != src.text {
				written += fmt.Sprintf(" (example row at line %d)", scenarioLines[st.AstNodeIds[len(st.AstNodeIds)-1]])
			}
			if c.phraseStep(add, file, src, st, written, registered) { // phrases.go
				noteRegistration(st, registered)
				continue
			}
			ms, ok := matches[st.Text]
			if !ok {
				ms = c.cat.Matching(st.Text)
				matches[st.Text] = ms
			}
			switch len(ms) {
			case 0:
				add(Problem{File: file, Line: src.line, Kind: Undefined, Msg: written, Hints: c.suggest(st.Text)})
				continue
			case 1:
			default:
				hints := []string{"it matches each of these steps; reword it so only one fits:"}
				for _, m := range ms {
					hints = append(hints, fmt.Sprintf("  %s (%s)", m.Text, m.Domain))
				}
				add(Problem{File: file, Line: src.line, Kind: Ambiguous, Msg: written, Hints: hints})
				continue
			}
			c.fixtureRefs(add, file, src.line, ms[0], st.Text, rowNote(written, st.Text), registered)
			c.actions(add, file, src, st, ms[0])
			c.input(add, file, src.line, st, ms[0])
			noteRegistration(st, registered)
		}
	}
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].Line < problems[j].Line })
	r.Problems = append(r.Problems, problems...)
}

// tags checks the required-tags rule for one scenario (or example row).
func (c *Checker) tags(add func(Problem), file string, line int, pk *messages.Pickle) {
	if len(c.requiredTags) == 0 {
		return
	}
	for _, t := range pk.Tags {
		for _, want := range c.requiredTags {
			if strings.EqualFold(t.Name, want) {
				return
			}
		}
	}
	add(Problem{File: file, Line: line, Kind: MissingTag,
		Msg: fmt.Sprintf("scenario %q has none of the required tags", pk.Name),
		Hints: []string{
			"tag the scenario or its feature with one of: " + strings.Join(c.requiredTags, " "),
			"(setting required-tags; see eprharness config)",
		}})
}

// fixtureRefs checks the patients and roles a matched step names.
func (c *Checker) fixtureRefs(add func(Problem), file string, line int, s *catalogue.Step, text, note string, registered map[string]bool) {
	if c.fixtures == nil {
		return
	}
	args := s.Arguments(text)
	for i, name := range s.Args {
		if i >= len(args) || args[i] == "" {
			continue
		}
		v := args[i]
		switch name {
		case catalogue.PlaceholderPatient:
			if isPatient(c.fixtures, v) || registered[strings.ToLower(v)] {
				continue
			}
			var names []string
			for _, p := range c.fixtures.Patients() {
				names = append(names, p.Name())
			}
			hints := []string{
				"fixture patients: " + strings.Join(names, ", "),
				"(or register the patient earlier in the scenario with a table of given name and family name)",
			}
			if !c.fixtures.HasPatients() {
				hints[0] = "the fixtures folder has no patients/ folder: add one with a FHIR Bundle per patient (see fixtures/patients in the eprharness repository)"
				if c.fixtures.Dir() == "" {
					hints[0] = "there is no fixtures folder (./fixtures does not exist): create one with patients/, or name yours with the fixtures setting"
				}
			}
			add(Problem{File: file, Line: line, Kind: UnknownPatient, Msg: fmt.Sprintf("%q is not a fixture patient%s%s", v, didYouMean(v, names), note), Hints: hints})
		case catalogue.PlaceholderRole:
			c.role(add, file, line, v, note)
		}
	}
	for _, p := range s.Personas(text) {
		c.role(add, file, line, p, note)
	}
	for _, role := range s.Roles {
		c.role(add, file, line, role, note)
	}
}

func (c *Checker) role(add func(Problem), file string, line int, role, note string) {
	_, err := c.fixtures.User(role)
	if err == nil {
		return
	}
	if len(c.fixtures.Users()) == 0 {
		// users.yaml is optional; the library says where it would go.
		add(Problem{File: file, Line: line, Kind: UnknownRole,
			Msg: fmt.Sprintf("the step names the role %q, but the fixture library has no users%s", role, note),
			Hints: []string{
				err.Error(),
				"(users.yaml lists a user per role: role, username, password, display_name, role_title)",
			}})
		return
	}
	// The library names its roles in its error: "(known roles: a, b)".
	var roles []string
	if _, known, ok := strings.Cut(err.Error(), "(known roles: "); ok {
		roles = strings.Split(strings.TrimSuffix(known, ")"), ", ")
	}
	add(Problem{File: file, Line: line, Kind: UnknownRole,
		Msg:   fmt.Sprintf("%q is not a role in the fixture users%s%s", role, didYouMean(role, roles), note),
		Hints: []string{"fixture roles: " + strings.Join(roles, ", ")}})
}

// actions reports the actions the step's definition uses that the adapter
// does not bind: one problem per step line, naming them all. A scenario
// outline's step is named as written, placeholders and all, so its example
// rows give one problem.
func (c *Checker) actions(add func(Problem), file string, src stepSource, st *messages.PickleStep, s *catalogue.Step) {
	if c.adapter == nil {
		return
	}
	var missing []string
	for _, a := range s.Uses {
		if !c.adapter.Binds(a) && !slices.Contains(missing, a) {
			missing = append(missing, a)
		}
	}
	if len(missing) == 0 {
		return
	}
	text := src.text
	if text == "" {
		text = st.Text
	}
	quoted := make([]string, len(missing))
	for i, a := range missing {
		quoted[i] = fmt.Sprintf("%q", a)
	}
	what := "the action " + quoted[0]
	it := "it"
	if len(quoted) > 1 {
		what = "the actions " + strings.Join(quoted[:len(quoted)-1], ", ") + " and " + quoted[len(quoted)-1]
		it = "them"
	}
	source := c.adapter.Source()
	add(Problem{File: file, Line: src.line, Kind: Unbound,
		Msg: fmt.Sprintf("step \"%s\" needs %s, which %s does not bind", strings.TrimSpace(src.keyword)+" "+text, what, source),
		Hints: []string{
			fmt.Sprintf("bind %s under actions: in %s, or leave the scenario out of runs on this adapter (a tag and --tags)", it, source),
		}})
}

// rowNote is " (example row at line N)" when written carries it.
func rowNote(written, text string) string {
	if i := strings.LastIndex(written, " (example row at line "); i >= 0 && !strings.Contains(text, " (example row at line ") {
		return written[i:]
	}
	return ""
}

// didYouMean names the known value closest to v, when close enough to be
// a typo: ` (did you mean "Amy Pond"?)`.
func didYouMean(v string, known []string) string {
	best, bestD := "", 0
	for _, k := range known {
		d := levenshtein(strings.ToLower(v), strings.ToLower(k))
		if best == "" || d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" || bestD > 3 || bestD*3 > len([]rune(v)) {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// noteRegistration remembers a patient registered through a data table
// with "given name" and "family name" rows, which later steps may name.
func noteRegistration(st *messages.PickleStep, registered map[string]bool) {
	if st.Argument == nil || st.Argument.DataTable == nil {
		return
	}
	var given, family string
	for _, row := range st.Argument.DataTable.Rows {
		if len(row.Cells) != 2 {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(row.Cells[0].Value)) {
		case "given name":
			given = strings.TrimSpace(row.Cells[1].Value)
		case "family name":
			family = strings.TrimSpace(row.Cells[1].Value)
		}
	}
	if given != "" && family != "" {
		registered[strings.ToLower(given+" "+family)] = true
		registered[strings.ToLower(family+", "+given)] = true
	}
}

type stepSource struct {
	keyword, text string
	line          int
}

// stepIndex maps every step's id to its keyword and line.
func stepIndex(f *messages.Feature) map[string]stepSource {
	idx := map[string]stepSource{}
	addSteps := func(steps []*messages.Step) {
		for _, s := range steps {
			idx[s.Id] = stepSource{keyword: s.Keyword, text: s.Text, line: int(s.Location.Line)}
		}
	}
	var walk func([]*messages.FeatureChild)
	walk = func(children []*messages.FeatureChild) {
		for _, c := range children {
			switch {
			case c.Background != nil:
				addSteps(c.Background.Steps)
			case c.Scenario != nil:
				addSteps(c.Scenario.Steps)
			case c.Rule != nil:
				for _, rc := range c.Rule.Children {
					walk([]*messages.FeatureChild{{Background: rc.Background, Scenario: rc.Scenario}})
				}
			}
		}
	}
	walk(f.Children)
	return idx
}

// scenarioIndex maps scenario and example-row ids to their lines.
func scenarioIndex(f *messages.Feature) map[string]int {
	idx := map[string]int{}
	add := func(sc *messages.Scenario) {
		idx[sc.Id] = int(sc.Location.Line)
		for _, ex := range sc.Examples {
			for _, row := range ex.TableBody {
				idx[row.Id] = int(row.Location.Line)
			}
		}
	}
	for _, c := range f.Children {
		if c.Scenario != nil {
			add(c.Scenario)
		}
		if c.Rule != nil {
			for _, rc := range c.Rule.Children {
				if rc.Scenario != nil {
					add(rc.Scenario)
				}
			}
		}
	}
	return idx
}

// gherkinTokens are the Gherkin parser's token names in plain words.
var gherkinTokens = strings.NewReplacer(
	"#EOF", "the end of the file", "#TableRow", "a table row", "#DocStringSeparator", `a doc string (""")`,
	"#StepLine", "a step (Given, When, Then, And, But)", "#TagLine", "a tag", "#ExamplesLine", "Examples:",
	"#ScenarioLine", "Scenario:", "#RuleLine", "Rule:", "#BackgroundLine", "Background:",
	"#FeatureLine", "Feature:", "#Comment", "a comment", "#Empty", "a blank line",
	"#Language", "a # language: line", "#Other", "description text",
)

// plainSyntax rewrites the Gherkin parser's "expected: #EOF, #TableRow,
// ..., got 'line'" in plain words.
func plainSyntax(msg string) string {
	expected, got, ok := strings.Cut(msg, ", got ")
	if !ok || !strings.HasPrefix(expected, "expected: ") {
		return msg
	}
	return fmt.Sprintf("unexpected line %s: Gherkin expects here %s", strings.TrimSpace(got),
		gherkinTokens.Replace(strings.ReplaceAll(strings.TrimPrefix(expected, "expected: "), ", ", " or ")))
}

// input runs the step's own check of what it is given (steps.Def.Check).
func (c *Checker) input(add func(Problem), file string, line int, st *messages.PickleStep, s *catalogue.Step) {
	if s.Check == nil {
		return
	}
	in := steps.Input{FeatureFile: file, Args: s.Arguments(st.Text)}
	if a := st.Argument; a != nil {
		if a.DocString != nil {
			in.DocString = a.DocString.Content
		}
		if a.DataTable != nil {
			for _, row := range a.DataTable.Rows {
				var cells []string
				for _, cell := range row.Cells {
					cells = append(cells, cell.Value)
				}
				in.Table = append(in.Table, cells)
			}
		}
	}
	if err := s.Check(in); err != nil {
		add(Problem{File: file, Line: line, Kind: BadInput, Msg: err.Error()})
	}
}
