package docker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"syscall"

	"github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// Removed lists what a sweep removed, and what it left because it was kept.
type Removed struct {
	Containers []string // names or short ids
	Networks   []string
	// KeptContainers counts the containers of finished runs that Sweep left
	// because they are kept (LabelKeep); KeptRuns lists those runs' ids,
	// sorted. Both are empty for RemoveRun and for Sweep WithKept(true).
	KeptContainers int
	KeptRuns       []string
}

// Count is the number of things removed.
func (r Removed) Count() int { return len(r.Containers) + len(r.Networks) }

// RemoveRun force-removes every container and network labelled with runID,
// kept or not, whether its process is alive or not.
func RemoveRun(ctx context.Context, runID string) (Removed, error) {
	if runID == "" {
		return Removed{}, errors.New("remove run: no run id")
	}
	return remove(ctx, func(labels map[string]string) bool { return labels[LabelRun] == runID }, false)
}

type sweepOptions struct {
	kept bool
}

// SweepOption configures Sweep.
type SweepOption func(*sweepOptions)

// WithKept makes Sweep remove kept containers (LabelKeep) of finished runs
// too. Default false: they are left and counted in Removed.KeptContainers.
func WithKept(kept bool) SweepOption { return func(o *sweepOptions) { o.kept = kept } }

// Sweep removes containers and networks left by earlier harness runs on this
// host whose process has gone (killed, crashed, or interrupted before it
// could clean up). Runs still in progress are left alone, and so are kept
// backends (WithKeep) unless WithKept(true) is given.
func Sweep(ctx context.Context, opts ...SweepOption) (Removed, error) {
	var o sweepOptions
	for _, opt := range opts {
		opt(&o)
	}
	host, _ := os.Hostname()
	return remove(ctx, func(labels map[string]string) bool { return stale(labels, host, os.Getpid(), processAlive) }, !o.kept)
}

// stale reports whether labels name a run on host whose process has gone:
// neither self nor alive. An unreadable process id counts as gone.
func stale(labels map[string]string, host string, self int, alive func(pid int) bool) bool {
	if labels[LabelHost] != host {
		return false
	}
	pid, err := strconv.Atoi(labels[LabelPID])
	if err != nil {
		return true // labelled by us but unreadable: stale by definition
	}
	return pid != self && !alive(pid)
}

func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// remove force-removes the managed containers, then networks, whose labels
// match. With spareKept, matching ones labelled LabelKeep are left and
// counted instead.
func remove(ctx context.Context, match func(map[string]string) bool, spareKept bool) (Removed, error) {
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
		if spareKept && kept(c.Labels) {
			out.KeptContainers++
			if run := c.Labels[LabelRun]; !slices.Contains(out.KeptRuns, run) {
				out.KeptRuns = append(out.KeptRuns, run)
			}
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
	slices.Sort(out.KeptRuns)
	for _, n := range nets.Items {
		if !match(n.Labels) || spareKept && kept(n.Labels) {
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

func kept(labels map[string]string) bool { return labels[LabelKeep] == "true" }

func isNotFound(err error) bool {
	return errdefs.IsNotFound(err)
}
