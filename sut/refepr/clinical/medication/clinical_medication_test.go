package medication_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/eprharness/eprharness/sut/refepr/clinical/allergy"
	"github.com/eprharness/eprharness/sut/refepr/clinical/medication"
)

func active(substance, reaction string) allergy.Allergy {
	return allergy.Allergy{Kind: allergy.Substance, Substance: substance, Reaction: reaction, Status: allergy.Active}
}

func TestConflicts(t *testing.T) {
	penicillin := active("Penicillin", "Anaphylaxis")
	for _, c := range []struct {
		drug     string
		entries  []allergy.Allergy
		conflict bool
	}{
		{"Amoxicillin", []allergy.Allergy{penicillin}, true},
		{"flucloxacillin", []allergy.Allergy{penicillin}, true},
		{"Co-amoxiclav", []allergy.Allergy{penicillin}, true},
		{"Piperacillin with tazobactam", []allergy.Allergy{penicillin}, true},
		{"Penicillin", []allergy.Allergy{penicillin}, true},
		{"Flucloxacillin", []allergy.Allergy{active("Amoxicillin", "Rash")}, true}, // cross-sensitivity
		{"Paracetamol", []allergy.Allergy{penicillin}, false},
		{"Clarithromycin", []allergy.Allergy{penicillin}, false},
		{"Cefalexin", []allergy.Allergy{penicillin}, false}, // a different class in this table
		{"Ibuprofen", []allergy.Allergy{active("NSAIDs", "Bronchospasm")}, true},
		{"Latex gloves", []allergy.Allergy{active("Latex gloves", "Urticaria")}, true}, // the substance itself
		{"Amoxicillin", []allergy.Allergy{{Kind: allergy.Substance, Substance: "Penicillin", Status: allergy.Resolved}}, false},
		{"Amoxicillin", []allergy.Allergy{{Kind: allergy.Substance, Substance: "Penicillin", Status: allergy.EnteredInError}}, false},
		{"Amoxicillin", nil, false},
	} {
		got := medication.Conflicts(c.drug, c.entries)
		assert.Equal(t, c.conflict, len(got) > 0, "%s with %+v", c.drug, c.entries)
	}
	got := medication.Conflicts("Amoxicillin", []allergy.Allergy{penicillin, active("Latex", "Rash")})
	if assert.Len(t, got, 1) {
		assert.Equal(t, "Amoxicillin conflicts with the penicillin allergy (anaphylaxis)", got[0].Message())
		assert.Equal(t, "penicillin", got[0].Class)
	}
}

func TestValidate(t *testing.T) {
	p, errs := medication.Input{Drug: "Amoxicillin", Dose: "500 mg", Route: "oral", Frequency: "three times a day"}.Validate()
	assert.Empty(t, errs)
	assert.Equal(t, medication.Route("Oral"), p.Route)
	assert.Equal(t, "Three times a day", p.Frequency)
	assert.Equal(t, "500 mg oral three times a day", p.Instruction())
	_, errs = medication.Input{Dose: "lots"}.Validate()
	assert.Len(t, errs, 4)
}
