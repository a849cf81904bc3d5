package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/eprharness/eprharness/harness/results"
)

// sqlStore is the Store over database/sql, for both dialects. Queries are
// written with ? placeholders and rebound for PostgreSQL.
//
// It is safe for concurrent use: database/sql pools connections, and on
// SQLite, where one writer at a time holds the file, writeMu makes the
// store's own writers take turns instead of waiting on SQLite's busy
// timeout.
type sqlStore struct {
	db        *sql.DB
	dialect   dialect
	name      string // the URL, password redacted, for messages
	artifacts string
	writeMu   sync.Mutex
}

func (s *sqlStore) q(query string) string { return rebind(s.dialect, query) }

// inTx runs fn in a write transaction, committing when fn returns nil.
func (s *sqlStore) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if s.dialect == sqliteDialect {
		s.writeMu.Lock()
		defer s.writeMu.Unlock()
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func (s *sqlStore) Artifacts() string { return s.artifacts }

func (s *sqlStore) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close store %s: %w", s.name, err)
	}
	return nil
}

// The range of instants a BIGINT of nanoseconds holds.
var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// nanos returns t as nanoseconds since the epoch, or nil (NULL) for the
// zero time.
func nanos(what string, t time.Time) (any, error) {
	if t.IsZero() {
		return nil, nil
	}
	if t.Before(minTime) || t.After(maxTime) {
		return nil, fmt.Errorf("%s %s is out of the range the store keeps (years 1678 to 2262)", what, t.Format(time.RFC3339))
	}
	return t.UnixNano(), nil
}

// instant is the inverse of nanos: UTC, or the zero time for NULL.
func instant(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}

func marshal(what string, v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", what, err)
	}
	return string(b), nil
}

func unmarshal(what, data string, v any) error {
	if err := json.Unmarshal([]byte(data), v); err != nil {
		return fmt.Errorf("decode %s: %w", what, err)
	}
	return nil
}

// runFields are the columns Begin and Finish write, in runArgs' order.
const runFields = `started_at, finished_at, interrupted, git_commit, tags, target, machine, browser, retries, fail_on_flaky,
	phases, shard, shards, ran_by, hazard_log, accessibility`

func runArgs(run *results.Run) ([]any, error) {
	if run == nil {
		return nil, errors.New("no run given")
	}
	if run.ID == "" {
		return nil, errors.New("run has no id")
	}
	if run.StartedAt.IsZero() {
		return nil, fmt.Errorf("run %s has no start time", run.ID)
	}
	started, err := nanos("start time", run.StartedAt)
	if err != nil {
		return nil, err
	}
	finished, err := nanos("finish time", run.FinishedAt)
	if err != nil {
		return nil, err
	}
	target, err := marshal("target", run.Target)
	if err != nil {
		return nil, err
	}
	machine, err := marshal("machine", run.Machine)
	if err != nil {
		return nil, err
	}
	phases, err := marshal("phases", run.Phases)
	if err != nil {
		return nil, err
	}
	shards, err := marshal("shards", run.Shards)
	if err != nil {
		return nil, err
	}
	hazards, err := marshal("hazard log", run.HazardLog)
	if err != nil {
		return nil, err
	}
	a11y, err := marshal("accessibility", run.Accessibility)
	if err != nil {
		return nil, err
	}
	return []any{started, finished, run.Interrupted, run.Commit, run.Tags, target, machine, run.Browser, int64(run.Retries), run.FailOnFlaky,
		phases, run.Shard, shards, run.RanBy, hazards, a11y}, nil
}

func (s *sqlStore) Begin(ctx context.Context, run *results.Run) error {
	args, err := runArgs(run)
	if err != nil {
		return fmt.Errorf("begin run: %w", err)
	}
	planned, err := marshal("plan", run.Planned)
	if err != nil {
		return fmt.Errorf("begin run %s: %w", run.ID, err)
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO runs (id, `+runFields+`, planned, n_planned, n_not_run)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`),
			append(append([]any{run.ID}, args...), planned, len(run.Planned), len(run.Planned))...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrExists
		}
		return s.recount(ctx, tx, run.ID)
	})
	if err != nil {
		return fmt.Errorf("begin run %s: %w", run.ID, err)
	}
	return nil
}

func (s *sqlStore) Finish(ctx context.Context, run *results.Run) error {
	args, err := runArgs(run)
	if err != nil {
		return fmt.Errorf("finish run: %w", err)
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE runs SET started_at = ?, finished_at = ?, interrupted = ?,
			git_commit = ?, tags = ?, target = ?, machine = ?, browser = ?, retries = ?, fail_on_flaky = ?,
			phases = ?, shard = ?, shards = ?, ran_by = ?, hazard_log = ?, accessibility = ?
			WHERE id = ?`), append(args, run.ID)...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNotFound
		}
		// The scenarios keep their run's start for History's index.
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE scenarios SET run_started_at = ? WHERE run_id = ? AND run_started_at <> ?`),
			args[0], run.ID, args[0]); err != nil {
			return err
		}
		if run.Planned != nil { // else the plan recorded at Begin stands
			planned, err := marshal("plan", run.Planned)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE runs SET planned = ?, n_planned = ? WHERE id = ?`),
				planned, len(run.Planned), run.ID); err != nil {
				return err
			}
		}
		// The end, the interrupt and fail-on-flaky change the verdict.
		return s.recount(ctx, tx, run.ID)
	})
	if err != nil {
		return fmt.Errorf("finish run %s: %w", run.ID, err)
	}
	return nil
}

