package declarative

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/mxschmitt/playwright-go"

	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/target"
	"github.com/eprharness/eprharness/steps"
)

// runner performs generic steps on one scenario's page.
type runner struct {
	ui     target.UI
	params map[string]string
	within time.Duration // time bound on waits and expectations; 0: the run's
	// whenFormat is the map's when-format ("" for none); got collects what
	// read steps read and what an outcome step saw.
	whenFormat string
	got        *readout
}

// readout is what an action's read steps read: the appointment it
// returns, and which of its fields were read.
type readout struct {
	appt target.Appointment
	read map[string]bool
	// decided is whether an outcome step ran; refused is what it saw.
	decided, refused bool
}

func (r runner) s(t tmpl) string { return t.render(r.params) }

func (r runner) field(st step, name string) string { return r.s(st.fields[name]) }

func (r runner) has(st step, name string) bool { _, ok := st.fields[name]; return ok }

// bool reads a true/false field, true when absent.
func (r runner) bool(st step, name string) (bool, error) {
	t, ok := st.fields[name]
	if !ok {
		return true, nil
	}
	v := strings.TrimSpace(r.s(t))
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, failure.Harness(fmt.Errorf("%s: %s %q is not true or false", t.pos, name, v))
	}
	return b, nil
}

func (r runner) int(t tmpl, name string) (int, error) {
	v := strings.TrimSpace(r.s(t))
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, failure.Harness(fmt.Errorf("%s: %s %q is not a whole number", t.pos, name, v))
	}
	return n, nil
}

// timeout is the time bound of waits and expectations, nil for the run's.
func (r runner) timeout() *float64 {
	if r.within <= 0 {
		return nil
	}
	return playwright.Float(float64(r.within.Milliseconds()))
}

func exactly(s string) *regexp.Regexp {
	return regexp.MustCompile(`^\s*` + regexp.QuoteMeta(strings.TrimSpace(s)) + `\s*$`)
}

func exactlyFold(s string) *regexp.Regexp {
	return regexp.MustCompile(`(?i)^\s*` + regexp.QuoteMeta(strings.TrimSpace(s)) + `\s*$`)
}

// root is the page as a locator, so that every lookup uses Locator's API.
func (r runner) root() playwright.Locator { return r.ui.Page.Locator(":root") }

// locate builds a LOCATOR of the map.
func (r runner) locate(l *locator) (playwright.Locator, error) {
	base := r.root()
	if l.within != nil {
		w, err := r.locate(l.within)
		if err != nil {
			return nil, err
		}
		base = w
	}
	v := r.s(l.value)
	var ex *bool
	if l.exact {
		ex = playwright.Bool(true)
	}
	var loc playwright.Locator
	switch l.by {
	case "role":
		o := playwright.LocatorGetByRoleOptions{Exact: ex}
		if l.name != nil {
			o.Name = r.s(*l.name)
		}
		loc = base.GetByRole(playwright.AriaRole(v), o)
	case "label":
		loc = base.GetByLabel(v, playwright.LocatorGetByLabelOptions{Exact: ex})
	case "text":
		loc = base.GetByText(v, playwright.LocatorGetByTextOptions{Exact: ex})
	case "placeholder":
		loc = base.GetByPlaceholder(v, playwright.LocatorGetByPlaceholderOptions{Exact: ex})
	case "testid":
		loc = base.GetByTestId(v)
	case "title":
		loc = base.GetByTitle(v, playwright.LocatorGetByTitleOptions{Exact: ex})
	case "css":
		loc = base.Locator(v)
	default:
		return nil, failure.Harness(fmt.Errorf("%s: no locator", l.pos))
	}
	if l.nth != nil {
		n, err := r.int(*l.nth, "nth")
		if err != nil {
			return nil, err
		}
		if n < 0 {
			loc = loc.Last()
		} else {
			loc = loc.Nth(n)
		}
	}
	return loc, nil
}

// describe names a locator for messages: `role button "Save"`.
func (r runner) describe(l *locator) string {
	s := fmt.Sprintf("%s %q", l.by, r.s(l.value))
	if l.name != nil {
		s += fmt.Sprintf(" named %q", r.s(*l.name))
	}
	if l.within != nil {
		s += " within " + r.describe(l.within)
	}
	return s
}

