// Package browser starts the Playwright driver and one Chromium per run, and
// gives each scenario a Session: a fresh browser context and page with
// tracing on, whose failure evidence (full-page screenshot, page HTML,
// Playwright trace, console log) can be captured into a folder, or whose
// trace alone can be saved when a passing scenario's trace is kept too, or
// whose page evidence can be left out when the page may show real patient
// data (CaptureWithoutPage). Session options fix the page's JavaScript
// clock to the EPR's (WithClock), block or allow service workers
// (WithServiceWorkers; blocked by default), give the first page load
// longer than other navigations (WithFirstLoadTimeout), and control which
// hosts the browser may reach (WithEgress, with harness/egress deciding), recording the
// hosts it was kept from (Session.Blocked). SessionFor finds the Session
// of a page, for steps that hold only the page.
//
// Launch finds Chromium in this order: an explicit executable path,
// Playwright's own installed Chromium, then a system Chromium. With
// WithConnect it launches nothing: it connects to a Playwright browser
// server (`playwright run-server`, or a grid built on it) over WebSocket,
// and the server launches the Chromium the run uses (see remote.go). The
// caller
// owns the Browser and must Close it; each Session must be Closed before the
// Browser. A Browser is safe for concurrent NewSession calls; a Session is
// used by one scenario at a time.
//
// A Browser knows when its Chromium went away without Close being called
// (crashed, killed): Crashed reports it, WaitGone waits briefly for the
// news, and Relaunch starts a fresh Browser with the same options (the
// caller then Closes the crashed one and owns both until it does). A
// remote browser whose connection broke (the server stopped, the network
// dropped) has crashed in the same sense, and Relaunch connects again.
// Crashed, WaitGone and Close are safe for concurrent use.
package browser

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mxschmitt/playwright-go"
)

// SystemChromiums are the executables looked for on PATH, in order, when no
// explicit path is given and Playwright's own Chromium is not installed.
var SystemChromiums = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// HeadlessShells are looked for on PATH before SystemChromiums when the
// browser runs headless: Chromium's headless shell (Debian's
// chromium-headless-shell package), the build Playwright itself runs for
// headless scenarios since 1.49. It renders pages with the same Blink and
// V8 as the full Chromium of the same version but has no browser UI, so a
// run costs less: on the peers' benchmark (20 scenarios, 1 worker, this
// 2-core machine) about 30 s and 40 CPU-seconds against 40 s and 55
// CPU-seconds for the full Chromium. A headed run (WithHeaded) needs the
// full Chromium and skips these.
var HeadlessShells = []string{"chromium-headless-shell"}

// LaunchArgs are passed to every Chromium: they keep a headless browser from
// calling out to the internet (component updates, sync, background
// networking) so nothing a scenario does reaches a host outside the test
// environment, and from doing work no scenario sees (DisabledFeatures).
var LaunchArgs = []string{
	"--disable-gpu",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
	"--disable-quic",
	"--no-first-run",
	"--disable-features=" + strings.Join(DisabledFeatures, ","),
}

// DisabledFeatures are the Chromium features turned off. Chromium reads
// only the last --disable-features switch, and Playwright passes its own
// list before ours, so ours repeats Playwright 1.64's list (the first
// group) and adds:
//
//   - the omnibox popup WebUIs that the full Chromium (Debian's, and any
//     Chromium run in the new headless mode) preloads for every window: two
//     hidden chrome://omnibox-popup.top-chrome/ pages, each a renderer,
//     per browser context. A scenario has no address bar; measured on
//     20 contexts they cost about a fifth of the browser's CPU time
//     (harness/browser/launch_e2e_test.go checks they are gone).
var DisabledFeatures = []string{
	// Playwright 1.64.1's chromiumSwitches disabledFeatures.
	"AvoidUnnecessaryBeforeUnloadCheckSync", "DestroyProfileOnBrowserClose",
	"DialMediaRouteProvider", "GlobalMediaControls", "HttpsUpgrades",
	"LensOverlay", "MediaRouter", "PaintHolding",
	"ThirdPartyStoragePartitioning", "BlockOriginHeaderModificationOnRedirect",
	"AvoidCorsURLLoaderRestartOnRedirect", "Translate", "AutoDeElevate",
	"OptimizationHints", "NetworkTimeServiceQuerying", "AimEnabled",
	// Ours.
	"WebUIOmniboxPopup", "WebUIOmniboxAimPopup", "WebUIOmniboxFullPopup",
	"PreloadTopChromeWebUI",
}

