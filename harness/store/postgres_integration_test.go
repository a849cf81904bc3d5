//go:build integration

package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/testcontainers/testcontainers-go"

	"github.com/eprharness/eprharness/harness/backend/docker/dockertest"
	"github.com/eprharness/eprharness/harness/store"
	"github.com/eprharness/eprharness/harness/store/storetest"
)

// defaultPostgresImage is used unless EPRHARNESS_POSTGRES_IMAGE is set.
const defaultPostgresImage = "eprharness/postgres:15"

// TestPostgres runs the store's contract tests against PostgreSQL in a
// container, one fresh database per test.
func TestPostgres(t *testing.T) {
	pg := startPostgres(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := store.Open(t.Context(), pg.newDatabase(t), store.WithArtifacts(t.TempDir()))
		require.NoError(t, err)
		t.Cleanup(func() { assert.NoError(t, s.Close()) })
		return s
	})
	t.Run("Reopen", func(t *testing.T) { storetest.Reopen(t, func(t *testing.T) string { return pg.newDatabase(t) }) })
	t.Run("ConcurrentOpen", func(t *testing.T) {
		// Two processes opening a new database at once both migrate it.
		u := pg.newDatabase(t)
		errs := make(chan error, 4)
		for range cap(errs) {
			go func() {
				s, err := store.Open(t.Context(), u, store.WithArtifacts(t.TempDir()))
				if err == nil {
					err = s.Close()
				}
				errs <- err
			}()
		}
		for range cap(errs) {
			assert.NoError(t, <-errs)
		}
	})
	t.Run("WrongPassword", func(t *testing.T) {
		u, err := url.Parse(pg.newDatabase(t))
		require.NoError(t, err)
		u.User = url.UserPassword(u.User.Username(), "not-the-Secret-42")
		_, err = store.Open(t.Context(), u.String())
		require.Error(t, err)
		assert.Contains(t, err.Error(), "open store postgres://store:xxxxx@")
		assert.NotContains(t, err.Error(), "not-the-Secret-42")
		t.Log(err)
	})
}

type pgServer struct {
	url string
	n   atomic.Int64
}

// startPostgres starts PostgreSQL for t, labelled like every container the
// harness starts (so `eprharness sweep` removes it if the test process is
// killed) and terminated in t's Cleanup. Without Docker it fails when
// EPRHARNESS_REQUIRE_DOCKER=1 and skips otherwise.
func startPostgres(t testing.TB) *pgServer {
	t.Helper()
	if err := dockertest.Health(); err != nil {
		msg := fmt.Sprintf("DOCKER IS NOT AVAILABLE, so the PostgreSQL store tests cannot run: %v", err)
		if os.Getenv("EPRHARNESS_REQUIRE_DOCKER") == "1" {
			t.Fatal(msg + " (EPRHARNESS_REQUIRE_DOCKER=1)")
		}
		t.Skip("SKIPPED: " + msg + " (set EPRHARNESS_REQUIRE_DOCKER=1 to make this a failure)")
	}
	image := os.Getenv("EPRHARNESS_POSTGRES_IMAGE")
	if image == "" {
		image = defaultPostgresImage
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	ctr, dsn, err := dockertest.Postgres(ctx, image, fmt.Sprintf("store-test-%d", os.Getpid()), "store", "store", "store-test-only")
	// Registered before checking err: a container that started but never
	// became ready must go too.
	t.Cleanup(func() {
		if ctr != nil {
			if err := testcontainers.TerminateContainer(ctr, testcontainers.StopTimeout(2*time.Second)); err != nil {
				t.Errorf("terminate postgres container: %v", err)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("postgres %s ready in %s", image, time.Since(start).Round(time.Millisecond))
	return &pgServer{url: dsn}
}

// newDatabase creates an empty database and returns its URL.
func (p *pgServer) newDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("store_test_%d", p.n.Add(1))
	db, err := sql.Open("pgx", p.url)
	require.NoError(t, err)
	defer db.Close()
	_, err = db.ExecContext(t.Context(), "CREATE DATABASE "+name)
	require.NoError(t, err, "create database %s", name)
	u, err := url.Parse(p.url)
	require.NoError(t, err)
	u.Path = "/" + name
	return u.String()
}

// BenchmarkScalePostgres is BenchmarkScaleSQLite on PostgreSQL in a
// container: a history of 10,000 runs × 100 scenarios, generated once
// (and analysed, as autovacuum would) into a fresh database.
func BenchmarkScalePostgres(b *testing.B) {
	pg := startPostgres(b)
	st, err := store.Open(b.Context(), pg.newDatabase(b), store.WithArtifacts(b.TempDir()))
	require.NoError(b, err)
	defer st.Close()
	start := time.Now()
	require.NoError(b, store.GenerateHistory(b.Context(), st, scaleRuns, scaleScenarios))
	b.Logf("generated %d runs × %d scenarios in %s", scaleRuns, scaleScenarios, time.Since(start).Round(time.Millisecond))
	benchScale(b, st)
}
