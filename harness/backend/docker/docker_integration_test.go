//go:build integration

package docker

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func requireDocker(t *testing.T) {
	t.Helper()
	if err := exec.Command("docker", "info").Run(); err != nil {
		if os.Getenv("EPRHARNESS_REQUIRE_DOCKER") == "1" {
			t.Fatalf("Docker is required (EPRHARNESS_REQUIRE_DOCKER=1): %v", err)
		}
		t.Skipf("SKIPPED: Docker not available: %v", err)
	}
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

func containers(t *testing.T, label string) []string {
	out, err := exec.Command("docker", "ps", "-aq", "--filter", "label="+label).CombinedOutput()
	require.NoError(t, err, string(out))
	return strings.Fields(string(out))
}

func networks(t *testing.T, label string) []string {
	out, err := exec.Command("docker", "network", "ls", "-q", "--filter", "label="+label).CombinedOutput()
	require.NoError(t, err, string(out))
	return strings.Fields(string(out))
}

func TestRunResetTerminate(t *testing.T) {
	requireDocker(t)
	epr, pg := images()
	ctx := context.Background()
	runID := fmt.Sprintf("it-%d", time.Now().UnixNano())
	b, err := Run(ctx, WithEPRImage(epr), WithPostgresImage(pg), WithRunID(runID), WithEnv(map[string]string{"EPR_NOW": "2026-06-01"}))
	t.Cleanup(func() { _ = b.Terminate(context.Background()) })
	require.NoError(t, err)

	assert.True(t, strings.HasPrefix(b.BaseURL(), "http://localhost:") || strings.HasPrefix(b.BaseURL(), "http://127.0.0.1:"), b.BaseURL())
	resp, err := http.Get(b.BaseURL() + "/healthz")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode, string(body))

	// The EPR stores in PostgreSQL: a patient created through FHIR is gone
	// after Reset.
	patient := `{"resourceType":"Patient","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9990000018"}],"name":[{"family":"Pond","given":["Amy"]}],"gender":"female","birthDate":"1987-03-15"}`
	resp, err = http.Post(b.BaseURL()+"/fhir/Patient", "application/fhir+json", strings.NewReader(patient))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 201, resp.StatusCode)
	count := func() string {
		resp, err := http.Get(b.BaseURL() + "/fhir/Patient?identifier=9990000018")
		require.NoError(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body)
	}
	assert.Contains(t, count(), `"total": 1`)
	require.NoError(t, b.Reset(ctx))
	assert.Contains(t, count(), `"total": 0`)

	d := b.Describe()
	assert.Equal(t, "docker", d.Backend)
	assert.Contains(t, d.Images["epr"], epr+"@sha256:")
	assert.Contains(t, d.Images["postgres"], pg+"@sha256:")
	for _, role := range []string{"epr", "postgres"} {
		assert.True(t, strings.HasPrefix(d.Digests[role], "sha256:"), "%s digest %q", role, d.Digests[role])
		assert.Len(t, d.Digests[role], len("sha256:")+64, role)
	}
	assert.False(t, b.Keep().Kept, "started without WithKeep")

	labels := containers(t, LabelRun+"="+runID)
	assert.Len(t, labels, 2, "PostgreSQL and the EPR carry the run's label")
	require.NoError(t, b.Terminate(ctx))
	assert.Empty(t, containers(t, LabelRun+"="+runID))
}

func TestFailedStartSavesLogsAndReturnsPartialBackend(t *testing.T) {
	requireDocker(t)
	_, pg := images()
	dir := t.TempDir()
	runID := fmt.Sprintf("it-bad-%d", time.Now().UnixNano())
	// The PostgreSQL image as the "EPR": it never answers /healthz on 8080.
	b, err := Run(context.Background(), WithEPRImage(pg), WithPostgresImage(pg), WithRunID(runID), WithLogDir(dir), WithStartupTimeout(8*time.Second))
	require.Error(t, err)
	require.NotNil(t, b)
	assert.Contains(t, err.Error(), "run docker: run epr")
	assert.NotEmpty(t, b.LogFiles(), "the failed container's log is saved")
	require.NoError(t, b.Terminate(context.Background()))
	assert.Empty(t, containers(t, LabelRun+"="+runID))
}

