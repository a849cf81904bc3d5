package refepr

// Page objects for the reference EPR's appointments (booking, check page,
// reschedule, cancelling in the confirmation modal) and admissions (admit, transfer,
// discharge, bed board). Locators are by role, label and text; waits are
// Playwright's auto-waiting assertions.

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/mxschmitt/playwright-go"

	"github.com/eprharness/eprharness/harness/target"
	"github.com/eprharness/eprharness/nhsnumber"
)

// schedWhenLayout is how the reference EPR shows appointment times (UK local
// time): "Tue 2 Jun 2026 09:00".
const schedWhenLayout = "Mon 2 Jan 2006 15:04"

// schedSlotTaken is the reference EPR's refusal of a taken slot.
const schedSlotTaken = "This slot is no longer available"

func schedWhen(t time.Time) string { return t.Format(schedWhenLayout) }

func schedHeading(ui target.UI, name string, level int) playwright.Locator {
	return ui.Page.GetByRole("heading", playwright.PageGetByRoleOptions{Name: name, Level: playwright.Int(level), Exact: playwright.Bool(true)})
}

func schedButton(ui target.UI, name string) playwright.Locator {
	return ui.Page.GetByRole("main").GetByRole("button", playwright.LocatorGetByRoleOptions{Name: name, Exact: playwright.Bool(true)})
}

func schedLink(ui target.UI, name string) playwright.Locator {
	return ui.Page.GetByRole("main").GetByRole("link", playwright.LocatorGetByRoleOptions{Name: name, Exact: playwright.Bool(true)})
}

func schedClick(l playwright.Locator, what string) error {
	if err := l.Click(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// expectToast checks the notification after a change.
func schedToast(ui target.UI, text string) error {
	toast := ui.Page.GetByRole("region", playwright.PageGetByRoleOptions{Name: "Notifications"}).GetByRole("status")
	if err := ui.Expect.Locator(toast).ToContainText(text); err != nil {
		return fmt.Errorf("expected the notification %q: %w", text, err)
	}
	return nil
}

// openPatientRecord finds the patient by NHS number and opens their record.
func (a Adapter) schedOpenRecord(ui target.UI, p target.Patient) error {
	if err := a.SearchByNHSNumber(ui, p.NHSNumber); err != nil {
		return err
	}
	return a.OpenRecord(ui, p)
}

// --- appointments ---

// chooseFirstFree picks the first row of the free slots table and waits for
// the check page.
func schedChooseFirstFree(ui target.UI, clinic, check string) (target.Appointment, error) {
	table := ui.Page.GetByRole("table", playwright.PageGetByRoleOptions{Name: "Free slots"})
	first := table.GetByRole("row").Filter(playwright.LocatorFilterOptions{Has: ui.Page.GetByRole("link")}).First()
	if err := shown(ui, table, "the free "+clinic+" slots"); err != nil {
		return target.Appointment{}, err
	}
	if err := schedClick(first.GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "Select"}), "choose the first free "+clinic+" slot"); err != nil {
		return target.Appointment{}, err
	}
	if err := ui.Expect.Locator(schedHeading(ui, check, 1)).ToBeVisible(); err != nil {
		return target.Appointment{}, fmt.Errorf("expected %q: %w", check, err)
	}
	return schedReadSlot(ui)
}

// readSlot reads the slot of the check page.
func schedReadSlot(ui target.UI) (target.Appointment, error) {
	exact := playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}
	clinic, err := ui.Page.GetByLabel("Clinic", exact).TextContent()
	if err != nil {
		return target.Appointment{}, fmt.Errorf("read the clinic: %w", err)
	}
	whenText, err := ui.Page.GetByLabel("Date and time", exact).TextContent()
	if err != nil {
		return target.Appointment{}, fmt.Errorf("read the date and time: %w", err)
	}
	when, err := time.Parse(schedWhenLayout, whenText)
	if err != nil {
		return target.Appointment{}, fmt.Errorf("read the date and time %q: %w", whenText, err)
	}
	u, err := url.Parse(ui.Page.URL())
	if err != nil {
		return target.Appointment{}, fmt.Errorf("read the slot: %w", err)
	}
	return target.Appointment{Clinic: clinic, When: when, Ref: u.Query().Get("slot")}, nil
}

