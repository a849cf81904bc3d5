package refepr

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/mxschmitt/playwright-go"

	"github.com/eprharness/eprharness/harness/target"
)

// Page objects for the reference EPR's clinical area: the record's
// allergies, medications and observations sections, and their forms.

var exactly = playwright.Bool(true)

func heading(ui target.UI, name string, level int) playwright.Locator {
	return ui.Page.GetByRole("heading", playwright.PageGetByRoleOptions{Name: name, Exact: exactly, Level: playwright.Int(level)})
}

func link(ui target.UI, name string) playwright.Locator {
	return ui.Page.GetByRole("main").GetByRole("link", playwright.LocatorGetByRoleOptions{Name: name, Exact: exactly})
}

func button(ui target.UI, name string) playwright.Locator {
	return ui.Page.GetByRole("main").GetByRole("button", playwright.LocatorGetByRoleOptions{Name: name, Exact: exactly})
}

func field(ui target.UI, label string) playwright.Locator {
	return ui.Page.GetByRole("main").GetByLabel(label, playwright.LocatorGetByLabelOptions{Exact: exactly})
}

// notice waits for the record page's confirmation after a write.
func notice(ui target.UI, text string) error {
	status := ui.Page.GetByRole("main").GetByRole("status").Filter(playwright.LocatorFilterOptions{HasText: exact(text)})
	if err := ui.Expect.Locator(status).ToBeVisible(); err != nil {
		return fmt.Errorf("expected %q: %w", text, firstProblem(ui, err))
	}
	return nil
}

// firstProblem adds the page's error summary, if any, to err: a form that
// was refused explains itself better than a timeout.
func firstProblem(ui target.UI, err error) error {
	summary := ui.Page.GetByRole("main").GetByRole("alert")
	if n, cerr := summary.Count(); cerr == nil && n > 0 {
		if text, terr := summary.First().InnerText(); terr == nil {
			return fmt.Errorf("%w (the page says: %s)", err, strings.Join(strings.Fields(text), " "))
		}
	}
	return err
}

func click(l playwright.Locator, what string) error {
	if err := l.Click(); err != nil {
		return fmt.Errorf("click %s: %w", what, err)
	}
	return nil
}

func fill(ui target.UI, label, value string) error {
	if err := field(ui, label).Fill(value); err != nil {
		return fmt.Errorf("fill %s: %w", label, err)
	}
	return nil
}

func check(ui target.UI, label string) error {
	if err := field(ui, label).Check(); err != nil {
		return fmt.Errorf("choose %s: %w", label, err)
	}
	return nil
}

func selectLabel(ui target.UI, label, option string) error {
	if _, err := field(ui, label).SelectOption(playwright.SelectOptionValues{Labels: &[]string{option}}); err != nil {
		return fmt.Errorf("select %s %q: %w", label, option, err)
	}
	return nil
}

func capitalise(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + strings.ToLower(s[1:])
}

// --- allergies ---

func fillAllergy(ui target.UI, substance, reaction, severity, save string) error {
	if err := fill(ui, "Substance", substance); err != nil {
		return err
	}
	if err := fill(ui, "Reaction", reaction); err != nil {
		return err
	}
	if err := check(ui, capitalise(severity)); err != nil {
		return err
	}
	return click(button(ui, save), save)
}

// RecordAllergy implements target.Clinical.
func (Adapter) RecordAllergy(ui target.UI, substance, reaction, severity string) error {
	if err := click(link(ui, "Record an allergy"), "Record an allergy"); err != nil {
		return err
	}
	if err := shown(ui, heading(ui, "Record an allergy", 1), "the allergy form"); err != nil {
		return err
	}
	if err := fillAllergy(ui, substance, reaction, severity, "Save allergy"); err != nil {
		return err
	}
	return notice(ui, "Allergy recorded")
}

// UpdateAllergy implements target.Clinical.
func (Adapter) UpdateAllergy(ui target.UI, substance, reaction, severity string) error {
	name := "Update " + substance + " allergy"
	if err := click(link(ui, name), name); err != nil {
		return err
	}
	if err := shown(ui, heading(ui, "Update allergy", 1), "the allergy form"); err != nil {
		return err
	}
	if err := fillAllergy(ui, substance, reaction, severity, "Save changes"); err != nil {
		return err
	}
	return notice(ui, "Allergy updated")
}

