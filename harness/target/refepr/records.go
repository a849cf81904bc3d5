package refepr

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/mxschmitt/playwright-go"

	"github.com/eprharness/eprharness/harness/target"
	"github.com/eprharness/eprharness/nhsnumber"
)

// Page objects for registration, restricted records and break-glass,
// clinical notes and the audit log of the reference EPR.

func recHeading(ui target.UI, name string, level int) playwright.Locator {
	return ui.Page.GetByRole("heading", playwright.PageGetByRoleOptions{Name: name, Exact: playwright.Bool(true), Level: playwright.Int(level)})
}

func recMainNavLink(ui target.UI, name string) playwright.Locator {
	return ui.Page.GetByRole("navigation", playwright.PageGetByRoleOptions{Name: "Main"}).
		GetByRole("link", playwright.LocatorGetByRoleOptions{Name: name, Exact: playwright.Bool(true)})
}

func recButton(within playwright.Locator, name string) playwright.Locator {
	return within.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: name, Exact: playwright.Bool(true)})
}

func recLabelled(within playwright.Locator, label string) playwright.Locator {
	return within.GetByLabel(label, playwright.LocatorGetByLabelOptions{Exact: playwright.Bool(true)})
}

func recForm(ui target.UI, name string) playwright.Locator {
	return ui.Page.GetByRole("form", playwright.PageGetByRoleOptions{Name: name, Exact: playwright.Bool(true)})
}

func recBanner(ui target.UI) playwright.Locator {
	return ui.Page.GetByRole("region", playwright.PageGetByRoleOptions{Name: "Patient banner"})
}

// recProblem adds the error summary's text, when there is one, to err: the
// EPR's own words for what went wrong.
func recProblem(ui target.UI, err error) error {
	summary := ui.Page.GetByRole("alert")
	if n, cerr := summary.Count(); cerr == nil && n > 0 {
		if text, terr := summary.First().InnerText(); terr == nil {
			return fmt.Errorf("%w (the EPR says: %s)", err, strings.Join(strings.Fields(text), " "))
		}
	}
	return err
}

// --- registration ---

// RegisterPatient implements target.Records.
func (Adapter) RegisterPatient(ui target.UI, r target.Registration) error {
	if err := recMainNavLink(ui, "Register a patient").Click(); err != nil {
		return fmt.Errorf("open the registration form: %w", err)
	}
	if err := settled(ui); err != nil {
		return err
	}
	if err := shown(ui, recHeading(ui, "Register a patient", 1), "the registration form"); err != nil {
		return err
	}
	form := recForm(ui, "Patient registration")
	for _, f := range []struct{ label, value string }{
		{"NHS number", r.NHSNumber},
		{"Given name", r.Given},
		{"Family name", r.Family},
		{"Date of birth", r.BirthDate},
		{"Address line 1", r.AddressLine1},
		{"Address line 2 (optional)", r.AddressLine2},
		{"Town or city (optional)", r.Town},
		{"Postcode", r.Postcode},
		{"GP practice (optional)", r.GPPractice},
	} {
		if f.value == "" {
			continue
		}
		if err := recLabelled(form, f.label).Fill(f.value); err != nil {
			return fmt.Errorf("fill %s: %w", f.label, err)
		}
	}
	if r.Sex != "" {
		sex := strings.ToUpper(r.Sex[:1]) + strings.ToLower(r.Sex[1:])
		radio := form.GetByRole("group", playwright.LocatorGetByRoleOptions{Name: "Sex"}).
			GetByRole("radio", playwright.LocatorGetByRoleOptions{Name: sex, Exact: playwright.Bool(true)})
		if err := radio.Check(); err != nil {
			return fmt.Errorf("choose sex %s: %w", sex, err)
		}
	}
	if err := recLabelled(form, "Restricted record").SetChecked(r.Restricted); err != nil {
		return fmt.Errorf("set restricted record: %w", err)
	}
	if err := recButton(form, "Register patient").Click(); err != nil {
		return fmt.Errorf("submit the registration: %w", err)
	}
	// The EPR has answered when it shows a record or a problem.
	outcome := recBanner(ui).Or(ui.Page.GetByRole("alert"))
	if err := ui.Expect.Locator(outcome.First()).ToBeVisible(); err != nil {
		return fmt.Errorf("the registration did not answer: %w", err)
	}
	return nil
}

