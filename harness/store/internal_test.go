package store

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/results/resultstest"
)

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:secret@host:5432/db?sslmode=disable": "postgres://u:xxxxx@host:5432/db?sslmode=disable",
		"postgres://u@host/db":                             "postgres://u@host/db",
		"postgres://host/db?password=secret&x=1":           "postgres://host/db?password=xxxxx&x=1",
		"postgres://u:sec%zzret@host/db":                   "postgres://u:xxxxx@host/db",
		"results.db":                                       "results.db",
	} {
		assert.Equal(t, want, redact(in), in)
	}
}

func TestRebind(t *testing.T) {
	q := `SELECT a FROM t WHERE a = ? AND b IN (?, ?)`
	assert.Equal(t, q, rebind(sqliteDialect, q))
	assert.Equal(t, `SELECT a FROM t WHERE a = $1 AND b IN ($2, $3)`, rebind(postgresDialect, q))
}

func TestInstability(t *testing.T) {
	P, F, K, S, U := results.Passed, results.Failed, results.Flaky, results.Skipped, results.Undefined
	for _, tc := range []struct {
		name            string
		statuses        []results.Status
		failures, flips int
		flagged         bool
	}{
		{"always passes", []results.Status{P, P, P}, 0, 0, false},
		{"started failing", []results.Status{P, P, F, F}, 2, 1, false},
		{"pass between failures", []results.Status{F, P, F}, 2, 2, true},
		{"undefined is a failure", []results.Status{U, P, F}, 2, 2, true},
		{"one flaky", []results.Status{P, K, P}, 1, 2, false},
		{"flaky twice", []results.Status{K, K}, 2, 3, true},
		{"fail then flaky", []results.Status{F, K}, 2, 1, false},
		{"flaky then fail", []results.Status{K, F}, 2, 2, true},
		{"skipped ignored", []results.Status{F, S, F, S}, 2, 0, false},
		{"fixed", []results.Status{F, F, P, P}, 2, 1, false},
		{"empty", nil, 0, 0, false},
	} {
		var points []results.HistoryPoint
		for _, s := range tc.statuses {
			points = append(points, results.HistoryPoint{Status: s})
		}
		failures, flips, flagged := instability(points)
		assert.Equal(t, tc.failures, failures, tc.name)
		assert.Equal(t, tc.flips, flips, tc.name)
		assert.Equal(t, tc.flagged, flagged, tc.name)
	}
}

func TestCheckAttachmentPath(t *testing.T) {
	for _, ok := range []string{"a.png", "a/b/c.zip", "a/./b.png", "..a/b"} {
		assert.NoError(t, checkAttachmentPath(ok), ok)
	}
	for _, bad := range []string{"", "..", "../a", "a/../../b", "/etc/passwd", `a\b.png`} {
		assert.Error(t, checkAttachmentPath(bad), bad)
	}
}

func TestExtension(t *testing.T) {
	for in, want := range map[string]string{
		"a/screenshot.PNG": ".png", "trace.zip": ".zip", "console": "", "x.": "", "x.tar.gz": ".gz",
		"x.we ird": "", "x.averyveryverylongext": "",
	} {
		assert.Equal(t, want, extension(in), in)
	}
}

