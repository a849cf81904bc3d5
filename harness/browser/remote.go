package browser

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/mxschmitt/playwright-go"
)

// Remote browsers: WithConnect makes Launch connect to a Playwright browser
// server (`playwright run-server`, the Playwright Docker image, or a grid
// that speaks its protocol) instead of launching Chromium here. The local
// Playwright driver still runs (the Go client talks to the server through
// it); the server launches one Chromium for the connection, and every
// Session is a fresh browser context in it, as with a local browser.
//
// What works remotely, because it goes through the context and comes back
// over the connection: tracing (Capture and SaveTrace write trace.zip
// here), screenshots and page HTML, saved sign-ins (storage state is read
// and written here), the clock, extra headers, and the egress route
// (WithEgress: context routes are answered by this process). A connection
// that breaks (the server stopped, the network dropped) counts as a crash
// (Crashed, WaitGone), and Relaunch connects again.
//
// What is asked of the server: the client sends the launch options in the
// x-playwright-launch-options header: headless, LaunchArgs and, when
// WithExecutablePath names one, that executable (a path on the server's
// machine). A server started without --unsafe drops the args and the
// executable path and launches its own Chromium; Version says which.
// WithHeaded is refused: a window would open on the server's screen, if it
// has one.
//
// What the caller must arrange: the browser runs where the server runs, so
// the EPR's URL must be reachable from there (a server on this machine
// reaches 127.0.0.1; otherwise use a base URL on a host both can reach, or
// put the backends on the server's Docker network), or WithExposeNetwork
// names the hosts the remote browser reaches through this machine
// (Playwright's exposeNetwork: "<loopback>" lets a browser on a grid load
// an EPR listening on this machine's loopback, such as the embedded
// backend). See docs/remote.md.

// WithConnect connects to the Playwright browser server at wsURL (ws:// or
// wss://; any query, such as a grid's token, is sent as given) instead of
// launching Chromium. Empty (the default) launches a local browser.
func WithConnect(wsURL string) Option { return func(o *options) { o.ws = wsURL } }

// WithExposeNetwork has a remote browser (WithConnect) reach the hosts the
// rules name through this machine, over the connection to the browser
// server: Playwright's exposeNetwork, comma-separated rules such as
// "<loopback>" (localhost, 127.0.0.1, ::1), "localhost",
// "*.test.internal" or "*". The requests are then made from here, so an
// EPR on this machine's loopback (the embedded and docker backends) works
// with a browser on another machine. Empty (the default): the remote
// browser reaches every host itself. Ignored for a local browser.
func WithExposeNetwork(rules string) Option { return func(o *options) { o.expose = rules } }

// withExtraArgs adds Chromium arguments after LaunchArgs (tests).
func withExtraArgs(args ...string) Option {
	return func(o *options) { o.extraArgs = append([]string(nil), args...) }
}

// connectTimeout bounds the WebSocket handshake and the server's launch of
// its browser.
const connectTimeout = 60_000 // ms

// Remote reports whether the browser is a browser server's (WithConnect).
func (b *Browser) Remote() bool { return b != nil && b.opts.ws != "" }

// connect connects b to the browser server named by b.opts.ws; b.pw runs.
func (b *Browser) connect() error {
	o := b.opts
	where := RemoteName(o.ws)
	b.Source, b.Path = "remote", where
	if o.headed {
		return errors.New("connect browser: headed cannot show the window of a remote browser (browser-ws): leave out --headed or browser-ws")
	}
	header, err := launchOptionsHeader(o.executablePath, o.extraArgs...)
	if err != nil {
		return fmt.Errorf("connect browser: %w", err)
	}
	connect := playwright.BrowserTypeConnectOptions{
		Headers: map[string]string{"x-playwright-launch-options": header},
		Timeout: playwright.Float(connectTimeout),
	}
	if o.expose != "" {
		connect.ExposeNetwork = playwright.String(o.expose)
	}
	br, err := b.pw.Chromium.Connect(o.ws, connect)
	if err != nil {
		return fmt.Errorf("connect browser: browser server %s: %w", where, hideURL(err, o.ws, where))
	}
	b.watch(br)
	return nil
}

// launchOptionsHeader is the x-playwright-launch-options header: what a
// browser server launches for this connection. A server started without
// --unsafe ignores args and executablePath.
func launchOptionsHeader(executablePath string, extraArgs ...string) (string, error) {
	launch := map[string]any{
		"headless": true,
		"args":     append(append([]string(nil), LaunchArgs...), extraArgs...),
		"timeout":  connectTimeout,
	}
	if executablePath != "" {
		launch["executablePath"] = executablePath
	}
	j, err := json.Marshal(launch)
	if err != nil {
		return "", fmt.Errorf("launch options: %w", err)
	}
	return string(j), nil
}

// RemoteName is a browser server's URL fit for logs and results: scheme,
// host and path, without user info or query (where grids put tokens).
func RemoteName(wsURL string) string {
	u, err := url.Parse(wsURL)
	if err != nil || u.Host == "" {
		return "(unparsable browser server URL)"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// hideURL replaces the browser server's full URL (which may hold a token)
// with its RemoteName in err's text, keeping err for errors.Is and As.
func hideURL(err error, full, name string) error {
	if full == name || !strings.Contains(err.Error(), full) {
		return err
	}
	return &hiddenURLError{err: err, msg: strings.ReplaceAll(err.Error(), full, name)}
}

type hiddenURLError struct {
	err error
	msg string
}

func (e *hiddenURLError) Error() string { return e.msg }
func (e *hiddenURLError) Unwrap() error { return e.err }
