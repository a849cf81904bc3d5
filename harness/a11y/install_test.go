package a11y

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha512"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeScript stands in for axe.min.js: the tests pin its hashes instead
// of axe-core's (TestInstallFromRegistry checks the real pins).
const fakeScript = "/*! axe v4.14.1 (test stand-in) */\nwindow.axe = {version: '4.14.1'};\n"

// tgz builds an npm-style tarball of files.
func tgz(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: "package/", Typeflag: tar.TypeDir, Mode: 0o755}))
	for name, body := range files {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))}))
		_, err := tw.Write([]byte(body))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func integrity(data []byte) string {
	sum := sha512.Sum512(data)
	return "sha512-" + base64.StdEncoding.EncodeToString(sum[:])
}

// pinTo makes Install and Load expect this tarball and script.
func pinTo(t testing.TB, tarball []byte, script string) {
	t.Helper()
	old := pinned
	pinned = pin{integrity: integrity(tarball), scriptSHA256: sha256Hex([]byte(script))}
	t.Cleanup(func() { pinned = old })
}

// registry serves a tarball at an npm registry's path under prefix and
// counts the requests for it.
type registry struct {
	*httptest.Server
	hits    atomic.Int32
	tarball atomic.Value // []byte
}

func newRegistry(t testing.TB, prefix string, tarball []byte) *registry {
	r := &registry{}
	r.tarball.Store(tarball)
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path != prefix+"/axe-core/-/axe-core-4.14.1.tgz" {
			http.NotFound(w, req)
			return
		}
		r.hits.Add(1)
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(r.tarball.Load().([]byte))
	}))
	t.Cleanup(r.Close)
	return r
}

func goodTarball(t testing.TB) []byte {
	return tgz(t, map[string]string{
		"package/package.json": `{"name":"axe-core","version":"4.14.1"}`,
		"package/axe.min.js":   fakeScript,
		"package/axe.js":       "/* unminified */",
	})
}

func TestInstall(t *testing.T) {
	tarball := goodTarball(t)
	pinTo(t, tarball, fakeScript)
	// A mirror with a path, as Artifactory and Nexus have.
	reg := newRegistry(t, "/api/npm/npm-remote", tarball)
	dir := t.TempDir()
	opts := []Option{WithRegistry(reg.URL + "/api/npm/npm-remote/"), WithCacheDir(dir)}

	path, err := Install(context.Background(), opts...)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "axe-core", "4.14.1", "axe.min.js"), path)
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, fakeScript, string(got))
	assert.EqualValues(t, 1, reg.hits.Load())
	leftovers, _ := filepath.Glob(filepath.Join(dir, "axe-core", "4.14.1", ".axe.min.js-*"))
	assert.Empty(t, leftovers, "no temporary file is left behind")

	t.Run("cached copy is used without the network", func(t *testing.T) {
		again, err := Install(context.Background(), opts...)
		require.NoError(t, err)
		assert.Equal(t, path, again)
		assert.EqualValues(t, 1, reg.hits.Load())
	})

	t.Run("load", func(t *testing.T) {
		e, err := Load(WithCacheDir(dir))
		require.NoError(t, err)
		assert.Equal(t, "axe-core 4.14.1", e.Version())
		assert.Equal(t, fakeScript, e.source)
	})

	t.Run("corrupted cache", func(t *testing.T) {
		require.NoError(t, os.WriteFile(path, []byte(fakeScript+"// tampered"), 0o644))
		_, err := Load(WithCacheDir(dir))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "corrupted")
		assert.Contains(t, err.Error(), path)
		assert.Contains(t, err.Error(), "run `eprharness install`")

		_, err = Install(context.Background(), opts...)
		require.NoError(t, err)
		assert.EqualValues(t, 2, reg.hits.Load(), "a corrupted copy is fetched again")
		got, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, fakeScript, string(got))
		_, err = Load(WithCacheDir(dir))
		require.NoError(t, err)
	})
}

