//go:build integration

package compose

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/backend"
	"github.com/eprharness/eprharness/harness/backend/docker"
	"github.com/eprharness/eprharness/harness/backend/docker/dockertest"
	"github.com/eprharness/eprharness/harness/hl7"
	"github.com/eprharness/eprharness/harness/mllp"
)

// requireDocker fails without Docker when EPRHARNESS_REQUIRE_DOCKER=1,
// and skips otherwise.
func requireDocker(t *testing.T) {
	t.Helper()
	dockertest.Require(t)
}

// env passes the images under test to the Compose file (its defaults are
// the locally built eprharness/refepr:dev and eprharness/postgres:15).
func env() map[string]string {
	e := map[string]string{"EPR_NOW": "2026-06-01"}
	for _, k := range []string{"EPRHARNESS_EPR_IMAGE", "EPRHARNESS_POSTGRES_IMAGE"} {
		if v := os.Getenv(k); v != "" {
			e[k] = v
		}
	}
	return e
}

func dockerIDs(t *testing.T, args ...string) []string {
	t.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	require.NoError(t, err, string(out))
	return strings.Fields(string(out))
}

func containers(t *testing.T, label string) []string {
	return dockerIDs(t, "ps", "-aq", "--filter", "label="+label)
}

func networks(t *testing.T, label string) []string {
	return dockerIDs(t, "network", "ls", "-q", "--filter", "label="+label)
}

type resetFunc func(ctx context.Context) error