// ExpectNewPatientRecord implements target.Records.
func (Adapter) ExpectNewPatientRecord(ui target.UI, p target.Patient) error {
	name := DisplayName(p)
	if err := ui.Expect.Locator(recHeading(ui, name, 1)).ToBeVisible(); err != nil {
		return recProblem(ui, fmt.Errorf("expected the record of %s: %w", name, err))
	}
	return nil
}

// ExpectRegistrationNHSNumberInvalid implements target.Records.
func (Adapter) ExpectRegistrationNHSNumberInvalid(ui target.UI) error {
	summary := ui.Page.GetByRole("alert")
	if err := ui.Expect.Locator(summary).ToContainText("NHS number is not valid"); err != nil {
		return fmt.Errorf("expected the registration to be refused because the NHS number is not valid: %w", err)
	}
	nhs := recLabelled(recForm(ui, "Patient registration"), "NHS number")
	if err := ui.Expect.Locator(nhs).ToHaveAccessibleDescription(regexp.MustCompile(`NHS number is not valid`)); err != nil {
		return fmt.Errorf("expected an error message at the NHS number: %w", err)
	}
	return nil
}

// ExpectAlreadyRegistered implements target.Records.
func (Adapter) ExpectAlreadyRegistered(ui target.UI, nhs string) error {
	want := fmt.Sprintf("A patient with NHS number %s is already registered", nhsnumber.Number(nhsnumber.Normalise(nhs)).Formatted())
	summary := ui.Page.GetByRole("alert")
	if err := ui.Expect.Locator(summary).ToContainText(want); err != nil {
		return fmt.Errorf("expected %q: %w", want, err)
	}
	link := summary.GetByRole("link", playwright.LocatorGetByRoleOptions{Name: regexp.MustCompile(`^View the record of `)})
	if err := ui.Expect.Locator(link).ToBeVisible(); err != nil {
		return fmt.Errorf("expected a link to the registered patient's record: %w", err)
	}
	return nil
}

// --- restricted records and break-glass ---

func recDemographics(ui target.UI) playwright.Locator {
	return ui.Page.GetByRole("region", playwright.PageGetByRoleOptions{Name: "Demographics"})
}

// ExpectAddressHidden implements target.Records.
func (Adapter) ExpectAddressHidden(ui target.UI, hidden bool) error {
	demographics := recDemographics(ui)
	if err := ui.Expect.Locator(demographics).ToBeVisible(); err != nil {
		return fmt.Errorf("expected a patient record: %w", err)
	}
	notice := demographics.GetByText("Address hidden: restricted record", playwright.LocatorGetByTextOptions{Exact: playwright.Bool(true)})
	if hidden {
		if err := ui.Expect.Locator(notice).ToBeVisible(); err != nil {
			return fmt.Errorf("expected the address to be hidden: %w", err)
		}
		return nil
	}
	if err := ui.Expect.Locator(notice).ToHaveCount(0); err != nil {
		return fmt.Errorf("expected the address to be shown: %w", err)
	}
	if err := ui.Expect.Locator(demographics).Not().ToContainText("No address recorded"); err != nil {
		return fmt.Errorf("expected an address: %w", err)
	}
	return nil
}

// BreakGlass implements target.Records.
func (Adapter) BreakGlass(ui target.UI, reason string) error {
	open := ui.Page.GetByRole("link", playwright.PageGetByRoleOptions{Name: "Access restricted record", Exact: playwright.Bool(true)})
	if err := open.Click(); err != nil {
		return fmt.Errorf("ask to access the restricted record: %w", err)
	}
	if err := settled(ui); err != nil {
		return err
	}
	form := recForm(ui, "Access restricted record")
	if err := shown(ui, form, "the form to access the restricted record"); err != nil {
		return err
	}
	if err := recLabelled(form, "Reason for access").Fill(reason); err != nil {
		return fmt.Errorf("give the reason for access: %w", err)
	}
	if err := recButton(form, "Access restricted record").Click(); err != nil {
		return fmt.Errorf("confirm access to the restricted record: %w", err)
	}
	if err := ui.Expect.Locator(recHeading(ui, "Restricted record", 2)).ToBeVisible(); err != nil {
		return recProblem(ui, fmt.Errorf("expected the restricted record after breaking the glass: %w", err))
	}
	return nil
}

