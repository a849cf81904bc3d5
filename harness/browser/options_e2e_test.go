//go:build e2e

package browser

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mxschmitt/playwright-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/egress"
)

func launchWith(t testing.TB, opts ...Option) *Browser {
	t.Helper()
	b, err := Launch(context.Background(), append([]Option{WithDriverInstall(true)}, opts...)...)
	t.Cleanup(func() { _ = b.Close() })
	if err != nil {
		if os.Getenv("EPRHARNESS_REQUIRE_BROWSER") == "1" {
			t.Fatalf("Chromium is required (EPRHARNESS_REQUIRE_BROWSER=1): %v", err)
		}
		t.Skipf("SKIPPED: no browser: %v", err)
	}
	return b
}

// slowServer answers /slow after delay (the EPR's cold start) and
// anything else at once.
func slowServer(t testing.TB, delay time.Duration) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<h1>%s</h1>`, r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// The first navigation of a page may take the first-load timeout; later
// ones, and pages without the option, keep the action timeout.
func TestFirstLoadTimeout(t *testing.T) {
	b := launchWith(t, WithTimeout(time.Second))
	srv := slowServer(t, 2500*time.Millisecond)

	plain, err := b.NewSession(srv.URL, "plain", nil)
	require.NoError(t, err)
	defer plain.Close()
	_, err = plain.Page.Goto("/slow")
	require.Error(t, err, "without the option a slow first load times out")
	assert.Contains(t, err.Error(), "Timeout 1000ms")

	s, err := b.NewSession(srv.URL, "first load", nil, WithFirstLoadTimeout(10*time.Second))
	require.NoError(t, err)
	defer s.Close()
	start := time.Now()
	_, err = s.Page.Goto("/slow")
	require.NoError(t, err, "the first load may take the first-load timeout")
	assert.GreaterOrEqual(t, time.Since(start), 2500*time.Millisecond)
	require.NoError(t, s.Expect.Locator(s.Page.GetByRole("heading", playwright.PageGetByRoleOptions{Name: "/slow"})).ToBeVisible())

	_, err = s.Page.Goto("/fast")
	require.NoError(t, err)
	_, err = s.Page.Goto("/slow")
	require.Error(t, err, "later navigations keep the action timeout")
	assert.Contains(t, err.Error(), "Timeout 1000ms")
}

// Service workers are blocked unless the session allows them.
func TestServiceWorkers(t *testing.T) {
	b := launch(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/sw.js" {
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, `self.addEventListener("fetch", () => {})`)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<p>ward list</p>`)
	}))
	defer srv.Close()
	// register says whether the page got a service worker registration
	// (Playwright's block turns register into a no-op), or gives up after
	// 3s.
	const register = `() => Promise.race([
		navigator.serviceWorker.register("/sw.js").then(
			r => r instanceof ServiceWorkerRegistration ? "registered" : "not registered",
			e => "refused: " + e),
		new Promise(resolve => setTimeout(() => resolve("no answer"), 3000)),
	])`
	for _, tc := range []struct {
		name   string
		opts   []SessionOption
		worker bool
	}{
		{"default", nil, false},
		{"blocked", []SessionOption{WithServiceWorkers(true)}, false},
		{"allowed", []SessionOption{WithServiceWorkers(false)}, true},
	} {
		s, err := b.NewSession(srv.URL, tc.name, nil, tc.opts...)
		require.NoError(t, err)
		_, err = s.Page.Goto("/")
		require.NoError(t, err)
		if tc.worker {
			assert.Equal(t, "registered", evalString(t, s, register), tc.name)
		} else {
			v, err := s.Page.Evaluate(`() => "serviceWorker" in navigator`)
			require.NoError(t, err)
			if v == true {
				assert.NotEqual(t, "registered", evalString(t, s, register), tc.name)
			}
		}
		require.NoError(t, s.Close())
	}
}

