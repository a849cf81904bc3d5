package store

// recordsSchema is the migration for registration details, sensitive records, clinical notes, the audit log and break-glass access.
// Statements must be valid for both SQLite and PostgreSQL.
//
//   - patients.gp_practice and patients.sensitive (0 or 1: an INTEGER, so
//     both databases read it the same way) extend registration.
//   - care_team lists the users with a legitimate relationship to a patient.
//   - break_glass_grants are the restricted records a sign-in session has
//     broken the glass for (session_key is a SHA-256 of the session token,
//     never the token itself).
//   - clinical_notes and clinical_note_versions keep every version of a note.
//   - audit_log is append-only; logged_at (real time) orders entries whose
//     clinical-clock time "at" is the same.
var recordsSchema = []string{
	`ALTER TABLE patients ADD COLUMN gp_practice TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE patients ADD COLUMN sensitive INTEGER NOT NULL DEFAULT 0`,
	`CREATE TABLE care_team (
		patient_id TEXT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
		username   TEXT NOT NULL,
		added_at   TEXT NOT NULL,
		PRIMARY KEY (patient_id, username)
	)`,
	`CREATE TABLE break_glass_grants (
		session_key TEXT NOT NULL,
		patient_id  TEXT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
		username    TEXT NOT NULL,
		reason      TEXT NOT NULL,
		granted_at  TEXT NOT NULL,
		PRIMARY KEY (session_key, patient_id)
	)`,
	`CREATE TABLE clinical_notes (
		id         TEXT PRIMARY KEY,
		patient_id TEXT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
		status     TEXT NOT NULL,
		created_by TEXT NOT NULL,
		created_at TEXT NOT NULL,
		logged_at  TEXT NOT NULL
	)`,
	`CREATE INDEX clinical_notes_patient ON clinical_notes (patient_id, logged_at)`,
	`CREATE TABLE clinical_note_versions (
		note_id     TEXT NOT NULL REFERENCES clinical_notes (id) ON DELETE CASCADE,
		version     INTEGER NOT NULL,
		body        TEXT NOT NULL,
		author      TEXT NOT NULL,
		author_name TEXT NOT NULL,
		recorded_at TEXT NOT NULL,
		signed_at   TEXT NOT NULL DEFAULT '',
		reason      TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (note_id, version)
	)`,
	`CREATE TABLE audit_log (
		id         TEXT PRIMARY KEY,
		at         TEXT NOT NULL,
		logged_at  TEXT NOT NULL,
		username   TEXT NOT NULL,
		action     TEXT NOT NULL,
		patient_id TEXT NOT NULL DEFAULT '',
		nhs_number TEXT NOT NULL DEFAULT '',
		details    TEXT NOT NULL DEFAULT ''
	)`,
	`CREATE INDEX audit_log_logged_at ON audit_log (logged_at)`,
	`CREATE INDEX audit_log_nhs_number ON audit_log (nhs_number)`,
}
