//go:build integration

package compose

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/backend/docker"
	"github.com/eprharness/eprharness/harness/backend/docker/dockertest"
)

// The compose backend on an engine named by DOCKER_HOST=tcp://…, at a
// network address of this machine (what another machine would be), with
// TESTCONTAINERS_HOST_OVERRIDE unset: Compose and testcontainers-go talk
// to it through a TCP proxy, the ports are published on the engine host's
// interfaces, and the EPR, its readiness checks and the database address
// are reached at the host DOCKER_HOST names.
func TestRunComposeOnRemoteEngine(t *testing.T) {
	requireDocker(t)
	ip := dockertest.NetworkIP()
	require.NotEmpty(t, ip, "this machine has no IPv4 address besides loopback")
	proxy := dockertest.StartEngineProxy(t, ip)
	runID := fmt.Sprintf("it-compose-remote-%d", time.Now().UnixNano())
	t.Cleanup(func() { _, _ = docker.RemoveRun(context.Background(), runID) })
	out := dockertest.RunInChild(t, "TestRunComposeOnRemoteEngineChild",
		"DOCKER_HOST="+proxy.Host, "TESTCONTAINERS_HOST_OVERRIDE=", "EPRHARNESS_IT_RUN="+runID, "EPRHARNESS_IT_HOST="+ip)
	assert.Contains(t, out, "Resolved Docker Host: "+proxy.Host, "testcontainers-go used the engine DOCKER_HOST names")
	assert.Greater(t, proxy.Conns(), int64(3), "the backend talked to the engine through the proxy")
	assert.Empty(t, containers(t, docker.LabelRun+"="+runID), "Terminate removed the project, through the proxy")
	assert.Empty(t, networks(t, docker.LabelRun+"="+runID))
}

func TestRunComposeOnRemoteEngineChild(t *testing.T) {
	dockertest.InChild(t, "TestRunComposeOnRemoteEngine")
	ip, runID := os.Getenv("EPRHARNESS_IT_HOST"), os.Getenv("EPRHARNESS_IT_RUN")
	require.True(t, strings.HasPrefix(os.Getenv("DOCKER_HOST"), "tcp://"+ip+":"), os.Getenv("DOCKER_HOST"))
	ctx := context.Background()
	b, dbURL, err := runTestProject(ctx, runID, func() {})
	t.Cleanup(func() { _ = b.Terminate(context.Background()) })
	require.NoError(t, err)

	u, err := url.Parse(b.BaseURL())
	require.NoError(t, err)
	assert.Equal(t, ip, u.Hostname(), "the EPR is reached at DOCKER_HOST's host")
	status, body := get(t, b.BaseURL()+"/healthz")
	assert.Equal(t, 200, status, body)

	dbHost, dbPort, err := b.DatabaseAddr("db", 5432)
	require.NoError(t, err)
	assert.Equal(t, ip, dbHost)
	assert.Equal(t, fmt.Sprintf("postgres://epr@%s:%d/epr", ip, dbPort), *dbURL)
	c, err := net.DialTimeout("tcp", net.JoinHostPort(dbHost, strconv.Itoa(dbPort)), 5*time.Second)
	require.NoError(t, err, "the database's published port answers at that host")
	_ = c.Close()

	require.NoError(t, b.Alive(ctx))
	require.NoError(t, b.Terminate(ctx))
}
