package fhir

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/eprharness/eprharness/nhsnumber"
	"github.com/eprharness/eprharness/sut/refepr/patient"
)

// Meta is a resource's metadata.
type Meta struct {
	VersionID   string          `json:"versionId,omitempty"`
	LastUpdated string          `json:"lastUpdated,omitempty"`
	Security    []SecurityLabel `json:"security,omitempty"` // a Patient's "R" marks a restricted (sensitive) record
}

// SecurityLabel is a Coding in Meta.security.
type SecurityLabel struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// ConfidentialitySystem is the code system of the restricted label; a
// Patient with meta.security {system: ConfidentialitySystem, code: "R"} is a
// sensitive patient whose address the EPR's UI hides without a legitimate
// relationship.
const ConfidentialitySystem = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"

// GPReference is a Patient.generalPractitioner reference; the EPR keeps only
// the display, the name of the patient's GP practice.
type GPReference struct {
	Reference string `json:"reference,omitempty"`
	Display   string `json:"display,omitempty"`
}

// Identifier is a business identifier such as an NHS number.
type Identifier struct {
	System string `json:"system,omitempty"`
	Value  string `json:"value,omitempty"`
}

// HumanName is one of a patient's names.
type HumanName struct {
	Use    string   `json:"use,omitempty"`
	Family string   `json:"family,omitempty"`
	Given  []string `json:"given,omitempty"`
}

// Address is a postal address.
type Address struct {
	Use        string   `json:"use,omitempty"`
	Line       []string `json:"line,omitempty"`
	City       string   `json:"city,omitempty"`
	PostalCode string   `json:"postalCode,omitempty"`
}

// Patient is the subset of the FHIR R4 Patient resource the EPR keeps.
// Other elements are accepted on input and dropped.
type Patient struct {
	ResourceType string       `json:"resourceType"`
	ID           string       `json:"id,omitempty"`
	Meta         *Meta        `json:"meta,omitempty"`
	Identifier   []Identifier `json:"identifier,omitempty"`
	Name         []HumanName  `json:"name,omitempty"`
	Gender       string       `json:"gender,omitempty"`
	BirthDate    string       `json:"birthDate,omitempty"`
	Address      []Address    `json:"address,omitempty"`
	// GeneralPractitioner's first display is the GP practice.
	GeneralPractitioner []GPReference `json:"generalPractitioner,omitempty"`
}

// Issue is one problem in an OperationOutcome.
type Issue struct {
	Severity    string `json:"severity"`
	Code        string `json:"code"`
	Diagnostics string `json:"diagnostics,omitempty"`
}

// OperationOutcome reports the outcome of a request that failed (or of one
// bundle entry).
type OperationOutcome struct {
	ResourceType string  `json:"resourceType"`
	Issue        []Issue `json:"issue"`
}

// Issue codes used here (FHIR's IssueType).
const (
	codeStructure    = "structure"
	codeRequired     = "required"
	codeValue        = "value"
	codeInvalid      = "invalid"
	codeNotSupported = "not-supported"
	codeDuplicate    = "duplicate"
	codeNotFound     = "not-found"
	codeException    = "exception"
	codeLogin        = "login"
	codeConflict     = "conflict"
	codeBusinessRule = "business-rule"
)

// opError is a failure with the HTTP status and issues to report.
type opError struct {
	status int
	issues []Issue
}

func (e *opError) Error() string {
	var parts []string
	for _, i := range e.issues {
		parts = append(parts, i.Diagnostics)
	}
	return fmt.Sprintf("%d %s: %s", e.status, http.StatusText(e.status), strings.Join(parts, "; "))
}

func (e *opError) outcome() *OperationOutcome {
	return &OperationOutcome{ResourceType: "OperationOutcome", Issue: e.issues}
}

func newOpError(status int, code, format string, args ...any) *opError {
	return &opError{status: status, issues: []Issue{{Severity: "error", Code: code, Diagnostics: fmt.Sprintf(format, args...)}}}
}

// withPrefix returns a copy of the error whose diagnostics start with prefix,
// such as "Bundle.entry[2]".
func (e *opError) withPrefix(prefix string) *opError {
	out := &opError{status: e.status}
	for _, i := range e.issues {
		i.Diagnostics = prefix + ": " + i.Diagnostics
		out.issues = append(out.issues, i)
	}
	return out
}

