package a11y

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

const (
	// Version is the pinned axe-core release.
	Version = "4.14.1"
	// scriptInTarball is the file Install takes from the tarball.
	scriptInTarball = "package/axe.min.js"
	// DefaultRegistry is npm's public registry.
	DefaultRegistry = "https://registry.npmjs.org/"

	maxTarball = 32 << 20 // the 4.14.1 tarball is 0.7 MB
	maxScript  = 16 << 20 // axe.min.js is 0.65 MB
)

// pin is what Install and Load check a download and the cache against.
type pin struct {
	// integrity is npm's dist.integrity of the tarball: the SHA-512 of
	// the whole .tgz.
	integrity string
	// scriptSHA256 is the SHA-256 of package/axe.min.js in it: every load
	// of the cached copy checks it.
	scriptSHA256 string
}

// pinned is axe-core 4.14.1's (npm view axe-core@4.14.1 dist; sha256sum
// package/axe.min.js). Tests replace it to serve a tarball of their own.
var pinned = pin{
	integrity:    "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==",
	scriptSHA256: "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c",
}

// Option configures Install and Load.
type Option func(*options)

type options struct {
	registry string
	cacheDir string
	script   string
	client   *http.Client
}

// WithRegistry fetches axe-core from an npm registry mirror (Artifactory,
// Nexus, Verdaccio: the URL npm's registry setting would have). The
// default is $EPRHARNESS_NPM_REGISTRY, else $npm_config_registry, else
// https://registry.npmjs.org/.
func WithRegistry(url string) Option { return func(o *options) { o.registry = url } }

// WithCacheDir sets eprharness's cache folder; axe-core goes into
// axe-core/4.14.1/axe.min.js under it. The default is
// $EPRHARNESS_CACHE_DIR, else eprharness in os.UserCacheDir().
func WithCacheDir(dir string) Option { return func(o *options) { o.cacheDir = dir } }

// WithScript makes Load use this axe.min.js instead of the cached,
// checksummed one (for organisations that mirror axe-core their own way).
// Its version is whatever the script says (axe.version in the page).
// Install ignores it.
func WithScript(path string) Option { return func(o *options) { o.script = path } }

// WithHTTPClient sets the client Install downloads with (proxies, custom
// CAs). The default is http.DefaultClient with a 2-minute timeout.
func WithHTTPClient(c *http.Client) Option { return func(o *options) { o.client = c } }

func newOptions(opts []Option) *options {
	o := &options{}
	for _, f := range opts {
		f(o)
	}
	if o.registry == "" {
		o.registry = os.Getenv("EPRHARNESS_NPM_REGISTRY")
	}
	if o.registry == "" {
		o.registry = os.Getenv("npm_config_registry")
	}
	if o.registry == "" {
		o.registry = DefaultRegistry
	}
	if o.client == nil {
		o.client = &http.Client{Timeout: 2 * time.Minute}
	}
	return o
}

// ScriptPath is where Install puts axe.min.js and Load reads it.
func ScriptPath(opts ...Option) (string, error) {
	return newOptions(opts).path()
}

func (o *options) path() (string, error) {
	dir := o.cacheDir
	if dir == "" {
		dir = os.Getenv("EPRHARNESS_CACHE_DIR")
	}
	if dir == "" {
		user, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("find cache folder (set EPRHARNESS_CACHE_DIR): %w", err)
		}
		dir = filepath.Join(user, "eprharness")
	}
	return filepath.Join(dir, "axe-core", Version, "axe.min.js"), nil
}

// tarballURL is the registry's address of the pinned tarball.
func (o *options) tarballURL() (string, error) {
	u, err := url.Parse(o.registry)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("npm registry %q: want an http(s) URL such as %s", o.registry, DefaultRegistry)
	}
	return strings.TrimRight(o.registry, "/") + "/axe-core/-/axe-core-" + Version + ".tgz", nil
}

