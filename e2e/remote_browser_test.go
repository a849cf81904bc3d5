//go:build e2e

package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/browser/servertest"
)

// --browser-ws: the run's browser is a Playwright browser server's
// (`playwright run-server` from the installed driver, on loopback), not
// one launched by eprharness. A real scenario of the reference EPR passes
// through it, and a failing one still leaves its screenshot, page and
// trace, which come back over the connection.
func TestRunOnRemoteBrowser(t *testing.T) {
	requireBrowser(t)
	server := servertest.Start(t, 0)
	// The server runs on this machine with --unsafe, so --browser-path
	// names the Chromium it launches (Playwright's own is not installed
	// on the CI machines).
	chromium := os.Getenv("EPRHARNESS_BROWSER_PATH")
	if chromium == "" {
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if p, err := exec.LookPath(name); err == nil {
				chromium = p
				break
			}
		}
	}
	args := []string{"run", "--backend", "embedded", "--timeout", "5s", "--browser-ws", server.URL,
		"features/sign_in.feature:7", "testdata/failing"}
	if chromium != "" {
		args = append(args, "--browser-path", chromium)
	}
	r := harness(t, context.Background(), args...)
	if r.code != 1 {
		r.dump(t)
	}
	require.Equal(t, 1, r.code, "one scenario passes and the deliberately failing one fails")
	assert.Contains(t, r.stderr, "(remote, "+server.URL+")", "the log names the browser server")

	j := readJUnit(t, r.out)
	require.Equal(t, 2, j.Tests)
	require.Equal(t, 1, j.Failures)
	require.Zero(t, j.Errors)
	var passed, failed []string
	for _, s := range j.Suites {
		for _, c := range s.Cases {
			if c.Failure == nil {
				passed = append(passed, c.Name)
			} else {
				failed = append(failed, c.Name)
				assert.Equal(t, "assertion", c.Failure.Type, "the EPR's failure, not the harness's: %s", c.Failure.Message)
			}
		}
	}
	assert.Equal(t, []string{"A clinician signs in"}, passed)
	assert.Equal(t, []string{"The banner is checked against the wrong NHS number"}, failed)

	run := readResults(t, r.out)
	assert.True(t, strings.HasPrefix(run.Browser, "chromium "), run.Browser)
	dir := filepath.Join(r.out, "wrong-banner", "the-banner-is-checked-against-the-wrong-nhs-number-L6")
	for _, f := range []string{"screenshot.png", "trace.zip", "page.html"} {
		info, err := os.Stat(filepath.Join(dir, f))
		require.NoError(t, err, f)
		assert.Greater(t, info.Size(), int64(100), f)
	}
	html, err := os.ReadFile(filepath.Join(dir, "page.html"))
	require.NoError(t, err)
	assert.Contains(t, string(html), "999 000 0018", "the saved page is the record the remote browser showed")
}