// ChooseFirstFreeSlot implements target.Appointments.
func (a Adapter) ChooseFirstFreeSlot(ui target.UI, p target.Patient, clinic string) (target.Appointment, error) {
	if err := a.schedOpenRecord(ui, p); err != nil {
		return target.Appointment{}, err
	}
	if err := schedClick(schedLink(ui, "Book an appointment"), "start a booking"); err != nil {
		return target.Appointment{}, err
	}
	clinicField := ui.Page.GetByLabel("Clinic", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)})
	if err := shown(ui, clinicField, "the booking form"); err != nil {
		return target.Appointment{}, err
	}
	if _, err := clinicField.
		SelectOption(playwright.SelectOptionValues{Labels: &[]string{clinic}}); err != nil {
		return target.Appointment{}, fmt.Errorf("choose the clinic %q: %w", clinic, err)
	}
	if err := schedClick(schedButton(ui, "Show free slots"), "show free slots"); err != nil {
		return target.Appointment{}, err
	}
	return schedChooseFirstFree(ui, clinic, "Check the appointment")
}

// ConfirmBooking implements target.Appointments.
func (Adapter) ConfirmBooking(ui target.UI) error {
	return schedClick(schedButton(ui, "Book appointment"), "book the appointment")
}

// ExpectBooked implements target.Appointments.
func (Adapter) ExpectBooked(ui target.UI) error { return schedToast(ui, "Appointment booked") }

// ExpectBookingRefused implements target.Appointments.
func (Adapter) ExpectBookingRefused(ui target.UI) error {
	if err := ui.Expect.Locator(ui.Page.GetByRole("alert")).ToContainText(schedSlotTaken); err != nil {
		return fmt.Errorf("expected the booking to be refused with %q: %w", schedSlotTaken, err)
	}
	return nil
}

// BookAs implements target.Appointments. The other user reaches the slot
// the way a stale screen would: the booking page of the patient with the
// slot chosen (the EPR's address for a chosen slot).
func (a Adapter) BookAs(ui target.UI, user target.Credentials, p target.Patient, appt target.Appointment) (bool, error) {
	if appt.Ref == "" {
		return false, errors.New("book as another user: no slot chosen yet")
	}
	if ui.Another == nil {
		return false, errors.New("book as another user: the harness offers no second browser window")
	}
	other, err := ui.Another()
	if err != nil {
		return false, fmt.Errorf("book as another user: %w", err)
	}
	page := other.Page
	if err := a.SignIn(other, user.Username, user.Password); err != nil {
		return false, err
	}
	if err := a.schedOpenRecord(other, p); err != nil {
		return false, err
	}
	if err := schedClick(schedLink(other, "Book an appointment"), "start a booking"); err != nil {
		return false, err
	}
	if err := other.Expect.Locator(schedHeading(other, "Book an appointment", 1)).ToBeVisible(); err != nil {
		return false, err
	}
	booking, err := url.Parse(page.URL())
	if err != nil {
		return false, fmt.Errorf("book as another user: %w", err)
	}
	if _, err := page.Goto(booking.Path + "?slot=" + url.QueryEscape(appt.Ref)); err != nil {
		return false, fmt.Errorf("open the slot: %w", err)
	}
	book, alert := schedButton(other, "Book appointment"), page.GetByRole("alert")
	if err := other.Expect.Locator(book.Or(alert).First()).ToBeVisible(); err != nil {
		return false, fmt.Errorf("expected the slot's check page: %w", err)
	}
	if n, _ := alert.Count(); n == 0 {
		if err := schedClick(book, "book the slot"); err != nil {
			return false, err
		}
		toast := page.GetByRole("region", playwright.PageGetByRoleOptions{Name: "Notifications"}).GetByRole("status")
		if err := other.Expect.Locator(toast.Or(alert).First()).ToBeVisible(); err != nil {
			return false, fmt.Errorf("expected the booking's outcome: %w", err)
		}
	}
	n, err := alert.Filter(playwright.LocatorFilterOptions{HasText: schedSlotTaken}).Count()
	if err != nil {
		return false, fmt.Errorf("read the booking's outcome: %w", err)
	}
	return n > 0, nil
}