func TestInstallRefuses(t *testing.T) {
	tarball := goodTarball(t)
	tests := []struct {
		name   string
		serve  []byte
		script string // the script pinned
		want   string
	}{
		{"wrong integrity", tgz(t, map[string]string{"package/axe.min.js": fakeScript + "// evil"}), fakeScript, "integrity check failed"},
		{"not gzip", []byte("<html>proxy login</html>"), fakeScript, "integrity check failed"},
		{"script differs from the pin", tarball, "something else", "has sha256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pinTo(t, tarball, tt.script)
			reg := newRegistry(t, "", tt.serve)
			dir := t.TempDir()
			_, err := Install(context.Background(), WithRegistry(reg.URL), WithCacheDir(dir))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NoFileExists(t, filepath.Join(dir, "axe-core", "4.14.1", "axe.min.js"), "nothing is cached")
		})
	}

	t.Run("tarball without axe.min.js", func(t *testing.T) {
		other := tgz(t, map[string]string{"package/axe.js": "x"})
		pinTo(t, other, fakeScript)
		reg := newRegistry(t, "", other)
		_, err := Install(context.Background(), WithRegistry(reg.URL), WithCacheDir(t.TempDir()))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "no package/axe.min.js in the tarball")
	})

	t.Run("not found", func(t *testing.T) {
		pinTo(t, tarball, fakeScript)
		reg := newRegistry(t, "/elsewhere", tarball)
		_, err := Install(context.Background(), WithRegistry(reg.URL), WithCacheDir(t.TempDir()))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "404 Not Found")
		assert.Contains(t, err.Error(), reg.URL+"/axe-core/-/axe-core-4.14.1.tgz")
	})

	t.Run("bad registry", func(t *testing.T) {
		_, err := Install(context.Background(), WithRegistry("registry.example"), WithCacheDir(t.TempDir()))
		require.Error(t, err)
		assert.Contains(t, err.Error(), `npm registry "registry.example": want an http(s) URL`)
	})

	t.Run("ended context", func(t *testing.T) {
		pinTo(t, tarball, fakeScript)
		reg := newRegistry(t, "", tarball)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := Install(ctx, WithRegistry(reg.URL), WithCacheDir(t.TempDir()))
		require.ErrorIs(t, err, context.Canceled)
	})
}

func TestRegistryAndCacheDefaults(t *testing.T) {
	t.Setenv("EPRHARNESS_NPM_REGISTRY", "")
	t.Setenv("npm_config_registry", "")
	t.Setenv("EPRHARNESS_CACHE_DIR", "")
	assert.Equal(t, DefaultRegistry, newOptions(nil).registry)

	t.Setenv("npm_config_registry", "https://npm.example/")
	assert.Equal(t, "https://npm.example/", newOptions(nil).registry, "npm's own setting")
	t.Setenv("EPRHARNESS_NPM_REGISTRY", "https://mirror.example/npm/")
	assert.Equal(t, "https://mirror.example/npm/", newOptions(nil).registry, "ours wins over npm's")
	assert.Equal(t, "https://given.example/", newOptions([]Option{WithRegistry("https://given.example/")}).registry, "the option wins")
	u, err := newOptions(nil).tarballURL()
	require.NoError(t, err)
	assert.Equal(t, "https://mirror.example/npm/axe-core/-/axe-core-4.14.1.tgz", u)

	user, err := os.UserCacheDir()
	if err == nil {
		p, err := ScriptPath()
		require.NoError(t, err)
		assert.Equal(t, filepath.Join(user, "eprharness", "axe-core", "4.14.1", "axe.min.js"), p)
	}
	t.Setenv("EPRHARNESS_CACHE_DIR", "/var/cache/eprharness")
	p, err := ScriptPath()
	require.NoError(t, err)
	assert.Equal(t, filepath.FromSlash("/var/cache/eprharness/axe-core/4.14.1/axe.min.js"), p)
	p, err = ScriptPath(WithCacheDir("/c"))
	require.NoError(t, err)
	assert.Equal(t, filepath.FromSlash("/c/axe-core/4.14.1/axe.min.js"), p)
}

func TestLoad(t *testing.T) {
	t.Run("not installed", func(t *testing.T) {
		dir := t.TempDir()
		_, err := Load(WithCacheDir(dir))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "axe-core 4.14.1 is not installed")
		assert.Contains(t, err.Error(), filepath.Join(dir, "axe-core", "4.14.1", "axe.min.js"))
		assert.Contains(t, err.Error(), "run `eprharness install`")
	})
	t.Run("own script", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "axe.min.js")
		require.NoError(t, os.WriteFile(file, []byte("/*! axe v4.11.0\n * Copyright */ window.axe={}"), 0o644))
		e, err := Load(WithScript(file), WithCacheDir(t.TempDir()))
		require.NoError(t, err, "no checksum and no cache for a script of one's own")
		assert.Equal(t, "axe-core 4.11.0", e.Version(), "from the script's header until a page says")
		assert.True(t, e.custom)

		plain := filepath.Join(t.TempDir(), "axe.js")
		require.NoError(t, os.WriteFile(plain, []byte("window.axe={}"), 0o644))
		e, err = Load(WithScript(plain))
		require.NoError(t, err)
		assert.Equal(t, "axe-core unknown", e.Version())

		_, err = Load(WithScript(filepath.Join(t.TempDir(), "missing.js")))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "load axe-core")
	})
}

// The pins are the shape npm and sha256sum give.
func TestPinned(t *testing.T) {
	assert.Regexp(t, `^sha512-[A-Za-z0-9+/]{86}==$`, pinned.integrity)
	assert.Regexp(t, `^[0-9a-f]{64}$`, pinned.scriptSHA256)
}

func TestJoinTarget(t *testing.T) {
	assert.Equal(t, "#nhs", JoinTarget([]string{"#nhs"}))
	assert.Equal(t, "iframe >>> #host >>> input", JoinTarget([]string{"iframe", "#host", "input"}))
}
