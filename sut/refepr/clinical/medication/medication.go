// Package medication holds prescriptions and the allergy/drug conflict
// check behind the prescribing hard stop.
//
// The conflict check uses a small drug-class table (Classes): a drug
// conflicts with an active allergy when the allergy's substance is the drug
// itself, or names the drug's class ("Penicillin", "Penicillins"), or is
// another member of the same class (cross-sensitivity: an amoxicillin
// allergy conflicts with flucloxacillin). The table is illustrative, not a
// formulary.
//
// A prescription's dosage is structured (dose, route and frequency, as the
// prescribing form asks) or, for a record loaded from elsewhere
// (Input.Unstructured), free text ("Take one tablet twice a day") or not
// recorded at all: FHIR R4 allows a MedicationRequest with only
// dosageInstruction.text, or with no dosageInstruction. The allergy check
// looks only at the drug, so it works the same for every kind of dosage.
//
// The package is pure and safe for concurrent use.
package medication

import (
	"fmt"
	"strings"
	"time"

	"github.com/eprharness/eprharness/sut/refepr/clinical/allergy"
)

// Class is a drug class for the allergy check.
type Class struct {
	Name    string   // "penicillin": how the warning names the allergy
	Aliases []string // substance names that mean the whole class
	Members []string // drugs of the class, lower case
}

// Classes is the drug-class table.
var Classes = []Class{
	{Name: "penicillin", Aliases: []string{"penicillin", "penicillins", "beta-lactam penicillins"},
		Members: []string{"amoxicillin", "ampicillin", "benzylpenicillin", "co-amoxiclav", "flucloxacillin",
			"phenoxymethylpenicillin", "piperacillin", "piperacillin with tazobactam", "pivmecillinam", "temocillin"}},
	{Name: "cephalosporin", Aliases: []string{"cephalosporin", "cephalosporins"},
		Members: []string{"cefalexin", "cefaclor", "cefadroxil", "cefixime", "cefotaxime", "ceftazidime", "ceftriaxone", "cefuroxime"}},
	{Name: "sulfonamide", Aliases: []string{"sulfonamide", "sulfonamides", "sulphonamides", "sulfa drugs"},
		Members: []string{"co-trimoxazole", "sulfamethoxazole", "sulfasalazine"}},
	{Name: "NSAID", Aliases: []string{"nsaid", "nsaids", "non-steroidal anti-inflammatory drugs"},
		Members: []string{"aspirin", "diclofenac", "ibuprofen", "naproxen", "mefenamic acid"}},
	{Name: "opioid", Aliases: []string{"opioid", "opioids", "opiates"},
		Members: []string{"codeine", "dihydrocodeine", "morphine", "oxycodone", "tramadol"}},
}

