package runner

import (
	"io/fs"
	"strings"

	messages "github.com/cucumber/messages/go/v34"

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
		for _, t := range docTags(doc.Gherkin) {
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

// docTags lists every tag in a feature: the feature's, its rules', its
// scenarios' and their examples'.
func docTags(doc *messages.GherkinDocument) []*messages.Tag {
	if doc == nil || doc.Feature == nil {
		return nil
	}
	tags := append([]*messages.Tag(nil), doc.Feature.Tags...)
	addScenario := func(sc *messages.Scenario) {
		if sc == nil {
			return
		}
		tags = append(tags, sc.Tags...)
		for _, ex := range sc.Examples {
			tags = append(tags, ex.Tags...)
		}
	}
	for _, ch := range doc.Feature.Children {
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
