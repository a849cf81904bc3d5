// Package compose runs a user's own EPR and its dependencies from Docker
// Compose files, with testcontainers-go's compose module: one Compose
// project per backend (per worker: ProjectName(run, n)), the browser
// reaching one service's port (WithService) on a loopback port, or on a
// port of the engine's host when the engine is remote (DOCKER_HOST, see
// docker.PublishAddress).
//
// Every container and network carries the labels of harness/backend/docker
// (docker.Labels: LabelManaged, LabelRun, LabelPID, LabelHost, plus
// LabelBackend = the project name, LabelRole = the service name, LabelKeep
// when kept), so that docker.Sweep and docker.RemoveRun remove a project as
// they remove the docker backend's containers. Compose cannot label the
// networks it creates, so Run creates them first, under the names and
// Compose labels Compose looks for, and Compose adopts them (Down removes
// them). The harness adds an override file after the user's files: the
// labels, every published port moved to 127.0.0.1 and an ephemeral host
// port (parallel projects never collide and nothing is reachable from
// other machines; on a remote engine all of its host's interfaces, since
// this machine reaches the ports over the network), pull_policy missing for images (an image present
// locally is never pulled) and a 2s stop grace period where none is set.
// Named volumes are removed by Terminate (Down with volumes) but not by
// Sweep: a killed run leaves them, labelled by Compose with the project.
//
// The caller owns the Backend: Run returns it on error too, and the caller
// calls Terminate exactly once (Down with orphans and volumes, then removal
// of anything still labelled with the project) unless it keeps the backend
// (Keeper). The Resetter given WithReset belongs to the caller, which
// closes what it holds after Terminate. BaseURL, Describe, Keep,
// DatabaseAddr, WriteLogs and Alive are safe for concurrent use; Reset
// must not run concurrently with the scenarios that use the backend.
//
// Messaging (backend.Messaging): WithMLLP names the service and container
// port of the EPR's inbound HL7 v2 MLLP interface; Run publishes it like
// the browser's port and MLLPAddr is where this host reaches it. The
// containers reach this host as CallbackHost (host.docker.internal, which
// the Compose file maps to host-gateway with extra_hosts, as the docker
// backend does for its EPR). Run hands the Compose files that host name
// (EnvCallbackHost) and, when the ctx given to Run carries
// backend.Callbacks, the harness's listener for the project's outbound
// feed (EnvMLLPCallbackPort, EnvMLLPCallback) as interpolation variables,
// so that the EPR's outbound feed can be pointed at it:
//
//	extra_hosts: ["host.docker.internal:host-gateway"]
//	environment:
//	  EPR_MLLP_OUTBOUND: ${EPRHARNESS_MLLP_CALLBACK:-}
//
// A listener on this host is reached that way only when the engine is
// local (no remote DOCKER_HOST).
//
// Alive (backend.Prober) reads the state of each service's container, so
// a scenario that failed because a container died is blamed on the
// backend; a project whose waits run out of the startup timeout fails Run
// with a backend.NotReadyError naming the service and its wait.
package compose

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"maps"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tccompose "github.com/testcontainers/testcontainers-go/modules/compose"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/eprharness/eprharness/harness/backend"
	"github.com/eprharness/eprharness/harness/backend/docker"
	"github.com/eprharness/eprharness/harness/results"
)

// Resetter puts the EPR back to a clean state between scenarios. The
// strategies of harness/reset (HTTP, SQL, Snapshot, None) satisfy it.
type Resetter interface {
	Reset(ctx context.Context) error
}

type options struct {
	files          []string
	project        string
	service        string
	port           int
	waits          []string // "SERVICE=SPEC", parsed by Run
	publish        map[string][]int
	runID          string
	labels         map[string]string
	keep           bool
	log            io.Writer
	startupTimeout time.Duration
	env            map[string]string
	resetter       Resetter
	resetFrom      func(context.Context, *Backend) (Resetter, error)
	mllpService    string
	mllpPort       int
	callbackHost   string
}

// Option configures Run.
type Option func(*options)

// WithFiles sets the Compose files, in order (later ones override earlier
// ones, as with docker compose -f). Required.
func WithFiles(files ...string) Option {
	return func(o *options) { o.files = append(o.files, files...) }
}

