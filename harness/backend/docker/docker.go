// Package docker runs the system under test in containers with
// testcontainers-go: PostgreSQL and the EPR image on a private network, the
// EPR's HTTP port mapped to a host port for the browser: a loopback port on
// a local engine; on a remote one (DOCKER_HOST=tcp://…) a port of the
// engine's host, which BaseURL names (see PublishAddress).
//
// Every container and network carries labels naming the run, the process and
// the host (see Labels), because on machines without the Ryuk reaper nothing
// else removes them. Terminate removes what a Backend started; RemoveRun
// removes everything of a run by label, which covers a start that was
// interrupted half-way; Sweep removes what runs that were killed left
// behind. All three are safe to call concurrently with each other.
//
// A backend started WithKeep(true) carries LabelKeep: Sweep leaves it (and
// its network) in place even after the harness process has gone, so a
// developer can reproduce a defect against it; RemoveRun, or Sweep
// WithKept(true), removes it. Docker cannot relabel a container, so the
// decision to keep is made when the backend starts.
//
// Alive (backend.Prober) reads the containers' state, so a scenario that
// failed because its EPR or database container died is blamed on the
// backend ("the EPR container exited (code 137)"), not on the EPR; a
// container that is not ready within the startup timeout fails Run with a
// backend.NotReadyError naming it and what was awaited.
//
// Messaging (backend.Messaging): the EPR container's port 2575/tcp, where
// the reference EPR's HL7 v2 MLLP endpoint listens, is published like the
// HTTP port (MLLPAddr); the container reaches this host as
// host.docker.internal (CallbackHost, an extra host entry for the engine's
// host gateway), and WithMLLPOutbound points its outbound feed at a
// listener here.
package docker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/modules/postgres"
	tcnetwork "github.com/testcontainers/testcontainers-go/network"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/eprharness/eprharness/harness/backend"
	"github.com/eprharness/eprharness/harness/results"
)

// Label keys put on every container and network the harness starts.
const (
	LabelManaged = "eprharness.managed" // always "true"
	LabelRun     = "eprharness.run"     // the run id
	LabelPID     = "eprharness.pid"     // the harness process id
	LabelHost    = "eprharness.host"    // the harness host name
	LabelRole    = "eprharness.role"    // "postgres" or "epr"
	LabelBackend = "eprharness.backend" // one backend of the run (a worker's)
	LabelKeep    = "eprharness.keep"    // "true" when kept after the run (WithKeep)
)

const (
	eprPort  = "8080/tcp"
	mllpPort = "2575/tcp" // the EPR's HL7 v2 MLLP endpoint (refepr: EPR_MLLP_ADDR, :2575 in its image)
	dbPort   = "5432/tcp"
	dbAlias  = "db"
	dbName   = "epr"
	dbUser   = "epr"
	dbSecret = "epr-test-only"
)

type options struct {
	eprImage       string
	postgresImage  string
	runID          string
	logDir         string
	env            map[string]string
	startupTimeout time.Duration
	resetPath      string
	healthPath     string
	log            io.Writer
	keep           bool
	mllpOutbound   string
}

// Option configures Run.
type Option func(*options)

// WithEPRImage sets the EPR image; default "eprharness/refepr:dev".
func WithEPRImage(image string) Option { return func(o *options) { o.eprImage = image } }

// WithPostgresImage sets the PostgreSQL image; default "postgres:15". Any
// image that behaves like the official one works.
func WithPostgresImage(image string) Option { return func(o *options) { o.postgresImage = image } }

// WithRunID sets the run id put in the containers' labels. Required for
// RemoveRun to find them; default is a fresh id.
func WithRunID(id string) Option { return func(o *options) { o.runID = id } }

// WithLogDir saves the containers' logs into dir when the backend fails to
// start. Default: logs are not saved.
func WithLogDir(dir string) Option { return func(o *options) { o.logDir = dir } }

// WithEnv adds environment variables to the EPR container, e.g. EPR_NOW.
func WithEnv(env map[string]string) Option {
	return func(o *options) {
		for k, v := range env {
			o.env[k] = v
		}
	}
}

// WithLog receives testcontainers' own log lines for the containers (image
// checks, start, wait, stop). Default: discarded. The caller owns w and must
// keep it open until Terminate returns.
func WithLog(w io.Writer) Option { return func(o *options) { o.log = w } }

// WithKeep marks the containers and network as kept (LabelKeep) when keep
// is true, so that they may outlive the process: the stale-container Sweep
// of later runs leaves them, and Keep reports how to reach and remove them.
// The caller that keeps the backend must then not Terminate it. Default
// false.
func WithKeep(keep bool) Option { return func(o *options) { o.keep = keep } }

