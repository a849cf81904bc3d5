// Package allergy holds the reference EPR's allergies and intolerances and
// the banner's allergy alert.
//
// Severity is recorded as the reaction's severity (mild, moderate, severe,
// FHIR AllergyIntolerance.reaction.severity); the FHIR criticality is derived
// from it: severe is "high", mild and moderate are "low".
//
// An allergy may have no reaction and no severity: FHIR R4 allows an
// AllergyIntolerance without either, and records loaded from elsewhere
// (Input.ReactionOptional) often have none. It is shown with "reaction not
// recorded"; the form used in the EPR itself still asks for both.
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

// Criticality is the FHIR criticality derived from the severity; "" when
// no severity is recorded.
func (s Severity) Criticality() string {
	switch s {
	case Severe:
		return "high"
	case "":
		return ""
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

// ReactionNotRecorded is how an allergy without a reaction is described.
const ReactionNotRecorded = "reaction not recorded"

// Describe is the entry as the alert shows it: "Penicillin (anaphylaxis)",
// or "Penicillin (reaction not recorded)" when it has no reaction.
func (a Allergy) Describe() string {
	if a.Reaction == "" {
		return a.Substance + " (" + ReactionNotRecorded + ")"
	}
	return a.Substance + " (" + strings.ToLower(a.Reaction) + ")"
}

// ReactionLabel is the reaction as the record shows it: "Not recorded"
// when there is none.
func (a Allergy) ReactionLabel() string {
	if a.Reaction == "" {
		return "Not recorded"
	}
	return a.Reaction
}

// SeverityLabel is the severity as the record shows it: "Not recorded"
// when there is none.
func (a Allergy) SeverityLabel() string {
	if a.Severity == "" {
		return "Not recorded"
	}
	return a.Severity.Label()
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

// Input is what a person enters for an allergy, or what a record loaded
// from elsewhere says.
type Input struct {
	Substance, Reaction, Severity string
	// ReactionOptional accepts an allergy without a reaction and without a
	// severity (a severity given must still be valid): a record loaded
	// through FHIR, which allows both to be absent. The form leaves it
	// false and asks for both.
	ReactionOptional bool
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
	case a.Reaction == "" && !in.ReactionOptional:
		errs = append(errs, FieldError{"reaction", "Enter the reaction"})
	case len(a.Reaction) > 100:
		errs = append(errs, FieldError{"reaction", "Reaction must be 100 characters or fewer"})
	}
	if !in.ReactionOptional || strings.TrimSpace(in.Severity) != "" {
		sev, err := ParseSeverity(in.Severity)
		if err != nil {
			errs = append(errs, FieldError{"severity", "Select the severity"})
		}
		a.Severity = sev
	}
	a.Kind = Substance
	a.Status = Active
	return a, errs
}