// --- clinical notes ---

// openNotes opens the clinical notes from the record page, unless they are
// open already.
func openNotes(ui target.UI) error {
	h := recHeading(ui, "Clinical notes", 1)
	if visible, err := h.IsVisible(); err == nil && visible {
		return nil
	}
	link := ui.Page.GetByRole("link", playwright.PageGetByRoleOptions{Name: "Open clinical notes", Exact: playwright.Bool(true)})
	if err := link.Click(); err != nil {
		return fmt.Errorf("open the clinical notes: %w", err)
	}
	if err := settled(ui); err != nil {
		return err
	}
	if err := ui.Expect.Locator(h).ToBeVisible(); err != nil {
		return fmt.Errorf("expected the clinical notes: %w", err)
	}
	return nil
}

// latestNote is the most recent note (the list is newest first).
func latestNote(ui target.UI) playwright.Locator {
	return ui.Page.GetByRole("region", playwright.PageGetByRoleOptions{Name: "Notes", Exact: playwright.Bool(true)}).
		GetByRole("article").First()
}

// WriteNote implements target.Records.
func (Adapter) WriteNote(ui target.UI, text string) error {
	if err := openNotes(ui); err != nil {
		return err
	}
	form := recForm(ui, "New clinical note")
	if err := recLabelled(form, "Note").Fill(text); err != nil {
		return fmt.Errorf("write the note: %w", err)
	}
	if err := recButton(form, "Save draft").Click(); err != nil {
		return fmt.Errorf("save the draft note: %w", err)
	}
	return recProblemIf(ui, expectLatestNote(ui, text, "Draft"))
}

func recProblemIf(ui target.UI, err error) error {
	if err != nil {
		return recProblem(ui, err)
	}
	return nil
}

// expectLatestNote waits for the most recent note to read text (when not
// empty) with the status.
func expectLatestNote(ui target.UI, text, status string) error {
	note := latestNote(ui)
	if text != "" {
		body := note.GetByRole("group", playwright.LocatorGetByRoleOptions{Name: "Note text"})
		if err := ui.Expect.Locator(body).ToHaveText(exact(text)); err != nil {
			return fmt.Errorf("expected the note to read %q: %w", text, err)
		}
	}
	st := note.GetByLabel("Status", playwright.LocatorGetByLabelOptions{Exact: playwright.Bool(true)})
	if err := ui.Expect.Locator(st).ToHaveText(exact(status)); err != nil {
		return fmt.Errorf("expected the note's status to be %q: %w", status, err)
	}
	return nil
}

// SignNote implements target.Records.
func (Adapter) SignNote(ui target.UI) error {
	if err := openNotes(ui); err != nil {
		return err
	}
	if err := recButton(latestNote(ui), "Sign note").Click(); err != nil {
		return fmt.Errorf("sign the note: %w", err)
	}
	return recProblemIf(ui, expectLatestNote(ui, "", "Signed"))
}

// AmendNote implements target.Records.
func (Adapter) AmendNote(ui target.UI, text, reason string) error {
	if err := openNotes(ui); err != nil {
		return err
	}
	amend := latestNote(ui).GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "Amend note", Exact: playwright.Bool(true)})
	if err := amend.Click(); err != nil {
		return fmt.Errorf("amend the note: %w", err)
	}
	if err := settled(ui); err != nil {
		return err
	}
	form := recForm(ui, "Amend note")
	if err := shown(ui, form, "the form to amend the note"); err != nil {
		return err
	}
	if err := recLabelled(form, "Amended note").Fill(text); err != nil {
		return fmt.Errorf("write the amended note: %w", err)
	}
	if err := recLabelled(form, "Reason for amendment").Fill(reason); err != nil {
		return fmt.Errorf("give the reason for the amendment: %w", err)
	}
	if err := recButton(form, "Save amendment").Click(); err != nil {
		return fmt.Errorf("save the amendment: %w", err)
	}
	if err := ui.Expect.Locator(recHeading(ui, "Clinical notes", 1)).ToBeVisible(); err != nil {
		return recProblem(ui, fmt.Errorf("expected the clinical notes after the amendment: %w", err))
	}
	return expectLatestNote(ui, text, "Signed, amended")
}