// ResolveAllergy implements target.Clinical.
func (Adapter) ResolveAllergy(ui target.UI, substance string) error {
	name := "Resolve " + substance + " allergy"
	if err := click(button(ui, name), name); err != nil {
		return err
	}
	return notice(ui, "Allergy resolved")
}

// MarkAllergyEnteredInError implements target.Clinical.
func (Adapter) MarkAllergyEnteredInError(ui target.UI, substance string) error {
	name := "Mark " + substance + " allergy as entered in error"
	if err := click(button(ui, name), name); err != nil {
		return err
	}
	return notice(ui, "Allergy marked as entered in error")
}

// RecordNoKnownAllergies implements target.Clinical.
func (Adapter) RecordNoKnownAllergies(ui target.UI) error {
	if err := click(button(ui, "Record no known allergies"), "Record no known allergies"); err != nil {
		return err
	}
	return notice(ui, "No known allergies recorded")
}

// ExpectAllergyAlert implements target.Clinical.
func (Adapter) ExpectAllergyAlert(ui target.UI, text string) error {
	banner := ui.Page.GetByRole("region", playwright.PageGetByRoleOptions{Name: "Patient banner"})
	alert := banner.GetByLabel("Allergies", playwright.LocatorGetByLabelOptions{Exact: exactly})
	if err := ui.Expect.Locator(alert).ToHaveText(exact(text)); err != nil {
		return fmt.Errorf("expected the banner's allergy alert %q: %w", text, err)
	}
	return nil
}

// --- medications ---

var routeLabels = map[string]string{
	"oral": "Oral", "intravenous": "Intravenous", "intramuscular": "Intramuscular", "subcutaneous": "Subcutaneous",
	"inhaled": "Inhaled", "topical": "Topical", "rectal": "Rectal",
}

// Prescribe implements target.Clinical.
func (Adapter) Prescribe(ui target.UI, p target.Prescription) error {
	if err := click(link(ui, "Prescribe a medication"), "Prescribe a medication"); err != nil {
		return err
	}
	if err := shown(ui, heading(ui, "Prescribe a medication", 1), "the prescribing form"); err != nil {
		return err
	}
	route, ok := routeLabels[strings.ToLower(p.Route)]
	if !ok {
		return fmt.Errorf("the reference EPR has no route %q", p.Route)
	}
	if err := fill(ui, "Drug", p.Drug); err != nil {
		return err
	}
	if err := fill(ui, "Dose", p.Dose); err != nil {
		return err
	}
	if err := selectLabel(ui, "Route", route); err != nil {
		return err
	}
	if err := selectLabel(ui, "Frequency", capitalise(p.Frequency)); err != nil {
		return err
	}
	if err := click(button(ui, "Prescribe"), "Prescribe"); err != nil {
		return err
	}
	prescribed := ui.Page.GetByRole("main").GetByRole("status").Filter(playwright.LocatorFilterOptions{HasText: exact("Medication prescribed")})
	warning := heading(ui, "Allergy warning", 2)
	if err := ui.Expect.Locator(prescribed.Or(warning)).ToBeVisible(); err != nil {
		return fmt.Errorf("expected the prescription to be made or warned about: %w", firstProblem(ui, err))
	}
	return nil
}

// ExpectAllergyConflict implements target.Clinical.
func (Adapter) ExpectAllergyConflict(ui target.UI, drug, allergy string) error {
	alert := ui.Page.GetByRole("main").GetByRole("alert").Filter(playwright.LocatorFilterOptions{Has: heading(ui, "Allergy warning", 2)})
	want := regexp.MustCompile("(?i)" + regexp.QuoteMeta(drug) + `\s+conflicts with the\s+` + regexp.QuoteMeta(allergy) + `\s+allergy`)
	if err := ui.Expect.Locator(alert).ToContainText(want); err != nil {
		return fmt.Errorf("expected a warning that %s conflicts with the %s allergy: %w", drug, allergy, err)
	}
	return nil
}

