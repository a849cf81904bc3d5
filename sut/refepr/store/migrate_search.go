package store

// searchSchema is the migration for indexes that keep patient search fast at
// scale (10,000 patients and more; see search_bench_test.go in sut/refepr).
// Statements must be valid for both SQLite and PostgreSQL.
//
//   - an NHS number search uses the UNIQUE index of patients.nhs_number;
//   - a name plus date of birth search starts from the birth date, which is
//     selective (a few patients a day), then checks the name in the index;
//   - a partial-name search ("ond") cannot use a B-tree and scans the
//     lower-cased names, which the covering index below keeps narrow; the
//     ordering index patients_family_lower (migration 1) serves the ORDER BY
//     so only one page is read after the count.
var searchSchema = []string{
	`CREATE INDEX patients_birth_date_name ON patients (birth_date, family_lower, given_lower)`,
	`CREATE INDEX patients_name_order ON patients (family_lower, given_lower, birth_date, id)`,
}