// acted explains a failed action on an element. A locator that matches
// several elements is the map's fault (a harness error); an element that
// never came is the EPR's.
func (r runner) acted(l *locator, verb string, err error) error {
	if err == nil {
		return nil
	}
	if strings.Contains(err.Error(), "strict mode violation") {
		return failure.Harness(fmt.Errorf("%s: %s matches more than one element: narrow it with name, exact, within or nth: %w", l.pos, r.describe(l), err))
	}
	return fmt.Errorf("%s %s: %w", verb, r.describe(l), err)
}

// sameDocument reports whether going from address before to after is a
// fragment navigation within one loaded document: after has a #fragment
// and both are the same without their fragments.
func sameDocument(before, after string) bool {
	a, _, b := strings.Cut(after, "#")
	if !b || strings.HasPrefix(before, "about:") {
		return false
	}
	bb, _, _ := strings.Cut(before, "#")
	return a == bb
}

func (r runner) do(st step) error {
	switch st.kind {
	case "goto":
		path := r.s(*st.arg)
		before := r.ui.Page.URL()
		if strings.HasPrefix(path, "?") {
			// ?query: the page shown, with this query instead of its own.
			u, err := url.Parse(before)
			if err != nil {
				return failure.Harness(fmt.Errorf("%s: goto %s: the page's address %q: %w", st.pos, path, before, err))
			}
			if u.Scheme != "http" && u.Scheme != "https" {
				return failure.Harness(fmt.Errorf("%s: goto %s keeps the page's address, but the page %q has none: goto a path first", st.pos, path, before))
			}
			u.RawQuery, u.Fragment = strings.TrimPrefix(path, "?"), ""
			path = u.String()
		}
		if _, err := r.ui.Page.Goto(path); err != nil {
			return fmt.Errorf("open %s: %w", path, err)
		}
		// An address that differs from the page's only in its #fragment
		// is a same-document navigation in a browser: nothing is loaded,
		// and a single-page app may go on showing (and refreshing) what it
		// showed. goto opens the page afresh, so load it again.
		if sameDocument(before, r.ui.Page.URL()) {
			if _, err := r.ui.Page.Reload(); err != nil {
				return fmt.Errorf("open %s: %w", path, err)
			}
		}
		return nil
	case "fill":
		return r.withElement(st, "fill", func(l playwright.Locator) error { return l.Fill(r.field(st, "value")) })
	case "click":
		return r.withElement(st, "click", func(l playwright.Locator) error { return l.Click() })
	case "check":
		on, err := r.bool(st, "checked")
		if err != nil {
			return err
		}
		return r.withElement(st, "tick", func(l playwright.Locator) error { return l.SetChecked(on) })
	case "choose":
		return r.withElement(st, "choose "+strconv.Quote(r.field(st, "option"))+" from", func(l playwright.Locator) error {
			return r.choose(l, r.field(st, "option"))
		})
	case "date":
		return r.withElement(st, "enter the date into", func(l playwright.Locator) error { return r.date(l, r.field(st, "value")) })
	case "press":
		key := r.field(st, "key")
		if st.loc == nil {
			if err := r.ui.Page.Keyboard().Press(key); err != nil {
				return fmt.Errorf("press %s: %w", key, err)
			}
			return nil
		}
		return r.withElement(st, "press "+key+" in", func(l playwright.Locator) error { return l.Press(key) })
	case "wait":
		return r.wait(st)
	case "expect-text":
		return r.expectText(st)
	case "expect-count":
		n, err := r.int(st.fields["equals"], "equals")
		if err != nil {
			return err
		}
		l, err := r.locate(st.loc)
		if err != nil {
			return err
		}
		if err := r.ui.Expect.Locator(l).ToHaveCount(n, playwright.LocatorAssertionsToHaveCountOptions{Timeout: r.timeout()}); err != nil {
			return fmt.Errorf("expected %d of %s: %w", n, r.describe(st.loc), err)
		}
		return nil
	case "expect-value":
		return r.expectValue(st)
	case "expect-row":
		return r.expectRow(st)
	case "accept-dialog", "dismiss-dialog":
		accept := st.kind == "accept-dialog"
		var prompt []string
		if r.has(st, "prompt") {
			prompt = append(prompt, r.field(st, "prompt"))
		}
		r.ui.Page.Once("dialog", func(d playwright.Dialog) {
			if accept {
				_ = d.Accept(prompt...)
			} else {
				_ = d.Dismiss()
			}
		})
		return nil
	case "idle":
		return r.idle(r.s(*st.arg))
	case "read":
		return r.read(st)
	case "outcome":
		return r.outcome(st)
	}
	return failure.Harness(fmt.Errorf("%s: unknown generic action %q", st.pos, st.kind))
}

