// Package medications holds the steps for prescribing and stopping
// medications, including the allergy hard stop and its override.
package medications

import (
	"context"
	"strings"

	"github.com/cucumber/godog"

	"github.com/eprharness/eprharness/harness/scenario"
	"github.com/eprharness/eprharness/harness/target"
	"github.com/eprharness/eprharness/steps"
)

// routes maps how analysts say a route to the route's clinical name.
var routes = map[string]string{
	"orally": "oral", "by mouth": "oral", "intravenously": "intravenous", "intramuscularly": "intramuscular",
	"subcutaneously": "subcutaneous", "by inhalation": "inhaled", "topically": "topical", "rectally": "rectal",
}

const (
	routePattern     = `(orally|by mouth|intravenously|intramuscularly|subcutaneously|by inhalation|topically|rectally)`
	frequencyPattern = `((?:once|twice|three times|four times) a day|every \d+ hours|at night|when required|once only)`
)

// Defs are the medication steps.
var Defs = []steps.Def{
	{
		Pattern: `^` + steps.Persona + ` prescribes? "([^"]*)" (\d+(?:\.\d+)? ?[A-Za-zµ]+) ` + routePattern + ` ` + frequencyPattern + `$`,
		Doc:     "Prescribes a drug for the open record with dose, route and frequency; the EPR either prescribes it or shows an allergy warning.",
		Examples: []string{
			`When I prescribe "Amoxicillin" 500 mg orally three times a day`,
			`When the doctor prescribes "Paracetamol" 1 g by mouth four times a day`,
		},
		Handler: prescribe,
		Uses:    []string{"prescribe"},
	},
	{
		Pattern:  `^` + steps.Persona + ` (?:am|is) warned that ([A-Za-z][A-Za-z -]*?) conflicts with the ([A-Za-z][A-Za-z -]*?) allergy$`,
		Doc:      "Checks the EPR showed a hard-stop warning that the drug conflicts with the allergy.",
		Examples: []string{"Then I am warned that amoxicillin conflicts with the penicillin allergy"},
		Handler:  warned,
		Uses:     []string{"expect-allergy-conflict"},
	},
	{
		Pattern:  `^` + steps.Persona + ` overrides? the allergy warning with the reason "([^"]+)"$`,
		Doc:      "Gives a reason and prescribes despite the allergy warning.",
		Examples: []string{`When I override the allergy warning with the reason "Tolerated amoxicillin in 2024"`},
		Handler:  override,
		Uses:     []string{"override-allergy-warning"},
	},
	{
		Pattern:  `^` + steps.Persona + ` tr(?:y|ies) to override the allergy warning without a reason$`,
		Doc:      "Tries to prescribe despite the allergy warning without giving a reason.",
		Examples: []string{"When I try to override the allergy warning without a reason"},
		Handler:  overrideWithoutReason,
		Uses:     []string{"override-allergy-warning"},
	},
	{
		Pattern:  `^` + steps.Persona + ` (?:am|is) told a reason is needed to override the allergy warning$`,
		Doc:      "Checks the EPR refused the override until a reason is given.",
		Examples: []string{"Then I am told a reason is needed to override the allergy warning"},
		Handler:  reasonNeeded,
		Uses:     []string{"expect-override-reason-required"},
	},
	{
		Pattern:  `^the medications list shows "([^"]*)" as (active|stopped)$`,
		Doc:      "Checks the open record lists the drug with this status.",
		Examples: []string{`Then the medications list shows "Amoxicillin" as active`, `Then the medications list shows "Paracetamol" as stopped`},
		Handler:  listed,
		Uses:     []string{"expect-medication"},
	},
	{
		Pattern:  `^"([^"]*)" is not prescribed$`,
		Doc:      "Checks the open record's medications list does not include the drug.",
		Examples: []string{`Then "Amoxicillin" is not prescribed`},
		Handler:  notListed,
		Uses:     []string{"expect-no-medication"},
	},
	{
		Pattern:  `^` + steps.Persona + ` stops? "([^"]*)"(?: because "([^"]*)")?$`,
		Doc:      "Stops an active medication in the open record, confirming when asked, optionally with a reason.",
		Examples: []string{`When I stop "Paracetamol"`, `When I stop "Amoxicillin" because "Course complete"`},
		Handler:  stop,
		Uses:     []string{"stop-medication"},
	},
	{
		Pattern:  `^` + steps.Persona + ` (can|cannot) (prescribe|record observations|record allergies)$`,
		Doc:      "Checks whether the open record offers the signed-in role this clinical action.",
		Examples: []string{"Then the nurse cannot prescribe", "Then I can record observations", "Then the doctor can record allergies"},
		Handler:  can,
		Uses:     []string{"expect-can"},
	},
}

// Register registers the medication steps.
func Register(sc *godog.ScenarioContext) { steps.Register(sc, Defs) }

func prescribe(ctx context.Context, drug, dose, route, frequency string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.Prescribe(s.UI, target.Prescription{Drug: drug, Dose: strings.Join(strings.Fields(dose), " "), Route: routes[route], Frequency: frequency})
}

func warned(ctx context.Context, drug, allergy string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.ExpectAllergyConflict(s.UI, drug, allergy)
}

func override(ctx context.Context, reason string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.OverrideAllergyWarning(s.UI, reason)
}

func overrideWithoutReason(ctx context.Context) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.OverrideAllergyWarning(s.UI, "")
}

func reasonNeeded(ctx context.Context) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.ExpectOverrideReasonRequired(s.UI)
}

func listed(ctx context.Context, drug, status string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.ExpectMedication(s.UI, drug, status)
}

func notListed(ctx context.Context, drug string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.ExpectNoMedication(s.UI, drug)
}

func stop(ctx context.Context, drug, reason string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.StopMedication(s.UI, drug, reason)
}

func can(ctx context.Context, can, action string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.ExpectCan(s.UI, target.ClinicalAction(action), can == "can")
}
