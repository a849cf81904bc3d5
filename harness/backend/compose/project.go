package compose

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"

	"github.com/eprharness/eprharness/harness/backend/docker"
)

// Compose's own labels, read and written here.
const (
	composeProjectLabel = "com.docker.compose.project"
	composeServiceLabel = "com.docker.compose.service"
	composeNetworkLabel = "com.docker.compose.network"
)

// loadProject reads the Compose files as Compose will: the same files,
// project name and variables (the given env first, then the process's,
// then a .env file).
func loadProject(ctx context.Context, files []string, name string, env map[string]string) (*types.Project, error) {
	var vars []string
	for k, v := range env {
		vars = append(vars, k+"="+v)
	}
	po, err := cli.NewProjectOptions(files,
		cli.WithEnv(vars),
		cli.WithOsEnv,
		cli.WithEnvFiles(),
		cli.WithDotEnv,
		cli.WithName(name),
	)
	if err != nil {
		return nil, err
	}
	return po.LoadProject(ctx)
}

// published is one container port published on the host loopback with an
// ephemeral host port.
type published struct {
	port     int
	protocol string
}

// servicePorts lists, per service, the ports the override publishes: every
// port the Compose files publish (on loopback and an ephemeral host port
// instead of theirs, so that parallel workers do not collide and the EPR
// is not reachable from other machines) and the ones the harness needs.
func servicePorts(p *types.Project, need map[string][]int) map[string][]published {
	out := map[string][]published{}
	for name, s := range p.Services {
		if s.NetworkMode != "" && s.NetworkMode != "bridge" && s.NetworkMode != "default" {
			continue // host or another service's network: nothing to publish
		}
		var ps []published
		add := func(port int, proto string) {
			if proto == "" {
				proto = "tcp"
			}
			q := published{port, proto}
			if !slices.Contains(ps, q) {
				ps = append(ps, q)
			}
		}
		for _, pc := range s.Ports {
			add(int(pc.Target), pc.Protocol)
		}
		for _, port := range need[name] {
			add(port, "tcp")
		}
		sort.Slice(ps, func(i, j int) bool {
			if ps[i].port != ps[j].port {
				return ps[i].port < ps[j].port
			}
			return ps[i].protocol < ps[j].protocol
		})
		if len(ps) > 0 {
			out[name] = ps
		}
	}
	return out
}

// override renders the Compose file the harness adds after the user's: the
// run's labels on every service (LabelRole = the service), ephemeral
// ports published on bind (loopback for a local engine), no pulling of an image that is present locally, and a
// short stop grace period where none is set (the containers hold only test
// data).
func override(p *types.Project, labels map[string]string, ports map[string][]published, bind netip.Addr) []byte {
	var b strings.Builder
	b.WriteString("# Written by eprharness for project " + p.Name + "; not for editing.\nservices:\n")
	names := p.ServiceNames()
	sort.Strings(names)
	for _, name := range names {
		s := p.Services[name]
		fmt.Fprintf(&b, "  %s:\n    labels:\n", quote(name))
		keys := make([]string, 0, len(labels)+1)
		for k := range labels {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "      %s: %s\n", quote(k), quote(labels[k]))
		}
		fmt.Fprintf(&b, "      %s: %s\n", quote(docker.LabelRole), quote(name))
		if ps := ports[name]; len(ps) > 0 {
			b.WriteString("    ports: !override\n")
			for _, q := range ps {
				fmt.Fprintf(&b, "      - %s\n", quote(fmt.Sprintf("%s::%d/%s", hostIP(bind), q.port, q.protocol)))
			}
		}
		if s.Image != "" && s.Build == nil {
			switch s.PullPolicy {
			case types.PullPolicyNever, types.PullPolicyMissing, types.PullPolicyIfNotPresent:
			default: // always, daily, weekly, every_…, refresh or unset
				b.WriteString("    pull_policy: missing\n")
			}
		}
		if s.StopGracePeriod == nil {
			b.WriteString("    stop_grace_period: 2s\n")
		}
	}
	return []byte(b.String())
}

// quote renders s as a YAML double-quoted scalar, with "$" doubled so
// Compose does not interpolate it.
func quote(s string) string {
	q, _ := json.Marshal(strings.ReplaceAll(s, "$", "$$"))
	return string(q)
}

// writeOverride writes the override into a fresh temporary folder and
// returns its path; the caller removes the folder.
func writeOverride(content []byte) (string, error) {
	dir, err := os.MkdirTemp("", "eprharness-compose-")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "eprharness.override.yaml")
	if err := os.WriteFile(path, content, 0o600); err != nil {
		_ = os.RemoveAll(dir)
		return "", err
	}
	return path, nil
}

