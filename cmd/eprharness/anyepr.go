package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/eprharness/eprharness/harness/backend"
	"github.com/eprharness/eprharness/harness/backend/compose"
	"github.com/eprharness/eprharness/harness/backend/docker"
	"github.com/eprharness/eprharness/harness/backend/url"
	"github.com/eprharness/eprharness/harness/config"
	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/fixtures"
	"github.com/eprharness/eprharness/harness/fixtures/dicom"
	"github.com/eprharness/eprharness/harness/reset"
	"github.com/eprharness/eprharness/harness/runner"
)

// urlBackend reaches a running EPR at base-url: nothing is started, and
// every worker shares it (config refuses resets that would collide).
func urlBackend(cfg config.Config, _ string, _ io.Writer) (runner.BackendFactory, error) {
	return func(ctx context.Context, runID string) (backend.Backend, error) {
		rs, err := newResetter(ctx, cfg, cfg.BaseURL, cfg.DatabaseURL)
		if err != nil {
			return nil, err
		}
		b, err := url.Run(ctx,
			url.WithURL(cfg.BaseURL),
			url.WithAllowedHosts(cfg.AllowedHosts),
			url.WithReset(rs),
		)
		if err != nil {
			return b, err
		}
		return &closingReset{b, rs}, nil
	}, nil
}

// composeBackend starts the users' own EPR and its dependencies from their
// Compose files, one project per worker. A sql or snapshot reset reaches
// the database service's published port once the project is up; the
// messaging steps reach mllp-service's port, and the project learns where
// the harness listens for its feed from the ctx's backend.Callbacks.
func composeBackend(cfg config.Config, _ string, stderr io.Writer) (runner.BackendFactory, error) {
	var waits []compose.Option
	var waited []string
	for _, w := range cfg.ComposeWait {
		svc, spec, _ := strings.Cut(w, "=")
		waits = append(waits, compose.WithWait(svc, spec))
		waited = append(waited, svc)
	}
	if cfg.DatabaseService != "" {
		waited = append(waited, cfg.DatabaseService)
	}
	// Bad Compose files and unknown services are bad input: said now,
	// before a browser or container starts.
	if err := compose.Check(context.Background(), cfg.ComposeFiles, cfg.ComposeService, waited...); err != nil {
		return nil, &config.Error{Source: cfg.Origin("compose-file"), Field: "compose-file", Msg: err.Error()}
	}
	mllpSvc, mllpPort := cfg.MLLPServicePort()
	if mllpSvc != "" {
		if err := compose.Check(context.Background(), cfg.ComposeFiles, "", mllpSvc); err != nil {
			return nil, &config.Error{Source: cfg.Origin("mllp-service"), Field: "mllp-service", Msg: err.Error()}
		}
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
		var rs resetter
		opts := append([]compose.Option{
			compose.WithFiles(cfg.ComposeFiles...),
			compose.WithProject(compose.ProjectName(runID, n)),
			compose.WithService(cfg.ComposeService, cfg.ComposePort),
			compose.WithRunID(runID),
			compose.WithKeep(cfg.KeepBackends),
			compose.WithLog(tcLog),
			compose.WithStartupTimeout(cfg.StartupTimeout),
			compose.WithCallbackHost(cfg.CallbackHost),
			compose.WithResetFrom(func(ctx context.Context, b *compose.Backend) (compose.Resetter, error) {
				dbURL := cfg.DatabaseURL
				if cfg.DatabaseService != "" && dbURL != "" {
					var err error
					if dbURL, err = b.ExpandDatabaseURL(dbURL, cfg.DatabaseService, postgresPort); err != nil {
						return nil, err
					}
				}
				var err error
				rs, err = newResetter(ctx, cfg, b.BaseURL(), dbURL)
				return rs, err
			}),
		}, waits...)
		if cfg.DatabaseService != "" {
			opts = append(opts, compose.WithPublish(cfg.DatabaseService, postgresPort))
		}
		if mllpSvc != "" {
			opts = append(opts, compose.WithMLLP(mllpSvc, mllpPort))
		}
		b, err := compose.Run(ctx, opts...)
		if err != nil || rs == nil {
			return b, err
		}
		return &closingCompose{b, rs}, nil
	}, nil
}

// postgresPort is where a Compose database service listens.
const postgresPort = 5432

// resetter puts a foreign EPR's data back between scenarios.
type resetter = reset.Resetter

