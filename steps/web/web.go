// Package web holds generic web steps that work on any accessible EPR
// without code: fill in a field by its label, choose an option, click a
// button or link by its name, see or not see text, a heading, a table row,
// an alert or a message, and be on a page. For EPRs with no adapter there
// are also steps to go to a page by its path, fill in a field by its
// placeholder, click plain text, select a tab, pick a date, choose from a
// drop-down found by the text next to it, see a notification, answer a
// native dialog, and check the browser was kept from reaching a host.
//
// Unlike the clinical steps, these do not go through the target adapter
// (harness/target): they are generic by design, so they drive the
// scenario's page directly. They find elements only by accessible role,
// label and text (Playwright's GetByRole, GetByLabel, GetByText), and wait
// only with Playwright's auto-waiting actions and assertions (s.UI.Expect),
// never by sleeping: a step that expects something waits for it up to the
// run's timeout. Actions use the first visible match in page order. Text
// is matched with its case, ignoring runs of white space.
//
// Prefer the clinical steps where they exist: they keep scenarios free of
// screen wording and work on every EPR with an adapter. These steps suit
// screens no clinical step covers yet, and checks of exact wording.
//
// Contract with the rest of the harness: steps read the scenario's page
// and base URL from harness/scenario; "go to" opens paths on the EPR's
// host only; the dialog steps keep the dialog they answer in the context
// they return (Godog passes it to later steps); "the browser blocked a
// request" reads the page's browser.Session (browser.SessionFor), so it
// needs a session made WithEgress.
package web

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/cucumber/godog"
	"github.com/mxschmitt/playwright-go"

	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/scenario"
	"github.com/eprharness/eprharness/steps"
)

// Defs are the generic web steps.
var Defs = append([]steps.Def{
	{
		Pattern:  `^` + steps.Persona + ` fills? in "([^"]*)" with "([^"]*)"$`,
		Doc:      "Types the value into the field with this label (its <label>, aria-label or aria-labelledby), replacing what it held. The value is typed as written: dates are not converted.",
		Examples: []string{`When I fill in "Name" with "Pond"`, `When the nurse fills in "Reaction" with "Anaphylaxis"`},
		Handler:  fillIn,
	},
	{
		Pattern:  `^` + steps.Persona + ` chooses? "([^"]*)" from "([^"]*)"$`,
		Doc:      "Chooses an option: from the drop-down list with this label, or the radio button with that label in the group (fieldset legend or radiogroup) of this name.",
		Examples: []string{`When I choose "Cardiology" from "Clinic"`, `When I choose "Severe" from "Severity"`},
		Handler:  choose,
	},
	{
		Pattern:  `^` + steps.Persona + ` clicks? the "([^"]*)" (button|link)$`,
		Doc:      "Clicks the button or link with exactly this accessible name (its text, aria-label or visually hidden text included).",
		Examples: []string{`When I click the "Search" button`, `When I click the "Find a patient" link`},
		Handler:  click,
	},
	{
		Pattern:  `^` + steps.Persona + ` sees? "([^"]*)"$`,
		Doc:      "Checks the page shows this text (within a larger text too), waiting for it.",
		Examples: []string{`Then I see "1 patient found"`},
		Handler:  see,
	},
	{
		Pattern:  `^` + steps.Persona + ` (?:does|do) not see "([^"]*)"$`,
		Doc:      "Checks the page shows this text nowhere, waiting for it to go. It passes at once on a page that never showed it: use it after a step that waits for the page you mean.",
		Examples: []string{`Then I do not see "POND, Brian"`, `Then the receptionist does not see "Allergies and intolerances"`},
		Handler:  notSee,
	},
	{
		Pattern:  `^` + steps.Persona + ` sees? the heading "([^"]*)"$`,
		Doc:      "Checks the page shows a heading (any level) with exactly this text.",
		Examples: []string{`Then I see the heading "Free slots in Cardiology"`},
		Handler:  seeHeading,
	},
	{
		Pattern: `^` + steps.Persona + ` sees? a table row with:$`,
		Doc:     "Checks a table on the page has a row with these values under these column headings, from a table of column | value rows; each cell must hold exactly the value.",
		Examples: []string{"Then I see a table row with:\n  | Name       | POND, Amy    |\n  | NHS number | 999 000 0018 |",
			"Then the nurse sees a table row with:"},
		Handler: seeTableRow,
	},
	{
		Pattern:  `^` + steps.Persona + ` sees? a table row with "(?P<values>[^"]*(?:"(?:, | and )"[^"]*)*)"$`,
		Doc:      "Checks a table on the page has a row with cells holding exactly these values, in any columns: one value or several, written \"A\", \"B\" and \"C\".",
		Examples: []string{`Then I see a table row with "Penicillin" and "Anaphylaxis"`, `Then I see a table row with "POND, Amy"`},
		Handler:  seeRowValues,
	},
	{
		Pattern:  `^the "([^"]*)" table has a row with "(?P<values>[^"]*(?:"(?:, | and )"[^"]*)*)"$`,
		Doc:      "Checks the table named by its caption (or aria-label) has a row with cells holding exactly these values, in any columns.",
		Examples: []string{`Then the "Search results" table has a row with "POND, Amy" and "999 000 0018"`, `Then the "Free slots" table has a row with "Tue 2 Jun 2026 09:00", "Cardiology" and "Outpatients B, Level 2"`},
		Handler:  tableHasRow,
	},
	{
		Pattern:  `^` + steps.Persona + ` sees? an alert "([^"]*)"$`,
		Doc:      "Checks an alert (role alert: an error summary, an urgent warning) shows this text.",
		Examples: []string{`Then I see an alert "Enter a real date of birth"`},
		Handler:  seeAlert,
	},
	{
		Pattern:  `^` + steps.Persona + ` sees? a message "([^"]*)"$`,
		Doc:      "Checks a status message or toast (role status) shows this text.",
		Examples: []string{`Then I see a message "Allergy recorded"`},
		Handler:  seeMessage,
	},
	{
		Pattern:  `^(?:I am|the user is|the [a-z]+ is) on the "([^"]*)" page$`,
		Doc:      "Checks the page's main heading (the level 1 heading) is exactly this text. The page title is not checked: EPRs add their own prefixes and suffixes to it.",
		Examples: []string{`Then I am on the "Find a patient" page`},
		Handler:  onPage,
	},
}, pageDefs...)

