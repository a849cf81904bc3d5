// Package dashboard is the team's web view of the results store: the list of
// runs, each run's report, the comparison of two runs (the release-candidate
// gate of harness/diff), each scenario's history, the scenarios whose
// outcome flips between runs, and the trends of accessibility and of the
// clinical-safety controls' verification.
//
// It is server-rendered HTML (html/template) with no JavaScript and no
// external resources, so it works offline and in locked-down networks.
//
// # Pages
//
//	GET /                      runs, newest first (store.Runs), each with
//	                           its stored verdict (store.Summary.Verdict):
//	                           no run is read in full
//	GET /runs/{ref}            one run's HTML report (harness/report/html),
//	                           with each scenario's history; ref is an id,
//	                           an id prefix, "latest" or "last-green"
//	GET /runs/{ref}/evidence   the run's verification appendix for the
//	                           clinical safety case (harness/report/evidence);
//	                           404 when the run recorded no hazard log
//	GET /compare?base=&cand=   the diff of two runs (refs as above), with a
//	                           form to pick them; &format=json|markdown|text
//	                           returns the diff in that format instead
//	GET /scenarios/{id...}     a scenario's history: flake rate, pass/fail
//	                           strip, durations, links to each run
//	GET /unstable              scenarios whose status flips (store.Unstable)
//	GET /accessibility?n=      accessibility over the last n runs (default
//	                           20, at most 100): a trend of violations
//	                           failing their checks, violations the
//	                           baseline accepts and pages checked; the
//	                           newest run's violations by rule and page,
//	                           each accepted-by entry or the run it has
//	                           failed since; expired and fixed baseline
//	                           entries
//	GET /safety?n=             the hazard log's controls (the newest log's,
//	                           by hazard, unverified ones first) against
//	                           the last n runs: verified, or why not (no
//	                           scenario, failed, skipped, flaky, not run),
//	                           each run judged against the log it recorded
//	                           (harness/safety), linked to its evidence
//	GET /artifacts/{path...}   a file of the artifacts folder
//
// The runs list reads run summaries only. The two trend pages read their n
// runs in full (the store keeps no accessibility or control verdicts in
// its summaries), which is why n is capped.
//
// A run that did not test everything is never shown green: in the runs
// list an unfinished run (it never recorded its end: killed, or still
// running) is "unfinished", an interrupted one "interrupted", one with
// interrupted or never-run scenarios "incomplete", each with the count of
// planned scenarios not run; its page (the HTML report) says "Unfinished"
// or "Incomplete" and lists the scenarios never run; the compare form
// marks it, and comparing against it fails the gate (harness/diff).
// Interrupted outcomes count as neither passes nor failures in a
// scenario's history.
//
// Unknown runs, scenarios and paths are 404 pages; a failing store is a 500
// page; a panic in a handler is recovered into a 500 page.
//
// # Security
//
// The dashboard has no sign-in: anyone who can reach it reads every run.
// Serve binds to DefaultAddr (127.0.0.1:8088, this machine only) unless
// given another address; binding to another interface (":8088",
// "0.0.0.0:8088") is the caller's explicit choice, to be made only on a
// trusted network. Artifacts are served from inside the artifacts folder
// only (os.Root: no "..", no symbolic link out of it); captured EPR pages
// (page.html) are served under a sandboxing Content-Security-Policy so
// their scripts never run with the dashboard's origin, and trace.zip files
// are served as downloads.
//
// The handler returned by New is safe for concurrent use; it reads the
// store on each request and never closes it (the caller owns the store).
package dashboard

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/eprharness/eprharness/harness/diff"
	"github.com/eprharness/eprharness/harness/store"
)

// DefaultAddr is where Serve listens when given no address: loopback only.
const DefaultAddr = "127.0.0.1:8088"

// Option configures New.
type Option func(*options)

type options struct {
	title          string
	runs           int
	history        int
	unstableWindow int
	hazards        map[string]string
	diffOpts       []diff.Option
	errLog         *log.Logger
}

// WithTitle names the dashboard in every page's heading; default
// "eprharness".
func WithTitle(title string) Option { return func(o *options) { o.title = title } }

// WithRunsLimit sets how many runs the runs list and the compare form show;
// default 50.
func WithRunsLimit(n int) Option { return func(o *options) { o.runs = n } }

// WithHistory sets how many past runs a scenario's history shows; default
// 30.
func WithHistory(n int) Option { return func(o *options) { o.history = n } }

// WithUnstableWindow sets how many recent runs /unstable looks at; default
// 20.
func WithUnstableWindow(n int) Option { return func(o *options) { o.unstableWindow = n } }

// WithHazards maps hazard ids to titles (features/hazards.yaml) for the run
// report's clinical-safety table.
func WithHazards(h map[string]string) Option { return func(o *options) { o.hazards = h } }

// WithDiffOptions passes options (slowness thresholds) to diff.Compare.
func WithDiffOptions(opts ...diff.Option) Option {
	return func(o *options) { o.diffOpts = append(o.diffOpts, opts...) }
}

// WithErrorLog receives the errors behind 500 pages; default the standard
// logger.
func WithErrorLog(l *log.Logger) Option { return func(o *options) { o.errLog = l } }

// New returns the dashboard over st. The caller keeps ownership of st and
// closes it after the handler is no longer served.
func New(st store.Store, opts ...Option) http.Handler {
	o := options{title: "eprharness", runs: 50, history: 30, unstableWindow: 20, errLog: log.Default()}
	for _, opt := range opts {
		opt(&o)
	}
	s := &server{st: st, o: o, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /{$}", s.runs)
	s.mux.HandleFunc("GET /runs/{ref}", s.run)
	s.mux.HandleFunc("GET /runs/{ref}/evidence", s.evidence)
	s.mux.HandleFunc("GET /compare", s.compare)
	s.mux.HandleFunc("GET /scenarios/{id...}", s.scenario)
	s.mux.HandleFunc("GET /unstable", s.unstable)
	s.mux.HandleFunc("GET /accessibility", s.accessibility)
	s.mux.HandleFunc("GET /safety", s.safety)
	s.mux.HandleFunc("GET /artifacts/{path...}", s.artifact)
	s.mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusNotFound, "No page at "+r.URL.Path+".", nil)
	})
	return s
}

// Serve serves h on addr (DefaultAddr when empty) until ctx is done, then
// shuts the server down, giving open requests 5 seconds. It returns nil
// after a shutdown caused by ctx, or the error that stopped the server.
// Pass a non-loopback addr only on purpose: the dashboard has no sign-in.
func Serve(ctx context.Context, addr string, h http.Handler) error {
	if addr == "" {
		addr = DefaultAddr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("serve dashboard: %w", err)
	}
	return ServeListener(ctx, ln, h)
}

// ServeListener is Serve on an open listener, which it closes.
func ServeListener(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve dashboard: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shut down dashboard: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve dashboard: %w", err)
	}
	return nil
}

// server is the dashboard's handler. Its fields are set once by New.
type server struct {
	st  store.Store
	o   options
	mux *http.ServeMux
}

// pageCSP is the Content-Security-Policy of the dashboard's own pages: no
// scripts at all, styles inline, images from the dashboard or inline.
const pageCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", pageCSP)
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.fail(w, r, http.StatusInternalServerError, "The dashboard failed.", fmt.Errorf("panic: %v", v))
		}
	}()
	s.mux.ServeHTTP(w, r)
}
