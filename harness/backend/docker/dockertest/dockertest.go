// Package dockertest is what the harness's integration tests share to use
// Docker: whether an engine answers (Require, Health), a labelled
// PostgreSQL container from a local image (Postgres), and the local engine
// made to look remote (StartEngineProxy: DOCKER_HOST=tcp://… through a
// proxy to its socket, for a test run in a process of its own with
// RunInChild and InChild). Every container it starts carries
// docker.Labels, so a killed test run is swept like a harness run. The caller terminates what it is given. Everything here is
// safe for concurrent use.
package dockertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/modules/postgres"

	"github.com/eprharness/eprharness/harness/backend/docker"
)

// Require fails the test when no Docker engine answers and
// EPRHARNESS_REQUIRE_DOCKER=1 (as in CI), and skips it otherwise.
func Require(tb testing.TB) {
	tb.Helper()
	if err := exec.Command("docker", "info").Run(); err != nil {
		if os.Getenv("EPRHARNESS_REQUIRE_DOCKER") == "1" {
			tb.Fatalf("Docker is required (EPRHARNESS_REQUIRE_DOCKER=1): %v", err)
		}
		tb.Skipf("SKIPPED: Docker not available: %v", err)
	}
}

// Health asks testcontainers' Docker provider whether the engine answers,
// turning the provider's panic on a missing engine into an error.
func Health() (err error) {
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

// Postgres starts PostgreSQL from image (any image that behaves like the
// official one) with the database, user and password, labelled for the
// test run named run, and returns it with a connection string. The
// container is returned even with an error, when it was created: the
// caller terminates it either way.
func Postgres(ctx context.Context, image, run, database, user, password string) (*postgres.PostgresContainer, string, error) {
	labels := docker.Labels(run)
	labels[docker.LabelRole] = "postgres"
	ctr, err := postgres.Run(ctx, image,
		postgres.WithDatabase(database),
		postgres.WithUsername(user),
		postgres.WithPassword(password),
		postgres.BasicWaitStrategies(),
		testcontainers.WithLabels(labels),
	)
	if err != nil {
		return ctr, "", fmt.Errorf("start postgres from image %s: %w", image, err)
	}
	dsn, err := ctr.ConnectionString(ctx, "sslmode=disable")
	if err != nil {
		return ctr, "", fmt.Errorf("postgres connection string: %w", err)
	}
	return ctr, dsn, nil
}
