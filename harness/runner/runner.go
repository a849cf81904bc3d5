// Package runner executes a harness run: it selects the scenarios, starts
// the browser and the backend, runs the scenarios through Godog with one
// fresh browser context per scenario (and one more per further person who
// signs in: a step that starts with a role acts in that role's window, see
// scenario.State.ActFor), captures evidence of every failure, writes the
// reports and decides the exit code.
//
// A Runner is configured once (New with functional options) and runs once.
// It owns everything it starts (browser, backends) and releases it before
// Run returns, also when ctx is cancelled by SIGINT or SIGTERM: then the
// scenario in flight is abandoned and recorded as results.Interrupted
// (blamed on no one), the rest never start (the run's Planned list shows
// them as not run), the finished ones are reported and the outcome is
// exitcode.Interrupted.
//
// It starts one backend per worker, and never more workers than scenarios.
// Faults are blamed on what happened: when a scenario fails because the
// browser crashed (or a page's renderer did), it is a harness failure and
// a new browser is launched for the scenarios after it (retries included);
// when it fails and the worker's backend is found dead (backend.Prober),
// it is a backend failure naming the container and its exit code, the
// container's log is kept as evidence, and a new backend replaces the dead
// one (if that cannot start, the worker's later scenarios fail at once as
// backend failures). The browser and the backends are swapped under locks;
// nothing is relaunched once the run is interrupted.
//
// It records where the time goes (phases.go): each scenario's
// results.Scenario.Phases (last attempt) and the run's results.Run.Phases
// (browser, backends, first-step from WithStartedAt); --profile prints
// them after the summary (harness/report/profile).
//
// Scheduling (planned.go): with several workers the scenarios start
// longest first by the durations in the results store; with --shard I/N
// the run keeps its share of the selection (harness/schedule), reads the
// store but records nothing in it (`eprharness merge` records the shards
// as one run), writes ShardPlanFile beside results.json, and a share with
// no scenarios is a passing run of nothing that starts no browser or
// backend.
package runner

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cucumber/godog"
	"github.com/mxschmitt/playwright-go"

	"github.com/eprharness/eprharness/harness/backend"
	"github.com/eprharness/eprharness/harness/browser"
	"github.com/eprharness/eprharness/harness/config"
	"github.com/eprharness/eprharness/harness/egress"
	"github.com/eprharness/eprharness/harness/exitcode"
	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/featureset"
	"github.com/eprharness/eprharness/harness/fixtures"
	"github.com/eprharness/eprharness/harness/guard"
	"github.com/eprharness/eprharness/harness/messaging"
	"github.com/eprharness/eprharness/harness/redact"
	"github.com/eprharness/eprharness/harness/report"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/scenario"
	"github.com/eprharness/eprharness/harness/store"
	"github.com/eprharness/eprharness/harness/target"
)

// BackendFactory starts a backend for a run. The runner calls it once per
// worker (see config.Config.Workers), concurrently, and gives each worker's
// scenarios their own backend, so workers never share EPR data. It returns
// the partial backend on error so the runner can terminate it.
type BackendFactory func(ctx context.Context, runID string) (backend.Backend, error)

type options struct {
	backend  BackendFactory
	register func(*godog.ScenarioContext)
	target   target.EPR
	stdout   io.Writer
	stderr   io.Writer
	now      func() time.Time
	runID    string
	store    store.Store
	version  string
	loader   LoaderFactory
	// startedAt is when the command started (WithStartedAt).
	startedAt time.Time
}

// LoaderFactory builds the fixture loader for an EPR at baseURL, calling
// it with client (which carries the correlation header, when configured).
type LoaderFactory func(baseURL string, client *http.Client) fixtures.Loader

// WithLoader sets how fixture patients reach the EPR (fixture-loader).
// Default: a FHIR R4 transaction to the EPR's /fhir, without credentials.
func WithLoader(f LoaderFactory) Option { return func(o *options) { o.loader = f } }

// Option configures a Runner.
type Option func(*options)

// WithBackend sets how the backend is started. Required.
func WithBackend(f BackendFactory) Option { return func(o *options) { o.backend = f } }

// WithSteps sets the function that registers the step definitions. Required.
func WithSteps(register func(*godog.ScenarioContext)) Option {
	return func(o *options) { o.register = register }
}

// WithTarget sets the adapter that drives the EPR's screens. Required.
func WithTarget(t target.EPR) Option { return func(o *options) { o.target = t } }

// WithOutput sets where progress (stdout) and diagnostics (stderr) go;
// default os.Stdout and os.Stderr.
func WithOutput(stdout, stderr io.Writer) Option {
	return func(o *options) { o.stdout, o.stderr = stdout, stderr }
}

// WithClock sets the clock used for timings; default time.Now.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithRunID fixes the run id; default a fresh time-based id.
func WithRunID(id string) Option { return func(o *options) { o.runID = id } }

// WithStore records the run in st as it goes: the run when it starts, each
// scenario as it finishes (so a killed run keeps what had finished), the
// end when it ends. The caller opens and closes st. Default: no store.
func WithStore(st store.Store) Option { return func(o *options) { o.store = st } }

// WithVersion sets the harness version recorded in the run's Machine.
func WithVersion(v string) Option { return func(o *options) { o.version = v } }

// Runner runs one harness run.
type Runner struct {
	cfg  config.Config
	opts options

	// set during Run
	col *collector
	lib *fixtures.Library
	// ctx is Run's ctx: what starts a new browser or backend mid-run
	// stops when it is cancelled.
	ctx context.Context
	// browserMu guards browser, which is replaced when it crashes.
	browserMu sync.Mutex
	browser   *browser.Browser
	// backendsMu guards backends, which change when a dead one is
	// replaced.
	backendsMu sync.Mutex
	backends   []backend.Backend    // one per worker, all owned by the runner
	pool       chan backend.Backend // the backends no scenario is using
	workers    int                  // how many scenarios run at once
	// interruptedBy says why the run stopped ("interrupted by SIGINT"),
	// once interrupted is set.
	interruptedBy atomic.Value
	// secrets are the values kept out of the evidence (see secrets);
	// redactor redacts them.
	secrets     []string
	redactor    *redact.Redactor
	signIns     *browser.SignIns // saved sign-ins, shared by all workers
	http        *http.Client
	interrupted atomic.Bool
	storeErrors atomic.Int64
	// clock is the fixed clinical time (config Clock) the browser's clock
	// starts at, together with the EPR's; zero means real time.
	clock time.Time
	// a11y is the run's accessibility checking (accessibility.go).
	a11y *accessibility
	// hub is the run's message listeners (messaging.go); nil until start.
	hub *messaging.Hub
}

