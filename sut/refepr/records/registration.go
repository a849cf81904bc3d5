package records

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/eprharness/eprharness/nhsnumber"
	"github.com/eprharness/eprharness/sut/refepr/patient"
)

// The registration form's fields, as named in the form and in errors.
const (
	FieldGiven      = "given"
	FieldFamily     = "family"
	FieldBirthDate  = "birth-date"
	FieldSex        = "sex"
	FieldAddress1   = "address-line-1"
	FieldAddress2   = "address-line-2"
	FieldTown       = "town"
	FieldPostcode   = "postcode"
	FieldGPPractice = "gp-practice"
	FieldNHSNumber  = "nhs-number"
	FieldRestricted = "restricted"
)

// Registration is what a user typed into the registration form.
type Registration struct {
	Given, Family string
	BirthDate     string // "15/03/1987" or "1987-03-15"
	Sex           string // a FHIR gender code
	AddressLine1  string
	AddressLine2  string
	Town          string
	Postcode      string
	GPPractice    string
	NHSNumber     string
	Restricted    bool
}

// FieldError is a problem with one field, in the words shown to the user.
type FieldError struct {
	Field   string
	Message string
}

// Errors are a form's problems in the order of its fields.
type Errors []FieldError

// For returns the message for a field, or "".
func (e Errors) For(field string) string {
	for _, fe := range e {
		if fe.Field == field {
			return fe.Message
		}
	}
	return ""
}

// The NHS number messages; both start "NHS number is not valid".
const (
	MsgNHSRequired   = "Enter the patient's NHS number"
	MsgNHSFormat     = "NHS number is not valid: it must have 10 digits"
	MsgNHSCheckDigit = "NHS number is not valid: the check digit does not match"
)

// MaxFieldLength caps a text field of the form.
const MaxFieldLength = 200

// Validate checks a registration against today's date and returns the
// patient to register, or every problem found. acceptWrongCheckDigit is the
// nhs-check-digit release-candidate defect.
func Validate(f Registration, today patient.Date, acceptWrongCheckDigit bool) (patient.Patient, Errors) {
	var (
		p    patient.Patient
		errs Errors
	)
	add := func(field, msg string) { errs = append(errs, FieldError{Field: field, Message: msg}) }
	text := func(field, value, label string, required bool) string {
		v := strings.Join(strings.Fields(value), " ")
		switch {
		case v == "" && required:
			add(field, "Enter the patient's "+label)
		case len(v) > MaxFieldLength:
			add(field, fmt.Sprintf("%s must be %d characters or fewer", capitalise(label), MaxFieldLength))
		}
		return v
	}

	p.Given = strings.Fields(text(FieldGiven, f.Given, "given name", true))
	p.Family = text(FieldFamily, f.Family, "family name", true)

	switch d, err := ParseBirthDate(f.BirthDate); {
	case strings.TrimSpace(f.BirthDate) == "":
		add(FieldBirthDate, "Enter the patient's date of birth")
	case err != nil:
		add(FieldBirthDate, "Date of birth must be a real date, for example 15/03/1987")
	case today.Before(d):
		add(FieldBirthDate, "Date of birth must be today or in the past")
	default:
		p.BirthDate = d
	}

	if strings.TrimSpace(f.Sex) == "" {
		add(FieldSex, "Select the patient's sex")
	} else if g, err := patient.ParseGender(strings.TrimSpace(f.Sex)); err != nil {
		add(FieldSex, "Select the patient's sex")
	} else {
		p.Gender = g
	}

	if l := text(FieldAddress1, f.AddressLine1, "address line 1", true); l != "" {
		p.Address.Lines = append(p.Address.Lines, l)
	}
	if l := text(FieldAddress2, f.AddressLine2, "address line 2", false); l != "" {
		p.Address.Lines = append(p.Address.Lines, l)
	}
	p.Address.City = text(FieldTown, f.Town, "town or city", false)
	p.Address.PostalCode = strings.ToUpper(text(FieldPostcode, f.Postcode, "postcode", true))
	p.GPPractice = text(FieldGPPractice, f.GPPractice, "GP practice", false)
	p.Sensitive = f.Restricted

	switch n, err := ParseNHSNumber(f.NHSNumber, acceptWrongCheckDigit); {
	case strings.TrimSpace(f.NHSNumber) == "":
		add(FieldNHSNumber, MsgNHSRequired)
	case errors.Is(err, nhsnumber.ErrCheckDigit):
		add(FieldNHSNumber, MsgNHSCheckDigit)
	case err != nil:
		add(FieldNHSNumber, MsgNHSFormat)
	default:
		p.NHSNumber = n
	}

	if len(errs) > 0 {
		return patient.Patient{}, errs
	}
	return p, nil
}

// ParseBirthDate accepts "15/03/1987", "15/3/1987" or "1987-03-15".
func ParseBirthDate(s string) (patient.Date, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "-") {
		return patient.ParseDate(s)
	}
	t, err := time.Parse("2/1/2006", s)
	if err != nil || t.Year() < 1000 {
		return patient.Date{}, fmt.Errorf("%q is not a date in the form DD/MM/YYYY", s)
	}
	return patient.DateOf(t), nil
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