func TestSweepLeavesLiveRunsAlone(t *testing.T) {
	requireDocker(t)
	epr, _ := images()
	host, _ := os.Hostname()
	mk := func(run, pid string) string {
		out, err := exec.Command("docker", "create", "--label", LabelManaged+"=true", "--label", LabelRun+"="+run,
			"--label", LabelPID+"="+pid, "--label", LabelHost+"="+host, epr).CombinedOutput()
		require.NoError(t, err, string(out))
		id := strings.TrimSpace(string(out))
		t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", id).Run() })
		return id
	}
	mk("sweep-dead", "2147483646")
	mk("sweep-alive", fmt.Sprint(os.Getppid())) // the go tool: alive

	removed, err := Sweep(context.Background())
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(removed.Containers), 1)
	assert.Empty(t, containers(t, LabelRun+"=sweep-dead"), "a killed run's container is swept")
	assert.Len(t, containers(t, LabelRun+"=sweep-alive"), 1, "a live run's container is left alone")

	n, err := RemoveRun(context.Background(), "sweep-alive")
	require.NoError(t, err)
	assert.Len(t, n.Containers, 1)
}

// The release-candidate image (make image-rc) runs like any EPR image and
// reports the regressions built into it.
func TestReleaseCandidateImage(t *testing.T) {
	requireDocker(t)
	rc := os.Getenv("EPRHARNESS_RC_IMAGE")
	if rc == "" {
		rc = "eprharness/refepr:rc"
	}
	_, pg := images()
	ctx := context.Background()
	b, err := Run(ctx, WithEPRImage(rc), WithPostgresImage(pg), WithRunID(fmt.Sprintf("it-rc-%d", time.Now().UnixNano())))
	t.Cleanup(func() { _ = b.Terminate(context.Background()) })
	require.NoError(t, err, "make image-rc builds %s", rc)
	resp, err := http.Get(b.BaseURL() + "/version")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Contains(t, string(body), `"defects":["allergy-alert-stale","double-booking","news2-boundary"]`)
	assert.Contains(t, b.Describe().Version, "-rc")
}

// A backend started WithKeep(true) outlives its run: the sweep at the start
// of a later run leaves it (even though its process has gone), Keep says how
// to reach it, and RemoveRun removes it.
func TestKeptBackendSurvivesSweep(t *testing.T) {
	requireDocker(t)
	epr, pg := images()
	ctx := context.Background()
	runID := fmt.Sprintf("it-keep-%d", time.Now().UnixNano())
	t.Cleanup(func() { _, _ = RemoveRun(context.Background(), runID) })

	// Label the backend as a finished run's: its owner process is gone.
	const deadPID = 2147483646
	ownerPID = func() int { return deadPID }
	b, err := Run(ctx, WithEPRImage(epr), WithPostgresImage(pg), WithRunID(runID), WithKeep(true))
	ownerPID = os.Getpid
	require.NoError(t, err)

	k := b.Keep()
	require.True(t, k.Kept, k.Note)
	assert.Equal(t, b.BaseURL(), k.EPRURL)
	assert.Len(t, k.Containers, 2)
	assert.Equal(t, "docker ps --filter label="+LabelRun+"="+runID, k.Selector)
	require.NotEmpty(t, k.Remove)
	assert.Equal(t, "eprharness sweep --run "+runID, k.Remove[0])
	assert.Contains(t, k.Remove[len(k.Remove)-1], "docker rm -f ")
	assert.Contains(t, k.DatabaseShell, "psql -U epr epr")

	// The printed connection string reaches the database from this host.
	require.True(t, strings.HasPrefix(k.Database, "postgres://epr:epr-test-only@"), k.Database)
	conn, err := pgx.Connect(ctx, k.Database)
	require.NoError(t, err, k.Database)
	var one int
	require.NoError(t, conn.QueryRow(ctx, "SELECT 1").Scan(&one))
	_ = conn.Close(ctx)

	// An unkept container of a finished run is swept in the same sweep.
	host, _ := os.Hostname()
	out, err := exec.Command("docker", "create", "--label", LabelManaged+"=true", "--label", LabelRun+"="+runID+"-unkept",
		"--label", LabelPID+"="+fmt.Sprint(deadPID), "--label", LabelHost+"="+host, epr).CombinedOutput()
	require.NoError(t, err, string(out))
	unkept := strings.TrimSpace(string(out))
	t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", unkept).Run() })

	removed, err := Sweep(ctx)
	require.NoError(t, err)
	assert.Empty(t, containers(t, LabelRun+"="+runID+"-unkept"), "an unkept finished run is swept")
	assert.Len(t, containers(t, LabelRun+"="+runID), 2, "the kept run is left")
	assert.Len(t, networks(t, LabelRun+"="+runID), 1, "and so is its network")
	assert.GreaterOrEqual(t, removed.KeptContainers, 2)
	assert.Contains(t, removed.KeptRuns, runID)
	resp, err := http.Get(k.EPRURL + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode, "the kept EPR still answers")

	gone, err := RemoveRun(ctx, runID)
	require.NoError(t, err)
	assert.Len(t, gone.Containers, 2)
	assert.Len(t, gone.Networks, 1)
	assert.Empty(t, containers(t, LabelRun+"="+runID))
	assert.Empty(t, networks(t, LabelRun+"="+runID))
}
