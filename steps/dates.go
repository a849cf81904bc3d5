package steps

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the clinical day is counted in Europe/London wherever the harness runs

	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/scenario"
)

// Dates in step text. Analysts write a date as an absolute value
// ("2026-06-01", "01/06/2026", "1 June 2026") or relative to the EPR's
// clinical day ("today", "today+3", "today-30", "3 days ago", "in 2 weeks",
// "yesterday", "tomorrow"), so that scenarios stay true whichever day the
// EPR thinks it is. The clinical day is the run's configured clock
// (eprharness.yaml `clock`), or the real date when none is set. All
// functions here are pure and safe for concurrent use.

// ClinicalZone is where the clinical day is counted: NHS EPRs keep UK time.
var ClinicalZone = mustZone("Europe/London")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC // unreachable: time/tzdata is embedded
	}
	return loc
}

// DateHelp lists the date forms steps accept, for error messages and docs.
const DateHelp = "a date (2026-06-01, 01/06/2026, 1 June 2026) or a relative date (today, today+3, today-30, 3 days ago, in 2 weeks, yesterday, tomorrow)"

// absoluteLayouts are the absolute date forms, tried in order. Day and
// month come first in "01/06/2026" (UK order). Month names are matched
// without regard to case.
var absoluteLayouts = []string{time.DateOnly, "2/1/2006", "2 January 2006", "2 Jan 2006", "2-Jan-2006"}

var (
	todayRe = regexp.MustCompile(`^today(?:\s*([+-])\s*(\d{1,5})(?:\s*(days?|weeks?|months?|years?))?)?$`)
	agoRe   = regexp.MustCompile(`^(\d{1,5}|an?|one)\s+(days?|weeks?|months?|years?)\s+ago$`)
	inRe    = regexp.MustCompile(`^in\s+(\d{1,5}|an?|one)\s+(days?|weeks?|months?|years?)$`)
)

// Date reads a date as analysts write it, relative dates counting from
// today's date. It returns midnight of that date in today's location, or an
// error naming the text and the forms accepted.
func Date(text string, today time.Time) (time.Time, error) {
	s := strings.ToLower(strings.Join(strings.Fields(text), " "))
	day := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, today.Location())
	switch s {
	case "today":
		return day, nil
	case "yesterday":
		return day.AddDate(0, 0, -1), nil
	case "tomorrow":
		return day.AddDate(0, 0, 1), nil
	}
	if m := todayRe.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[2]) // at most five digits
		if m[1] == "-" {
			n = -n
		}
		return shift(day, n, m[3]), nil
	}
	if m := agoRe.FindStringSubmatch(s); m != nil {
		return shift(day, -count(m[1]), m[2]), nil
	}
	if m := inRe.FindStringSubmatch(s); m != nil {
		return shift(day, count(m[1]), m[2]), nil
	}
	for _, layout := range absoluteLayouts {
		if t, err := time.ParseInLocation(layout, s, today.Location()); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not %s", text, DateHelp)
}

func count(s string) int {
	switch s {
	case "a", "an", "one":
		return 1
	}
	n, _ := strconv.Atoi(s) // at most five digits
	return n
}

// shift moves day by n units (days when unit is empty). Months and years
// keep the day of the month, or the month's last day when it has fewer
// (31 March less a month is 28 or 29 February).
func shift(day time.Time, n int, unit string) time.Time {
	switch strings.TrimSuffix(unit, "s") {
	case "week":
		return day.AddDate(0, 0, 7*n)
	case "month":
		return addMonths(day, n)
	case "year":
		return addMonths(day, 12*n)
	}
	return day.AddDate(0, 0, n)
}

func addMonths(t time.Time, n int) time.Time {
	first := time.Date(t.Year(), t.Month()+time.Month(n), 1, 0, 0, 0, 0, t.Location())
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(t.Day(), last)-1)
}

var clockTimeRe = regexp.MustCompile(`^(.*\S)\s+(\d{1,2}):(\d{2})$`)

// DateTime reads a local date and time written as a date (any form Date
// accepts) followed by a 24-hour time: "2026-06-02 09:00", "tomorrow 09:00",
// "today+1 14:30". The result is in today's location.
func DateTime(text string, today time.Time) (time.Time, error) {
	m := clockTimeRe.FindStringSubmatch(strings.TrimSpace(text))
	if m == nil {
		return time.Time{}, fmt.Errorf("%q is not a date and time: want %s followed by a time (09:00), e.g. \"2026-06-02 09:00\" or \"tomorrow 09:00\"", text, DateHelp)
	}
	d, err := Date(m[1], today)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: %w", text, err)
	}
	h, _ := strconv.Atoi(m[2])
	mi, _ := strconv.Atoi(m[3])
	if h > 23 || mi > 59 {
		return time.Time{}, fmt.Errorf("%q: %s:%s is not a time of day (00:00 to 23:59)", text, m[2], m[3])
	}
	return time.Date(d.Year(), d.Month(), d.Day(), h, mi, 0, 0, d.Location()), nil
}

var typedRe = regexp.MustCompile(`^[0-9/.\- ]*$`)

// TypedDate turns a date from step text into what a user types into an
// EPR's date field. Text of digits and separators ("15/03/1987",
// "1987-03-15", even an impossible "31/02/1987") is kept as written, so
// scenarios can test how the EPR reads and validates what users type. Any
// other text must be a date Date reads ("1 June 2026", "today-30", "3 days
// ago"), and is written day first: "02/05/2026".
func TypedDate(text string, today time.Time) (string, error) {
	if typedRe.MatchString(text) {
		return text, nil
	}
	d, err := Date(text, today)
	if err != nil {
		return "", err
	}
	return d.Format("02/01/2006"), nil
}

// ClinicalDay returns the EPR's clinical day, at midnight in ClinicalZone:
// the date of clock when it is set ("2026-06-01", or an RFC 3339 instant
// read in UK time), else the date of now in UK time.
func ClinicalDay(clock string, now time.Time) (time.Time, error) {
	if clock != "" {
		if t, err := time.ParseInLocation(time.DateOnly, clock, ClinicalZone); err == nil {
			return t, nil
		}
		t, err := time.Parse(time.RFC3339, clock)
		if err != nil {
			return time.Time{}, fmt.Errorf("clock %q: want a date (2026-06-01) or an RFC 3339 time", clock)
		}
		now = t
	}
	now = now.In(ClinicalZone)
	return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, ClinicalZone), nil
}

// Today returns the scenario's clinical day (ClinicalDay of the run's
// clock). A clock it cannot read is a harness fault.
func Today(ctx context.Context) (time.Time, error) {
	s, err := scenario.From(ctx)
	if err != nil {
		return time.Time{}, err
	}
	d, err := ClinicalDay(s.Clock, time.Now())
	if err != nil {
		return time.Time{}, failure.Harness(err)
	}
	return d, nil
}
