// Package refepr is the target adapter for the reference EPR (sut/refepr):
// page objects for its sign-in, patient search and record pages.
//
// It reaches the reference EPR only through the browser; it does not import
// the EPR's code. Locators are by role, label and text; waits are
// Playwright's auto-waiting assertions. The adapter is stateless and safe for
// concurrent use.
package refepr

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/mxschmitt/playwright-go"

	"github.com/eprharness/eprharness/harness/target"
	"github.com/eprharness/eprharness/nhsnumber"
)

// Adapter implements target.EPR for the reference EPR.
type Adapter struct{}

var _ target.EPR = Adapter{}

// New returns the reference EPR adapter.
func New() Adapter { return Adapter{} }

// The adapter is chosen by name: adapter: refepr (the default).
func init() {
	target.Register("refepr", func(target.Options) (target.EPR, error) { return New(), nil })
}

// Name implements target.EPR.
func (Adapter) Name() string { return "refepr" }

// DisplayName renders a patient as the reference EPR shows them: "POND, Amy".
func DisplayName(p target.Patient) string {
	return strings.ToUpper(p.Family) + ", " + p.Given
}

func exact(s string) *regexp.Regexp {
	return regexp.MustCompile("^\\s*" + regexp.QuoteMeta(s) + "\\s*$")
}

// settled waits for a page the EPR loads in the background (client-side
// navigation) to be shown: while it loads, the EPR shows "Loading…" with
// role status.
func settled(ui target.UI) error {
	loading := ui.Page.GetByRole("status").Filter(playwright.LocatorFilterOptions{HasText: "Loading…"})
	if err := ui.Expect.Locator(loading).ToHaveCount(0); err != nil {
		return fmt.Errorf("the page did not finish loading: %w", err)
	}
	return nil
}

// shown waits for loc, which marks the page the adapter is about to act
// on (a form it fills in within the step), and tells the harness the page
// is shown (target.UI.PageShown: the run-wide accessibility check).
func shown(ui target.UI, loc playwright.Locator, what string) error {
	if err := ui.Expect.Locator(loc).ToBeVisible(); err != nil {
		return fmt.Errorf("expected %s: %w", what, err)
	}
	return ui.PageShown()
}

// --- sign-in page ---

type signInPage struct{ ui target.UI }

func (p signInPage) open() error {
	if _, err := p.ui.Page.Goto("/login"); err != nil {
		return fmt.Errorf("open sign-in page: %w", err)
	}
	return p.ui.Expect.Locator(p.ui.Page.GetByRole("heading", playwright.PageGetByRoleOptions{Name: "Sign in to the Reference EPR"})).ToBeVisible()
}

func (p signInPage) username() playwright.Locator {
	return p.ui.Page.GetByLabel("Username", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)})
}

func (p signInPage) password() playwright.Locator {
	return p.ui.Page.GetByLabel("Password", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)})
}

func (p signInPage) submit() playwright.Locator {
	return p.ui.Page.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Sign in", Exact: playwright.Bool(true)})
}

// SignIn implements target.Sessions.
func (Adapter) SignIn(ui target.UI, username, password string) error {
	p := signInPage{ui}
	if err := p.open(); err != nil {
		return err
	}
	if err := p.username().Fill(username); err != nil {
		return fmt.Errorf("fill username: %w", err)
	}
	if err := p.password().Fill(password); err != nil {
		return fmt.Errorf("fill password: %w", err)
	}
	if err := p.submit().Click(); err != nil {
		return fmt.Errorf("submit sign-in: %w", err)
	}
	return nil
}

// ExpectSignedIn implements target.Sessions.
func (Adapter) ExpectSignedIn(ui target.UI, displayName, roleTitle string) error {
	header := ui.Page.GetByRole("banner")
	want := fmt.Sprintf("Signed in as %s (%s)", displayName, roleTitle)
	if err := ui.Expect.Locator(header).ToContainText(want); err != nil {
		return fmt.Errorf("expected the header to say %q: %w", want, err)
	}
	return nil
}

// ResumeSignIn implements target.Sessions. The home page redirects to the
// sign-in page when the session has ended.
func (Adapter) ResumeSignIn(ui target.UI, displayName, roleTitle string) (bool, error) {
	if _, err := ui.Page.Goto("/"); err != nil {
		return false, fmt.Errorf("open the home page: %w", err)
	}
	signedIn := ui.Page.GetByRole("banner").GetByText(fmt.Sprintf("Signed in as %s (%s)", displayName, roleTitle))
	signInPage := signInPage{ui}.submit()
	if err := ui.Expect.Locator(signedIn.Or(signInPage).First()).ToBeVisible(); err != nil {
		return false, fmt.Errorf("the home page showed neither the user signed in nor the sign-in page: %w", err)
	}
	return signedIn.IsVisible()
}

