package docker

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRepository(t *testing.T) {
	for in, want := range map[string]string{
		"postgres":                          "postgres",
		"postgres:15":                       "postgres",
		"eprharness/refepr:dev":             "eprharness/refepr",
		"localhost:5000/epr":                "localhost:5000/epr",
		"localhost:5000/epr:dev":            "localhost:5000/epr",
		"localhost:5000/epr:dev@sha256:abc": "localhost:5000/epr",
		"epr@sha256:abc":                    "epr",
	} {
		assert.Equal(t, want, repository(in), in)
	}
}

func TestPickDigest(t *testing.T) {
	id := "sha256:1111"
	// Built locally, never pushed: the image id.
	assert.Equal(t, id, pickDigest("eprharness/refepr:dev", id, nil))
	// Pulled: the repository's digest, preferring the image's own repository.
	assert.Equal(t, "sha256:bbbb", pickDigest("postgres:15", id, []string{"mirror.example/postgres@sha256:aaaa", "postgres@sha256:bbbb"}))
	assert.Equal(t, "sha256:aaaa", pickDigest("postgres:15", id, []string{"mirror.example/postgres@sha256:aaaa"}))
	// Malformed entries are ignored.
	assert.Equal(t, id, pickDigest("postgres:15", id, []string{"postgres", "postgres@"}))
}

// Without a running engine, a backend that never started describes the
// configured images, no digests, and is not kept.
func TestDescribeAndKeepBeforeStart(t *testing.T) {
	b := &Backend{opts: options{eprImage: "e:1", postgresImage: "p:1", runID: "r", keep: true}}
	d := b.Describe()
	assert.Equal(t, map[string]string{"epr": "e:1", "postgres": "p:1"}, d.Images)
	assert.Nil(t, d.Digests)
	k := b.Keep()
	assert.False(t, k.Kept)
	assert.Contains(t, k.Note, "did not start")

	b = &Backend{opts: options{runID: "r"}, baseURL: "http://localhost:1",
		images:  map[string]string{"epr": "e:1@sha256:e", "postgres": "p:1@sha256:p"},
		digests: map[string]string{"epr": "sha256:e", "postgres": "sha256:p"}}
	assert.Equal(t, map[string]string{"epr": "sha256:e", "postgres": "sha256:p"}, b.Describe().Digests)
	assert.Equal(t, "e:1@sha256:e", b.Describe().Images["epr"])
	k = b.Keep()
	assert.False(t, k.Kept, "not started WithKeep")
	assert.Contains(t, k.Note, "WithKeep")
}

func TestStale(t *testing.T) {
	alive := func(pid int) bool { return pid == 42 }
	l := func(host, pid string) map[string]string { return map[string]string{LabelHost: host, LabelPID: pid} }
	assert.True(t, stale(l("h", "7"), "h", 1, alive), "owner gone")
	assert.False(t, stale(l("h", "42"), "h", 1, alive), "owner alive")
	assert.False(t, stale(l("h", "1"), "h", 1, alive), "this process")
	assert.False(t, stale(l("other", "7"), "h", 1, alive), "another host's")
	assert.True(t, stale(l("h", "x"), "h", 1, alive), "unreadable pid")
	assert.True(t, kept(map[string]string{LabelKeep: "true"}))
	assert.False(t, kept(map[string]string{}))
}

// Ports are published on loopback when the engine's ports are reached at
// a loopback name (a local engine), and on every interface when the
// engine is another machine (DOCKER_HOST=tcp://build-7:2375).
func TestBindAddress(t *testing.T) {
	for host, want := range map[string]string{
		"localhost":            "127.0.0.1",
		"LOCALHOST.":           "127.0.0.1",
		"127.0.0.1":            "127.0.0.1",
		"127.0.1.1":            "127.0.0.1",
		"::1":                  "::1",
		"[::1]":                "::1",
		"build-7":              "0.0.0.0",
		"10.1.2.3":             "0.0.0.0",
		"172.17.0.1":           "0.0.0.0", // the gateway, from inside a container
		"docker.test.nhs":      "0.0.0.0",
		"host.docker.internal": "0.0.0.0",
	} {
		assert.Equal(t, want, bindAddress(host).String(), host)
	}
}
