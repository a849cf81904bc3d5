// Package banner holds the steps that read the patient banner and what the
// record shows to the signed-in role.
package banner

import (
	"context"

	"github.com/cucumber/godog"

	"github.com/eprharness/eprharness/harness/scenario"
	"github.com/eprharness/eprharness/harness/target"
	"github.com/eprharness/eprharness/nhsnumber"
	"github.com/eprharness/eprharness/steps"
)

// Defs are the banner steps.
var Defs = []steps.Def{
	{
		Pattern: `^the (?:patient )?banner shows the (name|NHS number|date of birth|age|gender) "([^"]*)"$`,
		Doc:     "Checks one field of the patient banner shows exactly this value.",
		Examples: []string{
			`Then the patient banner shows the NHS number "999 000 0018"`,
			`Then the banner shows the age "39y"`,
		},
		Handler: bannerShows,
		Uses:    []string{"expect-banner"},
	},
	{
		Pattern:  `^the (?:patient )?banner shows:$`,
		Doc:      "Checks several banner fields at once, from a two-column table of field and value.",
		Examples: []string{"Then the patient banner shows:\n  | name       | POND, Amy    |\n  | NHS number | 999 000 0018 |"},
		Handler:  bannerShowsTable,
		Uses:     []string{"expect-banner"},
	},
	{
		Pattern:  `^` + steps.Persona + ` (can|cannot) see the clinical record$`,
		Doc:      "Checks whether the open record shows clinical content to the signed-in role.",
		Examples: []string{"Then I can see the clinical record", "Then the receptionist cannot see the clinical record"},
		Handler:  clinicalRecord,
		Uses:     []string{"expect-clinical-record"},
	},
}

// Register registers the banner steps.
func Register(sc *godog.ScenarioContext) { steps.Register(sc, Defs) }

func bannerShows(ctx context.Context, field, value string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	f := target.BannerField(field)
	if f == target.BannerNHSNumber {
		// Analysts may write the number with or without spaces; the banner
		// standard shows it as 3-3-4.
		if n, err := nhsnumber.Parse(value); err == nil {
			value = n.Formatted()
		}
	}
	return s.EPR.ExpectBanner(s.UI, f, value)
}

func bannerShowsTable(ctx context.Context, table *godog.Table) error {
	for _, row := range table.Rows {
		if len(row.Cells) != 2 {
			continue
		}
		if err := bannerShows(ctx, row.Cells[0].Value, row.Cells[1].Value); err != nil {
			return err
		}
	}
	return nil
}

func clinicalRecord(ctx context.Context, can string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.ExpectClinicalRecord(s.UI, can == "can")
}
