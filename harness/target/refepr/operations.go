package refepr

import (
	"fmt"
	"strings"
	"time"

	"github.com/mxschmitt/playwright-go"

	"github.com/eprharness/eprharness/harness/target"
)

// The reference EPR's about page (linked "About" in the footer) and its
// session timeout: a dialog "Your session will end in 2 minutes" with
// "Stay signed in", then the sign-in page saying "Your session has ended".

var _ target.Operations = Adapter{}

// OpenAbout implements target.Operations.
func (Adapter) OpenAbout(ui target.UI) error {
	footer := ui.Page.GetByRole("contentinfo")
	if err := footer.GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "About", Exact: playwright.Bool(true)}).Click(); err != nil {
		return fmt.Errorf("open the about page: %w", err)
	}
	if err := settled(ui); err != nil {
		return err
	}
	h := ui.Page.GetByRole("heading", playwright.PageGetByRoleOptions{Name: "About the Reference EPR", Level: playwright.Int(1)})
	if err := ui.Expect.Locator(h).ToBeVisible(); err != nil {
		return fmt.Errorf("expected the about page: %w", err)
	}
	return nil
}

// ExpectAbout implements target.Operations.
func (Adapter) ExpectAbout(ui target.UI, fact, value string) error {
	v := ui.Page.GetByRole("main").GetByLabel(fact, playwright.LocatorGetByLabelOptions{Exact: playwright.Bool(true)})
	if err := ui.Expect.Locator(v).ToHaveText(exact(value)); err != nil {
		return fmt.Errorf("expected the about page's %s to be %q: %w", strings.ToLower(fact), value, err)
	}
	return nil
}

// IdleFor implements target.Operations with Playwright's clock: it installs
// a fake clock at the page's own time (so a clock the session fixed,
// browser.WithClock, stays fixed) and reloads the page so its timers run on
// it; then the clock runs for d, firing every timer due.
func (Adapter) IdleFor(ui target.UI, d time.Duration) error {
	var at []playwright.ClockInstallOptions
	switch ms, _ := ui.Page.Evaluate("() => Date.now()"); ms := ms.(type) {
	case int:
		at = append(at, playwright.ClockInstallOptions{Time: int64(ms)})
	case float64:
		at = append(at, playwright.ClockInstallOptions{Time: int64(ms)})
	}
	if err := ui.Page.Clock().Install(at...); err == nil {
		if _, err := ui.Page.Reload(); err != nil {
			return fmt.Errorf("reload under the test clock: %w", err)
		}
	}
	if err := ui.Page.Clock().RunFor(d.Milliseconds()); err != nil {
		return fmt.Errorf("let %s pass: %w", d, err)
	}
	return nil
}

func sessionDialog(ui target.UI) playwright.Locator {
	return ui.Page.GetByRole("dialog").Filter(playwright.LocatorFilterOptions{
		Has: ui.Page.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Stay signed in"}),
	})
}

// ExpectSessionWarning implements target.Operations.
func (Adapter) ExpectSessionWarning(ui target.UI, text string) error {
	h := sessionDialog(ui).GetByRole("heading", playwright.LocatorGetByRoleOptions{Name: text, Exact: playwright.Bool(true)})
	if err := ui.Expect.Locator(h).ToBeVisible(); err != nil {
		return fmt.Errorf("expected the warning %q: %w", text, err)
	}
	return nil
}

// StaySignedIn implements target.Operations.
func (Adapter) StaySignedIn(ui target.UI) error {
	d := sessionDialog(ui)
	if err := d.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Stay signed in"}).Click(); err != nil {
		return fmt.Errorf("stay signed in: %w", err)
	}
	if err := ui.Expect.Locator(d).ToHaveCount(0); err != nil {
		return fmt.Errorf("expected the warning to close: %w", err)
	}
	return nil
}

// ExpectSessionEnded implements target.Operations.
func (Adapter) ExpectSessionEnded(ui target.UI) error {
	if err := ui.Expect.Locator(ui.Page.GetByRole("main").GetByRole("status")).ToHaveText(exact("Your session has ended")); err != nil {
		return fmt.Errorf("expected the session to have ended: %w", err)
	}
	return ui.Expect.Locator(signInPage{ui}.submit()).ToBeVisible()
}
