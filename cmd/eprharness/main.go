// Command eprharness runs Gherkin scenarios against an electronic patient
// record through a real browser, on an in-process or containerised backend.
//
//	eprharness run [PATH[:LINE]...] [--backend embedded|docker] [--tags EXPR] [--out DIR] [--headed] ...
//	eprharness install       fetch the Playwright driver and axe-core; make sure a Chromium is available
//	eprharness show-trace F  open a failure's trace.zip in Playwright's trace viewer
//	eprharness sweep         remove containers left behind by killed runs (--run ID, --kept)
//	eprharness steps         print the step catalogue (--format text|markdown|json)
//	eprharness check [PATH]  check scenarios against the catalogue, fixtures and tags
//	eprharness config        print the configuration reference
//	eprharness fixtures      generate synthetic patients; import Synthea output (fixtures.go)
//	eprharness report RUN    rebuild a stored run's reports (results.go)
//	eprharness diff B C      compare two runs: the release-candidate gate
//	eprharness evidence RUN  the clinical-safety verification appendix of a stored run (evidence.go)
//	eprharness a11y-statement RUN  the draft accessibility statement of a stored run (statement.go)
//	eprharness merge DIR...  combine the shards of a run (--shard I/N) into one run (merge.go)
//	eprharness serve         the team dashboard over the results store
//	eprharness version
//
// Exit codes: 0 pass, 1 scenario failures, 2 usage or bad input, 3 harness
// fault, 4 backend fault, 130 interrupted.
//
// This is the composition root: the only place that knows the reference EPR
// (sut/refepr) as code, to serve it in-process for the embedded backend.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/mxschmitt/playwright-go"
	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/eprharness/eprharness/harness/a11y"
	"github.com/eprharness/eprharness/harness/backend/docker"
	"github.com/eprharness/eprharness/harness/browser"
	"github.com/eprharness/eprharness/harness/config"
	"github.com/eprharness/eprharness/harness/exitcode"
	"github.com/eprharness/eprharness/harness/runner"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `usage: eprharness <command> [arguments]

commands:
  run [PATH[:LINE]...] [flags]   run scenarios (eprharness run -h lists the flags)
  install                        fetch the Playwright driver and axe-core (pinned, checksummed); make sure a Chromium is available
  show-trace FILE                open a trace.zip in Playwright's trace viewer
  sweep [--run ID] [--kept]      remove containers and networks left by killed runs
  steps [--format FORMAT]        print the step catalogue (text, markdown or json); --phrasebook FILES adds yours
  check [PATH...]                check scenarios without a browser or backend
  config                         print the configuration reference (Markdown)
  fixtures generate|import       generate synthetic patients; import Synthea bundles into an EPR
  report [--out DIR] RUN         rebuild a stored run's reports (RUN: id, latest or last-green)
  diff BASELINE CANDIDATE        compare two runs; exit 1 on regressions (the release-candidate gate)
  evidence [--out FILE] RUN      write the clinical-safety verification appendix of a stored run (HTML, prints to PDF)
  a11y-statement RUN             draft the accessibility statement of a stored run (WCAG 2.2 AA, GOV.UK sample; Markdown)
  merge [--out DIR] DIR...       combine the output folders of a run's shards (--shard I/N) into one run
  serve [--addr 127.0.0.1:8088]  the team dashboard over the results store
  version                        print the version

exit codes: 0 pass, 1 scenario failures, 2 usage or bad input, 3 harness fault,
4 backend fault, 130 interrupted
`

func main() {
	os.Exit(int(Main(os.Args[1:], os.Stdout, os.Stderr)))
}

// Main runs the command line and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) exitcode.Code {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitcode.Usage
	}
	switch args[0] {
	case "run":
		return runCmd(args[1:], stdout, stderr)
	case "install":
		return installCmd(stderr)
	case "show-trace":
		return showTraceCmd(args[1:], stderr)
	case "sweep":
		return sweepCmd(args[1:], stderr)
	case "steps":
		return stepsCmd(args[1:], stdout, stderr)
	case "check":
		return checkCmd(args[1:], stdout, stderr)
	case "fixtures":
		return fixturesCmd(args[1:], stdout, stderr)
	case "report":
		return reportCmd(args[1:], stdout, stderr)
	case "diff":
		return diffCmd(args[1:], stdout, stderr)
	case "evidence":
		return evidenceCmd(args[1:], stdout, stderr)
	case "a11y-statement":
		return a11yStatementCmd(args[1:], stdout, stderr)
	case "merge":
		return mergeCmd(args[1:], stdout, stderr)
	case "serve":
		return serveCmd(args[1:], stdout, stderr)
	case "config":
		config.Reference(stdout)
		return exitcode.Pass
	case "version":
		fmt.Fprintf(stdout, "eprharness %s\n", version)
		return exitcode.Pass
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitcode.Pass
	default:
		fmt.Fprintf(stderr, "eprharness: unknown command %q\n\n%s", args[0], usage)
		return exitcode.Usage
	}
}

