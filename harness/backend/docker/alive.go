package docker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"

	"github.com/eprharness/eprharness/harness/backend"
)

var _ backend.Prober = (*Backend)(nil)

// aliveTimeout bounds one look at the containers' state.
const aliveTimeout = 10 * time.Second

// Alive implements backend.Prober from the containers' state: it returns
// an error such as "the EPR container exited (code 137)" when the EPR or
// its database is no longer running, and nil while both run or when the
// Docker engine cannot be asked.
func (b *Backend) Alive(ctx context.Context) error {
	return askEngine(ctx, func(ctx context.Context, cli *testcontainers.DockerClient) error {
		for _, role := range []string{"epr", "postgres"} {
			c := b.container(role)
			if c == nil {
				continue
			}
			if err := containerAlive(ctx, cli, c.GetContainerID(), roleName(role)); err != nil {
				return err
			}
		}
		return nil
	})
}

// ContainerAlive is Alive for one container of another backend (compose):
// what names it in the error ("the EPR container (service web)").
func ContainerAlive(ctx context.Context, containerID, what string) error {
	return askEngine(ctx, func(ctx context.Context, cli *testcontainers.DockerClient) error {
		return containerAlive(ctx, cli, containerID, what)
	})
}

// askEngine runs look with a Docker client, within aliveTimeout even when
// ctx is already cancelled; it returns nil when there is no client.
func askEngine(ctx context.Context, look func(context.Context, *testcontainers.DockerClient) error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), aliveTimeout)
	defer cancel()
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return nil
	}
	defer cli.Close()
	return look(ctx, cli)
}

func containerAlive(ctx context.Context, cli *testcontainers.DockerClient, id, what string) error {
	res, err := cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if isNotFound(err) {
		return &DeadError{What: what, Removed: true}
	}
	if err != nil {
		return nil // the engine did not answer: nothing is known
	}
	return Dead(what, res.Container.State)
}

// DeadError says a backend's container stopped running.
type DeadError struct {
	// What names the container: "the EPR container".
	What string
	// Status is Docker's state ("exited", "dead", "paused").
	Status   string
	ExitCode int
	// OOMKilled is set when the kernel killed it for memory.
	OOMKilled bool
	// Removed is set when the container no longer exists at all.
	Removed bool
}

func (e *DeadError) Error() string {
	switch {
	case e.Removed:
		return e.What + " was removed"
	case e.OOMKilled:
		return fmt.Sprintf("%s was killed for lack of memory (code %d)", e.What, e.ExitCode)
	case e.Status == "exited" || e.Status == "dead":
		return fmt.Sprintf("%s exited (code %d)", e.What, e.ExitCode)
	default:
		return fmt.Sprintf("%s is %s", e.What, e.Status)
	}
}

// Dead returns a DeadError when st is not a running container's state,
// else nil. A container that is restarting counts as dead: it was not
// there for the scenario.
func Dead(what string, st *container.State) error {
	if st == nil {
		return nil
	}
	if st.Running && !st.Paused && !st.Restarting {
		return nil
	}
	status := string(st.Status)
	switch {
	case st.Restarting:
		status = "restarting"
	case st.Paused:
		status = "paused"
	case status == "":
		status = "exited"
	}
	return &DeadError{What: what, Status: status, ExitCode: st.ExitCode, OOMKilled: st.OOMKilled}
}

// IsDead reports whether err says a container died (DeadError).
func IsDead(err error) bool {
	var d *DeadError
	return errors.As(err, &d)
}

func roleName(role string) string {
	if role == "postgres" {
		return "the database container"
	}
	return "the EPR container"
}