// withElement locates the step's element and acts on it.
func (r runner) withElement(st step, verb string, act func(playwright.Locator) error) error {
	l, err := r.locate(st.loc)
	if err != nil {
		return err
	}
	return r.acted(st.loc, verb, act(l))
}

// choose picks an option: of a <select> by its label (or value), of a
// group of radio buttons by the button's name, or of a custom drop-down by
// clicking it and then the option.
func (r runner) choose(l playwright.Locator, option string) error {
	tag, err := l.Evaluate("el => el.tagName.toLowerCase()", nil)
	if err != nil {
		return err
	}
	if tag == "select" {
		if _, err := l.SelectOption(playwright.SelectOptionValues{Labels: &[]string{option}}, playwright.LocatorSelectOptionOptions{Timeout: playwright.Float(2000)}); err == nil {
			return nil
		}
		_, err := l.SelectOption(playwright.SelectOptionValues{Values: &[]string{option}})
		return err
	}
	radio := l.GetByRole("radio", playwright.LocatorGetByRoleOptions{Name: option, Exact: playwright.Bool(true)})
	if n, err := radio.Count(); err == nil && n > 0 {
		return radio.First().Check()
	}
	if err := l.Click(); err != nil {
		return err
	}
	opt := r.ui.Page.GetByRole("option", playwright.PageGetByRoleOptions{Name: option, Exact: playwright.Bool(true)}).
		Or(r.ui.Page.GetByRole("menuitem", playwright.PageGetByRoleOptions{Name: option, Exact: playwright.Bool(true)}))
	return opt.First().Click()
}

var (
	isoRe   = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	ukRe    = regexp.MustCompile(`^(\d{1,2})/(\d{1,2})/(\d{4})$`)
	typedRe = regexp.MustCompile(`^[0-9/.\- ]*$`) // typed as written, as steps.TypedDate keeps it
)

// date fills a date field: an <input type=date> with yyyy-mm-dd, a text
// field with the value as written (a relative date, "today+3", day first).
func (r runner) date(l playwright.Locator, value string) error {
	typ, err := l.Evaluate("el => (el.getAttribute('type') || '').toLowerCase()", nil)
	if err != nil {
		return err
	}
	v := strings.TrimSpace(value)
	if typ == "date" {
		iso, err := r.isoDate(v)
		if err != nil {
			return err
		}
		return l.Fill(iso)
	}
	if !typedRe.MatchString(v) {
		today, err := r.today()
		if err != nil {
			return err
		}
		if v, err = steps.TypedDate(v, today); err != nil {
			return failure.Harness(err)
		}
	}
	return l.Fill(v)
}

func (r runner) isoDate(v string) (string, error) {
	if isoRe.MatchString(v) {
		return v, nil
	}
	if m := ukRe.FindStringSubmatch(v); m != nil {
		d, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		return fmt.Sprintf("%s-%02d-%02d", m[3], mo, d), nil
	}
	today, err := r.today()
	if err != nil {
		return "", err
	}
	t, err := steps.Date(v, today)
	if err != nil {
		return "", failure.Harness(err)
	}
	return t.Format(time.DateOnly), nil
}

// today is the page's date in UK time: the browser's clock, which the
// harness sets to the EPR's clinical clock.
func (r runner) today() (time.Time, error) {
	v, err := r.ui.Page.Evaluate("() => Date.now()")
	if err != nil {
		return time.Time{}, failure.Harness(fmt.Errorf("read the page's clock: %w", err))
	}
	var ms int64
	switch v := v.(type) {
	case int:
		ms = int64(v)
	case int64:
		ms = v
	case float64:
		ms = int64(v)
	}
	return steps.ClinicalDay("", time.UnixMilli(ms))
}

