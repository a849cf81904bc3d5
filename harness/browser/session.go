package browser

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mxschmitt/playwright-go"

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
}

type sessionOptions struct {
	clock time.Time
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

// NewSession opens a fresh context and page whose relative URLs resolve
// against baseURL, and starts tracing (screenshots and DOM snapshots) so a
// failure can be replayed in Playwright's trace viewer. title names the
// trace. headers, if any, are sent with every request the page makes. opts
// may fix the page's clock (WithClock).
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
	})
	if err != nil {
		return nil, fmt.Errorf("new session: new context: %w", err)
	}
	ms := float64(b.opts.timeout.Milliseconds())
	bc.SetDefaultTimeout(ms)
	bc.SetDefaultNavigationTimeout(ms)
	s := &Session{Context: bc, Expect: playwright.NewPlaywrightAssertions(ms)}
	if !o.clock.IsZero() {
		if err := bc.Clock().Install(playwright.ClockInstallOptions{Time: o.clock}); err != nil {
			_ = bc.Close()
			return nil, fmt.Errorf("new session: set clock: %w", err)
		}
	}
	if err := bc.Tracing().Start(playwright.TracingStartOptions{
		Title:       playwright.String(title),
		Screenshots: playwright.Bool(true),
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
	return s, nil
}

// Capture saves the evidence of a failed scenario into dir (created if
// needed): screenshot.png (full page), page.html, console.log and trace.zip.
// It stops tracing, so call it (or SaveTrace) at most once, before Close;
// after SaveTrace it saves the rest and reports the trace missing. Paths in the
// returned attachments are relative to root. Capture keeps going after an
// error so that as much evidence as possible survives; the error lists what
// could not be saved.
func (s *Session) Capture(root, dir string) ([]results.Attachment, error) {
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
	if !s.pageClosed() {
		if _, err := s.Page.Screenshot(playwright.PageScreenshotOptions{
			Path: playwright.String(filepath.Join(dir, "screenshot.png")), FullPage: playwright.Bool(true),
		}); err != nil {
			errs = append(errs, fmt.Errorf("screenshot: %w", err))
		} else {
			add("screenshot", "image/png", "screenshot.png")
		}
		if html, err := s.Page.Content(); err != nil {
			errs = append(errs, fmt.Errorf("page html: %w", err))
		} else if err := os.WriteFile(filepath.Join(dir, "page.html"), []byte(html), 0o644); err != nil {
			errs = append(errs, fmt.Errorf("page html: %w", err))
		} else {
			add("page", "text/html", "page.html")
		}
	}
	s.mu.Lock()
	console := strings.Join(s.console, "\n")
	s.mu.Unlock()
	if console != "" {
		if err := os.WriteFile(filepath.Join(dir, "console.log"), []byte(console+"\n"), 0o644); err != nil {
			errs = append(errs, fmt.Errorf("console log: %w", err))
		} else {
			add("console", "text/plain", "console.log")
		}
	}
	if err := s.stopTrace(filepath.Join(dir, "trace.zip")); err != nil {
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
// (config.TraceAlways). It stops tracing, so call it or Capture at most
// once, before Close. The attachment's path is relative to root.
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

// stopTrace stops tracing and writes the trace to path, once per session.
func (s *Session) stopTrace(path string) error {
	s.mu.Lock()
	stored := s.traceStored
	s.traceStored = true
	s.mu.Unlock()
	if stored {
		return errors.New("trace: already saved or discarded")
	}
	if err := s.Context.Tracing().Stop(path); err != nil {
		return fmt.Errorf("trace: %w", err)
	}
	return nil
}

func (s *Session) pageClosed() bool {
	return s.Page == nil || s.Page.IsClosed()
}

// Close discards the trace (if Capture did not stop it) and closes the
// context. Safe to call more than once.
func (s *Session) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	err := s.Context.Close()
	if err != nil && !errors.Is(err, playwright.ErrTargetClosed) {
		return fmt.Errorf("close session: %w", err)
	}
	return nil
}

func attachment(root, name, media, path string) (results.Attachment, error) {
	return results.FileAttachment(root, name, media, path)
}
