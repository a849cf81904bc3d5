// Package target is the seam between clinical steps and a particular EPR's
// screens. Steps speak in clinical terms (sign in, find a patient, read the
// banner) through the interfaces here; an adapter package implements them
// with page objects for one EPR (harness/target/refepr for the reference
// EPR). Supporting another EPR means writing one adapter, without touching
// the step text.
//
// Adapters locate elements only by role, label and text, and wait only with
// Playwright's auto-waiting actions and assertions. An adapter value holds no
// per-scenario state and is safe for concurrent use; the per-scenario page is
// passed in as a UI.
package target

import (
	"github.com/mxschmitt/playwright-go"
)

// UI is one scenario's page and its assertions.
type UI struct {
	Page   playwright.Page
	Expect playwright.PlaywrightAssertions
	// Another opens a second browser window for another person in the same
	// scenario (a fresh context on the same EPR, not signed in), for
	// workflows with more than one user. The harness closes it when the
	// scenario ends; nil when the harness offers none.
	Another func() (UI, error)
	// Shown is the harness's hook for a page the adapter has waited for
	// and is about to act on (a form it will fill in and submit within
	// one step): the run-wide accessibility check (a11y: pages) checks
	// the page there when no scenario has checked it yet, so pages a step
	// only passes through are checked too. Adapters call PageShown, which
	// allows a nil Shown (the harness asks for nothing).
	Shown func() error
}

// PageShown tells the harness that the page the adapter waited for is
// shown and settled, before the adapter acts on it. Adapters return an
// error from it as it is. The runner's own hook never returns one: what it
// finds there (an accessibility violation, real data) fails the step when
// the step ends.
func (ui UI) PageShown() error {
	if ui.Shown == nil {
		return nil
	}
	return ui.Shown()
}

// Patient is how steps name a patient to an adapter; the adapter renders it
// the way its EPR shows it (e.g. "POND, Amy").
type Patient struct {
	Given     string
	Family    string
	NHSNumber string // ten digits, no spaces
}

// BannerField is a value shown in the patient banner.
type BannerField string

// Banner fields every EPR shows (NHS England's patient banner standard).
const (
	BannerName        BannerField = "name"
	BannerNHSNumber   BannerField = "NHS number"
	BannerDateOfBirth BannerField = "date of birth"
	BannerAge         BannerField = "age"
	BannerGender      BannerField = "gender"
)

// Sessions signs users in and out.
type Sessions interface {
	// SignIn opens the sign-in page and submits the credentials.
	SignIn(ui UI, username, password string) error
	// ExpectSignedIn checks the EPR shows the user signed in with this
	// display name and role title.
	ExpectSignedIn(ui UI, displayName, roleTitle string) error
	// ResumeSignIn opens the EPR's home page in a context whose saved
	// sign-in was restored, and reports whether the EPR still shows this
	// user signed in (false: it asked for a sign-in instead).
	ResumeSignIn(ui UI, displayName, roleTitle string) (bool, error)
	// ExpectSignInRefused checks the EPR refused the credentials.
	ExpectSignInRefused(ui UI) error
	SignOut(ui UI) error
	ExpectSignedOut(ui UI) error
}

// Search finds patients.
type Search interface {
	SearchByNHSNumber(ui UI, nhsNumber string) error
	SearchByName(ui UI, name string) error
	// ExpectResult checks the patient is among the results.
	ExpectResult(ui UI, p Patient) error
	// ExpectResultCount checks how many patients were found.
	ExpectResultCount(ui UI, n int) error
	ExpectNoPatientFound(ui UI) error
	ExpectInvalidNHSNumber(ui UI) error
	// OpenRecord opens the patient's record from the results.
	OpenRecord(ui UI, p Patient) error
}

// Record reads the patient record.
type Record interface {
	// ExpectBanner checks a banner field shows the value exactly.
	ExpectBanner(ui UI, field BannerField, value string) error
	// ExpectClinicalRecord checks the clinical record is shown (or not).
	ExpectClinicalRecord(ui UI, visible bool) error
}

// EPR is everything an adapter implements.
type EPR interface {
	// Name identifies the adapter, e.g. "refepr".
	Name() string
	Sessions
	Search
	Record
	Records
	PatientSearch
	Operations
	Scheduling
	Referrals
	Clinical
}
