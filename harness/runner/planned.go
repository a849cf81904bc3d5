package runner

import (
	"fmt"
	"io/fs"

	"github.com/eprharness/eprharness/harness/featureset"
	"github.com/eprharness/eprharness/harness/results"
)

// planned lists every scenario of sel (one per example row) in run order,
// with the ids the collector gives them (Scenario.ID, "<uri>:<line>"), for
// results.Run.Planned. It parses the selected files as Godog will see
// them, so scenarios the selection left out are not planned.
func planned(sel *featureset.Selection) ([]results.PlannedScenario, error) {
	var out []results.PlannedScenario
	for _, path := range sel.Paths {
		src, err := fs.ReadFile(sel.FS, path)
		if err != nil {
			return nil, fmt.Errorf("plan %s: %w", path, err)
		}
		doc, errs := featureset.Parse(path, src)
		if errs != nil {
			return nil, fmt.Errorf("plan: %w", errs)
		}
		if doc.Gherkin == nil || doc.Gherkin.Feature == nil {
			continue
		}
		nodes := docNodes(doc.Gherkin.Feature)
		for _, p := range doc.Pickles {
			_, line := scenarioLine(nodes, p.AstNodeIds)
			out = append(out, results.PlannedScenario{ID: fmt.Sprintf("%s:%d", path, line), Name: p.Name, Feature: path})
		}
	}
	return out, nil
}
