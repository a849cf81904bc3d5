package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/sut/refepr/defects"
)

// defectTag matches @defect:<name> tags in feature files.
var defectTag = regexp.MustCompile(`@defect:([a-z0-9-]+)`)

// defectTags returns, for every @defect:<name> tag in features/, the files
// that carry it.
func defectTags(t *testing.T) map[string][]string {
	t.Helper()
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	files, err := filepath.Glob(filepath.Join(root, "features", "*.feature"))
	require.NoError(t, err)
	tags := map[string][]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range defectTag.FindAllStringSubmatch(string(data), -1) {
			tags[m[1]] = append(tags[m[1]], filepath.Base(f))
		}
	}
	return tags
}

// Every release-candidate defect of the reference EPR is claimed by at least
// one scenario, and every @defect tag names a real defect. (The e2e tier
// then proves the claims: TestEachDefectFailsExactlyItsScenarios.)
func TestEveryDefectHasAScenario(t *testing.T) {
	tags := defectTags(t)
	for _, d := range defects.Names() {
		assert.NotEmpty(t, tags[string(d)], "no scenario in features/ is tagged @defect:%s", d)
	}
	var unknown []string
	for name := range tags {
		if _, ok := defects.All[defects.Name(name)]; !ok {
			unknown = append(unknown, name)
		}
	}
	sort.Strings(unknown)
	assert.Empty(t, unknown, "@defect tags that name no defect")
}
