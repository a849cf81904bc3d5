package store

// recordsSchema is the migration for registration details, sensitive records, clinical notes, the audit log and break-glass access.
// Statements must be valid for both SQLite and PostgreSQL.
var recordsSchema = []string{}
