package store

// clinicalSchema is the migration for allergies, medications and observations (vital signs, NEWS2).
// Statements must be valid for both SQLite and PostgreSQL.
//
// Booleans are INTEGER 0/1 and seq orders a patient's entries in recording
// order (the clinical clock may be fixed, so timestamps can tie).
var clinicalSchema = []string{
	`CREATE TABLE allergies (
		id          TEXT PRIMARY KEY,
		patient_id  TEXT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
		seq         INTEGER NOT NULL,
		kind        TEXT NOT NULL,
		substance   TEXT NOT NULL,
		reaction    TEXT NOT NULL DEFAULT '',
		severity    TEXT NOT NULL DEFAULT '',
		status      TEXT NOT NULL,
		updated     INTEGER NOT NULL DEFAULT 0,
		recorded_by TEXT NOT NULL,
		recorded_at TEXT NOT NULL,
		updated_at  TEXT NOT NULL
	)`,
	`CREATE INDEX allergies_patient ON allergies (patient_id, seq)`,
	`CREATE TABLE prescriptions (
		id               TEXT PRIMARY KEY,
		patient_id       TEXT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
		seq              INTEGER NOT NULL,
		drug             TEXT NOT NULL,
		dose             TEXT NOT NULL,
		route            TEXT NOT NULL,
		frequency        TEXT NOT NULL,
		status           TEXT NOT NULL,
		override_reason  TEXT NOT NULL DEFAULT '',
		conflict_warning TEXT NOT NULL DEFAULT '',
		prescribed_by    TEXT NOT NULL,
		prescribed_at    TEXT NOT NULL,
		stopped_by       TEXT NOT NULL DEFAULT '',
		stopped_at       TEXT NOT NULL DEFAULT '',
		stop_reason      TEXT NOT NULL DEFAULT ''
	)`,
	`CREATE INDEX prescriptions_patient ON prescriptions (patient_id, seq)`,
	`CREATE TABLE observation_sets (
		id               TEXT PRIMARY KEY,
		patient_id       TEXT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
		seq              INTEGER NOT NULL,
		respiration_rate INTEGER NOT NULL,
		spo2             INTEGER NOT NULL,
		spo2_scale       INTEGER NOT NULL,
		on_oxygen        INTEGER NOT NULL,
		systolic         INTEGER NOT NULL,
		pulse            INTEGER NOT NULL,
		consciousness    TEXT NOT NULL,
		temp_tenths      INTEGER NOT NULL,
		news2_total      INTEGER NOT NULL,
		news2_band       TEXT NOT NULL,
		recorded_by      TEXT NOT NULL,
		recorded_at      TEXT NOT NULL
	)`,
	`CREATE INDEX observation_sets_patient ON observation_sets (patient_id, seq)`,
}
