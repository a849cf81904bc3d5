package web

import (
	"context"
	"regexp"
	"testing"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/scenario"
)

// The quoted list of the table-row steps reads back as its values,
// commas inside a value included.
func TestSplitValues(t *testing.T) {
	defs := map[string]*regexp.Regexp{}
	for _, d := range Defs {
		defs[d.Pattern] = regexp.MustCompile(d.Pattern)
	}
	for _, tc := range []struct {
		step string
		want []string
	}{
		{`I see a table row with "POND, Amy"`, []string{"POND, Amy"}},
		{`I see a table row with "Penicillin" and "Anaphylaxis"`, []string{"Penicillin", "Anaphylaxis"}},
		{`the "Free slots" table has a row with "Tue 2 Jun 2026 09:00", "Cardiology" and "Outpatients B, Level 2"`,
			[]string{"Tue 2 Jun 2026 09:00", "Cardiology", "Outpatients B, Level 2"}},
		{`I see a table row with ""`, []string{""}},
	} {
		var list string
		for _, re := range defs {
			if m := re.FindStringSubmatch(tc.step); m != nil && len(m) > 1 {
				list = m[len(m)-1]
			}
		}
		assert.Equal(t, tc.want, splitValues(list), tc.step)
	}
}

func TestTextMatching(t *testing.T) {
	assert.True(t, textRe("1 patient found").MatchString("Search: 1  patient\nfound today"))
	assert.False(t, textRe("1 patient found").MatchString("1 Patient found"), "case counts")
	assert.False(t, textRe("a.b").MatchString("axb"), "the text is literal")

	assert.True(t, exactRe("POND, Amy").MatchString("  POND,   Amy\n"))
	assert.False(t, exactRe("POND, Amy").MatchString("POND, Amy (deceased)"))
	assert.False(t, exactRe("Amy").MatchString("POND, Amy"))
}

func table(rows ...[]string) *godog.Table {
	t := &godog.Table{}
	for _, r := range rows {
		row := &messages.PickleTableRow{}
		for _, c := range r {
			row.Cells = append(row.Cells, &messages.PickleTableCell{Value: c})
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

func TestParseColumns(t *testing.T) {
	cols, err := parseColumns(table([]string{" Name ", " POND, Amy "}, []string{"NHS number", "999 000 0018"}))
	require.NoError(t, err)
	assert.Equal(t, []column{{"Name", "POND, Amy"}, {"NHS number", "999 000 0018"}}, cols)

	for name, bad := range map[string]*godog.Table{
		"no table":       nil,
		"empty":          table(),
		"three cells":    table([]string{"Name", "POND, Amy", "extra"}),
		"one cell":       table([]string{"POND, Amy"}),
		"no column name": table([]string{" ", "POND, Amy"}),
	} {
		_, err := parseColumns(bad)
		if assert.Error(t, err, name) {
			assert.Equal(t, results.KindHarness, failure.Classify(err), name)
		}
	}
}

// Without a scenario, or without a page, a step is a harness fault.
func TestStepsNeedAPage(t *testing.T) {
	err := see(context.Background(), "anything")
	assert.Equal(t, results.KindHarness, failure.Classify(err))
	err = see(scenario.With(context.Background(), &scenario.State{}), "anything")
	require.Error(t, err)
	assert.Equal(t, results.KindHarness, failure.Classify(err))
	assert.Contains(t, err.Error(), "no browser page")
}