func (f resetFunc) Reset(ctx context.Context) error { return f(ctx) }

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestRunComposeProject(t *testing.T) {
	requireDocker(t)
	ctx := context.Background()
	runID := fmt.Sprintf("it-compose-%d", time.Now().UnixNano())
	start := time.Now()
	resets := 0
	// The harness's listener for the project's outbound HL7 v2 feed, on
	// every interface: the container reaches it as host.docker.internal.
	feed, err := mllp.Listen(ctx, "0.0.0.0:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = feed.Close() })
	_, port, _ := net.SplitHostPort(feed.Addr())
	feedPort, _ := strconv.Atoi(port)
	b, dbURL, err := runTestProject(backend.WithCallbacks(ctx, backend.Callbacks{MLLPPort: feedPort}), runID, func() { resets++ })
	t.Cleanup(func() { _ = b.Terminate(context.Background()) })
	require.NoError(t, err)
	t.Logf("up in %s", time.Since(start).Round(time.Millisecond))

	assert.Regexp(t, `^http://(localhost|127\.0\.0\.1):\d+$`, b.BaseURL())
	status, body := get(t, b.BaseURL()+"/healthz")
	assert.Equal(t, 200, status, body)
	// The EPR stores in the project's PostgreSQL through its FHIR API.
	patient := `{"resourceType":"Patient","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9990000018"}],"name":[{"family":"Pond","given":["Amy"]}],"gender":"female","birthDate":"1987-03-15"}`
	resp, err := http.Post(b.BaseURL()+"/fhir/Patient", "application/fhir+json", strings.NewReader(patient))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 201, resp.StatusCode)

	// Every container and network carries the run's labels.
	ids := containers(t, docker.LabelRun+"="+runID)
	assert.Len(t, ids, 2, "db and epr carry the run's label")
	// Other runs (other tests) may be running: filter by this run too.
	inRun := func(label string) []string {
		return dockerIDs(t, "ps", "-aq", "--filter", "label="+docker.LabelRun+"="+runID, "--filter", "label="+label)
	}
	assert.Len(t, inRun(docker.LabelRole+"=epr"), 1)
	assert.Len(t, inRun(docker.LabelRole+"=db"), 1)
	for _, l := range []string{docker.LabelManaged + "=true", docker.LabelBackend + "=" + b.Project()} {
		assert.Len(t, inRun(l), 2, l)
	}
	pidHost := dockerIDs(t, "inspect", "-f", `{{index .Config.Labels "eprharness.pid"}} {{index .Config.Labels "eprharness.host"}}`, ids[0])
	host, _ := os.Hostname()
	assert.Equal(t, []string{fmt.Sprint(os.Getpid()), host}, pidHost)
	nets := networks(t, docker.LabelRun+"="+runID)
	assert.Len(t, nets, 1, "Compose's default network is the run's")
	netName := dockerIDs(t, "network", "inspect", "-f", "{{.Name}}", nets[0])
	assert.Equal(t, []string{b.Project() + "_default"}, netName)
	// Published on loopback only.
	bind := dockerIDs(t, "inspect", "-f", `{{range $p, $b := .NetworkSettings.Ports}}{{range $b}}{{.HostIp}} {{end}}{{end}}`, ids[0])
	for _, ip := range bind {
		assert.Equal(t, "127.0.0.1", ip)
	}

	dbHost, dbPort, err := b.DatabaseAddr("db", 5432)
	require.NoError(t, err)
	assert.NotEmpty(t, dbHost)
	assert.Positive(t, dbPort)
	assert.Equal(t, fmt.Sprintf("postgres://epr@%s:%d/epr", dbHost, dbPort), *dbURL, "WithResetFrom ran once up")
	require.Equal(t, 0, resets)
	_, _, err = b.DatabaseAddr("db", 5433)
	assert.ErrorContains(t, err, "does not publish port 5433")

	// HL7 v2 both ways: the EPR's MLLP port (WithMLLP) answers a message
	// in enhanced mode with a commit acknowledgement, and its application
	// acknowledgement (AE: the patient is unknown) comes on its outbound
	// feed, which the Compose file pointed at the listener.
	assert.Regexp(t, `^(localhost|127\.0\.0\.1):\d+$`, b.MLLPAddr())
	assert.Equal(t, "host.docker.internal", b.CallbackHost())
	msg, err := hl7.Build("MSH|^~\\&|PAS|RHQ|REFEPR|RHQ|20260601120000||ADT^A08^ADT_A01|it-compose-1|P|2.5.1|||AL|AL\r"+
		"EVN|A08|20260601120000\rPID|1||9990000026^^^NHS^NH||WILLIAMS^Rory||19880101|M\rPV1|1|O", nil)
	require.NoError(t, err)
	raw, err := msg.Encode("")
	require.NoError(t, err)
	ackRaw, err := mllp.Send(ctx, b.MLLPAddr(), raw)
	require.NoError(t, err)
	ack, err := hl7.Parse(ackRaw)
	require.NoError(t, err)
	code, _ := ack.Text("MSA-1")
	assert.Equal(t, "CA", code, ack.String())
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	appAck, err := feed.Wait(wctx, func(m *hl7.Message) bool {
		ref, _ := m.Text("MSA-2")
		return m.Type() == "ACK" && ref == "it-compose-1"
	})
	require.NoError(t, err, "the application acknowledgement arrives on the feed")
	code, _ = appAck.Text("MSA-1")
	assert.Equal(t, "AE", code, appAck.String())

	d := b.Describe()
	assert.Equal(t, "compose", d.Backend)
	assert.Equal(t, b.BaseURL(), d.BaseURL)
	assert.Equal(t, b.Project(), d.Compose)
	assert.Contains(t, d.Services["epr"], "refepr")
	assert.Contains(t, d.Services["db"], "postgres")
	for _, svc := range []string{"epr", "db"} {
		assert.True(t, strings.HasPrefix(d.Digests[svc], "sha256:"), "%s digest %q", svc, d.Digests[svc])
	}
	assert.False(t, b.Keep().Kept, "started without WithKeep")

	dir := t.TempDir()
	files, err := b.WriteLogs(ctx, dir, start)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{filepath.Join(dir, "backend-db.log"), filepath.Join(dir, "backend-epr.log")}, files)
	dbLog, _ := os.ReadFile(filepath.Join(dir, "backend-db.log"))
	assert.Contains(t, string(dbLog), "ready to accept connections")

	require.NoError(t, b.Reset(ctx))
	assert.Equal(t, 1, resets)

	start = time.Now()
	require.NoError(t, b.Terminate(ctx))
	t.Logf("terminated in %s", time.Since(start).Round(time.Millisecond))
	assert.Empty(t, containers(t, docker.LabelRun+"="+runID))
	assert.Empty(t, networks(t, docker.LabelRun+"="+runID))
	assert.Empty(t, containers(t, "com.docker.compose.project="+b.Project()))
	assert.Empty(t, dockerIDs(t, "network", "ls", "-q", "--filter", "name="+b.Project()))
	assert.Empty(t, dockerIDs(t, "volume", "ls", "-q", "--filter", "label=com.docker.compose.project="+b.Project()))
	require.NoError(t, b.Terminate(ctx), "a second Terminate is harmless")
}