type options struct {
	executablePath string
	headed         bool
	timeout        time.Duration
	log            io.Writer
	install        bool
	ws             string // WithConnect: the browser server's ws:// URL
	expose         string // WithExposeNetwork: Playwright's exposeNetwork rules
	extraArgs      []string
}

// Option configures Launch.
type Option func(*options)

// WithExecutablePath uses this Chromium executable; it must exist.
func WithExecutablePath(path string) Option { return func(o *options) { o.executablePath = path } }

// WithHeaded shows the browser window.
func WithHeaded(headed bool) Option { return func(o *options) { o.headed = headed } }

// WithTimeout bounds each browser action and each expectation; default 10s.
func WithTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// WithLog receives progress messages (driver installs); default discard.
func WithLog(w io.Writer) Option { return func(o *options) { o.log = w } }

// WithDriverInstall lets Launch fetch the Playwright driver when it is
// missing; default true.
func WithDriverInstall(install bool) Option { return func(o *options) { o.install = install } }

// Browser is one running Chromium driven through Playwright, launched here
// or, WithConnect, by a browser server.
type Browser struct {
	pw      *playwright.Playwright
	browser playwright.Browser
	opts    options
	// Source says how the executable was found: "explicit", "playwright"
	// or "system"; "remote" for a browser server (WithConnect).
	Source string
	// Path is the executable, when known; for a browser server, its URL
	// without credentials or query (RemoteName), so that the run's log
	// says "(remote, ws://grid:3000/)".
	Path string

	closeOnce sync.Once
	closeErr  error
	// closing is set when Close starts: a disconnect after it is not a
	// crash.
	closing  atomic.Bool
	crashed  atomic.Bool   // it disconnected before Close was called
	gone     chan struct{} // closed when the browser disconnects
	goneOnce sync.Once
}

// NotFoundError says no Chromium could be found, and how to install one.
type NotFoundError struct {
	Tried []string
}

func (e *NotFoundError) Error() string {
	return "no Chromium found (tried " + strings.Join(e.Tried, ", ") + "). Install one with " +
		"`eprharness install` (Playwright's Chromium, or Debian's chromium package when that is the only way), " +
		"or `apt-get install chromium`, or name an executable with --browser-path / EPRHARNESS_BROWSER_PATH"
}

// Launch starts the Playwright driver (installing it when missing) and
// Chromium. On error it returns the partial Browser, which the caller must
// still Close.
func Launch(ctx context.Context, opts ...Option) (*Browser, error) {
	o := options{timeout: 10 * time.Second, log: io.Discard, install: true}
	for _, opt := range opts {
		opt(&o)
	}
	b := &Browser{opts: o, gone: make(chan struct{})}
	pw, err := StartDriver(o.log, o.install)
	if err != nil {
		return b, fmt.Errorf("launch browser: %w", err)
	}
	b.pw = pw
	if err := ctx.Err(); err != nil {
		return b, fmt.Errorf("launch browser: %w", err)
	}
	if o.ws != "" {
		return b, b.connect()
	}
	path, source, err := Find(o.executablePath, pw, !o.headed)
	if err != nil {
		return b, fmt.Errorf("launch browser: %w", err)
	}
	b.Path, b.Source = path, source
	launch := playwright.BrowserTypeLaunchOptions{
		Headless: playwright.Bool(!o.headed),
		Args:     append(append([]string(nil), LaunchArgs...), o.extraArgs...),
		Timeout:  playwright.Float(60_000),
	}
	if os.Geteuid() == 0 {
		// Chromium refuses to sandbox as root (CI containers).
		launch.Args = append(launch.Args, "--no-sandbox")
	}
	if source != "playwright" {
		launch.ExecutablePath = playwright.String(path)
	}
	br, err := pw.Chromium.Launch(launch)
	if err != nil {
		return b, fmt.Errorf("launch browser: start %s chromium %s: %w", source, path, err)
	}
	b.watch(br)
	return b, nil
}

// watch makes br the Browser's browser and notes when it disconnects
// without Close (Crashed, WaitGone).
func (b *Browser) watch(br playwright.Browser) {
	b.browser = br
	br.OnDisconnected(func(playwright.Browser) {
		if !b.closing.Load() {
			b.crashed.Store(true)
		}
		b.goneOnce.Do(func() { close(b.gone) })
	})
}

// Relaunch starts a new Browser with the options b was launched with, for
// a run that goes on after b crashed; a remote browser (WithConnect) is
// connected to again. It does not close b. On error it returns the
// partial Browser, which the caller must still Close.
func (b *Browser) Relaunch(ctx context.Context) (*Browser, error) {
	o := b.opts
	return Launch(ctx,
		WithExecutablePath(o.executablePath),
		WithHeaded(o.headed),
		WithTimeout(o.timeout),
		WithLog(o.log),
		WithDriverInstall(o.install),
		WithConnect(o.ws),
		WithExposeNetwork(o.expose),
		withExtraArgs(o.extraArgs...),
	)
}

