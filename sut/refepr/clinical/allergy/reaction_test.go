package allergy_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/eprharness/eprharness/sut/refepr/clinical/allergy"
)

func TestAllergyWithoutReaction(t *testing.T) {
	// Loaded records may have neither reaction nor severity.
	a, errs := allergy.Input{Substance: " Latex ", ReactionOptional: true}.Validate()
	assert.Empty(t, errs)
	assert.Equal(t, "Latex", a.Substance)
	assert.Equal(t, "", a.Reaction)
	assert.Equal(t, allergy.Severity(""), a.Severity)
	assert.Equal(t, "", a.Severity.Criticality(), "no severity, no criticality")
	assert.Equal(t, "Latex (reaction not recorded)", a.Describe())
	assert.Equal(t, "Not recorded", a.ReactionLabel())
	assert.Equal(t, "Not recorded", a.SeverityLabel())
	assert.Equal(t, "Allergies: Latex (reaction not recorded), Penicillin (anaphylaxis)",
		allergy.Alert([]allergy.Allergy{a, entry("Penicillin", "Anaphylaxis", allergy.Active)}))

	// A severity given must still be one; the substance is still required.
	_, errs = allergy.Input{Substance: "Latex", Severity: "deadly", ReactionOptional: true}.Validate()
	assert.Equal(t, []allergy.FieldError{{Field: "severity", Message: "Select the severity"}}, errs)
	_, errs = allergy.Input{ReactionOptional: true}.Validate()
	assert.Equal(t, []allergy.FieldError{{Field: "substance", Message: "Enter the substance"}}, errs)
	a, errs = allergy.Input{Substance: "Latex", Severity: "severe", ReactionOptional: true}.Validate()
	assert.Empty(t, errs)
	assert.Equal(t, "high", a.Severity.Criticality())
	assert.Equal(t, "Severe", a.SeverityLabel())

	// The form still asks for both.
	_, errs = allergy.Input{Substance: "Latex"}.Validate()
	assert.Len(t, errs, 2)
}