// WithMLLPOutbound sends the EPR's outbound HL7 v2 feed to hostport
// (EPR_MLLP_OUTBOUND in the EPR container). From the container, this host
// is CallbackHost ("host.docker.internal", mapped to the engine's host
// gateway), so a listener here on port P is "host.docker.internal:P"; it
// must listen on an address the gateway reaches (0.0.0.0, not 127.0.0.1).
// Default: no feed.
func WithMLLPOutbound(hostport string) Option { return func(o *options) { o.mllpOutbound = hostport } }

// CallbackHost is the host name by which the EPR container reaches
// listeners on this host: every EPR container gets the extra host entry
// "host.docker.internal:host-gateway". On a remote engine it names the
// engine's host, not this one.
const CallbackHost = "host.docker.internal"

// WithStartupTimeout bounds how long each container may take to become
// healthy; default 90s.
func WithStartupTimeout(d time.Duration) Option { return func(o *options) { o.startupTimeout = d } }

// Backend is PostgreSQL and the EPR running in containers.
type Backend struct {
	opts    options
	labels  map[string]string
	net     *testcontainers.DockerNetwork
	pg      *postgres.PostgresContainer
	epr     *testcontainers.DockerContainer
	baseURL string
	mllp    string // the EPR's MLLP endpoint from this host (host:port), once running
	dbURL   string // PostgreSQL from this host, once running
	version string
	images  map[string]string // role → image@id, once running
	digests map[string]string // role → repo digest or image id, once running
	names   map[string]string // role → container name, once running
	http    *http.Client

	id      string // unique per backend within the process; LabelBackend
	once    sync.Once
	termErr error
}

var backendSeq atomic.Int64

var (
	_ backend.Backend   = (*Backend)(nil)
	_ backend.Keeper    = (*Backend)(nil)
	_ backend.Messaging = (*Backend)(nil)
)

// stopTimeout is how long a container gets to stop before it is killed: the
// containers hold only test data, so there is nothing to flush.
const stopTimeout = 2 * time.Second

// ownerPID is the process id put in LabelPID. Tests replace it to start a
// backend that looks as if its run had finished.
var ownerPID = os.Getpid

// Labels returns the labels put on the containers and networks of a run.
func Labels(runID string) map[string]string {
	host, _ := os.Hostname()
	return map[string]string{
		LabelManaged: "true",
		LabelRun:     runID,
		LabelPID:     fmt.Sprint(ownerPID()),
		LabelHost:    host,
	}
}

