//go:build e2e

package browser

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/mxschmitt/playwright-go"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func launch(t *testing.T) *Browser {
	t.Helper()
	return launchWith(t)
}

// A saved sign-in (cookie and local storage) moves to a fresh context, and
// every request a session's page makes carries the session's headers.
func TestSignInsAndHeaders(t *testing.T) {
	b := launch(t)
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.Path+" "+r.Header.Get("X-Test-Scenario"))
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html")
		switch r.URL.Path {
		case "/login":
			http.SetCookie(w, &http.Cookie{Name: "sid", Value: "token-1", Path: "/", HttpOnly: true})
			fmt.Fprint(w, `<script>localStorage.setItem("who", "dr.patel")</script><p>signed in</p>`)
		default:
			c, err := r.Cookie("sid")
			who := "nobody"
			if err == nil && c.Value == "token-1" {
				who = "dr.patel"
			}
			fmt.Fprintf(w, `<p id="server">%s</p><p id="local"></p><script>document.getElementById("local").textContent = localStorage.getItem("who") || "none"</script>`, who)
		}
	}))
	defer srv.Close()

	signIns, err := NewSignIns()
	require.NoError(t, err)
	first, err := b.NewSession(srv.URL, "first", map[string]string{"X-Test-Scenario": "a.feature:3"})
	require.NoError(t, err)
	_, err = first.Page.Goto("/login")
	require.NoError(t, err)
	require.NoError(t, first.Expect.Locator(first.Page.GetByText("signed in")).ToBeVisible())
	require.NoError(t, signIns.Save(first.Context, srv.URL, "dr.patel"))
	require.NoError(t, first.Close())

	second, err := b.NewSession(srv.URL, "second", nil)
	require.NoError(t, err)
	defer second.Close()
	ok, err := signIns.Restore(second.Context, srv.URL, "dr.patel")
	require.NoError(t, err)
	require.True(t, ok)
	_, err = second.Page.Goto("/")
	require.NoError(t, err)
	assert.NoError(t, second.Expect.Locator(second.Page.Locator("#server")).ToHaveText("dr.patel"), "the cookie came along")
	assert.NoError(t, second.Expect.Locator(second.Page.Locator("#local")).ToHaveText("dr.patel"), "local storage came along")

	ok, err = signIns.Restore(second.Context, srv.URL, "nurse.okafor")
	require.NoError(t, err)
	assert.False(t, ok, "nothing saved for another user")
	ok, err = signIns.Restore(second.Context, "http://127.0.0.1:1", "dr.patel")
	require.NoError(t, err)
	assert.False(t, ok, "a sign-in belongs to one EPR")
	signIns.Forget(srv.URL, "dr.patel")
	ok, err = signIns.Restore(second.Context, srv.URL, "dr.patel")
	require.NoError(t, err)
	assert.False(t, ok, "forgotten")
	require.NoError(t, signIns.Close())

	mu.Lock()
	defer mu.Unlock()
	assert.Contains(t, seen, "/login a.feature:3", "the first session's requests carry its header")
	assert.Contains(t, seen, "/ ", "the second session sends none")
}

func page(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<p>ward list</p>`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func evalString(t *testing.T, s *Session, js string) string {
	t.Helper()
	v, err := s.Page.Evaluate(js)
	require.NoError(t, err, js)
	str, ok := v.(string)
	require.True(t, ok, "%s gave %#v", js, v)
	return str
}

// A session WithClock shows the fixed time, its timers still fire in real
// time, RunFor still advances them, and installing the clock again at the
// page's own time (as an adapter's idle step does) keeps the fixed date.
func TestClockFixed(t *testing.T) {
	b := launch(t)
	srv := page(t)
	fixed := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	s, err := b.NewSession(srv.URL, "clock", nil, WithClock(fixed))
	require.NoError(t, err)
	defer s.Close()
	_, err = s.Page.Goto("/")
	require.NoError(t, err)

	now, err := time.Parse(time.RFC3339, evalString(t, s, "() => new Date().toISOString()"))
	require.NoError(t, err)
	assert.False(t, now.Before(fixed), now)
	assert.Less(t, now.Sub(fixed), time.Minute, "the page's clock starts at the fixed time: %s", now)

	// Timers run without being driven.
	fired := evalString(t, s, `() => new Promise(resolve => setTimeout(() => resolve(new Date().toISOString()), 300))`)
	assert.Contains(t, fired, "2026-06-01T09:0")

	// Reinstalling at the page's time keeps the date; RunFor fires a timer
	// 15 minutes away at once.
	ms, err := s.Page.Evaluate("() => Date.now()")
	require.NoError(t, err)
	require.NoError(t, s.Page.Clock().Install(playwright.ClockInstallOptions{Time: int64(ms.(int))}))
	_, err = s.Page.Reload()
	require.NoError(t, err)
	_, err = s.Page.Evaluate(`() => { window.fired = ""; setTimeout(() => { window.fired = new Date().toISOString() }, 15 * 60 * 1000) }`)
	require.NoError(t, err)
	require.NoError(t, s.Page.Clock().RunFor((15 * time.Minute).Milliseconds()))
	assert.Contains(t, evalString(t, s, "() => window.fired"), "2026-06-01T09:1", "the 15-minute timer fired on the fixed clock")

	// Without WithClock the page has the real time.
	real, err := b.NewSession(srv.URL, "real clock", nil)
	require.NoError(t, err)
	defer real.Close()
	_, err = real.Page.Goto("/")
	require.NoError(t, err)
	rnow, err := time.Parse(time.RFC3339, evalString(t, real, "() => new Date().toISOString()"))
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now(), rnow, time.Minute)
}

// SaveTrace keeps a passing scenario's trace only, once.
func TestSaveTrace(t *testing.T) {
	b := launch(t)
	srv := page(t)
	s, err := b.NewSession(srv.URL, "passing", nil)
	require.NoError(t, err)
	defer s.Close()
	_, err = s.Page.Goto("/")
	require.NoError(t, err)

	root := t.TempDir()
	dir := filepath.Join(root, "search", "passes-L3")
	a, err := s.SaveTrace(root, dir)
	require.NoError(t, err)
	assert.Equal(t, "trace", a.Name)
	assert.Equal(t, "application/zip", a.MediaType)
	assert.Equal(t, "search/passes-L3/trace.zip", a.Path)
	assert.Positive(t, a.Size)
	assert.Len(t, a.SHA256, 64)
	data, err := os.ReadFile(filepath.Join(dir, "trace.zip"))
	require.NoError(t, err)
	assert.Equal(t, "PK", string(data[:2]), "a zip file")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "only the trace")

	_, err = s.SaveTrace(root, dir)
	assert.ErrorContains(t, err, "save trace: already saved")
	atts, err := s.Capture(root, filepath.Join(root, "again"))
	assert.ErrorContains(t, err, "trace: already saved")
	for _, a := range atts {
		assert.NotEqual(t, "trace", a.Name)
	}
}
