package store

import (
	"path/filepath"
	"testing"

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
