package browser

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mxschmitt/playwright-go"

	"github.com/eprharness/eprharness/harness/redact"
	"github.com/eprharness/eprharness/harness/results"
)

// Session is one scenario's browser context and page.
type Session struct {
	Context playwright.BrowserContext
	Page    playwright.Page
	// Expect makes Playwright's auto-waiting assertions with the run's
	// timeout.
	Expect playwright.PlaywrightAssertions

	mu          sync.Mutex
	console     []string
	closed      bool
	traceStored bool // tracing stopped and trace.zip written (or attempted)

	timeout   time.Duration // the run's action timeout
	egress    bool          // WithEgress: requests are routed
	blocked   []string      // hosts blocked, distinct, in order
	blockedCh chan struct{} // closed and replaced when a host is blocked

	redactor *redact.Redactor // WithSecrets; nil redacts nothing
}

type sessionOptions struct {
	clock          time.Time
	serviceWorkers bool // allow service workers
	firstLoad      time.Duration
	egress         func(host string) bool
	// traceScreens adds a screenshot per action to the trace.
	traceScreens bool
	secrets      []string
}

// SessionOption configures NewSession.
type SessionOption func(*sessionOptions)

// WithClock starts the session's JavaScript clock at t, so the browser shows
// the time at which the EPR's clock is fixed (config.Config.Clock, read with
// config.ParseClock): new Date() in the page gives t plus the real time
// elapsed since the session opened. It installs Playwright's fake clock for
// the whole context before the first page loads; timers keep firing in real
// time, and Clock().RunFor / FastForward still advance them on demand. A
// later Clock().Install() without a time would reset the clock to the real
// time: install at the page's own Date.now() instead. The zero t leaves the
// real clock (no fake clock at all).
func WithClock(t time.Time) SessionOption { return func(o *sessionOptions) { o.clock = t } }

// WithTraceScreenshots adds a screenshot of the page after every action to
// the session's trace (the trace viewer's film strip). Without it (the
// default) the trace keeps a DOM snapshot of every action, which the
// viewer renders as the page, and a failure still saves a full-page
// screenshot.png; the screenshots cost about a fifth of a scenario's time
// on two cores.
func WithTraceScreenshots(on bool) SessionOption {
	return func(o *sessionOptions) { o.traceScreens = on }
}

// WithSecrets keeps values (fixture passwords, credentials of the test
// environment) out of every file the session writes: page.html,
// console.log and trace.zip of Capture, and the trace of SaveTrace are
// redacted (harness/redact) before they are returned as attachments, so
// an attachment's SHA-256 and size are those of the redacted file. In a
// trace that covers the values typed with Fill (the action's params), the
// DOM snapshots, the network log (form fields of POST bodies, headers)
// and the resources. screenshot.png is left as it is: a password field
// shows dots. Values shorter than redact.MinLength characters are not
// redacted (redact.New(values...).Skipped() lists them, for a warning).
// Options add up: several WithSecrets give the union.
func WithSecrets(values ...string) SessionOption {
	return func(o *sessionOptions) { o.secrets = append(o.secrets, values...) }
}

// WithServiceWorkers blocks (true, the default) or allows (false) service
// workers in the session's context. Blocked, an EPR cannot serve pages or
// API answers from a service worker's cache left over from another
// scenario, and every request stays visible to Playwright (requests made
// by a service worker are not routed, so WithEgress cannot see them).
func WithServiceWorkers(block bool) SessionOption {
	return func(o *sessionOptions) { o.serviceWorkers = !block }
}

// WithFirstLoadTimeout gives the first navigation of the session's page up
// to d (a cold EPR compiling or warming caches on its first request), while
// every later navigation keeps the run's action timeout (WithTimeout). The
// page's default navigation timeout is d until the page first fires its
// load event on a URL other than about:blank, and the action timeout from
// then on; a navigation already under way keeps the timeout it started
// with. Only navigations wait this long (Goto, Reload, WaitForURL, and
// steps built on them); actions and expectations keep the action timeout.
// Zero, or a d not longer than the action timeout, changes nothing.
func WithFirstLoadTimeout(d time.Duration) SessionOption {
	return func(o *sessionOptions) { o.firstLoad = d }
}