// Outcome is how a run ended.
type Outcome struct {
	// Run holds the results; nil when the run never started (bad input).
	Run  *results.Run
	Code exitcode.Code
	// Err explains a Code other than Pass and Failures.
	Err error
}

// New configures a run. cfg must have been validated (config.Load does).
func New(cfg config.Config, opts ...Option) *Runner {
	o := options{stdout: os.Stdout, stderr: os.Stderr, now: time.Now,
		loader: func(base string, c *http.Client) fixtures.Loader {
			return fixtures.FHIR(c, base+"/fhir", fixtures.Auth{})
		}}
	for _, opt := range opts {
		opt(&o)
	}
	if o.runID == "" {
		o.runID = NewRunID(o.now())
	}
	return &Runner{cfg: cfg, opts: o, http: &http.Client{Timeout: 30 * time.Second}}
}

// NewRunID returns a sortable, unique run id such as 20261129-013045-3f2a.
func NewRunID(t time.Time) string {
	b := make([]byte, 2)
	_, _ = rand.Read(b)
	return t.UTC().Format("20060102-150405") + "-" + hex.EncodeToString(b)
}

// Run executes the run. ctx cancellation interrupts it (see the package doc).
func (r *Runner) Run(ctx context.Context) Outcome {
	o := r.opts
	if o.startedAt.IsZero() {
		o.startedAt = o.now() // without WithStartedAt, first-step counts from here
	}
	if o.backend == nil || o.register == nil || o.target == nil {
		return Outcome{Code: exitcode.Harness, Err: errors.New("runner: backend, steps and target are required")}
	}
	r.ctx = ctx
	sel, err := featureset.Select(r.cfg.Paths, r.cfg.Tags)
	if err != nil {
		return Outcome{Code: exitcode.Usage, Err: err}
	}
	if sel.Scenarios == 0 {
		return Outcome{Code: exitcode.Usage, Err: noScenarios(r.cfg.Paths, r.cfg.Tags)}
	}
	plan, err := planned(sel)
	if err != nil {
		return Outcome{Code: exitcode.Harness, Err: err}
	}
	if r.lib, err = fixtures.Open(r.cfg.FixturesDir(), r.cfg.NHSTestRanges...); err != nil {
		return Outcome{Code: exitcode.Usage, Err: err}
	}
	r.secrets = secrets(r.lib)
	r.redactor = redact.New(r.secrets...)
	if n := len(r.redactor.Skipped()); n > 0 {
		fmt.Fprintf(o.stderr, "eprharness: warning: %d secret value(s) shorter than %d characters cannot be redacted and stay in the evidence\n", n, redact.MinLength)
	}
	if err := fixtures.CheckFeatures(sel.Paths, r.cfg.NHSTestRanges...); err != nil {
		return Outcome{Code: exitcode.Usage, Err: err}
	}
	if err := checkPatientTags(sel, r.lib); err != nil {
		return Outcome{Code: exitcode.Usage, Err: err}
	}
	if r.a11y, err = r.loadAccessibility(o.now()); err != nil {
		if failure.Classify(err) == results.KindHarness {
			return Outcome{Code: exitcode.Harness, Err: err}
		}
		return Outcome{Code: exitcode.Usage, Err: err}
	}
	r.a11y.redact = r.redactor.String
	hazards, err := hazardLog(r.cfg.HazardLog, r.cfg.Paths)
	if err != nil {
		return Outcome{Code: exitcode.Usage, Err: err}
	}
	if err := os.MkdirAll(r.cfg.Out, 0o755); err != nil {
		return Outcome{Code: exitcode.Harness, Err: fmt.Errorf("create output folder: %w", err)}
	}
	cleanPrevious(r.cfg.Out)
	// Scheduling (planned.go): the run's share of the selection
	// (--shard), handed to Godog longest first.
	known := r.durations(ctx)
	selected := len(plan)
	if sel, plan, err = r.shard(sel, plan, known); err != nil {
		return Outcome{Code: exitcode.Harness, Err: err}
	}

	run := &results.Run{
		ID: o.runID, StartedAt: o.now(), Tags: r.cfg.Tags,
		Commit:  commitOf(ctx, r.cfg.Paths),
		Machine: machine(o.version),
		Retries: r.cfg.Retries, FailOnFlaky: r.cfg.FailOnFlaky,
		Target:    results.Target{Backend: r.cfg.Backend},
		Planned:   plan,
		RanBy:     ranBy(),
		HazardLog: hazards,
	}
	if r.sharded() {
		run.Shard = r.shardName()
		if sel == nil {
			return r.emptyShard(ctx, run, selected)
		}
	}
	r.workers = workerCount(r.cfg.Workers, sel.Scenarios)
	fmt.Fprintf(o.stderr, "eprharness: run %s: %d scenario(s) on %s, %d worker(s)\n", run.ID, sel.Scenarios, r.plannedTarget(), r.workers)
	if w := coresWarning(r.workers, runtime.NumCPU()); w != "" {
		fmt.Fprintln(o.stderr, w)
	}
	if sel, err = r.order(sel, plan, known); err != nil {
		return Outcome{Code: exitcode.Harness, Err: err}
	}

	r.col = newCollector(run, o.now)
	r.col.repro = r.ReproCommand
	r.col.redact = r.redactor.String
	r.col.startedAt = o.startedAt
	if o.store != nil && !r.sharded() { // a shard only reads the store: merge records the shards as one run
		if err := o.store.Begin(ctx, run); err != nil {
			return Outcome{Code: exitcode.Harness, Err: fmt.Errorf("record run %s: %w", run.ID, err)}
		}
		r.col.finished = r.record
	}

	defer r.release()
	if err := r.start(ctx, run); err != nil {
		run.FinishedAt = o.now()
		var code exitcode.Code = exitcode.Harness
		if failure.Classify(err) == results.KindBackend {
			code = exitcode.Backend
		}
		if ctx.Err() != nil {
			code = exitcode.Interrupted
		}
		run.Interrupted = ctx.Err() != nil
		r.finishStore(run)
		return Outcome{Run: run, Code: code, Err: err}
	}

	stop := context.AfterFunc(ctx, func() {
		// Interrupted: abandon the scenario in flight by closing the
		// browser under it; the before hook leaves the rest unstarted.
		r.interruptedBy.Store(interruptText(context.Cause(ctx)))
		r.interrupted.Store(true)
		fmt.Fprintln(o.stderr, "\neprharness: interrupted; stopping the browser and cleaning up (press Ctrl-C again to force)")
		r.browserMu.Lock()
		br := r.browser
		r.browserMu.Unlock()
		_ = br.Close()
	})
	status := r.runSuite(ctx, sel, run.ID)
	// The scenarios that failed because this machine's network changed
	// under them (net::ERR_NETWORK_CHANGED) are run once more, whatever
	// the retries: nothing was learnt of the EPR.
	if ids := r.col.networkRetryable(); len(ids) > 0 && status != 2 && !r.stopped(ctx) {
		status, _ = r.rerun(ctx, ids, run.ID+"-network",
			fmt.Sprintf("running %d scenario(s) again: this machine's network changed under them (net::ERR_NETWORK_CHANGED)", len(ids)))
	}
	// Retries: each round reruns the scenarios that failed, each in a
	// fresh browser context on a reset backend (see collector.finish).
	for attempt := 2; attempt <= r.cfg.Retries+1 && status != 2 && !r.stopped(ctx); attempt++ {
		ids := r.col.retryable()
		if len(ids) == 0 {
			break
		}
		var ok bool
		status, ok = r.rerun(ctx, ids, fmt.Sprintf("%s-attempt-%d", run.ID, attempt),
			fmt.Sprintf("retrying %d failed scenario(s), attempt %d of %d", len(ids), attempt, r.cfg.Retries+1))
		if !ok {
			break
		}
	}
	stop()
	run.FinishedAt = o.now()
	run.Sort()
	run.Interrupted = r.interrupted.Load()
	run.Accessibility = r.a11y.summary(run)

	out := Outcome{Run: run, Code: exitcode.ForRun(run)}
	if status == 2 {
		out.Code, out.Err = exitcode.Harness, errors.New("godog refused the run's options")
	}
	r.finishStore(run)
	if err := r.writeReports(ctx, run); err != nil {
		if run.Interrupted {
			// The user stopped the run: that stays its outcome.
			fmt.Fprintf(o.stderr, "eprharness: %v\n", err)
		} else {
			out.Code, out.Err = exitcode.Harness, err
		}
	}
	r.summary(run)
	if r.cfg.Profile {
		r.profile(run)
	}
	if n := r.storeErrors.Load(); n > 0 && out.Code == exitcode.Pass {
		out.Code, out.Err = exitcode.Harness, fmt.Errorf("%d scenario(s) could not be recorded in the results store (they are in %s)", n, filepath.Join(r.cfg.Out, "results.json"))
	}
	return out
}