func schedAppointmentRow(ui target.UI, clinic string, when time.Time) playwright.Locator {
	table := ui.Page.GetByRole("table", playwright.PageGetByRoleOptions{Name: "Upcoming appointments"})
	return table.GetByRole("row").
		Filter(playwright.LocatorFilterOptions{Has: ui.Page.GetByRole("rowheader", playwright.PageGetByRoleOptions{Name: schedWhen(when), Exact: playwright.Bool(true)})}).
		Filter(playwright.LocatorFilterOptions{Has: ui.Page.GetByRole("cell", playwright.PageGetByRoleOptions{Name: clinic, Exact: playwright.Bool(true)})})
}

// ExpectAppointment implements target.Appointments.
func (a Adapter) ExpectAppointment(ui target.UI, p target.Patient, clinic string, when time.Time, present bool) error {
	if err := a.schedOpenRecord(ui, p); err != nil {
		return err
	}
	if err := ui.Expect.Locator(schedHeading(ui, "Appointments", 2)).ToBeVisible(); err != nil {
		return fmt.Errorf("expected the record's appointments: %w", err)
	}
	row := schedAppointmentRow(ui, clinic, when)
	want := 0
	if present {
		want = 1
	}
	if err := ui.Expect.Locator(row).ToHaveCount(want); err != nil {
		return fmt.Errorf("expected %d %s appointment(s) on %s for %s: %w", want, clinic, schedWhen(when), DisplayName(p), err)
	}
	return nil
}

// Reschedule implements target.Appointments.
func (a Adapter) Reschedule(ui target.UI, p target.Patient, appt target.Appointment) (target.Appointment, error) {
	if err := a.schedOpenRecord(ui, p); err != nil {
		return target.Appointment{}, err
	}
	name := fmt.Sprintf("Reschedule %s appointment on %s", appt.Clinic, schedWhen(appt.When))
	if err := schedClick(schedAppointmentRow(ui, appt.Clinic, appt.When).GetByRole("link", playwright.LocatorGetByRoleOptions{Name: name}), "reschedule"); err != nil {
		return target.Appointment{}, err
	}
	moved, err := schedChooseFirstFree(ui, appt.Clinic, "Check the new time")
	if err != nil {
		return target.Appointment{}, err
	}
	if err := schedClick(schedButton(ui, "Move appointment"), "move the appointment"); err != nil {
		return target.Appointment{}, err
	}
	return moved, schedToast(ui, "Appointment moved to "+schedWhen(moved.When))
}

// schedCancelPrompt is the question "Cancel this appointment?": the EPR's
// shared confirmation modal (an alertdialog) or, when the page's script
// has not taken over the button yet, the confirmation page. Both offer
// "Yes, cancel appointment" and "No, keep appointment".
const schedCancelPrompt = "Cancel this appointment?"

