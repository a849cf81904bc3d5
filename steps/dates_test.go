package steps

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/scenario"
)

// Monday 1 June 2026, the example suite's clinical clock, mid-morning so
// that relative dates must drop the time of day.
var monday = time.Date(2026, 6, 1, 10, 30, 0, 0, ClinicalZone)

func TestDate(t *testing.T) {
	for _, tc := range []struct {
		text string
		want string
	}{
		{"2026-06-01", "2026-06-01"},
		{"1987-03-15", "1987-03-15"},
		{"01/06/2026", "2026-06-01"},
		{"1/6/2026", "2026-06-01"},
		{"15/03/1987", "1987-03-15"},
		{"1 June 2026", "2026-06-01"},
		{"1 june 2026", "2026-06-01"},
		{"14 Jan 1986", "1986-01-14"},
		{"14-Jan-1986", "1986-01-14"},
		{"today", "2026-06-01"},
		{"Today", "2026-06-01"},
		{" today ", "2026-06-01"},
		{"today+3", "2026-06-04"},
		{"today + 3", "2026-06-04"},
		{"today-30", "2026-05-02"},
		{"today+0", "2026-06-01"},
		{"today+2 weeks", "2026-06-15"},
		{"today-1 year", "2025-06-01"},
		{"3 days ago", "2026-05-29"},
		{"1 day ago", "2026-05-31"},
		{"a week ago", "2026-05-25"},
		{"2 months ago", "2026-04-01"},
		{"30 years ago", "1996-06-01"},
		{"in 2 weeks", "2026-06-15"},
		{"in 3 days", "2026-06-04"},
		{"in a month", "2026-07-01"},
		{"yesterday", "2026-05-31"},
		{"tomorrow", "2026-06-02"},
	} {
		t.Run(tc.text, func(t *testing.T) {
			got, err := Date(tc.text, monday)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got.Format(time.DateOnly))
			assert.Equal(t, 0, got.Hour()*60+got.Minute(), "a date is midnight")
			assert.Equal(t, ClinicalZone, got.Location())
		})
	}
}

// Months and years keep the day of the month, or the month's last day.
func TestDateMonthEnds(t *testing.T) {
	for _, tc := range []struct {
		today, text, want string
	}{
		{"2026-03-31", "1 month ago", "2026-02-28"},
		{"2024-03-31", "1 month ago", "2024-02-29"},
		{"2024-02-29", "in 1 year", "2025-02-28"},
		{"2026-01-31", "today+1 month", "2026-02-28"},
		{"2026-12-15", "in 1 month", "2027-01-15"},
		{"2026-01-01", "yesterday", "2025-12-31"},
	} {
		today, err := time.ParseInLocation(time.DateOnly, tc.today, ClinicalZone)
		require.NoError(t, err)
		got, err := Date(tc.text, today)
		require.NoError(t, err, tc.text)
		assert.Equal(t, tc.want, got.Format(time.DateOnly), "%s from %s", tc.text, tc.today)
	}
}

func TestDateRefusesOtherText(t *testing.T) {
	for _, text := range []string{"", "tomorow", "next Tuesday", "today*3", "today+", "3 days", "in 2 fortnights",
		"31/02/1987", "2026-13-01", "06/31/2026", "June 1 2026", "today+123456", "3 days ago please"} {
		_, err := Date(text, monday)
		if assert.Error(t, err, "%q", text) {
			assert.Contains(t, err.Error(), `"`+text+`" is not a date`)
			assert.Contains(t, err.Error(), "today-30")
		}
	}
}

func TestDateTime(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"2026-06-02 09:00", "2026-06-02 09:00"},
		{"tomorrow 09:00", "2026-06-02 09:00"},
		{"today+1 09:00", "2026-06-02 09:00"},
		{"in 2 days 14:30", "2026-06-03 14:30"},
		{"2 June 2026 9:05", "2026-06-02 09:05"},
		{"today 00:00", "2026-06-01 00:00"},
	} {
		got, err := DateTime(tc.text, monday)
		require.NoError(t, err, tc.text)
		assert.Equal(t, tc.want, got.Format("2006-01-02 15:04"), tc.text)
	}
	for _, text := range []string{"tomorrow", "09:00", "tomorrow 9", "tomorrow 24:00", "tomorrow 09:60", "someday 09:00"} {
		_, err := DateTime(text, monday)
		assert.Error(t, err, "%q", text)
	}
	_, err := DateTime("someday 09:00", monday)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"someday" is not a date`)
}

func TestTypedDate(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"15/03/1987", "15/03/1987"},
		{"1987-03-15", "1987-03-15"},
		{"31/02/1987", "31/02/1987"}, // impossible, but typed as written for the EPR to refuse
		{"today-30", "02/05/2026"},
		{"3 days ago", "29/05/2026"},
		{"1 June 2026", "01/06/2026"},
		{"tomorrow", "02/06/2026"},
	} {
		got, err := TypedDate(tc.text, monday)
		require.NoError(t, err, tc.text)
		assert.Equal(t, tc.want, got, tc.text)
	}
	_, err := TypedDate("tomorow", monday)
	assert.ErrorContains(t, err, `"tomorow" is not a date`)
}

func TestClinicalDay(t *testing.T) {
	for _, tc := range []struct {
		clock string
		now   time.Time
		want  string
	}{
		{"2026-06-01", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), "2026-06-01"},
		// 23:30 UTC on 1 June is 00:30 on 2 June in British Summer Time.
		{"2026-06-01T23:30:00Z", time.Time{}, "2026-06-02"},
		{"2026-01-10T23:30:00Z", time.Time{}, "2026-01-10"},
		{"", time.Date(2026, 6, 1, 23, 30, 0, 0, time.UTC), "2026-06-02"},
		{"", time.Date(2026, 12, 24, 9, 0, 0, 0, time.UTC), "2026-12-24"},
	} {
		got, err := ClinicalDay(tc.clock, tc.now)
		require.NoError(t, err, tc.clock)
		assert.Equal(t, tc.want, got.Format(time.DateOnly), "clock %q now %s", tc.clock, tc.now)
		assert.Equal(t, ClinicalZone, got.Location())
	}
	_, err := ClinicalDay("1 June", time.Now())
	assert.ErrorContains(t, err, `clock "1 June"`)
}

func TestToday(t *testing.T) {
	ctx := scenario.With(context.Background(), &scenario.State{Clock: "2026-06-01"})
	got, err := Today(ctx)
	require.NoError(t, err)
	assert.Equal(t, "2026-06-01", got.Format(time.DateOnly))

	_, err = Today(scenario.With(context.Background(), &scenario.State{Clock: "soon"}))
	require.Error(t, err)
	assert.Equal(t, results.KindHarness, failure.Classify(err))

	_, err = Today(context.Background())
	assert.Error(t, err, "no scenario state")
}
