//go:build e2e

package dashboard

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/mxschmitt/playwright-go"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/browser"
)

// A test analyst opens the runs list, follows the candidate run to its
// comparison with the run before, sees the regression named, picks the
// runs again with the form, then opens the regressed scenario's history.
// Real Chromium, the dashboard served on loopback over the fake store.
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
	st := newFakeStore(t, base, cand)
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
	require.NoError(t, expect.Locator(regressions.GetByRole("link", playwright.LocatorGetByRoleOptions{Name: regressionShot})).
		ToHaveAttribute("href", "/artifacts/"+regressionShot))

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
}