// schedStartCancel opens the patient's record, presses the appointment's
// Cancel button and waits for the prompt.
func (a Adapter) schedStartCancel(ui target.UI, p target.Patient, appt target.Appointment) error {
	if err := a.schedOpenRecord(ui, p); err != nil {
		return err
	}
	name := fmt.Sprintf("Cancel %s appointment on %s", appt.Clinic, schedWhen(appt.When))
	row := schedAppointmentRow(ui, appt.Clinic, appt.When)
	if err := schedClick(row.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: name, Exact: playwright.Bool(true)}), "cancel"); err != nil {
		return err
	}
	dialog := ui.Page.GetByRole("alertdialog", playwright.PageGetByRoleOptions{Name: schedCancelPrompt, Exact: playwright.Bool(true)})
	return shown(ui, dialog.Or(schedHeading(ui, schedCancelPrompt, 1)).First(), fmt.Sprintf("the cancellation prompt %q", schedCancelPrompt))
}

// Cancel implements target.Appointments.
func (a Adapter) Cancel(ui target.UI, p target.Patient, appt target.Appointment) error {
	if err := a.schedStartCancel(ui, p, appt); err != nil {
		return err
	}
	yes := ui.Page.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Yes, cancel appointment", Exact: playwright.Bool(true)})
	if err := schedClick(yes, "confirm the cancellation"); err != nil {
		return err
	}
	return schedToast(ui, "Appointment cancelled")
}

// KeepAppointment implements target.Appointments.
func (a Adapter) KeepAppointment(ui target.UI, p target.Patient, appt target.Appointment) error {
	if err := a.schedStartCancel(ui, p, appt); err != nil {
		return err
	}
	keep := playwright.PageGetByRoleOptions{Name: "No, keep appointment", Exact: playwright.Bool(true)}
	if err := schedClick(ui.Page.GetByRole("button", keep).Or(ui.Page.GetByRole("link", keep)), "keep the appointment"); err != nil {
		return err
	}
	dialog := ui.Page.GetByRole("alertdialog", playwright.PageGetByRoleOptions{Name: schedCancelPrompt, Exact: playwright.Bool(true)})
	if err := ui.Expect.Locator(dialog.Or(schedHeading(ui, schedCancelPrompt, 1))).ToHaveCount(0); err != nil {
		return fmt.Errorf("expected the cancellation prompt to close: %w", err)
	}
	if err := ui.Expect.Locator(schedAppointmentRow(ui, appt.Clinic, appt.When)).ToHaveCount(1); err != nil {
		return fmt.Errorf("expected the record to list the %s appointment on %s still: %w", appt.Clinic, schedWhen(appt.When), err)
	}
	return nil
}

// --- admissions ---

func schedBedOption(ward, bed string) string { return ward + ", bed " + bed }

func (a Adapter) schedChooseBed(ui target.UI, p target.Patient, start, submit, ward, bed string) error {
	if err := a.schedOpenRecord(ui, p); err != nil {
		return err
	}
	if err := schedClick(schedLink(ui, start), start); err != nil {
		return err
	}
	bedField := ui.Page.GetByLabel("Bed", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)})
	if err := shown(ui, bedField, "the form to choose a bed"); err != nil {
		return err
	}
	if _, err := bedField.
		SelectOption(playwright.SelectOptionValues{Labels: &[]string{schedBedOption(ward, bed)}}); err != nil {
		return fmt.Errorf("choose %s: %w", schedBedOption(ward, bed), err)
	}
	return schedClick(schedButton(ui, submit), submit)
}

// Admit implements target.Admissions.
func (a Adapter) Admit(ui target.UI, p target.Patient, ward, bed string) error {
	if err := a.schedChooseBed(ui, p, "Admit patient", "Admit patient", ward, bed); err != nil {
		return err
	}
	return schedToast(ui, fmt.Sprintf("%s admitted to %s", DisplayName(p), schedBedOption(ward, bed)))
}

// Transfer implements target.Admissions.
func (a Adapter) Transfer(ui target.UI, p target.Patient, ward, bed string) error {
	if err := a.schedChooseBed(ui, p, "Transfer", "Transfer patient", ward, bed); err != nil {
		return err
	}
	return schedToast(ui, fmt.Sprintf("%s transferred to %s", DisplayName(p), schedBedOption(ward, bed)))
}

