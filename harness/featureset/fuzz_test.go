package featureset

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eprharness/eprharness/harness/tagexpr"
)

// seedFeatures are the example suite's feature files, this package's test
// files and the bad-input corpus's feature files.
func seedFeatures(f *testing.F) [][]byte {
	f.Helper()
	var out [][]byte
	for _, pattern := range []string{
		"../../features/*.feature", "testdata/*.feature", "testdata/*.txt", "testdata/realworld/*.feature",
		"../../testdata/bad/*/features/*.feature", "../../testdata/bad/*/*.feature",
	} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			src, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			out = append(out, src)
		}
	}
	out = append(out,
		[]byte(""), []byte("\xef\xbb\xbf@x\nFeature: BOM\n  Scenario: S\n    Given a step\n"),
		[]byte("Feature: F\n  Scenario: caf\xe9\n    Given a step\n"),
		[]byte("Feature: F\n  Scenario Outline: O <a>\n    Given <a> and <b>\n\n    Examples:\n      | a |\n"),
		[]byte("Feature: F\n  Scenario: S\n    Given \""+strings.Repeat("x", MaxLineBytes+1)+"\"\n"),
		[]byte("\xff\xfeF\x00e\x00"),
	)
	return out
}

// FuzzParse: no source makes Parse panic; it returns a document or
// errors, never both nil, and every error names the file with a line
// inside the source.
func FuzzParse(f *testing.F) {
	for _, src := range seedFeatures(f) {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		doc, errs := Parse("x.feature", src)
		if doc == nil && errs == nil {
			t.Fatal("neither a document nor errors")
		}
		if doc != nil && errs != nil {
			t.Fatalf("a document and errors: %v", errs)
		}
		lines := strings.Count(string(src), "\n") + 1
		for _, e := range errs {
			if e.File != "x.feature" || e.Line < 0 || e.Line > lines+1 {
				t.Fatalf("error %q: want file x.feature and a line in 0..%d", e, lines+1)
			}
			if e.Msg == "" {
				t.Fatalf("error without a message: %#v", e)
			}
		}
	})
}

// FuzzSelect: a feature file, a FILE:LINE and a tag expression never make
// Select panic. Its errors are featureset errors naming the file (or
// --tags); what it selects is a file that parses again to exactly the
// selected scenarios, with the original's line count.
func FuzzSelect(f *testing.F) {
	for i, src := range seedFeatures(f) {
		f.Add(src, 0, "")
		f.Add(src, 2+i%20, "@smoke or not @slow")
	}
	f.Add([]byte("Feature: F\n  Scenario: S\n    Given a step\n"), 3, "@a and")
	f.Fuzz(func(t *testing.T, src []byte, line int, tags string) {
		dir := t.TempDir()
		file := filepath.ToSlash(filepath.Join(dir, "x.feature"))
		if err := os.WriteFile(file, src, 0o644); err != nil {
			t.Fatal(err)
		}
		path := file
		if line != 0 {
			path = fmt.Sprintf("%s:%d", file, line)
		}
		sel, err := Select([]string{path}, tags)
		if err != nil {
			if !IsInput(err) {
				t.Fatalf("Select: %T is not a featureset error: %v", err, err)
			}
			var es Errors
			var e *Error
			switch {
			case errors.As(err, &es):
				for _, e := range es {
					if e.File != file && e.File != path && e.File != "--tags" {
						t.Fatalf("error names %q, not the file: %v", e.File, e)
					}
				}
			case errors.As(err, &e):
				if e.File != "--tags" {
					t.Fatalf("error names %q: %v", e.File, e)
				}
			}
			return
		}
		if sel.Scenarios == 0 {
			if len(sel.Paths) != 0 {
				t.Fatalf("no scenarios but paths %v", sel.Paths)
			}
			return
		}
		if len(sel.Paths) != 1 || sel.Paths[0] != file {
			t.Fatalf("paths %v, want [%s]", sel.Paths, file)
		}
		out, err := fs.ReadFile(sel.FS, file)
		if err != nil {
			t.Fatal(err)
		}
		body := strings.TrimPrefix(string(src), "\xef\xbb\xbf")
		if strings.Count(string(out), "\n") != strings.Count(body, "\n") {
			t.Fatal("the selection changed the line count")
		}
		expr, _ := tagexpr.Parse("")
		_, n, errs := selectFile(file, out, expr, nil)
		if errs != nil {
			t.Fatalf("the selected file does not parse: %v\n%s", errs, out)
		}
		if n != sel.Scenarios {
			t.Fatalf("the selected file holds %d scenarios, the selection %d", n, sel.Scenarios)
		}
	})
}