// loadConfig reads the configuration for a command from args, the
// environment and the working directory. When it returns ok false the
// command is over (help shown, or a bad setting reported) with code.
func loadConfig(args []string, stderr io.Writer) (cfg config.Config, code exitcode.Code, ok bool) {
	wd, _ := os.Getwd()
	cfg, err := config.Load(config.Source{Args: args, Env: os.Environ(), Dir: wd, Usage: stderr})
	if errors.Is(err, config.ErrHelp) {
		return cfg, exitcode.Pass, false
	}
	if err != nil {
		fmt.Fprintf(stderr, "eprharness: %v\n", err)
		return cfg, exitcode.Usage, false
	}
	return cfg, exitcode.Pass, true
}

func runCmd(args []string, stdout, stderr io.Writer) exitcode.Code {
	started := time.Now() // the run's first-step phase counts from here
	cfg, code, ok := loadConfig(args, stderr)
	if !ok {
		return code
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintf(stderr, "eprharness: warning: %s\n", w)
	}

	// The first SIGINT/SIGTERM cancels ctx and the run cleans up; a second
	// one gets the default behaviour (the process dies, and the next run
	// sweeps what it left).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	context.AfterFunc(ctx, stop)

	tgt, err := chooseTarget(cfg, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "eprharness: %v\n", err)
		return exitcode.Usage
	}
	register, code := preflightSteps(cfg, stderr) // the step library and the phrasebook
	if code != exitcode.Pass {
		return code
	}
	opts := []runner.Option{
		runner.WithBackend(tgt.backend),
		runner.WithSteps(register),
		runner.WithTarget(tgt.adapter),
		runner.WithLoader(tgt.loader),
		runner.WithOutput(stdout, stderr),
		runner.WithVersion(version),
		runner.WithStartedAt(started),
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "eprharness: %v\n", err)
		return exitcode.Harness
	}
	if st != nil {
		defer st.Close()
		opts = append(opts, runner.WithStore(st))
	}
	out := runner.New(cfg, opts...).Run(ctx)
	if out.Err != nil {
		fmt.Fprintf(stderr, "eprharness: %v\n", out.Err)
	}
	if out.Code != exitcode.Pass {
		fmt.Fprintf(stderr, "eprharness: exit %d (%s)\n", out.Code, out.Code)
	}
	return out.Code
}

func installCmd(stderr io.Writer) exitcode.Code {
	pw, err := browser.StartDriver(stderr, true)
	if err != nil {
		fmt.Fprintf(stderr, "eprharness: %v\n", err)
		return exitcode.Harness
	}
	defer pw.Stop()
	fmt.Fprintln(stderr, "eprharness: Playwright driver ready")
	code := func() exitcode.Code {
		if path, source, err := browser.Find(os.Getenv("EPRHARNESS_BROWSER_PATH"), pw, true); err == nil {
			fmt.Fprintf(stderr, "eprharness: Chromium ready (%s): %s\n", source, path)
			return exitcode.Pass
		}
		fmt.Fprintln(stderr, "eprharness: no Chromium found; installing Playwright's Chromium")
		err := playwright.Install(&playwright.RunOptions{Browsers: []string{"chromium"}, Stdout: stderr, Stderr: stderr})
		if err != nil {
			fmt.Fprintf(stderr, "eprharness: Playwright's Chromium could not be installed: %v\n", err)
			if apt, lerr := exec.LookPath("apt-get"); lerr == nil && os.Geteuid() == 0 {
				// The headless shell runs headless scenarios for less CPU
				// (browser.HeadlessShells); older releases lack the package,
				// so chromium alone is the fallback.
				for _, pkgs := range [][]string{{"chromium", "chromium-headless-shell"}, {"chromium"}} {
					fmt.Fprintf(stderr, "eprharness: installing Debian's %s instead\n", strings.Join(pkgs, " and "))
					cmd := exec.Command(apt, append([]string{"install", "-y", "-q"}, pkgs...)...)
					cmd.Stdout, cmd.Stderr = stderr, stderr
					cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
					if err := cmd.Run(); err != nil {
						fmt.Fprintf(stderr, "eprharness: apt-get install %s: %v\n", strings.Join(pkgs, " "), err)
						continue
					}
					break
				}
			}
		}
		if path, source, err := browser.Find(os.Getenv("EPRHARNESS_BROWSER_PATH"), pw, true); err == nil {
			fmt.Fprintf(stderr, "eprharness: Chromium ready (%s): %s\n", source, path)
			return exitcode.Pass
		} else {
			fmt.Fprintf(stderr, "eprharness: %v\n", err)
		}
		return exitcode.Harness
	}()
	// axe-core, the accessibility engine: from the npm registry like the
	// driver, checked against its pinned checksums, cached.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	path, err := a11y.Install(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "eprharness: %v\n", err)
		return exitcode.Harness
	}
	fmt.Fprintf(stderr, "eprharness: axe-core %s ready: %s\n", a11y.Version, path)
	return code
}

