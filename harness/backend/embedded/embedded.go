// Package embedded runs a system under test inside the harness process,
// served over HTTP on a random loopback port. It needs neither Docker nor a
// network: it is the default backend. It stops with the process, so it
// cannot be kept after a run (Keep says so; use the docker backend).
//
// The package knows nothing of any particular EPR: the caller supplies an
// App factory (cmd/eprharness wires the reference EPR in), so the harness
// never imports the system under test.
//
// A Backend is a backend.Messaging: MLLPAddr is the app's own, when the app
// is an MLLPApp (the app binds its MLLP endpoint itself), and CallbackHost
// is 127.0.0.1, since the app shares this host's loopback.
package embedded

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/eprharness/eprharness/harness/backend"
	"github.com/eprharness/eprharness/harness/results"
)

// App is a system under test that can run in-process.
type App interface {
	http.Handler
	// Reset returns the app to its clean state.
	Reset(ctx context.Context) error
	// Close releases the app's resources (its store).
	Close() error
}

// MLLPApp is an App with an inbound HL7 v2 MLLP endpoint; MLLPAddr is its
// bound address ("" when it has none). The Backend's MLLPAddr forwards it.
type MLLPApp interface {
	App
	MLLPAddr() string
}

// Factory builds an App. The backend owns the App it returns and closes it
// on Terminate.
type Factory func(ctx context.Context) (App, error)

type options struct {
	factory Factory
	addr    string
	name    string
	version string
}

// Option configures Run.
type Option func(*options)

// WithApp sets the factory of the app to serve. Required.
func WithApp(f Factory) Option { return func(o *options) { o.factory = f } }

// WithAddr sets the listen address; default "127.0.0.1:0" (random port).
func WithAddr(addr string) Option { return func(o *options) { o.addr = addr } }

// WithName names the app in the run's results; default "embedded".
func WithName(name string) Option { return func(o *options) { o.name = name } }

// WithVersion records the app's version in the run's results.
func WithVersion(v string) Option { return func(o *options) { o.version = v } }

// Backend is an app served on a loopback port.
type Backend struct {
	opts    options
	app     App
	srv     *http.Server
	baseURL string
	served  chan error
	once    sync.Once
	termErr error
}

var (
	_ backend.Backend   = (*Backend)(nil)
	_ backend.Keeper    = (*Backend)(nil)
	_ backend.Messaging = (*Backend)(nil)
)

// CallbackHost is how an app in this process reaches listeners on this
// host.
const CallbackHost = "127.0.0.1"

// Run builds the app and serves it. On error it returns the partial Backend,
// which the caller must still Terminate.
func Run(ctx context.Context, opts ...Option) (*Backend, error) {
	o := options{addr: "127.0.0.1:0", name: "embedded"}
	for _, opt := range opts {
		opt(&o)
	}
	b := &Backend{opts: o}
	if o.factory == nil {
		return b, errors.New("run embedded: no app given (WithApp)")
	}
	app, err := o.factory(ctx)
	if err != nil {
		return b, fmt.Errorf("run embedded: start app: %w", err)
	}
	b.app = app
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return b, fmt.Errorf("run embedded: listen: %w", err)
	}
	b.baseURL = "http://" + ln.Addr().String()
	b.srv = &http.Server{Handler: app, ReadHeaderTimeout: 10 * time.Second}
	b.served = make(chan error, 1)
	go func() { b.served <- b.srv.Serve(ln) }()
	return b, nil
}

// BaseURL implements backend.Backend.
func (b *Backend) BaseURL() string { return b.baseURL }

// MLLPAddr implements backend.Messaging: the app's MLLP address when it is
// an MLLPApp, else "".
func (b *Backend) MLLPAddr() string {
	if a, ok := b.app.(MLLPApp); ok {
		return a.MLLPAddr()
	}
	return ""
}

// CallbackHost implements backend.Messaging: the app runs in this process.
func (b *Backend) CallbackHost() string { return CallbackHost }

// Reset implements backend.Backend.
func (b *Backend) Reset(ctx context.Context) error {
	if b.app == nil {
		return errors.New("reset embedded: not running")
	}
	if err := b.app.Reset(ctx); err != nil {
		return fmt.Errorf("reset embedded: %w", err)
	}
	return nil
}

// Terminate implements backend.Backend: it shuts the server down, waiting
// for requests in flight until ctx is done, then closes the app.
func (b *Backend) Terminate(ctx context.Context) error {
	b.once.Do(func() {
		var errs []error
		if b.srv != nil {
			if err := b.srv.Shutdown(ctx); err != nil {
				errs = append(errs, fmt.Errorf("shut down server: %w", err))
			}
			if err := <-b.served; err != nil && !errors.Is(err, http.ErrServerClosed) {
				errs = append(errs, fmt.Errorf("serve: %w", err))
			}
		}
		if b.app != nil {
			if err := b.app.Close(); err != nil {
				errs = append(errs, fmt.Errorf("close app: %w", err))
			}
		}
		if err := errors.Join(errs...); err != nil {
			b.termErr = fmt.Errorf("terminate embedded: %w", err)
		}
	})
	return b.termErr
}

// Describe implements backend.Backend.
func (b *Backend) Describe() results.Target {
	return results.Target{Backend: "embedded:" + b.opts.name, BaseURL: b.baseURL, Version: b.opts.version}
}

// Keep implements backend.Keeper: an embedded backend lives inside the
// harness process and stops with it, so it is never kept; the caller
// terminates it as usual.
func (b *Backend) Keep() backend.Kept {
	return backend.Kept{
		Backend: "embedded:" + b.opts.name,
		EPRURL:  b.baseURL,
		Note:    "embedded backends stop with the process; use --backend docker to keep them",
	}
}