// A run killed before it could Terminate: RemoveRun (eprharness sweep
// --run) removes its Compose project, containers and network.
func TestRemoveRunRemovesAProject(t *testing.T) {
	requireDocker(t)
	ctx := context.Background()
	runID := fmt.Sprintf("it-compose-rm-%d", time.Now().UnixNano())
	b, err := Run(ctx, WithFiles("testdata/compose.yaml"), WithRunID(runID), WithProject(ProjectName(runID, 2)),
		WithService("epr", 8080), WithWait("epr", "http:/healthz"), WithEnv(env()), WithKeep(true))
	t.Cleanup(func() { _ = b.Terminate(context.Background()) })
	require.NoError(t, err)
	k := b.Keep()
	assert.True(t, k.Kept)
	assert.Len(t, k.Containers, 2)
	assert.Contains(t, k.Remove, "eprharness sweep --run "+runID)
	t.Log(k.String())
	assert.Len(t, dockerIDs(t, "ps", "-aq", "--filter", "label="+docker.LabelRun+"="+runID, "--filter", "label="+docker.LabelKeep+"=true"), 2)

	removed, err := docker.RemoveRun(ctx, runID)
	require.NoError(t, err)
	assert.Len(t, removed.Containers, 2)
	assert.Equal(t, []string{b.Project() + "_default"}, removed.Networks)
	assert.Empty(t, containers(t, docker.LabelRun+"="+runID))
	assert.Empty(t, networks(t, docker.LabelRun+"="+runID))
}

// A start that fails still returns the backend; Terminate removes what it
// started.
func TestFailedStartIsTerminated(t *testing.T) {
	requireDocker(t)
	ctx := context.Background()
	runID := fmt.Sprintf("it-compose-bad-%d", time.Now().UnixNano())
	start := time.Now()
	b, err := Run(ctx, WithFiles("testdata/compose.yaml"), WithRunID(runID),
		WithService("epr", 8080), WithWait("epr", "log:this is never logged"), WithWait("db", "log:nor this"),
		WithEnv(env()), WithStartupTimeout(5*time.Second))
	require.Error(t, err)
	require.NotNil(t, b)
	assert.Contains(t, err.Error(), "run compose: ")
	t.Logf("failed in %s: %v", time.Since(start).Round(time.Millisecond), err)
	start = time.Now()
	files, lerr := b.WriteLogs(ctx, t.TempDir(), time.Time{})
	assert.NoError(t, lerr)
	assert.NotEmpty(t, files, "a failed start's logs can be saved")
	require.NoError(t, b.Terminate(ctx))
	t.Logf("logs and terminate in %s", time.Since(start).Round(time.Millisecond))
	assert.Empty(t, containers(t, docker.LabelRun+"="+runID))
	assert.Empty(t, networks(t, docker.LabelRun+"="+runID))
}

// runTestProject starts testdata/compose.yaml as project 1 of runID, the
// EPR reached on epr:8080, its MLLP port 2575 and the database published. onReset counts the
// resets; dbURL is set to the database URL WithResetFrom expanded.
func runTestProject(ctx context.Context, runID string, onReset func()) (b *Backend, dbURL *string, err error) {
	dbURL = new(string)
	b, err = Run(ctx,
		WithFiles("testdata/compose.yaml"),
		WithRunID(runID),
		WithProject(ProjectName(runID, 1)),
		WithService("epr", 8080),
		WithWait("epr", "http:/healthz"),
		WithWait("db", "healthy"),
		WithPublish("db", 5432),
		WithMLLP("epr", 2575),
		WithEnv(env()),
		WithResetFrom(func(ctx context.Context, b *Backend) (Resetter, error) {
			u, err := b.ExpandDatabaseURL("postgres://epr@{host}:{port}/epr", "db", 5432)
			*dbURL = u
			return resetFunc(func(context.Context) error { onReset(); return nil }), err
		}),
		WithStartupTimeout(90*time.Second),
	)
	return b, dbURL, err
}