// checkScenario rejects a scenario the store cannot keep.
func checkScenario(runID string, f *results.Feature, sc *results.Scenario) error {
	switch {
	case runID == "":
		return errors.New("no run id given")
	case f == nil:
		return errors.New("no feature given")
	case sc == nil:
		return errors.New("no scenario given")
	case sc.ID == "":
		return errors.New("scenario has no id")
	}
	for _, a := range sc.Attachments {
		if err := checkAttachmentPath(a.Path); err != nil {
			return err
		}
	}
	for i, at := range sc.Attempts {
		if at == nil {
			return fmt.Errorf("attempt %d is nil", i+1)
		}
		for _, a := range at.Attachments {
			if err := checkAttachmentPath(a.Path); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *sqlStore) Record(ctx context.Context, runID string, f *results.Feature, sc *results.Scenario, srcDir string) error {
	if err := checkScenario(runID, f, sc); err != nil {
		if sc != nil && sc.ID != "" {
			return fmt.Errorf("record scenario %s: %w", sc.ID, err)
		}
		return fmt.Errorf("record scenario: %w", err)
	}
	missing, attachments, attempts, err := s.copyAttachments(sc, srcDir)
	if err != nil {
		return fmt.Errorf("record scenario %s: %w", sc.ID, err)
	}
	args, err := scenarioArgs(runID, f, sc, attachments, attempts)
	if err != nil {
		return fmt.Errorf("record scenario %s: %w", sc.ID, err)
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		// Lock the run's row first: concurrent Records of one run then
		// take turns, so each recount sees the scenarios committed
		// before it.
		lock := `SELECT started_at FROM runs WHERE id = ?`
		if s.dialect == postgresDialect {
			lock += ` FOR UPDATE`
		}
		var runStarted int64
		if err := tx.QueryRowContext(ctx, s.q(lock), runID).Scan(&runStarted); errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("run %s: %w", runID, ErrNotFound)
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO scenarios (`+scenarioFields+`, run_started_at)
			VALUES (`+scenarioPlaceholders+`, ?)
			ON CONFLICT (run_id, scenario_id) DO UPDATE SET `+scenarioUpdates+`, run_started_at = excluded.run_started_at`),
			append(args, runStarted)...); err != nil {
			return err
		}
		return s.recount(ctx, tx, runID)
	})
	if err != nil {
		return fmt.Errorf("record scenario %s: %w", sc.ID, err)
	}
	if len(missing) > 0 {
		return &MissingAttachmentsError{RunID: runID, ScenarioID: sc.ID, Missing: missing}
	}
	return nil
}

// copyAttachments stores the attachments of sc and of its attempts and
// returns the copies to record, plus those whose source was missing.
func (s *sqlStore) copyAttachments(sc *results.Scenario, srcDir string) ([]MissingAttachment, []results.Attachment, []*results.Attempt, error) {
	var missing []MissingAttachment
	n := len(sc.Attachments)
	for _, at := range sc.Attempts {
		n += len(at.Attachments)
	}
	var root *os.Root
	if n > 0 {
		r, err := os.OpenRoot(srcDir)
		if err != nil {
			// Nothing can be read: every attachment is missing.
			for _, a := range sc.Attachments {
				missing = append(missing, MissingAttachment{Name: a.Name, Path: a.Path, Err: err})
			}
			for _, at := range sc.Attempts {
				for _, a := range at.Attachments {
					missing = append(missing, MissingAttachment{Name: a.Name, Path: a.Path, Err: err})
				}
			}
			return missing, emptyLike(sc.Attachments), attemptsWithout(sc.Attempts), nil
		}
		defer r.Close()
		root = r
	}
	attachments, err := storeAttachments(s.artifacts, root, sc.Attachments, &missing)
	if err != nil {
		return nil, nil, nil, err
	}
	var attempts []*results.Attempt
	if sc.Attempts != nil {
		attempts = make([]*results.Attempt, len(sc.Attempts))
	}
	for i, at := range sc.Attempts {
		cp := *at
		cp.StartedAt = at.StartedAt.UTC()
		if cp.Attachments, err = storeAttachments(s.artifacts, root, at.Attachments, &missing); err != nil {
			return nil, nil, nil, err
		}
		attempts[i] = &cp
	}
	return missing, attachments, attempts, nil
}

// emptyLike returns nil for nil and an empty slice otherwise.
func emptyLike(atts []results.Attachment) []results.Attachment {
	if atts == nil {
		return nil
	}
	return []results.Attachment{}
}

// attemptsWithout copies attempts without their attachments.
func attemptsWithout(attempts []*results.Attempt) []*results.Attempt {
	if attempts == nil {
		return nil
	}
	out := make([]*results.Attempt, len(attempts))
	for i, at := range attempts {
		cp := *at
		cp.StartedAt = at.StartedAt.UTC()
		cp.Attachments = emptyLike(at.Attachments)
		out[i] = &cp
	}
	return out
}

// scenarioFields are the scenarios table's columns, in scenarioArgs' and
// scanScenario's order.
const scenarioFields = `run_id, scenario_id, feature_uri, feature_name, feature_line, feature_tags, feature_description,
	keyword, name, line, tags, status, failure_kind, error, started_at, duration_ns, quarantined, repro,
	steps, attachments, attempts, blocked, identities, phases, accessibility, messages`

// scenarioPlaceholders are the "?" parameters of one row of scenarioFields.
var scenarioPlaceholders = strings.TrimSuffix(strings.Repeat("?, ", len(strings.Split(scenarioFields, ","))), ", ")

// scenarioUpdates replaces every column but the key on conflict.
var scenarioUpdates = func() string {
	var sets []string
	for _, c := range strings.Split(scenarioFields, ",") {
		c = strings.TrimSpace(c)
		if c != "run_id" && c != "scenario_id" {
			sets = append(sets, c+" = excluded."+c)
		}
	}
	return strings.Join(sets, ", ")
}()

func scenarioArgs(runID string, f *results.Feature, sc *results.Scenario, attachments []results.Attachment, attempts []*results.Attempt) ([]any, error) {
	started, err := nanos("start time", sc.StartedAt)
	if err != nil {
		return nil, err
	}
	for _, at := range attempts {
		if _, err := nanos("attempt start time", at.StartedAt); err != nil {
			return nil, err
		}
	}
	var js [10]string
	for i, v := range []struct {
		what string
		v    any
	}{{"feature tags", f.Tags}, {"tags", sc.Tags}, {"steps", sc.Steps}, {"attachments", attachments}, {"attempts", attempts},
		{"blocked hosts", sc.Blocked}, {"identities", sc.Identities}, {"phases", sc.Phases}, {"accessibility", sc.Accessibility}, {"messages", capped(sc.Messages)}} {
		if js[i], err = marshal(v.what, v.v); err != nil {
			return nil, err
		}
	}
	return []any{runID, sc.ID, f.URI, f.Name, int64(f.Line), js[0], f.Description,
		sc.Keyword, sc.Name, int64(sc.Line), js[1], string(sc.Status), string(sc.FailureKind), sc.Error,
		started, int64(sc.Duration), sc.Quarantined, sc.Repro,
		js[2], js[3], js[4], js[5], js[6], js[7], js[8], js[9]}, nil
}

// capped is the messages as the store keeps them: each text capped
// (results.CapText), whoever recorded them.
func capped(ms []results.Message) []results.Message {
	if ms == nil {
		return nil
	}
	out := make([]results.Message, len(ms))
	for i, m := range ms {
		out[i] = m.Capped()
	}
	return out
}

// recount refreshes the run's cached counts and its verdict from its
// scenarios and its own columns. Begin, Record and Finish call it in their
// transaction, so the cached columns never disagree with the run.
func (s *sqlStore) recount(ctx context.Context, tx *sql.Tx, runID string) error {
	rows, err := tx.QueryContext(ctx, s.q(`SELECT status, failure_kind, quarantined, COUNT(*) FROM scenarios WHERE run_id = ?
		GROUP BY status, failure_kind, quarantined`), runID)
	if err != nil {
		return fmt.Errorf("count scenarios: %w", err)
	}
	defer rows.Close()
	var (
		c        results.Counts
		outcomes []*results.Scenario // one per distinct outcome
	)
	for rows.Next() {
		var status, kind string
		var quarantined bool
		var n int
		if err := rows.Scan(&status, &kind, &quarantined, &n); err != nil {
			return fmt.Errorf("count scenarios: %w", err)
		}
		outcomes = append(outcomes, &results.Scenario{
			Status: results.Status(status), FailureKind: results.FailureKind(kind), Quarantined: quarantined})
		c.Scenarios += n
		switch results.Status(status) {
		case results.Passed:
			c.Passed += n
		case results.Failed:
			c.Failed += n
		case results.Skipped:
			c.Skipped += n
		case results.Flaky:
			c.Flaky += n
		case results.Interrupted:
			c.Interrupted += n
		default:
			c.Other += n
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("count scenarios: %w", err)
	}
	rows.Close()
	// Planned scenarios with no result: the plan's ids that no recorded
	// scenario of the run has.
	var (
		plannedJSON, a11yJSON    string
		finished                 sql.NullInt64
		interrupted, failOnFlaky bool
	)
	if err := tx.QueryRowContext(ctx, s.q(`SELECT planned, finished_at, interrupted, fail_on_flaky, accessibility FROM runs WHERE id = ?`), runID).
		Scan(&plannedJSON, &finished, &interrupted, &failOnFlaky, &a11yJSON); err != nil {
		return fmt.Errorf("read plan: %w", err)
	}
	var planned []results.PlannedScenario
	if err := unmarshal("plan", plannedJSON, &planned); err != nil {
		return err
	}
	if len(planned) > 0 {
		recorded, err := s.scenarioIDs(ctx, tx, runID)
		if err != nil {
			return fmt.Errorf("count scenarios: %w", err)
		}
		for _, p := range planned {
			if !recorded[p.ID] {
				c.NotRun++
			}
		}
	}
	var a11y *results.AccessibilitySummary
	if err := unmarshal("accessibility", a11yJSON, &a11y); err != nil {
		return err
	}
	verdict := verdictFor(finished.Valid, interrupted, failOnFlaky, c.Untested(), outcomes, a11y)
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE runs SET n_scenarios = ?, n_passed = ?, n_failed = ?,
		n_skipped = ?, n_flaky = ?, n_other = ?, n_interrupted = ?, n_not_run = ?, verdict = ? WHERE id = ?`),
		c.Scenarios, c.Passed, c.Failed, c.Skipped, c.Flaky, c.Other, c.Interrupted, c.NotRun, string(verdict), runID); err != nil {
		return fmt.Errorf("update counts: %w", err)
	}
	return nil
}

// scenarioIDs returns the ids of the run's recorded scenarios.
func (s *sqlStore) scenarioIDs(ctx context.Context, tx *sql.Tx, runID string) (map[string]bool, error) {
	rows, err := tx.QueryContext(ctx, s.q(`SELECT scenario_id FROM scenarios WHERE run_id = ?`), runID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids[id] = true
	}
	return ids, rows.Err()
}

// summaryFields are the runs columns scanSummary reads: nothing a list
// of runs does not show (no plan, no phases).
const summaryFields = `id, started_at, finished_at, interrupted, git_commit, tags, target,
	n_scenarios, n_passed, n_failed, n_skipped, n_flaky, n_other, n_interrupted, n_not_run, n_planned, verdict`

// runColumns are the runs columns scanRun reads.
const runColumns = `id, started_at, finished_at, interrupted, git_commit, tags, target, machine, browser, retries, fail_on_flaky,
	planned, phases, shard, shards, ran_by, hazard_log, accessibility`

type scanner interface{ Scan(dest ...any) error }

// scanSummary reads a row of summaryFields.
func scanSummary(row scanner) (Summary, error) {
	var (
		sm                Summary
		started, finished sql.NullInt64
		target, verdict   string
		c                 = &sm.Counts
	)
	if err := row.Scan(&sm.ID, &started, &finished, &sm.Interrupted, &sm.Commit, &sm.Tags, &target,
		&c.Scenarios, &c.Passed, &c.Failed, &c.Skipped, &c.Flaky, &c.Other, &c.Interrupted, &c.NotRun, &sm.Planned, &verdict); err != nil {
		return sm, err
	}
	sm.StartedAt, sm.FinishedAt, sm.Verdict = instant(started), instant(finished), Verdict(verdict)
	if err := unmarshal("target", target, &sm.Target); err != nil {
		return sm, err
	}
	return sm, nil
}

// scanRun reads a row of runColumns.
func scanRun(row scanner) (*results.Run, error) {
	var (
		run                                      results.Run
		started, finished                        sql.NullInt64
		target, machine, planned, phases, shards string
		hazards, a11y                            string
	)
	if err := row.Scan(&run.ID, &started, &finished, &run.Interrupted, &run.Commit, &run.Tags, &target, &machine,
		&run.Browser, &run.Retries, &run.FailOnFlaky, &planned, &phases, &run.Shard, &shards,
		&run.RanBy, &hazards, &a11y); err != nil {
		return nil, err
	}
	run.StartedAt, run.FinishedAt = instant(started), instant(finished)
	for _, v := range []struct {
		what, data string
		v          any
	}{{"plan", planned, &run.Planned}, {"target", target, &run.Target}, {"machine", machine, &run.Machine},
		{"phases", phases, &run.Phases}, {"shards", shards, &run.Shards},
		{"hazard log", hazards, &run.HazardLog}, {"accessibility", a11y, &run.Accessibility}} {
		if err := unmarshal(v.what, v.data, v.v); err != nil {
			return nil, err
		}
	}
	return &run, nil
}

func (s *sqlStore) Run(ctx context.Context, id string) (*results.Run, error) {
	run, err := scanRun(s.db.QueryRowContext(ctx, s.q(`SELECT `+runColumns+` FROM runs WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read run %s: %w", id, ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("read run %s: %w", id, err)
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+scenarioFields+` FROM scenarios WHERE run_id = ?
		ORDER BY feature_uri, line, scenario_id`), id)
	if err != nil {
		return nil, fmt.Errorf("read run %s: %w", id, err)
	}
	defer rows.Close()
	run.Features = []*results.Feature{}
	byURI := map[string]*results.Feature{}
	for rows.Next() {
		f, sc, err := scanScenario(rows)
		if err != nil {
			return nil, fmt.Errorf("read run %s: %w", id, err)
		}
		have, ok := byURI[f.URI]
		if !ok {
			have = f
			byURI[f.URI] = f
			run.Features = append(run.Features, f)
		}
		have.Scenarios = append(have.Scenarios, sc)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read run %s: %w", id, err)
	}
	run.Sort()
	return run, nil
}

// scanScenario reads a row of scenarioFields: the scenario and its
// feature (without scenarios).
func scanScenario(row scanner) (*results.Feature, *results.Scenario, error) {
	var (
		f                                results.Feature
		sc                               results.Scenario
		runID, fTags, tags, status, kind string
		steps, attachments, attempts     string
		blocked, identities, phases      string
		a11y, messages                   string
		fLine, line, duration            int64
		started                          sql.NullInt64
	)
	if err := row.Scan(&runID, &sc.ID, &f.URI, &f.Name, &fLine, &fTags, &f.Description,
		&sc.Keyword, &sc.Name, &line, &tags, &status, &kind, &sc.Error, &started, &duration, &sc.Quarantined, &sc.Repro,
		&steps, &attachments, &attempts, &blocked, &identities, &phases, &a11y, &messages); err != nil {
		return nil, nil, err
	}
	f.Line, sc.Line = int(fLine), int(line)
	sc.Status, sc.FailureKind = results.Status(status), results.FailureKind(kind)
	sc.StartedAt, sc.Duration = instant(started), time.Duration(duration)
	for _, v := range []struct {
		what, data string
		v          any
	}{{"feature tags", fTags, &f.Tags}, {"tags", tags, &sc.Tags}, {"steps", steps, &sc.Steps},
		{"attachments", attachments, &sc.Attachments}, {"attempts", attempts, &sc.Attempts},
		{"blocked hosts", blocked, &sc.Blocked}, {"identities", identities, &sc.Identities}, {"phases", phases, &sc.Phases},
		{"accessibility", a11y, &sc.Accessibility}, {"messages", messages, &sc.Messages}} {
		if err := unmarshal(v.what+" of "+sc.ID, v.data, v.v); err != nil {
			return nil, nil, err
		}
	}
	f.Scenarios = []*results.Scenario{}
	return &f, &sc, nil
}

func (s *sqlStore) Runs(ctx context.Context, filter Filter) ([]Summary, error) {
	limit := filter.Limit
	switch {
	case limit < 0:
		return nil, fmt.Errorf("list runs: negative limit %d", limit)
	case limit == 0:
		limit = 50
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+summaryFields+` FROM runs ORDER BY started_at DESC, id DESC LIMIT ?`), limit)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	out := []Summary{}
	for rows.Next() {
		sm, err := scanSummary(rows)
		if err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		out = append(out, sm)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return out, nil
}

func (s *sqlStore) Resolve(ctx context.Context, ref string) (string, error) {
	id, err := s.resolve(ctx, ref)
	if err != nil {
		return "", fmt.Errorf("resolve run %q: %w", ref, err)
	}
	return id, nil
}

func (s *sqlStore) resolve(ctx context.Context, ref string) (string, error) {
	if !utf8.ValidString(ref) || strings.IndexFunc(ref, unicode.IsControl) >= 0 {
		return "", fmt.Errorf("%w: want a run id, an id prefix, latest, latest~N or last-green", ErrBadReference)
	}
	switch ref {
	case "":
		return "", fmt.Errorf("%w: empty (want a run id, an id prefix, latest, latest~N or last-green)", ErrBadReference)
	case RefLatest:
		var id string
		err := s.db.QueryRowContext(ctx, `SELECT id FROM runs ORDER BY started_at DESC, id DESC LIMIT 1`).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return "", fmt.Errorf("no runs recorded: %w", ErrNotFound)
		}
		return id, err
	case RefLastGreen:
		return s.lastGreen(ctx)
	}
	if n, ok := strings.CutPrefix(ref, RefLatest+"~"); ok {
		back, err := strconv.Atoi(n)
		if err != nil || back < 0 || strings.TrimLeft(n, "0123456789") != "" {
			return "", fmt.Errorf("%w: want latest~N with N a whole number (0 is the latest run, 1 the one before)", ErrBadReference)
		}
		var id string
		err = s.db.QueryRowContext(ctx, s.q(`SELECT id FROM runs ORDER BY started_at DESC, id DESC LIMIT 1 OFFSET ?`), back).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return "", fmt.Errorf("fewer than %d runs recorded: %w", back+1, ErrNotFound)
		}
		return id, err
	}
	var id string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT id FROM runs WHERE id = ?`), ref).Scan(&id)
	if err == nil {
		return id, nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	const shown = 5
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT id FROM runs WHERE substr(id, 1, ?) = ? ORDER BY id LIMIT ?`),
		utf8.RuneCountInString(ref), ref, shown+1)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		if err := rows.Scan(&id); err != nil {
			return "", err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	switch {
	case len(ids) == 0:
		return "", ErrNotFound
	case len(ids) == 1:
		return ids[0], nil
	case len(ids) > shown:
		return "", fmt.Errorf("%w: matches %s, …", ErrAmbiguous, strings.Join(ids[:shown], ", "))
	default:
		return "", fmt.Errorf("%w: matches %s", ErrAmbiguous, strings.Join(ids, ", "))
	}
}

// lastGreen finds the newest run whose stored verdict is VerdictPass:
// finished, uninterrupted and complete (no interrupted scenario, no
// planned scenario left unrun), with exit code Pass (exitcode.ForRun).
// One index lookup (runs_verdict).
func (s *sqlStore) lastGreen(ctx context.Context) (string, error) {
	var id string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT id FROM runs WHERE verdict = ? ORDER BY started_at DESC, id DESC LIMIT 1`),
		string(VerdictPass)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("no finished run passed: %w", ErrNotFound)
	}
	return id, err
}

// runHistory is RunHistory in one query per thousand scenarios (see
// historian).
func (s *sqlStore) runHistory(ctx context.Context, run *results.Run, limit int) (map[string][]results.HistoryPoint, error) {
	out := map[string][]results.HistoryPoint{}
	var ids []any
	seen := map[string]bool{}
	for _, f := range run.Features {
		for _, sc := range f.Scenarios {
			if !seen[sc.ID] {
				seen[sc.ID] = true
				ids = append(ids, sc.ID)
			}
		}
	}
	if len(ids) == 0 {
		return out, nil
	}
	if limit <= 0 {
		return out, fmt.Errorf("history of run %s: limit must be positive, got %d", run.ID, limit)
	}
	var started int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT started_at FROM runs WHERE id = ?`), run.ID).Scan(&started)
	if errors.Is(err, sql.ErrNoRows) {
		return out, fmt.Errorf("history of run %s: %w", run.ID, ErrNotFound)
	} else if err != nil {
		return out, fmt.Errorf("history of run %s: %w", run.ID, err)
	}
	const batch = 1000
	for len(ids) > 0 {
		n := min(batch, len(ids))
		query := s.lastResults(someScenarioIDs(n), `(run_started_at, run_id) < (?, ?)`,
			`scenario_id, run_id, run_started_at, status, duration_ns`, `scenario_id, run_started_at, run_id`)
		rows, err := s.db.QueryContext(ctx, query, append(ids[:n:n], started, run.ID, limit)...)
		if err != nil {
			return out, fmt.Errorf("history of run %s: %w", run.ID, err)
		}
		for rows.Next() {
			var id string
			var p results.HistoryPoint
			var started sql.NullInt64
			var status string
			var duration int64
			if err := rows.Scan(&id, &p.RunID, &started, &status, &duration); err != nil {
				rows.Close()
				return out, fmt.Errorf("history of run %s: %w", run.ID, err)
			}
			p.StartedAt, p.Status, p.Duration = instant(started), results.Status(status), time.Duration(duration)
			out[id] = append(out[id], p) // oldest first
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return out, fmt.Errorf("history of run %s: %w", run.ID, err)
		}
		ids = ids[n:]
	}
	return out, nil
}

func (s *sqlStore) History(ctx context.Context, scenarioID string, beforeRun string, limit int) ([]results.HistoryPoint, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("history of %s: limit must be positive, got %d", scenarioID, limit)
	}
	// run_started_at is the run's start (see schema version 4): the
	// scenarios_history index gives the rows in order.
	query := `SELECT run_id, run_started_at, status, duration_ns FROM scenarios WHERE scenario_id = ?`
	args := []any{scenarioID}
	if beforeRun != "" {
		var started int64
		err := s.db.QueryRowContext(ctx, s.q(`SELECT started_at FROM runs WHERE id = ?`), beforeRun).Scan(&started)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("history of %s: run %s: %w", scenarioID, beforeRun, ErrNotFound)
		} else if err != nil {
			return nil, fmt.Errorf("history of %s: %w", scenarioID, err)
		}
		query += ` AND (run_started_at, run_id) < (?, ?)`
		args = append(args, started, beforeRun)
	}
	query += ` ORDER BY run_started_at DESC, run_id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", scenarioID, err)
	}
	defer rows.Close()
	points := []results.HistoryPoint{}
	for rows.Next() {
		p, err := scanPoint(rows)
		if err != nil {
			return nil, fmt.Errorf("history of %s: %w", scenarioID, err)
		}
		points = append(points, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history of %s: %w", scenarioID, err)
	}
	slices.Reverse(points)
	return points, nil
}

// scanPoint reads run id, run start, status and duration.
func scanPoint(row scanner) (results.HistoryPoint, error) {
	var (
		p        results.HistoryPoint
		started  sql.NullInt64
		status   string
		duration int64
	)
	if err := row.Scan(&p.RunID, &started, &status, &duration); err != nil {
		return p, err
	}
	p.StartedAt, p.Status, p.Duration = instant(started), results.Status(status), time.Duration(duration)
	return p, nil
}

// durationsQuery reads the durations Durations takes the medians of: for
// each scenario id (found by walking the scenarios_history index from id
// to id, not by reading every row), the durations of its last window
// passed, failed or flaky results, newest runs first through the same
// index; ordered by id, then duration. SQLite has no LATERAL join: a
// correlated subquery picks the rows by rowid.
func (s *sqlStore) durationsQuery() string {
	return s.lastResults(allScenarioIDs, `status IN ('passed', 'failed', 'flaky')`, `scenario_id, duration_ns`, `scenario_id, duration_ns`)
}

// allScenarioIDs is the ids table of lastResults for every scenario id
// the store has: found by walking the scenarios_history index from id to
// id, not by reading every row.
const allScenarioIDs = `WITH RECURSIVE ids(id) AS (
		SELECT MIN(scenario_id) FROM scenarios
		UNION ALL
		SELECT (SELECT MIN(scenario_id) FROM scenarios WHERE scenario_id > ids.id) FROM ids WHERE ids.id IS NOT NULL
	) `

// someScenarioIDs is the ids table of lastResults for n given ids (n ?
// parameters).
func someScenarioIDs(n int) string {
	return `WITH ids(id) AS (VALUES ` + strings.TrimSuffix(strings.Repeat("(?), ", n), ", ") + `) `
}

// lastResults is a query over the last window results (the last ?
// parameter) of each scenario id of the ids table (a WITH clause naming
// ids(id): allScenarioIDs or someScenarioIDs) that pass filter (SQL over
// the scenarios table; "" for all), newest runs first, returning columns
// in order. Each id's results are read through the scenarios_history
// index in order. Parameters: the ids table's, filter's, then window.
// SQLite has no LATERAL join: a correlated subquery picks the rows by
// rowid.
func (s *sqlStore) lastResults(ids, filter, columns, order string) string {
	if filter != "" {
		filter = " AND " + filter
	}
	recent := `FROM scenarios WHERE scenario_id = ids.id` + filter + ` ORDER BY run_started_at DESC, run_id DESC LIMIT ?`
	if s.dialect == postgresDialect {
		return s.q(ids + `SELECT ` + columns + ` FROM ids CROSS JOIN LATERAL (SELECT ` + columns + ` ` + recent + `) recent
			ORDER BY ` + order)
	}
	return ids + `SELECT ` + columns + ` FROM ids JOIN scenarios ON scenarios.rowid IN (SELECT rowid ` + recent + `)
		WHERE ids.id IS NOT NULL ORDER BY ` + order
}

func (s *sqlStore) Durations(ctx context.Context, window int) (map[string]time.Duration, error) {
	if window <= 0 {
		return nil, fmt.Errorf("read durations: window must be positive, got %d", window)
	}
	rows, err := s.db.QueryContext(ctx, s.durationsQuery(), window)
	if err != nil {
		return nil, fmt.Errorf("read durations: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Duration{}
	var (
		cur string
		ds  []int64 // ascending
	)
	flush := func() {
		if len(ds) == 0 {
			return
		}
		mid := len(ds) / 2
		if len(ds)%2 == 1 {
			out[cur] = time.Duration(ds[mid])
		} else {
			out[cur] = time.Duration(ds[mid-1] + (ds[mid]-ds[mid-1])/2)
		}
	}
	for rows.Next() {
		var id string
		var d int64
		if err := rows.Scan(&id, &d); err != nil {
			return nil, fmt.Errorf("read durations: %w", err)
		}
		if id != cur {
			flush()
			cur, ds = id, ds[:0]
		}
		ds = append(ds, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read durations: %w", err)
	}
	flush()
	return out, nil
}

func (s *sqlStore) Unstable(ctx context.Context, window int) ([]Instability, error) {
	if window <= 0 {
		return nil, fmt.Errorf("find unstable scenarios: window must be positive, got %d", window)
	}
	rows, err := s.db.QueryContext(ctx, s.lastResults(allScenarioIDs, "", `scenario_id, name, run_id, run_started_at, status, duration_ns`,
		`scenario_id, run_started_at, run_id`), window)
	if err != nil {
		return nil, fmt.Errorf("find unstable scenarios: %w", err)
	}
	defer rows.Close()
	var (
		out []Instability
		cur *Instability
	)
	flush := func() {
		if cur == nil {
			return
		}
		var flagged bool
		cur.Failures, cur.Flips, flagged = instability(cur.History)
		cur.Runs = len(cur.History)
		if flagged {
			out = append(out, *cur)
		}
	}
	for rows.Next() {
		var id, name string
		var p results.HistoryPoint
		var started sql.NullInt64
		var status string
		var duration int64
		if err := rows.Scan(&id, &name, &p.RunID, &started, &status, &duration); err != nil {
			return nil, fmt.Errorf("find unstable scenarios: %w", err)
		}
		p.StartedAt, p.Status, p.Duration = instant(started), results.Status(status), time.Duration(duration)
		if cur == nil || cur.ScenarioID != id {
			flush()
			cur = &Instability{ScenarioID: id}
		}
		cur.Name = name // rows come oldest first: the newest name wins
		cur.History = append(cur.History, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find unstable scenarios: %w", err)
	}
	flush()
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].History[len(out[i].History)-1], out[j].History[len(out[j].History)-1]
		if !a.StartedAt.Equal(b.StartedAt) {
			return a.StartedAt.After(b.StartedAt)
		}
		if a.RunID != b.RunID {
			return a.RunID > b.RunID
		}
		return out[i].ScenarioID < out[j].ScenarioID
	})
	if out == nil {
		out = []Instability{}
	}
	return out, nil
}

// instability reads a scenario's history, oldest first, as a sequence of
// passes and failures: passed is a pass, skipped and interrupted are left
// out, flaky is a
// failure followed by a pass, anything else a failure. It returns how
// many points failed (flaky included), how many times the sequence
// changed between pass and fail, and whether a pass lies between two
// failures (which implies two failures): the scenario flips rather than
// just started failing.
func instability(points []results.HistoryPoint) (failures, flips int, flagged bool) {
	var seq []bool // true: failed
	for _, p := range points {
		switch p.Status {
		case results.Passed:
			seq = append(seq, false)
		case results.Skipped, results.Interrupted:
			// Nothing was learnt of the EPR.
		case results.Flaky:
			failures++
			seq = append(seq, true, false)
		default:
			failures++
			seq = append(seq, true)
		}
	}
	failedBefore, passAfterFail := false, false
	for i, failed := range seq {
		if i > 0 && failed != seq[i-1] {
			flips++
		}
		switch {
		case failed && passAfterFail:
			flagged = true
		case failed:
			failedBefore = true
		case failedBefore:
			passAfterFail = true
		}
	}
	return failures, flips, flagged && failures >= 2
}
