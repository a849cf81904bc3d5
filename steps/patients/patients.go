// Package patients holds the steps for fixture patients and patient search:
// registering a named patient, searching by NHS number or name, reading the
// results and opening a record.
package patients

import (
	"context"
	"fmt"
	"strconv"

	"github.com/cucumber/godog"

	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/scenario"
	"github.com/eprharness/eprharness/steps"
)

// Defs are the patient steps.
var Defs = []steps.Def{
	{
		Pattern:  `^(?:the|a) (?:fixture )?patient "([^"]*)" (?:exists|is registered)$`,
		Doc:      "Loads the named fixture patient into the EPR through its FHIR API.",
		Examples: []string{`Given the patient "Amy Pond" is registered`, `Given a fixture patient "Rory Williams" exists`},
		Handler:  registered,
	},
	{
		Pattern:  `^` + steps.Persona + ` search(?:es)? for (?:the )?(?:patient|patients) with NHS number "([^"]*)"$`,
		Doc:      "Searches for a patient by NHS number, written with or without spaces.",
		Examples: []string{`When I search for the patient with NHS number "999 000 0018"`, `When the receptionist searches for the patient with NHS number "9990000018"`},
		Handler:  searchByNHSNumber,
		Uses:     []string{"search-by-nhs-number"},
	},
	{
		Pattern:  `^` + steps.Persona + ` search(?:es)? for (?:the )?(?:patient|patients) named "([^"]*)"$`,
		Doc:      "Searches for patients by family name, given name or both.",
		Examples: []string{`When I search for patients named "Pond"`, `When I search for the patient named "Amy Pond"`},
		Handler:  searchByName,
		Uses:     []string{"search-by-name"},
	},
	{
		Pattern:  `^` + steps.Persona + ` search(?:es)? for "([^"]*)"$`,
		Doc:      "Searches for a named fixture patient by their NHS number.",
		Examples: []string{`When I search for "Amy Pond"`},
		Handler:  searchForPatient,
		Uses:     []string{"search-by-nhs-number"},
	},
	{
		Pattern:  `^the search results include "([^"]*)"$`,
		Doc:      "Checks the named patient is in the search results.",
		Examples: []string{`Then the search results include "Amy Pond"`},
		Handler:  resultsInclude,
		Uses:     []string{"expect-result"},
	},
	{
		Pattern:  `^(\d+) patients? (?:is|are) found$`,
		Doc:      "Checks how many patients the search found.",
		Examples: []string{"Then 2 patients are found", "Then 1 patient is found"},
		Handler:  countFound,
		Uses:     []string{"expect-result-count"},
	},
	{
		Pattern:  `^no patient is found$`,
		Doc:      "Checks the search found no patient.",
		Examples: []string{"Then no patient is found"},
		Handler:  noneFound,
		Uses:     []string{"expect-no-patient-found"},
	},
	{
		Pattern:  `^(?:I am|the user is|the [a-z]+ is) told the NHS number is not valid$`,
		Doc:      "Checks the EPR refused the NHS number typed into the search.",
		Examples: []string{"Then I am told the NHS number is not valid"},
		Handler:  invalidNHSNumber,
		Uses:     []string{"expect-invalid-nhs-number"},
	},
	{
		Pattern:  `^(\d+) patients with the family name "([^"]*)" are registered$`,
		Doc:      "Registers that many synthetic patients sharing a family name through the EPR's FHIR API (one transaction).",
		Examples: []string{`Given 25 patients with the family name "Smith" are registered`},
		Handler:  registerMany,
	},
	{
		Pattern:  `^` + steps.Persona + ` search(?:es)? for (?:the )?(?:patient|patients) named "([^"]*)" born on "([^"]*)"$`,
		Doc:      "Searches by name (or part of one) and date of birth, written as the user types it (15/03/1987) or relative to the clinical day (\"today-30\", \"2 years ago\").",
		Examples: []string{`When I search for patients named "Pond" born on "15/03/1987"`},
		Handler:  searchByNameAndBirthDate,
		Uses:     []string{"search-by-name-and-birth-date"},
	},
	{
		Pattern:  `^` + steps.Persona + ` search(?:es)? for (?:the )?(?:patient|patients) born on "([^"]*)"$`,
		Doc:      "Searches by date of birth alone, written as in the step above.",
		Examples: []string{`When I search for patients born on "15/03/1987"`},
		Handler:  searchByBirthDate,
		Uses:     []string{"search-by-name-and-birth-date"},
	},
	{
		Pattern:  `^a search for the patient with NHS number "([^"]*)" answers within (\d+) seconds?$`,
		Doc:      "Searches by NHS number and fails unless the EPR answers within the time given.",
		Examples: []string{`Then a search for the patient with NHS number "999 000 0018" answers within 3 seconds`},
		Handler:  searchWithin,
		Uses:     []string{"search-by-nhs-number-within"},
	},
	{
		Pattern:  `^(\d+) patients? (?:is|are) listed on the page$`,
		Doc:      "Checks how many patients the current page of search results lists.",
		Examples: []string{"Then 10 patients are listed on the page", "Then 1 patient is listed on the page"},
		Handler:  listedOnPage,
		Uses:     []string{"expect-results-on-page"},
	},
	{
		Pattern:  `^the results show (\d+) to (\d+) of (\d+)$`,
		Doc:      "Checks which results the page shows (\"Showing 11–20 of 25\").",
		Examples: []string{"Then the results show 11 to 20 of 25"},
		Handler:  resultsRange,
		Uses:     []string{"expect-results-range"},
	},
	{
		Pattern:  `^` + steps.Persona + ` goe?s? to the (next|previous) page of results$`,
		Doc:      "Moves to the next or previous page of search results.",
		Examples: []string{"When I go to the next page of results", "When the receptionist goes to the previous page of results"},
		Handler:  resultsPage,
		Uses:     []string{"results-page"},
	},
	{
		Pattern:  `^(?:I am|the user is|the [a-z]+ is) asked to refine the search$`,
		Doc:      "Checks the search matched too many patients to list and the user is asked to refine it.",
		Examples: []string{"Then I am asked to refine the search"},
		Handler:  tooMany,
		Uses:     []string{"expect-too-many-results"},
	},
	{
		Pattern:  `^` + steps.Persona + ` opens? the (?:patient )?record (?:of|for) "([^"]*)"$`,
		Doc:      "Opens the named patient's record from the search results.",
		Examples: []string{`When I open the record of "Amy Pond"`},
		Handler:  openRecord,
		Uses:     []string{"open-record"},
	},
	{
		Pattern:  `^` + steps.Persona + ` opens? (?:the|their|his|her) (?:patient )?record$`,
		Doc:      "Opens the record of the patient the scenario last dealt with.",
		Examples: []string{"When I open the patient record"},
		Handler:  openCurrentRecord,
		Uses:     []string{"open-record"},
	},
}