// WithProject sets the Compose project name; it is made safe for Compose
// (lower case; letters, digits, "-" and "_"). Default
// ProjectName(run id, 1). Each backend of a run needs its own.
func WithProject(name string) Option { return func(o *options) { o.project = name } }

// WithService names the service the browser reaches and its container
// port (e.g. "epr", 8080). Required. BaseURL is
// http://<docker host>:<the port published for it>.
func WithService(name string, port int) Option {
	return func(o *options) { o.service, o.port = name, port }
}

// WithWait adds a readiness condition: spec is "http:/PATH" (or
// "http:PORT/PATH"), "log:TEXT" or "healthy", as ParseWait reads
// "SERVICE=SPEC". Run waits for all of them, in parallel. Without a wait
// for the service the browser reaches, Run waits until its port answers
// HTTP with any status.
func WithWait(service, spec string) Option {
	return func(o *options) { o.waits = append(o.waits, service+"="+spec) }
}

// WithPublish publishes a service's container port on a host port too,
// e.g. the database service's 5432 for DatabaseAddr when the Compose file
// does not publish it.
func WithPublish(service string, port int) Option {
	return func(o *options) { o.publish[service] = append(o.publish[service], port) }
}

// WithRunID sets the run id put in the labels (LabelRun); RemoveRun needs
// it. Default a fresh "adhoc-…" id.
func WithRunID(id string) Option { return func(o *options) { o.runID = id } }

// WithLabels adds labels to every container and network; the harness's own
// labels win over them.
func WithLabels(labels map[string]string) Option {
	return func(o *options) {
		for k, v := range labels {
			o.labels[k] = v
		}
	}
}

// WithKeep marks the project as kept (LabelKeep) when keep is true: Sweep
// of later runs leaves it, and Keep reports how to reach and remove it.
// The caller that keeps the backend must then not Terminate it. Default
// false.
func WithKeep(keep bool) Option { return func(o *options) { o.keep = keep } }

// WithLog receives testcontainers' log lines for the project (containers
// found, waits). Default: discarded. The caller keeps w open until
// Terminate returns.
func WithLog(w io.Writer) Option { return func(o *options) { o.log = w } }

// WithStartupTimeout bounds each wait; default 3 minutes. Run as a whole is
// bounded by twice it plus a minute (pulls, Compose's own depends_on
// waits).
func WithStartupTimeout(d time.Duration) Option { return func(o *options) { o.startupTimeout = d } }

// WithEnv sets variables for the Compose files' interpolation (${VAR}); they
// win over the process's environment and a .env file.
func WithEnv(env map[string]string) Option {
	return func(o *options) {
		for k, v := range env {
			o.env[k] = v
		}
	}
}

// WithMLLP names the service and container port of the EPR's inbound HL7
// v2 MLLP interface (e.g. "epr", 2575): Run publishes it and MLLPAddr
// returns where this host reaches it. Default none (MLLPAddr is "").
func WithMLLP(service string, port int) Option {
	return func(o *options) { o.mllpService, o.mllpPort = service, port }
}

// WithCallbackHost sets the host name by which the project's containers
// reach this host (CallbackHost, and EnvCallbackHost for the Compose
// files); "" keeps the default, DefaultCallbackHost.
func WithCallbackHost(host string) Option {
	return func(o *options) {
		if host != "" {
			o.callbackHost = host
		}
	}
}

// DefaultCallbackHost is the host name by which a container reaches this
// host: the docker backend's, which a Compose file maps with
// extra_hosts: ["host.docker.internal:host-gateway"].
const DefaultCallbackHost = docker.CallbackHost

// The interpolation variables Run gives the Compose files (the MLLP ones
// when its ctx carries backend.Callbacks with a listener). A variable the
// caller set WithEnv is left as the caller set it.
const (
	// EnvCallbackHost is the host name the containers reach this host by
	// (CallbackHost).
	EnvCallbackHost = "EPRHARNESS_CALLBACK_HOST"
	// EnvMLLPCallbackPort is the port of the harness's MLLP listener for
	// this project's outbound HL7 v2 feed; unset without one.
	EnvMLLPCallbackPort = "EPRHARNESS_MLLP_CALLBACK_PORT"
	// EnvMLLPCallback is that listener as the containers reach it,
	// EnvCallbackHost:EnvMLLPCallbackPort; unset without one.
	EnvMLLPCallback = "EPRHARNESS_MLLP_CALLBACK"
)