func norm(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// classesOf returns the classes a substance or drug name belongs to or
// names.
func classesOf(name string) []Class {
	n := norm(name)
	var out []Class
	for _, c := range Classes {
		for _, x := range append(append([]string{}, c.Aliases...), c.Members...) {
			if n == x {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// Conflict is a drug that must not be given because of an allergy.
type Conflict struct {
	Drug    string
	Allergy allergy.Allergy
	Class   string // the shared class, "" when the substance is the drug itself
}

// Message is the warning: "Amoxicillin conflicts with the penicillin
// allergy (anaphylaxis)".
func (c Conflict) Message() string {
	msg := fmt.Sprintf("%s conflicts with the %s allergy", c.Drug, strings.ToLower(c.Allergy.Substance))
	if c.Allergy.Reaction != "" {
		msg += " (" + strings.ToLower(c.Allergy.Reaction) + ")"
	}
	return msg
}

// Conflicts returns the active allergies the drug conflicts with.
func Conflicts(drug string, entries []allergy.Allergy) []Conflict {
	var out []Conflict
	drugClasses := classesOf(drug)
	for _, a := range allergy.ActiveAllergies(entries) {
		if norm(a.Substance) == norm(drug) {
			out = append(out, Conflict{Drug: drug, Allergy: a})
			continue
		}
	match:
		for _, ac := range classesOf(a.Substance) {
			for _, dc := range drugClasses {
				if ac.Name == dc.Name {
					out = append(out, Conflict{Drug: drug, Allergy: a, Class: ac.Name})
					break match
				}
			}
		}
	}
	return out
}

// Route is how a drug is given.
type Route string

// Routes lists the routes the prescribing form offers.
var Routes = []Route{"Oral", "Intravenous", "Intramuscular", "Subcutaneous", "Inhaled", "Topical", "Rectal"}

// Frequencies lists the frequencies the prescribing form offers.
var Frequencies = []string{
	"Once a day", "Twice a day", "Three times a day", "Four times a day",
	"Every 4 hours", "Every 6 hours", "Every 8 hours", "At night", "When required", "Once only",
}

// Status is a prescription's status (FHIR MedicationRequest.status).
type Status string

// The statuses.
const (
	Active  Status = "active"
	Stopped Status = "stopped"
)

// Label is the status as shown.
func (s Status) Label() string {
	if s == Stopped {
		return "Stopped"
	}
	return "Active"
}

// Prescription is one medication order.
type Prescription struct {
	ID        string
	PatientID string
	Drug      string // "Amoxicillin"
	Dose      string // "500 mg"
	Route     Route
	Frequency string
	Status    Status
	// OverrideReason is why an allergy warning was overridden; "" when
	// there was none.
	OverrideReason string
	// ConflictWarning is the warning that was overridden.
	ConflictWarning string
	PrescribedBy    string
	PrescribedAt    time.Time
	StoppedBy       string
	StoppedAt       time.Time
	StopReason      string
	Seq             int
	// DosageText is a free-text dosage instruction, kept as given; for a
	// structured dosage it is "" (Instruction spells that one out).
	DosageText string
}

// NoDosageRecorded is the instruction of a prescription without a dosage.
const NoDosageRecorded = "No dosage recorded"

// Structured reports whether the dosage is a dose, route and frequency.
func (p Prescription) Structured() bool {
	return p.Dose != "" || p.Route != "" || p.Frequency != ""
}

// Instruction is the dosage instruction: "500 mg oral three times a day"
// for a structured dosage, else the free text as given, else
// NoDosageRecorded.
func (p Prescription) Instruction() string {
	switch {
	case p.Structured():
		return fmt.Sprintf("%s %s %s", p.Dose, strings.ToLower(string(p.Route)), strings.ToLower(p.Frequency))
	case p.DosageText != "":
		return p.DosageText
	}
	return NoDosageRecorded
}

// MaxDosageText is the longest free-text dosage kept.
const MaxDosageText = 1000

// Input is what a prescriber enters, or what a record loaded from
// elsewhere says.
type Input struct {
	Drug, Dose, Route, Frequency string
	// DosageText is a free-text dosage instruction; it is kept only when
	// the dosage is not structured (Unstructured, and no dose, route or
	// frequency given).
	DosageText string
	// Unstructured accepts a prescription whose dose, route and frequency
	// are all absent: its dosage is DosageText, or none. A record loaded
	// through FHIR may be like that; the prescribing form leaves it false.
	Unstructured bool
}

// FieldError is a problem with one form field.
type FieldError struct {
	Field, Message string
}

// Validate checks a prescription's input and returns its clean values.
func (in Input) Validate() (Prescription, []FieldError) {
	var (
		p    Prescription
		errs []FieldError
	)
	p.Drug = strings.Join(strings.Fields(in.Drug), " ")
	p.Dose = strings.Join(strings.Fields(in.Dose), " ")
	if p.Drug == "" {
		errs = append(errs, FieldError{"drug", "Enter the drug"})
	} else if len(p.Drug) > 100 {
		errs = append(errs, FieldError{"drug", "Drug must be 100 characters or fewer"})
	}
	if in.Unstructured && p.Dose == "" && strings.TrimSpace(in.Route) == "" && strings.TrimSpace(in.Frequency) == "" {
		p.DosageText = strings.TrimSpace(in.DosageText)
		if len(p.DosageText) > MaxDosageText {
			errs = append(errs, FieldError{"dosage", fmt.Sprintf("Dosage text must be %d characters or fewer", MaxDosageText)})
		}
		p.Status = Active
		return p, errs
	}
	if p.Dose == "" {
		errs = append(errs, FieldError{"dose", "Enter the dose, for example 500 mg"})
	} else if len(p.Dose) > 50 || !strings.ContainsAny(p.Dose, "0123456789") {
		errs = append(errs, FieldError{"dose", "Enter the dose as an amount and unit, for example 500 mg"})
	}
	for _, r := range Routes {
		if strings.EqualFold(string(r), strings.TrimSpace(in.Route)) {
			p.Route = r
		}
	}
	if p.Route == "" {
		errs = append(errs, FieldError{"route", "Select the route"})
	}
	for _, f := range Frequencies {
		if strings.EqualFold(f, strings.TrimSpace(in.Frequency)) {
			p.Frequency = f
		}
	}
	if p.Frequency == "" {
		errs = append(errs, FieldError{"frequency", "Select the frequency"})
	}
	p.Status = Active
	return p, errs
}
