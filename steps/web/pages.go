package web

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/mxschmitt/playwright-go"

	"github.com/eprharness/eprharness/harness/browser"
	"github.com/eprharness/eprharness/harness/egress"
	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/steps"
)

// pageDefs are the steps for EPRs without an adapter: going to a page,
// fields found by placeholder or nearby text, plain text to click, tabs,
// dates, notifications, native dialogs and blocked requests.
var pageDefs = []steps.Def{
	{
		Pattern:  `^` + steps.Persona + ` (?:go|goes) to "([^"]*)"$`,
		Doc:      "Opens a page of the EPR by its path, added to the EPR's base URL (\"/patients\", \"/app/explorer.html#find-patient\"), and waits for it to load. A full URL must be on the EPR's own host. A scenario's first page may take the first-load timeout.",
		Examples: []string{`When I go to "/patients"`, `Given the receptionist goes to "/app/explorer.html#find-patient"`},
		Handler:  goTo,
	},
	{
		Pattern:  `^` + steps.Persona + ` fills? in the field showing "([^"]*)" with "([^"]*)"$`,
		Doc:      "Types the value into the field showing this placeholder text (exactly) while empty, replacing what it held: for fields with no label.",
		Examples: []string{`When I fill in the field showing "Search patients" with "Pond"`},
		Handler:  fillPlaceholder,
	},
	{
		Pattern:  `^` + steps.Persona + ` clicks? "([^"]*)"$`,
		Doc:      "Clicks the text: an element showing exactly this text, else one whose text holds it; the first visible. For menu and navigation items that are neither buttons nor links; prefer the button and link steps where they apply.",
		Examples: []string{`When I click "Patients"`, `When the nurse clicks "Ward 7"`},
		Handler:  clickText,
	},
	{
		Pattern:  `^` + steps.Persona + ` selects? the "([^"]*)" tab$`,
		Doc:      "Clicks the tab (role tab) with exactly this name.",
		Examples: []string{`When I select the "Allergies" tab`},
		Handler:  selectTab,
	},
	{
		Pattern:  `^` + steps.Persona + ` picks? "([^"]*)" as "([^"]*)"$`,
		Doc:      "Enters a date in the date field with this label: a date picker (<input type=date>) gets the date itself, a text field the date as written (\"15/03/1987\"; a relative date such as \"today-30\" is written 02/05/2026), a Day/Month/Year group (fieldset legend) its three parts. A field whose label is not tied to it is the first field after the label's text. Relative dates count from the EPR's clinical day.",
		Examples: []string{`When I pick "15/03/1987" as "Date of birth"`, `When the nurse picks "today-30" as "Onset date"`},
		Handler:  pickDate,
	},
	{
		Pattern:  `^` + steps.Persona + ` chooses? "([^"]*)" from the list next to "([^"]*)"$`,
		Doc:      "Chooses an option from the drop-down list that follows this text on the page (for lists with no label): a <select>, or a custom drop-down (combobox), which is opened and the option (role option, else text) clicked.",
		Examples: []string{`When I choose "Cardiology" from the list next to "Clinic"`},
		Handler:  chooseNextTo,
	},
	{
		Pattern:  `^` + steps.Persona + ` sees? a notification "([^"]*)"$`,
		Doc:      "Checks an alert or a status message (role alert or status: a banner, a toast) shows this text, whichever the EPR uses.",
		Examples: []string{`Then I see a notification "Saved"`, `Then the nurse sees a notification "Allergy recorded"`},
		Handler:  seeNotification,
	},
	{
		Pattern:  `^` + steps.Persona + ` accepts? the next dialog$`,
		Doc:      "Accepts (OK) the next native browser dialog (alert, confirm or prompt) the page opens, from the next step on. Without it the harness dismisses dialogs (Cancel).",
		Examples: []string{`When I accept the next dialog`, `And the nurse accepts the next dialog`},
		Handler:  acceptDialog,
	},
	{
		Pattern:  `^` + steps.Persona + ` dismiss(?:es)? the next dialog$`,
		Doc:      "Dismisses (Cancel) the next native browser dialog the page opens, from the next step on, and records what it said.",
		Examples: []string{`When I dismiss the next dialog`, `And the nurse dismisses the next dialog`},
		Handler:  dismissDialog,
	},
	{
		Pattern:  `^the dialog said "([^"]*)"$`,
		Doc:      "Checks the dialog accepted or dismissed after an \"accept the next dialog\" or \"dismiss the next dialog\" step said this text (within its message), waiting for it to open.",
		Examples: []string{`Then the dialog said "Discard your changes?"`},
		Handler:  dialogSaid,
	},
	{
		Pattern:  `^the browser blocked a request to "([^"]*)"$`,
		Doc:      "Checks the browser tried to reach this host and the harness blocked it (it is not the EPR's host nor an allowed host), waiting for it. \"*.example.com\" matches any subdomain. Needs the run's egress control (allowed hosts).",
		Examples: []string{`Then the browser blocked a request to "example.invalid"`, `Then the browser blocked a request to "*.googletagmanager.com"`},
		Handler:  browserBlocked,
	},
}