// wait waits for the page to show what the step names, then tells the
// harness the page is shown (target.UI.PageShown).
func (r runner) wait(st step) error {
	base, err := r.scope(st)
	if err != nil {
		return err
	}
	vis := playwright.LocatorAssertionsToBeVisibleOptions{Timeout: r.timeout()}
	if r.has(st, "text") {
		text := r.field(st, "text")
		if err := r.ui.Expect.Locator(base.GetByText(text).First()).ToBeVisible(vis); err != nil {
			return fmt.Errorf("expected the text %q: %w", text, err)
		}
	}
	if r.has(st, "heading") {
		h := r.field(st, "heading")
		if err := r.ui.Expect.Locator(base.GetByRole("heading", playwright.LocatorGetByRoleOptions{Name: h}).First()).ToBeVisible(vis); err != nil {
			return fmt.Errorf("expected the heading %q: %w", h, err)
		}
	}
	if r.has(st, "url") {
		u := r.field(st, "url")
		if err := r.ui.Page.WaitForURL(u, playwright.PageWaitForURLOptions{Timeout: r.timeout()}); err != nil {
			return fmt.Errorf("expected the address %s: %w", u, err)
		}
	}
	// What a map waits for is a page shown and settled: the run-wide
	// accessibility check (a11y: pages) may check it here, mid-action.
	return r.ui.PageShown()
}

func (r runner) expectText(st step) error {
	visible, err := r.bool(st, "visible")
	if err != nil {
		return err
	}
	l, err := r.locate(st.loc)
	if err != nil {
		return err
	}
	if visible {
		if st.loc.nth == nil {
			l = l.First()
		}
		if err := r.ui.Expect.Locator(l).ToBeVisible(playwright.LocatorAssertionsToBeVisibleOptions{Timeout: r.timeout()}); err != nil {
			return fmt.Errorf("expected %s to be shown: %w", r.describe(st.loc), err)
		}
		return nil
	}
	if err := r.ui.Expect.Locator(l.Filter(playwright.LocatorFilterOptions{Visible: playwright.Bool(true)})).ToHaveCount(0, playwright.LocatorAssertionsToHaveCountOptions{Timeout: r.timeout()}); err != nil {
		return fmt.Errorf("expected %s not to be shown: %w", r.describe(st.loc), err)
	}
	return nil
}

// scope is where a step looks: inside its within: locator, else the page.
func (r runner) scope(st step) (playwright.Locator, error) {
	if st.within == nil {
		return r.root(), nil
	}
	return r.locate(st.within)
}

// expectValue finds a labelled value, trying in order a <dt> and its <dd>,
// a <th> and the <td> beside it, and an element labelled by aria-label,
// aria-labelledby or a <label> (a control's value); the label matches
// whole, ignoring case.
func (r runner) expectValue(st step) error {
	base, err := r.scope(st)
	if err != nil {
		return err
	}
	label, want := r.field(st, "label"), r.field(st, "equals")
	re := exactlyFold(label)
	candidates := []playwright.Locator{
		base.Locator("dt", playwright.LocatorLocatorOptions{HasText: re}).Locator("xpath=following-sibling::dd[1]"),
		base.Locator("th", playwright.LocatorLocatorOptions{HasText: re}).Locator("xpath=following-sibling::td[1]"),
		base.GetByLabel(re),
	}
	first := candidates[0].Or(candidates[1]).Or(candidates[2]).First()
	if err := r.ui.Expect.Locator(first).ToBeAttached(playwright.LocatorAssertionsToBeAttachedOptions{Timeout: r.timeout()}); err != nil {
		return fmt.Errorf("expected a value labelled %q: %w", label, err)
	}
	var found playwright.Locator
	for _, c := range candidates {
		if n, err := c.Count(); err == nil && n > 0 {
			found = c
			break
		}
	}
	if found == nil {
		found = candidates[2]
	}
	tag, err := found.First().Evaluate("el => el.tagName.toLowerCase()", nil)
	if err != nil {
		return fmt.Errorf("read the value labelled %q: %w", label, err)
	}
	switch tag {
	case "input", "select", "textarea":
		if err := r.ui.Expect.Locator(found.First()).ToHaveValue(want, playwright.LocatorAssertionsToHaveValueOptions{Timeout: r.timeout()}); err != nil {
			return fmt.Errorf("expected %s to be %q: %w", label, want, err)
		}
		return nil
	}
	match := found.Filter(playwright.LocatorFilterOptions{HasText: exactly(want)}).First()
	if err := r.ui.Expect.Locator(match).ToBeVisible(playwright.LocatorAssertionsToBeVisibleOptions{Timeout: r.timeout()}); err != nil {
		shown, _ := found.AllInnerTexts()
		return fmt.Errorf("expected %s to be %q, found %q: %w", label, want, shown, err)
	}
	return nil
}

