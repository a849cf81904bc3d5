package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/eprharness/eprharness/harness/config"
	"github.com/eprharness/eprharness/harness/dashboard"
	"github.com/eprharness/eprharness/harness/diff"
	"github.com/eprharness/eprharness/harness/exitcode"
	"github.com/eprharness/eprharness/harness/report"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/store"
)

// openStore opens the results store the configuration names, with any
// extra options; nil (and no error) when it is "off". The caller closes it.
func openStore(ctx context.Context, cfg config.Config, extra ...store.Option) (store.Store, error) {
	if cfg.Store == config.StoreOff {
		return nil, nil
	}
	var opts []store.Option
	if cfg.Artifacts != "" {
		opts = append(opts, store.WithArtifacts(cfg.Artifacts))
	}
	return store.Open(ctx, cfg.Store, append(opts, extra...)...)
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

// openRun opens the store (open) and reads the run arg names (an id or
// prefix, latest, latest~N, last-green). On failure it says why on
// stderr, prefixed with cmd, and returns the exit code: Usage for a bad
// store or run name, Harness for a run that cannot be read.
func (f storeFlags) openRun(ctx context.Context, cmd, arg string, stderr io.Writer) (store.Store, config.Config, *results.Run, exitcode.Code) {
	st, cfg, err := f.open(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "eprharness %s: %v\n", cmd, err)
		return nil, cfg, nil, exitcode.Usage
	}
	id, err := st.Resolve(ctx, arg)
	if err != nil {
		st.Close()
		fmt.Fprintf(stderr, "eprharness %s: run %q: %v\n", cmd, arg, err)
		return nil, cfg, nil, exitcode.Usage
	}
	run, err := st.Run(ctx, id)
	if err != nil {
		st.Close()
		fmt.Fprintf(stderr, "eprharness %s: %v\n", cmd, err)
		return nil, cfg, nil, exitcode.Harness
	}
	return st, cfg, run, exitcode.Pass
}

// open loads the configuration (file < environment < these flags) and
// opens its store, which must exist: the results commands only read, and
// a mistyped --store must never leave an empty store behind.
func (f storeFlags) open(ctx context.Context) (store.Store, config.Config, error) {
	wd, _ := os.Getwd()
	cfg, err := config.Load(config.Source{Env: os.Environ(), Dir: wd, Usage: io.Discard, NoPaths: true})
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
	st, err := openStore(ctx, cfg, store.WithMustExist())
	return st, cfg, err
}

// reportCmd rebuilds every report of a stored run:
//
//	eprharness report [--out DIR] [--store S] RUN
//
// It exits 0 when the reports were written, whatever the run's outcome:
// its job is the reports, which say the outcome. A run that did not test
// everything (unfinished: killed or still running; interrupted; scenarios
// interrupted or never run) is named so in every report, with the count
// of planned scenarios never run, and a line on standard error says so
// too.
func reportCmd(args []string, stdout, stderr io.Writer) exitcode.Code {
	fs := flag.NewFlagSet("eprharness report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "folder for the reports (default: out/report-RUNID)")
	sf := addStoreFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: eprharness report [--out DIR] [--store S] RUN\n\nRUN is a run id (or a unique prefix of one), latest or last-green.")
		fs.PrintDefaults()
	}
	if code, done := parseRunArgs(fs, args, "report", stderr); done {
		return code
	}
	ctx := context.Background()
	st, cfg, run, code := sf.openRun(ctx, "report", fs.Arg(0), stderr)
	if code != exitcode.Pass {
		return code
	}
	defer st.Close()
	id := run.ID
	dir := *out
	if dir == "" {
		dir = filepath.Join(cfg.Out, "report-"+id)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintf(stderr, "eprharness report: %v\n", err)
		return exitcode.Harness
	}
	hist, err := store.RunHistory(ctx, st, run, 20)
	if err != nil {
		fmt.Fprintf(stderr, "eprharness report: %v (the reports show the history read so far)\n", err)
	}
	err = report.WriteAll(dir, run, report.Config{AttachmentDir: st.Artifacts(), History: hist, Hazards: report.HazardTitles(cfg.Paths)})
	if err != nil {
		fmt.Fprintf(stderr, "eprharness report: %v\n", err)
		return exitcode.Harness
	}
	if why := run.IncompleteReason(); why != "" {
		fmt.Fprintf(stderr, "eprharness report: %s; the reports say so\n", why)
	}
	fmt.Fprintf(stdout, "reports of run %s in %s\n", id, dir)
	for _, f := range report.Files {
		fmt.Fprintf(stdout, "  %s\n", filepath.Join(dir, f))
	}
	return exitcode.Pass
}

