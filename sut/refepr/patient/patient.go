// Package patient holds the reference EPR's patient model and the rules for
// showing it to people: display names, dates of birth and ages.
//
// The package is pure (it reads no clock and does no I/O) and every function
// is safe for concurrent use. Values are plain structs: callers own them.
package patient

import (
	"fmt"
	"strings"
	"time"

	"github.com/eprharness/eprharness/nhsnumber"
)

// NHSNumberSystem is the FHIR identifier system of NHS numbers.
const NHSNumberSystem = "https://fhir.nhs.uk/Id/nhs-number"

// Gender is administrative gender with FHIR's codes.
type Gender string

// The genders FHIR R4 defines.
const (
	Male    Gender = "male"
	Female  Gender = "female"
	Other   Gender = "other"
	Unknown Gender = "unknown"
)

// ParseGender accepts a FHIR gender code; "" means unknown.
func ParseGender(s string) (Gender, error) {
	switch g := Gender(s); g {
	case Male, Female, Other, Unknown:
		return g, nil
	case "":
		return Unknown, nil
	default:
		return "", fmt.Errorf("gender %q is not one of male, female, other, unknown", s)
	}
}

// Label is the gender as shown to people: "Female", "Male", "Other" or
// "Unknown".
func (g Gender) Label() string {
	switch g {
	case Male:
		return "Male"
	case Female:
		return "Female"
	case Other:
		return "Other"
	default:
		return "Unknown"
	}
}

// Address is a postal address.
type Address struct {
	Lines      []string
	City       string
	PostalCode string
}

// Empty reports whether the address holds nothing to show.
func (a Address) Empty() bool {
	for _, l := range a.Lines {
		if strings.TrimSpace(l) != "" {
			return false
		}
	}
	return strings.TrimSpace(a.City) == "" && strings.TrimSpace(a.PostalCode) == ""
}

// Parts returns the non-blank lines, city and postcode in display order.
func (a Address) Parts() []string {
	var out []string
	for _, s := range append(append([]string{}, a.Lines...), a.City, a.PostalCode) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Patient is one person known to the EPR.
type Patient struct {
	ID          string // opaque, assigned by the store
	NHSNumber   nhsnumber.Number
	Family      string
	Given       []string
	Gender      Gender
	BirthDate   Date
	Address     Address
	GPPractice  string    // the GP practice the patient is registered with, e.g. "Leadworth Surgery"
	Sensitive   bool      // a restricted record: the address is shown only with a legitimate relationship
	LastUpdated time.Time // set by the store on write
}

// GivenNames returns the given names joined by spaces, as stored.
func (p Patient) GivenNames() string {
	return strings.Join(p.Given, " ")
}

// DisplayName is the name shown in lists, banners and headings: the family
// name upper-cased, a comma, then the given names as stored ("POND, Amy").
func (p Patient) DisplayName() string {
	family := strings.ToUpper(p.Family)
	if given := p.GivenNames(); given != "" {
		return family + ", " + given
	}
	return family
}

// Date is a calendar date with no time zone, stored as ISO "YYYY-MM-DD".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate accepts exactly "YYYY-MM-DD" for a real calendar date.
func ParseDate(s string) (Date, error) {
	if len(s) != len("2006-01-02") {
		return Date{}, fmt.Errorf("%q is not a date in the form YYYY-MM-DD", s)
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date in the form YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// DateOf returns the calendar date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// String returns the ISO form "1987-03-15".
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Display returns the form shown to people, "15-Mar-1987".
func (d Date) Display() string {
	return fmt.Sprintf("%02d-%s-%04d", d.Day, d.Month.String()[:3], d.Year)
}

// Midnight returns the instant the day d starts in loc. A date of birth is
// a calendar date, not an instant: show it with Display, never by
// formatting this instant in another zone.
func (d Date) Midnight(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

func (d Date) time() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool { return d.time().Before(e.time()) }

// Age returns the age of someone born on birth as of today, in the form used
// in patient banners: whole years ("39y") from two years old, else whole
// months ("14m") from one month old, else days ("12d"). A birth date after
// today gives "0d".
func Age(birth, today Date) string {
	if !birth.Before(today) {
		return "0d"
	}
	years := today.Year - birth.Year
	if today.Month < birth.Month || (today.Month == birth.Month && today.Day < birth.Day) {
		years--
	}
	if years >= 2 {
		return fmt.Sprintf("%dy", years)
	}
	months := (today.Year-birth.Year)*12 + int(today.Month) - int(birth.Month)
	if today.Day < birth.Day {
		months--
	}
	if months >= 1 {
		return fmt.Sprintf("%dm", months)
	}
	days := int(today.time().Sub(birth.time()).Hours() / 24)
	return fmt.Sprintf("%dd", days)
}