// NewSession opens a fresh context and page whose relative URLs resolve
// against baseURL, and starts tracing (screenshots and DOM snapshots) so a
// failure can be replayed in Playwright's trace viewer. title names the
// trace. headers, if any, are sent with every request the page makes. opts
// may fix the page's clock (WithClock), allow service workers
// (WithServiceWorkers; blocked by default), give the first page load longer
// (WithFirstLoadTimeout), control where the browser may send requests
// (WithEgress) and keep secret values out of the saved evidence
// (WithSecrets).
func (b *Browser) NewSession(baseURL, title string, headers map[string]string, opts ...SessionOption) (*Session, error) {
	var o sessionOptions
	for _, opt := range opts {
		opt(&o)
	}
	if b.browser == nil {
		return nil, errors.New("new session: browser not running")
	}
	bc, err := b.browser.NewContext(playwright.BrowserNewContextOptions{
		BaseURL:          playwright.String(baseURL),
		Locale:           playwright.String("en-GB"),
		TimezoneId:       playwright.String("Europe/London"),
		Viewport:         &playwright.Size{Width: 1280, Height: 900},
		ExtraHttpHeaders: headers,
		ServiceWorkers:   serviceWorkers(o.serviceWorkers),
	})
	if err != nil {
		return nil, fmt.Errorf("new session: new context: %w", err)
	}
	ms := float64(b.opts.timeout.Milliseconds())
	bc.SetDefaultTimeout(ms)
	bc.SetDefaultNavigationTimeout(ms)
	s := &Session{Context: bc, Expect: playwright.NewPlaywrightAssertions(ms), timeout: b.opts.timeout, blockedCh: make(chan struct{})}
	if len(o.secrets) > 0 {
		s.redactor = redact.New(o.secrets...)
	}
	if o.egress != nil {
		s.egress = true
		if err := s.routeEgress(o.egress); err != nil {
			_ = bc.Close()
			return nil, fmt.Errorf("new session: route requests: %w", err)
		}
	}
	if !o.clock.IsZero() {
		if err := bc.Clock().Install(playwright.ClockInstallOptions{Time: o.clock}); err != nil {
			_ = bc.Close()
			return nil, fmt.Errorf("new session: set clock: %w", err)
		}
	}
	if err := bc.Tracing().Start(playwright.TracingStartOptions{
		Title:       playwright.String(title),
		Screenshots: playwright.Bool(o.traceScreens),
		Snapshots:   playwright.Bool(true),
	}); err != nil {
		_ = bc.Close()
		return nil, fmt.Errorf("new session: start tracing: %w", err)
	}
	page, err := bc.NewPage()
	if err != nil {
		_ = bc.Close()
		return nil, fmt.Errorf("new session: new page: %w", err)
	}
	s.Page = page
	if o.firstLoad > b.opts.timeout {
		firstLoad(page, o.firstLoad, ms)
	}
	page.OnConsole(func(m playwright.ConsoleMessage) {
		s.mu.Lock()
		s.console = append(s.console, fmt.Sprintf("[%s] %s", m.Type(), m.Text()))
		s.mu.Unlock()
	})
	page.OnPageError(func(err error) {
		s.mu.Lock()
		s.console = append(s.console, "[pageerror] "+err.Error())
		s.mu.Unlock()
	})
	sessions.Store(bc, s)
	return s, nil
}

func serviceWorkers(allow bool) *playwright.ServiceWorkerPolicy {
	if allow {
		return playwright.ServiceWorkerPolicyAllow
	}
	return playwright.ServiceWorkerPolicyBlock
}

// firstLoad gives page's navigations d until it first loads a page, then
// normalMs. The load handler only changes a client-side setting, so it is
// safe on Playwright's event goroutine.
func firstLoad(page playwright.Page, d time.Duration, normalMs float64) {
	page.SetDefaultNavigationTimeout(float64(d.Milliseconds()))
	var loaded atomic.Bool
	page.OnLoad(func(p playwright.Page) {
		if strings.HasPrefix(p.URL(), "about:") {
			return
		}
		if loaded.CompareAndSwap(false, true) {
			p.SetDefaultNavigationTimeout(normalMs)
		}
	})
}

// sessions finds a Session by its browser context, for steps that hold
// only the page (SessionFor).
var sessions sync.Map // playwright.BrowserContext -> *Session

// SessionFor returns the open Session whose page (or another page of its
// context) page is, or nil when page belongs to no Session of this
// process. Steps use it to reach what the session records (Blocked).
func SessionFor(page playwright.Page) *Session {
	if page == nil {
		return nil
	}
	if s, ok := sessions.Load(page.Context()); ok {
		return s.(*Session)
	}
	return nil
}

// Timeout is the run's action timeout, which the session's actions,
// expectations and later navigations use.
func (s *Session) Timeout() time.Duration { return s.timeout }

// Capture saves the evidence of a failed scenario into dir (created if
// needed): screenshot.png (full page), page.html, console.log and trace.zip,
// the text and the trace redacted of the WithSecrets values.
// It stops tracing, so call it (or SaveTrace) at most once, before Close;
// after SaveTrace it saves the rest and reports the trace missing. Paths in the
// returned attachments are relative to root. Capture keeps going after an
// error so that as much evidence as possible survives; the error lists what
// could not be saved.
func (s *Session) Capture(root, dir string) ([]results.Attachment, error) {
	return s.capture(root, dir, true)
}

// CaptureWithoutPage is Capture for a scenario whose page may show real
// patient data (guard.CheckPage found an NHS number outside the test
// ranges): it saves console.log only, and stops tracing without saving the
// trace, since a trace holds screenshots and DOM snapshots of every step.
// It has Capture's signature, so the runner can pass either. Like Capture
// it stops tracing: call one of Capture, CaptureWithoutPage or SaveTrace at
// most once, before Close.
func (s *Session) CaptureWithoutPage(root, dir string) ([]results.Attachment, error) {
	return s.capture(root, dir, false)
}

