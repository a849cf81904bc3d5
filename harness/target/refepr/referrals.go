package refepr

// Page objects for the reference EPR's referral worklist (main navigation
// "Referrals"): a table "Referrals" whose row header is the patient
// ("POND, Amy"), with the columns NHS number, Clinic, Priority, Reason,
// Received, Status and Action ("Book appointment for POND, Amy"). Booking
// from a referral lists the clinic's free slots and uses the booking's
// check page.

import (
	"fmt"

	"github.com/mxschmitt/playwright-go"

	"github.com/eprharness/eprharness/harness/target"
	"github.com/eprharness/eprharness/nhsnumber"
)

// openWorklist opens the worklist from the main navigation.
func openWorklist(ui target.UI) error {
	nav := ui.Page.GetByRole("navigation", playwright.PageGetByRoleOptions{Name: "Main"})
	if err := schedClick(nav.GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "Referrals", Exact: playwright.Bool(true)}), "open the referrals worklist"); err != nil {
		return err
	}
	if err := ui.Expect.Locator(schedHeading(ui, "Referrals", 1)).ToBeVisible(); err != nil {
		return fmt.Errorf("expected the referrals worklist: %w", err)
	}
	return settled(ui)
}

// referralRow is the worklist's row of the patient's referral to the
// clinic.
func referralRow(ui target.UI, p target.Patient, clinic string) playwright.Locator {
	table := ui.Page.GetByRole("table", playwright.PageGetByRoleOptions{Name: "Referrals", Exact: playwright.Bool(true)})
	return table.GetByRole("row").
		Filter(playwright.LocatorFilterOptions{Has: ui.Page.GetByRole("rowheader", playwright.PageGetByRoleOptions{Name: DisplayName(p), Exact: playwright.Bool(true)})}).
		Filter(playwright.LocatorFilterOptions{Has: ui.Page.GetByRole("cell", playwright.PageGetByRoleOptions{Name: nhsnumber.Number(p.NHSNumber).Formatted(), Exact: playwright.Bool(true)})}).
		Filter(playwright.LocatorFilterOptions{Has: ui.Page.GetByRole("cell", playwright.PageGetByRoleOptions{Name: clinic, Exact: playwright.Bool(true)})})
}

// ExpectReferral implements target.Referrals.
func (Adapter) ExpectReferral(ui target.UI, p target.Patient, clinic string, present bool) error {
	if err := openWorklist(ui); err != nil {
		return err
	}
	row := referralRow(ui, p, clinic)
	if present {
		if err := ui.Expect.Locator(row.First()).ToBeVisible(); err != nil {
			return fmt.Errorf("expected a referral of %s to %s on the worklist: %w", DisplayName(p), clinic, err)
		}
		return nil
	}
	if err := ui.Expect.Locator(row).ToHaveCount(0); err != nil {
		return fmt.Errorf("expected no referral of %s to %s on the worklist: %w", DisplayName(p), clinic, err)
	}
	return nil
}

// ExpectReferralStatus implements target.Referrals.
func (Adapter) ExpectReferralStatus(ui target.UI, p target.Patient, clinic, status string) error {
	if err := openWorklist(ui); err != nil {
		return err
	}
	row := referralRow(ui, p, clinic).Filter(playwright.LocatorFilterOptions{
		Has: ui.Page.GetByRole("cell", playwright.PageGetByRoleOptions{Name: status, Exact: playwright.Bool(true)}),
	})
	if err := ui.Expect.Locator(row.First()).ToBeVisible(); err != nil {
		return fmt.Errorf("expected the referral of %s to %s to show %q: %w", DisplayName(p), clinic, status, err)
	}
	return nil
}

// BookReferral implements target.Referrals.
func (Adapter) BookReferral(ui target.UI, p target.Patient, clinic string) (target.Appointment, error) {
	if err := openWorklist(ui); err != nil {
		return target.Appointment{}, err
	}
	book := referralRow(ui, p, clinic).GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "Book appointment for " + DisplayName(p), Exact: playwright.Bool(true)})
	if err := schedClick(book.First(), "book from the referral of "+DisplayName(p)+" to "+clinic); err != nil {
		return target.Appointment{}, err
	}
	if err := shown(ui, schedHeading(ui, "Book an appointment", 1), "the referral's booking"); err != nil {
		return target.Appointment{}, err
	}
	appt, err := schedChooseFirstFree(ui, clinic, "Check the appointment")
	if err != nil {
		return target.Appointment{}, err
	}
	if err := schedClick(schedButton(ui, "Book appointment"), "book the appointment"); err != nil {
		return target.Appointment{}, err
	}
	return appt, schedToast(ui, "Appointment booked")
}
