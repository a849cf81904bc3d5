package store

import (
	"fmt"
	"strings"

	"github.com/eprharness/eprharness/sut/refepr/scheduling"
)

// schedulingSchema is the migration for appointment slots, appointments, wards, beds and admissions.
// Statements must be valid for both SQLite and PostgreSQL.
//
// Clinics, wards and beds are reference data seeded here and again on every
// Reset. Slots are materialised from the clinics' templates when the
// schedule is read (see ensureSlots), so they always lie ahead of the
// clinical clock. A slot's status is the booking guard: booking flips it from
// free to busy with a conditional UPDATE inside the booking's transaction.
// An active admission is unique per bed and per patient (partial unique
// indexes).
var schedulingSchema = append([]string{
	`CREATE TABLE clinics (
		id        TEXT PRIMARY KEY,
		name      TEXT NOT NULL UNIQUE,
		specialty TEXT NOT NULL,
		location  TEXT NOT NULL,
		position  INTEGER NOT NULL
	)`,
	`CREATE TABLE slots (
		id        TEXT PRIMARY KEY,
		clinic_id TEXT NOT NULL REFERENCES clinics (id),
		start_at  TEXT NOT NULL,
		end_at    TEXT NOT NULL,
		status    TEXT NOT NULL DEFAULT 'free'
	)`,
	`CREATE INDEX slots_clinic_start ON slots (clinic_id, start_at)`,
	`CREATE TABLE appointments (
		id           TEXT PRIMARY KEY,
		patient_id   TEXT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
		slot_id      TEXT NOT NULL REFERENCES slots (id) ON DELETE CASCADE,
		status       TEXT NOT NULL,
		booked_by    TEXT NOT NULL,
		created_at   TEXT NOT NULL,
		updated_at   TEXT NOT NULL
	)`,
	`CREATE INDEX appointments_patient ON appointments (patient_id)`,
	`CREATE INDEX appointments_slot ON appointments (slot_id)`,
	`CREATE TABLE wards (
		id        TEXT PRIMARY KEY,
		name      TEXT NOT NULL UNIQUE,
		specialty TEXT NOT NULL,
		position  INTEGER NOT NULL
	)`,
	`CREATE TABLE beds (
		id       TEXT PRIMARY KEY,
		ward_id  TEXT NOT NULL REFERENCES wards (id),
		label    TEXT NOT NULL,
		position INTEGER NOT NULL,
		UNIQUE (ward_id, label)
	)`,
	`CREATE TABLE admissions (
		id            TEXT PRIMARY KEY,
		patient_id    TEXT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
		bed_id        TEXT NOT NULL REFERENCES beds (id),
		admitted_at   TEXT NOT NULL,
		admitted_by   TEXT NOT NULL,
		discharged_at TEXT,
		updated_at    TEXT NOT NULL
	)`,
	`CREATE UNIQUE INDEX admissions_active_bed ON admissions (bed_id) WHERE discharged_at IS NULL`,
	`CREATE UNIQUE INDEX admissions_active_patient ON admissions (patient_id) WHERE discharged_at IS NULL`,
}, schedulingSeed()...)

// schedulingSeed inserts the clinics, wards and beds of package scheduling,
// leaving rows that exist alone.
func schedulingSeed() []string {
	q := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	var out []string
	for i, c := range scheduling.Clinics {
		out = append(out, fmt.Sprintf(`INSERT INTO clinics (id, name, specialty, location, position) VALUES (%s, %s, %s, %s, %d) ON CONFLICT (id) DO NOTHING`,
			q(c.ID), q(c.Name), q(c.Specialty), q(c.Location), i))
	}
	for i, w := range scheduling.Wards {
		out = append(out, fmt.Sprintf(`INSERT INTO wards (id, name, specialty, position) VALUES (%s, %s, %s, %d) ON CONFLICT (id) DO NOTHING`,
			q(w.ID), q(w.Name), q(w.Specialty), i))
		for j, b := range w.Beds {
			out = append(out, fmt.Sprintf(`INSERT INTO beds (id, ward_id, label, position) VALUES (%s, %s, %s, %d) ON CONFLICT (id) DO NOTHING`,
				q(scheduling.BedID(w.ID, b)), q(w.ID), q(b), j))
		}
	}
	return out
}