// OverrideAllergyWarning implements target.Clinical.
func (Adapter) OverrideAllergyWarning(ui target.UI, reason string) error {
	if reason != "" {
		if err := fill(ui, "Reason for overriding the allergy warning", reason); err != nil {
			return err
		}
	}
	if err := click(button(ui, "Prescribe despite the allergy"), "Prescribe despite the allergy"); err != nil {
		return err
	}
	if reason == "" {
		return nil
	}
	return notice(ui, "Medication prescribed")
}

// ExpectOverrideReasonRequired implements target.Clinical.
func (Adapter) ExpectOverrideReasonRequired(ui target.UI) error {
	summary := ui.Page.GetByRole("main").GetByRole("alert").Filter(playwright.LocatorFilterOptions{HasText: "There is a problem"})
	if err := ui.Expect.Locator(summary).ToContainText("Enter a reason for overriding the allergy warning"); err != nil {
		return fmt.Errorf("expected the override to need a reason: %w", err)
	}
	return nil
}

func medicationsTable(ui target.UI) playwright.Locator {
	return ui.Page.GetByRole("table", playwright.PageGetByRoleOptions{Name: "Medications", Exact: exactly})
}

func medicationRow(ui target.UI, drug string) playwright.Locator {
	cell := ui.Page.GetByRole("rowheader").Filter(playwright.LocatorFilterOptions{HasText: regexp.MustCompile(`^\s*` + regexp.QuoteMeta(drug) + `\b`)})
	return medicationsTable(ui).GetByRole("row").Filter(playwright.LocatorFilterOptions{Has: cell})
}

// ExpectMedication implements target.Clinical.
func (Adapter) ExpectMedication(ui target.UI, drug, status string) error {
	row := medicationRow(ui, drug)
	if err := ui.Expect.Locator(row).ToHaveCount(1); err != nil {
		return fmt.Errorf("expected %s in the medications list: %w", drug, err)
	}
	if err := ui.Expect.Locator(row).ToContainText(capitalise(status)); err != nil {
		return fmt.Errorf("expected %s to be %s: %w", drug, status, err)
	}
	return nil
}

// ExpectNoMedication implements target.Clinical.
func (Adapter) ExpectNoMedication(ui target.UI, drug string) error {
	if err := ui.Expect.Locator(heading(ui, "Medications", 2)).ToBeVisible(); err != nil {
		return fmt.Errorf("expected the medications section: %w", err)
	}
	if err := ui.Expect.Locator(medicationRow(ui, drug)).ToHaveCount(0); err != nil {
		return fmt.Errorf("expected no %s in the medications list: %w", drug, err)
	}
	return nil
}

// StopMedication implements target.Clinical. The EPR asks "Stop <drug>?"
// in its shared confirmation modal (an alertdialog with the reason) or,
// when the page's script has not taken over the button yet, on a
// confirmation page with the same field and buttons.
func (Adapter) StopMedication(ui target.UI, drug, reason string) error {
	if err := click(button(ui, "Stop "+drug), "Stop "+drug); err != nil {
		return err
	}
	question := "Stop " + drug + "?"
	dialog := ui.Page.GetByRole("alertdialog", playwright.PageGetByRoleOptions{Name: question, Exact: exactly})
	if err := shown(ui, dialog.Or(heading(ui, question, 1)).First(), fmt.Sprintf("to be asked %q", question)); err != nil {
		return err
	}
	if reason != "" {
		const label = "Reason for stopping (optional)"
		if err := ui.Page.GetByLabel(label, playwright.PageGetByLabelOptions{Exact: exactly}).Fill(reason); err != nil {
			return fmt.Errorf("fill %s: %w", label, err)
		}
	}
	yes := ui.Page.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Yes, stop this medication", Exact: exactly})
	if err := click(yes, "Yes, stop this medication"); err != nil {
		return err
	}
	return notice(ui, "Medication stopped")
}

// --- observations and NEWS2 ---

var consciousnessLabels = map[string]string{
	"a": "Alert", "alert": "Alert", "c": "New confusion", "confusion": "New confusion", "new confusion": "New confusion",
	"v": "Voice", "voice": "Voice", "p": "Pain", "pain": "Pain", "u": "Unresponsive", "unresponsive": "Unresponsive",
}

