package store

// searchSchema is the migration for indexes that keep patient search fast at scale.
// Statements must be valid for both SQLite and PostgreSQL.
var searchSchema = []string{}
