package scheduling_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/sut/refepr/scheduling"
)

func TestIsWorkingDay(t *testing.T) {
	for _, tc := range []struct {
		date string
		want bool
	}{
		{"2026-06-01", true},  // Monday
		{"2026-06-05", true},  // Friday
		{"2026-06-06", false}, // Saturday
		{"2026-06-07", false}, // Sunday
		{"2026-05-25", false}, // spring bank holiday
		{"2026-08-31", false}, // summer bank holiday
		{"2026-12-25", false}, // Christmas Day
	} {
		d, err := time.ParseInLocation(time.DateOnly, tc.date, scheduling.London)
		require.NoError(t, err)
		assert.Equal(t, tc.want, scheduling.IsWorkingDay(d), tc.date)
	}
}

func TestSlots(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) // the harness's clinical clock
	cardiology := scheduling.Clinics[0]
	slots, err := scheduling.Slots(cardiology, now)
	require.NoError(t, err)
	// Six 30-minute slots 09:00–12:00 on each of ten working days.
	require.Len(t, slots, 60)
	assert.Equal(t, "cardiology-20260602-0900", slots[0].ID)
	assert.Equal(t, "Tue 2 Jun 2026 09:00", scheduling.FormatWhen(slots[0].Start))
	assert.Equal(t, time.Date(2026, 6, 2, 8, 0, 0, 0, time.UTC), slots[0].Start, "09:00 BST is 08:00 UTC")
	assert.Equal(t, "Tue 2 Jun 2026 11:30", scheduling.FormatWhen(slots[5].Start))
	assert.Equal(t, "Mon 15 Jun 2026 11:30", scheduling.FormatWhen(slots[59].Start))
	for i := 1; i < len(slots); i++ {
		assert.True(t, slots[i].Start.After(slots[i-1].Start), "ordered")
	}
}

func TestSlotsSkipWeekendsAndBankHolidays(t *testing.T) {
	friday := time.Date(2026, 5, 22, 10, 0, 0, 0, scheduling.London) // before the spring bank holiday
	slots, err := scheduling.Slots(scheduling.Clinics[0], friday)
	require.NoError(t, err)
	assert.Equal(t, "Tue 26 May 2026 09:00", scheduling.FormatWhen(slots[0].Start))
}

func TestSlotsOnlyOnTheClinicsDays(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range scheduling.Clinics {
		slots, err := scheduling.Slots(c, now)
		require.NoError(t, err)
		require.NotEmpty(t, slots, c.ID)
		for _, s := range slots {
			assert.Contains(t, c.Weekdays, s.Start.In(scheduling.London).Weekday(), s.ID)
		}
	}
}

func TestSlotsInWinterTime(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	slots, err := scheduling.Slots(scheduling.Clinics[0], now)
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC), slots[0].Start, "09:00 GMT is 09:00 UTC")
}