// callbackEnv is the interpolation variables that tell the Compose files
// where the harness listens (see EnvCallbackHost).
func callbackEnv(host string, c backend.Callbacks) map[string]string {
	env := map[string]string{EnvCallbackHost: host}
	if c.MLLPPort > 0 {
		port := strconv.Itoa(c.MLLPPort)
		env[EnvMLLPCallbackPort] = port
		env[EnvMLLPCallback] = net.JoinHostPort(host, port)
	}
	return env
}

// WithReset sets how Reset cleans the EPR between scenarios; default none
// (a no-op). A nil r means none.
func WithReset(r Resetter) Option { return func(o *options) { o.resetter = r } }

// WithResetFrom builds the Resetter once the project is up, from the
// running backend: for resets that need a service's address
// (ExpandDatabaseURL) or must snapshot the data the services seeded. Its
// error fails Run. It replaces WithReset.
func WithResetFrom(f func(ctx context.Context, b *Backend) (Resetter, error)) Option {
	return func(o *options) { o.resetFrom = f }
}

// ProjectName is the Compose project of a run's worker n:
// "eprharness-<run>-<n>", made safe for Compose.
func ProjectName(runID string, n int) string {
	return safeName(fmt.Sprintf("eprharness-%s-%d", runID, n))
}

var unsafeChars = regexp.MustCompile(`[^a-z0-9_-]+`)

// safeName lowers s and replaces what Compose does not allow in a project
// name by "-"; it starts with a letter or digit.
func safeName(s string) string {
	s = unsafeChars.ReplaceAllString(strings.ToLower(s), "-")
	s = strings.TrimLeft(s, "-_")
	if s == "" {
		s = "eprharness"
	}
	return s
}

// Backend is a Compose project running the EPR and its dependencies.
type Backend struct {
	opts    options
	project string
	labels  map[string]string
	waits   []Wait
	stack   *tccompose.DockerCompose
	nets    []string // networks created by Run
	touched bool     // Run reached Docker: Terminate has something to remove

	// Set once Run has started the project; read-only afterwards.
	baseURL  string
	host     string
	images   map[string]string         // service → configured image
	running  map[string]service        // service → container, once up
	digests  map[string]string         // service → digest, once up
	mapped   map[string]map[string]int // service → "5432/tcp" → host port
	services []string                  // sorted
	mllp     string                    // the EPR's MLLP interface from this host, once up (WithMLLP)

	once    sync.Once
	termErr error
}

// service is one service's container.
type service struct {
	id, name, imageID string
}

var (
	_ backend.Backend   = (*Backend)(nil)
	_ backend.Keeper    = (*Backend)(nil)
	_ backend.LogWriter = (*Backend)(nil)
	_ backend.Messaging = (*Backend)(nil)
)

// Run starts the Compose project and waits for its services. On error it
// returns the partial Backend, which the caller must still Terminate.
func Run(ctx context.Context, opts ...Option) (*Backend, error) {
	o := options{
		labels:         map[string]string{},
		env:            map[string]string{},
		publish:        map[string][]int{},
		startupTimeout: 3 * time.Minute,
		callbackHost:   DefaultCallbackHost,
	}
	for _, opt := range opts {
		opt(&o)
	}
	c, _ := backend.CallbacksFrom(ctx)
	for k, v := range callbackEnv(o.callbackHost, c) {
		if _, set := o.env[k]; !set {
			o.env[k] = v
		}
	}
	if o.runID == "" {
		o.runID = fmt.Sprintf("adhoc-%d", time.Now().UnixNano())
	}
	if o.project == "" {
		o.project = ProjectName(o.runID, 1)
	}
	if o.log == nil {
		o.log = io.Discard
	}
	b := &Backend{opts: o, project: safeName(o.project), images: map[string]string{},
		running: map[string]service{}, digests: map[string]string{}, mapped: map[string]map[string]int{}}
	b.labels = map[string]string{}
	for k, v := range o.labels {
		b.labels[k] = v
	}
	for k, v := range docker.Labels(o.runID) {
		b.labels[k] = v
	}
	b.labels[docker.LabelBackend] = b.project
	if o.keep {
		b.labels[docker.LabelKeep] = "true"
	}
	if err := b.up(ctx); err != nil {
		return b, fmt.Errorf("run compose: %w", err)
	}
	return b, nil
}

