package featureset

import (
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"testing/fstest"

	messages "github.com/cucumber/messages/go/v34"

	"github.com/eprharness/eprharness/harness/tagexpr"
)

// Ordered returns a selection that makes Godog start the scenarios of s in
// the order of ids (scenario ids "FILE:LINE", as the results name them:
// a scenario's line or an example row's), each exactly once.
//
// Godog (v0.16) starts scenarios feature by feature, in the order of
// Options.Paths and then file order, however many run at once; it cannot
// be handed a scenario order across files. So each id becomes a file of
// its own in the returned FS, named "FILE#LINE": a copy of the selected
// feature file in which every other scenario and example row is turned
// into comment lines, exactly as Select does. Line numbers, the feature's
// name, tags and background, and the scenario's steps are those of FILE;
// only the path Godog reports differs, and File maps it back, so results,
// reports and PATH:LINE ids stay those of the real file.
//
// An id that is not a scenario of s (a line of a scenario the selection
// left out, an outline's own line, a malformed id) and an id given twice
// are Errors.
func (s *Selection) Ordered(ids []string) (*Selection, error) {
	all, err := tagexpr.Parse("")
	if err != nil {
		return nil, fmt.Errorf("order: %w", err)
	}
	out := &Selection{files: map[string]string{}}
	mfs := fstest.MapFS{}
	srcs := map[string][]byte{}
	var errs Errors
	for _, id := range ids {
		file, line, ok := cutID(id)
		if !ok {
			errs = append(errs, &Error{File: id, Kind: BadSelection, Msg: "not a scenario id (FILE:LINE)"})
			continue
		}
		src, ok := srcs[file]
		if !ok {
			if !slices.Contains(s.Paths, file) {
				errs = append(errs, &Error{File: file, Line: line, Kind: BadSelection, Msg: "not a file of the selection"})
				continue
			}
			if src, err = fs.ReadFile(s.FS, file); err != nil {
				errs = append(errs, &Error{File: file, Kind: Path, Msg: err.Error()})
				continue
			}
			srcs[file] = src
		}
		data, doc, kept, ferrs := selectSource(file, src, all, []int{line})
		if ferrs != nil {
			errs = append(errs, ferrs...)
			continue
		}
		// A line inside a scenario (or in a scenario the selection
		// blanked, now part of the one above it) selects a scenario
		// whose id is another line: only an exact id is accepted.
		if len(kept) != 1 || pickleLine(doc, kept[0]) != line {
			errs = append(errs, &Error{File: file, Line: line, Kind: BadSelection, Msg: "not the line of a selected scenario or example row"})
			continue
		}
		v := VirtualPath(file, line)
		if _, dup := mfs[v]; dup {
			errs = append(errs, &Error{File: file, Line: line, Kind: BadSelection, Msg: "scenario listed twice"})
			continue
		}
		mfs[v] = &fstest.MapFile{Data: data, Mode: 0o644}
		out.files[v] = file
		out.Paths = append(out.Paths, v)
		out.Scenarios++
	}
	if len(errs) > 0 {
		return nil, errs
	}
	out.FS = exactFS{mfs}
	return out, nil
}

// VirtualPath is the path under which an Ordered selection hands Godog the
// scenario at file:line: "features/search.feature#12".
func VirtualPath(file string, line int) string { return file + "#" + strconv.Itoa(line) }

// File returns the feature file that a path Godog reports (its URI)
// stands for: the file an Ordered selection cut it from, or path itself.
func (s *Selection) File(path string) string {
	if f, ok := s.files[path]; ok {
		return f
	}
	return path
}

// cutID splits a scenario id "FILE:LINE".
func cutID(id string) (string, int, bool) {
	i := strings.LastIndexByte(id, ':')
	if i <= 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(id[i+1:])
	if err != nil || n < 1 {
		return "", 0, false
	}
	return id[:i], n, true
}

// pickleLine is the line of a pickle's id: its scenario's or, for an
// outline, its example row's.
func pickleLine(doc *Document, p *messages.Pickle) int {
	if doc == nil || doc.Gherkin == nil || doc.Gherkin.Feature == nil || len(p.AstNodeIds) == 0 {
		return 0
	}
	last := p.AstNodeIds[len(p.AstNodeIds)-1]
	for _, sc := range scenarios(doc.Gherkin.Feature) {
		if sc.Id != p.AstNodeIds[0] {
			continue
		}
		if len(p.AstNodeIds) == 1 {
			return int(sc.Location.Line)
		}
		return rowLineOf(sc, last)
	}
	return 0
}