// Run starts a private network, PostgreSQL and the EPR, and waits until the
// EPR answers its health check. On error it returns the partial Backend,
// which the caller must still Terminate; the containers' logs are then in
// the log folder, if one was given.
func Run(ctx context.Context, opts ...Option) (*Backend, error) {
	o := options{
		eprImage:       "eprharness/refepr:dev",
		postgresImage:  "postgres:15",
		env:            map[string]string{},
		startupTimeout: 90 * time.Second,
		resetPath:      "/_test/reset",
		healthPath:     "/healthz",
	}
	for _, opt := range opts {
		opt(&o)
	}
	if o.runID == "" {
		o.runID = fmt.Sprintf("adhoc-%d", time.Now().UnixNano())
	}
	b := &Backend{opts: o, labels: Labels(o.runID), http: &http.Client{Timeout: 30 * time.Second},
		images: map[string]string{}, digests: map[string]string{}, names: map[string]string{}}
	// A run may have several backends (one per worker): each removes only
	// its own containers when it terminates.
	b.id = fmt.Sprintf("%s-%d", o.runID, backendSeq.Add(1))
	b.labels[LabelBackend] = b.id
	if o.keep {
		b.labels[LabelKeep] = "true"
	}
	if o.log == nil {
		o.log = io.Discard
	}
	logger := testcontainers.WithLogger(log.New(o.log, "", log.LstdFlags))
	missing := map[string]bool{}
	for _, img := range []string{o.postgresImage, o.eprImage} {
		missing[img] = !imagePresent(ctx, img)
		if missing[img] {
			fmt.Fprintf(o.log, "image %s is not present locally; Docker will try to pull it\n", img)
		}
	}

	bind, _, err := PublishAddress(ctx)
	if err != nil {
		return b, fmt.Errorf("run docker: %w", err)
	}

	nw, err := tcnetwork.New(ctx, tcnetwork.WithLabels(b.labels))
	if err != nil {
		return b, fmt.Errorf("run docker: create network: %w", err)
	}
	b.net = nw

	pg, err := postgres.Run(ctx, o.postgresImage,
		logger,
		postgres.WithDatabase(dbName),
		postgres.WithUsername(dbUser),
		postgres.WithPassword(dbSecret),
		postgres.BasicWaitStrategies(),
		testcontainers.WithAdditionalWaitStrategyAndDeadline(o.startupTimeout),
		testcontainers.WithLabels(b.roleLabels("postgres")),
		tcnetwork.WithNetwork([]string{dbAlias}, nw),
		testcontainers.WithHostConfigModifier(publishOn(bind, dbPort)),
	)
	if pg != nil {
		b.pg = pg
	}
	if err != nil {
		b.saveLogs(ctx, "postgres", containerOf(pg))
		if nr := notReady(ctx, err, "the database container ("+o.postgresImage+")", o.startupTimeout, `the log line "ready to accept connections" (twice)`); nr != nil {
			return b, nr
		}
		return b, fmt.Errorf("run docker: %w%s", err, imageHint(missing[o.postgresImage], o.postgresImage, "--postgres-image"))
	}

	env := map[string]string{
		"EPR_DATABASE_URL": fmt.Sprintf("postgres://%s:%s@%s:5432/%s?sslmode=disable", dbUser, dbSecret, dbAlias, dbName),
		"EPR_TEST_API":     "true",
	}
	if o.mllpOutbound != "" {
		env["EPR_MLLP_OUTBOUND"] = o.mllpOutbound
	}
	for k, v := range o.env {
		env[k] = v
	}
	epr, err := testcontainers.Run(ctx, o.eprImage,
		logger,
		testcontainers.WithExposedPorts(eprPort, mllpPort),
		testcontainers.WithEnv(env),
		testcontainers.WithLabels(b.roleLabels("epr")),
		tcnetwork.WithNetwork([]string{"epr"}, nw),
		testcontainers.WithHostConfigModifier(publishOn(bind, eprPort)),
		testcontainers.WithHostConfigModifier(publishOn(bind, mllpPort)),
		testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
			hc.ExtraHosts = append(hc.ExtraHosts, CallbackHost+":host-gateway")
		}),
		testcontainers.WithWaitStrategyAndDeadline(o.startupTimeout,
			wait.ForHTTP(o.healthPath).WithPort(eprPort).WithStatusCodeMatcher(func(s int) bool { return s == http.StatusOK })),
	)
	if epr != nil {
		b.epr = epr
	}
	if err != nil {
		b.saveLogs(ctx, "epr", containerOf(epr))
		if nr := notReady(ctx, err, "the EPR container ("+o.eprImage+")", o.startupTimeout, "http "+o.healthPath); nr != nil {
			return b, nr
		}
		return b, fmt.Errorf("run docker: run epr: %w%s", err, imageHint(missing[o.eprImage], o.eprImage, "--epr-image"))
	}
	url, err := epr.PortEndpoint(ctx, eprPort, "http")
	if err != nil {
		b.saveLogs(ctx, "epr", epr)
		return b, fmt.Errorf("run docker: epr endpoint: %w", err)
	}
	b.baseURL = url
	if host, err := epr.Host(ctx); err == nil {
		if port, err := epr.MappedPort(ctx, mllpPort); err == nil {
			b.mllp = net.JoinHostPort(host, port.Port())
		}
	}
	if host, err := pg.Host(ctx); err == nil {
		if port, err := pg.MappedPort(ctx, dbPort); err == nil {
			b.dbURL = fmt.Sprintf("postgres://%s:%s@%s:%s/%s?sslmode=disable", dbUser, dbSecret, host, port.Port(), dbName)
		}
	}
	b.version = b.fetchVersion(ctx)
	b.inspect(ctx, map[string]*testcontainers.DockerContainer{"postgres": containerOf(pg), "epr": epr})
	return b, nil
}

// notReady turns a wait strategy that ran out of the startup timeout into
// a backend.NotReadyError naming what was not ready, and returns nil for
// any other error (the caller's own ctx ending is not a startup timeout).
func notReady(ctx context.Context, err error, what string, timeout time.Duration, waiting string) error {
	if ctx.Err() != nil {
		return nil
	}
	if !errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), context.DeadlineExceeded.Error()) {
		return nil
	}
	return &backend.NotReadyError{What: what, Timeout: timeout, Waiting: waiting, Err: err}
}

