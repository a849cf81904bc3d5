package store_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/results/resultstest"
	"github.com/eprharness/eprharness/harness/store"
	"github.com/eprharness/eprharness/harness/store/storetest"
)

func openSQLite(t *testing.T) store.Store {
	t.Helper()
	dir := t.TempDir()
	s, err := store.Open(t.Context(), filepath.Join(dir, "results.db"), store.WithArtifacts(filepath.Join(dir, "artifacts")))
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, s.Close()) })
	return s
}

func TestSQLite(t *testing.T) {
	storetest.Run(t, openSQLite)
}

func TestSQLiteReopen(t *testing.T) {
	storetest.Reopen(t, func(t *testing.T) string {
		// Parent folders are created.
		return "sqlite:" + filepath.Join(t.TempDir(), "a", "b", "results.db")
	})
}

func TestOpenSQLiteDefaults(t *testing.T) {
	dir := t.TempDir()
	for _, url := range []string{filepath.Join(dir, "plain", "r.db"), "sqlite:" + filepath.Join(dir, "prefixed", "r.db")} {
		s, err := store.Open(t.Context(), url)
		require.NoError(t, err, url)
		want := filepath.Join(filepath.Dir(strings.TrimPrefix(url, "sqlite:")), "artifacts")
		assert.Equal(t, want, s.Artifacts(), "artifacts beside the SQLite file")
		require.NoError(t, s.Close())
		_, err = os.Stat(strings.TrimPrefix(url, "sqlite:"))
		assert.NoError(t, err, "database file created")
	}

	// A relative artifacts folder is made absolute.
	s, err := store.Open(t.Context(), filepath.Join(dir, "rel.db"), store.WithArtifacts("some/where"))
	require.NoError(t, err)
	defer s.Close()
	assert.True(t, filepath.IsAbs(s.Artifacts()), s.Artifacts())
	assert.True(t, strings.HasSuffix(s.Artifacts(), filepath.Join("some", "where")), s.Artifacts())
}

func TestOpenBadURLs(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(blocker, nil, 0o644))
	for url, msg := range map[string]string{
		"":                              "open store : no SQLite file path given",
		"sqlite:":                       "open store sqlite:: no SQLite file path given",
		"sqlite::memory:":               "in-memory",
		"mysql://u:hunter2@db/x":        "open store mysql://u:xxxxx@db/x: unsupported store URL",
		"results.db?mode=ro":            "must not contain '?'",
		filepath.Join(blocker, "x.db"):  "open store " + filepath.Join(blocker, "x.db") + ": create folder:",
		"postgres://u:p@[::1/x":         "open store postgres://u:xxxxx@[::1/x: bad PostgreSQL URL",
		"postgres://u:hunter2@%zz/x":    "bad PostgreSQL URL",
		"postgresql://u@host:99999999/": "open store postgresql://u@host:99999999/:",
	} {
		_, err := store.Open(t.Context(), url)
		if assert.Error(t, err, url) {
			assert.Contains(t, err.Error(), msg, url)
			assert.NotContains(t, err.Error(), "hunter2", url)
		}
	}
}

func TestOpenUnreachablePostgres(t *testing.T) {
	// Port 1 on the loopback refuses connections at once.
	for _, url := range []string{
		"postgres://epr:hunter2@127.0.0.1:1/results?sslmode=disable&connect_timeout=5",
		"postgresql://epr@127.0.0.1:1/results?sslmode=disable&password=hunter2",
	} {
		start := time.Now()
		_, err := store.Open(t.Context(), url)
		require.Error(t, err)
		assert.Less(t, time.Since(start), 20*time.Second)
		assert.Contains(t, err.Error(), "open store postgres")
		assert.Contains(t, err.Error(), "@127.0.0.1:1/results")
		assert.NotContains(t, err.Error(), "hunter2")
	}
}

func TestSchemaVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	s, err := store.Open(t.Context(), path)
	require.NoError(t, err)
	require.NoError(t, s.Begin(t.Context(), &results.Run{ID: "kept", StartedAt: resultstest.Start}))
	require.NoError(t, s.Close())

	// Opening again migrates nothing and keeps the data.
	s, err = store.Open(t.Context(), path)
	require.NoError(t, err)
	_, err = s.Run(t.Context(), "kept")
	assert.NoError(t, err)
	require.NoError(t, s.Close())

	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	var version int
	require.NoError(t, db.QueryRow(`SELECT version FROM store_schema`).Scan(&version))
	assert.Equal(t, 6, version)
	_, err = db.Exec(`UPDATE store_schema SET version = 99`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	_, err = store.Open(t.Context(), path)
	assert.ErrorContains(t, err, fmt.Sprintf("open store %s: the store has schema version 99", path))
}