// Crashed reports whether the browser went away (its process crashed or
// was killed, or the driver's connection to it broke) before Close was
// called. It stays true after Close.
func (b *Browser) Crashed() bool {
	return b != nil && b.crashed.Load()
}

// WaitGone waits up to d for the browser to disconnect and reports
// whether it crashed (see Crashed). A step can see its page closed a
// moment before the driver reports the browser gone: this bounded wait on
// that event (not a sleep) tells a crash from a page closed for another
// reason. It returns at once when the browser was closed by Close.
func (b *Browser) WaitGone(d time.Duration) bool {
	if b == nil || b.gone == nil || b.browser == nil {
		return false
	}
	if b.crashed.Load() || b.closing.Load() {
		return b.crashed.Load()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-b.gone:
	case <-t.C:
	}
	return b.Crashed()
}

// StartDriver starts the Playwright driver, fetching it first when it is
// missing and install is true. When PLAYWRIGHT_NODEJS_PATH is unset and a
// node executable is on PATH, the driver runs on that node instead of a
// downloaded one.
func StartDriver(log io.Writer, install bool) (*playwright.Playwright, error) {
	if os.Getenv("PLAYWRIGHT_NODEJS_PATH") == "" {
		if node, err := exec.LookPath("node"); err == nil {
			os.Setenv("PLAYWRIGHT_NODEJS_PATH", node)
		}
	}
	run := &playwright.RunOptions{SkipInstallBrowsers: true, Stdout: io.Discard, Stderr: os.Stderr}
	pw, err := playwright.Run(run)
	if err == nil {
		return pw, nil
	}
	if !install || !strings.Contains(err.Error(), "install the driver") {
		return nil, fmt.Errorf("start playwright driver: %w", err)
	}
	fmt.Fprintln(log, "eprharness: installing the Playwright driver (first run only)")
	if err := playwright.Install(&playwright.RunOptions{SkipInstallBrowsers: true, Stdout: io.Discard, Stderr: os.Stderr}); err != nil {
		return nil, fmt.Errorf("install playwright driver: %w", err)
	}
	pw, err = playwright.Run(run)
	if err != nil {
		return nil, fmt.Errorf("start playwright driver: %w", err)
	}
	return pw, nil
}

// Find picks the Chromium executable: explicit (must exist), then
// Playwright's installed Chromium, then a system Chromium on PATH, a
// headless shell first when headless (HeadlessShells). source is
// "explicit", "playwright" or "system". For Playwright's own Chromium the
// path is its full Chromium; launched headless without an executable path,
// the driver itself runs its headless shell when installed.
func Find(explicit string, pw *playwright.Playwright, headless bool) (path, source string, err error) {
	if explicit != "" {
		if _, err := os.Stat(explicit); err != nil {
			return "", "", fmt.Errorf("browser path %s: %w", explicit, errors.Unwrap(err))
		}
		return explicit, "explicit", nil
	}
	var tried []string
	if pw != nil {
		if p := pw.Chromium.ExecutablePath(); p != "" {
			if _, err := os.Stat(p); err == nil {
				return p, "playwright", nil
			}
			tried = append(tried, "Playwright's Chromium at "+p)
		}
	}
	names := SystemChromiums
	if headless {
		names = append(append([]string(nil), HeadlessShells...), SystemChromiums...)
	}
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p, "system", nil
		}
		tried = append(tried, name)
	}
	return "", "", &NotFoundError{Tried: tried}
}

// Version is the browser's name and version, e.g. "chromium 156.0.8078.73".
func (b *Browser) Version() string {
	if b.browser == nil {
		return ""
	}
	return "chromium " + b.browser.Version()
}

// Close closes the browser and stops the driver. Safe to call on a partial
// Browser and more than once.
func (b *Browser) Close() error {
	b.closing.Store(true)
	b.closeOnce.Do(func() {
		var errs []error
		if b.browser != nil {
			if err := b.browser.Close(); err != nil && !errors.Is(err, playwright.ErrTargetClosed) {
				errs = append(errs, fmt.Errorf("close browser: %w", err))
			}
		}
		if b.pw != nil {
			if err := b.pw.Stop(); err != nil {
				errs = append(errs, fmt.Errorf("stop playwright: %w", err))
			}
		}
		b.closeErr = errors.Join(errs...)
	})
	return b.closeErr
}