func (b *Backend) up(ctx context.Context) error {
	o := b.opts
	switch {
	case len(o.files) == 0:
		return errors.New("no Compose file (set compose-file)")
	case o.service == "":
		return errors.New("no service for the browser (set compose-service)")
	case o.port <= 0 || o.port > 65535:
		return fmt.Errorf("service %s: want its container port (compose-port), got %d", o.service, o.port)
	case o.mllpService != "" && (o.mllpPort <= 0 || o.mllpPort > 65535):
		return fmt.Errorf("service %s: want the container port of its MLLP interface (mllp-service), got %d", o.mllpService, o.mllpPort)
	}
	for _, s := range o.waits {
		w, err := ParseWait(s)
		if err != nil {
			return fmt.Errorf("compose-wait %w", err)
		}
		b.waits = append(b.waits, w)
	}
	limit := 2*o.startupTimeout + time.Minute
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()

	p, err := loadProject(ctx, o.files, b.project, o.env)
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	b.services = p.ServiceNames()
	sort.Strings(b.services)
	for name, s := range p.Services {
		b.images[name] = s.Image
	}
	need := map[string][]int{o.service: {o.port}}
	for svc, ports := range o.publish {
		need[svc] = append(need[svc], ports...)
	}
	if o.mllpService != "" {
		need[o.mllpService] = append(need[o.mllpService], o.mllpPort)
	}
	for _, svc := range slices.Sorted(maps.Keys(need)) {
		if _, ok := p.Services[svc]; !ok {
			return fmt.Errorf("no service %q in %s (services: %s)", svc, strings.Join(o.files, ", "), strings.Join(b.services, ", "))
		}
	}
	ports := servicePorts(p, need)
	strategies := map[string][]wait.Strategy{}
	waited := false
	for _, w := range b.waits {
		if _, ok := p.Services[w.Service]; !ok {
			return fmt.Errorf("compose-wait %s: no service %q (services: %s)", w, w.Service, strings.Join(b.services, ", "))
		}
		port := w.Port
		if w.Kind == "http" && port == 0 {
			if port = defaultPort(w.Service, o, ports); port == 0 {
				return fmt.Errorf("compose-wait %s: the service publishes no port or several: write %s=http:PORT%s", w, w.Service, w.Path)
			}
		}
		if w.Kind == "http" && !slices.Contains(ports[w.Service], published{port, "tcp"}) {
			need[w.Service] = append(need[w.Service], port)
			ports = servicePorts(p, need)
		}
		strategies[w.Service] = append(strategies[w.Service], w.strategy(port, o.startupTimeout))
		waited = waited || w.Service == o.service
	}
	if !waited {
		strategies[o.service] = append(strategies[o.service], answers(o.port, o.startupTimeout))
	}

	for _, name := range b.services {
		if img := p.Services[name].Image; img != "" && p.Services[name].Build == nil && !imagePresent(ctx, img) {
			fmt.Fprintf(o.log, "image %s of service %s is not present locally; Compose will try to pull it\n", img, name)
		}
	}

	b.touched = true
	b.nets, err = createNetworks(ctx, p, b.labels)
	if err != nil {
		return err
	}
	bind, _, err := docker.PublishAddress(ctx)
	if err != nil {
		return err
	}
	path, err := writeOverride(override(p, b.labels, ports, bind))
	if err != nil {
		return fmt.Errorf("write override: %w", err)
	}
	// Up compiles the project from the files; they are not read again.
	defer os.RemoveAll(filepath.Dir(path))

	logger := log.New(o.log, "", log.LstdFlags)
	stack, err := tccompose.NewDockerComposeWith(
		tccompose.WithStackFiles(append(slices.Clone(o.files), path)...),
		tccompose.StackIdentifier(b.project),
		tccompose.WithLogger(logger),
	)
	if err != nil {
		return err
	}
	b.stack = stack
	if len(o.env) > 0 {
		stack.WithEnv(o.env)
	}
	for svc, ss := range strategies {
		s := ss[0]
		if len(ss) > 1 {
			s = wait.ForAll(ss...).WithDeadline(o.startupTimeout)
		}
		stack.WaitForService(svc, s)
	}
	upErr := stack.Up(ctx, tccompose.RemoveOrphans(true), tccompose.Wait(false))
	// Record the containers even when Up failed or ran out of time, so that
	// their logs can be saved.
	ictx, icancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer icancel()
	b.inspect(ictx)
	if upErr != nil {
		if nr := b.notReady(ctx, upErr, strategies); nr != nil {
			return nr
		}
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			upErr = fmt.Errorf("%w (the project did not start within %s: raise the startup timeout)", upErr, limit)
		}
		return fmt.Errorf("%w%s", upErr, b.imageHint(ictx, p))
	}
	c, err := stack.ServiceContainer(ctx, o.service)
	if err != nil {
		return fmt.Errorf("service %s: %w", o.service, err)
	}
	host, err := c.Host(ctx)
	if err != nil {
		return fmt.Errorf("service %s: host: %w", o.service, err)
	}
	b.host = host
	hp := b.mapped[o.service][portSpec(o.port)]
	if hp == 0 {
		return fmt.Errorf("service %s: port %d is not published", o.service, o.port)
	}
	b.baseURL = fmt.Sprintf("http://%s:%d", host, hp)
	if o.mllpService != "" {
		mp := b.mapped[o.mllpService][portSpec(o.mllpPort)]
		if mp == 0 {
			return fmt.Errorf("service %s: its MLLP port %d is not published (mllp-service)", o.mllpService, o.mllpPort)
		}
		b.mllp = net.JoinHostPort(host, strconv.Itoa(mp))
	}
	if o.resetFrom != nil {
		r, err := o.resetFrom(ctx, b)
		if err != nil {
			return fmt.Errorf("reset: %w", err)
		}
		b.opts.resetter = r
	}
	return nil
}

