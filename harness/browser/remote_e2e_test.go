//go:build e2e

package browser

import (
	"archive/zip"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/browser/servertest"
	"github.com/eprharness/eprharness/harness/egress"
)

// connectTo connects to a browser server, asking it for the Chromium found
// here (the server runs on this machine with --unsafe).
func connectTo(t *testing.T, srv *servertest.Server) *Browser {
	t.Helper()
	path, _, err := Find(os.Getenv("EPRHARNESS_BROWSER_PATH"), nil, true)
	if err != nil {
		if os.Getenv("EPRHARNESS_REQUIRE_BROWSER") == "1" {
			t.Fatalf("Chromium is required (EPRHARNESS_REQUIRE_BROWSER=1): %v", err)
		}
		t.Skipf("SKIPPED: no browser: %v", err)
	}
	b, err := Launch(context.Background(), WithConnect(srv.URL), WithExecutablePath(path), WithTimeout(5*time.Second))
	t.Cleanup(func() { _ = b.Close() })
	require.NoError(t, err)
	return b
}

// A browser of a browser server does what a launched one does for a
// scenario: a fresh context per session, saved sign-ins, headers, the
// egress route, and the failure evidence (screenshot, page, trace) saved
// here.
func TestRemoteBrowserSession(t *testing.T) {
	server := servertest.Start(t, 0)
	b := connectTo(t, server)
	assert.True(t, b.Remote())
	assert.Equal(t, "remote", b.Source)
	assert.Equal(t, server.URL, b.Path)
	assert.True(t, strings.HasPrefix(b.Version(), "chromium "), b.Version())

	srv, _ := egressPage(t)
	login := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		if r.URL.Path == "/login" {
			http.SetCookie(w, &http.Cookie{Name: "sid", Value: "token-1", Path: "/"})
			fmt.Fprint(w, `<p>signed in</p>`)
			return
		}
		who := "nobody"
		if c, err := r.Cookie("sid"); err == nil && c.Value == "token-1" {
			who = "dr.patel"
		}
		fmt.Fprintf(w, `<p id="who">%s</p><p id="hdr">%s</p>`, who, r.Header.Get("X-Test-Scenario"))
	}))
	t.Cleanup(login.Close)

	// Sign-ins are storage state read and written on this side.
	signIns, err := NewSignIns()
	require.NoError(t, err)
	t.Cleanup(func() { _ = signIns.Close() })
	first, err := b.NewSession(login.URL, "first", nil)
	require.NoError(t, err)
	_, err = first.Page.Goto("/login")
	require.NoError(t, err)
	require.NoError(t, first.Expect.Locator(first.Page.GetByText("signed in")).ToBeVisible())
	require.NoError(t, signIns.Save(first.Context, login.URL, "dr.patel"))
	require.NoError(t, first.Close())

	second, err := b.NewSession(login.URL, "second", map[string]string{"X-Test-Scenario": "remote.feature:3"})
	require.NoError(t, err)
	ok, err := signIns.Restore(second.Context, login.URL, "dr.patel")
	require.NoError(t, err)
	require.True(t, ok)
	_, err = second.Page.Goto("/")
	require.NoError(t, err)
	assert.NoError(t, second.Expect.Locator(second.Page.Locator("#who")).ToHaveText("dr.patel"), "the saved sign-in came along")
	assert.NoError(t, second.Expect.Locator(second.Page.Locator("#hdr")).ToHaveText("remote.feature:3"), "the session's headers are sent")
	require.NoError(t, second.Close())

	// A fresh context: nothing of the first sessions is left.
	fresh, err := b.NewSession(login.URL, "fresh", nil)
	require.NoError(t, err)
	_, err = fresh.Page.Goto("/")
	require.NoError(t, err)
	assert.NoError(t, fresh.Expect.Locator(fresh.Page.Locator("#who")).ToHaveText("nobody"))
	require.NoError(t, fresh.Close())

	// The egress route is the context's, answered by this process.
	s, err := b.NewSession(srv.URL, "egress", nil, WithEgress(egress.Allower(srv.URL, nil)), WithSecrets("ward-secret-7"))
	require.NoError(t, err)
	defer s.Close()
	_, err = s.Page.Goto("/")
	require.NoError(t, err)
	require.NoError(t, s.Expect.Locator(s.Page.Locator("#api")).ToHaveText("ward 7"))
	assert.True(t, s.WaitBlocked(context.Background(), "example.invalid"))
	assert.ElementsMatch(t, []string{"tracker.example.invalid", "example.invalid"}, s.Blocked())

	// Evidence: the screenshot, page and trace come back over the
	// connection and are written here.
	root := t.TempDir()
	dir := filepath.Join(root, "remote", "scenario")
	atts, err := s.Capture(root, dir)
	require.NoError(t, err)
	var names []string
	for _, a := range atts {
		names = append(names, a.Name)
	}
	assert.Subset(t, names, []string{"screenshot", "page", "trace"})
	png, err := os.ReadFile(filepath.Join(dir, "screenshot.png"))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(png), "\x89PNG"))
	zr, err := zip.OpenReader(filepath.Join(dir, "trace.zip"))
	require.NoError(t, err)
	defer zr.Close()
	var entries []string
	for _, f := range zr.File {
		entries = append(entries, f.Name)
	}
	assert.Contains(t, entries, "trace.trace", "a Playwright trace")
	assert.Contains(t, entries, "trace.network")
}

// A browser server that goes away is a crash of the run's browser: Crashed
// and WaitGone say so, and Relaunch connects again once a server answers.
func TestRemoteBrowserDisconnectAndReconnect(t *testing.T) {
	server := servertest.Start(t, 0)
	b := connectTo(t, server)
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<h1>ward list</h1>`)
	}))
	t.Cleanup(page.Close)

	s, err := b.NewSession(page.URL, "before", nil)
	require.NoError(t, err)
	_, err = s.Page.Goto("/")
	require.NoError(t, err)
	assert.False(t, b.Crashed())

	server.Kill()
	assert.True(t, b.WaitGone(10*time.Second), "the broken connection is noticed")
	assert.True(t, b.Crashed())
	_ = s.Close()

	// Nothing listens: reconnecting fails, naming the server.
	nb, err := b.Relaunch(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "browser server "+server.URL)
	require.NoError(t, nb.Close())

	// A server on the same URL again: Relaunch connects to it.
	again := servertest.Start(t, server.Port)
	require.Equal(t, server.URL, again.URL)
	nb, err = b.Relaunch(context.Background())
	t.Cleanup(func() { _ = nb.Close() })
	require.NoError(t, err)
	require.NoError(t, b.Close())
	assert.True(t, nb.Remote())
	assert.False(t, nb.Crashed())
	s2, err := nb.NewSession(page.URL, "after", nil)
	require.NoError(t, err)
	defer s2.Close()
	_, err = s2.Page.Goto("/")
	require.NoError(t, err)
	assert.NoError(t, s2.Expect.Locator(s2.Page.GetByRole("heading")).ToHaveText("ward list"))

	// Close is not a crash.
	require.NoError(t, s2.Close())
	require.NoError(t, nb.Close())
	assert.False(t, nb.Crashed())
}
