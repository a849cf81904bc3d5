package defects

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	s, err := Parse(" slow-search , double-booking,")
	require.NoError(t, err)
	assert.True(t, s.On(SlowSearch))
	assert.True(t, s.On(DoubleBooking))
	assert.False(t, s.On(NEWS2Boundary))
	assert.Equal(t, "double-booking,slow-search", s.String())

	none, err := Parse("")
	require.NoError(t, err)
	assert.Empty(t, none.List())
	assert.False(t, Set{}.On(SlowSearch), "the zero Set has nothing on")

	_, err = Parse("slow-serch")
	assert.ErrorContains(t, err, `unknown defect "slow-serch" (known: allergy-alert-stale,`)
	assert.Len(t, Names(), 9)
}
