package store

// identifiersSchema is the migration for what records loaded through FHIR
// bring with them: the identifiers of every resource created through the
// FHIR API (fhir_identifiers.go, for conditional creates) and a
// prescription's free-text dosage. Statements must be valid for both SQLite
// and PostgreSQL.
//
// An identifier row belongs to the patient whose record the resource is
// part of (the patient itself for a Patient): deleting the patient, as a
// reset does, deletes its identifiers.
var identifiersSchema = []string{
	`CREATE TABLE fhir_identifiers (
		resource_type TEXT NOT NULL,
		system        TEXT NOT NULL,
		value         TEXT NOT NULL,
		resource_id   TEXT NOT NULL,
		patient_id    TEXT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
		PRIMARY KEY (resource_type, system, value, resource_id)
	)`,
	`CREATE INDEX fhir_identifiers_value ON fhir_identifiers (resource_type, value)`,
	`CREATE INDEX fhir_identifiers_patient ON fhir_identifiers (patient_id)`,
	`ALTER TABLE prescriptions ADD COLUMN dosage_text TEXT NOT NULL DEFAULT ''`,
}