func formatInstant(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// toResource renders a stored patient as FHIR.
func toResource(p patient.Patient) Patient {
	r := Patient{
		ResourceType: "Patient",
		ID:           p.ID,
		Meta:         &Meta{VersionID: "1", LastUpdated: formatInstant(p.LastUpdated)},
		Identifier:   []Identifier{{System: patient.NHSNumberSystem, Value: p.NHSNumber.String()}},
		Name:         []HumanName{{Family: p.Family, Given: p.Given}},
		Gender:       string(p.Gender),
		BirthDate:    p.BirthDate.String(),
	}
	if !p.Address.Empty() {
		r.Address = []Address{{Line: p.Address.Lines, City: p.Address.City, PostalCode: p.Address.PostalCode}}
	}
	if p.GPPractice != "" {
		r.GeneralPractitioner = []GPReference{{Display: p.GPPractice}}
	}
	if p.Sensitive {
		r.Meta.Security = []SecurityLabel{{System: ConfidentialitySystem, Code: "R", Display: "restricted"}}
	}
	return r
}

// fromResource validates a Patient resource and converts it for the store.
// Every problem found is reported, each naming its element.
func fromResource(r Patient) (patient.Patient, *opError) { return fromResourceChecked(r, false) }

// fromResourceChecked is fromResource; acceptWrongCheckDigit is the
// nhs-check-digit release-candidate defect (POST /fhir/Patient only).
func fromResourceChecked(r Patient, acceptWrongCheckDigit bool) (patient.Patient, *opError) {
	var (
		p      patient.Patient
		issues []Issue
	)
	add := func(code, format string, args ...any) {
		issues = append(issues, Issue{Severity: "error", Code: code, Diagnostics: fmt.Sprintf(format, args...)})
	}

	var nhs []string
	for _, id := range r.Identifier {
		if id.System == patient.NHSNumberSystem {
			nhs = append(nhs, strings.TrimSpace(id.Value))
		}
	}
	switch {
	case len(nhs) == 0:
		add(codeRequired, "Patient.identifier: an NHS number (system %s) is required", patient.NHSNumberSystem)
	case len(nhs) > 1 && nhsnumber.Normalise(nhs[0]) != nhsnumber.Normalise(nhs[1]):
		add(codeValue, "Patient.identifier: more than one NHS number (%s, %s)", nhs[0], nhs[1])
	default:
		n, err := nhsnumber.Parse(nhs[0])
		switch {
		case errors.Is(err, nhsnumber.ErrCheckDigit) && acceptWrongCheckDigit:
			p.NHSNumber = nhsnumber.Number(nhsnumber.Normalise(nhs[0]))
		case errors.Is(err, nhsnumber.ErrCheckDigit):
			add(codeValue, "Patient.identifier: NHS number %s has an invalid check digit", nhs[0])
		case err != nil:
			add(codeValue, "Patient.identifier: NHS number %q is not 10 digits", nhs[0])
		default:
			p.NHSNumber = n
		}
	}

	if name, ok := officialName(r.Name); !ok {
		add(codeRequired, "Patient.name: a name with a family name is required")
	} else {
		p.Family = strings.TrimSpace(name.Family)
		if p.Family == "" {
			add(codeRequired, "Patient.name.family: a family name is required")
		}
		for _, g := range name.Given {
			if g = strings.TrimSpace(g); g != "" {
				p.Given = append(p.Given, g)
			}
		}
	}

	if g, err := patient.ParseGender(r.Gender); err != nil {
		add(codeValue, "Patient.gender: %q is not one of male, female, other, unknown", r.Gender)
	} else {
		p.Gender = g
	}

	if r.BirthDate == "" {
		add(codeRequired, "Patient.birthDate: a date of birth (YYYY-MM-DD) is required")
	} else if d, err := patient.ParseDate(r.BirthDate); err != nil {
		add(codeValue, "Patient.birthDate: %q is not a valid date (YYYY-MM-DD)", r.BirthDate)
	} else {
		p.BirthDate = d
	}

	if a, ok := homeAddress(r.Address); ok {
		for _, l := range a.Line {
			if l = strings.TrimSpace(l); l != "" {
				p.Address.Lines = append(p.Address.Lines, l)
			}
		}
		p.Address.City = strings.TrimSpace(a.City)
		p.Address.PostalCode = strings.TrimSpace(a.PostalCode)
	}

	if len(r.GeneralPractitioner) > 0 {
		p.GPPractice = strings.TrimSpace(r.GeneralPractitioner[0].Display)
	}
	if r.Meta != nil {
		for _, l := range r.Meta.Security {
			p.Sensitive = p.Sensitive || (l.System == ConfidentialitySystem && l.Code == "R")
		}
	}

	if len(issues) > 0 {
		return patient.Patient{}, &opError{status: http.StatusUnprocessableEntity, issues: issues}
	}
	return p, nil
}

// officialName picks the name with use "official", else the first.
func officialName(names []HumanName) (HumanName, bool) {
	for _, n := range names {
		if n.Use == "official" {
			return n, true
		}
	}
	if len(names) == 0 {
		return HumanName{}, false
	}
	return names[0], true
}

// homeAddress picks the address with use "home", else the first.
func homeAddress(addrs []Address) (Address, bool) {
	for _, a := range addrs {
		if a.Use == "home" {
			return a, true
		}
	}
	if len(addrs) == 0 {
		return Address{}, false
	}
	return addrs[0], true
}
