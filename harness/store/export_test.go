package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/eprharness/eprharness/harness/results"
)

// Shape of the history GenerateHistory writes, for the benchmarks that
// read it: run i (0 oldest) has id BenchRunID(i); scenario j of every run
// has id BenchScenarioID(j).
const (
	// Every run fails one scenario unless its number is a multiple of
	// benchGreenEvery: the newest green run is up to that many runs back.
	benchGreenEvery = 500
	// Runs whose number is 49 modulo 50 were interrupted; 96 modulo 97
	// never finished.
	benchInterruptedEvery = 50
	benchUnfinishedEvery  = 97
)

// BenchStart is the start of the oldest generated run; runs are an hour
// apart.
var BenchStart = time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)

// BenchRunID is the id of generated run i (0 the oldest).
func BenchRunID(i int) string { return fmt.Sprintf("bench-%d", 1000000+i) }

// BenchScenarioID is the id of generated scenario j: ten scenarios a
// feature, five lines apart.
func BenchScenarioID(j int) string {
	return fmt.Sprintf("features/f%d.feature:%d", j/10, 10+(j%10)*5)
}

// GenerateHistory fills st, an empty store, with runs runs of scenarios
// scenarios each, with direct SQL (INSERT … SELECT over generated series:
// no Record calls), then computes the runs' cached columns the way Record
// and Finish keep them (the verdicts as the migration to schema version 4
// computes them). Statuses follow fixed formulas: most scenarios
// pass; each run fails one (its kind harness every seventh run) unless the
// run's number is a multiple of benchGreenEvery; about one scenario in 200
// is flaky, scenario 49 modulo 50 is skipped. Durations vary between 1 and
// 3 seconds.
func GenerateHistory(ctx context.Context, st Store, runs, scenarios int) error {
	s, ok := st.(*sqlStore)
	if !ok {
		return fmt.Errorf("generate history: not a SQL store: %T", st)
	}
	steps, err := marshal("steps", []*results.Step{
		{Keyword: "Given ", Text: "a clinician is signed in", Line: 4, Status: results.Passed, Duration: 800 * time.Millisecond, Match: "steps/sessions.go:40"},
		{Keyword: "When ", Text: `they search for "Smith"`, Line: 5, Status: results.Passed, Duration: 600 * time.Millisecond, Match: "steps/search.go:61"},
		{Keyword: "Then ", Text: "3 patients are listed", Line: 6, Status: results.Passed, Duration: 200 * time.Millisecond, Match: "steps/search.go:90"},
	})
	if err != nil {
		return err
	}
	var plan []results.PlannedScenario
	for j := range scenarios {
		plan = append(plan, results.PlannedScenario{ID: BenchScenarioID(j), Name: fmt.Sprintf("scenario %d", j), Feature: fmt.Sprintf("features/f%d.feature", j/10)})
	}
	planned, err := marshal("plan", plan)
	if err != nil {
		return err
	}
	target := `{"backend":"docker","base_url":"http://localhost:8080","adapter":"refepr","version":"2.4.0"}`
	machine := `{"hostname":"ci-1","os":"linux","arch":"amd64","cpus":2}`
	const hour = int64(time.Hour)
	base := BenchStart.UnixNano()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		series := `WITH RECURSIVE rr(r) AS (SELECT 0 UNION ALL SELECT r + 1 FROM rr WHERE r + 1 < ?)`
		if _, err := tx.ExecContext(ctx, s.q(series+`
			INSERT INTO runs (id, started_at, finished_at, interrupted, git_commit, tags, target, machine, browser, retries,
				fail_on_flaky, planned, n_planned)
			SELECT 'bench-' || (1000000 + r), CAST(? AS BIGINT) + r * CAST(? AS BIGINT),
				CASE WHEN r % ? = ? THEN NULL ELSE CAST(? AS BIGINT) + r * CAST(? AS BIGINT) + 600000000000 END,
				r % ? = ?, 'c0ffee', '', ?, ?, 'chromium 140', 1, FALSE, ?, ?
			FROM rr`), runs, base, hour, benchUnfinishedEvery, benchUnfinishedEvery-1, base, hour,
			benchInterruptedEvery, benchInterruptedEvery-1, target, machine, planned, scenarios); err != nil {
			return fmt.Errorf("generate runs: %w", err)
		}
		status := `CASE WHEN s % 50 = 49 THEN 'skipped'
				WHEN r % ? <> 0 AND s = (r * 7) % ? THEN 'failed'
				WHEN (r * 3 + s * 11) % 211 = 0 THEN 'flaky'
				ELSE 'passed' END`
		if _, err := tx.ExecContext(ctx, s.q(series+`, ss(s) AS (SELECT 0 UNION ALL SELECT s + 1 FROM ss WHERE s + 1 < ?)
			INSERT INTO scenarios (run_id, scenario_id, feature_uri, feature_name, feature_line, feature_tags,
				feature_description, keyword, name, line, tags, status, failure_kind, error, started_at, duration_ns,
				quarantined, repro, steps, attachments, attempts, run_started_at)
			SELECT 'bench-' || (1000000 + r), 'features/f' || (s / 10) || '.feature:' || (10 + (s % 10) * 5),
				'features/f' || (s / 10) || '.feature', 'Feature ' || (s / 10), 1, '["@bench"]', '',
				'Scenario', 'scenario ' || s, 10 + (s % 10) * 5, 'null', st,
				CASE WHEN st = 'failed' AND r % 7 = 0 THEN 'harness' WHEN st = 'failed' THEN 'assertion' ELSE '' END,
				CASE WHEN st = 'failed' THEN 'expected 3 patients in the results' ELSE '' END,
				CAST(? AS BIGINT) + r * CAST(? AS BIGINT) + s * CAST(5000000000 AS BIGINT), CAST(1000000000 AS BIGINT) + ((r * 31 + s * 7919) % 2000) * 1000000,
				FALSE, '', ?, 'null', 'null', CAST(? AS BIGINT) + r * CAST(? AS BIGINT)
			FROM (SELECT r, s, `+status+` AS st FROM rr CROSS JOIN ss) g`),
			runs, scenarios, base, hour, steps, base, hour, benchGreenEvery, scenarios); err != nil {
			return fmt.Errorf("generate scenarios: %w", err)
		}
		count := func(status string) string {
			return `(SELECT COUNT(*) FROM scenarios WHERE run_id = runs.id AND status = '` + status + `')`
		}
		if _, err := tx.ExecContext(ctx, `UPDATE runs SET
			n_scenarios = (SELECT COUNT(*) FROM scenarios WHERE run_id = runs.id),
			n_passed = `+count("passed")+`, n_failed = `+count("failed")+`, n_skipped = `+count("skipped")+`,
			n_flaky = `+count("flaky")+`, n_not_run = 0`); err != nil {
			return fmt.Errorf("generate counts: %w", err)
		}
		return backfillVerdicts(ctx, tx, s.dialect)
	})
	if err != nil {
		return err
	}
	// What autovacuum does after a million new rows (PostgreSQL 13 and
	// later vacuum tables on inserts too): the planner's statistics, and
	// the visibility map that lets index-only scans skip the table. Not
	// parallel: a container's /dev/shm is too small for that.
	if s.dialect == postgresDialect {
		if _, err := s.db.ExecContext(ctx, `VACUUM (ANALYZE, PARALLEL 0)`); err != nil {
			return fmt.Errorf("vacuum: %w", err)
		}
	}
	return nil
}
