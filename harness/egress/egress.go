// Package egress decides which hosts a run may reach: the production guard
// for URL targets (a target must be on the allowed hosts) and the browser's
// egress control (requests to other hosts are blocked). It is the one place
// host patterns are matched, so the configuration check, the url backend
// and the browser agree. Everything here is a pure function, safe for
// concurrent use.
package egress

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// DefaultHosts are the hosts allowed when none are configured: this
// machine only.
var DefaultHosts = []string{"localhost", "127.0.0.1", "::1"}

// loopback names one machine: any of them allows the others.
var loopback = map[string]bool{"localhost": true, "127.0.0.1": true, "::1": true}

// CheckPattern reports whether p is a usable host pattern: a host name, an
// IP address, or "*." followed by a domain ("*.test.trust.nhs.uk").
func CheckPattern(p string) error {
	h := strings.TrimPrefix(p, "*.")
	if h == "" || strings.ContainsAny(h, "/:@ *?") && net.ParseIP(h) == nil {
		return fmt.Errorf("want a host name such as epr.test.example.nhs.uk or *.test.example.nhs.uk, got %q", p)
	}
	return nil
}

// Allowed reports whether host matches one of the patterns: equal (case
// insensitive), a "*." wildcard matching any subdomain, or both loopback
// names.
func Allowed(host string, patterns []string) bool {
	host = strings.ToLower(strings.Trim(host, "[]"))
	for _, p := range patterns {
		p = strings.ToLower(strings.Trim(p, "[]"))
		switch {
		case p == host:
			return true
		case loopback[p] && loopback[host]:
			return true
		case strings.HasPrefix(p, "*.") && strings.HasSuffix(host, p[1:]):
			return true
		}
	}
	return false
}

// NotAllowedError is a URL whose host is not on the allowed hosts.
type NotAllowedError struct {
	URL, Host string
	Allowed   []string
}

func (e *NotAllowedError) Error() string {
	return fmt.Sprintf("%s is not on the allowed hosts (%s): add %q to allowed-hosts if it is a test environment, never a live one",
		e.URL, strings.Join(e.Allowed, ", "), e.Host)
}

// CheckURL checks raw is an absolute http(s) URL on an allowed host.
func CheckURL(raw string, patterns []string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("want an absolute http or https URL such as https://epr.test.example.nhs.uk, got %q", raw)
	}
	if !Allowed(u.Hostname(), patterns) {
		return &NotAllowedError{URL: raw, Host: u.Hostname(), Allowed: patterns}
	}
	return nil
}

// Allower returns the browser's egress rule for a target: the target's own
// host and the patterns.
func Allower(targetURL string, patterns []string) func(host string) bool {
	all := append([]string(nil), patterns...)
	if u, err := url.Parse(targetURL); err == nil && u.Hostname() != "" {
		all = append(all, u.Hostname())
	}
	return func(host string) bool { return Allowed(host, all) }
}
