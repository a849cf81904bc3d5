package fhir

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/sut/refepr/patient"
)

func TestPatientRegistrationDetails(t *testing.T) {
	res := Patient{
		ResourceType:        "Patient",
		Meta:                &Meta{Security: []SecurityLabel{{System: ConfidentialitySystem, Code: "R"}}},
		Identifier:          []Identifier{{System: patient.NHSNumberSystem, Value: "9990002002"}},
		Name:                []HumanName{{Family: "Jones", Given: []string{"Martha"}}},
		BirthDate:           "1986-11-20",
		GeneralPractitioner: []GPReference{{Reference: "Organization/x", Display: " Chiswick Health Centre "}},
	}
	p, oe := fromResource(res)
	require.Nil(t, oe)
	assert.True(t, p.Sensitive)
	assert.Equal(t, "Chiswick Health Centre", p.GPPractice)

	back := toResource(p)
	require.Len(t, back.GeneralPractitioner, 1)
	assert.Equal(t, GPReference{Display: "Chiswick Health Centre"}, back.GeneralPractitioner[0])
	assert.Equal(t, []SecurityLabel{{System: ConfidentialitySystem, Code: "R", Display: "restricted"}}, back.Meta.Security)

	for _, other := range []SecurityLabel{{System: ConfidentialitySystem, Code: "N"}, {System: "http://example.org", Code: "R"}} {
		res.Meta.Security = []SecurityLabel{other}
		p, oe = fromResource(res)
		require.Nil(t, oe)
		assert.False(t, p.Sensitive, "%+v is not the restricted label", other)
	}
	assert.Nil(t, toResource(p).Meta.Security)
}

// The nhs-check-digit defect is a parameter of the conversion; without it a
// wrong check digit is refused.
func TestPatientWrongCheckDigit(t *testing.T) {
	res := Patient{ResourceType: "Patient", Identifier: []Identifier{{System: patient.NHSNumberSystem, Value: "999 000 2003"}},
		Name: []HumanName{{Family: "Jones"}}, BirthDate: "1986-11-20"}
	_, oe := fromResourceChecked(res, false)
	require.NotNil(t, oe)
	assert.Contains(t, oe.Error(), "invalid check digit")
	p, oe := fromResourceChecked(res, true)
	require.Nil(t, oe)
	assert.Equal(t, "9990002003", p.NHSNumber.String())
}