// ExpectNoteText implements target.Records.
func (Adapter) ExpectNoteText(ui target.UI, text string) error {
	if err := openNotes(ui); err != nil {
		return err
	}
	body := latestNote(ui).GetByRole("group", playwright.LocatorGetByRoleOptions{Name: "Note text"})
	if err := ui.Expect.Locator(body).ToHaveText(exact(text)); err != nil {
		return fmt.Errorf("expected the note to read %q: %w", text, err)
	}
	return nil
}

// ExpectNoteHistory implements target.Records.
func (Adapter) ExpectNoteHistory(ui target.UI, versions int) error {
	if err := openNotes(ui); err != nil {
		return err
	}
	history := latestNote(ui).GetByRole("table", playwright.LocatorGetByRoleOptions{Name: regexp.MustCompile(`^Version history`)})
	rows := history.GetByRole("rowgroup").Last().GetByRole("row") // the body's rows
	if err := ui.Expect.Locator(rows).ToHaveCount(versions); err != nil {
		return fmt.Errorf("expected the note history to show %d versions: %w", versions, err)
	}
	return nil
}

// recDenied checks the access-denied page is shown.
func recDenied(ui target.UI, what string) error {
	if err := settled(ui); err != nil {
		return err
	}
	if err := ui.Expect.Locator(recHeading(ui, "Access denied", 1)).ToBeVisible(); err != nil {
		return fmt.Errorf("expected %s to be refused with \"Access denied\": %w", what, err)
	}
	return nil
}

// ExpectNotesDenied implements target.Records. The record page offers a
// user without permission no link to the notes, so this goes to the notes'
// address directly, as someone following a shared link would.
func (Adapter) ExpectNotesDenied(ui target.UI) error {
	if err := ui.Expect.Locator(recBanner(ui)).ToBeVisible(); err != nil {
		return fmt.Errorf("expected a patient record: %w", err)
	}
	if err := ui.Expect.Locator(ui.Page.GetByRole("link", playwright.PageGetByRoleOptions{Name: "Open clinical notes"})).ToHaveCount(0); err != nil {
		return fmt.Errorf("expected no link to the clinical notes: %w", err)
	}
	u, err := url.Parse(ui.Page.URL())
	if err != nil {
		return fmt.Errorf("read the record's address: %w", err)
	}
	u.Path, u.RawQuery = strings.TrimSuffix(u.Path, "/")+"/notes", ""
	if _, err := ui.Page.Goto(u.String()); err != nil {
		return fmt.Errorf("open the clinical notes: %w", err)
	}
	if err := recDenied(ui, "the clinical notes"); err != nil {
		return err
	}
	if err := ui.Expect.Locator(recHeading(ui, "Clinical notes", 1)).ToHaveCount(0); err != nil {
		return fmt.Errorf("expected no clinical notes: %w", err)
	}
	return nil
}

// --- audit log ---

var auditLabels = map[target.AuditAction]string{
	target.AuditViewRecord:      "Viewed record",
	target.AuditRegisterPatient: "Registered patient",
	target.AuditBreakGlass:      "Accessed restricted record",
	target.AuditViewNotes:       "Viewed clinical notes",
	target.AuditDraftNote:       "Drafted note",
	target.AuditSignNote:        "Signed note",
	target.AuditAmendNote:       "Amended note",
}

func auditLabel(a target.AuditAction) (string, error) {
	l, ok := auditLabels[a]
	if !ok {
		return "", fmt.Errorf("the reference EPR does not audit %q", a)
	}
	return l, nil
}