// goTo opens path relative to the EPR's base URL.
func goTo(ctx context.Context, path string) error {
	s, err := ui(ctx)
	if err != nil {
		return err
	}
	u, err := resolve(s.BaseURL, path)
	if err != nil {
		return failure.Harness(fmt.Errorf("go to %q: %w", path, err))
	}
	if _, err := s.UI.Page.Goto(u); err != nil {
		return fmt.Errorf("go to %q: %w", path, err)
	}
	return nil
}

// resolve turns a step's path into the URL to open: path added to base
// ("/patients" on "http://epr:8080/app" is "http://epr:8080/app/patients";
// "?q=x" and "#top" go after base as they are). A full URL (or one
// starting "//") must be http or https on base's host, any port. With no
// base the path is left to the browser context's base URL.
func resolve(base, path string) (string, error) {
	path = strings.TrimSpace(path)
	if path == "" {
		return "", errors.New("the path is empty")
	}
	ref, err := url.Parse(path)
	if err != nil {
		return "", fmt.Errorf("not a path or URL: %w", err)
	}
	if ref.Scheme != "" || ref.Host != "" {
		if ref.Scheme != "" && ref.Scheme != "http" && ref.Scheme != "https" {
			return "", fmt.Errorf("want a path (\"/patients\") or an http(s) URL on the EPR's host, not a %s: URL", ref.Scheme)
		}
		b, err := url.Parse(base)
		if err != nil || b.Host == "" {
			return "", fmt.Errorf("a full URL needs the EPR's base URL to check its host, and there is none")
		}
		if !egress.Allowed(ref.Hostname(), []string{b.Hostname()}) {
			return "", fmt.Errorf("%s is not on the EPR's host %s: go to a path (\"/patients\"), or run with the EPR there", ref.Host, b.Hostname())
		}
		return b.ResolveReference(ref).String(), nil
	}
	if base == "" {
		return path, nil
	}
	if i := strings.IndexByte(base, '#'); i >= 0 {
		base = base[:i]
	}
	if strings.HasPrefix(path, "?") || strings.HasPrefix(path, "#") {
		return base + path, nil
	}
	return strings.TrimRight(base, "/") + "/" + strings.TrimLeft(path, "/"), nil
}

func fillPlaceholder(ctx context.Context, placeholder, value string) error {
	s, err := ui(ctx)
	if err != nil {
		return err
	}
	field := s.UI.Page.GetByPlaceholder(placeholder, playwright.PageGetByPlaceholderOptions{Exact: exact}).Visible().First()
	if err := field.Fill(value); err != nil {
		return fmt.Errorf("fill in the field showing %q with %q: %w", placeholder, value, err)
	}
	return nil
}

func clickText(ctx context.Context, text string) error {
	s, err := ui(ctx)
	if err != nil {
		return err
	}
	page := s.UI.Page
	exactly := page.GetByText(exactRe(text)).Visible()
	holding := visibleText(s, text) // exactly is a part of holding
	if err := s.UI.Expect.Locator(holding.First()).ToBeVisible(); err != nil {
		return fmt.Errorf("click %q: no visible text %q: %w", text, text, err)
	}
	target := holding.First()
	if n, err := exactly.Count(); err == nil && n > 0 {
		target = exactly.First()
	}
	if err := target.Click(); err != nil {
		return fmt.Errorf("click %q: %w", text, err)
	}
	return nil
}

func selectTab(ctx context.Context, name string) error {
	s, err := ui(ctx)
	if err != nil {
		return err
	}
	tab := s.UI.Page.GetByRole("tab", playwright.PageGetByRoleOptions{Name: name, Exact: exact}).Visible().First()
	if err := tab.Click(); err != nil {
		return fmt.Errorf("select the %q tab: %w", name, err)
	}
	return nil
}

// nearest is the first field after the element showing exactly text: the
// field of a label not tied to it.
const nearestField = `xpath=following::*[self::input[not(@type="hidden")] or self::textarea][1]`