// createNetworks creates the project's networks before Compose does, under
// the names and with the labels Compose looks for (so Compose uses them as
// its own, and Down removes them) and with the run's labels besides, which
// Compose cannot add: that is how Sweep and RemoveRun find them. It returns
// the names created; on error, the ones created so far.
func createNetworks(ctx context.Context, p *types.Project, labels map[string]string) ([]string, error) {
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	defer cli.Close()
	keys := make([]string, 0, len(p.Networks))
	for k := range p.Networks {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var made []string
	for _, key := range keys {
		n := p.Networks[key]
		if n.External || n.Name == "" {
			continue
		}
		opts, err := networkOptions(p.Name, key, n, labels)
		if err != nil {
			return made, fmt.Errorf("network %s: %w", key, err)
		}
		if _, err := cli.NetworkCreate(ctx, n.Name, opts); err != nil {
			return made, fmt.Errorf("create network %s: %w", n.Name, err)
		}
		made = append(made, n.Name)
	}
	return made, nil
}

// networkOptions mirrors how Compose creates network key of the project.
func networkOptions(project, key string, n types.NetworkConfig, labels map[string]string) (client.NetworkCreateOptions, error) {
	l := map[string]string{}
	for k, v := range n.Labels {
		l[k] = v
	}
	for k, v := range labels {
		l[k] = v
	}
	l[composeProjectLabel] = project
	l[composeNetworkLabel] = key
	l[docker.LabelRole] = "network:" + key
	o := client.NetworkCreateOptions{
		Labels:     l,
		Driver:     n.Driver,
		Options:    n.DriverOpts,
		Internal:   n.Internal,
		Attachable: n.Attachable,
		EnableIPv4: n.EnableIPv4,
		EnableIPv6: n.EnableIPv6,
	}
	if n.Ipam.Driver != "" || len(n.Ipam.Config) > 0 || len(n.Ipam.Options) > 0 {
		o.IPAM = &network.IPAM{Driver: n.Ipam.Driver, Options: n.Ipam.Options}
		for _, pool := range n.Ipam.Config {
			c, err := ipamPool(pool)
			if err != nil {
				return o, err
			}
			o.IPAM.Config = append(o.IPAM.Config, c)
		}
	}
	return o, nil
}

func ipamPool(pool *types.IPAMPool) (network.IPAMConfig, error) {
	var c network.IPAMConfig
	var err error
	if pool.Subnet != "" {
		if c.Subnet, err = netip.ParsePrefix(pool.Subnet); err != nil {
			return c, fmt.Errorf("subnet: %w", err)
		}
	}
	if pool.IPRange != "" {
		if c.IPRange, err = netip.ParsePrefix(pool.IPRange); err != nil {
			return c, fmt.Errorf("ip_range: %w", err)
		}
	}
	if pool.Gateway != "" {
		if c.Gateway, err = netip.ParseAddr(pool.Gateway); err != nil {
			return c, fmt.Errorf("gateway: %w", err)
		}
	}
	for name, a := range pool.AuxiliaryAddresses {
		addr, err := netip.ParseAddr(a)
		if err != nil {
			return c, fmt.Errorf("aux_addresses %s: %w", name, err)
		}
		if c.AuxAddress == nil {
			c.AuxAddress = map[string]netip.Addr{}
		}
		c.AuxAddress[name] = addr
	}
	return c, nil
}

// Check reads the Compose files as Run would, without Docker, and checks
// that the service the browser reaches (and each service a wait names)
// is in them: bad input is reported before any browser or container
// starts. Errors name the file where Compose says.
func Check(ctx context.Context, files []string, service string, waits ...string) error {
	p, err := loadProject(ctx, files, "eprharness-check", nil)
	if err != nil {
		return fmt.Errorf("read %s: %w", strings.Join(files, ", "), err)
	}
	names := p.ServiceNames()
	for _, svc := range append([]string{service}, waits...) {
		if svc != "" && !slices.Contains(names, svc) {
			return fmt.Errorf("%s has no service %q; its services are %s", strings.Join(files, ", "), svc, strings.Join(names, ", "))
		}
	}
	return nil
}

// hostIP renders an address for a Compose short port syntax
// ("[::1]::8080/tcp").
func hostIP(a netip.Addr) string {
	if a.Is6() && !a.Is4In6() {
		return "[" + a.String() + "]"
	}
	return a.String()
}
