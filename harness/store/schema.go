package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/eprharness/eprharness/harness/exitcode"
	"github.com/eprharness/eprharness/harness/results"
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
	// 4: the store at scale (issue 12). The run's verdict (Verdict),
	// stored so lists of runs and last-green never read runs in full;
	// existing runs get theirs from backfillVerdicts in this step. Where
	// the time went (results.Phase lists, JSON) and the run's shard
	// ("I/N", or the shards a merged run combined, JSON). Each scenario
	// row keeps its run's start (run_started_at, kept equal to
	// runs.started_at by Record and Finish), so a scenario's history,
	// durations and instability are read from one index in order,
	// without joining and sorting every run; the index holds status and
	// duration too, so a scenario that is always skipped costs an index
	// range, not a read of each of its rows.
	{
		`ALTER TABLE runs ADD COLUMN verdict TEXT NOT NULL DEFAULT 'unfinished'`,
		`ALTER TABLE runs ADD COLUMN phases TEXT NOT NULL DEFAULT 'null'`,
		`ALTER TABLE runs ADD COLUMN shard TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE runs ADD COLUMN shards TEXT NOT NULL DEFAULT 'null'`,
		`ALTER TABLE scenarios ADD COLUMN phases TEXT NOT NULL DEFAULT 'null'`,
		`ALTER TABLE scenarios ADD COLUMN run_started_at BIGINT NOT NULL DEFAULT 0`,
		`UPDATE scenarios SET run_started_at = (SELECT started_at FROM runs WHERE runs.id = scenarios.run_id)`,
		`DROP INDEX scenarios_scenario_id`,
		`CREATE INDEX scenarios_history ON scenarios (scenario_id, run_started_at, run_id, status, duration_ns)`,
		`DROP INDEX runs_started_at`,
		`CREATE INDEX runs_started ON runs (started_at, id)`,
		`CREATE INDEX runs_verdict ON runs (verdict, started_at, id)`,
	},
	// 5: accessibility and clinical safety (issue 14). Who ran the run,
	// the hazard log it was made against and its accessibility summary
	// (JSON; 'null' is none), and each scenario's accessibility checks.
	{
		`ALTER TABLE runs ADD COLUMN ran_by TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE runs ADD COLUMN hazard_log TEXT NOT NULL DEFAULT 'null'`,
		`ALTER TABLE runs ADD COLUMN accessibility TEXT NOT NULL DEFAULT 'null'`,
		`ALTER TABLE scenarios ADD COLUMN accessibility TEXT NOT NULL DEFAULT 'null'`,
	},
	// 6: HL7 v2 and FHIR messaging (issue 15): each scenario's messages
	// (JSON list of results.Message; 'null' is none).
	{
		`ALTER TABLE scenarios ADD COLUMN messages TEXT NOT NULL DEFAULT 'null'`,
	},
}

// backfills are the steps written in Go, run after the SQL of the version
// they are keyed by. Each reads only the columns its version has.
var backfills = map[int]func(ctx context.Context, tx *sql.Tx, d dialect) error{
	4: backfillVerdicts,
}

// backfillVerdicts gives every run its verdict (schema version 4) from
// the columns of version 3: the run's end, interrupt flag and
// fail-on-flaky setting, its cached counts of interrupted and never-run
// scenarios, and its scenarios' statuses, failure kinds and quarantine.
// It reads them in two queries and writes one UPDATE per verdict and
// batch of runs.
func backfillVerdicts(ctx context.Context, tx *sql.Tx, d dialect) error {
	groups := map[string][]*results.Scenario{}
	rows, err := tx.QueryContext(ctx, `SELECT run_id, status, failure_kind, quarantined FROM scenarios
		GROUP BY run_id, status, failure_kind, quarantined`)
	if err != nil {
		return fmt.Errorf("read outcomes: %w", err)
	}
	for rows.Next() {
		var id, status, kind string
		var quarantined bool
		if err := rows.Scan(&id, &status, &kind, &quarantined); err != nil {
			rows.Close()
			return fmt.Errorf("read outcomes: %w", err)
		}
		groups[id] = append(groups[id], &results.Scenario{
			Status: results.Status(status), FailureKind: results.FailureKind(kind), Quarantined: quarantined})
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return fmt.Errorf("read outcomes: %w", err)
	}
	byVerdict := map[Verdict][]any{}
	rows, err = tx.QueryContext(ctx, `SELECT id, finished_at, interrupted, fail_on_flaky, n_interrupted + n_not_run FROM runs`)
	if err != nil {
		return fmt.Errorf("read runs: %w", err)
	}
	for rows.Next() {
		var (
			id                       string
			finished                 sql.NullInt64
			interrupted, failOnFlaky bool
			untested                 int
		)
		if err := rows.Scan(&id, &finished, &interrupted, &failOnFlaky, &untested); err != nil {
			rows.Close()
			return fmt.Errorf("read runs: %w", err)
		}
		v := verdictFor(finished.Valid, interrupted, failOnFlaky, untested, groups[id], nil)
		byVerdict[v] = append(byVerdict[v], id)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return fmt.Errorf("read runs: %w", err)
	}
	const batch = 500
	for v, ids := range byVerdict {
		for len(ids) > 0 {
			n := min(batch, len(ids))
			query := `UPDATE runs SET verdict = ? WHERE id IN (` + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + `)`
			if _, err := tx.ExecContext(ctx, rebind(d, query), append([]any{string(v)}, ids[:n]...)...); err != nil {
				return fmt.Errorf("store verdicts: %w", err)
			}
			ids = ids[n:]
		}
	}
	return nil
}

// verdictFor is VerdictOf from what the store keeps of a run: whether it
// finished, was interrupted and fails on flaky scenarios, how many of its
// scenarios were interrupted or never ran, and one scenario per distinct
// (status, failure kind, quarantined) of its scenarios, which is all
// exitcode.ForRun reads of them.
func verdictFor(finished, interrupted, failOnFlaky bool, untested int, outcomes []*results.Scenario, a11y *results.AccessibilitySummary) Verdict {
	switch {
	case !finished && !interrupted:
		return VerdictUnfinished
	case interrupted:
		return VerdictInterrupted
	case untested > 0:
		return VerdictIncomplete
	}
	run := &results.Run{FinishedAt: time.Unix(1, 0), FailOnFlaky: failOnFlaky, Accessibility: a11y,
		Features: []*results.Feature{{Scenarios: outcomes}}}
	return verdictOfCode(exitcode.ForRun(run))
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
			if fill := backfills[v+1]; fill != nil {
				if err := fill(ctx, tx, s.dialect); err != nil {
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
