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

	"github.com/eprharness/eprharness/harness/a11y"
	"github.com/eprharness/eprharness/harness/browser"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/results/resultstest"
	"github.com/eprharness/eprharness/harness/store"
)

// A test analyst opens the runs list, follows the candidate run to its
// comparison with the run before, sees the regression named, picks the
// runs again with the form, then opens the regressed scenario's history.
// Real Chromium, the dashboard served on loopback over a real SQLite
// results store; the dashboard's own pages it visits (runs, comparison,
// history) pass axe-core's WCAG A and AA rules (the run report is
// harness/report/html's).
func TestDashboardInBrowser(t *testing.T) {
	_, base, cand := fixtureRuns()
	b, addr := serveRuns(t, base, cand)
	eng := axeEngine(t)
	s, err := b.NewSession(addr, "dashboard", nil)
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
	axeClean(t, eng, page, "runs")

	// Through to the comparison with the run before.
	require.NoError(t, role("link", "compare with previous: "+candID+" with "+baseID).Click())
	require.NoError(t, expect.Page(page).ToHaveURL(regexp.MustCompile(`/compare\?base=`+baseID+`&cand=`+candID+`$`)))
	require.NoError(t, expect.Locator(page.GetByText("Gate: FAIL")).ToBeVisible())
	regressions := role("region", "Regressions (1)")
	require.NoError(t, expect.Locator(regressions).ToBeVisible())
	require.NoError(t, expect.Locator(regressions.GetByRole("link", playwright.LocatorGetByRoleOptions{Name: nameSearchName})).ToBeVisible())
	require.NoError(t, expect.Locator(regressions).ToContainText("expected 3 patients in the results"))
	axeClean(t, eng, page, "comparison")
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
	require.NoError(t, expect.Locator(role("group", "Outcomes, oldest first")).ToBeVisible())
	require.NoError(t, expect.Locator(role("group", "Outcomes, oldest first").GetByRole("link", playwright.LocatorGetByRoleOptions{Name: regexp.MustCompile("^" + candID + ": failed")})).ToHaveAttribute("href", "/runs/"+candID))
	axeClean(t, eng, page, "scenario history")
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

// serveRuns records runs in a real SQLite store, serves the dashboard over
// it on loopback and returns its address, with Chromium; it skips (or
// fails, with EPRHARNESS_REQUIRE_BROWSER=1) without a browser.
func serveRuns(t *testing.T, runs ...*results.Run) (*browser.Browser, string) {
	t.Helper()
	b, err := browser.Launch(context.Background(), browser.WithDriverInstall(true))
	t.Cleanup(func() { _ = b.Close() })
	if err != nil {
		if os.Getenv("EPRHARNESS_REQUIRE_BROWSER") == "1" {
			t.Fatalf("Chromium is required (EPRHARNESS_REQUIRE_BROWSER=1): %v", err)
		}
		t.Skipf("SKIPPED: no browser: %v", err)
	}
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "results.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	for _, run := range runs {
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
	return b, "http://" + ln.Addr().String()
}

// A test analyst and a clinical safety officer reach the accessibility and
// safety trends from the navigation, read them in real Chromium over a
// real SQLite store, and each page passes axe-core's WCAG 2.0, 2.1 and
// 2.2 A and AA rules (harness/a11y.DefaultTags), as the reference EPR's
// pages must (TestEveryPagePassesAxe in sut/refepr).
func TestTrendPagesInBrowserPassAxe(t *testing.T) {
	// The accessibility runs (r1–r4, days 0–3) and the safety runs
	// (s1–s3, an hour into days 0–2) in one store, newest first r4, s3,
	// r3, s2, r2, s1, r1: the newest run has checks and no hazard log.
	runs := a11yRuns()
	for _, r := range safetyRuns() {
		r.StartedAt, r.FinishedAt = r.StartedAt.Add(time.Hour), r.FinishedAt.Add(time.Hour)
		runs = append(runs, r)
	}
	b, base := serveRuns(t, runs...)
	eng := axeEngine(t)
	s, err := b.NewSession(base, "dashboard trends", nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	page, expect := s.Page, s.Expect
	nav := page.GetByRole("navigation", playwright.PageGetByRoleOptions{Name: "Dashboard"})
	link := func(name string) playwright.Locator {
		return nav.GetByRole("link", playwright.LocatorGetByRoleOptions{Name: name, Exact: playwright.Bool(true)})
	}
	axe := func(what string) { t.Helper(); axeClean(t, eng, page, what) }

	_, err = page.Goto("/")
	require.NoError(t, err)
	require.NoError(t, link("Accessibility").Click())
	require.NoError(t, expect.Page(page).ToHaveURL(regexp.MustCompile(`/accessibility$`)))
	require.NoError(t, expect.Locator(page.GetByRole("heading", playwright.PageGetByRoleOptions{Name: "Accessibility", Level: playwright.Int(1)})).ToBeVisible())
	require.NoError(t, expect.Locator(page.GetByRole("img", playwright.PageGetByRoleOptions{Name: regexp.MustCompile(`^Accessibility trend of the last 7 runs`)})).ToBeVisible())
	imageAlt := page.GetByRole("row").Filter(playwright.LocatorFilterOptions{HasText: "image-alt"})
	require.NoError(t, expect.Locator(imageAlt).ToContainText("new since r3"))
	require.NoError(t, expect.Locator(imageAlt.GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "r3"})).ToHaveAttribute("href", "/runs/r3"))
	require.NoError(t, expect.Locator(page.GetByRole("heading", playwright.PageGetByRoleOptions{Name: "Expired (1)"})).ToBeVisible())
	axe("accessibility trend")

	// A smaller window through the form.
	require.NoError(t, page.GetByLabel("Runs to show").Fill("2"))
	require.NoError(t, page.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Show"}).Click())
	require.NoError(t, expect.Page(page).ToHaveURL(regexp.MustCompile(`/accessibility\?n=2$`)))
	require.NoError(t, expect.Locator(imageAlt).ToContainText("in every run that checked the page since r4"), "r4 and s3: s3 checked nothing")

	require.NoError(t, link("Safety").Click())
	require.NoError(t, expect.Page(page).ToHaveURL(regexp.MustCompile(`/safety$`)))
	require.NoError(t, expect.Locator(page.GetByRole("heading", playwright.PageGetByRoleOptions{Name: "Clinical safety", Level: playwright.Int(1)})).ToBeVisible())
	require.NoError(t, expect.Locator(page.GetByText("The newest run recorded no hazard log")).ToBeVisible())
	c002 := page.GetByRole("row").Filter(playwright.LocatorFilterOptions{Has: page.GetByRole("rowheader", playwright.PageGetByRoleOptions{Name: regexp.MustCompile(`^C-002`)})})
	require.NoError(t, expect.Locator(c002.GetByRole("cell")).ToHaveCount(1+len(runs)), "the scenarios, then a cell per run")
	require.NoError(t, expect.Locator(c002.GetByRole("cell").Nth(2)).ToContainText("failed"), "the column of s3, second newest")
	axe("safety matrix")

	// Each run's column links to its evidence.
	require.NoError(t, page.GetByRole("columnheader").GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "s3", Exact: playwright.Bool(true)}).Click())
	require.NoError(t, expect.Page(page).ToHaveURL(regexp.MustCompile(`/runs/s3/evidence$`)))
	require.NoError(t, expect.Locator(page.GetByText("Clinical safety verification evidence: run s3").First()).ToBeVisible())
}

// axeEngine installs axe-core (from its cache, else the npm registry) and
// loads it.
func axeEngine(t *testing.T) *a11y.Engine {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, err := a11y.Install(ctx)
	require.NoError(t, err, "install axe-core (needs the npm registry once)")
	eng, err := a11y.Load()
	require.NoError(t, err)
	return eng
}

// axeClean checks the page as it is with axe-core's WCAG 2.0, 2.1 and 2.2
// A and AA rules (a11y.DefaultTags): each violation is an error naming the
// rule, element and its HTML.
func axeClean(t *testing.T, eng *a11y.Engine, page playwright.Page, what string) {
	t.Helper()
	c, err := eng.Check(context.Background(), page, a11y.WithTags(a11y.DefaultTags...), a11y.WithBy("scan"))
	require.NoError(t, err, what)
	require.Greater(t, c.Passes, 0, "axe-core ran on %s", what)
	for _, v := range c.Violations {
		for _, n := range v.Nodes {
			t.Errorf("%s: %s (%s) %s\n  at %s\n  %s", what, v.Rule, v.Impact, v.Help, n.Target, n.HTML)
		}
	}
}