// expectRow finds table rows whose cells, in the columns named by their
// header, equal the values.
func (r runner) expectRow(st step) error {
	base, err := r.scope(st)
	if err != nil {
		return err
	}
	tables := base.Locator("table")
	tableName := "a table"
	if st.table != nil {
		t, err := r.locate(st.table)
		if err != nil {
			return err
		}
		tables, tableName = t, r.describe(st.table)
	}
	var want []string
	for _, c := range st.cells {
		want = append(want, fmt.Sprintf("%s %q", r.s(c.column), r.s(c.value)))
	}
	what := fmt.Sprintf("a row of %s with %s", tableName, strings.Join(want, " and "))
	count := -1
	if t, ok := st.fields["count"]; ok {
		n, err := r.int(t, "count")
		if err != nil {
			return err
		}
		count = n
		what = fmt.Sprintf("%d rows of %s with %s", n, tableName, strings.Join(want, " and "))
	}
	// The table with every column; each column's position from its header.
	table := tables
	headers := make([]playwright.Locator, len(st.cells))
	for i, c := range st.cells {
		headers[i] = r.ui.Page.Locator("th", playwright.PageLocatorOptions{HasText: exactlyFold(r.s(c.column))})
		table = table.Filter(playwright.LocatorFilterOptions{Has: headers[i]})
	}
	table = table.First()
	if count == 0 {
		if n, err := table.Count(); err == nil && n == 0 {
			return nil // no such table, so no such row
		}
	}
	if err := r.ui.Expect.Locator(table).ToBeAttached(playwright.LocatorAssertionsToBeAttachedOptions{Timeout: r.timeout()}); err != nil {
		return fmt.Errorf("expected %s: no table has the columns: %w", what, err)
	}
	rows := table.Locator("tr")
	for _, c := range st.cells {
		idx, err := table.Locator("th", playwright.LocatorLocatorOptions{HasText: exactlyFold(r.s(c.column))}).First().Evaluate("el => el.cellIndex", nil)
		if err != nil {
			return fmt.Errorf("expected %s: find the column %q: %w", what, r.s(c.column), err)
		}
		n, ok := idx.(int)
		if !ok {
			if f, isF := idx.(float64); isF {
				n, ok = int(f), true
			}
		}
		if !ok || n < 0 {
			return failure.Harness(fmt.Errorf("%s: the column %q has no position (%v)", st.pos, r.s(c.column), idx))
		}
		cellAt := r.ui.Page.Locator(fmt.Sprintf(":scope > :is(td, th):nth-child(%d)", n+1), playwright.PageLocatorOptions{HasText: exactly(r.s(c.value))})
		rows = rows.Filter(playwright.LocatorFilterOptions{Has: cellAt})
	}
	err = nil
	if count >= 0 {
		err = r.ui.Expect.Locator(rows).ToHaveCount(count, playwright.LocatorAssertionsToHaveCountOptions{Timeout: r.timeout()})
	} else {
		err = r.ui.Expect.Locator(rows.First()).ToBeVisible(playwright.LocatorAssertionsToBeVisibleOptions{Timeout: r.timeout()})
	}
	if err != nil {
		return fmt.Errorf("expected %s: %w", what, err)
	}
	return nil
}

// idle lets the page's clock run, as refepr's IdleFor does: it installs
// Playwright's clock at the page's own time (so a fixed clock stays fixed),
// reloads so the page's timers run on it, and runs it for d.
func (r runner) idle(v string) error {
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil {
		return failure.Harness(fmt.Errorf("idle %q: want a duration such as 2m or 30s", v))
	}
	var at []playwright.ClockInstallOptions
	switch ms, _ := r.ui.Page.Evaluate("() => Date.now()"); ms := ms.(type) {
	case int:
		at = append(at, playwright.ClockInstallOptions{Time: int64(ms)})
	case float64:
		at = append(at, playwright.ClockInstallOptions{Time: int64(ms)})
	}
	if err := r.ui.Page.Clock().Install(at...); err == nil {
		if _, err := r.ui.Page.Reload(); err != nil {
			return fmt.Errorf("reload under the test clock: %w", err)
		}
	}
	if err := r.ui.Page.Clock().RunFor(d.Milliseconds()); err != nil {
		return fmt.Errorf("let %s pass: %w", d, err)
	}
	return nil
}

