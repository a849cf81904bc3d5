package store

// clinicalSchema is the migration for allergies, medications and observations (vital signs, NEWS2).
// Statements must be valid for both SQLite and PostgreSQL.
var clinicalSchema = []string{}
