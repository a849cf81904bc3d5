package browser

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

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

	mu      sync.Mutex
	console []string
	closed  bool
}

// NewSession opens a fresh context and page whose relative URLs resolve
// against baseURL, and starts tracing (screenshots and DOM snapshots) so a
// failure can be replayed in Playwright's trace viewer. title names the
// trace. headers, if any, are sent with every request the page makes.
func (b *Browser) NewSession(baseURL, title string, headers map[string]string) (*Session, error) {
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
// It stops tracing, so call it at most once, before Close. Paths in the
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
	if err := s.Context.Tracing().Stop(filepath.Join(dir, "trace.zip")); err != nil {
		errs = append(errs, fmt.Errorf("trace: %w", err))
	} else {
		add("trace", "application/zip", "trace.zip")
	}
	if err := errors.Join(errs...); err != nil {
		return atts, fmt.Errorf("capture: %w", err)
	}
	return atts, nil
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
	f, err := os.Open(path)
	if err != nil {
		return results.Attachment{}, fmt.Errorf("%s: %w", name, err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return results.Attachment{}, fmt.Errorf("%s: %w", name, err)
	}
	rel, err := filepath.Rel(root, path)
	if err != nil {
		rel = path
	}
	return results.Attachment{Name: name, MediaType: media, Path: filepath.ToSlash(rel), SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}, nil
}