// Register registers the generic web steps.
func Register(sc *godog.ScenarioContext) { steps.Register(sc, Defs) }

// textRe matches text with its case, within a larger text, ignoring runs
// of white space.
func textRe(text string) *regexp.Regexp {
	return regexp.MustCompile(spaced(text))
}

// exactRe matches exactly text, ignoring surrounding and repeated white
// space.
func exactRe(text string) *regexp.Regexp {
	return regexp.MustCompile(`^\s*` + spaced(text) + `\s*$`)
}

func spaced(text string) string {
	words := strings.Fields(text)
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	return strings.Join(words, `\s+`)
}

func ui(ctx context.Context) (*scenario.State, error) {
	s, err := scenario.From(ctx)
	if err != nil {
		return nil, err
	}
	if s.UI.Page == nil || s.UI.Expect == nil {
		return nil, failure.Harness(fmt.Errorf("no browser page in this scenario"))
	}
	return s, nil
}

var exact = playwright.Bool(true)

func fillIn(ctx context.Context, label, value string) error {
	s, err := ui(ctx)
	if err != nil {
		return err
	}
	field := s.UI.Page.GetByLabel(label, playwright.PageGetByLabelOptions{Exact: exact}).Visible().First()
	if err := field.Fill(value); err != nil {
		return fmt.Errorf("fill in %q with %q: %w", label, value, err)
	}
	return nil
}

func choose(ctx context.Context, option, from string) error {
	s, err := ui(ctx)
	if err != nil {
		return err
	}
	page := s.UI.Page
	list := page.GetByRole("combobox", playwright.PageGetByRoleOptions{Name: from, Exact: exact}).
		Or(page.GetByRole("listbox", playwright.PageGetByRoleOptions{Name: from, Exact: exact})).Visible()
	group := page.GetByRole("group", playwright.PageGetByRoleOptions{Name: from, Exact: exact}).
		Or(page.GetByRole("radiogroup", playwright.PageGetByRoleOptions{Name: from, Exact: exact})).Visible()
	// Wait for either; then act on whichever the page has.
	if err := s.UI.Expect.Locator(list.Or(group).First()).ToBeVisible(); err != nil {
		return fmt.Errorf("choose %q: no drop-down list or group of options named %q: %w", option, from, err)
	}
	n, err := list.Count()
	if err != nil {
		return fmt.Errorf("choose %q from %q: %w", option, from, err)
	}
	if n > 0 {
		if _, err := list.First().SelectOption(playwright.SelectOptionValues{Labels: &[]string{option}}); err != nil {
			return fmt.Errorf("choose %q from the list %q: %w", option, from, err)
		}
		return nil
	}
	radio := group.First().GetByRole("radio", playwright.LocatorGetByRoleOptions{Name: option, Exact: exact})
	if err := radio.Check(); err != nil {
		return fmt.Errorf("choose %q in %q: %w", option, from, err)
	}
	return nil
}

