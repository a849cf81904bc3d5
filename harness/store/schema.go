package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// migrations are the schema, one step per version: migrations[i] brings a
// database from version i to i+1. Steps are only ever appended. The same
// DDL serves SQLite and PostgreSQL (SQLite takes BIGINT and BOOLEAN as
// integer columns).
//
// Instants are BIGINT nanoseconds since the Unix epoch in UTC, NULL for
// the zero time; JSON columns hold the encoding/json form of the results
// model's values.
var migrations = [][]string{
	{
		`CREATE TABLE runs (
			id            TEXT PRIMARY KEY,
			started_at    BIGINT NOT NULL,
			finished_at   BIGINT,
			interrupted   BOOLEAN NOT NULL,
			git_commit    TEXT NOT NULL,
			tags          TEXT NOT NULL,
			target        TEXT NOT NULL,
			machine       TEXT NOT NULL,
			browser       TEXT NOT NULL,
			retries       BIGINT NOT NULL,
			fail_on_flaky BOOLEAN NOT NULL,
			n_scenarios   BIGINT NOT NULL DEFAULT 0,
			n_passed      BIGINT NOT NULL DEFAULT 0,
			n_failed      BIGINT NOT NULL DEFAULT 0,
			n_skipped     BIGINT NOT NULL DEFAULT 0,
			n_flaky       BIGINT NOT NULL DEFAULT 0,
			n_other       BIGINT NOT NULL DEFAULT 0
		)`,
		`CREATE INDEX runs_started_at ON runs (started_at)`,
		`CREATE TABLE scenarios (
			run_id              TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
			scenario_id         TEXT NOT NULL,
			feature_uri         TEXT NOT NULL,
			feature_name        TEXT NOT NULL,
			feature_line        BIGINT NOT NULL,
			feature_tags        TEXT NOT NULL,
			feature_description TEXT NOT NULL,
			keyword             TEXT NOT NULL,
			name                TEXT NOT NULL,
			line                BIGINT NOT NULL,
			tags                TEXT NOT NULL,
			status              TEXT NOT NULL,
			failure_kind        TEXT NOT NULL,
			error               TEXT NOT NULL,
			started_at          BIGINT,
			duration_ns         BIGINT NOT NULL,
			quarantined         BOOLEAN NOT NULL,
			repro               TEXT NOT NULL,
			steps               TEXT NOT NULL,
			attachments         TEXT NOT NULL,
			attempts            TEXT NOT NULL,
			PRIMARY KEY (run_id, scenario_id)
		)`,
		`CREATE INDEX scenarios_scenario_id ON scenarios (scenario_id)`,
	},
	// 2: the hosts the browser was blocked from reaching and the unique
	// patient identities a scenario used (JSON; 'null' is none, as
	// encoding/json writes a nil slice).
	{
		`ALTER TABLE scenarios ADD COLUMN blocked TEXT NOT NULL DEFAULT 'null'`,
		`ALTER TABLE scenarios ADD COLUMN identities TEXT NOT NULL DEFAULT 'null'`,
	},
	// 3: the run's plan (JSON list of results.PlannedScenario; 'null' for
	// runs recorded before plans were kept), and the counts of
	// interrupted scenarios, of planned scenarios and of planned ones
	// with no result yet. Interrupted scenarios were counted in n_other
	// before; no run recorded one then.
	{
		`ALTER TABLE runs ADD COLUMN planned TEXT NOT NULL DEFAULT 'null'`,
		`ALTER TABLE runs ADD COLUMN n_planned BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE runs ADD COLUMN n_not_run BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE runs ADD COLUMN n_interrupted BIGINT NOT NULL DEFAULT 0`,
	},
}

// schemaVersion is the version this build of the store writes.
var schemaVersion = len(migrations)

// migrate creates the schema or brings it up to schemaVersion, in one
// transaction. Concurrent opens of one PostgreSQL database take turns on an
// advisory lock; SQLite's BEGIN IMMEDIATE serialises them.
func (s *sqlStore) migrate(ctx context.Context) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if s.dialect == postgresDialect {
			// An arbitrary key, constant for eprharness results stores.
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7420185563)`); err != nil {
				return fmt.Errorf("lock schema: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS store_schema (version BIGINT NOT NULL)`); err != nil {
			return fmt.Errorf("create schema version table: %w", err)
		}
		var version int
		err := tx.QueryRowContext(ctx, `SELECT version FROM store_schema`).Scan(&version)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.ExecContext(ctx, `INSERT INTO store_schema (version) VALUES (0)`); err != nil {
				return fmt.Errorf("init schema version: %w", err)
			}
		case err != nil:
			return fmt.Errorf("read schema version: %w", err)
		}
		if version > schemaVersion {
			return fmt.Errorf("the store has schema version %d, newer than this eprharness understands (%d): upgrade eprharness", version, schemaVersion)
		}
		for v := version; v < schemaVersion; v++ {
			for _, stmt := range migrations[v] {
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("migrate schema to version %d: %w", v+1, err)
				}
			}
		}
		if version != schemaVersion {
			if _, err := tx.ExecContext(ctx, rebind(s.dialect, `UPDATE store_schema SET version = ?`), schemaVersion); err != nil {
				return fmt.Errorf("set schema version: %w", err)
			}
		}
		return nil
	})
}