// inspect records each running container's name, image id and image digest.
// What cannot be inspected is left out: Describe then falls back to the
// configured image names.
func (b *Backend) inspect(ctx context.Context, byRole map[string]*testcontainers.DockerContainer) {
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return
	}
	defer cli.Close()
	for role, c := range byRole {
		if c == nil {
			continue
		}
		info, err := c.Inspect(ctx)
		if err != nil {
			continue
		}
		b.names[role] = strings.TrimPrefix(info.Name, "/")
		if info.Image == "" {
			continue
		}
		b.images[role] = b.image(role) + "@" + info.Image
		var repoDigests []string
		if img, err := cli.ImageInspect(ctx, info.Image); err == nil {
			repoDigests = img.RepoDigests
		}
		b.digests[role] = pickDigest(b.image(role), info.Image, repoDigests)
	}
}

// image is the configured image of a role.
func (b *Backend) image(role string) string {
	if role == "postgres" {
		return b.opts.postgresImage
	}
	return b.opts.eprImage
}

// pickDigest chooses the digest that identifies image: its repository's
// digest from repoDigests ("repo@sha256:…") when it was pulled from or
// pushed to a registry, else any repo digest, else the local image id
// (which is itself "sha256:…").
func pickDigest(image, id string, repoDigests []string) string {
	repo := repository(image)
	first := ""
	for _, rd := range repoDigests {
		r, d, ok := strings.Cut(rd, "@")
		if !ok || d == "" {
			continue
		}
		if r == repo {
			return d
		}
		if first == "" {
			first = d
		}
	}
	if first != "" {
		return first
	}
	return id
}

// repository strips the tag and digest from an image reference:
// "localhost:5000/epr:dev@sha256:…" → "localhost:5000/epr".
func repository(image string) string {
	image, _, _ = strings.Cut(image, "@")
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		image = image[:i]
	}
	return image
}

func (b *Backend) roleLabels(role string) map[string]string {
	l := make(map[string]string, len(b.labels)+1)
	for k, v := range b.labels {
		l[k] = v
	}
	l[LabelRole] = role
	return l
}

// publishOn publishes the port on an ephemeral host port of the address
// bind: 127.0.0.1 for a local engine, so the EPR under test is not
// reachable from other machines (PublishAddress).
func publishOn(bind netip.Addr, port string) func(*container.HostConfig) {
	return func(hc *container.HostConfig) {
		p, err := network.ParsePort(port)
		if err != nil {
			return
		}
		if hc.PortBindings == nil {
			hc.PortBindings = network.PortMap{}
		}
		hc.PortBindings[p] = []network.PortBinding{{HostIP: bind, HostPort: "0"}}
	}
}

// containerOf returns the Docker container behind a module's container value.
func containerOf(c any) *testcontainers.DockerContainer {
	switch c := c.(type) {
	case *postgres.PostgresContainer:
		if c != nil {
			dc, _ := c.Container.(*testcontainers.DockerContainer)
			return dc
		}
	case *testcontainers.DockerContainer:
		return c
	}
	return nil
}

// imageHint explains a failure to start from an image that was not present
// locally (so Docker had to pull it).
func imageHint(missing bool, image, flag string) string {
	if !missing {
		return ""
	}
	return fmt.Sprintf(" (image %q was not present locally: build it with `make images`, pull it, or name another with %s)", image, flag)
}

// imagePresent reports whether the Docker engine has the image locally.
func imagePresent(ctx context.Context, image string) bool {
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return false
	}
	defer cli.Close()
	_, err = cli.ImageInspect(ctx, image)
	return err == nil
}

// saveLogs writes a container's log to <logDir>/backend-<role>.log.
func (b *Backend) saveLogs(ctx context.Context, role string, c *testcontainers.DockerContainer) {
	if b.opts.logDir == "" || c == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	rc, err := c.Logs(ctx)
	if err != nil {
		return
	}
	defer rc.Close()
	if err := os.MkdirAll(b.opts.logDir, 0o755); err != nil {
		return
	}
	f, err := os.Create(filepath.Join(b.opts.logDir, "backend-"+role+".log"))
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = io.Copy(f, rc)
}

// LogFiles returns the container log files saved by a failed start.
func (b *Backend) LogFiles() []string {
	if b.opts.logDir == "" {
		return nil
	}
	var out []string
	for _, role := range []string{"postgres", "epr"} {
		p := filepath.Join(b.opts.logDir, "backend-"+role+".log")
		if _, err := os.Stat(p); err == nil {
			out = append(out, p)
		}
	}
	return out
}