func click(ctx context.Context, name, role string) error {
	s, err := ui(ctx)
	if err != nil {
		return err
	}
	target := s.UI.Page.GetByRole(playwright.AriaRole(role), playwright.PageGetByRoleOptions{Name: name, Exact: exact}).Visible().First()
	if err := target.Click(); err != nil {
		return fmt.Errorf("click the %q %s: %w", name, role, err)
	}
	return nil
}

// visibleText is the visible elements showing text.
func visibleText(s *scenario.State, text string) playwright.Locator {
	return s.UI.Page.GetByText(textRe(text)).Visible()
}

func see(ctx context.Context, text string) error {
	s, err := ui(ctx)
	if err != nil {
		return err
	}
	if err := s.UI.Expect.Locator(visibleText(s, text).First()).ToBeVisible(); err != nil {
		return fmt.Errorf("expected to see %q: %w", text, err)
	}
	return nil
}

func notSee(ctx context.Context, text string) error {
	s, err := ui(ctx)
	if err != nil {
		return err
	}
	if err := s.UI.Expect.Locator(visibleText(s, text)).ToHaveCount(0); err != nil {
		return fmt.Errorf("expected not to see %q: %w", text, err)
	}
	return nil
}

func seeHeading(ctx context.Context, text string) error {
	s, err := ui(ctx)
	if err != nil {
		return err
	}
	h := s.UI.Page.GetByRole("heading", playwright.PageGetByRoleOptions{Name: text, Exact: exact}).Visible().First()
	if err := s.UI.Expect.Locator(h).ToBeVisible(); err != nil {
		return fmt.Errorf("expected the heading %q: %w", text, err)
	}
	return nil
}

func onPage(ctx context.Context, name string) error {
	s, err := ui(ctx)
	if err != nil {
		return err
	}
	h := s.UI.Page.GetByRole("heading", playwright.PageGetByRoleOptions{Level: playwright.Int(1)}).Visible()
	if err := s.UI.Expect.Locator(h).ToHaveText(exactRe(name)); err != nil {
		return fmt.Errorf("expected to be on the %q page (its main heading): %w", name, err)
	}
	return nil
}

// seeLive checks a visible element of the role (alert, status) shows text.
func seeLive(ctx context.Context, role, what, text string) error {
	s, err := ui(ctx)
	if err != nil {
		return err
	}
	live := s.UI.Page.GetByRole(playwright.AriaRole(role)).Filter(playwright.LocatorFilterOptions{HasText: textRe(text)}).Visible().First()
	if err := s.UI.Expect.Locator(live).ToBeVisible(); err != nil {
		return fmt.Errorf("expected %s %q: %w", what, text, err)
	}
	return nil
}

func seeAlert(ctx context.Context, text string) error { return seeLive(ctx, "alert", "an alert", text) }

func seeMessage(ctx context.Context, text string) error {
	return seeLive(ctx, "status", "a message", text)
}

// cells are a row's data and header cells.
func cells(page playwright.Page) playwright.Locator {
	return page.GetByRole("cell").Or(page.GetByRole("rowheader"))
}

// rowWith narrows rows to those with a cell holding exactly each value.
func rowWith(page playwright.Page, rows playwright.Locator, values []string) playwright.Locator {
	for _, v := range values {
		rows = rows.Filter(playwright.LocatorFilterOptions{Has: cells(page).Filter(playwright.LocatorFilterOptions{HasText: exactRe(v)})})
	}
	return rows
}

var valueSep = regexp.MustCompile(`"(?:, | and )"`)