// A store written by schema version 1 (before blocked hosts and identities)
// migrates to the current version and reads its scenarios back with none.
func TestMigrateFromVersion1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.db")
	current := schemaVersion
	schemaVersion = 1
	st, err := Open(t.Context(), path)
	schemaVersion = current
	require.NoError(t, err)
	s := st.(*sqlStore)
	_, err = s.db.Exec(`INSERT INTO runs (id, started_at, finished_at, interrupted, git_commit, tags, target, machine,
		browser, retries, fail_on_flaky) VALUES ('old', ?, NULL, FALSE, '', '', '{}', '{}', '', 0, FALSE)`, resultstest.Start.UnixNano())
	require.NoError(t, err)
	_, err = s.db.Exec(`INSERT INTO scenarios (run_id, scenario_id, feature_uri, feature_name, feature_line, feature_tags,
		feature_description, keyword, name, line, tags, status, failure_kind, error, started_at, duration_ns, quarantined,
		repro, steps, attachments, attempts)
		VALUES ('old', 'features/a.feature:3', 'features/a.feature', 'A', 1, 'null', '', 'Scenario', 'S', 3, 'null',
		'passed', '', '', NULL, 5, FALSE, '', '[]', 'null', 'null')`)
	require.NoError(t, err)
	require.NoError(t, st.Close())

	st, err = Open(t.Context(), path)
	require.NoError(t, err)
	defer st.Close()
	var version int
	require.NoError(t, st.(*sqlStore).db.QueryRow(`SELECT version FROM store_schema`).Scan(&version))
	assert.Equal(t, schemaVersion, version)
	run, err := st.Run(t.Context(), "old")
	require.NoError(t, err)
	require.Len(t, run.Features, 1)
	require.Len(t, run.Features[0].Scenarios, 1)
	sc := run.Features[0].Scenarios[0]
	assert.Equal(t, "features/a.feature:3", sc.ID)
	assert.Nil(t, sc.Blocked)
	assert.Nil(t, sc.Identities)
	assert.Nil(t, run.Planned, "a run recorded before plans were kept has none")
	assert.True(t, run.Unfinished())
	assert.Empty(t, run.NotRun())

	// The migrated table takes the new fields.
	sc.Blocked = []string{"cdn.example.com"}
	sc.Identities = []results.Identity{{Fixture: "Jane Smith", Name: "Jane Smith-k3p9", NHSNumber: "9994021567"}}
	require.NoError(t, st.Record(t.Context(), "old", run.Features[0], sc, ""))
	run, err = st.Run(t.Context(), "old")
	require.NoError(t, err)
	assert.Equal(t, sc, run.Features[0].Scenarios[0])
}

// A store written by schema version 3 (before verdicts, phases, shards and
// the scenarios' run start) migrates to the current version: every run
// gets the verdict VerdictOf gives it, History reads the migrated rows in
// run order, and last-green is read from the verdicts.
func TestMigrateFromVersion3(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v3.db")
	current := schemaVersion
	schemaVersion = 3
	st, err := Open(t.Context(), path)
	schemaVersion = current
	require.NoError(t, err)
	s := st.(*sqlStore)
	hour := int64(time.Hour)
	// id, start (hours), finished, interrupted, fail on flaky, plan size,
	// not run, interrupted scenarios.
	for i, r := range []struct {
		id                                  string
		finished, interrupted, failOnFlaky  bool
		planned, notRun, interruptedResults int
	}{
		{"green", true, false, false, 0, 0, 0},
		{"flaky-gated", true, false, true, 0, 0, 0},
		{"failed", true, false, false, 0, 0, 0},
		{"killed", false, false, false, 3, 1, 0},
		{"stopped", true, true, false, 0, 0, 0},
		{"not-run", true, false, false, 3, 1, 0},
		{"green-too", true, false, false, 0, 0, 0},
		{"quarantined", true, false, false, 0, 0, 0},
	} {
		start := resultstest.Start.UnixNano() + int64(i)*hour
		var finished any
		if r.finished {
			finished = start + hour/2
		}
		_, err = s.db.Exec(`INSERT INTO runs (id, started_at, finished_at, interrupted, git_commit, tags, target, machine,
			browser, retries, fail_on_flaky, planned, n_planned, n_not_run, n_interrupted)
			VALUES (?, ?, ?, ?, '', '', '{}', '{}', '', 0, ?, 'null', ?, ?, ?)`,
			r.id, start, finished, r.interrupted, r.failOnFlaky, r.planned, r.notRun, r.interruptedResults)
		require.NoError(t, err)
	}
	scenarioRow := func(run, status, kind string, quarantined bool, line int) {
		t.Helper()
		_, err := s.db.Exec(`INSERT INTO scenarios (run_id, scenario_id, feature_uri, feature_name, feature_line, feature_tags,
			feature_description, keyword, name, line, tags, status, failure_kind, error, started_at, duration_ns, quarantined,
			repro, steps, attachments, attempts)
			VALUES (?, ?, 'features/a.feature', 'A', 1, 'null', '', 'Scenario', 'S', ?, 'null',
			?, ?, '', NULL, 5, ?, '', '[]', 'null', 'null')`, run, fmt.Sprintf("features/a.feature:%d", line), line, status, kind, quarantined)
		require.NoError(t, err)
	}
	for _, run := range []string{"green", "killed", "stopped", "not-run", "green-too", "quarantined"} {
		scenarioRow(run, "passed", "", false, 3)
	}
	scenarioRow("flaky-gated", "flaky", "", false, 3)
	scenarioRow("failed", "passed", "", false, 3)
	scenarioRow("failed", "failed", "backend", false, 8)
	scenarioRow("quarantined", "failed", "harness", true, 8)
	require.NoError(t, st.Close())

	st, err = Open(t.Context(), path)
	require.NoError(t, err)
	defer st.Close()
	want := map[string]Verdict{
		"green": VerdictPass, "flaky-gated": VerdictFailures, "failed": VerdictBackend, "killed": VerdictUnfinished,
		"stopped": VerdictInterrupted, "not-run": VerdictIncomplete, "green-too": VerdictPass, "quarantined": VerdictPass,
	}
	list, err := st.Runs(t.Context(), Filter{})
	require.NoError(t, err)
	require.Len(t, list, len(want))
	for _, sm := range list {
		assert.Equal(t, want[sm.ID], sm.Verdict, sm.ID)
		run, err := st.Run(t.Context(), sm.ID)
		require.NoError(t, err)
		if sm.ID != "killed" && sm.ID != "not-run" { // their plans were not kept in this made-up store
			assert.Equal(t, VerdictOf(run), sm.Verdict, sm.ID)
		}
	}
	green, err := st.Resolve(t.Context(), RefLastGreen)
	require.NoError(t, err)
	assert.Equal(t, "quarantined", green, "the newest run whose only failure is quarantined")

	h, err := st.History(t.Context(), "features/a.feature:3", "", 100)
	require.NoError(t, err)
	var ids []string
	for _, p := range h {
		ids = append(ids, p.RunID)
	}
	assert.Equal(t, []string{"green", "flaky-gated", "failed", "killed", "stopped", "not-run", "green-too", "quarantined"}, ids,
		"oldest first: the migrated rows carry their runs' starts")
	assert.Equal(t, resultstest.Start.Add(2*time.Hour), h[2].StartedAt)
	h, err = st.History(t.Context(), "features/a.feature:3", "green-too", 2)
	require.NoError(t, err)
	require.Len(t, h, 2)
	assert.Equal(t, "stopped", h[0].RunID)
	assert.Equal(t, "not-run", h[1].RunID)
}