// ExpectSignInRefused implements target.Sessions.
func (Adapter) ExpectSignInRefused(ui target.UI) error {
	alert := ui.Page.GetByRole("alert")
	if err := ui.Expect.Locator(alert).ToContainText("Incorrect username or password"); err != nil {
		return fmt.Errorf("expected the sign-in to be refused: %w", err)
	}
	return nil
}

// SignOut implements target.Sessions.
func (Adapter) SignOut(ui target.UI) error {
	if err := ui.Page.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Sign out"}).Click(); err != nil {
		return fmt.Errorf("sign out: %w", err)
	}
	return nil
}

// ExpectSignedOut implements target.Sessions.
func (Adapter) ExpectSignedOut(ui target.UI) error {
	if err := ui.Expect.Locator(ui.Page.GetByRole("main").GetByRole("status")).ToContainText("You have signed out"); err != nil {
		return fmt.Errorf("expected to be signed out: %w", err)
	}
	return ui.Expect.Locator(signInPage{ui}.submit()).ToBeVisible()
}

// --- patient search page ---

type searchPage struct{ ui target.UI }

func (p searchPage) form() playwright.Locator {
	return p.ui.Page.GetByRole("search", playwright.PageGetByRoleOptions{Name: "Patient search"})
}

func (p searchPage) open() error {
	if p.fresh() {
		return nil
	}
	link := p.ui.Page.GetByRole("navigation", playwright.PageGetByRoleOptions{Name: "Main"}).
		GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "Find a patient"})
	if err := link.Click(); err != nil {
		return fmt.Errorf("open patient search: %w", err)
	}
	if err := settled(p.ui); err != nil {
		return err
	}
	return p.ui.Expect.Locator(p.ui.Page.GetByRole("heading", playwright.PageGetByRoleOptions{Name: "Find a patient", Level: playwright.Int(1)})).ToBeVisible()
}

// fresh reports whether the page already is the search page with nothing
// searched or typed in, as the EPR shows it after a sign-in (its home
// page redirects there): a search needs no navigation then. A page still
// loading, another page, a page of results (its URL has the query) or a
// form with something typed in is not fresh.
func (p searchPage) fresh() bool {
	if settled(p.ui) != nil {
		return false
	}
	u, err := url.Parse(p.ui.Page.URL())
	if err != nil || u.Path != "/patients" || u.RawQuery != "" {
		return false
	}
	empty, err := p.form().GetByRole("textbox").EvaluateAll(`fields => fields.length > 0 && fields.every(f => f.value === "")`)
	return err == nil && empty == true
}

// search opens the search page, fills the fields (label → value, in
// order; empty values are skipped) and searches. It waits for the answer
// for the run's timeout, or for within when it is not zero.
func (p searchPage) search(within time.Duration, fields ...string) error {
	if err := p.open(); err != nil {
		return err
	}
	for i := 0; i+1 < len(fields); i += 2 {
		label, value := fields[i], fields[i+1]
		if value == "" {
			continue
		}
		field := p.form().GetByLabel(label, playwright.LocatorGetByLabelOptions{Exact: playwright.Bool(true)})
		if err := field.Fill(value); err != nil {
			return fmt.Errorf("fill %s: %w", label, err)
		}
	}
	if err := p.form().GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Search"}).Click(); err != nil {
		return fmt.Errorf("search: %w", err)
	}
	var opts []playwright.LocatorAssertionsToBeVisibleOptions
	if within > 0 {
		opts = append(opts, playwright.LocatorAssertionsToBeVisibleOptions{Timeout: playwright.Float(float64(within.Milliseconds()))})
	}
	if err := p.ui.Expect.Locator(p.outcome().First()).ToBeVisible(opts...); err != nil {
		if within > 0 {
			return fmt.Errorf("the search did not answer within %s: %w", within, err)
		}
		return fmt.Errorf("search did not answer: %w", err)
	}
	return nil
}

// outcome is what a search that has answered shows: the result status
// ("… found", "Too many results, refine your search") or an error. (While
// it works the EPR shows "Searching…", which is neither.)
func (p searchPage) outcome() playwright.Locator {
	main := p.ui.Page.GetByRole("main")
	status := main.GetByRole("status").Filter(playwright.LocatorFilterOptions{HasText: regexp.MustCompile(`found|refine your search`)})
	return status.Or(main.GetByRole("alert"))
}

func (p searchPage) results() playwright.Locator {
	return p.ui.Page.GetByRole("table", playwright.PageGetByRoleOptions{Name: "Search results"})
}

// SearchByNHSNumber implements target.Search.
func (Adapter) SearchByNHSNumber(ui target.UI, nhs string) error {
	return searchPage{ui}.search(0, "NHS number", nhs)
}

// SearchByName implements target.Search.
func (Adapter) SearchByName(ui target.UI, name string) error {
	return searchPage{ui}.search(0, "Name", name)
}

