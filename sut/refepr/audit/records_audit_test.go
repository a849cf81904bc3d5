package audit

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestActions(t *testing.T) {
	for _, a := range Actions {
		got, err := ParseAction(" " + string(a) + " ")
		require.NoError(t, err)
		assert.Equal(t, a, got)
		assert.NotEqual(t, string(a), a.Label(), "every action has a label")
	}
	a, err := ParseAction("")
	require.NoError(t, err)
	assert.Equal(t, Action(""), a)
	_, err = ParseAction("delete-everything")
	assert.ErrorContains(t, err, "break-glass")
	assert.Equal(t, "Accessed restricted record", BreakGlass.Label())
}

func TestEveryActionIsOffered(t *testing.T) {
	assert.Len(t, Actions, len(labels), "Actions lists every labelled action once")
	seen := map[Action]bool{}
	for _, a := range Actions {
		assert.False(t, seen[a], "%s listed twice", a)
		seen[a] = true
	}
	assert.Equal(t, "Booked appointment", BookAppointment.Label())
	assert.Equal(t, "Discharged patient", DischargePatient.Label())
}

func TestReferralActions(t *testing.T) {
	for a, want := range map[Action]string{
		ReceiveReferral:  "Received referral",
		UpdateReferral:   "Updated referral",
		WithdrawReferral: "Withdrew referral",
	} {
		got, err := ParseAction(string(a))
		require.NoError(t, err, "the audit search accepts %s", a)
		assert.Equal(t, a, got)
		assert.Equal(t, want, a.Label())
	}
	assert.Equal(t, Action("receive-referral"), ReceiveReferral, "the code the FHIR API writes")
	assert.Equal(t, Action("withdraw-referral"), WithdrawReferral)
}
