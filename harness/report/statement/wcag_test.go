package statement

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/a11y"
)

// Every WCAG success criterion axe-core tags a rule with has a name and a
// level here. The tags axe-core knows are those a11y.Standard accepts: a
// criterion tag it accepts is one of axe-core's (an unknown one is an
// error), so a newer axe-core with a new criterion fails this test until
// the criterion is named.
func TestEveryAxeCriterionHasAName(t *testing.T) {
	var tagged []string
	for p := 1; p <= 4; p++ {
		for g := 1; g <= 9; g++ {
			for c := 1; c <= 20; c++ {
				tag := fmt.Sprintf("wcag%d%d%d", p, g, c)
				if _, err := a11y.Standard(tag); err != nil {
					continue
				}
				nums := a11y.Criteria([]string{tag})
				require.Len(t, nums, 1, tag)
				tagged = append(tagged, nums[0])
			}
		}
	}
	require.GreaterOrEqual(t, len(tagged), 29, "axe-core 4.14 tags 29 criteria: %v", tagged)
	for _, n := range tagged {
		cr, ok := criteria[n]
		if assert.True(t, ok, "axe-core tags criterion %s: add its name and level to criteria", n) {
			assert.NotEmpty(t, cr.Name, n)
			assert.Contains(t, []string{"A", "AA", "AAA", "obsolete"}, cr.Level, n)
		}
	}
	assert.Contains(t, tagged, "1.4.3")
	assert.Contains(t, tagged, "2.5.8")
}

// The table holds every WCAG 2.2 A and AA criterion (55 of them) and
// names them as WCAG does.
func TestCriteriaTable(t *testing.T) {
	n := 0
	for _, c := range criteria {
		if c.Level == "A" || c.Level == "AA" {
			n++
		}
	}
	assert.Equal(t, 55, n, "WCAG 2.2 has 31 level A and 24 level AA success criteria")
	assert.Equal(t, criterion{"Info and Relationships", "A"}, criteria["1.3.1"])
	assert.Equal(t, criterion{"Target Size (Minimum)", "AA"}, criteria["2.5.8"])
	assert.True(t, required("4.1.2"))
	assert.False(t, required("1.4.6"), "AAA")
	assert.False(t, required("4.1.1"), "removed in WCAG 2.2")
	assert.False(t, required("9.9.9"))
}

// The standards a statement names run the tags a11y.Standard gives them.
func TestStandardsAgreeWithA11y(t *testing.T) {
	for _, s := range standards {
		tags, err := a11y.Standard(s.Name)
		require.NoError(t, err, s.Name)
		assert.Equal(t, tags, s.Tags, s.Name)
	}
	assert.Equal(t, Required, standards[0].Name)
	assert.Equal(t, a11y.DefaultTags, standards[0].Tags, "the harness checks WCAG 2.2 AA by default")
}

func TestCovered(t *testing.T) {
	all := []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}
	assert.Equal(t, "WCAG 2.2 AA", covered([][]string{all, append([]string{"best-practice"}, all...)}))
	assert.Equal(t, "WCAG 2.1 AA", covered([][]string{all, all[:4]}))
	assert.Equal(t, "WCAG 2.0 AA", covered([][]string{{"wcag2aa", "wcag2a"}}))
	assert.Equal(t, "WCAG 2.0 AA", covered([][]string{{"wcag2a", "wcag21a", "wcag2aa"}}), "AA first")
	assert.Equal(t, "WCAG 2.1 A", covered([][]string{{"wcag2a", "wcag21a", "cat.forms"}}))
	assert.Equal(t, "WCAG 2.0 A", covered([][]string{{"wcag2a"}}))
	assert.Equal(t, "", covered([][]string{{"best-practice"}}))
	assert.Equal(t, "", covered([][]string{all, nil}), "a check with no tags covers nothing")
	assert.Equal(t, "", covered(nil))
}
