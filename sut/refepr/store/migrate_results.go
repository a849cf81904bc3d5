package store

// resultsSchema is the migration for single observations (package
// results): vital signs recorded one at a time, body measurements and
// laboratory results. Statements must be valid for both SQLite and
// PostgreSQL.
//
// Numbers are DOUBLE PRECISION (REAL affinity in SQLite); an absent number
// (no value, an open reference range) is NULL. components is a JSON array
// of {code, value} (blood pressure). effective is the FHIR dateTime as the
// source wrote it; effective_at is the instant it starts at in UTC
// ("2006-01-02T15:04:05Z", fixed width so text order is time order).
var resultsSchema = []string{
	`CREATE TABLE observation_results (
		id               TEXT PRIMARY KEY,
		patient_id       TEXT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
		seq              INTEGER NOT NULL,
		kind             TEXT NOT NULL,
		status           TEXT NOT NULL,
		category         TEXT NOT NULL DEFAULT '',
		code_system      TEXT NOT NULL DEFAULT '',
		code             TEXT NOT NULL DEFAULT '',
		code_display     TEXT NOT NULL DEFAULT '',
		name             TEXT NOT NULL,
		value_type       TEXT NOT NULL DEFAULT '',
		value_number     DOUBLE PRECISION,
		value_unit       TEXT NOT NULL DEFAULT '',
		value_unit_text  TEXT NOT NULL DEFAULT '',
		value_text       TEXT NOT NULL DEFAULT '',
		value_system     TEXT NOT NULL DEFAULT '',
		value_code       TEXT NOT NULL DEFAULT '',
		value_display    TEXT NOT NULL DEFAULT '',
		components       TEXT NOT NULL DEFAULT '[]',
		range_low        DOUBLE PRECISION,
		range_high       DOUBLE PRECISION,
		range_unit       TEXT NOT NULL DEFAULT '',
		range_text       TEXT NOT NULL DEFAULT '',
		interpretation   TEXT NOT NULL DEFAULT '',
		effective        TEXT NOT NULL,
		effective_at     TEXT NOT NULL,
		recorded_by      TEXT NOT NULL,
		recorded_at      TEXT NOT NULL
	)`,
	`CREATE INDEX observation_results_patient ON observation_results (patient_id, effective_at, seq)`,
}