// RecordObservations implements target.Clinical.
func (Adapter) RecordObservations(ui target.UI, o target.Observations) error {
	if err := click(link(ui, "Record observations"), "Record observations"); err != nil {
		return err
	}
	if err := shown(ui, heading(ui, "Record observations", 1), "the observations form"); err != nil {
		return err
	}
	for _, f := range []struct{ label, value string }{
		{"Respiration rate", o.RespirationRate}, {"SpO2", o.SpO2}, {"Systolic blood pressure", o.Systolic},
		{"Pulse", o.Pulse}, {"Temperature", o.Temperature},
	} {
		if err := fill(ui, f.label, f.value); err != nil {
			return err
		}
	}
	scale := "Scale 1"
	if strings.TrimSpace(o.SpO2Scale) == "2" {
		scale = "Scale 2"
	}
	if err := check(ui, scale); err != nil {
		return err
	}
	air := "Air"
	if o.Oxygen {
		air = "Oxygen"
	}
	if err := check(ui, air); err != nil {
		return err
	}
	level, ok := consciousnessLabels[strings.ToLower(strings.TrimSpace(o.Consciousness))]
	if !ok {
		return fmt.Errorf("the reference EPR has no consciousness level %q (ACVPU)", o.Consciousness)
	}
	if err := selectLabel(ui, "Consciousness", level); err != nil {
		return err
	}
	if err := click(button(ui, "Save observations"), "Save observations"); err != nil {
		return err
	}
	return notice(ui, "Observations recorded")
}

func news2Value(ui target.UI, label string) playwright.Locator {
	region := ui.Page.GetByRole("region", playwright.PageGetByRoleOptions{Name: "Latest NEWS2", Exact: exactly})
	return region.GetByLabel(label, playwright.LocatorGetByLabelOptions{Exact: exactly})
}

// ExpectNEWS2Score implements target.Clinical.
func (Adapter) ExpectNEWS2Score(ui target.UI, score int) error {
	if err := ui.Expect.Locator(news2Value(ui, "NEWS2 score")).ToHaveText(exact(fmt.Sprint(score))); err != nil {
		return fmt.Errorf("expected a NEWS2 score of %d: %w", score, err)
	}
	return nil
}

// bands maps a band to the risk and the response the RCP chart gives it.
var bands = map[string][2]string{
	"low":        {"Low", "Ward-based response"},
	"low-medium": {"Low-medium", "Urgent ward-based response"},
	"medium":     {"Medium", "Key threshold for urgent response"},
	"high":       {"High", "Urgent or emergency response"},
}

// ExpectClinicalResponse implements target.Clinical.
func (Adapter) ExpectClinicalResponse(ui target.UI, band string) error {
	want, ok := bands[strings.ToLower(band)]
	if !ok {
		return fmt.Errorf("NEWS2 has no band %q (low, low-medium, medium, high)", band)
	}
	if err := ui.Expect.Locator(news2Value(ui, "Clinical risk")).ToHaveText(exact(want[0])); err != nil {
		return fmt.Errorf("expected the clinical risk %q: %w", want[0], err)
	}
	if err := ui.Expect.Locator(news2Value(ui, "Response")).ToHaveText(exact(want[1])); err != nil {
		return fmt.Errorf("expected the response %q: %w", want[1], err)
	}
	return nil
}

var actionLinks = map[target.ClinicalAction]string{
	target.ActionPrescribe:          "Prescribe a medication",
	target.ActionRecordObservations: "Record observations",
	target.ActionRecordAllergies:    "Record an allergy",
}

// ExpectCan implements target.Clinical.
func (Adapter) ExpectCan(ui target.UI, action target.ClinicalAction, can bool) error {
	name, ok := actionLinks[action]
	if !ok {
		return fmt.Errorf("the reference EPR has no clinical action %q", action)
	}
	banner := ui.Page.GetByRole("region", playwright.PageGetByRoleOptions{Name: "Patient banner"})
	if err := ui.Expect.Locator(banner).ToBeVisible(); err != nil {
		return fmt.Errorf("expected a patient record: %w", err)
	}
	var err error
	if can {
		err = ui.Expect.Locator(link(ui, name)).ToBeVisible()
	} else {
		err = ui.Expect.Locator(link(ui, name)).ToHaveCount(0)
	}
	if err != nil {
		return fmt.Errorf("expected the user %s %s: %w", map[bool]string{true: "to be able to", false: "not to be able to"}[can], action, err)
	}
	return nil
}
