package runner

import (
	"io/fs"
	"strings"

	"github.com/eprharness/eprharness/harness/featureset"
	"github.com/eprharness/eprharness/harness/fixtures"
	"github.com/eprharness/eprharness/harness/scenario"
)

// checkPatientTags refuses, before anything starts, a @patient:<name> tag
// in the selected scenarios that names no fixture patient file, with the
// tag's file and line.
func checkPatientTags(sel *featureset.Selection, lib *fixtures.Library) error {
	var errs featureset.Errors
	for _, file := range sel.Paths {
		src, err := fs.ReadFile(sel.FS, file)
		if err != nil {
			continue // Godog reports it; the before-scenario hook checks the tags again
		}
		doc, perrs := featureset.Parse(file, src)
		if perrs != nil {
			continue // Select parsed it already
		}
		if doc.Gherkin == nil {
			continue
		}
		for _, t := range featureset.Tags(doc.Gherkin.Feature) {
			if !strings.HasPrefix(t.Name, scenario.PatientTagPrefix) {
				continue
			}
			if _, _, err := scenario.PatientForTag(lib, t.Name); err != nil {
				errs = append(errs, &featureset.Error{File: file, Line: int(t.Location.Line), Msg: err.Error()})
			}
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}