// SearchAuditLog implements target.Records.
func (Adapter) SearchAuditLog(ui target.UI, q target.AuditQuery) error {
	if err := recMainNavLink(ui, "Audit log").Click(); err != nil {
		return fmt.Errorf("open the audit log: %w", err)
	}
	if err := settled(ui); err != nil {
		return err
	}
	form := ui.Page.GetByRole("search", playwright.PageGetByRoleOptions{Name: "Audit log search"})
	if err := recLabelled(form, "User").Fill(q.User); err != nil {
		return fmt.Errorf("fill user: %w", err)
	}
	nhs := ""
	if q.NHSNumber != "" {
		nhs = nhsnumber.Number(q.NHSNumber).Formatted()
	}
	if err := recLabelled(form, "Patient NHS number").Fill(nhs); err != nil {
		return fmt.Errorf("fill patient NHS number: %w", err)
	}
	action := "Any action"
	if q.Action != "" {
		l, err := auditLabel(q.Action)
		if err != nil {
			return err
		}
		action = l
	}
	if _, err := recLabelled(form, "Action").SelectOption(playwright.SelectOptionValues{Labels: &[]string{action}}); err != nil {
		return fmt.Errorf("choose action %s: %w", action, err)
	}
	if err := recButton(form, "Search").Click(); err != nil {
		return fmt.Errorf("search the audit log: %w", err)
	}
	outcome := ui.Page.GetByRole("main").GetByRole("status").Or(ui.Page.GetByRole("alert"))
	if err := ui.Expect.Locator(outcome.First()).ToBeVisible(); err != nil {
		return fmt.Errorf("the audit log search did not answer: %w", err)
	}
	return nil
}

// ExpectAuditLogEntry implements target.Records.
func (Adapter) ExpectAuditLogEntry(ui target.UI, user string, action target.AuditAction) error {
	label, err := auditLabel(action)
	if err != nil {
		return err
	}
	table := ui.Page.GetByRole("table", playwright.PageGetByRoleOptions{Name: "Audit entries"})
	rows := table.GetByRole("row").
		Filter(playwright.LocatorFilterOptions{Has: ui.Page.GetByRole("cell", playwright.PageGetByRoleOptions{Name: user, Exact: playwright.Bool(true)})}).
		Filter(playwright.LocatorFilterOptions{Has: ui.Page.GetByRole("cell", playwright.PageGetByRoleOptions{Name: label, Exact: playwright.Bool(true)})})
	if err := ui.Expect.Locator(rows.First()).ToBeVisible(); err != nil {
		return fmt.Errorf("expected an audit entry %q by %s: %w", label, user, err)
	}
	return nil
}

// ExpectAuditLogDenied implements target.Records: the navigation offers no
// audit log, and its address answers "Access denied".
func (Adapter) ExpectAuditLogDenied(ui target.UI) error {
	if err := ui.Expect.Locator(ui.Page.GetByRole("navigation", playwright.PageGetByRoleOptions{Name: "Main"})).ToBeVisible(); err != nil {
		return fmt.Errorf("expected to be signed in: %w", err)
	}
	if err := ui.Expect.Locator(recMainNavLink(ui, "Audit log")).ToHaveCount(0); err != nil {
		return fmt.Errorf("expected no audit log in the navigation: %w", err)
	}
	if _, err := ui.Page.Goto("/audit"); err != nil {
		return fmt.Errorf("open the audit log: %w", err)
	}
	return recDenied(ui, "the audit log")
}

// AuditEntries implements target.Records with GET /api/audit, authenticated
// with HTTP Basic credentials.
func (Adapter) AuditEntries(api target.API, q target.AuditQuery) ([]target.AuditEntry, error) {
	params := url.Values{}
	if q.User != "" {
		params.Set("user", q.User)
	}
	if q.NHSNumber != "" {
		params.Set("patient", q.NHSNumber)
	}
	if q.Action != "" {
		params.Set("action", string(q.Action))
	}
	req, err := http.NewRequest(http.MethodGet, strings.TrimRight(api.BaseURL, "/")+"/api/audit?"+params.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("read the audit log: %w", err)
	}
	req.SetBasicAuth(api.Username, api.Password)
	req.Header.Set("Accept", "application/json")
	resp, err := api.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("read the audit log: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, fmt.Errorf("read the audit log: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("read the audit log: GET %s: %s: %s", req.URL.Path, resp.Status, strings.TrimSpace(string(body)))
	}
	var out struct {
		Entries []struct {
			User      string `json:"user"`
			Action    string `json:"action"`
			NHSNumber string `json:"nhsNumber"`
			Details   string `json:"details"`
		} `json:"entries"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("read the audit log: %w", err)
	}
	entries := make([]target.AuditEntry, 0, len(out.Entries))
	for _, e := range out.Entries {
		entries = append(entries, target.AuditEntry{User: e.User, Action: target.AuditAction(e.Action), NHSNumber: e.NHSNumber, Details: e.Details})
	}
	return entries, nil
}
