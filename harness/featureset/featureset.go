// Package featureset finds, parses and selects the scenarios a run executes.
//
// It parses every feature file itself before Godog sees it, so that a
// malformed file is reported with its path and line, a FILE:LINE that names
// no scenario is refused, and tags are filtered with standard Cucumber tag
// expressions (harness/tagexpr). The selection is handed to Godog as an
// in-memory file system in which every scenario or example row that was not
// selected is turned into comment lines: line numbers stay exactly as the
// analyst wrote them, and Godog runs only what was selected.
//
// Input is checked before the Gherkin parser sees it, and nothing a file
// holds can crash the harness: a UTF-8 byte-order mark is dropped; a file
// that is not UTF-8 is refused at the line of its first invalid byte; a
// line longer than MaxLineBytes or a file larger than MaxFileBytes is
// refused with its line and the limit; and a panic in the parser is turned
// into an Error naming the file. A Scenario Outline must have Examples
// with at least one row, and every <placeholder> in its steps must be a
// column of each of its Examples tables. A feature file without scenarios
// and a folder without feature files are errors, so that an empty path is
// never taken for "nothing matched the tags".
//
// Selection.Ordered re-cuts a selection into one file per scenario so that
// Godog starts them in a chosen order (longest first, see harness/schedule);
// Selection.File maps the paths Godog then reports back to the real files.
//
// Every function here is safe for concurrent use; nothing is cached.
package featureset

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing/fstest"
	"unicode/utf8"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/eprharness/eprharness/harness/tagexpr"
)

// Kind says what sort of problem an Error is.
type Kind string

// Error kinds. The zero Kind is Syntax.
const (
	Syntax       Kind = "syntax error"
	Encoding     Kind = "text encoding"
	TooLong      Kind = "too long"
	Outline      Kind = "scenario outline"
	Empty        Kind = "no scenarios"
	BadSelection Kind = "selection"
	Path         Kind = "path"
)

// MaxLineBytes is the longest line, in bytes, a feature file may hold.
// Longer lines are refused before parsing (the Gherkin parser cannot read
// lines of 64 KiB or more).
const MaxLineBytes = 32 << 10

// MaxFileBytes is the largest feature file, in bytes, that is parsed.
const MaxFileBytes = 8 << 20

// Error is a problem with a feature file or a path, with its location.
type Error struct {
	File string
	Line int // 0 when the error is about the file or path as a whole
	Kind Kind
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
	// files maps the paths of an Ordered selection to the feature files
	// they were cut from (see File); nil for a selection of whole files.
	files map[string]string
}

