// Package registration holds the steps for registering a patient through
// the EPR's registration form: filling it from a table of fields, and the
// EPR's answers (the new record, an invalid NHS number, a duplicate).
package registration

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/fixtures"
	"github.com/eprharness/eprharness/harness/scenario"
	"github.com/eprharness/eprharness/harness/target"
	"github.com/eprharness/eprharness/nhsnumber"
	"github.com/eprharness/eprharness/steps"
)

// Defs are the registration steps.
var Defs = []steps.Def{
	{
		Pattern: `^` + steps.Persona + ` registers? (?:a|the) (?:new )?patient:$`,
		Doc:     "Fills in and submits the registration form from a table of field | value rows (NHS number, given name, family name, date of birth, sex, address line 1, address line 2, town, postcode, GP practice, restricted). The date of birth may be relative to the clinical day (\"today-30\", \"3 days ago\").",
		Examples: []string{"When I register a patient:\n  | NHS number    | 999 000 2010 |\n  | given name    | Rose         |\n  | family name   | Tyler        |\n  | date of birth | 1986-04-01   |",
			"When the receptionist registers a new patient:"},
		Handler: register,
		Uses:    []string{"register-patient"},
	},
	{
		Pattern:  `^` + steps.Persona + ` sees? the record of the new patient$`,
		Doc:      "Checks the EPR registered the patient and shows their record.",
		Examples: []string{"Then I see the record of the new patient"},
		Handler:  seesNewRecord,
		Uses:     []string{"expect-new-patient-record"},
	},
	{
		Pattern:  `^the registration is refused because the NHS number is not valid$`,
		Doc:      "Checks the registration form refused the NHS number (format or Modulus 11 check digit), with an inline error.",
		Examples: []string{"Then the registration is refused because the NHS number is not valid"},
		Handler:  nhsNumberInvalid,
		Uses:     []string{"expect-registration-nhs-number-invalid"},
	},
	{
		Pattern:  `^(?:I am|the user is|the [a-z]+ is) told the patient is already registered$`,
		Doc:      "Checks the registration was refused because a patient with that NHS number is already registered, with a link to their record.",
		Examples: []string{"Then I am told the patient is already registered"},
		Handler:  alreadyRegistered,
		Uses:     []string{"expect-already-registered"},
	},
}

// Register registers the registration steps.
func Register(sc *godog.ScenarioContext) { steps.Register(sc, Defs) }

// pending is the registration a scenario last submitted.
type pendingKey struct{}

type pending struct{ reg target.Registration }

// fields maps the table's field names (lower case) onto the registration.
var fields = map[string]func(r *target.Registration, v string) error{
	"nhs number":     func(r *target.Registration, v string) error { r.NHSNumber = v; return nil },
	"given name":     func(r *target.Registration, v string) error { r.Given = v; return nil },
	"family name":    func(r *target.Registration, v string) error { r.Family = v; return nil },
	"date of birth":  func(r *target.Registration, v string) error { r.BirthDate = v; return nil },
	"sex":            func(r *target.Registration, v string) error { r.Sex = v; return nil },
	"address line 1": func(r *target.Registration, v string) error { r.AddressLine1 = v; return nil },
	"address":        func(r *target.Registration, v string) error { r.AddressLine1 = v; return nil },
	"address line 2": func(r *target.Registration, v string) error { r.AddressLine2 = v; return nil },
	"town":           func(r *target.Registration, v string) error { r.Town = v; return nil },
	"postcode":       func(r *target.Registration, v string) error { r.Postcode = v; return nil },
	"gp practice":    func(r *target.Registration, v string) error { r.GPPractice = v; return nil },
	"restricted": func(r *target.Registration, v string) error {
		switch strings.ToLower(v) {
		case "yes", "true":
			r.Restricted = true
		case "no", "false", "":
			r.Restricted = false
		default:
			return fmt.Errorf("restricted: %q is not yes or no", v)
		}
		return nil
	},
}

func fieldNames() string {
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// parseTable reads the two-column field | value table.
func parseTable(table *godog.Table) (target.Registration, error) {
	var r target.Registration
	if table == nil {
		return r, failure.Harness(fmt.Errorf("the step needs a table of field | value rows"))
	}
	for i, row := range table.Rows {
		if len(row.Cells) != 2 {
			return r, failure.Harness(fmt.Errorf("registration table row %d: want 2 cells (field | value), got %d", i+1, len(row.Cells)))
		}
		name := strings.ToLower(strings.TrimSpace(row.Cells[0].Value))
		set, ok := fields[name]
		if !ok {
			return r, failure.Harness(fmt.Errorf("registration table row %d: unknown field %q (known: %s)", i+1, row.Cells[0].Value, fieldNames()))
		}
		if err := set(&r, strings.TrimSpace(row.Cells[1].Value)); err != nil {
			return r, failure.Harness(fmt.Errorf("registration table row %d: %w", i+1, err))
		}
	}
	return r, nil
}

func register(ctx context.Context, table *godog.Table) (context.Context, error) {
	s, err := scenario.From(ctx)
	if err != nil {
		return ctx, err
	}
	r, err := parseTable(table)
	if err != nil {
		return ctx, err
	}
	if r.BirthDate != "" {
		today, err := steps.Today(ctx)
		if err != nil {
			return ctx, err
		}
		if r.BirthDate, err = steps.TypedDate(r.BirthDate, today); err != nil {
			return ctx, failure.Harness(fmt.Errorf("registration table: date of birth: %w", err))
		}
	}
	ctx = context.WithValue(ctx, pendingKey{}, &pending{reg: r})
	return ctx, s.EPR.RegisterPatient(s.UI, r)
}

func lastRegistration(ctx context.Context) (target.Registration, error) {
	p, ok := ctx.Value(pendingKey{}).(*pending)
	if !ok {
		return target.Registration{}, failure.Harness(fmt.Errorf("no patient registered yet in this scenario: use \"When I register a patient:\" first"))
	}
	return p.reg, nil
}

func seesNewRecord(ctx context.Context) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	r, err := lastRegistration(ctx)
	if err != nil {
		return err
	}
	p := fixtures.Patient{Given: r.Given, Family: r.Family, NHSNumber: nhsnumber.Normalise(r.NHSNumber), Gender: strings.ToLower(r.Sex)}
	if d, err := steps.Date(r.BirthDate, time.Now()); err == nil {
		// register wrote a relative date out as an absolute one, so the
		// day passed here plays no part.
		p.BirthDate = d.Format(time.DateOnly)
	}
	if err := s.EPR.ExpectNewPatientRecord(s.UI, scenario.TargetPatient(p)); err != nil {
		return err
	}
	// Later steps can name the new patient like a fixture patient.
	s.Remember(p)
	return nil
}

func nhsNumberInvalid(ctx context.Context) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.ExpectRegistrationNHSNumberInvalid(s.UI)
}

func alreadyRegistered(ctx context.Context) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	r, err := lastRegistration(ctx)
	if err != nil {
		return err
	}
	return s.EPR.ExpectAlreadyRegistered(s.UI, r.NHSNumber)
}
