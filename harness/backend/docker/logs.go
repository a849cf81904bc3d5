package docker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// WriteLogs implements backend.LogWriter: it writes what the EPR and
// PostgreSQL containers logged since since into dir/backend-epr.log and
// dir/backend-postgres.log (stdout and stderr interleaved as written), and
// returns the files written. A container that logged nothing gets no file.
func (b *Backend) WriteLogs(ctx context.Context, dir string, since time.Time) ([]string, error) {
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return nil, fmt.Errorf("write backend logs: %w", err)
	}
	defer cli.Close()
	var files []string
	var errs []error
	for _, role := range []string{"epr", "postgres"} {
		c := b.container(role)
		if c == nil {
			continue
		}
		p, err := writeLog(ctx, cli, c.GetContainerID(), filepath.Join(dir, "backend-"+role+".log"), since)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", role, err))
		}
		if p != "" {
			files = append(files, p)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return files, fmt.Errorf("write backend logs: %w", err)
	}
	return files, nil
}

func writeLog(ctx context.Context, cli *testcontainers.DockerClient, id, path string, since time.Time) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	opts := client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Timestamps: true}
	if !since.IsZero() {
		opts.Since = since.UTC().Format(time.RFC3339Nano)
	}
	rc, err := cli.ContainerLogs(ctx, id, opts)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	// Both streams go to the one file, in the order the container wrote
	// them (each line has Docker's timestamp).
	_, err = stdcopy.StdCopy(f, f, rc)
	info, serr := f.Stat()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && serr == nil && info.Size() == 0 {
		return "", os.Remove(path)
	}
	return path, err
}