func pickDate(ctx context.Context, value, label string) error {
	s, err := ui(ctx)
	if err != nil {
		return err
	}
	today, err := steps.Today(ctx)
	if err != nil {
		return err
	}
	page := s.UI.Page
	labelled := page.GetByLabel(label, playwright.PageGetByLabelOptions{Exact: exact}).Visible()
	group := page.GetByRole("group", playwright.PageGetByRoleOptions{Name: label, Exact: exact}).Visible()
	labelText := page.GetByText(exactRe(label)).Visible()
	if err := s.UI.Expect.Locator(labelled.Or(group).Or(labelText).First()).ToBeVisible(); err != nil {
		return fmt.Errorf("pick %q as %q: no field labelled %q: %w", value, label, label, err)
	}
	if n, err := labelled.Count(); err == nil && n > 0 {
		return fillDate(labelled.First(), value, label, today)
	}
	if n, err := group.Count(); err == nil && n > 0 {
		g := group.First()
		part := func(name string) playwright.Locator {
			return g.GetByLabel(name, playwright.LocatorGetByLabelOptions{Exact: exact}).Visible()
		}
		day, month, year := part("Day"), part("Month"), part("Year")
		if n, err := day.Or(month).Or(year).Count(); err == nil && n >= 3 {
			return fillDateParts(day.First(), month.First(), year.First(), value, label, today)
		}
	}
	return fillDate(labelText.First().Locator(nearestField), value, label, today)
}

// fillDate enters value into one date field: ISO for a date picker, the
// date and time for a datetime-local picker, else as written.
func fillDate(field playwright.Locator, value, label string, today time.Time) error {
	kind, err := field.Evaluate(`el => (el.type || el.tagName || "").toLowerCase()`, nil)
	if err != nil {
		return fmt.Errorf("pick %q as %q: %w", value, label, err)
	}
	var text string
	switch kind {
	case "date":
		d, err := steps.Date(value, today)
		if err != nil {
			return failure.Harness(fmt.Errorf("pick %q as %q (a date picker): %w", value, label, err))
		}
		text = d.Format(time.DateOnly)
	case "datetime-local":
		d, err := steps.DateTime(value, today)
		if err != nil {
			return failure.Harness(fmt.Errorf("pick %q as %q (a date and time picker): %w", value, label, err))
		}
		text = d.Format("2006-01-02T15:04")
	default:
		text, err = steps.TypedDate(value, today)
		if err != nil {
			return failure.Harness(fmt.Errorf("pick %q as %q: %w", value, label, err))
		}
	}
	if err := field.Fill(text); err != nil {
		return fmt.Errorf("pick %q as %q: %w", value, label, err)
	}
	return nil
}

