package refepr

import (
	"fmt"
	"time"

	"github.com/mxschmitt/playwright-go"

	"github.com/eprharness/eprharness/harness/target"
)

// The reference EPR's patient search at scale: paged results ("Showing
// 11–20 of 34", "Next page", "Previous page" in the navigation "Search
// results pages") and "Too many results, refine your search".

var _ target.PatientSearch = Adapter{}

// SearchByNameAndBirthDate implements target.PatientSearch.
func (Adapter) SearchByNameAndBirthDate(ui target.UI, name, birthDate string) error {
	return searchPage{ui}.search(0, "Name", name, "Date of birth", birthDate)
}

// SearchByNHSNumberWithin implements target.PatientSearch: the answer must
// show within d (Playwright's assertion timeout, no sleeping).
func (Adapter) SearchByNHSNumberWithin(ui target.UI, nhs string, d time.Duration) error {
	return searchPage{ui}.search(d, "NHS number", nhs)
}

// resultRows are the rows of the results table that list a patient (the
// header row has no link).
func resultRows(ui target.UI) playwright.Locator {
	return searchPage{ui}.results().GetByRole("row").Filter(playwright.LocatorFilterOptions{
		Has: ui.Page.GetByRole("link"),
	})
}

// ExpectResultsOnPage implements target.PatientSearch.
func (Adapter) ExpectResultsOnPage(ui target.UI, n int) error {
	if err := ui.Expect.Locator(searchPage{ui}.outcome().First()).ToBeVisible(); err != nil {
		return fmt.Errorf("search did not answer: %w", err)
	}
	if err := ui.Expect.Locator(resultRows(ui)).ToHaveCount(n); err != nil {
		return fmt.Errorf("expected %d patients on this page of results: %w", n, err)
	}
	return nil
}

// ExpectResultsRange implements target.PatientSearch.
func (Adapter) ExpectResultsRange(ui target.UI, from, to, total int) error {
	want := fmt.Sprintf("Showing %d–%d of %d", from, to, total)
	text := ui.Page.GetByRole("main").GetByText(want, playwright.LocatorGetByTextOptions{Exact: playwright.Bool(true)})
	if err := ui.Expect.Locator(text).ToBeVisible(); err != nil {
		return fmt.Errorf("expected %q: %w", want, err)
	}
	return nil
}

// ResultsPage implements target.PatientSearch.
func (Adapter) ResultsPage(ui target.UI, next bool) error {
	name := "Previous page"
	if next {
		name = "Next page"
	}
	pages := ui.Page.GetByRole("navigation", playwright.PageGetByRoleOptions{Name: "Search results pages"})
	if err := pages.GetByRole("link", playwright.LocatorGetByRoleOptions{Name: name, Exact: playwright.Bool(true)}).Click(); err != nil {
		return fmt.Errorf("go to the %s: %w", name, err)
	}
	if err := settled(ui); err != nil {
		return err
	}
	if err := ui.Expect.Locator(searchPage{ui}.outcome().First()).ToBeVisible(); err != nil {
		return fmt.Errorf("the %s did not load: %w", name, err)
	}
	return nil
}

// ExpectTooManyResults implements target.PatientSearch.
func (Adapter) ExpectTooManyResults(ui target.UI) error {
	status := ui.Page.GetByRole("main").GetByRole("status")
	if err := ui.Expect.Locator(status).ToHaveText(exact("Too many results, refine your search")); err != nil {
		return fmt.Errorf("expected to be asked to refine the search: %w", err)
	}
	if err := ui.Expect.Locator(searchPage{ui}.results()).ToHaveCount(0); err != nil {
		return fmt.Errorf("expected no list of results: %w", err)
	}
	return nil
}