func showTraceCmd(args []string, stderr io.Writer) exitcode.Code {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: eprharness show-trace out/<feature>/<scenario>/trace.zip")
		return exitcode.Usage
	}
	if _, err := os.Stat(args[0]); err != nil {
		fmt.Fprintf(stderr, "eprharness: %v\n", err)
		return exitcode.Usage
	}
	pw, err := browser.StartDriver(stderr, true) // makes sure the driver is installed
	if err != nil {
		fmt.Fprintf(stderr, "eprharness: %v\n", err)
		return exitcode.Harness
	}
	_ = pw.Stop()
	driver, err := playwright.NewDriver(&playwright.RunOptions{SkipInstallBrowsers: true})
	if err != nil {
		fmt.Fprintf(stderr, "eprharness: %v\n", err)
		return exitcode.Harness
	}
	cmd := driver.Command("show-trace", args[0])
	cmd.Stdout, cmd.Stderr = os.Stdout, stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(stderr, "eprharness: show-trace: %v\n", err)
		return exitcode.Harness
	}
	return exitcode.Pass
}

// sweepCmd removes what finished runs left: by default the containers and
// networks of killed runs, but not backends kept with --keep-backends, which
// it counts and says how to remove; --kept removes those too; --run ID
// removes everything of one run, kept or not, even while it runs.
func sweepCmd(args []string, stderr io.Writer) exitcode.Code {
	fs := flag.NewFlagSet("sweep", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "usage: eprharness sweep [--run ID | --kept]\n\n"+
			"Without flags, removes the containers and networks of runs whose process has gone,\n"+
			"except backends kept with --keep-backends.\n\n")
		fs.PrintDefaults()
	}
	runID := fs.String("run", "", "remove every container and network of run `ID`, kept or not")
	withKept := fs.Bool("kept", false, "also remove backends kept by finished runs (--keep-backends)")
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitcode.Pass
		}
		return exitcode.Usage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "eprharness: sweep: unexpected argument %q\n", fs.Arg(0))
		return exitcode.Usage
	}
	if *runID != "" && *withKept {
		fmt.Fprintln(stderr, "eprharness: sweep: give --run or --kept, not both")
		return exitcode.Usage
	}
	// Sign-in folders (saved session cookies) of killed runs go first:
	// that needs no Docker.
	if gone, err := browser.SweepSignIns(""); err != nil {
		fmt.Fprintf(stderr, "eprharness: %v\n", err)
	} else if len(gone) > 0 {
		fmt.Fprintf(stderr, "eprharness: removed %d sign-in folder(s) left by killed runs\n", len(gone))
	}
	// testcontainers' connection banner is noise here.
	tclog.SetDefault(log.New(io.Discard, "", 0))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var removed docker.Removed
	var err error
	if *runID != "" {
		removed, err = docker.RemoveRun(ctx, *runID)
	} else {
		removed, err = docker.Sweep(ctx, docker.WithKept(*withKept))
	}
	if err != nil {
		fmt.Fprintf(stderr, "eprharness: %v\n", err)
		return exitcode.Backend
	}
	fmt.Fprintf(stderr, "eprharness: removed %d container(s) and %d network(s)\n", len(removed.Containers), len(removed.Networks))
	if *runID != "" && removed.Count() == 0 {
		fmt.Fprintf(stderr, "eprharness: nothing of run %s was found\n", *runID)
	}
	if removed.KeptContainers > 0 {
		fmt.Fprintf(stderr, "eprharness: %d kept container(s) left running, of run(s) %s; remove them with `eprharness sweep --run ID` or all with `eprharness sweep --kept`\n",
			removed.KeptContainers, strings.Join(removed.KeptRuns, ", "))
	}
	return exitcode.Pass
}