// Discharge implements target.Admissions.
func (a Adapter) Discharge(ui target.UI, p target.Patient) error {
	if err := a.schedOpenRecord(ui, p); err != nil {
		return err
	}
	if err := schedClick(schedLink(ui, "Discharge"), "discharge"); err != nil {
		return err
	}
	if err := shown(ui, schedButton(ui, "Yes, discharge patient"), "to be asked to confirm the discharge"); err != nil {
		return err
	}
	if err := schedClick(schedButton(ui, "Yes, discharge patient"), "confirm the discharge"); err != nil {
		return err
	}
	return schedToast(ui, DisplayName(p)+" discharged")
}

// ExpectBed implements target.Admissions.
func (Adapter) ExpectBed(ui target.UI, ward, bed string, p *target.Patient) error {
	nav := ui.Page.GetByRole("navigation", playwright.PageGetByRoleOptions{Name: "Main"})
	if err := schedClick(nav.GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "Bed board", Exact: playwright.Bool(true)}), "open the bed board"); err != nil {
		return err
	}
	if err := ui.Expect.Locator(schedHeading(ui, "Bed board", 1)).ToBeVisible(); err != nil {
		return fmt.Errorf("expected the bed board: %w", err)
	}
	table := ui.Page.GetByRole("table", playwright.PageGetByRoleOptions{Name: ward + " beds", Exact: playwright.Bool(true)})
	row := table.GetByRole("row").Filter(playwright.LocatorFilterOptions{
		Has: ui.Page.GetByRole("rowheader", playwright.PageGetByRoleOptions{Name: bed, Exact: playwright.Bool(true)}),
	})
	if err := ui.Expect.Locator(row).ToHaveCount(1); err != nil {
		return fmt.Errorf("expected bed %s on %s: %w", bed, ward, err)
	}
	cells := row.GetByRole("cell")
	want := []string{"Free", "", "", ""}
	if p != nil {
		want = []string{"Occupied", DisplayName(*p), nhsnumber.Number(p.NHSNumber).Formatted()}
		cells = cells.Filter(playwright.LocatorFilterOptions{HasNotText: "20"}) // leave out the admission time
	}
	if err := ui.Expect.Locator(cells).ToHaveText(want); err != nil {
		return fmt.Errorf("expected bed %s on %s to show %q: %w", bed, ward, want, err)
	}
	return nil
}

// ExpectBedNotOffered implements target.Admissions.
func (a Adapter) ExpectBedNotOffered(ui target.UI, p target.Patient, ward, bed string) error {
	if err := a.schedOpenRecord(ui, p); err != nil {
		return err
	}
	if err := schedClick(schedLink(ui, "Admit patient"), "admit"); err != nil {
		return err
	}
	beds := ui.Page.GetByLabel("Bed", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)})
	if err := ui.Expect.Locator(beds).ToBeVisible(); err != nil {
		return fmt.Errorf("expected the bed choice: %w", err)
	}
	opt := beds.GetByRole("option", playwright.LocatorGetByRoleOptions{Name: schedBedOption(ward, bed), Exact: playwright.Bool(true)})
	if err := ui.Expect.Locator(opt).ToHaveCount(0); err != nil {
		return fmt.Errorf("expected %s not to be offered: %w", schedBedOption(ward, bed), err)
	}
	return nil
}

// ExpectCannotAdmit implements target.Admissions.
func (a Adapter) ExpectCannotAdmit(ui target.UI, p target.Patient) error {
	if err := a.schedOpenRecord(ui, p); err != nil {
		return err
	}
	if err := ui.Expect.Locator(schedHeading(ui, "Admission", 2)).ToBeVisible(); err != nil {
		return fmt.Errorf("expected the record's admission: %w", err)
	}
	if err := ui.Expect.Locator(schedLink(ui, "Admit patient")).ToHaveCount(0); err != nil {
		return fmt.Errorf("expected no way to admit %s again: %w", DisplayName(p), err)
	}
	return nil
}