// A store written by schema version 5 (before messages) migrates to the
// current version: its scenarios read back with no messages, and the
// migrated table takes them.
func TestMigrateFromVersion5(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v5.db")
	current := schemaVersion
	schemaVersion = 5
	st, err := Open(t.Context(), path)
	schemaVersion = current
	require.NoError(t, err)
	s := st.(*sqlStore)
	_, err = s.db.Exec(`INSERT INTO runs (id, started_at, finished_at, interrupted, git_commit, tags, target, machine,
		browser, retries, fail_on_flaky) VALUES ('old', ?, NULL, FALSE, '', '', '{}', '{}', '', 0, FALSE)`, resultstest.Start.UnixNano())
	require.NoError(t, err)
	_, err = s.db.Exec(`INSERT INTO scenarios (run_id, scenario_id, feature_uri, feature_name, feature_line, feature_tags,
		feature_description, keyword, name, line, tags, status, failure_kind, error, started_at, duration_ns, quarantined,
		repro, steps, attachments, attempts, run_started_at)
		VALUES ('old', 'features/a.feature:3', 'features/a.feature', 'A', 1, 'null', '', 'Scenario', 'S', 3, 'null',
		'passed', '', '', NULL, 5, FALSE, '', '[]', 'null', 'null', ?)`, resultstest.Start.UnixNano())
	require.NoError(t, err)
	require.NoError(t, st.Close())

	st, err = Open(t.Context(), path)
	require.NoError(t, err)
	defer st.Close()
	var version int
	require.NoError(t, st.(*sqlStore).db.QueryRow(`SELECT version FROM store_schema`).Scan(&version))
	assert.Equal(t, 6, version)
	run, err := st.Run(t.Context(), "old")
	require.NoError(t, err)
	sc := run.Features[0].Scenarios[0]
	assert.Nil(t, sc.Messages)

	sc.Messages = []results.Message{{Step: 0, Protocol: results.ProtocolHL7v2, Direction: results.Sent,
		At: resultstest.Start, Type: "ADT^A08", Text: "MSH|x", Outcome: "AA"}}
	require.NoError(t, st.Record(t.Context(), "old", run.Features[0], sc, ""))
	run, err = st.Run(t.Context(), "old")
	require.NoError(t, err)
	assert.Equal(t, sc.Messages, run.Features[0].Scenarios[0].Messages)
}