// notReady turns an Up whose wait strategies ran out of the startup
// timeout into a backend.NotReadyError naming the service (the one the
// error names, else every service waited for) and what was waited for;
// nil for any other error.
func (b *Backend) notReady(ctx context.Context, err error, strategies map[string][]wait.Strategy) error {
	if ctx.Err() != nil {
		return nil
	}
	if !errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), context.DeadlineExceeded.Error()) {
		return nil
	}
	waits := func(svc string) string {
		var out []string
		for _, w := range b.waits {
			if w.Service == svc {
				out = append(out, strings.TrimPrefix(w.String(), svc+"="))
			}
		}
		if len(out) == 0 && svc == b.opts.service {
			out = append(out, fmt.Sprintf("http :%d to answer", b.opts.port))
		}
		return strings.Join(out, ", ")
	}
	names := slices.Sorted(maps.Keys(strategies))
	for _, svc := range names {
		if strings.Contains(err.Error(), svc) {
			return &backend.NotReadyError{What: b.serviceName(svc), Timeout: b.opts.startupTimeout, Waiting: waits(svc), Err: err}
		}
	}
	var what []string
	for _, svc := range names {
		what = append(what, svc+" ("+waits(svc)+")")
	}
	return &backend.NotReadyError{What: "the Compose services " + strings.Join(names, ", "), Timeout: b.opts.startupTimeout, Waiting: strings.Join(what, "; "), Err: err}
}

// serviceName names a service for messages: the browser's service is the
// EPR.
func (b *Backend) serviceName(svc string) string {
	if svc == b.opts.service {
		return fmt.Sprintf("the EPR container (Compose service %s)", svc)
	}
	return fmt.Sprintf("the container of Compose service %s", svc)
}

