// Package accessibility holds the steps that check a page against WCAG
// with axe-core: the whole page, one dialog, form or region of it, or a
// named standard or set of axe-core rule tags.
//
// The steps ask the runner to check (scenario.State.Accessibility), which
// runs the engine (harness/a11y), applies the run's baseline of accepted
// violations, keeps a screenshot of each violation with its elements
// outlined, and records the check with the scenario for the reports and
// diff. A step fails as an assertion when a violation no current baseline
// entry accepts is found: the EPR showed an inaccessible page. A check
// that could not run (no engine, a closed page) is a harness fault, never
// blamed on the EPR. Scopes are found by ARIA role and accessible name,
// which every EPR exposes the same way, so no adapter is needed.
package accessibility

import (
	"context"
	"errors"
	"fmt"

	"github.com/mxschmitt/playwright-go"

	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/scenario"
	"github.com/eprharness/eprharness/steps"
)

// Defs are the accessibility steps.
var Defs = []steps.Def{
	{
		Pattern:  `^the page has no accessibility violations$`,
		Doc:      "Checks the whole page with axe-core against the run's standard (a11y-standard; WCAG 2.0, 2.1 and 2.2 A and AA by default). Fails naming each violation: the rule, its impact, the WCAG criterion and the elements, with a screenshot of them outlined. Violations accepted in the accessibility baseline do not fail it until their entry expires.",
		Examples: []string{`Then the page has no accessibility violations`},
		Handler:  pageHasNoViolations,
	},
	{
		Pattern:  `^the page meets (?P<standard>WCAG 2\.[012] (?:AA|A))$`,
		Doc:      "Checks the whole page with axe-core against the named WCAG version and level (AA includes A; a later version includes the earlier ones).",
		Examples: []string{`Then the page meets WCAG 2.1 AA`, `Then the page meets WCAG 2.2 AA`},
		Handler:  pageMeets,
	},
	{
		Pattern:  `^the page has no "([^"]*)" accessibility violations$`,
		Doc:      "Checks the whole page with axe-core's rules of these tags, comma-separated (best-practice, wcag2a, wcag21aa, wcag143…), or a standard (\"WCAG 2.1 AA\").",
		Examples: []string{`Then the page has no "best-practice" accessibility violations`, `Then the page has no "wcag2a, wcag2aa" accessibility violations`},
		Handler:  pageHasNoTagged,
	},
	{
		Pattern:  `^the "([^"]*)" (dialog|form|region|navigation|table|section) has no accessibility violations$`,
		Doc:      "Checks only the dialog, form, region, navigation or table with this accessible name (its heading or label; a section is a region), against the run's standard: for a dialog or panel open over a page whose other parts are checked elsewhere.",
		Examples: []string{`Then the "Record an allergy" form has no accessibility violations`, `Then the "Patient banner" region has no accessibility violations`},
		Handler:  scopeHasNoViolations,
	},
}

func pageHasNoViolations(ctx context.Context) error {
	return check(ctx, scenario.AccessibilityRequest{})
}

func pageMeets(ctx context.Context, standard string) error {
	return check(ctx, scenario.AccessibilityRequest{Standard: standard})
}

func pageHasNoTagged(ctx context.Context, tags string) error {
	return check(ctx, scenario.AccessibilityRequest{Standard: tags})
}

// roles maps the step's words to ARIA roles.
var roles = map[string]playwright.AriaRole{
	"dialog": *playwright.AriaRoleDialog, "form": *playwright.AriaRoleForm, "region": *playwright.AriaRoleRegion,
	"section": *playwright.AriaRoleRegion, "navigation": *playwright.AriaRoleNavigation, "table": *playwright.AriaRoleTable,
}

func scopeHasNoViolations(ctx context.Context, name, kind string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	if s.UI.Page == nil {
		return failure.Harness(errors.New("no browser page in this scenario"))
	}
	loc := s.UI.Page.GetByRole(roles[kind], playwright.PageGetByRoleOptions{Name: name, Exact: playwright.Bool(true)})
	// Wait for it as any step would: a dialog may still be opening.
	if err := s.UI.Expect.Locator(loc.First()).ToBeVisible(); err != nil {
		return fmt.Errorf("no %s %q is shown to check for accessibility: %w", kind, name, err)
	}
	if n, err := loc.Count(); err == nil && n > 1 {
		return fmt.Errorf("%d elements are the %s %q: name one that the page shows once", n, kind, name)
	}
	return check(ctx, scenario.AccessibilityRequest{Scope: loc, ScopeName: fmt.Sprintf("%s %q", kind, name)})
}

func check(ctx context.Context, req scenario.AccessibilityRequest) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	if s.Accessibility == nil {
		return failure.Harness(errors.New("this run has no accessibility engine: run `eprharness install` to fetch axe-core (or set axe-script)"))
	}
	c, err := s.Accessibility(ctx, req)
	if err != nil {
		return err
	}
	if msg := c.Failure(); msg != "" {
		return errors.New(msg)
	}
	return nil
}