func (b *Backend) fetchVersion(ctx context.Context) string {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.baseURL+"/version", nil)
	if err != nil {
		return ""
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var v struct {
		Version string `json:"version"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&v) != nil {
		return ""
	}
	return v.Version
}

// BaseURL implements backend.Backend.
func (b *Backend) BaseURL() string { return b.baseURL }

// MLLPAddr implements backend.Messaging: container port 2575 as this host
// reaches it ("" before the EPR runs). An image with nothing listening on
// 2575 still gets the port mapped; connections to it then fail.
func (b *Backend) MLLPAddr() string { return b.mllp }

// CallbackHost implements backend.Messaging (see the constant).
func (b *Backend) CallbackHost() string { return CallbackHost }

// Reset implements backend.Backend through the EPR's test API.
func (b *Backend) Reset(ctx context.Context) error {
	if b.baseURL == "" {
		return errors.New("reset docker: not running")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.baseURL+b.opts.resetPath, nil)
	if err != nil {
		return fmt.Errorf("reset docker: %w", err)
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return fmt.Errorf("reset docker: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("reset docker: POST %s: %s %s", b.opts.resetPath, resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}

// Terminate implements backend.Backend: it removes the EPR, PostgreSQL and
// the network, then anything else labelled with the run.
func (b *Backend) Terminate(ctx context.Context) error {
	b.once.Do(func() {
		var errs []error
		if b.epr != nil {
			if err := b.epr.Terminate(ctx, testcontainers.StopTimeout(stopTimeout)); err != nil {
				errs = append(errs, fmt.Errorf("epr: %w", err))
			}
		}
		if b.pg != nil {
			if err := b.pg.Terminate(ctx, testcontainers.StopTimeout(stopTimeout)); err != nil {
				errs = append(errs, fmt.Errorf("postgres: %w", err))
			}
		}
		if b.net != nil {
			if err := b.net.Remove(ctx); err != nil {
				errs = append(errs, fmt.Errorf("network: %w", err))
			}
		}
		if _, err := remove(ctx, func(labels map[string]string) bool { return labels[LabelBackend] == b.id }, false); err != nil {
			errs = append(errs, err)
		}

		if err := errors.Join(errs...); err != nil {
			b.termErr = fmt.Errorf("terminate docker: %w", err)
		}
	})
	return b.termErr
}

// Describe implements backend.Backend. Images names each role's image with
// its local id ("eprharness/refepr:dev@sha256:…"); Digests holds each role's
// repository digest, or its local image id when the image was built here
// and never pushed. Both fall back to, or leave out, what could not be
// inspected.
func (b *Backend) Describe() results.Target {
	images := map[string]string{}
	var digests map[string]string
	for _, role := range []string{"epr", "postgres"} {
		images[role] = b.image(role)
		if img, ok := b.images[role]; ok {
			images[role] = img
		}
		if d, ok := b.digests[role]; ok {
			if digests == nil {
				digests = map[string]string{}
			}
			digests[role] = d
		}
	}
	return results.Target{Backend: "docker", BaseURL: b.baseURL, Images: images, Digests: digests, Version: b.version}
}

// Keep implements backend.Keeper. The backend is kept only when it was
// started WithKeep(true) and is running; otherwise Kept is false and the
// caller terminates it as usual.
func (b *Backend) Keep() backend.Kept {
	k := backend.Kept{Backend: "docker", RunID: b.opts.runID, EPRURL: b.baseURL}
	switch {
	case !b.opts.keep:
		k.Note = "started without keeping (docker.WithKeep): a later run's sweep would remove it"
		return k
	case b.baseURL == "":
		k.Note = "it did not start"
		return k
	}
	k.Kept = true
	var names []string
	for _, role := range []string{"epr", "postgres"} {
		c := b.container(role)
		if c == nil {
			continue
		}
		id := c.GetContainerID()
		name := b.names[role]
		if name == "" {
			name = shortID(id)
		}
		names = append(names, name)
		k.Containers = append(k.Containers, fmt.Sprintf("%s: %s (%s)", role, name, shortID(id)))
		if role == "postgres" {
			k.DatabaseShell = fmt.Sprintf("docker exec -it %s psql -U %s %s", name, dbUser, dbName)
		}
	}
	k.Database = b.dbURL
	k.Selector = fmt.Sprintf("docker ps --filter label=%s=%s", LabelRun, b.opts.runID)
	k.Remove = []string{"eprharness sweep --run " + b.opts.runID}
	if len(names) > 0 {
		plain := "docker rm -f " + strings.Join(names, " ")
		if b.net != nil && b.net.Name != "" {
			plain += " && docker network rm " + b.net.Name
		}
		k.Remove = append(k.Remove, plain)
	}
	return k
}

// container is a role's running container, or nil.
func (b *Backend) container(role string) *testcontainers.DockerContainer {
	if role == "postgres" {
		return containerOf(b.pg)
	}
	return b.epr
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
