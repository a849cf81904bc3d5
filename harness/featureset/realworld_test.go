package featureset

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cucumber/godog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Gherkin as analysts really write it (testdata/realworld) parses, selects
// and runs in Godog: a Background or Scenario starting with And, a comment
// after tags, tags holding URLs, typographic apostrophes, tabs, scenario and
// example descriptions, empty example cells.
func TestRealWorldGherkin(t *testing.T) {
	type want struct {
		scenarios []string // pickle names
		tags      []string // the first pickle's tags
		steps     []string // the first pickle's step texts
	}
	cases := map[string]want{
		"and_first.feature": {
			scenarios: []string{"And as the first step"},
			tags:      []string{"@search"},
			steps:     []string{`the patient "Amy Pond" is registered`, "I am signed in as a receptionist", `I search for "Amy Pond"`, "1 patient is found"},
		},
		"tag_comment.feature": {
			scenarios: []string{"Tagged with a trailing comment"},
			tags:      []string{"@search", "@smoke"}, // the comments are not tags
		},
		"tag_url.feature": {
			scenarios: []string{"Tagged with a link"},
			tags:      []string{"@search", "@issue:https://jira.example.nhs.uk/browse/EPR-123", "@see:https://example.nhs.uk/hazards?id=H-002#log", "@smoke"},
		},
		"apostrophe.feature": {
			scenarios: []string{"The patient’s address is hidden"},
			steps:     []string{`the patient "Martha Jones" has a restricted record`, "I am signed in as a receptionist", `I open the record of "Martha Jones"`, "the patient’s address is hidden"},
		},
		"tabs.feature": {
			scenarios: []string{"Tabs everywhere", "Tabs in a table"},
			steps:     []string{`the patient "Amy Pond" is registered`, "I am signed in as a receptionist", `I search for the patient with NHS number "999 000 0018"`, "1 patient is found"},
		},
		"descriptions.feature": {
			scenarios: []string{"A scenario with a description", "An outline with a description (typed)"},
			steps:     []string{`the patient "Amy Pond" is registered`, `I search for "Amy Pond"`},
		},
		"empty_cells.feature": {
			scenarios: []string{"Searching with an empty value (empty)", "Searching with an empty value ()"},
			steps:     []string{"I am signed in as a receptionist", `I search for the patient with NHS number ""`, "I am told the NHS number is not valid"},
		},
	}
	files, err := filepath.Glob("testdata/realworld/*.feature")
	require.NoError(t, err)
	require.Len(t, files, len(cases), "every real-world file has expectations here")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			w, ok := cases[filepath.Base(f)]
			require.True(t, ok)
			src, err := os.ReadFile(f)
			require.NoError(t, err)
			doc, errs := Parse(f, src)
			require.Empty(t, errs)
			var names []string
			for _, p := range doc.Pickles {
				names = append(names, p.Name)
			}
			assert.Equal(t, w.scenarios, names)
			if w.tags != nil {
				assert.Equal(t, w.tags, tagNames(doc.Pickles[0].Tags))
			}
			if w.steps != nil {
				var texts []string
				for _, s := range doc.Pickles[0].Steps {
					texts = append(texts, s.Text)
				}
				assert.Equal(t, w.steps, texts)
			}
		})
	}
}

// Tag expressions select by the real-world tags, and line filters work in
// files indented with tabs and carrying descriptions.
func TestRealWorldSelection(t *testing.T) {
	for _, c := range []struct {
		path, tags string
		want       int
	}{
		{"testdata/realworld", "@smoke", 2},
		{"testdata/realworld/tag_url.feature", "@issue:https://jira.example.nhs.uk/browse/EPR-123", 1},
		{"testdata/realworld/tabs.feature:11", "", 1},
		{"testdata/realworld/descriptions.feature:7", "", 1}, // a description line
		{"testdata/realworld/empty_cells.feature:11", "", 1}, // a row with empty cells
	} {
		sel, err := Select([]string{c.path}, c.tags)
		require.NoError(t, err, "%s %s", c.path, c.tags)
		assert.Equal(t, c.want, sel.Scenarios, "%s %s", c.path, c.tags)
	}
}

// Godog, given the selection, runs every real-world scenario and every
// step: what featureset accepts, the run accepts too.
func TestRealWorldRunsInGodog(t *testing.T) {
	sel, err := Select([]string{"testdata/realworld"}, "")
	require.NoError(t, err)
	ran := runGodog(t, sel)
	want := 0
	for _, p := range sel.Paths {
		src, _ := os.ReadFile(p)
		doc, errs := Parse(p, src)
		require.Empty(t, errs)
		for _, pk := range doc.Pickles {
			want += len(pk.Steps)
		}
	}
	assert.Equal(t, want, len(ran), "every step ran:\n%s", strings.Join(ran, "\n"))
	assert.Contains(t, ran, "the patient’s address is hidden")
}

// runGodog runs sel in Godog, every step matching and passing, requires
// the run to pass and returns the text of each step it ran.
func runGodog(t *testing.T, sel *Selection) []string {
	t.Helper()
	var mu sync.Mutex
	var ran []string
	var out bytes.Buffer
	status := godog.TestSuite{
		ScenarioInitializer: func(sc *godog.ScenarioContext) {
			sc.Step(`^(.*)$`, func(ctx context.Context, text string) error {
				mu.Lock()
				defer mu.Unlock()
				ran = append(ran, text)
				return nil
			})
		},
		Options: &godog.Options{Format: "progress", Paths: sel.Paths, FS: sel.FS, Strict: true, Output: &out, NoColors: true},
	}.Run()
	require.Equal(t, 0, status, out.String())
	return ran
}