// Alive implements backend.Prober from the state of each service's
// container: "the EPR container (Compose service web) exited (code 137)".
// A service that ran to completion on purpose (exit code 0, such as a
// migration job) is not a death.
func (b *Backend) Alive(ctx context.Context) error {
	for _, svc := range b.services {
		c, ok := b.running[svc]
		if !ok {
			continue
		}
		err := docker.ContainerAlive(ctx, c.id, b.serviceName(svc))
		var dead *docker.DeadError
		if errors.As(err, &dead) && !dead.Removed && dead.Status == "exited" && dead.ExitCode == 0 && svc != b.opts.service {
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// defaultPort is the port an http wait without one checks: the browser's
// port for that service, else the service's only published TCP port.
func defaultPort(svc string, o options, ports map[string][]published) int {
	if svc == o.service {
		return o.port
	}
	var tcp []int
	for _, q := range ports[svc] {
		if q.protocol == "tcp" {
			tcp = append(tcp, q.port)
		}
	}
	if len(tcp) == 1 {
		return tcp[0]
	}
	return 0
}

// inspect records the project's containers: ids, names, image ids and
// published ports. It works on a project that started only in part.
func (b *Backend) inspect(ctx context.Context) {
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return
	}
	defer cli.Close()
	list, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true,
		Filters: client.Filters{}.Add("label", composeProjectLabel+"="+b.project)})
	if err != nil {
		return
	}
	for _, c := range list.Items {
		svc := c.Labels[composeServiceLabel]
		if svc == "" {
			continue
		}
		name := ""
		if len(c.Names) > 0 {
			name = strings.TrimPrefix(c.Names[0], "/")
		}
		b.running[svc] = service{id: c.ID, name: name, imageID: c.ImageID}
		if c.ImageID != "" {
			b.digests[svc] = docker.ImageDigest(ctx, b.images[svc], c.ImageID)
		}
		for _, p := range c.Ports {
			if p.PublicPort == 0 {
				continue
			}
			if b.mapped[svc] == nil {
				b.mapped[svc] = map[string]int{}
			}
			key := fmt.Sprintf("%d/%s", p.PrivatePort, p.Type)
			if _, seen := b.mapped[svc][key]; !seen || p.IP.Is4() {
				b.mapped[svc][key] = int(p.PublicPort)
			}
		}
	}
}

// imageHint explains a failed start when a service's image is not present
// locally (so Compose had to pull it).
func (b *Backend) imageHint(ctx context.Context, p *types.Project) string {
	var missing []string
	for _, name := range b.services {
		s := p.Services[name]
		if s.Image != "" && s.Build == nil && !imagePresent(ctx, s.Image) {
			missing = append(missing, fmt.Sprintf("%s (service %s)", s.Image, name))
		}
	}
	if len(missing) == 0 {
		return ""
	}
	return fmt.Sprintf(" (not present locally: %s; build or pull them, or name others in the Compose file)", strings.Join(missing, ", "))
}

func imagePresent(ctx context.Context, image string) bool {
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return false
	}
	defer cli.Close()
	_, err = cli.ImageInspect(ctx, image)
	return err == nil
}

// BaseURL implements backend.Backend.
func (b *Backend) BaseURL() string { return b.baseURL }

// MLLPAddr implements backend.Messaging: where this host reaches the
// EPR's inbound HL7 v2 MLLP interface (WithMLLP), "" when none was named
// or the project is not up.
func (b *Backend) MLLPAddr() string { return b.mllp }

// CallbackHost implements backend.Messaging: the host name the project's
// containers reach this host by (WithCallbackHost, default
// DefaultCallbackHost).
func (b *Backend) CallbackHost() string { return b.opts.callbackHost }

// Project is the Compose project name.
func (b *Backend) Project() string { return b.project }

// Services lists the project's services, sorted.
func (b *Backend) Services() []string { return slices.Clone(b.services) }

// DatabaseAddr returns where this host reaches a service's container port
// (e.g. PostgreSQL's 5432), for the sql and snapshot resets. The port must
// be published: by the Compose file or WithPublish.
func (b *Backend) DatabaseAddr(svc string, port int) (host string, mappedPort int, err error) {
	if b.baseURL == "" {
		return "", 0, errors.New("database address: not running")
	}
	if _, ok := b.running[svc]; !ok {
		return "", 0, fmt.Errorf("database address: no service %q (services: %s)", svc, strings.Join(b.services, ", "))
	}
	hp := b.mapped[svc][portSpec(port)]
	if hp == 0 {
		return "", 0, fmt.Errorf("database address: service %s does not publish port %d (publish it with compose.WithPublish)", svc, port)
	}
	return b.host, hp, nil
}