// record stores one settled scenario (collector.finished). A failure to
// record is reported and counted, never lost: the files in Out hold every
// scenario.
func (r *Runner) record(f *results.Feature, sc *results.Scenario) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := r.opts.store.Record(ctx, r.col.run.ID, f, sc, r.cfg.Out)
	var missing *store.MissingAttachmentsError
	switch {
	case err == nil:
	case errors.As(err, &missing):
		fmt.Fprintf(r.opts.stderr, "eprharness: %s: %v\n", sc.ID, err)
	default:
		r.storeErrors.Add(1)
		fmt.Fprintf(r.opts.stderr, "eprharness: record %s in the results store: %v\n", sc.ID, err)
	}
}

// finishStore records the run's end (a no-op without a store).
func (r *Runner) finishStore(run *results.Run) {
	if r.opts.store == nil || r.sharded() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.opts.store.Finish(ctx, run); err != nil {
		r.storeErrors.Add(1)
		fmt.Fprintf(r.opts.stderr, "eprharness: record the end of run %s in the results store: %v\n", run.ID, err)
	}
}

func (r *Runner) start(ctx context.Context, run *results.Run) error {
	o := r.opts
	clock, err := config.ParseClock(r.cfg.Clock)
	if err != nil {
		return failure.Harness(err)
	}
	r.clock = clock
	launched := o.now()
	br, err := browser.Launch(ctx,
		browser.WithExecutablePath(r.cfg.BrowserPath),
		browser.WithHeaded(r.cfg.Headed),
		browser.WithTimeout(r.cfg.Timeout),
		browser.WithLog(o.stderr),
		browser.WithConnect(r.cfg.BrowserWS),
		browser.WithExposeNetwork(r.cfg.BrowserExposeNetwork),
	)
	r.browserMu.Lock()
	r.browser = br
	r.browserMu.Unlock()
	if err != nil {
		return failure.Harness(err)
	}
	run.Browser = br.Version()
	r.col.runPhase(results.PhaseBrowser, launched)
	fmt.Fprintf(o.stderr, "eprharness: %s (%s, %s)\n", run.Browser, br.Source, br.Path)

	// Sign-in folders (live session cookies) of killed runs go before
	// this run saves its own.
	if _, err := browser.SweepSignIns(""); err != nil {
		fmt.Fprintf(o.stderr, "eprharness: warning: %v\n", err)
	}
	if r.signIns, err = browser.NewSignIns(); err != nil {
		return failure.Harness(err)
	}

	// The message listeners start before the backends, which are told
	// where to send their outbound feeds.
	if err := r.startMessaging(ctx); err != nil {
		return err
	}
	// The workers' backends start side by side: on docker each is its own
	// set of containers.
	workers := max(r.workers, 1)
	r.pool = make(chan backend.Backend, workers)
	started := make([]backend.Backend, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	backendsFrom := o.now()
	for i := range workers {
		wg.Go(func() { started[i], errs[i] = r.newBackend(ctx, run.ID) })
	}
	wg.Wait()
	r.col.runPhase(results.PhaseBackends, backendsFrom)
	for i, be := range started {
		if be != nil && !isNil(be) {
			r.backends = append(r.backends, be)
		}
		if err := errs[i]; err != nil {
			if workers > 1 {
				err = fmt.Errorf("worker %d: %w", i+1, err)
			}
			return failure.Backend(fmt.Errorf("start backend: %w", err))
		}
	}
	r.backendsMu.Lock()
	defer r.backendsMu.Unlock()
	for _, be := range r.backends {
		r.pool <- be
		fmt.Fprintf(o.stderr, "eprharness: EPR at %s\n", be.BaseURL())
	}
	run.Target = r.backends[0].Describe()
	run.Target.Adapter = o.target.Name()
	if r.cfg.Adapter == config.AdapterDeclarative {
		run.Target.ScreenMap = r.cfg.ScreenMap
	}
	about(ctx, r.http, &run.Target)
	fmt.Fprintf(o.stderr, "eprharness: target: %s\n", run.Target.Describe())
	return nil
}

// release terminates the backend and closes the browser, whatever state
// they are in, with a deadline of its own so cleanup also runs after ctx was
// cancelled.
func (r *Runner) release() {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r.backendsMu.Lock()
	defer r.backendsMu.Unlock()
	errs := make([]error, len(r.backends))
	var wg sync.WaitGroup
	for i, be := range r.backends {
		if r.cfg.KeepBackends && !r.interrupted.Load() {
			if k, ok := be.(backend.Keeper); ok {
				kept := k.Keep()
				fmt.Fprint(r.opts.stderr, "\neprharness: ", kept.String())
				if kept.Kept {
					continue // left running for the developer; kept says how to remove it
				}
			}
		}
		wg.Go(func() { errs[i] = be.Terminate(ctx) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			fmt.Fprintf(r.opts.stderr, "eprharness: %v\n", err)
		}
	}
	r.closeMessaging()
	if r.signIns != nil {
		if err := r.signIns.Close(); err != nil {
			fmt.Fprintf(r.opts.stderr, "eprharness: %v\n", err)
		}
	}
	r.browserMu.Lock()
	br := r.browser
	r.browserMu.Unlock()
	if br != nil {
		if err := br.Close(); err != nil && !br.Crashed() {
			fmt.Fprintf(r.opts.stderr, "eprharness: %v\n", err)
		}
	}
}

// runSuite runs the selected scenarios through Godog as one suite named
// name (unique per attempt round), recording into r.col.
func (r *Runner) runSuite(ctx context.Context, sel *featureset.Selection, name string) int {
	collectors.Store(name, r.col)
	defer collectors.Delete(name)
	r.col.alias(sel)

	suite := godog.TestSuite{
		Name:                name,
		ScenarioInitializer: r.initScenario,
		Options: &godog.Options{
			Format:         "progress," + formatterName,
			Paths:          sel.Paths,
			FS:             sel.FS,
			Strict:         true,
			Concurrency:    max(r.workers, 1),
			Output:         r.opts.stdout,
			NoColors:       r.cfg.NoColor || !isTerminal(r.opts.stdout),
			DefaultContext: ctx,
		},
	}
	return suite.Run()
}

func (r *Runner) initScenario(sc *godog.ScenarioContext) {
	sc.Before(r.beforeScenario)
	sc.StepContext().Before(func(ctx context.Context, st *godog.Step) (context.Context, error) {
		rec := recordFrom(ctx)
		r.col.stepStarted(rec)
		if rec != nil {
			rec.currentStep = rec.steps[st.Id]
		}
		// A step that starts with a persona ("the nurse records …") acts
		// in that person's window.
		if s, err := scenario.From(ctx); err == nil {
			return ctx, s.ActFor(st.Text)
		}
		return ctx, nil
	})
	sc.StepContext().After(func(ctx context.Context, st *godog.Step, status godog.StepResultStatus, err error) (context.Context, error) {
		rec := recordFrom(ctx)
		if gerr := r.guardPage(ctx, rec, status); gerr != nil && err == nil {
			// The step did what it should, but the page it left shows
			// what may be a real patient's NHS number: the scenario fails
			// here, and no screenshot of it is kept.
			r.col.stepDone(rec, st, godog.StepFailed, gerr)
			return ctx, gerr
		}
		if rec != nil && rec.shown != nil {
			// A page the step passed through (target.UI.PageShown)
			// showed real data or failed the run-wide accessibility
			// check: the step fails with it, unless it failed already.
			serr := rec.shown
			rec.shown = nil
			if status == godog.StepPassed && err == nil {
				r.col.stepDone(rec, st, godog.StepFailed, serr)
				return ctx, serr
			}
		}
		if rec != nil && status == godog.StepPassed && err == nil && !rec.realData {
			// The run-wide accessibility check (a11y: pages) of the
			// page the step left, when no scenario has checked it yet.
			if aerr := r.scanPage(ctx, rec); aerr != nil {
				r.col.stepDone(rec, st, godog.StepFailed, aerr)
				return ctx, aerr
			}
		}
		r.col.stepDone(rec, st, status, err)
		return ctx, nil
	})
	sc.After(r.afterScenario)
	r.opts.register(sc)
}

func (r *Runner) beforeScenario(ctx context.Context, p *godog.Scenario) (rctx context.Context, err error) {
	rec := r.col.start(p)
	rec.pickle = p
	ctx = withRecord(ctx, rec)
	// A panic here is the harness's own bug: it fails the scenario as a
	// harness fault, and the after-scenario hook still gives the backend
	// back to the pool (Godog does not run it after a panicking hook, and
	// the next scenario would wait for a backend for ever).
	defer func() {
		if v := recover(); v != nil {
			rctx, err = ctx, failure.Harness(fmt.Errorf("prepare scenario: panic: %v", v))
			if rec.backend != nil {
				r.pool <- rec.backend
				rec.backend = nil
			}
		}
	}()
	if r.interrupted.Load() || ctx.Err() != nil {
		rec.skipped, rec.notRun = true, true
		return ctx, godog.ErrSkip
	}
	// Godog runs at most Workers scenarios at once and there is a backend
	// per worker, so one is free; the select only guards against a bug.
	var be backend.Backend
	select {
	case be = <-r.pool:
	case <-ctx.Done():
		rec.skipped, rec.notRun = true, true
		return ctx, godog.ErrSkip
	}
	rec.backend = be
	if err := timed(rec.phases, results.PhaseReset, func() error { return be.Reset(ctx) }); err != nil {
		return ctx, failure.Backend(err)
	}
	client := r.http
	var headers map[string]string
	if h := r.cfg.CorrelationHeader; h != "" {
		headers = map[string]string{h: rec.sc.ID}
		client = &http.Client{Timeout: r.http.Timeout, Transport: withHeader{base: http.DefaultTransport, name: h, value: rec.sc.ID}}
	}
	br, err := r.liveBrowser()
	if err != nil {
		return ctx, failure.Harness(err)
	}
	rec.browser = br
	contextDone := rec.phases.Start(results.PhaseContext)
	sess, err := br.NewSession(be.BaseURL(), p.Name, headers, r.sessionOptions(be)...)
	contextDone()
	if err != nil {
		return ctx, failure.Harness(err)
	}
	rec.session = sess
	watchCrash(rec, sess)
	r.a11y.watch(sess.Page)
	var another func() (target.UI, error)
	another = func() (target.UI, error) {
		defer rec.phases.Start(results.PhaseContext)()
		o, err := br.NewSession(be.BaseURL(), p.Name+" (another user)", headers, r.sessionOptions(be)...)
		if err != nil {
			return target.UI{}, failure.Harness(err)
		}
		watchCrash(rec, o)
		r.a11y.watch(o.Page)
		rec.others = append(rec.others, o)
		return target.UI{Page: o.Page, Expect: o.Expect, Another: another, Shown: r.shownHook(ctx, rec, o.Page)}, nil
	}
	s := &scenario.State{
		UI:       target.UI{Page: sess.Page, Expect: sess.Expect, Another: another, Shown: r.shownHook(ctx, rec, sess.Page)},
		EPR:      r.opts.target,
		BaseURL:  be.BaseURL(),
		Fixtures: r.lib,
		Loader:   scenario.TimedLoader(r.opts.loader(be.BaseURL(), client), rec.phases),
		HTTP:     client,
		SignIns:  r.signIns,
		Clock:    r.cfg.Clock,
		Phases:   rec.phases,

		FeatureFile: r.col.file(p.Uri),
	}
	r.openMessages(rec, s, be)
	if r.a11y != nil && r.a11y.engine != nil {
		s.Accessibility = func(ctx context.Context, req scenario.AccessibilityRequest) (*results.AccessibilityCheck, error) {
			opts, err := r.a11y.options(req, rec)
			if err != nil {
				return nil, err
			}
			return r.checkAccessibility(ctx, rec, s.UI.Page, opts)
		}
	}
	if r.cfg.EffectiveReset() == config.ResetUnique {
		// Fixture patients get identities of this attempt of this
		// scenario alone: a retry never meets the failed attempt's data
		// in the shared EPR.
		s.UniqueSeed = fmt.Sprintf("%s/%d/%s", r.col.run.ID, rec.attempt, rec.sc.ID)
	}
	// @patient:<fixture> tags load their patients before the first step
	// (checked before the run: see checkPatientTags).
	for _, t := range p.Tags {
		pt, ok, err := scenario.PatientForTag(r.lib, t.Name)
		if err != nil {
			return ctx, failure.Harness(err)
		}
		if !ok {
			continue
		}
		if _, err := s.LoadPatient(ctx, pt.Name()); err != nil {
			return ctx, fmt.Errorf("%s: %w", t.Name, err)
		}
	}
	return scenario.With(ctx, s), nil
}

func (r *Runner) afterScenario(ctx context.Context, p *godog.Scenario, err error) (context.Context, error) {
	rec := recordFrom(ctx)
	if rec == nil {
		return ctx, nil
	}
	teardownDone := rec.phases.Start(results.PhaseTeardown) // evidence, timed inside it, is counted apart
	r.closeMessages(ctx, rec)
	if err != nil && !errors.Is(err, godog.ErrSkip) && !rec.notRun {
		err = r.explain(ctx, rec, err)
	}
	if rec.session != nil {
		rec.sc.Blocked = blockedHosts(append([]*browser.Session{rec.session}, rec.others...))
		if s, serr := scenario.From(ctx); serr == nil && s.UniqueSeed != "" {
			for _, id := range s.Identities() {
				rec.sc.Identities = append(rec.sc.Identities, results.Identity{Fixture: id.Fixture, Name: id.Name, NHSNumber: id.NHSNumber})
			}
		}
		if err != nil && !errors.Is(err, godog.ErrSkip) {
			evidenceDone := rec.phases.Start(results.PhaseEvidence)
			dir := r.evidenceDir(p, rec)
			save := (*browser.Session).Capture
			if rec.realData || rec.pageCrashed.Load() { // a crashed page cannot be captured; its trace can
				save = (*browser.Session).CaptureWithoutPage
			}
			if !rec.browserCrashed { // a crashed browser has nothing left to capture
				r.capture(ctx, rec, dir, save)
			}
			r.backendLogs(ctx, rec, dir)
			evidenceDone()
		} else if err == nil && r.cfg.Trace == config.TraceAlways && !rec.realData {
			evidenceDone := rec.phases.Start(results.PhaseEvidence)
			r.capture(ctx, rec, r.evidenceDir(p, rec), traceOnly)
			evidenceDone()
		}
		if cerr := rec.session.Close(); cerr != nil && !r.interrupted.Load() && !rec.browserCrashed {
			fmt.Fprintf(r.opts.stderr, "eprharness: %s: %v\n", rec.sc.ID, cerr)
		}
	} else if rec.backendDead != nil {
		// The scenario failed before it had a window (the backend's
		// reset): its log is still the evidence.
		evidenceDone := rec.phases.Start(results.PhaseEvidence)
		r.backendLogs(ctx, rec, r.evidenceDir(p, rec))
		evidenceDone()
	}
	for _, o := range rec.others {
		if cerr := o.Close(); cerr != nil && !r.interrupted.Load() && !rec.browserCrashed {
			fmt.Fprintf(r.opts.stderr, "eprharness: %s: %v\n", rec.sc.ID, cerr)
		}
	}
	if rec.browserCrashed {
		r.replaceBrowser(rec.browser)
	}
	if rec.backend != nil {
		be := rec.backend
		if rec.backendDead != nil {
			be = r.replaceBackend(be, rec.backendDead)
		}
		r.pool <- be // the scenario's browser context is closed: the backend is free
		rec.backend = nil
	}
	teardownDone()
	r.col.finish(p.Uri, rec, err)
	return ctx, nil
}

// stopped reports whether the run was interrupted.
func (r *Runner) stopped(ctx context.Context) bool { return r.interrupted.Load() || ctx.Err() != nil }

// rerun says why, then runs the scenarios ids again as suite runID, and
// returns Godog's status (2: it refused the run's options). ok is false
// when the ids could not be selected, and nothing ran.
func (r *Runner) rerun(ctx context.Context, ids []string, runID, why string) (status int, ok bool) {
	sel, err := featureset.Select(ids, "")
	if err != nil {
		fmt.Fprintf(r.opts.stderr, "eprharness: cannot run again: %v\n", err)
		return 0, false
	}
	fmt.Fprintf(r.opts.stderr, "\neprharness: %s\n", why)
	return r.runSuite(ctx, sel, runID), true
}

// plannedTarget names the target before anything starts, as the
// configuration gives it.
func (r *Runner) plannedTarget() string {
	var where string
	switch r.cfg.Backend {
	case config.BackendURL:
		where = "the EPR at " + r.cfg.BaseURL
	case config.BackendCompose:
		where = fmt.Sprintf("%s (service %s, Compose)", strings.Join(r.cfg.ComposeFiles, ", "), r.cfg.ComposeService)
	case config.BackendDocker:
		where = r.cfg.EPRImage + " on docker"
	default:
		where = "the reference EPR in-process (embedded)"
	}
	adapter := r.opts.target.Name() + " adapter"
	if r.cfg.Adapter == config.AdapterDeclarative {
		adapter = "screen map " + r.cfg.ScreenMap
	}
	return where + " through the " + adapter
}

// foreign reports whether the run targets an EPR the harness did not
// build (url or compose): its pages are guarded for real NHS numbers and
// the browser's requests for hosts other than the target's and the
// allowed hosts. The reference EPR's backends serve only synthetic data
// from this machine.
func (r *Runner) foreign() bool {
	return r.cfg.Backend == config.BackendURL || r.cfg.Backend == config.BackendCompose
}

// sessionOptions are the browser options of every window of a scenario on
// backend be.
func (r *Runner) sessionOptions(be backend.Backend) []browser.SessionOption {
	opts := []browser.SessionOption{
		browser.WithClock(r.clock),
		browser.WithServiceWorkers(r.cfg.BlockServiceWorkers),
		browser.WithFirstLoadTimeout(r.cfg.FirstLoadTimeout),
		browser.WithTraceScreenshots(r.cfg.TraceScreenshots),
		browser.WithSecrets(r.secrets...),
	}
	if r.foreign() {
		opts = append(opts, browser.WithEgress(egress.Allower(be.BaseURL(), r.cfg.AllowedHosts)))
	}
	return opts
}

// guardPage checks, after a step of a scenario on a foreign EPR, that the
// acting window shows no NHS number outside the test ranges. A page that
// cannot be read (closed, navigating) is not a finding.
func (r *Runner) guardPage(ctx context.Context, rec *record, status godog.StepResultStatus) error {
	if !r.foreign() || rec == nil || rec.session == nil || status == godog.StepSkipped || status == godog.StepUndefined {
		return nil
	}
	page := rec.session.Page
	if s, err := scenario.From(ctx); err == nil && s.UI.Page != nil {
		page = s.UI.Page
	}
	return r.guard(rec, page)
}

// guard checks one page of the scenario of rec, on an EPR the harness did
// not start: a page showing what may be a real patient's NHS number marks
// the scenario (no screenshot, page or trace is kept; its accessibility
// evidence is scrubbed) and is the error.
func (r *Runner) guard(rec *record, page playwright.Page) error {
	if !r.foreign() || page == nil {
		return nil
	}
	err := guard.CheckPage(page, r.cfg.NHSTestRanges...)
	var real *guard.RealDataError
	if errors.As(err, &real) {
		rec.realData = true
		r.scrubAccessibility(rec)
		return err
	}
	return nil
}

// blockedHosts lists, once each, the hosts the scenario's windows were
// stopped from reaching.
func blockedHosts(sessions []*browser.Session) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range sessions {
		for _, h := range s.Blocked() {
			if !seen[h] {
				seen[h] = true
				out = append(out, h)
			}
		}
	}
	return out
}

// evidenceDir is where a scenario's evidence goes:
// out/<feature>/<scenario>-L<line>/, with an attempt-N/ folder per attempt
// when failing scenarios are retried, so no attempt overwrites another's.
func (r *Runner) evidenceDir(p *godog.Scenario, rec *record) string {
	dir := filepath.Join(r.cfg.Out, slug(strings.TrimSuffix(filepath.Base(r.col.file(p.Uri)), ".feature")), fmt.Sprintf("%s-L%d", slug(p.Name), rec.sc.Line))
	if r.cfg.Retries > 0 {
		dir = filepath.Join(dir, fmt.Sprintf("attempt-%d", rec.attempt))
	}
	return dir
}

// backendLogs adds what the scenario's backend logged while it ran (the
// EPR's and the database's logs, on the docker backend) to a failed
// scenario's evidence.
func (r *Runner) backendLogs(ctx context.Context, rec *record, dir string) {
	lw, ok := rec.backend.(backend.LogWriter)
	if !ok {
		return
	}
	files, err := lw.WriteLogs(context.WithoutCancel(ctx), dir, rec.sc.StartedAt)
	if err != nil && !r.interrupted.Load() {
		fmt.Fprintf(r.opts.stderr, "eprharness: %s: %v\n", rec.sc.ID, err)
	}
	for _, f := range files {
		if _, err := r.redactor.File(f); err != nil {
			fmt.Fprintf(r.opts.stderr, "eprharness: %s: %v\n", rec.sc.ID, err)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".log") + " log" // "backend-epr log"
		if a, err := results.FileAttachment(r.cfg.Out, name, "text/plain", f); err == nil {
			rec.sc.Attachments = append(rec.sc.Attachments, a)
		}
	}
}

// traceOnly saves a session's trace.zip and nothing else (--trace always,
// for scenarios that passed).
func traceOnly(s *browser.Session, root, dir string) ([]results.Attachment, error) {
	a, err := s.SaveTrace(root, dir)
	if err != nil {
		return nil, err
	}
	return []results.Attachment{a}, nil
}

// capture saves the evidence of a scenario in dir with save: everything
// from the window of the actor who was acting when it failed
// (screenshot.png, page.html, console.log, trace.zip) and, when the
// scenario used several windows, each other window's evidence in a
// subfolder named after who was signed in there
// (dir/window-2-nurse.okafor/).
func (r *Runner) capture(ctx context.Context, rec *record, dir string, save func(s *browser.Session, root, dir string) ([]results.Attachment, error)) {
	sessions := append([]*browser.Session{rec.session}, rec.others...)
	current := rec.session
	names := map[*browser.Session]string{}
	if s, err := scenario.From(ctx); err == nil {
		for _, w := range s.Windows() {
			for _, sess := range sessions {
				if w.UI.Page == nil || sess.Page != w.UI.Page {
					continue
				}
				if w.Current {
					current = sess
				}
				if w.User != nil {
					names[sess] = w.User.Username
				}
			}
		}
	}
	report := func(err error) {
		if err != nil && !r.interrupted.Load() {
			fmt.Fprintf(r.opts.stderr, "eprharness: %s: %v\n", rec.sc.ID, err)
		}
	}
	atts, err := save(current, r.cfg.Out, dir)
	rec.sc.Attachments = append(rec.sc.Attachments, atts...)
	report(err)
	for i, sess := range sessions {
		if sess == current {
			continue
		}
		sub := fmt.Sprintf("window-%d", i+1)
		if n := names[sess]; n != "" {
			sub += "-" + slug(n)
		}
		atts, err := save(sess, r.cfg.Out, filepath.Join(dir, sub))
		for j := range atts {
			atts[j].Name = sub + " " + atts[j].Name
		}
		rec.sc.Attachments = append(rec.sc.Attachments, atts...)
		report(err)
	}
}

// writeReports writes every report into Out (see package report), with
// each scenario's history from the store, when there is one, and the hazard
// titles from the suite's hazard log.
func (r *Runner) writeReports(ctx context.Context, run *results.Run) error {
	cfg := report.Config{AttachmentDir: r.cfg.Out, Hazards: report.HazardTitles(r.cfg.Paths), FeatureRoot: "."}
	if st := r.opts.store; st != nil {
		cfg.History, _ = store.RunHistory(ctx, st, run, historyLength) // a store that cannot answer gives no history; the reports are still written
	}
	return report.WriteAll(r.cfg.Out, run, cfg)
}

func (r *Runner) summary(run *results.Run) {
	w := r.opts.stderr
	c := run.Counts()
	fmt.Fprintf(w, "\neprharness: %d scenario(s): %d passed, %d failed, %d flaky, %d skipped, %d other in %s\n",
		c.Scenarios, c.Passed, c.Failed, c.Flaky, c.Skipped, c.Other, run.FinishedAt.Sub(run.StartedAt).Round(time.Millisecond))
	for _, f := range run.Features {
		for _, s := range f.Scenarios {
			if s.Status == results.Interrupted {
				fmt.Fprintf(w, "\n  INTERRUPTED %s  %s: %s\n", s.ID, s.Name, s.Error)
			}
		}
	}
	if n := len(run.NotRun()); n > 0 {
		fmt.Fprintf(w, "\neprharness: %d of the %d planned scenario(s) never ran\n", n, len(run.Planned))
	}
	for _, s := range run.Flaky() {
		fmt.Fprintf(w, "\n  FLAKY %s  %s: failed %d time(s), then passed\n", s.ID, s.Name, len(s.Attempts))
		if len(s.Attempts) > 0 {
			fmt.Fprintf(w, "    first error: %s\n", firstLine(s.Attempts[0].Error))
		}
	}
	for _, s := range run.Failures() {
		label := "FAILED"
		if s.Quarantined {
			label = "FAILED, QUARANTINED (does not gate)"
		}
		fmt.Fprintf(w, "\n  %s (%s) %s  %s\n", label, s.FailureKind, s.ID, s.Name)
		if n := len(s.Attempts); n > 0 {
			fmt.Fprintf(w, "    failed on all %d attempts\n", n+1)
		}
		if st := s.FailedStep(); st != nil {
			fmt.Fprintf(w, "    step:   %s%s (line %d)\n", st.Keyword, st.Text, st.Line)
		}
		if s.Error != "" {
			fmt.Fprintf(w, "    error:  %s\n", firstLine(s.Error))
		}
		for _, a := range s.Attachments {
			fmt.Fprintf(w, "    %-7s %s\n", a.Name+":", filepath.Join(r.cfg.Out, filepath.FromSlash(a.Path)))
		}
		if a, ok := s.Attachment("trace"); ok {
			fmt.Fprintf(w, "    replay: eprharness show-trace %s\n", filepath.Join(r.cfg.Out, filepath.FromSlash(a.Path)))
		}
		fmt.Fprintf(w, "    rerun:  %s\n", s.Repro)
	}
	printAccessibility(w, run)
	printSafety(w, run)
	fmt.Fprintf(w, "\neprharness: reports in %s (%s)\n", r.cfg.Out, strings.Join(report.Files, ", "))
	fmt.Fprintf(w, "eprharness: open %s in a browser\n", filepath.Join(r.cfg.Out, "report.html"))
	if r.sharded() {
		fmt.Fprintf(w, "eprharness: shard %s of the selection, not recorded in the results store: `eprharness merge` combines the shards' output folders into one run\n", run.Shard)
	} else if st := r.opts.store; st != nil {
		fmt.Fprintf(w, "eprharness: recorded as run %s; compare with: eprharness diff last-green %s\n", run.ID, run.ID)
		r.unstable(st, run)
	}
}

// historyLength is how many earlier runs of each scenario the reports show.
const historyLength = 20

// unstableWindow is how many recent runs of a scenario the flip detection
// looks at.
const unstableWindow = 10

// unstable lists the run's scenarios whose status flips across their
// recent runs (failed at least twice with a pass in between): worth a
// look even when they passed this time.
func (r *Runner) unstable(st store.Store, run *results.Run) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	list, err := st.Unstable(ctx, unstableWindow)
	if err != nil {
		fmt.Fprintf(r.opts.stderr, "eprharness: read unstable scenarios from the store: %v\n", err)
		return
	}
	var mine []store.Instability
	for _, u := range list {
		if _, _, ok := run.Scenario(u.ScenarioID); ok {
			mine = append(mine, u)
		}
	}
	if len(mine) == 0 {
		return
	}
	fmt.Fprintf(r.opts.stderr, "eprharness: %d scenario(s) flip between pass and fail across their last %d runs:\n", len(mine), unstableWindow)
	for _, u := range mine {
		fmt.Fprintf(r.opts.stderr, "  UNSTABLE %s  %s: failed %d of %d runs, %d flips\n", u.ScenarioID, u.Name, u.Failures, u.Runs, u.Flips)
	}
}