func resultRow(ui target.UI, p target.Patient) playwright.Locator {
	row := searchPage{ui}.results().GetByRole("row").Filter(playwright.LocatorFilterOptions{
		Has: ui.Page.GetByRole("link", playwright.PageGetByRoleOptions{Name: DisplayName(p), Exact: playwright.Bool(true)}),
	})
	if p.NHSNumber != "" {
		row = row.Filter(playwright.LocatorFilterOptions{HasText: nhsnumber.Number(p.NHSNumber).Formatted()})
	}
	return row
}

// ExpectResult implements target.Search.
func (Adapter) ExpectResult(ui target.UI, p target.Patient) error {
	if err := ui.Expect.Locator(resultRow(ui, p)).ToHaveCount(1); err != nil {
		return fmt.Errorf("expected %s in the search results: %w", DisplayName(p), err)
	}
	return nil
}

// ExpectResultCount implements target.Search.
func (Adapter) ExpectResultCount(ui target.UI, n int) error {
	want := fmt.Sprintf("%d patients found", n)
	if n == 1 {
		want = "1 patient found"
	}
	if n == 0 {
		want = "No patient found"
	}
	status := ui.Page.GetByRole("main").GetByRole("status")
	if err := ui.Expect.Locator(status).ToHaveText(exact(want)); err != nil {
		return fmt.Errorf("expected %q: %w", want, err)
	}
	return nil
}

// ExpectNoPatientFound implements target.Search.
func (a Adapter) ExpectNoPatientFound(ui target.UI) error {
	if err := a.ExpectResultCount(ui, 0); err != nil {
		return err
	}
	return ui.Expect.Locator(searchPage{ui}.results()).ToHaveCount(0)
}

// ExpectInvalidNHSNumber implements target.Search.
func (Adapter) ExpectInvalidNHSNumber(ui target.UI) error {
	if err := ui.Expect.Locator(ui.Page.GetByRole("alert")).ToContainText("Enter a valid 10-digit NHS number"); err != nil {
		return fmt.Errorf("expected the NHS number to be refused: %w", err)
	}
	return nil
}

// OpenRecord implements target.Search.
func (Adapter) OpenRecord(ui target.UI, p target.Patient) error {
	name := DisplayName(p)
	link := resultRow(ui, p).GetByRole("link", playwright.LocatorGetByRoleOptions{Name: name, Exact: playwright.Bool(true)})
	if err := link.Click(); err != nil {
		return fmt.Errorf("open the record of %s: %w", name, err)
	}
	if err := settled(ui); err != nil {
		return err
	}
	heading := ui.Page.GetByRole("heading", playwright.PageGetByRoleOptions{Name: name, Level: playwright.Int(1)})
	if err := ui.Expect.Locator(heading).ToBeVisible(); err != nil {
		return fmt.Errorf("expected the record of %s: %w", name, err)
	}
	return nil
}

// --- patient record page ---

var bannerLabels = map[target.BannerField]string{
	target.BannerName:        "Name",
	target.BannerNHSNumber:   "NHS number",
	target.BannerDateOfBirth: "Date of birth",
	target.BannerAge:         "Age",
	target.BannerGender:      "Gender",
}

// ExpectBanner implements target.Record.
func (Adapter) ExpectBanner(ui target.UI, field target.BannerField, value string) error {
	label, ok := bannerLabels[field]
	if !ok {
		return fmt.Errorf("the reference EPR's banner has no field %q", field)
	}
	banner := ui.Page.GetByRole("region", playwright.PageGetByRoleOptions{Name: "Patient banner"})
	v := banner.GetByLabel(label, playwright.LocatorGetByLabelOptions{Exact: playwright.Bool(true)})
	if err := ui.Expect.Locator(v).ToHaveText(exact(value)); err != nil {
		return fmt.Errorf("expected the banner's %s to be %q: %w", field, value, err)
	}
	return nil
}

// ExpectClinicalRecord implements target.Record.
func (Adapter) ExpectClinicalRecord(ui target.UI, visible bool) error {
	h := ui.Page.GetByRole("heading", playwright.PageGetByRoleOptions{Name: "Clinical record", Level: playwright.Int(2)})
	// Wait for the record page itself before judging absence.
	banner := ui.Page.GetByRole("region", playwright.PageGetByRoleOptions{Name: "Patient banner"})
	if err := ui.Expect.Locator(banner).ToBeVisible(); err != nil {
		return fmt.Errorf("expected a patient record: %w", err)
	}
	var err error
	if visible {
		err = ui.Expect.Locator(h).ToBeVisible()
	} else {
		err = ui.Expect.Locator(h).ToHaveCount(0)
	}
	if err != nil {
		return fmt.Errorf("expected the clinical record to be %s: %w", map[bool]string{true: "shown", false: "hidden"}[visible], err)
	}
	return nil
}
