package browser

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/mxschmitt/playwright-go"

	"github.com/eprharness/eprharness/harness/egress"
)

// Egress control: a session made WithEgress routes every request of its
// browser context through the harness, lets requests to allowed hosts go
// on unchanged (route.Fallback) and aborts the others as blocked by the
// client (net::ERR_BLOCKED_BY_CLIENT in the page), recording their hosts
// (Session.Blocked). data:, blob: and about: URLs are always allowed.
//
// What it costs: Playwright pauses each request of a routed context until
// the Go handler answers (one round trip to the driver per request), and
// routing turns off the browser's HTTP cache for the context. See
// BenchmarkEgress (options_e2e_test.go) for a measure: on the shared
// 2-core CI machine a page of 31 requests took 0.48-0.53 s unrouted and
// 0.87-1.32 s routed, about 13-25 ms a request, the lost cache included.
// A session without WithEgress installs no route and pays nothing.
//
// What it does not cover: WebSocket connections (context.RouteWebSocket is
// not installed), and requests made by service workers, which Playwright
// does not route: keep service workers blocked (the default, see
// WithServiceWorkers) when egress matters.

// WithEgress routes every request of the session's context and aborts
// those to hosts for which allowed returns false, recording each such host
// once (Session.Blocked). allowed gets the URL's host name in lower case,
// without port or brackets ("example.invalid", "::1"). nil (the default)
// installs no route. egress.Allower builds the usual allowed func (the
// target's host and the allowed hosts).
func WithEgress(allowed func(host string) bool) SessionOption {
	return func(o *sessionOptions) { o.egress = allowed }
}

func normHost(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	h = strings.TrimPrefix(strings.TrimSuffix(h, "]"), "[")
	return strings.TrimSuffix(h, ".")
}

// requestHost is the host a request URL goes to, and whether it must be
// checked at all (data:, blob: and about: never are). A URL without a host
// (file:) is named by its scheme.
func requestHost(raw string) (host string, check bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return raw, true
	}
	switch strings.ToLower(u.Scheme) {
	case "data", "blob", "about":
		return "", false
	}
	if h := u.Hostname(); h != "" {
		return normHost(h), true
	}
	return strings.ToLower(u.Scheme) + ":", true
}

// routeEgress installs the context's egress route.
func (s *Session) routeEgress(allowed func(string) bool) error {
	return s.Context.Route("**/*", func(r playwright.Route) {
		host, check := requestHost(r.Request().URL())
		if !check || allowed(host) {
			_ = r.Fallback()
			return
		}
		s.block(host)
		_ = r.Abort("blockedbyclient")
	})
}

func (s *Session) block(host string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range s.blocked {
		if h == host {
			return
		}
	}
	s.blocked = append(s.blocked, host)
	close(s.blockedCh)
	s.blockedCh = make(chan struct{})
}

// Blocked returns the distinct hosts the session's browser was kept from
// reaching (WithEgress), in the order first blocked; nil when none was or
// egress control is off.
func (s *Session) Blocked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.blocked...)
}

// Egress reports whether the session controls egress (WithEgress).
func (s *Session) Egress() bool { return s.egress }

// WaitBlocked waits until a request to host (compared as SameHost; "*.x"
// matches any subdomain of x) has been blocked, for at most the session's
// action timeout or until ctx ends, and reports whether one was.
func (s *Session) WaitBlocked(ctx context.Context, host string) bool {
	timer := time.NewTimer(s.timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		found := false
		for _, h := range s.blocked {
			if matchHost(host, h) {
				found = true
				break
			}
		}
		ch := s.blockedCh
		s.mu.Unlock()
		if found {
			return true
		}
		select {
		case <-ch:
		case <-timer.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

func matchHost(pattern, host string) bool {
	return egress.Allowed(normHost(host), []string{normHost(pattern)})
}
