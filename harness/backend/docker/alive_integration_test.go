//go:build integration

package docker

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/backend"
)

// A killed EPR container is found dead, with its exit code.
func TestAliveFindsAKilledEPRContainer(t *testing.T) {
	requireDocker(t)
	epr, pg := images()
	ctx := context.Background()
	b, err := Run(ctx, WithEPRImage(epr), WithPostgresImage(pg), WithRunID(fmt.Sprintf("it-alive-%d", time.Now().UnixNano())))
	t.Cleanup(func() { _ = b.Terminate(context.Background()) })
	require.NoError(t, err)
	require.NoError(t, b.Alive(ctx), "a backend that just started is alive")

	out, err := exec.Command("docker", "kill", b.epr.GetContainerID()).CombinedOutput()
	require.NoError(t, err, string(out))
	err = b.Alive(ctx)
	require.Error(t, err)
	assert.Equal(t, "the EPR container exited (code 137)", err.Error())
	assert.True(t, IsDead(err))

	files, err := b.WriteLogs(ctx, t.TempDir(), time.Time{})
	require.NoError(t, err)
	assert.NotEmpty(t, files, "a dead container's log can still be saved as evidence")
}

// A startup timeout too short for the database names the setting, the
// container and what was awaited.
func TestStartupTimeoutNamesWhatWasNotReady(t *testing.T) {
	requireDocker(t)
	epr, pg := images()
	b, err := Run(context.Background(), WithEPRImage(epr), WithPostgresImage(pg), WithStartupTimeout(time.Second),
		WithRunID(fmt.Sprintf("it-timeout-%d", time.Now().UnixNano())))
	t.Cleanup(func() { _ = b.Terminate(context.Background()) })
	require.Error(t, err)
	var nr *backend.NotReadyError
	require.True(t, errors.As(err, &nr), "%v", err)
	assert.Equal(t, "the database container ("+pg+") was not ready within --startup-timeout 1s: waiting for the log line \"ready to accept connections\" (twice)", err.Error())
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}
