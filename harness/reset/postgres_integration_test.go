//go:build integration

package reset_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/modules/postgres"

	"github.com/eprharness/eprharness/harness/backend/docker/dockertest"
	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/reset"
	"github.com/eprharness/eprharness/harness/results"
)

// defaultPostgresImage is used unless EPRHARNESS_POSTGRES_IMAGE is set.
const defaultPostgresImage = "eprharness/postgres:15"

// seedMB is how much data the snapshot tests load.
const seedMB = 30

// The tests and the benchmark share one PostgreSQL container, started on
// first use and terminated by TestMain.
var (
	pgOnce   sync.Once
	pgURL    string // the superuser's URL to the "postgres" database
	pgErr    error
	pgSkip   string
	pgCtr    *postgres.PostgresContainer
	dbSerial int
	dbMu     sync.Mutex
)

func TestMain(m *testing.M) {
	code := m.Run()
	if pgCtr != nil {
		if err := testcontainers.TerminateContainer(pgCtr, testcontainers.StopTimeout(2*time.Second)); err != nil {
			fmt.Fprintf(os.Stderr, "terminate postgres container: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}

// server returns the shared PostgreSQL server's URL. Without Docker it
// fails when EPRHARNESS_REQUIRE_DOCKER=1 and skips otherwise.
func server(tb testing.TB) string {
	tb.Helper()
	pgOnce.Do(startPostgres)
	if pgSkip != "" {
		if os.Getenv("EPRHARNESS_REQUIRE_DOCKER") == "1" {
			tb.Fatal(pgSkip + " (EPRHARNESS_REQUIRE_DOCKER=1)")
		}
		tb.Skip("SKIPPED: " + pgSkip + " (set EPRHARNESS_REQUIRE_DOCKER=1 to make this a failure)")
	}
	if pgErr != nil {
		tb.Fatal(pgErr)
	}
	return pgURL
}

func startPostgres() {
	if err := dockertest.Health(); err != nil {
		pgSkip = fmt.Sprintf("DOCKER IS NOT AVAILABLE, so the reset tests cannot run: %v", err)
		return
	}
	image := os.Getenv("EPRHARNESS_POSTGRES_IMAGE")
	if image == "" {
		image = defaultPostgresImage
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// pgCtr is terminated by TestMain even when it never became ready.
	pgCtr, pgURL, pgErr = dockertest.Postgres(ctx, image, fmt.Sprintf("reset-test-%d", os.Getpid()), "postgres", "postgres", "reset-test-only")
}

// newDatabase creates an empty database owned by owner (the superuser when
// empty) and returns the superuser's URL to it.
func newDatabase(tb testing.TB, owner string) string {
	tb.Helper()
	base := server(tb)
	dbMu.Lock()
	dbSerial++
	name := fmt.Sprintf("epr_%d", dbSerial)
	dbMu.Unlock()
	q := "CREATE DATABASE " + name
	if owner != "" {
		q += " OWNER " + owner
	}
	exec(tb, base, q)
	u, err := url.Parse(base)
	require.NoError(tb, err)
	u.Path = "/" + name
	return u.String()
}

func exec(tb testing.TB, dsn, sql string, args ...any) {
	tb.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	require.NoError(tb, err)
	defer conn.Close(context.Background())
	_, err = conn.Exec(context.Background(), sql, args...)
	require.NoError(tb, err, sql)
}

func queryInt(tb testing.TB, dsn, sql string) int64 {
	tb.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	require.NoError(tb, err)
	defer conn.Close(context.Background())
	var n int64
	require.NoError(tb, conn.QueryRow(context.Background(), sql).Scan(&n), sql)
	return n
}

func TestSQLReset(t *testing.T) {
	dsn := newDatabase(t, "")
	exec(t, dsn, "CREATE TABLE patients (nhs text PRIMARY KEY, family text)")
	exec(t, dsn, "INSERT INTO patients VALUES ('9990000018', 'Pond'), ('9990000026', 'Oswald'), ('9991234567', 'Scenario-made')")

	script := "DELETE FROM patients WHERE nhs NOT IN ('9990000018', '9990000026');\nUPDATE patients SET family = 'Pond' WHERE nhs = '9990000018';\n"
	file := t.TempDir() + "/reset.sql"
	require.NoError(t, os.WriteFile(file, []byte(script), 0o644))
	r, err := reset.SQLFile(dsn, file)
	require.NoError(t, err)
	require.NoError(t, r.Reset(t.Context()))
	assert.EqualValues(t, 2, queryInt(t, dsn, "SELECT count(*) FROM patients"))

	t.Run("one transaction", func(t *testing.T) {
		exec(t, dsn, "INSERT INTO patients VALUES ('9991234567', 'Scenario-made')")
		err := reset.SQL(dsn, "DELETE FROM patients;\nINSERT INTO no_such_table VALUES (1);").Reset(t.Context())
		require.Error(t, err)
		assert.Contains(t, err.Error(), "reset over sql: ")
		assert.Contains(t, err.Error(), "no_such_table")
		assert.Equal(t, results.KindBackend, failure.Classify(err))
		assert.EqualValues(t, 3, queryInt(t, dsn, "SELECT count(*) FROM patients"), "the DELETE is rolled back")
	})
	t.Run("wrong password", func(t *testing.T) {
		u, err := url.Parse(dsn)
		require.NoError(t, err)
		u.User = url.UserPassword("postgres", "not-the-Secret-42")
		err = reset.SQL(u.String(), "SELECT 1").Reset(t.Context())
		require.Error(t, err)
		assert.Contains(t, err.Error(), "reset over sql: connect to database ")
		assert.NotContains(t, err.Error(), "not-the-Secret-42")
		t.Log(err)
	})
}

// seed loads about mb megabytes of patients and notes into dsn's database.
func seed(tb testing.TB, dsn string, mb int) {
	tb.Helper()
	exec(tb, dsn, `CREATE TABLE patient (id serial PRIMARY KEY, nhs text UNIQUE NOT NULL, family text NOT NULL, given text NOT NULL)`)
	exec(tb, dsn, `CREATE TABLE note (id bigserial PRIMARY KEY, patient_id int NOT NULL REFERENCES patient, body text NOT NULL)`)
	exec(tb, dsn, `CREATE INDEX note_patient ON note (patient_id)`)
	exec(tb, dsn, `INSERT INTO patient (nhs, family, given) SELECT '999' || lpad(i::text, 7, '0'), 'Family' || i, 'Given' || i FROM generate_series(1, 10000) i`)
	// A note is about 200 bytes of row plus its index entries.
	exec(tb, dsn, `INSERT INTO note (patient_id, body) SELECT 1 + i % 10000, repeat(md5(i::text), 5) FROM generate_series(1, $1::int) i`, mb*1000*1000/270)
	exec(tb, dsn, "ANALYZE")
}

func TestSnapshotRestore(t *testing.T) {
	exec(t, server(t), "DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'epr_owner') THEN CREATE ROLE epr_owner LOGIN PASSWORD 'epr'; END IF; END$$")
	dsn := newDatabase(t, "epr_owner")
	seed(t, dsn, seedMB)
	size := queryInt(t, dsn, "SELECT pg_database_size(current_database())")
	t.Logf("seeded database: %.1f MB", float64(size)/1e6)
	require.Greater(t, size, int64(seedMB*1000*1000))
	notes := queryInt(t, dsn, "SELECT count(*) FROM note")

	snap := reset.Snapshot(dsn)
	t.Cleanup(func() { assert.NoError(t, snap.Drop(context.Background())) })
	err := snap.Reset(t.Context())
	require.Error(t, err, "no snapshot yet")
	assert.Contains(t, err.Error(), "reset snapshot: no snapshot database epr_")
	assert.Contains(t, err.Error(), "_eprharness_snapshot: take one (Take)")
	ok, err := snap.Exists(t.Context())
	require.NoError(t, err)
	assert.False(t, ok)

	// The EPR holds a connection while the snapshot is taken.
	epr, err := pgx.Connect(t.Context(), dsn)
	require.NoError(t, err)
	defer epr.Close(context.Background())
	start := time.Now()
	require.NoError(t, snap.Take(t.Context()))
	t.Logf("take: %s", time.Since(start).Round(time.Millisecond))
	assert.Error(t, epr.Ping(t.Context()), "Take terminates the EPR's sessions")
	ok, err = snap.Exists(t.Context())
	require.NoError(t, err)
	assert.True(t, ok)

	// With a spare copy made in the background (the default), and copying
	// while the caller waits.
	restore(t, snap, dsn, notes, "spare")
	copying := reset.Snapshot(dsn, reset.WithoutSpare())
	restore(t, copying, dsn, notes, "copy")
	require.NoError(t, snap.Close(t.Context()))

	conn, err := pgx.Connect(t.Context(), dsn)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	var owner string
	require.NoError(t, conn.QueryRow(t.Context(), "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()").Scan(&owner))
	assert.Equal(t, "epr_owner", owner, "the restored database keeps its owner")
	conn.Close(context.Background())

	t.Run("retake replaces the snapshot", func(t *testing.T) {
		exec(t, dsn, "DELETE FROM note")
		require.NoError(t, snap.Take(t.Context()))
		exec(t, dsn, "INSERT INTO note (patient_id, body) VALUES (1, 'scenario')")
		require.NoError(t, snap.Reset(t.Context()))
		assert.EqualValues(t, 0, queryInt(t, dsn, "SELECT count(*) FROM note"))
	})
	t.Run("nobody connects to the snapshot", func(t *testing.T) {
		u, err := url.Parse(dsn)
		require.NoError(t, err)
		u.Path = "/" + snap.Name()
		_, err = pgx.Connect(t.Context(), u.String())
		require.Error(t, err)
		assert.Contains(t, err.Error(), "is not currently accepting connections")
	})
	t.Run("drop", func(t *testing.T) {
		require.NoError(t, snap.Drop(t.Context()))
		ok, err := snap.Exists(t.Context())
		require.NoError(t, err)
		assert.False(t, ok)
	})
}

// restore resets the database five times after a scenario changed it,
// checks the data is back and logs how long Reset took.
func restore(t *testing.T, snap *reset.DatabaseSnapshot, dsn string, notes int64, how string) {
	t.Helper()
	var took []time.Duration
	for i := range 5 {
		// A scenario changes the data through a connection it keeps open.
		epr, err := pgx.Connect(t.Context(), dsn)
		require.NoError(t, err)
		_, err = epr.Exec(t.Context(), "DELETE FROM note WHERE id % 3 = 0")
		require.NoError(t, err)
		_, err = epr.Exec(t.Context(), "INSERT INTO patient (nhs, family, given) VALUES ($1, 'Pond-Kxqtd', 'Amy')", fmt.Sprintf("99980000%02d", i))
		require.NoError(t, err)
		require.NoError(t, snap.Prepared(t.Context()), "the spare is copied while the scenario runs")

		start := time.Now()
		require.NoError(t, snap.Reset(t.Context()))
		took = append(took, time.Since(start))

		assert.Error(t, epr.Ping(t.Context()), "Reset terminates the EPR's sessions")
		epr.Close(context.Background())
		assert.Equal(t, notes, queryInt(t, dsn, "SELECT count(*) FROM note"), "the notes are back")
		assert.EqualValues(t, 10000, queryInt(t, dsn, "SELECT count(*) FROM patient"), "the scenario's patient is gone")
	}
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	t.Logf("snapshot restore (%s): median %s, min %s, max %s", how,
		took[len(took)/2].Round(time.Millisecond), took[0].Round(time.Millisecond), took[len(took)-1].Round(time.Millisecond))
}

// TestSnapshotWhileEPRReconnects: an EPR whose pool reconnects at once
// does not stop Take or Reset.
func TestSnapshotWhileEPRReconnects(t *testing.T) {
	dsn := newDatabase(t, "")
	exec(t, dsn, "CREATE TABLE t (n int)")
	snap := reset.Snapshot(dsn)
	t.Cleanup(func() { assert.NoError(t, snap.Drop(context.Background())) })

	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // a pool that reconnects as soon as its connection breaks
		defer wg.Done()
		for ctx.Err() == nil {
			c, err := pgx.Connect(ctx, dsn)
			if err != nil {
				time.Sleep(5 * time.Millisecond)
				continue
			}
			for ctx.Err() == nil && c.Ping(ctx) == nil {
				time.Sleep(2 * time.Millisecond)
			}
			c.Close(context.Background())
		}
	}()
	defer func() { cancel(); wg.Wait() }()
	time.Sleep(50 * time.Millisecond)
	require.NoError(t, snap.Take(t.Context()))
	for range 3 {
		require.NoError(t, snap.Reset(t.Context()))
	}
	require.NoError(t, snap.Close(t.Context()))
	copying := reset.Snapshot(dsn, reset.WithoutSpare())
	for range 2 {
		require.NoError(t, copying.Reset(t.Context()))
	}
}

// BenchmarkSnapshotRestore measures Reset of a database of about seedMB
// megabytes: "spare" (the default) swaps in the copy made in the
// background while a scenario runs (not timed: Prepared stands for the
// scenario); "copy" and "copy-file_copy" copy while the caller waits, with
// the server's default CREATE DATABASE strategy (WAL_LOG on PostgreSQL 15)
// and with FILE_COPY.
func BenchmarkSnapshotRestore(b *testing.B) {
	dsn := newDatabase(b, "")
	seed(b, dsn, seedMB)
	size := queryInt(b, dsn, "SELECT pg_database_size(current_database())")
	for _, c := range []struct {
		name string
		opts []reset.SnapshotOption
	}{
		{"spare", nil},
		{"copy", []reset.SnapshotOption{reset.WithoutSpare()}},
		{"copy-file_copy", []reset.SnapshotOption{reset.WithoutSpare(), reset.WithStrategy("file_copy")}},
	} {
		b.Run(c.name, func(b *testing.B) {
			snap := reset.Snapshot(dsn, c.opts...)
			require.NoError(b, snap.Take(context.Background()))
			var took time.Duration
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				require.NoError(b, snap.Prepared(context.Background()))
				b.StartTimer()
				start := time.Now()
				if err := snap.Reset(context.Background()); err != nil {
					b.Fatal(err)
				}
				took += time.Since(start)
			}
			b.StopTimer()
			b.ReportMetric(float64(took.Microseconds())/1000/float64(b.N), "ms/op")
			b.ReportMetric(float64(size)/1e6, "MB")
			require.NoError(b, snap.Drop(context.Background()))
		})
	}
}
