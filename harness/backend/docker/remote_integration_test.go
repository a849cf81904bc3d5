//go:build integration

package docker_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/backend/docker"
	"github.com/eprharness/eprharness/harness/backend/docker/dockertest"
)

// labelled lists the ids of the containers or networks (what: "ps -a",
// "network ls") carrying label, on the engine the docker CLI uses here.
func labelled(t *testing.T, what, label string) []string {
	t.Helper()
	args := append(strings.Fields(what), "-q", "--filter", "label="+label)
	out, err := exec.Command("docker", args...).CombinedOutput()
	require.NoError(t, err, string(out))
	return strings.Fields(string(out))
}

func images() (epr, pg string) {
	epr, pg = os.Getenv("EPRHARNESS_EPR_IMAGE"), os.Getenv("EPRHARNESS_POSTGRES_IMAGE")
	if epr == "" {
		epr = "eprharness/refepr:dev"
	}
	if pg == "" {
		pg = "eprharness/postgres:15"
	}
	return epr, pg
}

// The docker backend on an engine named by DOCKER_HOST=tcp://…: here the
// local engine behind a TCP proxy, so that every API call provably goes
// over TCP to "another" engine, with TESTCONTAINERS_HOST_OVERRIDE unset as
// on a real remote engine. The EPR is reached at the host DOCKER_HOST
// names, never at a hard-coded localhost: on a loopback address its ports
// are published on loopback only; on a network address (what another
// machine would be) on every interface, and reached at that address.
func TestRunOnRemoteEngine(t *testing.T) {
	dockertest.Require(t)
	for name, ip := range map[string]string{"loopback": "127.0.0.1", "network": dockertest.NetworkIP()} {
		t.Run(name, func(t *testing.T) {
			if ip == "" {
				t.Fatal("this machine has no IPv4 address besides loopback")
			}
			proxy := dockertest.StartEngineProxy(t, ip)
			runID := fmt.Sprintf("it-remote-%s-%d", name, time.Now().UnixNano())
			t.Cleanup(func() { _, _ = docker.RemoveRun(context.Background(), runID) })
			out := dockertest.RunInChild(t, "TestRunOnRemoteEngineChild",
				"DOCKER_HOST="+proxy.Host, "TESTCONTAINERS_HOST_OVERRIDE=", "EPRHARNESS_IT_RUN="+runID, "EPRHARNESS_IT_HOST="+ip)
			assert.Contains(t, out, "Resolved Docker Host: "+proxy.Host, "testcontainers-go used the engine DOCKER_HOST names")
			assert.Greater(t, proxy.Conns(), int64(3), "the backend talked to the engine through the proxy")
			assert.Empty(t, labelled(t, "ps -a", docker.LabelRun+"="+runID), "Terminate removed the containers, through the proxy")
			assert.Empty(t, labelled(t, "network ls", docker.LabelRun+"="+runID))
		})
	}
}

func TestRunOnRemoteEngineChild(t *testing.T) {
	dockertest.InChild(t, "TestRunOnRemoteEngine")
	ip := os.Getenv("EPRHARNESS_IT_HOST")
	require.True(t, strings.HasPrefix(os.Getenv("DOCKER_HOST"), "tcp://"+ip+":"), os.Getenv("DOCKER_HOST"))
	epr, pg := images()
	ctx := context.Background()
	bind, host, err := docker.PublishAddress(ctx)
	require.NoError(t, err)
	assert.Equal(t, ip, host, "the host of DOCKER_HOST")
	if ip == "127.0.0.1" {
		assert.Equal(t, "127.0.0.1", bind.String(), "a loopback host: published on loopback only")
	} else {
		assert.Equal(t, "0.0.0.0", bind.String(), "a network host: published where other machines reach it")
	}

	runID := os.Getenv("EPRHARNESS_IT_RUN")
	b, err := docker.Run(ctx, docker.WithEPRImage(epr), docker.WithPostgresImage(pg), docker.WithRunID(runID), docker.WithStartupTimeout(60*time.Second),
		docker.WithKeep(true)) // for Keep's database URL; Terminate removes it all the same
	t.Cleanup(func() { _ = b.Terminate(context.Background()) })
	require.NoError(t, err)

	// BaseURL and the database URL name DOCKER_HOST's host.
	u, err := url.Parse(b.BaseURL())
	require.NoError(t, err)
	assert.Equal(t, ip, u.Hostname(), b.BaseURL())
	resp, err := http.Get(b.BaseURL() + "/healthz")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode, string(body))
	require.NoError(t, b.Reset(ctx), "the reset reaches the EPR at the same host")

	kept := b.Keep()
	require.True(t, kept.Kept)
	assert.Equal(t, b.BaseURL(), kept.EPRURL)
	db, err := url.Parse(kept.Database)
	require.NoError(t, err)
	assert.Equal(t, ip, db.Hostname(), "the database URL names DOCKER_HOST's host")
	conn, err := pgx.Connect(ctx, kept.Database)
	require.NoError(t, err, "PostgreSQL answers at the database URL")
	var one int
	require.NoError(t, conn.QueryRow(ctx, "select 1").Scan(&one))
	assert.Equal(t, 1, one)
	_ = conn.Close(ctx)

	require.NoError(t, b.Alive(ctx), "Alive reads the containers' state through the remote engine")
	require.NoError(t, b.Terminate(ctx))
}