// ReproCommand is the one command line that reproduces a scenario locally:
// the same feature file and line, the same target (backend, images,
// defects), fixtures and clinical clock, headed, with the trace kept and
// the backends left running for inspection. When the run used real time
// the scenario's start time is given as the clock, so the repro shows the
// same dates.
func (r *Runner) ReproCommand(s *results.Scenario) string {
	args := []string{"eprharness", "run", s.ID}
	// A configuration file other than ./eprharness.yaml holds settings
	// (paths, fixtures) the flags below do not repeat.
	if f := r.cfg.File; f != "" && !(filepath.Base(f) == config.DefaultFile && sameDir(filepath.Dir(f))) {
		args = append(args, "--config", f)
	}
	args = append(args, "--backend", r.cfg.Backend)
	if r.cfg.Backend == config.BackendDocker { // the images always: a default may change
		args = append(args, "--epr-image", r.cfg.EPRImage, "--postgres-image", r.cfg.PostgresImage)
	}
	args = append(args, r.cfg.Flags(reproKeys(r.cfg.Backend)...)...)
	clock := r.cfg.Clock
	if clock == "" && !s.StartedAt.IsZero() {
		clock = s.StartedAt.UTC().Truncate(time.Second).Format(time.RFC3339)
	}
	if clock != "" {
		args = append(args, "--clock", clock)
	}
	if r.cfg.BrowserWS != "" { // the repro runs a local, headed browser
		args = append(args, "--browser-ws=", "--browser-expose-network=")
	}
	args = append(args, "--headed", "--trace", config.TraceAlways, "--keep-backends")
	return strings.Join(args, " ")
}