func (s *Session) capture(root, dir string, withPage bool) ([]results.Attachment, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	var atts []results.Attachment
	var errs []error
	add := func(name, media, file string) {
		a, err := attachment(root, name, media, filepath.Join(dir, file))
		if err != nil {
			errs = append(errs, err)
			return
		}
		atts = append(atts, a)
	}
	if withPage && !s.pageClosed() {
		if _, err := s.Page.Screenshot(playwright.PageScreenshotOptions{
			Path: playwright.String(filepath.Join(dir, "screenshot.png")), FullPage: playwright.Bool(true),
		}); err != nil {
			errs = append(errs, fmt.Errorf("screenshot: %w", err))
		} else {
			add("screenshot", "image/png", "screenshot.png")
		}
		if html, err := s.Page.Content(); err != nil {
			errs = append(errs, fmt.Errorf("page html: %w", err))
		} else if err := os.WriteFile(filepath.Join(dir, "page.html"), []byte(s.redactor.String(html)), 0o644); err != nil {
			errs = append(errs, fmt.Errorf("page html: %w", err))
		} else {
			add("page", "text/html", "page.html")
		}
	}
	s.mu.Lock()
	console := strings.Join(s.console, "\n")
	s.mu.Unlock()
	if console != "" {
		if err := os.WriteFile(filepath.Join(dir, "console.log"), []byte(s.redactor.String(console)+"\n"), 0o644); err != nil {
			errs = append(errs, fmt.Errorf("console log: %w", err))
		} else {
			add("console", "text/plain", "console.log")
		}
	}
	if !withPage {
		if err := s.stopTrace(""); err != nil {
			errs = append(errs, err)
		}
	} else if err := s.stopTrace(filepath.Join(dir, "trace.zip")); err != nil {
		errs = append(errs, err)
	} else {
		add("trace", "application/zip", "trace.zip")
	}
	if err := errors.Join(errs...); err != nil {
		return atts, fmt.Errorf("capture: %w", err)
	}
	return atts, nil
}

// SaveTrace saves only the Playwright trace, as dir/trace.zip (dir created
// if needed), for a scenario that passed when traces are kept always
// (config.TraceAlways), redacted of the WithSecrets values. It stops
// tracing, so call it or Capture at most once, before Close. The
// attachment's path is relative to root.
func (s *Session) SaveTrace(root, dir string) (results.Attachment, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return results.Attachment{}, fmt.Errorf("save trace: %w", err)
	}
	path := filepath.Join(dir, "trace.zip")
	if err := s.stopTrace(path); err != nil {
		return results.Attachment{}, fmt.Errorf("save %w", err)
	}
	a, err := attachment(root, "trace", "application/zip", path)
	if err != nil {
		return results.Attachment{}, fmt.Errorf("save trace: %w", err)
	}
	return a, nil
}

// stopTrace stops tracing and writes the trace to path (discards it when
// path is empty), once per session. With WithSecrets the trace is
// redacted; a trace that cannot be redacted is removed, never kept.
func (s *Session) stopTrace(path string) error {
	s.mu.Lock()
	stored := s.traceStored
	s.traceStored = true
	s.mu.Unlock()
	if stored {
		return errors.New("trace: already saved or discarded")
	}
	var paths []string
	if path != "" {
		paths = []string{path}
	}
	if err := s.Context.Tracing().Stop(paths...); err != nil {
		return fmt.Errorf("trace: %w", err)
	}
	if path != "" {
		if _, err := s.redactor.File(path); err != nil {
			_ = os.Remove(path)
			return fmt.Errorf("trace: %w", err)
		}
	}
	return nil
}

func (s *Session) pageClosed() bool {
	return s.Page == nil || s.Page.IsClosed()
}

// Close discards the trace (if Capture or SaveTrace did not stop it) and
// closes the context. Safe to call more than once.
//
// Discarding stops tracing explicitly: the Playwright driver keeps each
// trace's call stacks in a playwright-tracing-* folder of the temporary
// directory, which it removes when the trace is saved or discarded but
// not when the context closes with tracing on (one folder leaked per
// scenario).
func (s *Session) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	stored := s.traceStored
	s.mu.Unlock()
	if !stored {
		// Errors do not matter here: after a page or browser crash the
		// driver still drops the trace's folder (traceDiscarded is local
		// to it).
		_ = s.stopTrace("")
	}
	sessions.Delete(s.Context)
	err := s.Context.Close()
	if err != nil && !errors.Is(err, playwright.ErrTargetClosed) {
		return fmt.Errorf("close session: %w", err)
	}
	return nil
}

func attachment(root, name, media, path string) (results.Attachment, error) {
	return results.FileAttachment(root, name, media, path)
}