// read reads the text of the step's element (a field's value) into a
// field of the appointment the action returns, and into the parameters of
// the steps after it. A date and time that does not parse in the format
// is the map's fault: the map does not describe how the EPR shows it.
func (r runner) read(st step) error {
	into := st.fields["into"].raw
	var text string
	if q, ok := st.fields["url"]; ok {
		name := r.s(q)
		u, err := url.Parse(r.ui.Page.URL())
		if err != nil {
			return failure.Harness(fmt.Errorf("%s: read into %s: the page's address %q: %w", st.pos, into, r.ui.Page.URL(), err))
		}
		if !u.Query().Has(name) {
			return fmt.Errorf("read %s from the address: %s has no %s= parameter", into, u.RequestURI(), name)
		}
		text = u.Query().Get(name)
	} else {
		l, err := r.locate(st.loc)
		if err != nil {
			return err
		}
		text, err = r.readText(l)
		if err = r.acted(st.loc, "read "+into+" from", err); err != nil {
			return err
		}
	}
	switch into {
	case "when":
		layout := r.whenFormat
		if f, ok := st.fields["format"]; ok {
			layout = f.raw
		}
		t, perr := time.Parse(layout, text)
		if perr != nil {
			return failure.Harness(fmt.Errorf("%s: read into when: %s shows %q, which is not a date and time in the format %q: %w", st.pos, r.describe(st.loc), text, layout, perr))
		}
		t = wallClock(t)
		for k, v := range when(t) {
			r.params[k] = v
		}
		if r.whenFormat != "" {
			r.params["when_shown"] = t.Format(r.whenFormat)
		}
		if r.got != nil {
			r.got.appt.When = t
		}
	case "clinic":
		r.params["clinic"] = text
		if r.got != nil {
			r.got.appt.Clinic = text
		}
	case "ref":
		r.params["ref"] = text
		if r.got != nil {
			r.got.appt.Ref = text
		}
	default:
		return failure.Harness(fmt.Errorf("%s: read into %q: not a field of the appointment", st.pos, into))
	}
	if r.got != nil {
		r.got.read[into] = true
	}
	return nil
}

// outcome waits, with Playwright's auto-waiting, until the page shows
// what the step's refused or otherwise locator names, and records which:
// refused when the refused one is shown. With click, it first waits for
// that element or the refusal (an EPR may refuse before offering the
// button) and presses the element if the EPR offered it. Neither shown
// in time is the EPR's failure.
func (r runner) outcome(st step) error {
	refused, err := r.locate(st.refused)
	if err != nil {
		return err
	}
	otherwise, err := r.locate(st.otherwise)
	if err != nil {
		return err
	}
	vis := playwright.LocatorAssertionsToBeVisibleOptions{Timeout: r.timeout()}
	shown := playwright.LocatorFilterOptions{Visible: playwright.Bool(true)}
	if st.press != nil {
		press, err := r.locate(st.press)
		if err != nil {
			return err
		}
		if err := r.ui.Expect.Locator(press.Filter(shown).Or(refused.Filter(shown)).First()).ToBeVisible(vis); err != nil {
			return fmt.Errorf("expected %s or %s: %w", r.describe(st.press), r.describe(st.refused), err)
		}
		if n, err := refused.Filter(shown).Count(); err != nil {
			return failure.Harness(fmt.Errorf("look for %s: %w", r.describe(st.refused), err))
		} else if n == 0 {
			if err := r.acted(st.press, "click", press.Click()); err != nil {
				return err
			}
		}
	}
	if err := r.ui.Expect.Locator(refused.Filter(shown).Or(otherwise.Filter(shown)).First()).ToBeVisible(vis); err != nil {
		return fmt.Errorf("expected the outcome, %s or %s: %w", r.describe(st.refused), r.describe(st.otherwise), err)
	}
	n, err := refused.Filter(shown).Count()
	if err != nil {
		return failure.Harness(fmt.Errorf("look for %s: %w", r.describe(st.refused), err))
	}
	if r.got != nil {
		r.got.decided, r.got.refused = true, n > 0
	}
	return nil
}

// readText is what an element shows, its white space collapsed: a
// field's value, a drop-down's chosen option, else its rendered text.
// It waits for the element like any action.
func (r runner) readText(l playwright.Locator) (string, error) {
	v, err := l.Evaluate(`el => {
  const tag = el.tagName.toLowerCase();
  if (tag === "select") return el.selectedIndex >= 0 ? el.options[el.selectedIndex].text : "";
  if (tag === "input" || tag === "textarea") return el.value;
  return el.innerText;
}`, nil, playwright.LocatorEvaluateOptions{Timeout: r.timeout()})
	if err != nil {
		return "", err
	}
	s, _ := v.(string)
	return strings.Join(strings.Fields(s), " "), nil
}
