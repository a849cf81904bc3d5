package store

import (
	"context"
	"fmt"
)

// migrations are applied in order, each in its own transaction, and recorded
// in schema_migrations. Each is a list of single statements valid for both
// SQLite and PostgreSQL. Append only: never edit a migration that has shipped.
var migrations = [][]string{
	// 1: users and patients. family_lower and given_lower (given names
	// joined by spaces) are lower-cased in Go, so name search and ordering
	// agree on both databases whatever their collation.
	{`CREATE TABLE users (
		username      TEXT PRIMARY KEY,
		password_hash TEXT NOT NULL,
		role          TEXT NOT NULL,
		display_name  TEXT NOT NULL,
		role_title    TEXT NOT NULL
	)`,
		`CREATE TABLE patients (
		id            TEXT PRIMARY KEY,
		nhs_number    TEXT NOT NULL UNIQUE,
		family        TEXT NOT NULL,
		given_names   TEXT NOT NULL DEFAULT '[]',
		family_lower  TEXT NOT NULL,
		given_lower   TEXT NOT NULL DEFAULT '',
		gender        TEXT NOT NULL,
		birth_date    TEXT NOT NULL,
		address_lines TEXT NOT NULL DEFAULT '[]',
		city          TEXT NOT NULL DEFAULT '',
		postal_code   TEXT NOT NULL DEFAULT '',
		created_at    TEXT NOT NULL,
		updated_at    TEXT NOT NULL
	)`,
		`CREATE INDEX patients_family_lower ON patients (family_lower, given_lower)`},
	// 2..5: one migration per clinical area, each defined in its own file
	// (migrate_<area>.go) so areas can grow independently.
	clinicalSchema,    // allergies, medications, observations
	recordsSchema,     // registration details, notes, audit, break-glass
	schedulingSchema,  // appointments, slots, admissions, beds
	searchSchema,      // search indexes
	identifiersSchema, // FHIR identifiers (conditional create), free-text dosage
	resultsSchema,     // single observations: vital signs, body measurements, lab results
	referralsSchema,   // referrals (FHIR ServiceRequest) and FHIR Subscriptions
}

// migrateLockID is the PostgreSQL advisory lock that serialises migrations
// when several servers start against one database.
const migrateLockID = 7262031

func (s *Store) migrate(ctx context.Context) error {
	for i, m := range migrations {
		version := i + 1
		err := s.InTx(ctx, func(tx *Tx) error {
			if s.dialect == Postgres {
				// Several servers may start against one database at once.
				if _, err := tx.exec(ctx, `SELECT pg_advisory_xact_lock(?)`, migrateLockID); err != nil {
					return fmt.Errorf("lock: %w", err)
				}
			}
			if _, err := tx.exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
				version    INTEGER PRIMARY KEY,
				applied_at TEXT NOT NULL
			)`); err != nil {
				return fmt.Errorf("create schema_migrations: %w", err)
			}
			var n int
			if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
				return fmt.Errorf("read schema_migrations: %w", err)
			}
			if n > 0 {
				return nil
			}
			for _, stmt := range m {
				if _, err := tx.exec(ctx, stmt); err != nil {
					return fmt.Errorf("apply: %w", err)
				}
			}
			_, err := tx.exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
				version, formatInstant(s.now()))
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate to version %d: %w", version, err)
		}
	}
	return nil
}
