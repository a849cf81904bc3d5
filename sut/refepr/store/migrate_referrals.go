package store

// referralsSchema is the migration for referrals received from GP
// practices (FHIR ServiceRequest) and FHIR Subscriptions (rest-hook
// notifications). Statements must be valid for both SQLite and PostgreSQL.
//
// A referral belongs to a patient (deleted with them) and names a clinic.
// appointment_id is the appointment booked from it (empty until booked); it is
// not a foreign key, so a reset may empty the appointments first. A
// subscription belongs to no patient: Reset deletes them all.
var referralsSchema = []string{
	`CREATE TABLE referrals (
		id             TEXT PRIMARY KEY,
		patient_id     TEXT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
		clinic_id      TEXT NOT NULL REFERENCES clinics (id),
		status         TEXT NOT NULL,
		intent         TEXT NOT NULL,
		priority       TEXT NOT NULL,
		reason         TEXT NOT NULL DEFAULT '',
		requester      TEXT NOT NULL DEFAULT '',
		authored_on    TEXT NOT NULL DEFAULT '',
		appointment_id TEXT NOT NULL DEFAULT '',
		received_at    TEXT NOT NULL,
		updated_at     TEXT NOT NULL
	)`,
	`CREATE INDEX referrals_patient ON referrals (patient_id)`,
	`CREATE INDEX referrals_received ON referrals (received_at)`,
	`CREATE TABLE subscriptions (
		id          TEXT PRIMARY KEY,
		criteria    TEXT NOT NULL,
		endpoint    TEXT NOT NULL,
		payload     TEXT NOT NULL DEFAULT '',
		headers     TEXT NOT NULL DEFAULT '[]',
		reason      TEXT NOT NULL DEFAULT '',
		status      TEXT NOT NULL,
		error       TEXT NOT NULL DEFAULT '',
		created_at  TEXT NOT NULL,
		updated_at  TEXT NOT NULL
	)`,
}
