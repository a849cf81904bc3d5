package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/mxschmitt/playwright-go"

	"github.com/eprharness/eprharness/harness/backend"
	"github.com/eprharness/eprharness/harness/browser"
	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/fixtures"
	"github.com/eprharness/eprharness/harness/results"
)

// crashNewsWait is how long the after hook waits for the driver to report
// the browser gone, when a step's error says the browser or its page
// closed: the error can arrive a moment before the disconnect event.
const crashNewsWait = 3 * time.Second

// explain works out why a scenario failed from what happened around it,
// and returns err marked accordingly (failure.Classify reads the marks):
//
//   - the run was interrupted: the scenario is recorded Interrupted,
//     blamed on no one;
//   - the browser crashed under it: a harness failure, "the browser
//     crashed during <id>: …", and the browser is replaced afterwards;
//   - a page's renderer crashed: a harness failure, "the page's renderer
//     process crashed during <id>: …";
//   - the worker's backend is dead (backend.Prober): a backend failure,
//     "the EPR container exited (code 137) during <id>: …", and the
//     backend is replaced afterwards;
//   - Chromium aborted a request of the scenario because this machine's
//     network changed (net::ERR_NETWORK_CHANGED, seen in the step's error
//     or in a failed request of its pages): a harness failure, and the
//     scenario is run once more at the end of the run (see envReruns).
//
// Otherwise err is returned as it is.
func (r *Runner) explain(ctx context.Context, rec *record, err error) error {
	if r.interrupted.Load() {
		rec.interrupted = r.interruptReason()
		return err
	}
	crash := failure.Crash(err)
	if br := rec.browser; br != nil && (br.Crashed() || (crash == failure.BrowserGone && br.WaitGone(crashNewsWait))) {
		rec.browserCrashed = true
		return failure.Harness(fmt.Errorf("the browser crashed during %s: %w", rec.sc.ID, err))
	}
	if r.interrupted.Load() { // the wait above may have seen the interrupt close the browser
		rec.interrupted = r.interruptReason()
		return err
	}
	if rec.pageCrashed.Load() || crash == failure.PageCrashed {
		return failure.Harness(fmt.Errorf("the page's renderer process crashed during %s: %w", rec.sc.ID, err))
	}
	if p, ok := rec.backend.(backend.Prober); ok {
		if dead := p.Alive(ctx); dead != nil {
			rec.backendDead = dead
			return failure.Backend(fmt.Errorf("%w during %s: %w", dead, rec.sc.ID, err))
		}
	}
	if rec.networkChanged.Load() || failure.NetworkChanged(err) {
		rec.networkChanged.Store(true)
		return failure.Harness(fmt.Errorf("this machine's network changed during %s, and Chromium aborted the EPR's requests "+
			"(net::ERR_NETWORK_CHANGED: a network interface came or went, as when Docker creates a network); "+
			"the scenario is run again: %w", rec.sc.ID, err))
	}
	return err
}

// interruptReason says why the run stopped, for interrupted scenarios.
func (r *Runner) interruptReason() string {
	if s, ok := r.interruptedBy.Load().(string); ok && s != "" {
		return s
	}
	return "interrupted"
}

// interruptText turns the cause of the run's ctx ending into the error of
// the scenario in flight: "interrupted by SIGINT". signal.NotifyContext's
// cause reads "interrupt signal received" or "terminated signal received".
func interruptText(cause error) string {
	if cause == nil || errors.Is(cause, context.Canceled) {
		return "interrupted"
	}
	msg := cause.Error()
	switch {
	case strings.HasPrefix(msg, "interrupt signal"):
		return "interrupted by SIGINT"
	case strings.HasPrefix(msg, "terminated signal"):
		return "interrupted by SIGTERM"
	case strings.HasPrefix(msg, "hangup signal"):
		return "interrupted by SIGHUP"
	}
	return "interrupted: " + msg
}

// watchCrash marks the scenario's record when the session's page crashes
// (its renderer process died) and when a request of the page is aborted
// because the machine's network changed.
func watchCrash(rec *record, s *browser.Session) {
	if s == nil || s.Page == nil {
		return
	}
	s.Page.OnCrash(func(playwright.Page) { rec.pageCrashed.Store(true) })
	// A request the browser aborted because the network changed leaves
	// the page on Chromium's error page; the step then fails on what it
	// does not find there, and this says why.
	s.Page.OnRequestFailed(func(req playwright.Request) {
		if failure.NetworkChanged(req.Failure()) {
			rec.networkChanged.Store(true)
		}
	})
}

// liveBrowser returns the run's browser, first replacing it when it has
// crashed between scenarios.
func (r *Runner) liveBrowser() (*browser.Browser, error) {
	r.browserMu.Lock()
	defer r.browserMu.Unlock()
	if r.browser.Crashed() && !r.interrupted.Load() {
		if err := r.relaunchLocked(); err != nil {
			return r.browser, err
		}
	}
	return r.browser, nil
}