// egressPage serves a page that reaches its own server (by another
// loopback name too), two outside hosts and a data: URL.
func egressPage(t testing.TB) (*httptest.Server, *[]string) {
	var mu sync.Mutex
	var paths []string
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		switch r.URL.Path {
		case "/api":
			w.Header().Set("Access-Control-Allow-Origin", "*")
			fmt.Fprint(w, "ward 7")
		default:
			port := srv.Listener.Addr().(interface{ String() string }).String()
			port = port[strings.LastIndex(port, ":")+1:]
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<script src="http://tracker.example.invalid/t.js"></script>
<img alt="pixel" src="http://example.invalid/pixel.png">
<img alt="dot" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<p id="api">loading</p>
<script>fetch("http://localhost:%s/api").then(r => r.text()).then(t => document.getElementById("api").textContent = t)</script>`, port)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &paths
}

// A session WithEgress blocks and records hosts that are not allowed, and
// lets the EPR's own host (by any loopback name) and data: URLs through.
func TestEgress(t *testing.T) {
	b := launch(t)
	srv, _ := egressPage(t)

	s, err := b.NewSession(srv.URL, "egress", nil, WithEgress(egress.Allower(srv.URL, nil)))
	require.NoError(t, err)
	defer s.Close()
	var failedMu sync.Mutex
	failed := map[string]string{}
	s.Page.OnRequestFailed(func(r playwright.Request) {
		failedMu.Lock()
		failed[r.URL()] = r.Failure().Error()
		failedMu.Unlock()
	})
	assert.Same(t, s, SessionFor(s.Page))
	assert.True(t, s.Egress())
	_, err = s.Page.Goto("/")
	require.NoError(t, err)
	require.NoError(t, s.Expect.Locator(s.Page.Locator("#api")).ToHaveText("ward 7"), "localhost is the EPR's 127.0.0.1")
	assert.True(t, s.WaitBlocked(context.Background(), "example.invalid"))
	assert.True(t, s.WaitBlocked(context.Background(), "*.example.invalid"))
	assert.ElementsMatch(t, []string{"tracker.example.invalid", "example.invalid"}, s.Blocked())
	failedMu.Lock()
	assert.Contains(t, failed["http://example.invalid/pixel.png"], "ERR_BLOCKED_BY_CLIENT")
	failedMu.Unlock()

	// Blocked again: still listed once.
	_, err = s.Page.Reload()
	require.NoError(t, err)
	assert.Len(t, s.Blocked(), 2)

	start := time.Now()
	assert.False(t, s.WaitBlocked(context.Background(), "nhs.uk"), "never asked for")
	assert.GreaterOrEqual(t, time.Since(start), s.Timeout())

	// Without the option nothing is routed or recorded.
	open, err := b.NewSession(srv.URL, "open", nil)
	require.NoError(t, err)
	_, err = open.Page.Goto("/")
	require.NoError(t, err)
	assert.False(t, open.Egress())
	assert.Empty(t, open.Blocked())
	require.NoError(t, open.Close())
	assert.Nil(t, SessionFor(open.Page), "a closed session is forgotten")
}

// CaptureWithoutPage keeps the console log only: no screenshot, page HTML
// or trace.
func TestCaptureWithoutPage(t *testing.T) {
	b := launch(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<p>NHS number 943 476 5919</p><script>console.log("loaded")</script>`)
	}))
	defer srv.Close()
	s, err := b.NewSession(srv.URL, "real data", nil)
	require.NoError(t, err)
	defer s.Close()
	_, err = s.Page.Goto("/")
	require.NoError(t, err)
	require.NoError(t, s.Expect.Locator(s.Page.GetByText("943 476 5919")).ToBeVisible())

	root := t.TempDir()
	dir := filepath.Join(root, "x")
	atts, err := s.CaptureWithoutPage(root, dir)
	require.NoError(t, err)
	require.Len(t, atts, 1)
	assert.Equal(t, "console", atts[0].Name)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"console.log"}, names)
	_, err = s.SaveTrace(root, dir)
	assert.ErrorContains(t, err, "already saved or discarded", "the trace was discarded")
}

// BenchmarkEgress measures what routing every request costs: a page with
// 30 scripts loaded with and without egress control.
func BenchmarkEgress(b *testing.B) {
	br := launchWith(b)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/s") {
			w.Header().Set("Content-Type", "text/javascript")
			w.Header().Set("Cache-Control", "max-age=3600")
			fmt.Fprint(w, "window.n = (window.n || 0) + 1")
			return
		}
		w.Header().Set("Content-Type", "text/html")
		for i := range 30 {
			fmt.Fprintf(w, `<script src="/s%d.js"></script>`, i)
		}
		fmt.Fprint(w, `<p>done</p>`)
	}))
	defer srv.Close()
	for _, bc := range []struct {
		name string
		opts []SessionOption
	}{
		{"open", nil},
		{"egress", []SessionOption{WithEgress(egress.Allower(srv.URL, nil))}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s, err := br.NewSession(srv.URL, bc.name, nil, bc.opts...)
			require.NoError(b, err)
			defer s.Close()
			b.ResetTimer()
			for range b.N {
				if _, err := s.Page.Goto("/"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
