package compose

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/backend/docker"
)

func TestParseWait(t *testing.T) {
	for in, want := range map[string]Wait{
		"epr=http:/healthz":       {Service: "epr", Kind: "http", Path: "/healthz"},
		"orthanc=http:/system":    {Service: "orthanc", Kind: "http", Path: "/system"},
		"epr=http:/":              {Service: "epr", Kind: "http", Path: "/"},
		"api=http:8042/app/x?y=1": {Service: "api", Kind: "http", Path: "/app/x?y=1", Port: 8042},
		"db=log:ready to accept":  {Service: "db", Kind: "log", Text: "ready to accept"},
		"db=log:a=b: c":           {Service: "db", Kind: "log", Text: "a=b: c"},
		"db=healthy":              {Service: "db", Kind: "healthy"},
		" db =healthy":            {Service: "db", Kind: "healthy"},
	} {
		got, err := ParseWait(in)
		if assert.NoError(t, err, in) {
			assert.Equal(t, want, got, in)
			again, err := ParseWait(got.String())
			assert.NoError(t, err)
			assert.Equal(t, got, again, "String round-trips %q", in)
		}
	}
	for _, bad := range []string{"", "epr", "=healthy", "epr=", "epr=http", "epr=http:", "epr=http:healthz",
		"epr=http:99999/x", "epr=http:abc/x", "db=log:", "db=healthy:yes", "db=tcp:5432"} {
		_, err := ParseWait(bad)
		assert.Error(t, err, bad)
	}
}

func TestProjectName(t *testing.T) {
	assert.Equal(t, "eprharness-20261204-2313-ab-1", ProjectName("20261204-2313-AB", 1))
	assert.Equal(t, "eprharness-run-x-y-2", ProjectName("run/x.y", 2))
	assert.Equal(t, "abc", safeName("--_ABC"))
	assert.Equal(t, "eprharness", safeName("--"))
}

