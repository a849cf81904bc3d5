// Package defects names the realistic regressions the reference EPR can be
// started with (EPR_DEFECTS=name,name), so the harness can be proven to
// catch what a bad release candidate would ship. With no defects turned on
// the EPR behaves correctly; each defect changes one behaviour and nothing
// else. A Set is immutable after Parse and safe for concurrent use.
package defects

import (
	"fmt"
	"sort"
	"strings"
)

// Name is a defect's name.
type Name string

// The defects. Each comment says what goes wrong when it is on.
const (
	// NEWS2Boundary: NEWS2 scores a respiration rate of exactly 25 as 2
	// instead of 3 (the 21–24 band is stretched by one).
	NEWS2Boundary Name = "news2-boundary"
	// AllergyAlertStale: after an allergy is updated the banner's allergy
	// alert is missing.
	AllergyAlertStale Name = "allergy-alert-stale"
	// NHSCheckDigit: registration accepts an NHS number with a wrong check
	// digit.
	NHSCheckDigit Name = "nhs-check-digit"
	// ReceptionistNotes: a receptionist can open clinical notes.
	ReceptionistNotes Name = "receptionist-notes"
	// DoubleBooking: a slot that is already booked can be booked again.
	DoubleBooking Name = "double-booking"
	// DOBClockChange: a date of birth is shown one day out for patients born
	// in British Summer Time (converted through local midnight).
	DOBClockChange Name = "dob-clock-change"
	// BreakGlassUnaudited: break-glass access to a sensitive record is not
	// written to the audit log.
	BreakGlassUnaudited Name = "break-glass-unaudited"
	// SearchDropsLast: patient search drops the last result of each page.
	SearchDropsLast Name = "search-drops-last"
	// SlowSearch: patient search answers only after several seconds.
	SlowSearch Name = "slow-search"
)

// All lists every defect with its description, in a stable order.
var All = map[Name]string{
	NEWS2Boundary:       "NEWS2 scores respiration rate 25 as 2 instead of 3",
	AllergyAlertStale:   "the banner's allergy alert disappears after an allergy is updated",
	NHSCheckDigit:       "registration accepts an NHS number with a wrong check digit",
	ReceptionistNotes:   "a receptionist can open clinical notes",
	DoubleBooking:       "an already booked slot can be booked again",
	DOBClockChange:      "dates of birth in British Summer Time are shown one day early",
	BreakGlassUnaudited: "break-glass access is not audited",
	SearchDropsLast:     "patient search drops the last result of each page",
	SlowSearch:          "patient search takes several seconds to answer",
}

// Names returns every defect name, sorted.
func Names() []Name {
	out := make([]Name, 0, len(All))
	for n := range All {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Set is the defects turned on.
type Set struct{ on map[Name]bool }

// Parse reads "name,name" (spaces allowed; empty means none). An unknown
// name is an error that lists the known ones.
func Parse(s string) (Set, error) {
	set := Set{on: map[Name]bool{}}
	for _, part := range strings.Split(s, ",") {
		n := Name(strings.TrimSpace(part))
		if n == "" {
			continue
		}
		if _, ok := All[n]; !ok {
			names := make([]string, 0, len(All))
			for _, k := range Names() {
				names = append(names, string(k))
			}
			return Set{}, fmt.Errorf("unknown defect %q (known: %s)", n, strings.Join(names, ", "))
		}
		set.on[n] = true
	}
	return set, nil
}

// On reports whether the defect is turned on. The zero Set has none on.
func (s Set) On(n Name) bool { return s.on[n] }

// List returns the defects turned on, sorted.
func (s Set) List() []Name {
	var out []Name
	for _, n := range Names() {
		if s.on[n] {
			out = append(out, n)
		}
	}
	return out
}

// String is the set as EPR_DEFECTS would spell it.
func (s Set) String() string {
	names := make([]string, 0, len(s.on))
	for _, n := range s.List() {
		names = append(names, string(n))
	}
	return strings.Join(names, ",")
}
