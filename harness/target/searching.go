package target

import "time"

// PatientSearch is patient search at scale: by name and date of birth,
// paged results, the "too many results" refusal, and searches with a time
// bound.
type PatientSearch interface {
	// SearchByNameAndBirthDate searches by name (or part of one) and date
	// of birth as the user types it ("15/03/1987"); an empty name searches
	// by date of birth alone.
	SearchByNameAndBirthDate(ui UI, name, birthDate string) error
	// SearchByNHSNumberWithin searches by NHS number and fails unless the
	// EPR answers within d.
	SearchByNHSNumberWithin(ui UI, nhsNumber string, d time.Duration) error
	// ExpectResultsOnPage checks how many patients the current page of
	// results lists.
	ExpectResultsOnPage(ui UI, n int) error
	// ExpectResultsRange checks which results the page shows: from, to
	// (1-based, inclusive) of total.
	ExpectResultsRange(ui UI, from, to, total int) error
	// ResultsPage moves to the next (or previous) page of results.
	ResultsPage(ui UI, next bool) error
	// ExpectTooManyResults checks the EPR asked the user to refine a search
	// that matched too many patients, listing none.
	ExpectTooManyResults(ui UI) error
}