// splitValues reads `A", "B" and "C` (the quotes inside the step's
// outer pair) as A, B, C.
func splitValues(list string) []string { return valueSep.Split(list, -1) }

func seeRowValues(ctx context.Context, list string) error {
	s, err := ui(ctx)
	if err != nil {
		return err
	}
	values := splitValues(list)
	row := rowWith(s.UI.Page, s.UI.Page.GetByRole("table").GetByRole("row"), values)
	if err := s.UI.Expect.Locator(row.Visible().First()).ToBeVisible(); err != nil {
		return fmt.Errorf("expected a table row with %s: %w", quoteAll(values), err)
	}
	return nil
}

func tableHasRow(ctx context.Context, table, list string) error {
	s, err := ui(ctx)
	if err != nil {
		return err
	}
	values := splitValues(list)
	t := s.UI.Page.GetByRole("table", playwright.PageGetByRoleOptions{Name: table, Exact: exact})
	if err := s.UI.Expect.Locator(t.Visible().First()).ToBeVisible(); err != nil {
		return fmt.Errorf("expected a table %q: %w", table, err)
	}
	row := rowWith(s.UI.Page, t.GetByRole("row"), values)
	if err := s.UI.Expect.Locator(row.Visible().First()).ToBeVisible(); err != nil {
		return fmt.Errorf("expected the %q table to have a row with %s: %w", table, quoteAll(values), err)
	}
	return nil
}

func quoteAll(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}

// column is one column | value row of the step's table.
type column struct{ name, value string }

func parseColumns(table *godog.Table) ([]column, error) {
	if table == nil || len(table.Rows) == 0 {
		return nil, failure.Harness(fmt.Errorf("the step needs a table of column | value rows"))
	}
	var cols []column
	for i, row := range table.Rows {
		if len(row.Cells) != 2 {
			return nil, failure.Harness(fmt.Errorf("table row %d: want 2 cells (column | value), got %d", i+1, len(row.Cells)))
		}
		name := strings.TrimSpace(row.Cells[0].Value)
		if name == "" {
			return nil, failure.Harness(fmt.Errorf("table row %d: the column name is empty", i+1))
		}
		cols = append(cols, column{name: name, value: strings.TrimSpace(row.Cells[1].Value)})
	}
	return cols, nil
}

func seeTableRow(ctx context.Context, dt *godog.Table) error {
	s, err := ui(ctx)
	if err != nil {
		return err
	}
	cols, err := parseColumns(dt)
	if err != nil {
		return err
	}
	page := s.UI.Page
	heading := func(name string) playwright.Locator {
		return page.GetByRole("columnheader", playwright.PageGetByRoleOptions{Name: name, Exact: exact})
	}
	// The first visible table with every column heading.
	t := page.GetByRole("table")
	var names []string
	for _, c := range cols {
		t = t.Filter(playwright.LocatorFilterOptions{Has: heading(c.name)})
		names = append(names, fmt.Sprintf("%q", c.name))
	}
	t = t.Visible().First()
	if err := s.UI.Expect.Locator(t).ToBeVisible(); err != nil {
		return fmt.Errorf("expected a table with the columns %s: %w", strings.Join(names, ", "), err)
	}
	rows := t.GetByRole("row")
	for _, c := range cols {
		// The heading's position in its row is the cell's in each row.
		idx, err := t.GetByRole("columnheader", playwright.LocatorGetByRoleOptions{Name: c.name, Exact: exact}).First().
			Evaluate("th => th.cellIndex", nil)
		if err != nil {
			return fmt.Errorf("find the column %q: %w", c.name, err)
		}
		i, ok := idx.(int)
		if !ok || i < 0 {
			return fmt.Errorf("find the column %q: its heading is not a table cell (position %v)", c.name, idx)
		}
		rows = rows.Filter(playwright.LocatorFilterOptions{Has: cells(page).Nth(i).Filter(playwright.LocatorFilterOptions{HasText: exactRe(c.value)})})
	}
	if err := s.UI.Expect.Locator(rows.Visible().First()).ToBeVisible(); err != nil {
		var want []string
		for _, c := range cols {
			want = append(want, fmt.Sprintf("%s %q", c.name, c.value))
		}
		return fmt.Errorf("expected a table row with %s: %w", strings.Join(want, ", "), err)
	}
	return nil
}