// Register registers the patient steps.
func Register(sc *godog.ScenarioContext) { steps.Register(sc, Defs) }

func registered(ctx context.Context, name string) (context.Context, error) {
	s, err := scenario.From(ctx)
	if err != nil {
		return ctx, err
	}
	if _, err := s.LoadPatient(ctx, name); err != nil {
		return ctx, err
	}
	return ctx, nil
}

func searchByNHSNumber(ctx context.Context, nhs string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.SearchByNHSNumber(s.UI, nhs)
}

func searchByName(ctx context.Context, name string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.SearchByName(s.UI, name)
}

func searchForPatient(ctx context.Context, name string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	p, err := s.Patient(name)
	if err != nil {
		return err
	}
	s.Remember(p)
	return s.EPR.SearchByNHSNumber(s.UI, p.NHSNumber)
}

func resultsInclude(ctx context.Context, name string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	p, err := s.Patient(name)
	if err != nil {
		return err
	}
	return s.EPR.ExpectResult(s.UI, scenario.TargetPatient(p))
}

func countFound(ctx context.Context, n string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	count, err := strconv.Atoi(n)
	if err != nil {
		return failure.Harness(fmt.Errorf("count %q: %w", n, err))
	}
	return s.EPR.ExpectResultCount(s.UI, count)
}

func noneFound(ctx context.Context) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.ExpectNoPatientFound(s.UI)
}

func invalidNHSNumber(ctx context.Context) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.ExpectInvalidNHSNumber(s.UI)
}

func openRecord(ctx context.Context, name string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	p, err := s.Patient(name)
	if err != nil {
		return err
	}
	s.Remember(p)
	return s.EPR.OpenRecord(s.UI, scenario.TargetPatient(p))
}

func openCurrentRecord(ctx context.Context) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	if s.Current == nil {
		return failure.Harness(fmt.Errorf("no patient yet in this scenario: name one first, e.g. Given the patient \"Amy Pond\" is registered"))
	}
	return s.EPR.OpenRecord(s.UI, scenario.TargetPatient(*s.Current))
}
