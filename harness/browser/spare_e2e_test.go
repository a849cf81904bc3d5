//go:build e2e

package browser

import (
	"archive/zip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mxschmitt/playwright-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readySpare waits (bounded) for the spare WithSpare makes in the
// background and returns its context.
func readySpare(t *testing.T, b *Browser, baseURL string) playwright.BrowserContext {
	t.Helper()
	key := spareKey{baseURL: baseURL}
	var bc playwright.BrowserContext
	require.Eventually(t, func() bool {
		p := b.spares()
		p.mu.Lock()
		defer p.mu.Unlock()
		if len(p.ready[key]) == 1 {
			bc = p.ready[key][0].bc
		}
		return bc != nil
	}, 30*time.Second, 20*time.Millisecond, "a spare context is made while the first session runs")
	return bc
}

// A session WithSpare takes the context and page made while the previous
// session ran: it is not the previous session's context and carries none
// of its cookies or local storage, and what the session sets (headers,
// clock, tracing with DOM snapshots) applies to it as to a context opened
// on the spot.
func TestSpareIsFreshAndFullySet(t *testing.T) {
	b := launch(t)
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.Path+" "+r.Header.Get("X-Test-Scenario"))
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html")
		if r.URL.Path == "/login" {
			http.SetCookie(w, &http.Cookie{Name: "sid", Value: "token-1", Path: "/", HttpOnly: true})
			fmt.Fprint(w, `<script>localStorage.setItem("who", "dr.patel")</script><p>signed in</p>`)
			return
		}
		who := "nobody"
		if c, err := r.Cookie("sid"); err == nil {
			who = c.Value
		}
		fmt.Fprintf(w, `<p id="server">%s</p><p id="local"></p><button>Save</button><script>document.getElementById("local").textContent = localStorage.getItem("who") || "none"</script>`, who)
	}))
	defer srv.Close()

	first, err := b.NewSession(srv.URL, "first", nil, WithSpare(true))
	require.NoError(t, err)
	_, err = first.Page.Goto("/login")
	require.NoError(t, err)
	require.NoError(t, first.Expect.Locator(first.Page.GetByText("signed in")).ToBeVisible())
	spare := readySpare(t, b, srv.URL)
	assert.NotEqual(t, first.Context, spare)
	require.NoError(t, first.Close())

	fixed := time.Date(2026, 6, 1, 9, 30, 0, 0, time.UTC)
	second, err := b.NewSession(srv.URL, "second", map[string]string{"X-Test-Scenario": "b.feature:9"}, WithSpare(true), WithClock(fixed))
	require.NoError(t, err)
	defer second.Close()
	assert.Equal(t, spare, second.Context, "the session took the spare")
	assert.Equal(t, "about:blank", second.Page.URL(), "a spare has loaded nothing")
	_, err = second.Page.Goto("/")
	require.NoError(t, err)
	assert.NoError(t, second.Expect.Locator(second.Page.Locator("#server")).ToHaveText("nobody"), "no cookie of the first session")
	assert.NoError(t, second.Expect.Locator(second.Page.Locator("#local")).ToHaveText("none"), "no local storage of the first session")
	year := evalString(t, second, `String(new Date().getUTCFullYear()) + "-" + String(new Date().getUTCMonth() + 1) + "-" + String(new Date().getUTCDate())`)
	assert.Equal(t, "2026-6-1", year, "the clock is installed on the spare")
	require.NoError(t, second.Page.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Save"}).Click())

	root := t.TempDir()
	atts, err := second.Capture(root, filepath.Join(root, "failed"))
	require.NoError(t, err)
	var names []string
	for _, a := range atts {
		names = append(names, a.Name)
	}
	assert.ElementsMatch(t, []string{"screenshot", "page", "trace"}, names)
	trace := readTrace(t, filepath.Join(root, "failed", "trace.zip"))
	assert.Contains(t, trace, `"type":"frame-snapshot"`, "the trace has DOM snapshots")
	assert.Contains(t, trace, `"title":"second"`, "the trace is the session's")
	assert.Contains(t, trace, `"method":"click"`, "the trace has the session's actions")

	mu.Lock()
	defer mu.Unlock()
	assert.Contains(t, seen, "/ b.feature:9", "the session's headers are set on the spare")
}

// Without WithSpare nothing is made ahead; with it, at most one spare per
// base URL exists at a time.
func TestSpareOnlyWhenAsked(t *testing.T) {
	b := launch(t)
	srv := page(t)
	plain, err := b.NewSession(srv.URL, "plain", nil)
	require.NoError(t, err)
	require.NoError(t, plain.Close())
	p := b.spares()
	p.mu.Lock()
	assert.Empty(t, p.ready[spareKey{baseURL: srv.URL}])
	assert.Zero(t, p.pending[spareKey{baseURL: srv.URL}])
	p.mu.Unlock()

	s1, err := b.NewSession(srv.URL, "one", nil, WithSpare(true))
	require.NoError(t, err)
	defer s1.Close()
	readySpare(t, b, srv.URL)
	s2, err := b.NewSession(srv.URL, "two", nil, WithSpare(true))
	require.NoError(t, err)
	defer s2.Close()
	readySpare(t, b, srv.URL) // the one taken is replaced, once
	p.mu.Lock()
	defer p.mu.Unlock()
	assert.Len(t, p.ready[spareKey{baseURL: srv.URL}], 1)
	assert.Zero(t, p.pending[spareKey{baseURL: srv.URL}])
}

func readTrace(t *testing.T, path string) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	require.NoError(t, err)
	defer zr.Close()
	var b strings.Builder
	for _, f := range zr.File {
		if !strings.HasSuffix(f.Name, ".trace") {
			continue
		}
		rc, err := f.Open()
		require.NoError(t, err)
		data, err := io.ReadAll(rc)
		rc.Close()
		require.NoError(t, err)
		b.Write(data)
	}
	return b.String()
}
