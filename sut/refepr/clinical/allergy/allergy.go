// Package allergy holds the reference EPR's allergies and intolerances and
// the banner's allergy alert.
//
// Severity is recorded as the reaction's severity (mild, moderate, severe,
// FHIR AllergyIntolerance.reaction.severity); the FHIR criticality is derived
// from it: severe is "high", mild and moderate are "low".
//
// "No known allergies" is an explicit assertion, kept as an entry of its own
// (Kind NoKnownAllergies) so that it has an author, a time and a FHIR
// resource. Recording an allergy resolves an active "No known allergies".
//
// The package is pure and safe for concurrent use.
package allergy

import (
	"fmt"
	"strings"
	"time"
)

// Severity is how severe the reaction is.
type Severity string

// The severities (FHIR reaction.severity).
const (
	Mild     Severity = "mild"
	Moderate Severity = "moderate"
	Severe   Severity = "severe"
)

// ParseSeverity accepts mild, moderate or severe, case-insensitively.
func ParseSeverity(s string) (Severity, error) {
	switch v := Severity(strings.ToLower(strings.TrimSpace(s))); v {
	case Mild, Moderate, Severe:
		return v, nil
	}
	return "", fmt.Errorf("severity %q is not one of mild, moderate, severe", s)
}

// Label is the severity as shown: "Mild", "Moderate", "Severe".
func (s Severity) Label() string {
	if s == "" {
		return ""
	}
	return strings.ToUpper(string(s[:1])) + string(s[1:])
}

// Criticality is the FHIR criticality derived from the severity.
func (s Severity) Criticality() string {
	if s == Severe {
		return "high"
	}
	return "low"
}

// Status is the entry's status.
type Status string

// The statuses. EnteredInError entries are kept for the record but are not
// part of the patient's allergies.
const (
	Active         Status = "active"
	Resolved       Status = "resolved"
	EnteredInError Status = "entered-in-error"
)

// Label is the status as shown.
func (s Status) Label() string {
	switch s {
	case Active:
		return "Active"
	case Resolved:
		return "Resolved"
	case EnteredInError:
		return "Entered in error"
	}
	return string(s)
}

// Kind says whether an entry is an allergy or the "No known allergies"
// assertion.
type Kind string

// The kinds.
const (
	Substance        Kind = "allergy"
	NoKnownAllergies Kind = "no-known-allergies"
)

// Allergy is one entry.
type Allergy struct {
	ID         string
	PatientID  string
	Kind       Kind
	Substance  string // "Penicillin"
	Reaction   string // "Anaphylaxis"
	Severity   Severity
	Status     Status
	RecordedBy string // display name
	RecordedAt time.Time
	UpdatedAt  time.Time
	// Updated is true once the entry's details have been changed after it
	// was recorded.
	Updated bool
	// Seq orders a patient's entries in the order they were recorded.
	Seq int
}

// Describe is the entry as the alert shows it: "Penicillin (anaphylaxis)".
func (a Allergy) Describe() string {
	if a.Reaction == "" {
		return a.Substance
	}
	return a.Substance + " (" + strings.ToLower(a.Reaction) + ")"
}

// The alert texts.
const (
	AlertNone        = "No known allergies"
	AlertNotRecorded = "Allergies not recorded"
	alertPrefix      = "Allergies: "
)

// Alert is the banner's allergy alert for a patient's entries (in recording
// order): "Allergies: Penicillin (anaphylaxis), Latex (urticaria)" when
// allergies are active, "No known allergies" when that is asserted and no
// allergy is active, and "Allergies not recorded" otherwise (no entries,
// or only resolved or entered-in-error ones).
func Alert(entries []Allergy) string {
	var active []string
	nka := false
	for _, a := range entries {
		if a.Status != Active {
			continue
		}
		if a.Kind == NoKnownAllergies {
			nka = true
			continue
		}
		active = append(active, a.Describe())
	}
	switch {
	case len(active) > 0:
		return alertPrefix + strings.Join(active, ", ")
	case nka:
		return AlertNone
	default:
		return AlertNotRecorded
	}
}

// ActiveAllergies returns the active substance allergies.
func ActiveAllergies(entries []Allergy) []Allergy {
	var out []Allergy
	for _, a := range entries {
		if a.Kind == Substance && a.Status == Active {
			out = append(out, a)
		}
	}
	return out
}

// Input is what a person enters for an allergy.
type Input struct {
	Substance, Reaction, Severity string
}

// FieldError is a problem with one form field.
type FieldError struct {
	Field   string // "substance", "reaction", "severity"
	Message string // "Enter the substance"
}

// Validate checks an allergy's input and returns its clean values.
func (in Input) Validate() (Allergy, []FieldError) {
	var (
		a    Allergy
		errs []FieldError
	)
	a.Substance = strings.Join(strings.Fields(in.Substance), " ")
	a.Reaction = strings.Join(strings.Fields(in.Reaction), " ")
	switch {
	case a.Substance == "":
		errs = append(errs, FieldError{"substance", "Enter the substance"})
	case len(a.Substance) > 100:
		errs = append(errs, FieldError{"substance", "Substance must be 100 characters or fewer"})
	}
	switch {
	case a.Reaction == "":
		errs = append(errs, FieldError{"reaction", "Enter the reaction"})
	case len(a.Reaction) > 100:
		errs = append(errs, FieldError{"reaction", "Reaction must be 100 characters or fewer"})
	}
	sev, err := ParseSeverity(in.Severity)
	if err != nil {
		errs = append(errs, FieldError{"severity", "Select the severity"})
	}
	a.Severity = sev
	a.Kind = Substance
	a.Status = Active
	return a, errs
}
