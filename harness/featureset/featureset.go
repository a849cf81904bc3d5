// Package featureset finds, parses and selects the scenarios a run executes.
//
// It parses every feature file itself before Godog sees it, so that a
// malformed file is reported with its path and line, a FILE:LINE that names
// no scenario is refused, and tags are filtered with standard Cucumber tag
// expressions (harness/tagexpr). The selection is handed to Godog as an
// in-memory file system in which every scenario or example row that was not
// selected is turned into comment lines: line numbers stay exactly as the
// analyst wrote them, and Godog runs only what was selected.
package featureset

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing/fstest"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/eprharness/eprharness/harness/tagexpr"
)

// Error is a problem with a feature file or a path, with its location.
type Error struct {
	File string
	Line int // 0 when the error is about the file or path as a whole
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Errors is every problem found, in file order.
type Errors []*Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Selection is the scenarios chosen for a run.
type Selection struct {
	// FS holds the selected feature files, rewritten; hand it to Godog as
	// Options.FS together with Paths.
	FS fs.FS
	// Paths are the selected feature files, slash-separated, in run order.
	Paths []string
	// Scenarios is the number of scenarios (example rows count one each)
	// selected.
	Scenarios int
}

// Select parses the feature files under paths (files, folders, or
// "file.feature:LINE") and keeps the scenarios that match the tag expression
// and line filters. A LINE may be a scenario's line, an outline's line (all
// its rows), an Examples line (that table's rows), an example row's line, or
// any line inside a scenario.
func Select(paths []string, tags string) (*Selection, error) {
	expr, err := tagexpr.Parse(tags)
	if err != nil {
		return nil, &Error{File: "--tags", Msg: err.Error()}
	}
	// file -> requested lines (nil = whole file), in first-seen order.
	lines := map[string][]int{}
	whole := map[string]bool{}
	var order []string
	var errs Errors
	for _, p := range paths {
		file, line := splitLine(p)
		info, err := os.Stat(file)
		if err != nil {
			errs = append(errs, &Error{File: file, Msg: "no such feature file or folder"})
			continue
		}
		var files []string
		if info.IsDir() {
			if line > 0 {
				errs = append(errs, &Error{File: p, Msg: "a line number needs a feature file, not a folder"})
				continue
			}
			files, err = featureFiles(file)
			if err != nil {
				errs = append(errs, &Error{File: file, Msg: err.Error()})
				continue
			}
		} else {
			files = []string{filepath.ToSlash(filepath.Clean(file))}
		}
		for _, f := range files {
			if _, seen := lines[f]; !seen && !whole[f] {
				order = append(order, f)
			}
			if line > 0 {
				lines[f] = append(lines[f], line)
			} else {
				whole[f] = true
			}
		}
	}
	sel := &Selection{}
	mfs := fstest.MapFS{}
	for _, f := range order {
		src, err := os.ReadFile(f)
		if err != nil {
			errs = append(errs, &Error{File: f, Msg: err.Error()})
			continue
		}
		var want []int
		if !whole[f] {
			want = lines[f]
		}
		out, n, ferrs := selectFile(f, src, expr, want)
		errs = append(errs, ferrs...)
		if n > 0 && len(ferrs) == 0 {
			mfs[f] = &fstest.MapFile{Data: out, Mode: 0o644}
			sel.Paths = append(sel.Paths, f)
			sel.Scenarios += n
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	sel.FS = exactFS{mfs}
	return sel, nil
}

// exactFS serves the selected files under exactly the paths they were
// given by, including absolute and "../" paths, which fs.ValidPath (and so
// fstest.MapFS) refuses; Godog only opens the paths in Selection.Paths.
type exactFS struct{ m fstest.MapFS }

func (e exactFS) Open(name string) (fs.File, error) {
	f, ok := e.m[name]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	// MapFS opens its own valid key; serve the file under that key.
	sub := fstest.MapFS{"f": f}
	return sub.Open("f")
}

// Document is one parsed feature file.
type Document struct {
	File string
	// Gherkin is the parsed document; its Feature is nil for an empty or
	// comment-only file.
	Gherkin *messages.GherkinDocument
	// Pickles are the scenarios as they run: background steps included,
	// one per example row with the row's values substituted.
	Pickles []*messages.Pickle
}

// Parse parses one feature file's source with the Cucumber Gherkin parser,
// as Godog does. A syntax error comes back as Errors naming file and line.
// It accepts what real suites contain: a Background or Scenario starting
// with And or But, a comment after tags on the same line, tags holding URLs,
// typographic punctuation, tab indentation, descriptions under scenarios and
// examples, and empty cells in example tables (see testdata/realworld).
func Parse(file string, src []byte) (*Document, Errors) {
	doc, err := gherkin.ParseGherkinDocument(bytes.NewReader(src), (&messages.Incrementing{}).NewId)
	if err != nil {
		return nil, parseErrors(file, err)
	}
	d := &Document{File: file, Gherkin: doc}
	if doc.Feature != nil {
		d.Pickles = gherkin.Pickles(*doc, file, (&messages.Incrementing{}).NewId)
	}
	return d, nil
}

// Files expands paths (feature files, folders, "file.feature:LINE") into
// feature files, slash-separated and sorted within each folder, each once.
// A line suffix is dropped: the whole file is named.
func Files(paths []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	var errs Errors
	for _, p := range paths {
		file, _ := splitLine(p)
		info, err := os.Stat(file)
		if err != nil {
			errs = append(errs, &Error{File: file, Msg: "no such feature file or folder"})
			continue
		}
		files := []string{filepath.ToSlash(filepath.Clean(file))}
		if info.IsDir() {
			if files, err = featureFiles(file); err != nil {
				errs = append(errs, &Error{File: file, Msg: err.Error()})
				continue
			}
		}
		for _, f := range files {
			if !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	if len(errs) > 0 {
		return out, errs
	}
	return out, nil
}

func splitLine(p string) (string, int) {
	i := strings.LastIndex(p, ":")
	if i < 0 || !strings.HasSuffix(p[:i], ".feature") {
		return p, 0
	}
	var n int
	if _, err := fmt.Sscanf(p[i+1:], "%d", &n); err != nil || n < 1 {
		return p, 0
	}
	return p[:i], n
}

func featureFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".feature") {
			files = append(files, filepath.ToSlash(filepath.Clean(p)))
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

// block is a scenario's extent in the file and its example rows.
type block struct {
	first, last int // 1-based, inclusive: first tag line .. line before next block
	scenario    *messages.Scenario
	rows        map[int]bool // example row line -> selected
	examples    map[int][]int
	selected    int
}

// selectFile parses one file and blanks what is not selected. want lists the
// requested lines (nil: all). It returns the rewritten file and the number
// of scenarios kept.
func selectFile(file string, src []byte, expr tagexpr.Expr, want []int) ([]byte, int, Errors) {
	parsed, errs := Parse(file, src)
	if errs != nil {
		return nil, 0, errs
	}
	doc, pickles := parsed.Gherkin, parsed.Pickles
	if doc.Feature == nil {
		return nil, 0, nil // an empty or comment-only file
	}

	nLines := bytes.Count(src, []byte("\n")) + 1
	starts := blockStarts(doc.Feature)
	blocks := map[string]*block{}
	var ordered []*block
	for _, sc := range scenarios(doc.Feature) {
		first := int(sc.Location.Line)
		for _, t := range sc.Tags {
			if l := int(t.Location.Line); l < first {
				first = l
			}
		}
		last := nLines
		for _, s := range starts {
			if s > first {
				last = s - 1
				break
			}
		}
		b := &block{first: first, last: last, scenario: sc, rows: map[int]bool{}, examples: map[int][]int{}}
		for _, ex := range sc.Examples {
			for _, row := range ex.TableBody {
				b.rows[int(row.Location.Line)] = false
				b.examples[int(ex.Location.Line)] = append(b.examples[int(ex.Location.Line)], int(row.Location.Line))
			}
		}
		blocks[sc.Id] = b
		ordered = append(ordered, b)
	}

	// Which requested lines land in which block, and which land nowhere.
	lineHit := map[int]bool{}
	matchesLine := func(b *block, rowLine int) bool {
		if want == nil {
			return true
		}
		for _, l := range want {
			switch {
			case rowLine > 0 && l == rowLine:
				return true
			case rowLine > 0 && containsInt(b.examples[l], rowLine):
				return true
			case l >= b.first && l <= b.last && (rowLine == 0 || !isRowOrExamples(b, l)):
				return true
			}
		}
		return false
	}
	for _, l := range want {
		for _, b := range ordered {
			if l >= b.first && l <= b.last {
				lineHit[l] = true
			}
		}
		if !lineHit[l] {
			errs = append(errs, &Error{File: file, Line: l, Msg: "no scenario at this line"})
		}
	}
	if len(errs) > 0 {
		return nil, 0, errs
	}

	kept := 0
	for _, p := range pickles {
		b := blocks[p.AstNodeIds[0]]
		rowLine := 0
		if len(p.AstNodeIds) > 1 {
			rowLine = rowLineOf(b.scenario, p.AstNodeIds[len(p.AstNodeIds)-1])
		}
		if !expr.Match(tagNames(p.Tags)) || !matchesLine(b, rowLine) {
			continue
		}
		b.selected++
		if rowLine > 0 {
			b.rows[rowLine] = true
		}
		kept++
	}

	out := strings.Split(string(src), "\n")
	blank := func(line int) {
		if line >= 1 && line <= len(out) {
			out[line-1] = "#"
		}
	}
	for _, b := range ordered {
		if b.selected == 0 {
			for l := b.first; l <= b.last; l++ {
				if isBlankable(out, l) {
					blank(l)
				}
			}
			continue
		}
		for row, sel := range b.rows {
			if !sel {
				blank(row)
			}
		}
	}
	return []byte(strings.Join(out, "\n")), kept, nil
}

// isBlankable leaves lines that are already blank alone, so a blanked block
// keeps the file's shape.
func isBlankable(out []string, line int) bool {
	return line >= 1 && line <= len(out) && strings.TrimSpace(out[line-1]) != ""
}

func isRowOrExamples(b *block, l int) bool {
	if _, ok := b.rows[l]; ok {
		return true
	}
	_, ok := b.examples[l]
	return ok
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func rowLineOf(sc *messages.Scenario, rowID string) int {
	for _, ex := range sc.Examples {
		for _, row := range ex.TableBody {
			if row.Id == rowID {
				return int(row.Location.Line)
			}
		}
	}
	return 0
}

func tagNames(tags []*messages.PickleTag) []string {
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = t.Name
	}
	return out
}

// scenarios returns every scenario of the feature, including those in rules.
func scenarios(f *messages.Feature) []*messages.Scenario {
	var out []*messages.Scenario
	for _, c := range f.Children {
		if c.Scenario != nil {
			out = append(out, c.Scenario)
		}
		if c.Rule != nil {
			for _, rc := range c.Rule.Children {
				if rc.Scenario != nil {
					out = append(out, rc.Scenario)
				}
			}
		}
	}
	return out
}

// blockStarts returns, sorted, the first line (tags included) of every
// background, scenario and rule: where one block ends, the next begins.
func blockStarts(f *messages.Feature) []int {
	var starts []int
	addTagged := func(line int64, tags []*messages.Tag) {
		first := int(line)
		for _, t := range tags {
			if l := int(t.Location.Line); l < first {
				first = l
			}
		}
		starts = append(starts, first)
	}
	var walk func(children []*messages.FeatureChild)
	walk = func(children []*messages.FeatureChild) {
		for _, c := range children {
			switch {
			case c.Background != nil:
				starts = append(starts, int(c.Background.Location.Line))
			case c.Scenario != nil:
				addTagged(c.Scenario.Location.Line, c.Scenario.Tags)
			case c.Rule != nil:
				addTagged(c.Rule.Location.Line, c.Rule.Tags)
				for _, rc := range c.Rule.Children {
					switch {
					case rc.Background != nil:
						starts = append(starts, int(rc.Background.Location.Line))
					case rc.Scenario != nil:
						addTagged(rc.Scenario.Location.Line, rc.Scenario.Tags)
					}
				}
			}
		}
	}
	walk(f.Children)
	sort.Ints(starts)
	return starts
}

// parseErrors turns gherkin's "(line:col): msg" errors into Errors.
func parseErrors(file string, err error) Errors {
	var out Errors
	for _, line := range strings.Split(err.Error(), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line == "Parser errors:" {
			continue
		}
		var l, c int
		if n, _ := fmt.Sscanf(line, "(%d:%d):", &l, &c); n == 2 {
			msg := strings.TrimSpace(line[strings.Index(line, "):")+2:])
			out = append(out, &Error{File: file, Line: l, Msg: msg})
			continue
		}
		out = append(out, &Error{File: file, Msg: line})
	}
	if len(out) == 0 {
		out = append(out, &Error{File: file, Msg: err.Error()})
	}
	return out
}

// IsInput reports whether err is a problem with the feature files or paths
// (bad input) rather than an I/O fault.
func IsInput(err error) bool {
	var es Errors
	var e *Error
	return errors.As(err, &es) || errors.As(err, &e)
}

// Tags lists every tag in a feature: the feature's, its rules', its
// scenarios' and their examples', in the order they are written.
func Tags(f *messages.Feature) []*messages.Tag {
	if f == nil {
		return nil
	}
	tags := append([]*messages.Tag(nil), f.Tags...)
	addScenario := func(sc *messages.Scenario) {
		if sc == nil {
			return
		}
		tags = append(tags, sc.Tags...)
		for _, ex := range sc.Examples {
			tags = append(tags, ex.Tags...)
		}
	}
	for _, ch := range f.Children {
		addScenario(ch.Scenario)
		if ch.Rule != nil {
			tags = append(tags, ch.Rule.Tags...)
			for _, rc := range ch.Rule.Children {
				addScenario(rc.Scenario)
			}
		}
	}
	return tags
}