// Reset implements backend.Backend: it calls the Resetter given WithReset,
// or does nothing.
func (b *Backend) Reset(ctx context.Context) error {
	if b.opts.resetter == nil {
		return nil
	}
	if err := b.opts.resetter.Reset(ctx); err != nil {
		return fmt.Errorf("reset compose: %w", err)
	}
	return nil
}

// Terminate implements backend.Backend: Compose Down with orphans and
// volumes, then anything still labelled with the project (networks
// created for a start that failed early, containers of an interrupted
// Up).
func (b *Backend) Terminate(ctx context.Context) error {
	b.once.Do(func() {
		if !b.touched {
			return
		}
		var errs []error
		if b.stack != nil {
			if err := b.stack.Down(ctx, tccompose.RemoveOrphans(true), tccompose.RemoveVolumes(true)); err != nil {
				errs = append(errs, fmt.Errorf("down: %w", err))
			}
			if err := b.stack.Close(); err != nil {
				errs = append(errs, fmt.Errorf("close: %w", err))
			}
		}
		if _, err := docker.RemoveBackend(ctx, b.project); err != nil {
			errs = append(errs, err)
		}
		if err := errors.Join(errs...); err != nil {
			b.termErr = fmt.Errorf("terminate compose: %w", err)
		}
	})
	return b.termErr
}

// Describe implements backend.Backend: the project (Compose), each
// service's configured image (Services; "(built)" for a service built from
// source) and its digest (Digests: the repository digest, or the local
// image id for an image built here and never pushed).
func (b *Backend) Describe() results.Target {
	t := results.Target{Backend: "compose", BaseURL: b.baseURL, Compose: b.project}
	for _, svc := range b.services {
		img := b.images[svc]
		if img == "" {
			img = "(built)"
		}
		if t.Services == nil {
			t.Services = map[string]string{}
		}
		t.Services[svc] = img
		if d := b.digests[svc]; d != "" {
			if t.Digests == nil {
				t.Digests = map[string]string{}
			}
			t.Digests[svc] = d
		}
	}
	return t
}

// ExpandDatabaseURL replaces {host} and {port} in tmpl (the database-url
// setting, e.g. "postgres://epr:secret@{host}:{port}/epr") with where this
// host reaches the service's port (DatabaseAddr).
func (b *Backend) ExpandDatabaseURL(tmpl, svc string, port int) (string, error) {
	host, hp, err := b.DatabaseAddr(svc, port)
	if err != nil {
		return "", err
	}
	return strings.NewReplacer("{host}", host, "{port}", fmt.Sprint(hp)).Replace(tmpl), nil
}

// Keep implements backend.Keeper. The project is kept only when it was
// started WithKeep(true) and is running.
func (b *Backend) Keep() backend.Kept {
	k := backend.Kept{Backend: "compose", RunID: b.opts.runID, EPRURL: b.baseURL}
	switch {
	case !b.opts.keep:
		k.Note = "started without keeping (compose.WithKeep): a later run's sweep would remove it"
		return k
	case b.baseURL == "":
		k.Note = "it did not start"
		return k
	}
	k.Kept = true
	for _, svc := range b.services {
		c, ok := b.running[svc]
		if !ok {
			continue
		}
		k.Containers = append(k.Containers, fmt.Sprintf("%s: %s (%s)", svc, c.name, shortID(c.id)))
	}
	k.Selector = fmt.Sprintf("docker ps --filter label=%s=%s", composeProjectLabel, b.project)
	k.Remove = []string{
		"eprharness sweep --run " + b.opts.runID,
		fmt.Sprintf("docker compose -p %s down --volumes --remove-orphans", b.project),
	}
	k.Note = "Compose project " + b.project
	return k
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// WriteLogs implements backend.LogWriter: each service's log since since
// goes to dir/backend-<service>.log. A service that logged nothing gets no
// file.
func (b *Backend) WriteLogs(ctx context.Context, dir string, since time.Time) ([]string, error) {
	var files []string
	var errs []error
	for _, svc := range b.services {
		c, ok := b.running[svc]
		if !ok {
			continue
		}
		p, err := docker.WriteContainerLog(ctx, c.id, filepath.Join(dir, "backend-"+safeName(svc)+".log"), since)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", svc, err))
		}
		if p != "" {
			files = append(files, p)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return files, fmt.Errorf("write backend logs: %w", err)
	}
	return files, nil
}
