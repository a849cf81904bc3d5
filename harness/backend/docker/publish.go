package docker

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/testcontainers/testcontainers-go"
)

// Remote engines. The engine is the one testcontainers-go finds: DOCKER_HOST
// (unix:///var/run/docker.sock, tcp://build-7:2376 with DOCKER_TLS_VERIFY
// and DOCKER_CERT_PATH, ssh:// is not supported by testcontainers), else
// docker.host in ~/.testcontainers.properties, else the current Docker
// context, else the local socket. The harness reaches a container's
// published port at the engine's host: TESTCONTAINERS_HOST_OVERRIDE when
// set, else DOCKER_HOST's host name for tcp://, else localhost (or, inside
// a container, the Docker network's gateway). Every URL the backends give
// (BaseURL, the database URL, readiness checks) is built from that host
// and the mapped port, never from a fixed "localhost".
//
// Ports are published on the loopback interface when that host is a
// loopback name (a local engine: nothing is reachable from other
// machines), and on all interfaces otherwise, since the harness and the
// browser then reach them over the network. Such an engine's host should
// only be reachable from the test network: the EPR holds synthetic data
// but answers anyone who can reach the port.

// PublishAddress returns the host address the containers' ports are
// published on ("127.0.0.1", or "0.0.0.0" for a remote engine) and the
// host at which this process reaches them (see above).
func PublishAddress(ctx context.Context) (bind netip.Addr, host string, err error) {
	p, err := testcontainers.NewDockerProvider()
	if err != nil {
		return netip.Addr{}, "", fmt.Errorf("docker host: %w", err)
	}
	defer p.Close()
	host, err = p.DaemonHost(ctx)
	if err != nil {
		return netip.Addr{}, "", fmt.Errorf("docker host: %w", err)
	}
	return bindAddress(host), host, nil
}

// bindAddress is where to publish ports that are reached at host.
func bindAddress(host string) netip.Addr {
	h := strings.TrimSuffix(strings.Trim(strings.ToLower(host), "[]"), ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return netip.MustParseAddr("127.0.0.1")
	}
	if a, err := netip.ParseAddr(h); err == nil && a.IsLoopback() {
		if a.Is6() && !a.Is4In6() {
			return netip.IPv6Loopback()
		}
		return netip.MustParseAddr("127.0.0.1")
	}
	return netip.IPv4Unspecified()
}
