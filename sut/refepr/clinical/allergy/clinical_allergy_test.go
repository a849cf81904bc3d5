package allergy_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/eprharness/eprharness/sut/refepr/clinical/allergy"
)

func entry(substance, reaction string, status allergy.Status) allergy.Allergy {
	return allergy.Allergy{Kind: allergy.Substance, Substance: substance, Reaction: reaction, Severity: allergy.Severe, Status: status}
}

func TestAlert(t *testing.T) {
	nka := allergy.Allergy{Kind: allergy.NoKnownAllergies, Substance: "No known allergies", Status: allergy.Active}
	for _, c := range []struct {
		name    string
		entries []allergy.Allergy
		want    string
	}{
		{"nothing recorded", nil, "Allergies not recorded"},
		{"no known allergies", []allergy.Allergy{nka}, "No known allergies"},
		{"one allergy", []allergy.Allergy{entry("Penicillin", "Anaphylaxis", allergy.Active)}, "Allergies: Penicillin (anaphylaxis)"},
		{"several in recording order", []allergy.Allergy{
			entry("Penicillin", "Anaphylaxis", allergy.Active), entry("Latex", "Urticaria", allergy.Active),
		}, "Allergies: Penicillin (anaphylaxis), Latex (urticaria)"},
		{"resolved and entered in error are left out", []allergy.Allergy{
			entry("Penicillin", "Anaphylaxis", allergy.Resolved), entry("Latex", "Rash", allergy.EnteredInError), entry("Peanut", "Swelling", allergy.Active),
		}, "Allergies: Peanut (swelling)"},
		{"only resolved", []allergy.Allergy{entry("Penicillin", "Rash", allergy.Resolved)}, "Allergies not recorded"},
		{"superseded no known allergies", []allergy.Allergy{{Kind: allergy.NoKnownAllergies, Status: allergy.Resolved}, entry("Latex", "Rash", allergy.Active)}, "Allergies: Latex (rash)"},
	} {
		assert.Equal(t, c.want, allergy.Alert(c.entries), c.name)
	}
}

func TestSeverity(t *testing.T) {
	for in, want := range map[string]string{"severe": "high", "Moderate": "low", "MILD": "low"} {
		s, err := allergy.ParseSeverity(in)
		assert.NoError(t, err)
		assert.Equal(t, want, s.Criticality())
	}
	_, err := allergy.ParseSeverity("deadly")
	assert.Error(t, err)
	assert.Equal(t, "Severe", allergy.Severe.Label())
}

func TestValidate(t *testing.T) {
	a, errs := allergy.Input{Substance: "  Penicillin ", Reaction: "Anaphylaxis", Severity: "severe"}.Validate()
	assert.Empty(t, errs)
	assert.Equal(t, "Penicillin", a.Substance)
	assert.Equal(t, allergy.Active, a.Status)
	_, errs = allergy.Input{}.Validate()
	assert.Equal(t, []allergy.FieldError{
		{Field: "substance", Message: "Enter the substance"},
		{Field: "reaction", Message: "Enter the reaction"},
		{Field: "severity", Message: "Select the severity"},
	}, errs)
}
