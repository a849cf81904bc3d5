//go:build e2e

package browser

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func launch(t *testing.T) *Browser {
	t.Helper()
	b, err := Launch(context.Background(), WithDriverInstall(true))
	t.Cleanup(func() { _ = b.Close() })
	if err != nil {
		if os.Getenv("EPRHARNESS_REQUIRE_BROWSER") == "1" {
			t.Fatalf("Chromium is required (EPRHARNESS_REQUIRE_BROWSER=1): %v", err)
		}
		t.Skipf("SKIPPED: no browser: %v", err)
	}
	return b
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