// diffCmd compares two runs and exits 1 when the candidate has
// regressions:
//
//	eprharness diff [--format text|markdown|html|json] [--out FILE] BASELINE CANDIDATE
func diffCmd(args []string, stdout, stderr io.Writer) exitcode.Code {
	fs := flag.NewFlagSet("eprharness diff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "text", "output format: "+strings.Join(diff.Formats, ", "))
	out := fs.String("out", "", "write the comparison to this file instead of standard output")
	slowRatio := fs.Float64("slow-ratio", 1.5, "a scenario is slower when it takes at least this many times as long…")
	slowMin := fs.Duration("slow-min", 2*time.Second, "…and at least this much longer")
	sf := addStoreFlags(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, `usage: eprharness diff [flags] BASELINE CANDIDATE

BASELINE and CANDIDATE are each a run in the results store (an id or a unique
prefix of one, latest, latest~N for the Nth run before the latest, or
last-green) or a results.json file from another machine. The exit code is 1
when the candidate has regressions or did not test everything (interrupted,
unfinished: killed or still running, or planned scenarios that never ran),
0 otherwise, and 2 for bad arguments or a store that does not exist.

`)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitcode.Pass
		}
		return exitcode.Usage
	}
	if fs.NArg() != 2 {
		fmt.Fprintf(stderr, "eprharness diff: want two runs (BASELINE CANDIDATE), got %d arguments\n", fs.NArg())
		fs.Usage()
		return exitcode.Usage
	}
	if !slices.Contains(diff.Formats, *format) {
		fmt.Fprintf(stderr, "eprharness diff: --format: want one of %s, got %q\n", strings.Join(diff.Formats, ", "), *format)
		return exitcode.Usage
	}
	if *slowRatio < 1 || *slowMin < 0 {
		fmt.Fprintln(stderr, "eprharness diff: --slow-ratio must be at least 1 and --slow-min not negative")
		return exitcode.Usage
	}
	linkFrom := "."
	if *out != "" {
		linkFrom = filepath.Dir(*out)
	}
	ctx := context.Background()
	var st store.Store
	load := func(ref string) (*results.Run, diff.SideConfig, error) {
		if isResultsFile(ref) {
			run, err := readResultsFile(ref)
			dir := filepath.Dir(ref)
			return run, diff.SideConfig{AttachmentDir: dir, AttachmentBase: relLink(linkFrom, dir)}, err
		}
		if st == nil {
			var err error
			if st, _, err = sf.open(ctx); err != nil {
				return nil, diff.SideConfig{}, err
			}
		}
		id, err := st.Resolve(ctx, ref)
		if err != nil {
			return nil, diff.SideConfig{}, fmt.Errorf("run %q: %w", ref, err)
		}
		run, err := st.Run(ctx, id)
		return run, diff.SideConfig{AttachmentDir: st.Artifacts(), AttachmentBase: relLink(linkFrom, st.Artifacts())}, err
	}
	base, baseCfg, err := load(fs.Arg(0))
	if err == nil {
		var cand *results.Run
		var candCfg diff.SideConfig
		cand, candCfg, err = load(fs.Arg(1))
		if err == nil {
			defer closeStore(st)
			d := diff.Compare(base, cand, diff.WithSlowRatio(*slowRatio), diff.WithSlowMin(*slowMin))
			if err := writeTo(*out, stdout, func(w io.Writer) error {
				return diff.Write(w, d, *format, diff.Config{Base: baseCfg, Candidate: candCfg})
			}); err != nil {
				fmt.Fprintf(stderr, "eprharness diff: %v\n", err)
				return exitcode.Harness
			}
			if *out != "" {
				fmt.Fprintf(stderr, "eprharness diff: %s; written to %s\n", d.Summary(), *out)
			}
			return d.ExitCode()
		}
	}
	closeStore(st)
	fmt.Fprintf(stderr, "eprharness diff: %v\n", err)
	return exitcode.Usage
}

