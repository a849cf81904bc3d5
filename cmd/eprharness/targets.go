package main

import (
	"fmt"
	"io"

	"github.com/eprharness/eprharness/harness/config"
	"github.com/eprharness/eprharness/harness/runner"
	"github.com/eprharness/eprharness/harness/target"
	"github.com/eprharness/eprharness/sut/refepr/harnesstarget"

	// Adapters register themselves by name (target.Register).
	_ "github.com/eprharness/eprharness/harness/target/declarative"
	_ "github.com/eprharness/eprharness/harness/target/refepr"
)

// chosen is what a run's configuration names: the adapter that drives the
// EPR's screens, how each worker's backend starts and how fixture patients
// reach the EPR.
type chosen struct {
	adapter target.EPR
	backend runner.BackendFactory
	loader  runner.LoaderFactory
}

// backends are the backends by name. embedded and docker run the reference
// EPR (their own settings are checked by harnesstarget); url and compose
// run any EPR.
var backends = map[string]func(cfg config.Config, version string, stderr io.Writer) (runner.BackendFactory, error){
	config.BackendEmbedded: func(cfg config.Config, v string, w io.Writer) (runner.BackendFactory, error) {
		return harnesstarget.Embedded(cfg, v, w)
	},
	config.BackendDocker: func(cfg config.Config, v string, w io.Writer) (runner.BackendFactory, error) {
		return harnesstarget.Docker(cfg, v, w)
	},
	config.BackendURL:     urlBackend,
	config.BackendCompose: composeBackend,
}

// chooseTarget builds the adapter and the backend factory the
// configuration names. Errors are bad input (exit 2): nothing has started.
func chooseTarget(cfg config.Config, stderr io.Writer) (chosen, error) {
	adapter, err := target.New(cfg.Adapter, target.Options{ScreenMap: cfg.ScreenMap})
	if err != nil {
		return chosen{}, &config.Error{Source: cfg.Origin("adapter"), Field: "adapter", Msg: err.Error()}
	}
	start, ok := backends[cfg.Backend]
	if !ok {
		return chosen{}, &config.Error{Source: cfg.Origin("backend"), Field: "backend", Msg: fmt.Sprintf("no backend named %q", cfg.Backend)}
	}
	factory, err := start(cfg, version, stderr)
	if err != nil {
		return chosen{}, err
	}
	loader, err := chooseLoader(cfg)
	if err != nil {
		return chosen{}, err
	}
	return chosen{adapter: adapter, backend: factory, loader: loader}, nil
}
