package medication_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/eprharness/eprharness/sut/refepr/clinical/allergy"
	"github.com/eprharness/eprharness/sut/refepr/clinical/medication"
)

func TestUnstructuredDosage(t *testing.T) {
	p, errs := medication.Input{Drug: "Metformin", DosageText: " Take one tablet twice a day ", Unstructured: true}.Validate()
	assert.Empty(t, errs)
	assert.False(t, p.Structured())
	assert.Equal(t, "Take one tablet twice a day", p.DosageText)
	assert.Equal(t, "Take one tablet twice a day", p.Instruction())
	assert.Equal(t, medication.Active, p.Status)

	p, errs = medication.Input{Drug: "Metformin", Unstructured: true}.Validate()
	assert.Empty(t, errs)
	assert.Equal(t, medication.NoDosageRecorded, p.Instruction())

	_, errs = medication.Input{Drug: "Metformin", DosageText: strings.Repeat("x", medication.MaxDosageText+1), Unstructured: true}.Validate()
	assert.Equal(t, []medication.FieldError{{Field: "dosage", Message: "Dosage text must be 1000 characters or fewer"}}, errs)
	_, errs = medication.Input{DosageText: "Once a day", Unstructured: true}.Validate()
	assert.Equal(t, []medication.FieldError{{Field: "drug", Message: "Enter the drug"}}, errs)

	// A partly structured dosage is checked as a structured one.
	_, errs = medication.Input{Drug: "Metformin", Dose: "500 mg", DosageText: "Twice a day", Unstructured: true}.Validate()
	assert.Len(t, errs, 2, "route and frequency")
	p, errs = medication.Input{Drug: "Amoxicillin", Dose: "500 mg", Route: "Oral", Frequency: "Three times a day", Unstructured: true}.Validate()
	assert.Empty(t, errs)
	assert.True(t, p.Structured())
	assert.Equal(t, "500 mg oral three times a day", p.Instruction())

	// The prescribing form still needs a structured dosage.
	_, errs = medication.Input{Drug: "Metformin", DosageText: "Twice a day"}.Validate()
	assert.Len(t, errs, 3)
}

func TestConflictsWithoutReactionOrDosage(t *testing.T) {
	// The hard stop looks at the drug: an allergy without a reaction and a
	// prescription without a structured dose change nothing.
	pen, _ := allergy.Input{Substance: "Penicillin", ReactionOptional: true}.Validate()
	rx, _ := medication.Input{Drug: "Amoxicillin", DosageText: "One capsule three times a day", Unstructured: true}.Validate()
	got := medication.Conflicts(rx.Drug, []allergy.Allergy{pen})
	if assert.Len(t, got, 1) {
		assert.Equal(t, "Amoxicillin conflicts with the penicillin allergy", got[0].Message())
	}
}