// serveCmd runs the team dashboard over the results store:
//
//	eprharness serve [--addr 127.0.0.1:8088] [--store S]
func serveCmd(args []string, stdout, stderr io.Writer) exitcode.Code {
	fs := flag.NewFlagSet("eprharness serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", dashboard.DefaultAddr, "address to listen on; the default is this machine only (the dashboard has no sign-in)")
	sf := addStoreFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitcode.Pass
		}
		return exitcode.Usage
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "eprharness serve: unexpected argument %q\n", fs.Arg(0))
		return exitcode.Usage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	st, cfg, err := sf.open(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "eprharness serve: %v\n", err)
		return exitcode.Usage
	}
	defer st.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "eprharness serve: %v\n", err)
		return exitcode.Usage
	}
	fmt.Fprintf(stdout, "eprharness: dashboard of %s at http://%s/ (Ctrl-C stops it)\n", redact(cfg.Store), ln.Addr())
	h := dashboard.New(st, dashboard.WithHazards(report.HazardTitles(cfg.Paths)))
	if err := dashboard.ServeListener(ctx, ln, h); err != nil {
		fmt.Fprintf(stderr, "eprharness serve: %v\n", err)
		return exitcode.Harness
	}
	return exitcode.Pass
}

// isResultsFile reports whether a diff side names a results file rather
// than a stored run.
func isResultsFile(ref string) bool {
	if !strings.HasSuffix(ref, ".json") {
		return false
	}
	info, err := os.Stat(ref)
	return err == nil && !info.IsDir()
}

// readResultsFile reads a run's results.json.
func readResultsFile(path string) (*results.Run, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var run results.Run
	if err := json.Unmarshal(data, &run); err != nil {
		return nil, fmt.Errorf("%s: not a results.json file: %w", path, err)
	}
	if run.ID == "" {
		return nil, fmt.Errorf("%s: not a results.json file: no run id", path)
	}
	return &run, nil
}

// relLink is dir as seen from the folder from: relative when it can be.
func relLink(from, dir string) string {
	if rel, err := filepath.Rel(from, dir); err == nil {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(dir)
}

// writeTo writes with fn to the file path, or to stdout when path is "".
// parseRunArgs parses the flags of a command that takes one stored run
// (RUN): done is true when the command is to return code at once (0 when
// help was asked for, 2 for bad flags or arguments, said on stderr).
func parseRunArgs(fs *flag.FlagSet, args []string, name string, stderr io.Writer) (code exitcode.Code, done bool) {
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitcode.Pass, true
		}
		return exitcode.Usage, true
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(stderr, "eprharness %s: want one run (RUN), got %d arguments\n", name, fs.NArg())
		fs.Usage()
		return exitcode.Usage, true
	}
	return exitcode.Pass, false
}

// writeDocument writes a rendered document to out, a file or standard
// output ("-"), and returns where it went, in words; a file that cannot
// be written is exit 2 (said on stderr).
func writeDocument(name, out string, doc []byte, stdout, stderr io.Writer) (string, exitcode.Code) {
	target, file := out, out
	if out == "-" {
		target, file = "standard output", ""
	}
	if err := writeTo(file, stdout, func(w io.Writer) error {
		_, err := w.Write(doc)
		return err
	}); err != nil {
		fmt.Fprintf(stderr, "eprharness %s: --out: %v\n", name, err)
		return target, exitcode.Usage
	}
	return target, exitcode.Pass
}

func writeTo(path string, stdout io.Writer, fn func(io.Writer) error) error {
	if path == "" {
		return fn(stdout)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func closeStore(st store.Store) {
	if st != nil {
		st.Close()
	}
}

// redact hides the password of a store URL for printing.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
