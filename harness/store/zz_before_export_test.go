package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/eprharness/eprharness/harness/exitcode"
	"github.com/eprharness/eprharness/harness/results"
)

// TEMPORARY: the query shapes before issue 12, to measure them on PostgreSQL.

func OldHistory(ctx context.Context, st Store, scenarioID string, limit int) (int, error) {
	s := st.(*sqlStore)
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT r.id, r.started_at, s.status, s.duration_ns FROM scenarios s JOIN runs r ON r.id = s.run_id
		WHERE s.scenario_id = ? ORDER BY r.started_at DESC, r.id DESC LIMIT ?`), scenarioID, limit)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	return n, rows.Err()
}

func OldUnstable(ctx context.Context, st Store, window int) (int, error) {
	s := st.(*sqlStore)
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT scenario_id, name, run_id, run_started, status, duration_ns FROM (
			SELECT s.scenario_id, s.name, s.run_id, r.started_at AS run_started, s.status, s.duration_ns,
				ROW_NUMBER() OVER (PARTITION BY s.scenario_id ORDER BY r.started_at DESC, r.id DESC) AS rn
			FROM scenarios s JOIN runs r ON r.id = s.run_id
		) recent WHERE rn <= ? ORDER BY scenario_id, rn DESC`), window)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	return n, rows.Err()
}

func OldLastGreen(ctx context.Context, st Store) (string, error) {
	s := st.(*sqlStore)
	const page = 50
	for offset := 0; ; offset += page {
		type candidate struct {
			id          string
			failOnFlaky bool
		}
		var cands []candidate
		rows, err := s.db.QueryContext(ctx, s.q(`SELECT id, fail_on_flaky FROM runs
			WHERE finished_at IS NOT NULL AND NOT interrupted AND n_interrupted = 0 AND n_not_run = 0
			ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?`), page, offset)
		if err != nil {
			return "", err
		}
		for rows.Next() {
			var c candidate
			if err := rows.Scan(&c.id, &c.failOnFlaky); err != nil {
				rows.Close()
				return "", err
			}
			cands = append(cands, c)
		}
		rows.Close()
		for _, c := range cands {
			code, err := oldExitCode(ctx, s, c.id, c.failOnFlaky)
			if err != nil {
				return "", err
			}
			if code == exitcode.Pass {
				return c.id, nil
			}
		}
		if len(cands) < page {
			return "", ErrNotFound
		}
	}
}

func oldExitCode(ctx context.Context, s *sqlStore, runID string, failOnFlaky bool) (exitcode.Code, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT status, failure_kind, quarantined FROM scenarios WHERE run_id = ?`), runID)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	f := &results.Feature{}
	for rows.Next() {
		var status, kind string
		var quarantined bool
		if err := rows.Scan(&status, &kind, &quarantined); err != nil {
			return 0, err
		}
		f.Scenarios = append(f.Scenarios, &results.Scenario{Status: results.Status(status), FailureKind: results.FailureKind(kind), Quarantined: quarantined})
	}
	_ = sql.ErrNoRows
	return exitcode.ForRun(&results.Run{FailOnFlaky: failOnFlaky, FinishedAt: time.Unix(1, 0), Features: []*results.Feature{f}}), rows.Err()
}

func ExplainDurations(ctx context.Context, st Store, vacuum bool) (string, error) {
	s := st.(*sqlStore)
	if false && vacuum {
		if _, err := s.db.ExecContext(ctx, `VACUUM ANALYZE`); err != nil {
			return "", err
		}
	}
	out := ""
	for _, q := range []string{s.durationsQuery(), s.q(`SELECT run_id, run_started_at, status, duration_ns FROM scenarios WHERE scenario_id = 'features/f4.feature:20' ORDER BY run_started_at DESC, run_id DESC LIMIT ?`)} {
		rows, err := s.db.QueryContext(ctx, `EXPLAIN (ANALYZE, BUFFERS) `+q, 10)
		if err != nil {
			return "", err
		}
		for rows.Next() {
			var line string
			rows.Scan(&line)
			out += line + "\n"
		}
		rows.Close()
	}
	return out, nil
}