// BenchmarkRecord records the scenarios of a 100-scenario run, each with a
// screenshot and a trace, into a SQLite store (file on disk, WAL), and
// reports the cost per scenario.
func BenchmarkRecord(b *testing.B) {
	const scenarios = 100
	dir := b.TempDir()
	s, err := store.Open(b.Context(), filepath.Join(dir, "results.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	src := filepath.Join(dir, "out")
	f := &results.Feature{URI: "features/bench.feature", Name: "Bench", Line: 1, Tags: []string{"@bench"}}
	var scs []*results.Scenario
	for i := range scenarios {
		sc := &results.Scenario{
			ID: fmt.Sprintf("features/bench.feature:%d", 10+i), Keyword: "Scenario", Name: fmt.Sprintf("scenario %d", i),
			Line: 10 + i, Status: results.Failed, FailureKind: results.KindAssertion, Error: "expected something",
			StartedAt: resultstest.Start.Add(time.Duration(i) * time.Second), Duration: 2 * time.Second,
		}
		for j := range 6 {
			sc.Steps = append(sc.Steps, &results.Step{Keyword: "Given ", Text: fmt.Sprintf("step %d", j), Line: 11 + i + j,
				Status: results.Passed, Duration: 300 * time.Millisecond, Match: "steps/bench.go:1"})
		}
		for _, a := range []results.Attachment{
			{Name: "screenshot", MediaType: "image/png", Path: fmt.Sprintf("s%d/screenshot.png", i)},
			{Name: "trace", MediaType: "application/zip", Path: fmt.Sprintf("s%d/trace.zip", i)},
		} {
			p := filepath.Join(src, filepath.FromSlash(a.Path))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				b.Fatal(err)
			}
			// Distinct traces, shared screenshot: both copy paths run.
			data := resultstest.Content(a)
			if err := os.WriteFile(p, data, 0o644); err != nil {
				b.Fatal(err)
			}
			sc.Attachments = append(sc.Attachments, a)
		}
		scs = append(scs, sc)
	}
	b.ResetTimer()
	n := 0
	for b.Loop() {
		run := &results.Run{ID: fmt.Sprintf("bench-%d", n), StartedAt: resultstest.Start.Add(time.Duration(n) * time.Hour)}
		n++
		if err := s.Begin(b.Context(), run); err != nil {
			b.Fatal(err)
		}
		for _, sc := range scs {
			if err := s.Record(b.Context(), run.ID, f, sc, src); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n*scenarios), "ns/scenario")
}

func TestOpenMustExist(t *testing.T) {
	dir := t.TempDir()
	for _, url := range []string{filepath.Join(dir, "missing.db"), "sqlite:" + filepath.Join(dir, "sub", "missing.db")} {
		_, err := store.Open(t.Context(), url, store.WithMustExist())
		assert.ErrorIs(t, err, store.ErrNotFound, url)
		assert.ErrorContains(t, err, "no results store at "+strings.TrimPrefix(url, "sqlite:"))
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "a store that must exist is never created, nor its folder")

	// An existing store opens as usual.
	path := filepath.Join(dir, "results.db")
	s, err := store.Open(t.Context(), path)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	s, err = store.Open(t.Context(), path, store.WithMustExist())
	require.NoError(t, err)
	require.NoError(t, s.Close())
}

func TestResolveBadReferences(t *testing.T) {
	s := openSQLite(t)
	require.NoError(t, s.Begin(t.Context(), &results.Run{ID: "r1", StartedAt: resultstest.Start}))
	for _, ref := range []string{"", "latest~x", "latest~-1", "latest~+1", "latest~", "latest~ 1", "r\x001", "\xff"} {
		_, err := s.Resolve(t.Context(), ref)
		assert.ErrorIs(t, err, store.ErrBadReference, "%q", ref)
		assert.ErrorIs(t, err, store.ErrNotFound, "%q", ref)
	}
	_, err := s.Resolve(t.Context(), "latest~-1")
	assert.ErrorContains(t, err, "latest~N with N a whole number")
}
