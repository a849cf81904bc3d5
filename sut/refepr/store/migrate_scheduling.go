package store

// schedulingSchema is the migration for appointment slots, appointments, wards, beds and admissions.
// Statements must be valid for both SQLite and PostgreSQL.
var schedulingSchema = []string{}