// newResetter builds the configured reset for an EPR at base whose
// database (sql, snapshot) is at dbURL. A snapshot is taken here, once the
// EPR runs and has seeded itself.
func newResetter(ctx context.Context, cfg config.Config, base, dbURL string) (resetter, error) {
	switch cfg.EffectiveReset() {
	case config.ResetHTTP:
		target := cfg.ResetURL
		if strings.HasPrefix(target, "/") {
			target = strings.TrimSuffix(base, "/") + target
		}
		var body []byte
		if b := cfg.ResetBody; strings.HasPrefix(b, "@") {
			data, err := os.ReadFile(b[1:])
			if err != nil {
				return nil, fmt.Errorf("reset-body: %w", err)
			}
			body = data
		} else if b != "" {
			body = []byte(b)
		}
		return reset.HTTP(&http.Client{Timeout: 60 * time.Second}, cfg.ResetMethod, target, body), nil
	case config.ResetSQL:
		return reset.SQLFile(dbURL, cfg.ResetSQL)
	case config.ResetSnapshot:
		snap := reset.Snapshot(dbURL)
		if err := snap.Take(ctx); err != nil {
			_ = snap.Close(context.WithoutCancel(ctx))
			return nil, failure.Backend(fmt.Errorf("take snapshot: %w", err))
		}
		return snap, nil
	default: // none, unique
		return reset.None(), nil
	}
}

// closer is a reset that holds connections (snapshot).
type closer interface {
	Close(ctx context.Context) error
}

// closingReset is a url backend whose reset is closed with it.
type closingReset struct {
	*url.Backend
	reset resetter
}

func (c *closingReset) Terminate(ctx context.Context) error {
	return errors.Join(closeReset(ctx, c.reset), c.Backend.Terminate(ctx))
}

// closingCompose is a compose backend whose reset is closed with it;
// embedding keeps its Keeper and LogWriter methods.
type closingCompose struct {
	*compose.Backend
	reset resetter
}

func (c *closingCompose) Terminate(ctx context.Context) error {
	return errors.Join(closeReset(ctx, c.reset), c.Backend.Terminate(ctx))
}

func closeReset(ctx context.Context, r resetter) error {
	if c, ok := r.(closer); ok {
		return c.Close(ctx)
	}
	return nil
}

// fixtureAuth reads the fixture loader's credentials from the environment
// (never from a file or flag) and checks them before anything starts.
func fixtureAuth(cfg config.Config) (fixtures.Auth, error) {
	a := fixtures.Auth{
		Kind:     cfg.FixtureAuth,
		Token:    os.Getenv("EPRHARNESS_FIXTURE_TOKEN"),
		Username: os.Getenv("EPRHARNESS_FIXTURE_USERNAME"),
		Password: os.Getenv("EPRHARNESS_FIXTURE_PASSWORD"),
	}
	if err := a.Validate(); err != nil {
		return a, &config.Error{Source: cfg.Origin("fixture-auth"), Field: "fixture-auth", Msg: err.Error()}
	}
	return a, nil
}

// chooseLoader picks the fixture loader by name (fixture-loader).
func chooseLoader(cfg config.Config) (runner.LoaderFactory, error) {
	auth, err := fixtureAuth(cfg)
	if err != nil {
		return nil, err
	}
	// on resolves a fixture-url given as a path against the EPR.
	on := func(base, u string) string {
		if strings.HasPrefix(u, "/") {
			return strings.TrimSuffix(base, "/") + u
		}
		return u
	}
	switch cfg.FixtureLoader {
	case config.LoaderDICOM:
		var opts []dicom.Option
		switch auth.Kind {
		case fixtures.AuthBearer:
			opts = append(opts, dicom.WithBearer(auth.Token))
		case fixtures.AuthBasic:
			opts = append(opts, dicom.WithBasicAuth(auth.Username, auth.Password))
		}
		return func(base string, c *http.Client) fixtures.Loader {
			return dicom.New(c, on(base, cfg.FixtureURL), opts...)
		}, nil
	case config.LoaderCommand:
		return func(base string, _ *http.Client) fixtures.Loader { return fixtures.Command(cfg.FixtureCommand, base) }, nil
	case config.LoaderNone:
		return func(string, *http.Client) fixtures.Loader { return fixtures.None() }, nil
	default:
		return func(base string, c *http.Client) fixtures.Loader {
			u := cfg.FixtureURL
			if u == "" {
				u = "/fhir"
			}
			return fixtures.FHIR(c, on(base, u), auth)
		}, nil
	}
}