var (
	dayFirst = regexp.MustCompile(`^(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})$`)
	isoDate  = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})$`)
)

// dateParts splits a date into day, month and year as a user types them
// into three fields: digits as written ("31/02/1987" stays 31, 02, 1987),
// other dates as two-digit day and month.
func dateParts(value string, today time.Time) (day, month, year string, err error) {
	typed, err := steps.TypedDate(value, today)
	if err != nil {
		return "", "", "", err
	}
	typed = strings.TrimSpace(typed)
	if m := dayFirst.FindStringSubmatch(typed); m != nil {
		return m[1], m[2], m[3], nil
	}
	if m := isoDate.FindStringSubmatch(typed); m != nil {
		return m[3], m[2], m[1], nil
	}
	return "", "", "", fmt.Errorf("%q is not %s", value, steps.DateHelp)
}

func fillDateParts(day, month, year playwright.Locator, value, label string, today time.Time) error {
	d, m, y, err := dateParts(value, today)
	if err != nil {
		return failure.Harness(fmt.Errorf("pick %q as %q (Day, Month and Year): %w", value, label, err))
	}
	for _, f := range []struct {
		field playwright.Locator
		name  string
		text  string
	}{{day, "Day", d}, {month, "Month", m}, {year, "Year", y}} {
		if err := f.field.Fill(f.text); err != nil {
			return fmt.Errorf("pick %q as %q: %s: %w", value, label, f.name, err)
		}
	}
	return nil
}

// nextList is the first drop-down after the element showing exactly a
// text: a <select> or a custom combobox or listbox.
const nextList = `xpath=following::*[self::select or @role="combobox" or @role="listbox" or @aria-haspopup="listbox"][1]`

func chooseNextTo(ctx context.Context, option, text string) error {
	s, err := ui(ctx)
	if err != nil {
		return err
	}
	page := s.UI.Page
	list := page.GetByText(exactRe(text)).Visible().First().Locator(nextList)
	if err := s.UI.Expect.Locator(list).ToBeVisible(); err != nil {
		return fmt.Errorf("choose %q: no drop-down list after the text %q: %w", option, text, err)
	}
	what, err := list.Evaluate(`el => el.tagName.toLowerCase() + (el.readOnly ? " readonly" : "")`, nil)
	if err != nil {
		return fmt.Errorf("choose %q from the list next to %q: %w", option, text, err)
	}
	if what == "select" {
		if _, err := list.SelectOption(playwright.SelectOptionValues{Labels: &[]string{option}}); err != nil {
			return fmt.Errorf("choose %q from the list next to %q: %w", option, text, err)
		}
		return nil
	}
	if err := list.Click(); err != nil {
		return fmt.Errorf("choose %q: open the list next to %q: %w", option, text, err)
	}
	if what == "input" {
		// An editable combobox: type the option to narrow the list.
		if err := list.Fill(option); err != nil {
			return fmt.Errorf("choose %q: type into the list next to %q: %w", option, text, err)
		}
	}
	byRole := page.GetByRole("option", playwright.PageGetByRoleOptions{Name: option, Exact: exact}).Visible()
	byText := page.GetByText(exactRe(option)).Visible()
	if err := s.UI.Expect.Locator(byRole.Or(byText).First()).ToBeVisible(); err != nil {
		return fmt.Errorf("choose %q from the list next to %q: the option did not show: %w", option, text, err)
	}
	// An option by role first; else the text shown last, where a list
	// that has just opened usually is.
	target := byText.Last()
	if n, err := byRole.Count(); err == nil && n > 0 {
		target = byRole.First()
	}
	if err := target.Click(); err != nil {
		return fmt.Errorf("choose %q from the list next to %q: %w", option, text, err)
	}
	return nil
}

func seeNotification(ctx context.Context, text string) error {
	s, err := ui(ctx)
	if err != nil {
		return err
	}
	page := s.UI.Page
	live := page.GetByRole("alert").Or(page.GetByRole("status")).Filter(playwright.LocatorFilterOptions{HasText: textRe(text)}).Visible().First()
	if err := s.UI.Expect.Locator(live).ToBeVisible(); err != nil {
		return fmt.Errorf("expected a notification %q: %w", text, err)
	}
	return nil
}

// dialogWatch records the native dialog an accept or dismiss step
// answered; it lives in the scenario's context from that step on.
type dialogWatch struct {
	mu      sync.Mutex
	message string
	done    chan struct{} // closed when the dialog was answered
	timeout time.Duration
}

type dialogKey struct{}

func acceptDialog(ctx context.Context) (context.Context, error) { return nextDialog(ctx, true) }

func dismissDialog(ctx context.Context) (context.Context, error) { return nextDialog(ctx, false) }

// nextDialog answers the page's next dialog (registered now, before the
// step that opens it) and keeps what it said in the returned context.
func nextDialog(ctx context.Context, accept bool) (context.Context, error) {
	s, err := ui(ctx)
	if err != nil {
		return ctx, err
	}
	w := &dialogWatch{done: make(chan struct{}), timeout: timeout(s.UI.Page)}
	s.UI.Page.Once("dialog", func(d playwright.Dialog) {
		w.mu.Lock()
		w.message = d.Message()
		w.mu.Unlock()
		if accept {
			_ = d.Accept()
		} else {
			_ = d.Dismiss()
		}
		close(w.done)
	})
	return context.WithValue(ctx, dialogKey{}, w), nil
}

// timeout is the session's action timeout, or 10s for a page that belongs
// to no session.
func timeout(page playwright.Page) time.Duration {
	if sess := browser.SessionFor(page); sess != nil {
		return sess.Timeout()
	}
	return 10 * time.Second
}

func dialogSaid(ctx context.Context, text string) error {
	w, ok := ctx.Value(dialogKey{}).(*dialogWatch)
	if !ok {
		return failure.Harness(errors.New(`the dialog said: no dialog is being watched: put "When I accept the next dialog" (or dismiss) before the step that opens it`))
	}
	timer := time.NewTimer(w.timeout)
	defer timer.Stop()
	select {
	case <-w.done:
	case <-timer.C:
		return fmt.Errorf("expected a dialog saying %q: none opened within %s", text, w.timeout)
	case <-ctx.Done():
		return fmt.Errorf("expected a dialog saying %q: %w", text, ctx.Err())
	}
	w.mu.Lock()
	said := w.message
	w.mu.Unlock()
	if !textRe(text).MatchString(said) {
		return fmt.Errorf("expected the dialog to say %q, but it said %q", text, said)
	}
	return nil
}

func browserBlocked(ctx context.Context, host string) error {
	s, err := ui(ctx)
	if err != nil {
		return err
	}
	sess := browser.SessionFor(s.UI.Page)
	if sess == nil || !sess.Egress() {
		return failure.Harness(fmt.Errorf("the browser blocked a request to %q: the run does not control where the browser may connect (no egress control in this session)", host))
	}
	if !sess.WaitBlocked(ctx, host) {
		blocked := sess.Blocked()
		if len(blocked) == 0 {
			return fmt.Errorf("expected the browser to be blocked from %s: it tried to reach no host outside the allowed ones", host)
		}
		return fmt.Errorf("expected the browser to be blocked from %s: it was blocked only from %s", host, strings.Join(blocked, ", "))
	}
	return nil
}