// reproKeys are the settings that name a target on each backend, for the
// repro line; only those that differ from the defaults are written.
func reproKeys(backend string) []string {
	keys := []string{"adapter", "screen-map"}
	switch backend {
	case config.BackendDocker:
		keys = append(keys, "epr-defects")
	case config.BackendEmbedded:
		keys = append(keys, "epr-defects")
	case config.BackendURL:
		keys = append(keys, "base-url", "allowed-hosts")
	case config.BackendCompose:
		keys = append(keys, "compose-file", "compose-service", "compose-port", "compose-wait", "database-service", "mllp-service")
	}
	return append(keys, "reset", "reset-url", "reset-method", "reset-body", "reset-sql", "database-url",
		"fixture-loader", "fixture-url", "fixture-auth", "fixture-command", "fixtures", "nhs-test-ranges")
}

// sameDir reports whether dir is the working directory.
func sameDir(dir string) bool {
	wd, err := os.Getwd()
	if err != nil {
		return false
	}
	abs, err := filepath.Abs(dir)
	return err == nil && abs == wd
}

// cleanPrevious removes what the previous run recorded in out (its reports
// and the evidence files its results.json lists), so that stale screenshots
// are never mistaken for this run's. Nothing else in out is touched.
func cleanPrevious(out string) {
	data, err := os.ReadFile(filepath.Join(out, "results.json"))
	if err != nil {
		return
	}
	var prev results.Run
	if json.Unmarshal(data, &prev) != nil {
		return
	}
	root, err := os.OpenRoot(out)
	if err != nil {
		return
	}
	defer root.Close()
	dirs := map[string]bool{}
	for _, f := range prev.Features {
		for _, s := range f.Scenarios {
			for _, a := range s.Attachments {
				p := filepath.FromSlash(a.Path)
				if root.Remove(p) == nil {
					dirs[filepath.Dir(p)] = true
				}
			}
		}
	}
	for d := range dirs {
		for ; d != "." && d != string(filepath.Separator); d = filepath.Dir(d) {
			if root.Remove(d) != nil { // only empty folders go
				break
			}
		}
	}
	for _, name := range report.Files {
		_ = root.Remove(name)
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// withHeader adds one header to every request (the correlation header).
type withHeader struct {
	base        http.RoundTripper
	name, value string
}

func (t withHeader) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set(t.name, t.value)
	return t.base.RoundTrip(req)
}

// isNil reports whether a backend interface holds a nil pointer (a factory
// that returned no partial value).
func isNil(be backend.Backend) bool {
	v := reflect.ValueOf(be)
	return v.Kind() == reflect.Pointer && v.IsNil()
}
