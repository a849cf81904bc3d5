//go:build e2e

package guard_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/browser"
	"github.com/eprharness/eprharness/harness/guard"
	"github.com/eprharness/eprharness/nhsnumber"
)

// CheckPage reads what the page shows: a real-looking number on screen is
// found, a test number and a hidden number are not.
func TestCheckPage(t *testing.T) {
	b, err := browser.Launch(context.Background())
	t.Cleanup(func() { _ = b.Close() })
	if err != nil {
		if os.Getenv("EPRHARNESS_REQUIRE_BROWSER") == "1" {
			t.Fatalf("Chromium is required (EPRHARNESS_REQUIRE_BROWSER=1): %v", err)
		}
		t.Skipf("SKIPPED: no browser: %v", err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		switch r.URL.Path {
		case "/real":
			fmt.Fprint(w, `<table><tr><th>Name</th><th>NHS number</th></tr><tr><td>POND, Amy</td><td>943&nbsp;476&nbsp;5919</td></tr></table>`)
		case "/later":
			fmt.Fprint(w, `<p id="n"></p><script>document.getElementById("n").textContent = "NHS No. 401-023-2137"</script>`)
		default:
			fmt.Fprint(w, `<p>POND, Amy 999 000 0018</p><p hidden>943 476 5919</p><input value="9434765919">`)
		}
	}))
	defer srv.Close()
	s, err := b.NewSession(srv.URL, "guard", nil)
	require.NoError(t, err)
	defer s.Close()

	_, err = s.Page.Goto("/test")
	require.NoError(t, err)
	assert.NoError(t, guard.CheckPage(s.Page), "test numbers, hidden text and field values are not what the page shows")

	_, err = s.Page.Goto("/real")
	require.NoError(t, err)
	err = guard.CheckPage(s.Page)
	var rd *guard.RealDataError
	require.True(t, errors.As(err, &rd), "%v", err)
	assert.EqualError(t, err, "possible real patient data: the page shows NHS number 943 476 **** outside the test ranges")
	assert.NoError(t, guard.CheckPage(s.Page, nhsnumber.Range{First: "9434765919", Last: "9434765919"}), "an extra test range")

	_, err = s.Page.Goto("/patients/9434765919")
	require.NoError(t, err)
	assert.EqualError(t, guard.CheckPage(s.Page), "possible real patient data: the page shows NHS number 943 476 **** outside the test ranges", "the URL")

	_, err = s.Page.Goto("/later")
	require.NoError(t, err)
	assert.EqualError(t, guard.CheckPage(s.Page), "possible real patient data: the page shows NHS number 401 023 **** outside the test ranges")

	require.NoError(t, s.Page.Close())
	err = guard.CheckPage(s.Page)
	require.Error(t, err)
	assert.False(t, errors.As(err, &rd), "a closed page is not real data: %v", err)
}