// replaceBrowser launches a new browser in place of crashed, unless
// another scenario already did or the run was interrupted (the interrupt
// closes the browser on purpose).
func (r *Runner) replaceBrowser(crashed *browser.Browser) {
	r.browserMu.Lock()
	defer r.browserMu.Unlock()
	if r.browser != crashed || r.interrupted.Load() {
		return
	}
	if err := r.relaunchLocked(); err != nil {
		fmt.Fprintf(r.opts.stderr, "eprharness: %v\n", err)
	}
}

// relaunchLocked replaces r.browser with a new one; r.browserMu is held.
// When the new one does not start, the crashed one stays, and the
// scenarios after fail as harness failures at their start.
func (r *Runner) relaunchLocked() error {
	old := r.browser
	if old.Remote() {
		fmt.Fprintln(r.opts.stderr, "eprharness: the connection to the browser server broke; connecting again")
	} else {
		fmt.Fprintln(r.opts.stderr, "eprharness: the browser crashed; starting a new one")
	}
	nb, err := old.Relaunch(r.ctx)
	if err != nil {
		_ = nb.Close()
		return fmt.Errorf("relaunch browser after a crash: %w", err)
	}
	_ = old.Close() // its process is gone; this stops its driver
	r.browser = nb
	return nil
}

// replaceBackend terminates a worker's dead backend and starts a new one
// in its place through the BackendFactory. When the new one cannot start
// (or the run was interrupted), it returns a stand-in whose Reset fails at
// once, so the worker's later scenarios fail quickly as backend failures
// naming why.
func (r *Runner) replaceBackend(dead backend.Backend, why error) backend.Backend {
	if r.interrupted.Load() || r.ctx.Err() != nil {
		return dead // release terminates it
	}
	fmt.Fprintf(r.opts.stderr, "eprharness: %v; starting a new backend for this worker\n", why)
	tctx, cancel := context.WithTimeout(context.WithoutCancel(r.ctx), 60*time.Second)
	terr := dead.Terminate(tctx)
	cancel()
	if terr != nil {
		fmt.Fprintf(r.opts.stderr, "eprharness: %v\n", terr)
	}
	r.backendsMu.Lock()
	for i, be := range r.backends {
		if be == dead {
			r.backends = append(r.backends[:i], r.backends[i+1:]...)
			break
		}
	}
	r.backendsMu.Unlock()

	be, err := r.newBackend(r.ctx, r.col.run.ID)
	if be != nil && !isNil(be) {
		r.backendsMu.Lock()
		r.backends = append(r.backends, be)
		r.backendsMu.Unlock()
	}
	if err != nil {
		err = fmt.Errorf("%v, and a new backend did not start: %w", why, err)
		fmt.Fprintf(r.opts.stderr, "eprharness: %v; the rest of this worker's scenarios fail as backend failures\n", err)
		return &deadBackend{url: dead.BaseURL(), target: dead.Describe(), err: err}
	}
	fmt.Fprintf(r.opts.stderr, "eprharness: EPR at %s\n", be.BaseURL())
	return be
}

// deadBackend stands in for a worker's backend that died and could not be
// replaced: every Reset fails with why, so each scenario given it fails at
// its start as a backend failure.
type deadBackend struct {
	url    string
	target results.Target
	err    error
}

func (d *deadBackend) BaseURL() string                 { return d.url }
func (d *deadBackend) Reset(context.Context) error     { return failure.Backend(d.err) }
func (d *deadBackend) Terminate(context.Context) error { return nil }
func (d *deadBackend) Describe() results.Target        { return d.target }

// workerCount is how many scenarios run at once: the configured workers,
// at least one, and never more than there are scenarios (each worker
// starts a backend).
func workerCount(configured, scenarios int) int {
	return max(min(configured, scenarios), 1)
}

// noScenarios explains an empty selection: with tags, that none matches
// them; without, that the paths hold no scenario at all.
func noScenarios(paths []string, tags string) error {
	where := strings.Join(paths, ", ")
	if strings.TrimSpace(tags) == "" {
		return fmt.Errorf("no scenarios in %s", where)
	}
	return fmt.Errorf("no scenario in %s matches the tag expression %q", where, tags)
}

// secretEnv are the environment variables whose values are credentials of
// the test environment, kept out of the evidence with the fixture users'
// passwords.
var secretEnv = []string{"EPRHARNESS_FIXTURE_TOKEN", "EPRHARNESS_FIXTURE_PASSWORD"}

// secrets lists the values kept out of traces, captured files, logs and
// error texts: every fixture user's password and the non-empty values of
// secretEnv.
func secrets(lib *fixtures.Library) []string {
	var out []string
	if lib != nil {
		for _, u := range lib.Users() {
			if u.Password != "" {
				out = append(out, u.Password)
			}
		}
	}
	for _, name := range secretEnv {
		if v := os.Getenv(name); v != "" {
			out = append(out, v)
		}
	}
	return out
}
