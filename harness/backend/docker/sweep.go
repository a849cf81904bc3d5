package docker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"

	"github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// Removed lists what a sweep removed.
type Removed struct {
	Containers []string // names or short ids
	Networks   []string
}

// Count is the number of things removed.
func (r Removed) Count() int { return len(r.Containers) + len(r.Networks) }

// RemoveRun force-removes every container and network labelled with runID.
func RemoveRun(ctx context.Context, runID string) (Removed, error) {
	return remove(ctx, func(labels map[string]string) bool { return labels[LabelRun] == runID })
}

// Sweep removes containers and networks left by earlier harness runs on this
// host whose process has gone (killed, crashed, or interrupted before it
// could clean up). Runs still in progress are left alone.
func Sweep(ctx context.Context) (Removed, error) {
	host, _ := os.Hostname()
	return remove(ctx, func(labels map[string]string) bool {
		if labels[LabelHost] != host {
			return false
		}
		pid, err := strconv.Atoi(labels[LabelPID])
		if err != nil {
			return true // labelled by us but unreadable: stale by definition
		}
		return pid != os.Getpid() && !processAlive(pid)
	})
}

func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func remove(ctx context.Context, match func(map[string]string) bool) (Removed, error) {
	var out Removed
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return out, fmt.Errorf("sweep: docker client: %w", err)
	}
	defer cli.Close()
	filters := client.Filters{}.Add("label", LabelManaged+"=true")
	list, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: filters})
	if err != nil {
		return out, fmt.Errorf("sweep: list containers: %w", err)
	}
	var errs []error
	for _, c := range list.Items {
		if !match(c.Labels) {
			continue
		}
		if _, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil && !isNotFound(err) {
			errs = append(errs, fmt.Errorf("remove container %.12s: %w", c.ID, err))
			continue
		}
		name := c.ID[:12]
		if len(c.Names) > 0 {
			name = c.Names[0]
		}
		out.Containers = append(out.Containers, name)
	}
	nets, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: filters})
	if err != nil {
		return out, errors.Join(append(errs, fmt.Errorf("sweep: list networks: %w", err))...)
	}
	for _, n := range nets.Items {
		if !match(n.Labels) {
			continue
		}
		if _, err := cli.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{}); err != nil && !isNotFound(err) {
			errs = append(errs, fmt.Errorf("remove network %s: %w", n.Name, err))
			continue
		}
		out.Networks = append(out.Networks, n.Name)
	}
	if err := errors.Join(errs...); err != nil {
		return out, fmt.Errorf("sweep: %w", err)
	}
	return out, nil
}

func isNotFound(err error) bool {
	return errdefs.IsNotFound(err)
}
