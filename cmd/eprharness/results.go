package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/eprharness/eprharness/harness/config"
	"github.com/eprharness/eprharness/harness/exitcode"
	"github.com/eprharness/eprharness/harness/report"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/store"
)

// openStore opens the results store the configuration names; nil (and no
// error) when it is "off". The caller closes it.
func openStore(ctx context.Context, cfg config.Config) (store.Store, error) {
	if cfg.Store == config.StoreOff {
		return nil, nil
	}
	var opts []store.Option
	if cfg.Artifacts != "" {
		opts = append(opts, store.WithArtifacts(cfg.Artifacts))
	}
	return store.Open(ctx, cfg.Store, opts...)
}

// storeFlags reads the settings a results command needs: the store and
// artifacts folder from the configuration file and environment, overridden
// by --store and --artifacts in fs. Call after fs.Parse.
type storeFlags struct {
	store, artifacts *string
}

func addStoreFlags(fs *flag.FlagSet) storeFlags {
	return storeFlags{
		store:     fs.String("store", "", "results store: SQLite file or postgres:// URL (default: the configured store)"),
		artifacts: fs.String("artifacts", "", "artifacts folder of the store (default: the configured one)"),
	}
}

// open loads the configuration (file < environment < these flags) and
// opens its store.
func (f storeFlags) open(ctx context.Context) (store.Store, config.Config, error) {
	wd, _ := os.Getwd()
	cfg, err := config.Load(config.Source{Env: os.Environ(), Dir: wd, Usage: io.Discard})
	if err != nil {
		return nil, cfg, err
	}
	if *f.store != "" {
		cfg.Store = *f.store
	}
	if *f.artifacts != "" {
		cfg.Artifacts = *f.artifacts
	}
	if cfg.Store == config.StoreOff {
		return nil, cfg, errors.New("the results store is off (store: off); name one with --store")
	}
	st, err := openStore(ctx, cfg)
	return st, cfg, err
}

// reportCmd rebuilds every report of a stored run:
//
//	eprharness report [--out DIR] [--store S] RUN
func reportCmd(args []string, stdout, stderr io.Writer) exitcode.Code {
	fs := flag.NewFlagSet("eprharness report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "folder for the reports (default: out/report-RUNID)")
	sf := addStoreFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: eprharness report [--out DIR] [--store S] RUN\n\nRUN is a run id (or a unique prefix of one), latest or last-green.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitcode.Pass
		}
		return exitcode.Usage
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitcode.Usage
	}
	ctx := context.Background()
	st, cfg, err := sf.open(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "eprharness report: %v\n", err)
		return exitcode.Usage
	}
	defer st.Close()
	id, err := st.Resolve(ctx, fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "eprharness report: run %q: %v\n", fs.Arg(0), err)
		return exitcode.Usage
	}
	run, err := st.Run(ctx, id)
	if err != nil {
		fmt.Fprintf(stderr, "eprharness report: %v\n", err)
		return exitcode.Harness
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join(cfg.Out, "report-"+id)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintf(stderr, "eprharness report: %v\n", err)
		return exitcode.Harness
	}
	hist := map[string][]results.HistoryPoint{}
	for _, f := range run.Features {
		for _, s := range f.Scenarios {
			if h, err := st.History(ctx, s.ID, run.ID, 20); err == nil && len(h) > 0 {
				hist[s.ID] = h
			}
		}
	}
	err = report.WriteAll(dir, run, report.Config{AttachmentDir: st.Artifacts(), History: hist, Hazards: report.HazardTitles(cfg.Paths)})
	if err != nil {
		fmt.Fprintf(stderr, "eprharness report: %v\n", err)
		return exitcode.Harness
	}
	fmt.Fprintf(stdout, "reports of run %s in %s\n", id, dir)
	for _, f := range report.Files {
		fmt.Fprintf(stdout, "  %s\n", filepath.Join(dir, f))
	}
	return exitcode.Pass
}
