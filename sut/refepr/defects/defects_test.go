package defects

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	s, err := Parse(" slow-search , double-booking,")
	require.NoError(t, err)
	assert.True(t, s.Fires(context.Background(), SlowSearch, true))
	assert.True(t, s.Fires(context.Background(), DoubleBooking, true))
	assert.False(t, s.Fires(context.Background(), DoubleBooking, false), "a defect fires only where it applies")
	assert.False(t, s.Fires(context.Background(), NEWS2Boundary, true))
	assert.Equal(t, "double-booking,slow-search", s.String())

	none, err := Parse("")
	require.NoError(t, err)
	assert.Empty(t, none.List())
	assert.False(t, Set{}.Fires(context.Background(), SlowSearch, true), "the zero Set has nothing on")

	_, err = Parse("slow-serch")
	assert.ErrorContains(t, err, `unknown defect "slow-serch" (known: a11y-unlabelled-field, adt-a08-drops-allergy, allergy-alert-stale,`)
	assert.Len(t, Names(), 11)
}

func TestTraceRecordsWhereDefectsApplyOnOrOff(t *testing.T) {
	var buf bytes.Buffer
	off := Set{}.WithTrace(NewTrace(&buf))
	ctx := WithScenario(context.Background(), "features/a.feature:7")
	assert.False(t, off.Fires(ctx, NEWS2Boundary, true), "off: the correct behaviour")
	assert.False(t, off.Fires(ctx, NEWS2Boundary, true))
	assert.False(t, off.Fires(ctx, SlowSearch, false), "does not apply: not recorded")
	on, err := Parse("slow-search")
	require.NoError(t, err)
	on = on.WithTrace(NewTrace(&buf))
	assert.True(t, on.Fires(WithScenario(context.Background(), "features/b.feature:3"), SlowSearch, true))
	assert.Equal(t, `{"defect":"news2-boundary","scenario":"features/a.feature:7"}`+"\n"+
		`{"defect":"slow-search","scenario":"features/b.feature:3"}`+"\n", buf.String(), "each scenario and defect once")
	assert.Equal(t, "", ScenarioFrom(context.Background()))
}