func TestOverrideLabelsPortsAndPullPolicy(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "compose.yaml")
	require.NoError(t, os.WriteFile(file, []byte(`
services:
  web:
    image: example/web:1
    pull_policy: always
    ports: ["8080:80", "127.0.0.1:9000:9000/udp"]
    labels: {team: records}
  db:
    image: ${DB_IMAGE}
    stop_grace_period: 30s
  built:
    build: .
  sidecar:
    image: example/sidecar
    network_mode: "service:web"
networks:
  default:
    ipam:
      config: [{subnet: 10.123.0.0/24}]
  back:
    driver_opts: {com.docker.network.bridge.name: back0}
  outside:
    external: true
`), 0o644))
	p, err := loadProject(context.Background(), []string{file}, "eprharness-it-1", map[string]string{"DB_IMAGE": "example/db:15"})
	require.NoError(t, err)
	assert.Equal(t, "example/db:15", p.Services["db"].Image, "WithEnv interpolates")

	ports := servicePorts(p, map[string][]int{"web": {80, 8081}, "db": {5432}})
	assert.Equal(t, []published{{80, "tcp"}, {8081, "tcp"}, {9000, "udp"}}, ports["web"])
	assert.Equal(t, []published{{5432, "tcp"}}, ports["db"])
	assert.NotContains(t, ports, "sidecar")

	labels := docker.Labels("it")
	labels[docker.LabelBackend] = "eprharness-it-1"
	out := string(override(p, labels, ports, netip.MustParseAddr("127.0.0.1")))
	assert.Contains(t, out, `"eprharness.role": "web"`)
	assert.Contains(t, out, `"eprharness.run": "it"`)
	assert.Contains(t, out, "ports: !override\n      - \"127.0.0.1::80/tcp\"\n      - \"127.0.0.1::8081/tcp\"\n      - \"127.0.0.1::9000/udp\"\n")

	// The override merges over the user's file as Compose merges it.
	ov := filepath.Join(dir, "override.yaml")
	require.NoError(t, os.WriteFile(ov, []byte(out), 0o644))
	m, err := loadProject(context.Background(), []string{file, ov}, "eprharness-it-1", map[string]string{"DB_IMAGE": "example/db:15"})
	require.NoError(t, err, out)
	web := m.Services["web"]
	assert.Equal(t, "records", web.Labels["team"], "the user's labels stay")
	assert.Equal(t, "it", web.Labels[docker.LabelRun])
	assert.Equal(t, "true", web.Labels[docker.LabelManaged])
	assert.Equal(t, "web", web.Labels[docker.LabelRole])
	assert.Equal(t, "missing", web.PullPolicy, "always becomes missing")
	require.Len(t, web.Ports, 3)
	for _, pc := range web.Ports {
		assert.Equal(t, "127.0.0.1", pc.HostIP)
		assert.Empty(t, pc.Published, "ephemeral host port")
	}
	assert.Equal(t, "missing", m.Services["db"].PullPolicy)
	assert.Equal(t, "30s", m.Services["db"].StopGracePeriod.String(), "the user's grace period stays")
	assert.Equal(t, "2s", web.StopGracePeriod.String())
	assert.Empty(t, m.Services["built"].PullPolicy, "a built image is not pulled anyway")
	assert.Equal(t, "sidecar", m.Services["sidecar"].Labels[docker.LabelRole])

	// On a remote engine (docker.PublishAddress) the ports are published
	// on the engine host's interfaces, where this machine reaches them.
	for bind, hostIP := range map[netip.Addr]string{netip.IPv4Unspecified(): "0.0.0.0", netip.IPv6Loopback(): "::1"} {
		remote := string(override(p, labels, ports, bind))
		require.NoError(t, os.WriteFile(ov, []byte(remote), 0o644))
		m, err := loadProject(context.Background(), []string{file, ov}, "eprharness-it-1", map[string]string{"DB_IMAGE": "example/db:15"})
		require.NoError(t, err, remote)
		require.Len(t, m.Services["web"].Ports, 3)
		for _, pc := range m.Services["web"].Ports {
			assert.Equal(t, hostIP, pc.HostIP, remote)
			assert.Empty(t, pc.Published, "ephemeral host port")
		}
	}

	// Networks are created as Compose would, with the run's labels.
	o, err := networkOptions(p.Name, "default", p.Networks["default"], labels)
	require.NoError(t, err)
	assert.Equal(t, "eprharness-it-1", o.Labels[composeProjectLabel])
	assert.Equal(t, "default", o.Labels[composeNetworkLabel])
	assert.Equal(t, "true", o.Labels[docker.LabelManaged])
	require.NotNil(t, o.IPAM)
	assert.Equal(t, "10.123.0.0/24", o.IPAM.Config[0].Subnet.String())
	assert.Equal(t, "eprharness-it-1_default", p.Networks["default"].Name)
	o, err = networkOptions(p.Name, "back", p.Networks["back"], labels)
	require.NoError(t, err)
	assert.Equal(t, "back0", o.Options["com.docker.network.bridge.name"])
	assert.True(t, bool(p.Networks["outside"].External), "external networks are left to the user")
}

func TestQuoteEscapesInterpolation(t *testing.T) {
	assert.Equal(t, `"a$$b \"c\""`, quote(`a$b "c"`))
}

func TestRunValidatesBeforeDocker(t *testing.T) {
	ctx := context.Background()
	b, err := Run(ctx)
	require.NotNil(t, b)
	assert.ErrorContains(t, err, "run compose: no Compose file")
	_, err = Run(ctx, WithFiles("testdata/compose.yaml"))
	assert.ErrorContains(t, err, "compose-service")
	_, err = Run(ctx, WithFiles("testdata/compose.yaml"), WithService("epr", 0))
	assert.ErrorContains(t, err, "compose-port")
	_, err = Run(ctx, WithFiles("testdata/compose.yaml"), WithService("epr", 8080), WithWait("db", "tcp:5432"))
	assert.ErrorContains(t, err, "compose-wait")
	_, err = Run(ctx, WithFiles("testdata/compose.yaml"), WithService("web", 8080))
	assert.ErrorContains(t, err, `no service "web"`)
	assert.ErrorContains(t, err, "services: db, epr")
	_, err = Run(ctx, WithFiles("testdata/compose.yaml"), WithService("epr", 8080), WithWait("db", "http:/x"))
	assert.ErrorContains(t, err, "publishes no port")
	require.NoError(t, b.Terminate(ctx))
}

func TestNotRunning(t *testing.T) {
	b := &Backend{}
	_, _, err := b.DatabaseAddr("db", 5432)
	assert.ErrorContains(t, err, "not running")
	assert.False(t, b.Keep().Kept)
	assert.True(t, strings.HasPrefix(b.Describe().Backend, "compose"))
}
