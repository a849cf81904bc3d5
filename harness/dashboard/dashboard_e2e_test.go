//go:build e2e

package dashboard

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/mxschmitt/playwright-go"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/browser"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/results/resultstest"
	"github.com/eprharness/eprharness/harness/store"
)

// A test analyst opens the runs list, follows the candidate run to its
// comparison with the run before, sees the regression named, picks the
// runs again with the form, then opens the regressed scenario's history.
// Real Chromium, the dashboard served on loopback over a real SQLite
// results store.
func TestDashboardInBrowser(t *testing.T) {
	b, err := browser.Launch(context.Background(), browser.WithDriverInstall(true))
	t.Cleanup(func() { _ = b.Close() })
	if err != nil {
		if os.Getenv("EPRHARNESS_REQUIRE_BROWSER") == "1" {
			t.Fatalf("Chromium is required (EPRHARNESS_REQUIRE_BROWSER=1): %v", err)
		}
		t.Skipf("SKIPPED: no browser: %v", err)
	}

	_, base, cand := fixtureRuns()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "results.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	for _, run := range []*results.Run{base, cand} {
		src := t.TempDir()
		resultstest.WriteAttachments(t, src, run)
		require.NoError(t, st.Begin(context.Background(), run))
		for _, f := range run.Features {
			for _, sc := range f.Scenarios {
				require.NoError(t, st.Record(context.Background(), run.ID, f, sc, src))
			}
		}
		require.NoError(t, st.Finish(context.Background(), run))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeListener(ctx, ln, New(st, WithErrorLog(log.New(io.Discard, "", 0)))) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("dashboard did not shut down")
		}
	})

	s, err := b.NewSession("http://"+ln.Addr().String(), "dashboard", nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	page, expect := s.Page, s.Expect
	role := func(r playwright.AriaRole, name string) playwright.Locator {
		return page.GetByRole(r, playwright.PageGetByRoleOptions{Name: name, Exact: playwright.Bool(true)})
	}

	// The runs list, newest first.
	_, err = page.Goto("/")
	require.NoError(t, err)
	require.NoError(t, expect.Locator(role("heading", "Runs")).ToBeVisible())
	require.NoError(t, expect.Locator(page.GetByRole("row")).ToHaveCount(3), "a header and two runs")
	require.NoError(t, expect.Locator(page.GetByRole("row").Nth(1)).ToContainText(candID))
	require.NoError(t, expect.Locator(page.GetByRole("row").Nth(1)).ToContainText("2.4.0-rc1"))

	// Through to the comparison with the run before.
	require.NoError(t, role("link", "Compare "+candID+" with "+baseID).Click())
	require.NoError(t, expect.Page(page).ToHaveURL(regexp.MustCompile(`/compare\?base=`+baseID+`&cand=`+candID+`$`)))
	require.NoError(t, expect.Locator(page.GetByText("Gate: FAIL")).ToBeVisible())
	regressions := role("region", "Regressions (1)")
	require.NoError(t, expect.Locator(regressions).ToBeVisible())
	require.NoError(t, expect.Locator(regressions.GetByRole("link", playwright.LocatorGetByRoleOptions{Name: nameSearchName})).ToBeVisible())
	require.NoError(t, expect.Locator(regressions).ToContainText("expected 3 patients in the results"))
	// The store keeps the screenshot by content hash; the link serves it.
	shot := regressions.GetByRole("link", playwright.LocatorGetByRoleOptions{Name: regexp.MustCompile(`screenshot`)}).First()
	require.NoError(t, expect.Locator(shot).ToHaveAttribute("href", regexp.MustCompile(`^/artifacts/sha256/[0-9a-f]{2}/[0-9a-f]{64}\.png$`)))
	href, err := shot.GetAttribute("href")
	require.NoError(t, err)
	resp, err := page.Request().Get(href)
	require.NoError(t, err)
	require.Equal(t, 200, resp.Status())
	body, err := resp.Body()
	require.NoError(t, err)
	require.Equal(t, resultstest.PNG(), body, "the artifact served is the screenshot")

	// The same comparison picked with the form: refs work too.
	_, err = page.GetByLabel("Baseline run").SelectOption(playwright.SelectOptionValues{Values: &[]string{baseID}})
	require.NoError(t, err)
	_, err = page.GetByLabel("Candidate run").SelectOption(playwright.SelectOptionValues{Values: &[]string{"latest"}})
	require.NoError(t, err)
	require.NoError(t, role("button", "Compare").Click())
	require.NoError(t, expect.Page(page).ToHaveURL(regexp.MustCompile(`/compare\?base=`+baseID+`&cand=latest$`)))
	require.NoError(t, expect.Locator(regressions.GetByRole("link", playwright.LocatorGetByRoleOptions{Name: nameSearchName})).ToBeVisible())

	// The regressed scenario's history.
	require.NoError(t, regressions.GetByRole("link", playwright.LocatorGetByRoleOptions{Name: nameSearchName}).Click())
	require.NoError(t, expect.Locator(page.GetByRole("heading", playwright.PageGetByRoleOptions{Name: nameSearchName, Level: playwright.Int(1)})).ToBeVisible())
	require.NoError(t, expect.Locator(page.GetByText("features/patient_search.feature:20")).ToBeVisible())
	require.NoError(t, expect.Locator(page.GetByRole("definition").Filter(playwright.LocatorFilterOptions{HasText: "flaky: failed, then passed"})).ToContainText("0%"))
	require.NoError(t, expect.Locator(role("img", "Outcomes, oldest first")).ToBeVisible())
	candRow := page.GetByRole("row").Filter(playwright.LocatorFilterOptions{HasText: candID})
	require.NoError(t, expect.Locator(candRow).ToContainText("failed"))
	baseRow := page.GetByRole("row").Filter(playwright.LocatorFilterOptions{HasText: baseID})
	require.NoError(t, expect.Locator(baseRow).ToContainText("passed"))
	require.NoError(t, expect.Locator(candRow.GetByRole("link", playwright.LocatorGetByRoleOptions{Name: candID})).ToHaveAttribute("href", "/runs/"+candID))

	// Through to the run's report, with the failure's screenshot loaded.
	require.NoError(t, candRow.GetByRole("link", playwright.LocatorGetByRoleOptions{Name: candID}).Click())
	require.NoError(t, expect.Locator(page.GetByRole("heading", playwright.PageGetByRoleOptions{Level: playwright.Int(1)})).ToContainText(candID))
	require.NoError(t, expect.Locator(page.GetByText(nameSearchName).First()).ToBeVisible())
	img := page.Locator("img[src^='/artifacts/sha256/']").First()
	require.NoError(t, expect.Locator(img).ToBeVisible())
	loaded, err := img.Evaluate("i => i.decode().then(() => i.naturalWidth)", nil)
	require.NoError(t, err)
	require.EqualValues(t, 2, loaded, "the screenshot loads from the store's artifacts")
}
