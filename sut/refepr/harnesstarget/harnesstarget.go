// Package harnesstarget is the reference EPR as a harness target: the
// backends that start it (in-process, or in containers with PostgreSQL)
// from the harness's configuration, with its own settings (epr-image,
// epr-defects, clock) read and checked here, once, rather than by every
// command of the harness.
//
// It sits on the reference EPR's side of the line: harness/ never imports
// sut/, so the composition root (cmd/eprharness) picks these factories by
// the backend's name. A factory may be called concurrently (once per
// worker); every Backend it returns is owned by the caller, who must
// Terminate it.
package harnesstarget

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"

	"github.com/eprharness/eprharness/harness/backend"
	"github.com/eprharness/eprharness/harness/backend/docker"
	"github.com/eprharness/eprharness/harness/backend/embedded"
	"github.com/eprharness/eprharness/harness/config"
	"github.com/eprharness/eprharness/sut/refepr"
	"github.com/eprharness/eprharness/sut/refepr/defects"
)

// Factory starts one worker's backend; see runner.BackendFactory.
type Factory = func(ctx context.Context, runID string) (backend.Backend, error)

// Check validates the reference EPR's own settings (its defects and clock)
// for a run on one of its backends. Errors name the setting.
func Check(cfg config.Config) error {
	if _, err := refepr.ParseClock(cfg.Clock); err != nil {
		return &config.Error{Source: cfg.Origin("clock"), Field: "clock", Msg: err.Error()}
	}
	if _, err := defects.Parse(cfg.EPRDefects); err != nil {
		return &config.Error{Source: cfg.Origin("epr-defects"), Field: "epr-defects", Msg: err.Error()}
	}
	return nil
}

// Embedded serves the reference EPR in-process on an in-memory SQLite
// database, one per worker, with its HL7 v2 MLLP endpoint on a free
// loopback port (the backend's MLLPAddr) and, when the runner's context
// carries backend.Callbacks with an MLLPPort, its outbound feed sent to
// 127.0.0.1:<that port>. EPR_DEFECT_TRACE (the reference EPR's own
// variable) names a file that records where each defect applies; it stays
// open for the life of the process.
func Embedded(cfg config.Config, version string, stderr io.Writer) (Factory, error) {
	if err := Check(cfg); err != nil {
		return nil, err
	}
	clock, _ := refepr.ParseClock(cfg.Clock)
	eprDefects, _ := defects.Parse(cfg.EPRDefects)
	var trace io.Writer
	if path := os.Getenv("EPR_DEFECT_TRACE"); path != "" {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return nil, fmt.Errorf("EPR_DEFECT_TRACE: %w", err)
		}
		trace = f
	}
	return func(ctx context.Context, runID string) (backend.Backend, error) {
		outbound := ""
		if cb, ok := backend.CallbacksFrom(ctx); ok && cb.MLLPPort > 0 {
			outbound = net.JoinHostPort(embedded.CallbackHost, strconv.Itoa(cb.MLLPPort))
		}
		return embedded.Run(ctx,
			embedded.WithName("refepr"),
			embedded.WithVersion(version),
			embedded.WithApp(func(ctx context.Context) (embedded.App, error) {
				return refepr.New(ctx, refepr.Config{DatabaseURL: "sqlite::memory:", Now: clock, TestAPI: true, Version: version,
					Defects: eprDefects, DefectTrace: trace, MLLPAddr: "127.0.0.1:0", MLLPOutbound: outbound})
			}),
		)
	}, nil
}

// Docker runs the reference EPR image (epr-image) with PostgreSQL
// (postgres-image) in containers, one set per worker. The image's MLLP
// port 2575 is published (the backend's MLLPAddr), and with
// backend.Callbacks in the context the outbound feed goes to
// host.docker.internal:<MLLPPort> (EPR_MLLP_OUTBOUND), which reaches the
// harness's listener only if it listens beyond loopback (0.0.0.0). testcontainers' own
// messages go to backend-testcontainers.log in the output folder, and the
// first call sweeps what killed runs left behind (docker.Prepare).
func Docker(cfg config.Config, version string, stderr io.Writer) (Factory, error) {
	if err := Check(cfg); err != nil {
		return nil, err
	}
	eprDefects, _ := defects.Parse(cfg.EPRDefects)
	var once sync.Once
	tcLog := io.Discard
	return func(ctx context.Context, runID string) (backend.Backend, error) {
		once.Do(func() { tcLog = docker.Prepare(ctx, cfg.Out, stderr) })
		env := map[string]string{}
		if cfg.Clock != "" {
			env["EPR_NOW"] = cfg.Clock
		}
		if eprDefects.String() != "" {
			env["EPR_DEFECTS"] = eprDefects.String()
		}
		outbound := ""
		if cb, ok := backend.CallbacksFrom(ctx); ok && cb.MLLPPort > 0 {
			outbound = net.JoinHostPort(docker.CallbackHost, strconv.Itoa(cb.MLLPPort))
		}
		b, err := docker.Run(ctx,
			docker.WithMLLPOutbound(outbound),
			docker.WithEPRImage(cfg.EPRImage),
			docker.WithPostgresImage(cfg.PostgresImage),
			docker.WithRunID(runID),
			docker.WithLogDir(cfg.Out),
			docker.WithEnv(env),
			docker.WithStartupTimeout(cfg.StartupTimeout),
			docker.WithLog(tcLog),
			docker.WithKeep(cfg.KeepBackends),
		)
		if err != nil {
			for _, f := range b.LogFiles() {
				fmt.Fprintf(stderr, "eprharness: container log saved: %s\n", f)
			}
		}
		return b, err
	}, nil
}
