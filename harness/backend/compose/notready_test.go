package compose

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/eprharness/eprharness/harness/backend"
)

func TestNotReadyNamesTheServiceAndItsWait(t *testing.T) {
	w, err := ParseWait("db=log:ready to accept connections")
	require.NoError(t, err)
	b := &Backend{opts: options{service: "web", port: 8080, startupTimeout: time.Second}, waits: []Wait{w}}
	strategies := map[string][]wait.Strategy{"web": nil, "db": nil}

	err = b.notReady(context.Background(), fmt.Errorf("wait for service db: %w", context.DeadlineExceeded), strategies)
	var nr *backend.NotReadyError
	require.True(t, errors.As(err, &nr))
	assert.EqualError(t, err, "the container of Compose service db was not ready within --startup-timeout 1s: waiting for log:ready to accept connections")

	err = b.notReady(context.Background(), fmt.Errorf("wait for service web: %w", context.DeadlineExceeded), strategies)
	assert.EqualError(t, err, "the EPR container (Compose service web) was not ready within --startup-timeout 1s: waiting for http :8080 to answer")

	assert.NoError(t, b.notReady(context.Background(), errors.New("pull access denied"), strategies), "other errors are left as they are")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.NoError(t, b.notReady(ctx, context.DeadlineExceeded, strategies), "the caller's own deadline is not a startup timeout")
}
