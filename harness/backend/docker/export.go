package docker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/testcontainers/testcontainers-go"
)

// Helpers for the other container backends (harness/backend/compose), so
// that every backend labels, removes and logs its containers alike.

// RemoveBackend force-removes every container and network labelled with
// the backend id (LabelBackend), kept or not: what one backend of a run
// started, leaving the run's other backends (workers) alone.
func RemoveBackend(ctx context.Context, id string) (Removed, error) {
	if id == "" {
		return Removed{}, errors.New("remove backend: no backend id")
	}
	return remove(ctx, func(labels map[string]string) bool { return labels[LabelBackend] == id }, false)
}

// WriteContainerLog writes what the container logged since since (all of
// it when since is zero) into path, stdout and stderr interleaved with
// Docker's timestamps, and returns path; a container that logged nothing
// gets no file and "" is returned.
func WriteContainerLog(ctx context.Context, containerID, path string, since time.Time) (string, error) {
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return "", fmt.Errorf("docker client: %w", err)
	}
	defer cli.Close()
	return writeLog(ctx, cli, containerID, path, since)
}

// ImageDigest identifies the image a container runs, as Describe's Digests
// do: the repository digest of image when it was pulled from or pushed to
// a registry, else the local image id (itself "sha256:…"). id is the image
// id the container reports.
func ImageDigest(ctx context.Context, image, id string) string {
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return id
	}
	defer cli.Close()
	var repoDigests []string
	if img, err := cli.ImageInspect(ctx, id); err == nil {
		repoDigests = img.RepoDigests
	}
	return pickDigest(image, id, repoDigests)
}
