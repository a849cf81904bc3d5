// Package library registers every step package, the clinical domains and
// the generic web steps: it is the one place that lists them, for the
// runner and for the step catalogue.
package library

import (
	"github.com/cucumber/godog"

	"github.com/eprharness/eprharness/steps"
	"github.com/eprharness/eprharness/steps/access"
	"github.com/eprharness/eprharness/steps/accessibility"
	"github.com/eprharness/eprharness/steps/admissions"
	"github.com/eprharness/eprharness/steps/allergies"
	"github.com/eprharness/eprharness/steps/appointments"
	"github.com/eprharness/eprharness/steps/audit"
	"github.com/eprharness/eprharness/steps/banner"
	"github.com/eprharness/eprharness/steps/medications"
	"github.com/eprharness/eprharness/steps/messaging"
	"github.com/eprharness/eprharness/steps/notes"
	"github.com/eprharness/eprharness/steps/observations"
	"github.com/eprharness/eprharness/steps/operations"
	"github.com/eprharness/eprharness/steps/patients"
	"github.com/eprharness/eprharness/steps/referrals"
	"github.com/eprharness/eprharness/steps/registration"
	"github.com/eprharness/eprharness/steps/session"
	"github.com/eprharness/eprharness/steps/web"
)

// Domain is one clinical domain's steps.
type Domain struct {
	Name string
	Defs []steps.Def
}

// Domains lists every step domain, in catalogue order.
func Domains() []Domain {
	return []Domain{
		{Name: "session", Defs: session.Defs},
		{Name: "patients", Defs: patients.Defs},
		{Name: "banner", Defs: banner.Defs},
		{Name: "registration", Defs: registration.Defs}, {Name: "access", Defs: access.Defs}, {Name: "notes", Defs: notes.Defs}, {Name: "audit", Defs: audit.Defs},
		{Name: "operations", Defs: operations.Defs},
		{Name: "allergies", Defs: allergies.Defs},
		{Name: "medications", Defs: medications.Defs},
		{Name: "observations", Defs: observations.Defs},
		{Name: "appointments", Defs: appointments.Defs},
		{Name: "admissions", Defs: admissions.Defs},
		{Name: "referrals", Defs: referrals.Defs},
		{Name: "accessibility", Defs: accessibility.Defs},
		{Name: "messaging", Defs: messaging.Defs},
		// Generic steps last: clinical steps come first in the catalogue.
		{Name: "web", Defs: web.Defs},
	}
}

// Register registers every step with the scenario context.
func Register(sc *godog.ScenarioContext) {
	for _, d := range Domains() {
		steps.Register(sc, d.Defs)
	}
}

// ExamplePatients are the patient names the steps' examples are written
// with: the reference fixtures' patients (fixtures/patients). The step
// catalogue names a quoted value {patient} when every example of the step
// gives one of them, so whether a step takes a patient (and is checked
// against a suite's own fixtures) never depends on which patients those
// fixtures hold. library_test keeps the list equal to fixtures/.
var ExamplePatients = []string{
	"Amy Pond", "Angie Maitland", "Brian Pond", "Clara Oswald", "Donna Noble",
	"Harriet Jones", "Martha Jones", "River Song", "Rory Williams", "Wilfred Mott",
}

// ExampleRoles are the roles the steps' examples are written with: the
// reference fixtures' users (fixtures/users.yaml), for {role} as
// ExamplePatients is for {patient}.
var ExampleRoles = []string{"doctor", "clinician", "receptionist", "nurse", "admin", "gp"}
