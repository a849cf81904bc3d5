// Package pgtest starts a throwaway PostgreSQL for integration tests with
// testcontainers-go, and hands out one fresh database per test on it.
//
// The image is eprharness/postgres:15 unless EPRHARNESS_POSTGRES_IMAGE names
// another. Set TESTCONTAINERS_RYUK_DISABLED=true and, where the Docker host
// is not local, TESTCONTAINERS_HOST_OVERRIDE. When Docker is unavailable,
// Start fails the test if EPRHARNESS_REQUIRE_DOCKER=1 and skips it otherwise.
// The container carries the harness's labels (managed, run, pid, host) and
// is terminated in the test's Cleanup; if the test process is killed first,
// `eprharness sweep` (or the next docker run) removes it. A Postgres value is safe for concurrent use.
package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/modules/postgres"
)

// DefaultImage is the PostgreSQL image used unless EPRHARNESS_POSTGRES_IMAGE
// is set.
const DefaultImage = "eprharness/postgres:15"

// Postgres is a running server.
type Postgres struct {
	// URL reaches the server's initial database as its superuser.
	URL string
	n   atomic.Int64
}

// Start starts PostgreSQL for t and its subtests; see the package doc.
func Start(t *testing.T) *Postgres {
	t.Helper()
	requireDocker(t)
	image := os.Getenv("EPRHARNESS_POSTGRES_IMAGE")
	if image == "" {
		image = DefaultImage
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	ctr, err := postgres.Run(ctx, image,
		postgres.WithDatabase("refepr"),
		postgres.WithUsername("refepr"),
		postgres.WithPassword("refepr"),
		postgres.BasicWaitStrategies(),
		testcontainers.WithLabels(labels()),
	)
	// Registered before checking err: a container that started but never
	// became ready must go too.
	t.Cleanup(func() {
		if ctr != nil {
			// The data is throwaway: no need to wait for a clean shutdown.
			if err := testcontainers.TerminateContainer(ctr, testcontainers.StopTimeout(2*time.Second)); err != nil {
				t.Errorf("terminate postgres container: %v", err)
			}
		}
	})
	if err != nil {
		t.Fatalf("start postgres from image %s: %v", image, err)
	}
	dsn, err := ctr.ConnectionString(ctx, "sslmode=disable")
	if err != nil {
		t.Fatalf("postgres connection string: %v", err)
	}
	t.Logf("postgres %s ready at %s in %s", image, dsn, time.Since(start).Round(time.Millisecond))
	return &Postgres{URL: dsn}
}

// requireDocker skips or fails t when no Docker engine answers.
func requireDocker(t *testing.T) {
	t.Helper()
	err := dockerHealth()
	if err == nil {
		return
	}
	msg := fmt.Sprintf("DOCKER IS NOT AVAILABLE, so this PostgreSQL integration test cannot run: %v", err)
	if os.Getenv("EPRHARNESS_REQUIRE_DOCKER") == "1" {
		t.Fatal(msg + " (EPRHARNESS_REQUIRE_DOCKER=1)")
	}
	t.Skip("SKIPPED: " + msg + " (set EPRHARNESS_REQUIRE_DOCKER=1 to make this a failure)")
}

func dockerHealth() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("docker provider panicked: %v", r)
		}
	}()
	provider, err := testcontainers.ProviderDefault.GetProvider()
	if err != nil {
		return err
	}
	defer provider.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return provider.Health(ctx)
}

// NewDatabase creates an empty database on the server and returns its URL.
func (p *Postgres) NewDatabase(t *testing.T) string {
	t.Helper()
	name := fmt.Sprintf("refepr_test_%d", p.n.Add(1))
	db, err := sql.Open("pgx", p.URL)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	u, err := url.Parse(p.URL)
	if err != nil {
		t.Fatalf("parse postgres URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// labels are the harness's container labels (see harness/backend/docker),
// spelled out here because the reference EPR does not import the harness.
func labels() map[string]string {
	host, _ := os.Hostname()
	return map[string]string{
		"eprharness.managed": "true",
		"eprharness.run":     fmt.Sprintf("refepr-test-%d", os.Getpid()),
		"eprharness.pid":     strconv.Itoa(os.Getpid()),
		"eprharness.host":    host,
	}
}