// Select parses the feature files under paths (files, folders, or
// "file.feature:LINE") and keeps the scenarios that match the tag expression
// and line filters. A LINE may be a scenario's line, an outline's line (all
// its rows), an Examples line (that table's rows), an example row's line, or
// any line inside a scenario.
func Select(paths []string, tags string) (*Selection, error) {
	expr, err := tagexpr.Parse(tags)
	if err != nil {
		return nil, &Error{File: "--tags", Kind: BadSelection, Msg: err.Error()}
	}
	targets, errs := Resolve(paths)
	sel := &Selection{}
	mfs := fstest.MapFS{}
	for _, tg := range targets {
		f := tg.File
		src, err := readFeature(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out, n, ferrs := selectFile(f, src, expr, tg.Lines)
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
func Parse(file string, src []byte) (doc *Document, errs Errors) {
	defer func() {
		// No input may crash the harness: a parser panic is this file's error.
		if r := recover(); r != nil {
			doc, errs = nil, Errors{{File: file, Kind: Syntax, Msg: fmt.Sprintf("the Gherkin parser failed on this file (%v)", r)}}
		}
	}()
	src = bytes.TrimPrefix(src, utf8BOM)
	if errs := checkText(file, src); errs != nil {
		return nil, errs
	}
	gdoc, err := parseGherkin(bytes.NewReader(src), (&messages.Incrementing{}).NewId)
	if err != nil {
		return nil, parseErrors(file, err)
	}
	if gdoc == nil {
		return nil, Errors{{File: file, Kind: Syntax, Msg: "the Gherkin parser returned no document"}}
	}
	d := &Document{File: file, Gherkin: gdoc}
	if gdoc.Feature != nil {
		if errs := checkOutlines(file, gdoc.Feature); errs != nil {
			return nil, errs
		}
		d.Pickles = gherkin.Pickles(*gdoc, file, (&messages.Incrementing{}).NewId)
	}
	return d, nil
}

// parseGherkin is the Gherkin parser (a variable so that a test can make
// it panic).
var parseGherkin = gherkin.ParseGherkinDocument

// HasScenarios reports whether the document holds at least one scenario
// (in its feature or its rules).
func (d *Document) HasScenarios() bool {
	return d != nil && d.Gherkin != nil && d.Gherkin.Feature != nil && len(scenarios(d.Gherkin.Feature)) > 0
}

// utf8BOM is the UTF-8 byte-order mark some editors write first.
var utf8BOM = []byte("\xef\xbb\xbf")

// checkText refuses what the Gherkin parser cannot read: lines longer than
// MaxLineBytes (each named) and text that is not UTF-8 (the first invalid
// byte's line).
func checkText(file string, src []byte) Errors {
	if len(src) > MaxFileBytes {
		return Errors{{File: file, Kind: TooLong, Msg: fmt.Sprintf("the file is larger than %d bytes (%d MiB), the most a feature file may hold", MaxFileBytes, MaxFileBytes>>20)}}
	}
	if bytes.HasPrefix(src, []byte{0xff, 0xfe}) || bytes.HasPrefix(src, []byte{0xfe, 0xff}) {
		return Errors{{File: file, Line: 1, Kind: Encoding, Msg: "the file is UTF-16 text; save it as UTF-8"}}
	}
	var errs Errors
	badText := false
	rest := src
	for n := 1; len(rest) > 0; n++ {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		if len(line) > MaxLineBytes {
			errs = append(errs, &Error{File: file, Line: n, Kind: TooLong, Msg: fmt.Sprintf(
				"the line is %d bytes long; a Gherkin line may be at most %d bytes (%d KiB)", len(line), MaxLineBytes, MaxLineBytes>>10)})
			continue
		}
		if !badText && !utf8.Valid(line) {
			badText = true // one is enough: a file in another encoding has many
			col := invalidAt(line)
			errs = append(errs, &Error{File: file, Line: n, Kind: Encoding, Msg: fmt.Sprintf(
				"the file is not UTF-8 text: byte 0x%02X at column %d; save the file as UTF-8", line[col-1], col)})
		}
	}
	return errs
}

// invalidAt is the 1-based column of the first byte of line that is not
// valid UTF-8.
func invalidAt(line []byte) int {
	for i := 0; i < len(line); {
		r, size := utf8.DecodeRune(line[i:])
		if r == utf8.RuneError && size <= 1 {
			return i + 1
		}
		i += size
	}
	return 1
}

// placeholder is an outline's <column>, as Gherkin substitutes it.
var placeholder = regexp.MustCompile(`<([^<>\n]+)>`)

// checkOutlines refuses an outline without Examples, an Examples table
// without rows, and a <placeholder> in an outline's steps that one of its
// Examples tables has no column for: each would run (or silently not run)
// with the literal "<placeholder>".
func checkOutlines(file string, f *messages.Feature) Errors {
	outlineWords := map[string]bool{}
	if d := gherkin.DialectsBuiltin().GetDialect(f.Language); d != nil {
		for _, k := range d.ScenarioOutlineKeywords() {
			outlineWords[strings.TrimSpace(k)] = true
		}
	}
	var errs Errors
	for _, sc := range scenarios(f) {
		if !outlineWords[strings.TrimSpace(sc.Keyword)] && len(sc.Examples) == 0 {
			continue // a plain scenario: <text> in it is literal
		}
		line := int(sc.Location.Line)
		if len(sc.Examples) == 0 {
			errs = append(errs, &Error{File: file, Line: line, Kind: Outline, Msg: fmt.Sprintf(
				"scenario outline %q has no Examples, so it would never run; add an Examples table with a column for each <placeholder>", sc.Name)})
			continue
		}
		for _, ex := range sc.Examples {
			exLine := int(ex.Location.Line)
			if ex.TableHeader == nil || len(ex.TableBody) == 0 {
				errs = append(errs, &Error{File: file, Line: exLine, Kind: Outline, Msg: fmt.Sprintf(
					"the Examples of scenario outline %q have no rows, so they would never run; add a row of values under the header", sc.Name)})
				continue
			}
			columns := map[string]bool{}
			var names []string
			for _, c := range ex.TableHeader.Cells {
				columns[c.Value] = true
				names = append(names, c.Value)
			}
			reported := map[string]bool{}
			for _, st := range sc.Steps {
				for _, name := range stepPlaceholders(st) {
					if columns[name] || reported[name] {
						continue
					}
					reported[name] = true
					errs = append(errs, &Error{File: file, Line: int(st.Location.Line), Kind: Outline, Msg: fmt.Sprintf(
						"<%s> is not a column of the Examples at line %d (columns: %s), so the step would run with the literal text <%s>",
						name, exLine, strings.Join(names, ", "), name)})
				}
			}
		}
	}
	if len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
		return errs
	}
	return nil
}

// stepPlaceholders lists the <names> in a step's text and data table (not
// its doc string, which may hold markup such as <Patient>).
func stepPlaceholders(st *messages.Step) []string {
	texts := []string{st.Text}
	if st.DataTable != nil {
		for _, row := range st.DataTable.Rows {
			for _, c := range row.Cells {
				texts = append(texts, c.Value)
			}
		}
	}
	var out []string
	for _, t := range texts {
		for _, m := range placeholder.FindAllStringSubmatch(t, -1) {
			out = append(out, m[1])
		}
	}
	return out
}

// Target is one feature file to read and the lines requested in it.
type Target struct {
	File string // slash-separated
	// Lines are the requested lines (file.feature:LINE), nil for the whole
	// file.
	Lines []int
}

// Resolve expands paths (feature files, folders, "file.feature:LINE") into
// the feature files to read, slash-separated, sorted within each folder,
// each once, in first-seen order. A file named both whole and with a line
// is read whole. A missing path, a folder with a line, and a folder
// without feature files are Errors.
func Resolve(paths []string) ([]Target, Errors) {
	lines := map[string][]int{}
	whole := map[string]bool{}
	var order []string
	var errs Errors
	for _, p := range paths {
		file, line := splitLine(p)
		info, err := os.Stat(file)
		if err != nil {
			errs = append(errs, &Error{File: file, Kind: Path, Msg: "no such feature file or folder"})
			continue
		}
		var files []string
		if info.IsDir() {
			if line > 0 {
				errs = append(errs, &Error{File: p, Kind: Path, Msg: "a line number needs a feature file, not a folder"})
				continue
			}
			files, err = featureFiles(file)
			if err != nil {
				errs = append(errs, &Error{File: file, Kind: Path, Msg: err.Error()})
				continue
			}
			if len(files) == 0 {
				errs = append(errs, &Error{File: folderName(file), Kind: Empty, Msg: "no .feature files"})
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
	out := make([]Target, 0, len(order))
	for _, f := range order {
		t := Target{File: f}
		if !whole[f] {
			t.Lines = lines[f]
		}
		out = append(out, t)
	}
	if len(errs) > 0 {
		return out, errs
	}
	return out, nil
}

// folderName is dir as analysts name a folder: "features/".
func folderName(dir string) string {
	d := filepath.ToSlash(filepath.Clean(dir))
	if strings.HasSuffix(d, "/") {
		return d
	}
	return d + "/"
}

// readFeature reads a feature file, refusing one larger than MaxFileBytes
// before reading it whole.
func readFeature(file string) ([]byte, *Error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, &Error{File: file, Kind: Path, Msg: err.Error()}
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, &Error{File: file, Kind: Path, Msg: err.Error()}
	}
	if len(src) > MaxFileBytes {
		return nil, &Error{File: file, Kind: TooLong, Msg: fmt.Sprintf("the file is larger than %d bytes (%d MiB), the most a feature file may hold", MaxFileBytes, MaxFileBytes>>20)}
	}
	return src, nil
}

// ReadFile reads a feature file as Select does: an error is an *Error
// naming the file (unreadable, or larger than MaxFileBytes).
func ReadFile(file string) ([]byte, error) {
	src, err := readFeature(file)
	if err != nil {
		return nil, err
	}
	return src, nil
}

// Files expands paths (feature files, folders, "file.feature:LINE") into
// feature files, slash-separated and sorted within each folder, each once.
// A line suffix is dropped: the whole file is named.
func Files(paths []string) ([]string, error) {
	targets, errs := Resolve(paths)
	out := make([]string, len(targets))
	for i, t := range targets {
		out[i] = t.File
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
	out, _, kept, errs := selectSource(file, src, expr, want)
	return out, len(kept), errs
}

// Pick parses one feature file's source and returns the document and the
// pickles that the tag expression and the requested lines (nil: all)
// select, with the Errors Select gives for the file: syntax, encoding,
// size and outline errors, "no scenarios", and a line that names no
// scenario. doc is nil when the file does not parse.
func Pick(file string, src []byte, expr tagexpr.Expr, lines []int) (doc *Document, picked []*messages.Pickle, errs Errors) {
	_, doc, picked, errs = selectSource(file, src, expr, lines)
	return doc, picked, errs
}

func selectSource(file string, src []byte, expr tagexpr.Expr, want []int) ([]byte, *Document, []*messages.Pickle, Errors) {
	src = bytes.TrimPrefix(src, utf8BOM) // Godog gets the file without it
	parsed, errs := Parse(file, src)
	if errs != nil {
		return nil, nil, nil, errs
	}
	if !parsed.HasScenarios() {
		return nil, parsed, nil, Errors{{File: file, Kind: Empty, Msg: "no scenarios"}}
	}
	doc, pickles := parsed.Gherkin, parsed.Pickles

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
			errs = append(errs, &Error{File: file, Line: l, Kind: BadSelection, Msg: "no scenario at this line"})
		}
	}
	if len(errs) > 0 {
		return nil, parsed, nil, errs
	}

	var kept []*messages.Pickle
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
		kept = append(kept, p)
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
		// An Examples table left without rows goes whole (tags, keyword,
		// description, header): Gherkin refuses an empty one.
		for _, ex := range b.scenario.Examples {
			kept := false
			for _, row := range ex.TableBody {
				kept = kept || b.rows[int(row.Location.Line)]
			}
			if kept || len(ex.TableBody) == 0 {
				continue
			}
			from := int(ex.Location.Line)
			for _, t := range ex.Tags {
				from = min(from, int(t.Location.Line))
			}
			to := int(ex.TableBody[len(ex.TableBody)-1].Location.Line)
			for l := from; l <= to; l++ {
				if isBlankable(out, l) {
					blank(l)
				}
			}
		}
	}
	return []byte(strings.Join(out, "\n")), parsed, kept, nil
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
			out = append(out, &Error{File: file, Line: l, Kind: Syntax, Msg: msg})
			continue
		}
		out = append(out, &Error{File: file, Kind: Syntax, Msg: line})
	}
	if len(out) == 0 {
		out = append(out, &Error{File: file, Kind: Syntax, Msg: err.Error()})
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
