package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/eprharness/eprharness/harness/backend"
	"github.com/eprharness/eprharness/harness/backend/compose"
	"github.com/eprharness/eprharness/harness/backend/docker"
	"github.com/eprharness/eprharness/harness/backend/url"
	"github.com/eprharness/eprharness/harness/config"
	"github.com/eprharness/eprharness/harness/runner"
)

// urlBackend reaches a running EPR at base-url: nothing is started, and
// every worker shares it (config refuses resets that would collide).
func urlBackend(cfg config.Config, _ string, _ io.Writer) (runner.BackendFactory, error) {
	return func(ctx context.Context, runID string) (backend.Backend, error) {
		rs, err := newResetter(cfg, cfg.BaseURL, nil)
		if err != nil {
			return nil, err
		}
		return url.Run(ctx,
			url.WithURL(cfg.BaseURL),
			url.WithAllowedHosts(cfg.AllowedHosts),
			url.WithReset(rs),
		)
	}, nil
}

// composeBackend starts the users' own EPR and its dependencies from their
// Compose files, one project per worker.
func composeBackend(cfg config.Config, _ string, stderr io.Writer) (runner.BackendFactory, error) {
	var waits []compose.Option
	for _, w := range cfg.ComposeWait {
		svc, spec, _ := strings.Cut(w, "=")
		waits = append(waits, compose.WithWait(svc, spec))
	}
	var (
		once   sync.Once
		tcLog  = io.Discard
		mu     sync.Mutex
		worker int
	)
	return func(ctx context.Context, runID string) (backend.Backend, error) {
		once.Do(func() { tcLog = docker.Prepare(ctx, cfg.Out, stderr) })
		mu.Lock()
		worker++
		n := worker
		mu.Unlock()
		opts := append([]compose.Option{
			compose.WithFiles(cfg.ComposeFiles...),
			compose.WithProject(compose.ProjectName(runID, n)),
			compose.WithService(cfg.ComposeService, cfg.ComposePort),
			compose.WithRunID(runID),
			compose.WithKeep(cfg.KeepBackends),
			compose.WithLog(tcLog),
			compose.WithStartupTimeout(cfg.StartupTimeout),
		}, waits...)
		b, err := compose.Run(ctx, opts...)
		if err != nil {
			return b, err
		}
		rs, err := newResetter(cfg, b.BaseURL(), b)
		if err != nil {
			return b, err
		}
		if rs == nil {
			return b, nil
		}
		return composeWithReset{b, rs}, nil
	}, nil
}

// composeWithReset is a compose backend whose reset is built once its
// services run (a sql or snapshot reset needs the database's address).
// Embedding keeps its Keeper and LogWriter methods.
type composeWithReset struct {
	*compose.Backend
	reset resetter
}

func (c composeWithReset) Reset(ctx context.Context) error { return c.reset.Reset(ctx) }

// databaseAddresser is a backend that can say where a service's
// PostgreSQL is reachable from this host (compose).
type databaseAddresser interface {
	DatabaseAddr(service string, port int) (host string, mappedPort int, err error)
}

// resetter puts a foreign EPR's data back between scenarios.
type resetter interface {
	Reset(ctx context.Context) error
}

// newResetter builds the configured reset for an EPR at base.
func newResetter(cfg config.Config, base string, db databaseAddresser) (resetter, error) {
	switch cfg.EffectiveReset() {
	case config.ResetNone, config.ResetUnique:
		return nil, nil
	default:
		return nil, fmt.Errorf("reset %s: not available yet", cfg.EffectiveReset())
	}
}