// Install makes sure axe-core 4.14.1 is in the cache and returns the path
// of its axe.min.js. A cached copy whose checksum is right is used as it
// is, without the network; a missing or corrupted one is downloaded from
// the npm registry, checked against npm's integrity hash of the tarball
// and the pinned hash of axe.min.js, and written atomically (a temporary
// file renamed into place), so concurrent installs and interrupted ones
// never leave a partial file.
func Install(ctx context.Context, opts ...Option) (path string, err error) {
	o := newOptions(opts)
	path, err = o.path()
	if err != nil {
		return "", fmt.Errorf("install axe-core: %w", err)
	}
	if _, err := readVerified(path); err == nil {
		return path, nil
	}
	src, err := o.tarballURL()
	if err != nil {
		return "", fmt.Errorf("install axe-core: %w", err)
	}
	tgz, err := download(ctx, o.client, src)
	if err != nil {
		return "", fmt.Errorf("install axe-core: %w", err)
	}
	if err := checkIntegrity(tgz, pinned.integrity); err != nil {
		return "", fmt.Errorf("install axe-core: %s: %w", src, err)
	}
	script, err := extract(tgz, scriptInTarball)
	if err != nil {
		return "", fmt.Errorf("install axe-core: %s: %w", src, err)
	}
	if sum := sha256Hex(script); sum != pinned.scriptSHA256 {
		return "", fmt.Errorf("install axe-core: %s: %s has sha256 %s, want %s", src, scriptInTarball, sum, pinned.scriptSHA256)
	}
	if err := writeAtomic(path, script); err != nil {
		return "", fmt.Errorf("install axe-core: %w", err)
	}
	return path, nil
}

func download(ctx context.Context, client *http.Client, src string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return nil, fmt.Errorf("download: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("download: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download %s: %s", src, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxTarball+1))
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", src, err)
	}
	if len(data) > maxTarball {
		return nil, fmt.Errorf("download %s: larger than %d bytes", src, maxTarball)
	}
	return data, nil
}

// checkIntegrity checks data against an npm integrity string
// ("sha512-<base64>").
func checkIntegrity(data []byte, integrity string) error {
	want, ok := strings.CutPrefix(integrity, "sha512-")
	if !ok {
		return fmt.Errorf("integrity %q: only sha512 is supported", integrity)
	}
	sum := sha512.Sum512(data)
	if got := base64.StdEncoding.EncodeToString(sum[:]); got != want {
		return fmt.Errorf("integrity check failed: the tarball has sha512-%s, want %s (a wrong or tampered mirror?)", got, integrity)
	}
	return nil
}

// extract returns one regular file of a gzipped tarball.
func extract(tgz []byte, name string) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return nil, fmt.Errorf("unpack: %w", err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("unpack: no %s in the tarball", name)
		}
		if err != nil {
			return nil, fmt.Errorf("unpack: %w", err)
		}
		if h.Name != name || h.Typeflag != tar.TypeReg {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(tr, maxScript+1))
		if err != nil {
			return nil, fmt.Errorf("unpack %s: %w", name, err)
		}
		if len(data) > maxScript {
			return nil, fmt.Errorf("unpack %s: larger than %d bytes", name, maxScript)
		}
		return data, nil
	}
}

func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create cache folder: %w", err)
	}
	f, err := os.CreateTemp(dir, ".axe.min.js-*")
	if err != nil {
		return fmt.Errorf("write cache: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename there is nothing to remove
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write cache: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write cache: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write cache: %w", err)
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return fmt.Errorf("write cache: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write cache: %w", err)
	}
	return nil
}

// errNotInstalled and errCorrupted are readVerified's faults; Load turns
// them into advice.
var (
	errNotInstalled = errors.New("not installed")
	errCorrupted    = errors.New("corrupted")
)

// readVerified reads the cached axe.min.js and checks its pinned sha256.
func readVerified(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errNotInstalled
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if sum := sha256Hex(data); sum != pinned.scriptSHA256 {
		return nil, fmt.Errorf("%w: %s has sha256 %s, want %s", errCorrupted, path, sum, pinned.scriptSHA256)
	}
	return data, nil
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
