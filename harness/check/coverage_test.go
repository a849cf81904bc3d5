package check

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/featureset"
	"github.com/eprharness/eprharness/steps/library"
)

// Every step definition in the library is exercised by at least one step
// of the example suites (features/, and the features of each example under
// examples/, which the e2e tier runs against their EPRs), background steps
// and example rows included, so no step ships that no scenario has run in
// a browser. A gap is listed with its domain, pattern and example: add a
// scenario step that uses it (or remove the definition).
func TestEveryStepDefinitionIsUsedInTheExampleSuite(t *testing.T) {
	suites := []string{filepath.Join("..", "..", "features")}
	examples, err := filepath.Glob(filepath.Join("..", "..", "examples", "*", "features"))
	require.NoError(t, err)
	files, err := featureset.Files(append(suites, examples...))
	require.NoError(t, err)
	var texts []string
	for _, f := range files {
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		doc, errs := featureset.Parse(f, src)
		require.Nil(t, errs, "parse %s", f)
		for _, pk := range doc.Pickles {
			for _, st := range pk.Steps {
				texts = append(texts, st.Text)
			}
		}
	}
	require.NotEmpty(t, texts)

	var unused []string
	defs := 0
	for _, d := range library.Domains() {
		for _, def := range d.Defs {
			defs++
			re, err := regexp.Compile(def.Pattern)
			require.NoError(t, err, "%s: %s", d.Name, def.Pattern)
			used := false
			for _, text := range texts {
				if re.MatchString(text) {
					used = true
					break
				}
			}
			if !used {
				example := "(no example)"
				if len(def.Examples) > 0 {
					example = def.Examples[0]
				}
				unused = append(unused, fmt.Sprintf("  %s: %s\n      e.g. %s", d.Name, def.Pattern, example))
			}
		}
	}
	if len(unused) > 0 {
		t.Errorf("%d of %d step definitions are used by no step in features/ or examples/*/features (%d feature files, %d steps):\n%s",
			len(unused), defs, len(files), len(texts), strings.Join(unused, "\n"))
	}
}
