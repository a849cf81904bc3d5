//go:build e2e

package html

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mxschmitt/playwright-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/browser"
	"github.com/eprharness/eprharness/harness/results/resultstest"
)

// openReport writes the sample report with its evidence into a temporary
// folder and opens it from disk in Chromium.
func openReport(t *testing.T) (*browser.Session, string) {
	t.Helper()
	b, err := browser.Launch(context.Background(), browser.WithDriverInstall(true))
	t.Cleanup(func() { _ = b.Close() })
	if err != nil {
		if os.Getenv("EPRHARNESS_REQUIRE_BROWSER") == "1" {
			t.Fatalf("Chromium is required (EPRHARNESS_REQUIRE_BROWSER=1): %v", err)
		}
		t.Skipf("SKIPPED: no browser: %v", err)
	}
	dir := t.TempDir()
	run := resultstest.Sample()
	resultstest.WriteAttachments(t, dir, run)
	f, err := os.Create(filepath.Join(dir, "report.html"))
	require.NoError(t, err)
	require.NoError(t, Write(f, run, Config{AttachmentDir: dir, Hazards: sampleConfig().Hazards, History: sampleConfig().History}))
	require.NoError(t, f.Close())

	s, err := b.NewSession("file://"+dir+"/", "html report", nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	_, err = s.Page.Goto("file://" + filepath.Join(dir, "report.html"))
	require.NoError(t, err)
	return s, dir
}

func scenarioByName(p playwright.Page, name string) playwright.Locator {
	return p.GetByRole(*playwright.AriaRoleGroup, playwright.PageGetByRoleOptions{Name: name, Exact: playwright.Bool(true)})
}

// An analyst filters the report to the failed scenarios and reads the
// evidence of one of them.
func TestAnalystFindsTheFailureEvidence(t *testing.T) {
	s, dir := openReport(t)
	p, expect := s.Page, s.Expect

	require.NoError(t, expect.Locator(p.GetByRole(*playwright.AriaRoleHeading, playwright.PageGetByRoleOptions{Level: playwright.Int(1)})).
		ToHaveText("eprharness run run-20260601T090000Z"))
	require.NoError(t, expect.Locator(p.GetByText("2 scenarios failed — the release candidate has regressions.")).ToBeVisible())
	passed := scenarioByName(p, "Searching by name lists matching patients")
	require.NoError(t, expect.Locator(passed).ToBeVisible(), "every scenario is listed before filtering")

	require.NoError(t, p.GetByRole(*playwright.AriaRoleRadio, playwright.PageGetByRoleOptions{Name: "Failed"}).Check())
	require.NoError(t, expect.Locator(p.GetByText("Showing 4 of 10 scenarios.")).ToBeVisible())
	assert.NoError(t, expect.Locator(passed).ToBeHidden(), "passed scenarios are hidden")
	assert.NoError(t, expect.Locator(scenarioByName(p, "Rescheduling moves the appointment")).ToBeHidden(), "flaky is not failed")

	sc := scenarioByName(p, "Searching by NHS number shows the patient")
	require.NoError(t, expect.Locator(sc).ToBeVisible())
	assert.NoError(t, expect.Locator(sc.GetByText(`to show NHS number "999 000 0018" & name "SMITH, Jane"`)).ToBeVisible(),
		"the error text, unescaped for the reader")
	assert.NoError(t, expect.Locator(sc.GetByText("Kind of failure: assertion")).ToBeVisible())

	img := sc.GetByRole(*playwright.AriaRoleImg, playwright.LocatorGetByRoleOptions{Name: "Screenshot of the page when the scenario failed"})
	require.NoError(t, expect.Locator(img).ToBeVisible())
	width, err := img.Evaluate("img => img.decode().then(() => img.naturalWidth)", nil)
	require.NoError(t, err, "the screenshot loads")
	assert.EqualValues(t, 2, width, "the 2x2 sample screenshot, loaded")

	trace := filepath.Join(dir, "patient-search/searching-by-nhs-number-shows-the-patient/trace.zip")
	assert.NoError(t, expect.Locator(sc.GetByText("npx playwright show-trace "+trace)).ToBeVisible())
	assert.NoError(t, expect.Locator(sc.GetByText("eprharness show-trace "+trace)).ToBeVisible())
	assert.NoError(t, expect.Locator(sc.GetByText("eprharness run features/patient_search.feature:12 --adapter declarative")).ToBeVisible(),
		"the repro line")
	assert.NoError(t, expect.Locator(sc.GetByRole(*playwright.AriaRoleButton, playwright.LocatorGetByRoleOptions{Name: "Copy"})).ToBeVisible())

	// Narrow to one domain, then back to everything.
	_, err = p.GetByLabel("Domain").SelectOption(playwright.SelectOptionValues{Labels: &[]string{"appointments"}})
	require.NoError(t, err)
	assert.NoError(t, expect.Locator(sc).ToBeHidden())
	assert.NoError(t, expect.Locator(scenarioByName(p, "Cancelling an appointment frees the slot")).ToBeVisible())
	require.NoError(t, expect.Locator(p.GetByText("Showing 1 of 10 scenarios.")).ToBeVisible())
	_, err = p.GetByLabel("Domain").SelectOption(playwright.SelectOptionValues{Labels: &[]string{"All domains"}})
	require.NoError(t, err)
	require.NoError(t, p.GetByRole(*playwright.AriaRoleRadio, playwright.PageGetByRoleOptions{Name: "All"}).Check())
	assert.NoError(t, expect.Locator(passed).ToBeVisible())
	assert.NoError(t, expect.Locator(p.GetByText("Showing 10 of 10 scenarios.")).ToBeVisible())

	// The hazard table links to a scenario and opens it.
	require.NoError(t, p.GetByRole(*playwright.AriaRoleLink, playwright.PageGetByRoleOptions{Name: "Searching by name lists matching patients"}).Click())
	assert.NoError(t, expect.Locator(passed.GetByText("the results list 3 patients")).ToBeVisible(), "the linked scenario opens")
}
