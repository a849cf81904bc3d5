// Package url is the backend for an EPR that is already running at a URL,
// such as a trust's test environment: it starts nothing and stops nothing.
//
// Run refuses a URL whose host is not on the allowed hosts (the production
// guard: a live EPR must never be driven by mistake), with a
// *NotAllowedError that names the allowed-hosts setting. CheckAllowed is
// the same check for configuration validation, so a bad URL is reported
// before any browser starts. Host patterns are matched by harness/egress,
// the one place the configuration check, this backend and the browser's
// egress control agree on.
//
// The caller owns the Backend and calls Terminate once (a no-op here, kept
// for the backend contract). Reset calls the configured Resetter (none: a
// no-op); the Resetter belongs to the caller, who closes whatever it holds
// after Terminate. BaseURL and Describe are safe for concurrent use; Reset
// is as safe as the Resetter.
package url

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/eprharness/eprharness/harness/backend"
	"github.com/eprharness/eprharness/harness/egress"
	"github.com/eprharness/eprharness/harness/results"
)

// Resetter puts the EPR back to a clean state between scenarios. The
// strategies of harness/reset (HTTP, SQL, Snapshot, None) satisfy it.
type Resetter interface {
	Reset(ctx context.Context) error
}

// NotAllowedError is a URL whose host is not on the allowed hosts. Its
// message says to add the host to the allowed-hosts setting.
type NotAllowedError = egress.NotAllowedError

// DefaultAllowedHosts are the hosts allowed when none are given: this
// machine only.
var DefaultAllowedHosts = egress.DefaultHosts

// CheckAllowed checks that rawURL is an absolute http or https URL whose
// host is on hosts: a host name or address (the loopback names allow each
// other) or a "*.example.nhs.uk" wildcard for any subdomain. A host not on
// them gives a *NotAllowedError. With no hosts, DefaultAllowedHosts apply.
func CheckAllowed(rawURL string, hosts []string) error {
	if len(hosts) == 0 {
		hosts = DefaultAllowedHosts
	}
	return egress.CheckURL(rawURL, hosts)
}

type options struct {
	url          string
	allowedHosts []string
	resetter     Resetter
	name         string
	probe        bool
	probeTimeout time.Duration
	client       *http.Client
}

// Option configures Run.
type Option func(*options)

// WithURL sets the EPR's base URL, e.g. https://epr.test.example.nhs.uk.
// Required.
func WithURL(u string) Option { return func(o *options) { o.url = u } }

// WithAllowedHosts sets the hosts the URL may be on; default
// DefaultAllowedHosts (localhost, 127.0.0.1, ::1). An empty list keeps the
// default.
func WithAllowedHosts(hosts []string) Option {
	return func(o *options) { o.allowedHosts = append([]string(nil), hosts...) }
}

// WithReset sets how Reset cleans the EPR between scenarios; default none
// (Reset does nothing and scenarios must not depend on a clean EPR). A nil
// r means none.
func WithReset(r Resetter) Option { return func(o *options) { o.resetter = r } }

// WithName names the EPR for messages, e.g. "Orthanc Explorer" (Name).
// Default: none.
func WithName(name string) Option { return func(o *options) { o.name = name } }

// WithProbe makes Run check that the URL answers (a GET of the base URL;
// any HTTP status is fine, a connection failure is an error) within
// timeout. Default on, with a 10s timeout; WithProbe(false, 0) skips it.
func WithProbe(probe bool, timeout time.Duration) Option {
	return func(o *options) {
		o.probe = probe
		if timeout > 0 {
			o.probeTimeout = timeout
		}
	}
}

// WithHTTPClient sets the client the probe uses; default a plain client
// that does not follow redirects.
func WithHTTPClient(c *http.Client) Option { return func(o *options) { o.client = c } }

// Backend is an EPR already running at a URL.
type Backend struct {
	opts options
}

var _ backend.Backend = (*Backend)(nil)

// Run checks the URL and its host, and (unless WithProbe(false, 0)) that
// the EPR answers. It starts nothing. On error it returns the Backend too,
// as every backend does; terminating it is a no-op.
func Run(ctx context.Context, opts ...Option) (*Backend, error) {
	o := options{probe: true, probeTimeout: 10 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	if len(o.allowedHosts) == 0 {
		o.allowedHosts = DefaultAllowedHosts
	}
	if o.client == nil {
		o.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	b := &Backend{opts: o}
	if o.url == "" {
		return b, errors.New("run url: no URL (set base-url)")
	}
	if err := CheckAllowed(o.url, o.allowedHosts); err != nil {
		return b, fmt.Errorf("run url: %w", err)
	}
	if o.probe {
		if err := b.probe(ctx); err != nil {
			return b, fmt.Errorf("run url: %w", err)
		}
	}
	return b, nil
}

// probe GETs the base URL: any HTTP answer will do.
func (b *Backend) probe(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, b.opts.probeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.opts.url, nil)
	if err != nil {
		return err
	}
	resp, err := b.opts.client.Do(req)
	if err != nil {
		return fmt.Errorf("the EPR at %s does not answer: %w", b.opts.url, err)
	}
	return resp.Body.Close()
}

// BaseURL implements backend.Backend.
func (b *Backend) BaseURL() string { return b.opts.url }

// Reset implements backend.Backend: it calls the Resetter given WithReset,
// or does nothing.
func (b *Backend) Reset(ctx context.Context) error {
	if b.opts.resetter == nil {
		return nil
	}
	if err := b.opts.resetter.Reset(ctx); err != nil {
		return fmt.Errorf("reset url: %w", err)
	}
	return nil
}

// Terminate implements backend.Backend: the EPR is not ours, so it does
// nothing.
func (b *Backend) Terminate(context.Context) error { return nil }

// Describe implements backend.Backend.
func (b *Backend) Describe() results.Target {
	return results.Target{Backend: "url", BaseURL: b.opts.url}
}

// Name is the name given WithName, or "".
func (b *Backend) Name() string { return b.opts.name }

var _ backend.Prober = (*Backend)(nil)

// Alive implements backend.Prober: the EPR is dead when a connection to
// its base URL is refused or its host is not found. Any HTTP answer, and
// an EPR merely slow to answer, count as alive: only a positive finding
// blames the backend.
func (b *Backend) Alive(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err := b.probe(ctx)
	var op *net.OpError
	if err != nil && errors.As(err, &op) && op.Op == "dial" {
		return err
	}
	return nil
}
