// Package admissions holds the steps for inpatient admissions (ADT):
// admitting a patient to a ward bed, transferring and discharging them, and
// reading the ward bed board.
package admissions

import (
	"context"
	"strings"

	"github.com/cucumber/godog"

	"github.com/eprharness/eprharness/harness/fixtures"
	"github.com/eprharness/eprharness/harness/scenario"
	"github.com/eprharness/eprharness/harness/target"
	"github.com/eprharness/eprharness/steps"
)

// Defs are the admission steps.
var Defs = []steps.Def{
	{
		Pattern:  `^` + steps.Persona + ` admits? "([^"]*)" to ward "([^"]*)" bed "([^"]*)"$`,
		Doc:      "Admits the patient to the ward's bed from their record and checks the EPR confirms it.",
		Examples: []string{`When I admit "Amy Pond" to ward "Ward 7" bed "3"`, `When the nurse admits "Rory Williams" to ward "Ward 12" bed "1"`},
		Handler:  admit,
		Uses:     []string{"admit"},
	},
	{
		Pattern:  `^` + steps.Persona + ` transfers? "([^"]*)" to ward "([^"]*)" bed "([^"]*)"$`,
		Doc:      "Transfers the admitted patient to the ward's bed.",
		Examples: []string{`When I transfer "Amy Pond" to ward "Ward 12" bed "1"`},
		Handler:  transfer,
		Uses:     []string{"transfer"},
	},
	{
		Pattern:  `^` + steps.Persona + ` discharges? "([^"]*)"$`,
		Doc:      "Discharges the admitted patient, confirming the prompt.",
		Examples: []string{`When I discharge "Amy Pond"`},
		Handler:  discharge,
		Uses:     []string{"discharge"},
	},
	{
		Pattern:  `^the bed board shows bed "([^"]*)" on "([^"]*)" occupied by "([^"]*)"$`,
		Doc:      "Checks the ward bed board shows the bed occupied by the patient (named \"Amy Pond\" or as the EPR shows them, \"POND, Amy\"), with their NHS number.",
		Examples: []string{`Then the bed board shows bed "3" on "Ward 7" occupied by "POND, Amy"`, `Then the bed board shows bed "1" on "Ward 12" occupied by "Rory Williams"`},
		Handler:  bedOccupied,
		Uses:     []string{"expect-bed"},
	},
	{
		Pattern:  `^the bed board shows bed "([^"]*)" on "([^"]*)" (?:as )?free$`,
		Doc:      "Checks the ward bed board shows the bed free.",
		Examples: []string{`Then the bed board shows bed "3" on "Ward 7" as free`},
		Handler:  bedFree,
		Uses:     []string{"expect-bed"},
	},
	{
		Pattern:  `^bed "([^"]*)" on "([^"]*)" cannot be chosen for "([^"]*)"$`,
		Doc:      "Checks the bed is not offered when admitting the patient (it is occupied).",
		Examples: []string{`Then bed "3" on "Ward 7" cannot be chosen for "Rory Williams"`},
		Handler:  bedNotOffered,
		Uses:     []string{"expect-bed-not-offered"},
	},
	{
		Pattern:  `^"([^"]*)" cannot be admitted again$`,
		Doc:      "Checks the patient's record offers no second admission.",
		Examples: []string{`Then "Amy Pond" cannot be admitted again`},
		Handler:  cannotAdmitAgain,
		Uses:     []string{"expect-cannot-admit"},
	},
}

// Register registers the admission steps.
func Register(sc *godog.ScenarioContext) { steps.Register(sc, Defs) }

// patient finds a patient named "Amy Pond", or as an EPR lists them,
// "POND, Amy".
func patient(s *scenario.State, name string) (fixtures.Patient, error) {
	if family, given, ok := strings.Cut(name, ","); ok {
		if p, err := s.Patient(strings.TrimSpace(given) + " " + strings.TrimSpace(family)); err == nil {
			return p, nil
		}
	}
	return s.Patient(name)
}

func withPatient(ctx context.Context, name string, do func(s *scenario.State, p target.Patient) error) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	p, err := patient(s, name)
	if err != nil {
		return err
	}
	s.Remember(p)
	return do(s, scenario.TargetPatient(p))
}

func admit(ctx context.Context, name, ward, bed string) error {
	return withPatient(ctx, name, func(s *scenario.State, p target.Patient) error { return s.EPR.Admit(s.UI, p, ward, bed) })
}

func transfer(ctx context.Context, name, ward, bed string) error {
	return withPatient(ctx, name, func(s *scenario.State, p target.Patient) error { return s.EPR.Transfer(s.UI, p, ward, bed) })
}

func discharge(ctx context.Context, name string) error {
	return withPatient(ctx, name, func(s *scenario.State, p target.Patient) error { return s.EPR.Discharge(s.UI, p) })
}

func bedOccupied(ctx context.Context, bed, ward, name string) error {
	return withPatient(ctx, name, func(s *scenario.State, p target.Patient) error { return s.EPR.ExpectBed(s.UI, ward, bed, &p) })
}

func bedFree(ctx context.Context, bed, ward string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.ExpectBed(s.UI, ward, bed, nil)
}

func bedNotOffered(ctx context.Context, bed, ward, name string) error {
	return withPatient(ctx, name, func(s *scenario.State, p target.Patient) error { return s.EPR.ExpectBedNotOffered(s.UI, p, ward, bed) })
}

func cannotAdmitAgain(ctx context.Context, name string) error {
	return withPatient(ctx, name, func(s *scenario.State, p target.Patient) error { return s.EPR.ExpectCannotAdmit(s.UI, p) })
}
