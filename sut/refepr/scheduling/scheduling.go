// Package scheduling holds the reference EPR's outpatient and inpatient
// reference data and rules, free of any storage: the outpatient clinics and
// the slots their weekly templates generate on working days, the wards and
// their beds, and how appointment times are shown.
//
// Clinic times are local to England (Europe/London, with British Summer
// Time); instants are kept in UTC by the store. Everything here is
// immutable and safe for concurrent use.
package scheduling

import (
	"fmt"
	"time"
	_ "time/tzdata" // the EPR's image has no zoneinfo; clinic times are in Europe/London
)

// London is the time zone clinic times are written in.
var London = mustLoad("Europe/London")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("load time zone %s: %v", name, err)) // embedded by time/tzdata
	}
	return loc
}

// HorizonDays is how many working days ahead, from tomorrow, clinics offer
// slots.
const HorizonDays = 10

// Clinic is an outpatient clinic and its weekly template.
type Clinic struct {
	ID        string // stable code, e.g. "cardiology"
	Name      string // what users choose, e.g. "Cardiology"
	Specialty string
	Location  string
	Weekdays  []time.Weekday // the days it runs
	Start     string         // first slot, local time "09:00"
	End       string         // end of the session, local time "12:00"
	Minutes   int            // slot length
}

// Clinics are the outpatient clinics every reference EPR starts with.
var Clinics = []Clinic{
	{ID: "cardiology", Name: "Cardiology", Specialty: "Cardiology", Location: "Outpatients B, Level 2",
		Weekdays: weekdays, Start: "09:00", End: "12:00", Minutes: 30},
	{ID: "dermatology", Name: "Dermatology", Specialty: "Dermatology", Location: "Outpatients A, Level 1",
		Weekdays: []time.Weekday{time.Monday, time.Wednesday, time.Friday}, Start: "14:00", End: "16:00", Minutes: 20},
	{ID: "orthopaedics", Name: "Trauma and orthopaedics", Specialty: "Trauma and orthopaedics", Location: "Fracture clinic, Level 0",
		Weekdays: []time.Weekday{time.Tuesday, time.Thursday}, Start: "10:00", End: "12:00", Minutes: 15},
}

var weekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}

// bankHolidays are England and Wales bank holidays (gov.uk) on which no
// clinic runs.
var bankHolidays = map[string]bool{
	"2026-01-01": true, "2026-04-03": true, "2026-04-06": true, "2026-05-04": true,
	"2026-05-25": true, "2026-08-31": true, "2026-12-25": true, "2026-12-28": true,
	"2027-01-01": true, "2027-03-26": true, "2027-03-29": true, "2027-05-03": true,
	"2027-05-31": true, "2027-08-30": true, "2027-12-27": true, "2027-12-28": true,
}

// IsWorkingDay reports whether the local date of t is a weekday that is not
// a bank holiday.
func IsWorkingDay(t time.Time) bool {
	t = t.In(London)
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	return !bankHolidays[t.Format(time.DateOnly)]
}

// SlotTime is one generated slot.
type SlotTime struct {
	ID         string // stable: "<clinic>-YYYYMMDD-HHMM" in local time
	Start, End time.Time
}

// Slots generates the clinic's slots on the HorizonDays working days after
// the local date of now (a slot is never offered on the day itself). The
// result is ordered by start.
func Slots(c Clinic, now time.Time) ([]SlotTime, error) {
	start, err := time.Parse("15:04", c.Start)
	if err != nil {
		return nil, fmt.Errorf("clinic %s: start %q: %w", c.ID, c.Start, err)
	}
	end, err := time.Parse("15:04", c.End)
	if err != nil {
		return nil, fmt.Errorf("clinic %s: end %q: %w", c.ID, c.End, err)
	}
	if c.Minutes <= 0 {
		return nil, fmt.Errorf("clinic %s: slot length %d minutes", c.ID, c.Minutes)
	}
	length := time.Duration(c.Minutes) * time.Minute
	runs := map[time.Weekday]bool{}
	for _, d := range c.Weekdays {
		runs[d] = true
	}
	local := now.In(London)
	day := time.Date(local.Year(), local.Month(), local.Day(), 12, 0, 0, 0, London)
	var out []SlotTime
	for worked := 0; worked < HorizonDays; {
		day = day.AddDate(0, 0, 1)
		if !IsWorkingDay(day) {
			continue
		}
		worked++
		if !runs[day.Weekday()] {
			continue
		}
		at := time.Date(day.Year(), day.Month(), day.Day(), start.Hour(), start.Minute(), 0, 0, London)
		stop := time.Date(day.Year(), day.Month(), day.Day(), end.Hour(), end.Minute(), 0, 0, London)
		for ; !at.Add(length).After(stop); at = at.Add(length) {
			out = append(out, SlotTime{ID: SlotID(c.ID, at), Start: at.UTC(), End: at.Add(length).UTC()})
		}
	}
	return out, nil
}

// SlotID is the stable id of a clinic's slot starting at t.
func SlotID(clinicID string, t time.Time) string {
	return clinicID + "-" + t.In(London).Format("20060102-1504")
}

// WhenLayout is how the EPR shows an appointment's date and time, in
// local time: "Tue 2 Jun 2026 09:00".
const WhenLayout = "Mon 2 Jan 2006 15:04"

// FormatWhen shows an instant as WhenLayout in local time.
func FormatWhen(t time.Time) string { return t.In(London).Format(WhenLayout) }

// Ward is an inpatient ward and its beds.
type Ward struct {
	ID        string
	Name      string // "Ward 7"
	Specialty string
	Beds      []string // bed labels, in board order
}

// Wards are the wards every reference EPR starts with.
var Wards = []Ward{
	{ID: "ward-7", Name: "Ward 7", Specialty: "General medicine", Beds: []string{"1", "2", "3", "4", "5", "6"}},
	{ID: "ward-12", Name: "Ward 12", Specialty: "Cardiology", Beds: []string{"1", "2", "3", "4"}},
}

// BedID is the stable id of a ward's bed.
func BedID(wardID, label string) string { return wardID + "-bed-" + label }
