//go:build e2e

package refepr_test

// The front end's confirmation modal in a real Chromium: what the
// server-side tests cannot see (role, name, focus, Escape, and that only
// the confirm button posts). Needs the Playwright driver and a Chromium
// (launchChromium); skips without them unless EPRHARNESS_REQUIRE_BROWSER=1.

import (
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"testing"

	"github.com/mxschmitt/playwright-go"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/sut/refepr"
	. "github.com/eprharness/eprharness/sut/refepr/internal/htmltest"
)

// launchChromium starts a headless Chromium (CHROMIUM_PATH, default
// /usr/bin/chromium-headless-shell, then /usr/bin/chromium), closed at
// the end of the test. Without one, or without the Playwright driver, the
// test fails when EPRHARNESS_REQUIRE_BROWSER=1 and skips otherwise.
func launchChromium(t *testing.T) playwright.Browser {
	t.Helper()
	skip := func(why string, err error) {
		if os.Getenv("EPRHARNESS_REQUIRE_BROWSER") == "1" {
			t.Fatalf("%s: %v", why, err)
		}
		t.Skipf("%s: %v", why, err)
	}
	path := os.Getenv("CHROMIUM_PATH")
	if path == "" {
		path = "/usr/bin/chromium-headless-shell"
		if _, err := os.Stat(path); err != nil {
			path = "/usr/bin/chromium"
		}
	}
	if _, err := os.Stat(path); err != nil {
		skip("no Chromium", err)
	}
	if os.Getenv("PLAYWRIGHT_NODEJS_PATH") == "" {
		if node, err := exec.LookPath("node"); err == nil {
			t.Setenv("PLAYWRIGHT_NODEJS_PATH", node)
		}
	}
	pw, err := playwright.Run(&playwright.RunOptions{SkipInstallBrowsers: true})
	if err != nil {
		skip("no Playwright driver", err)
	}
	t.Cleanup(func() { _ = pw.Stop() })
	args := []string{}
	if os.Geteuid() == 0 {
		args = append(args, "--no-sandbox")
	}
	br, err := pw.Chromium.Launch(playwright.BrowserTypeLaunchOptions{ExecutablePath: playwright.String(path), Args: args})
	require.NoError(t, err)
	t.Cleanup(func() { _ = br.Close() })
	return br
}

// chromium starts a headless Chromium and returns a fresh page, closed at
// the end of the test.
func chromium(t *testing.T) (playwright.Page, playwright.PlaywrightAssertions) {
	t.Helper()
	page, err := launchChromium(t).NewPage()
	require.NoError(t, err)
	page.SetDefaultTimeout(15_000)
	return page, playwright.NewPlaywrightAssertions(15_000)
}

func signInChromium(t *testing.T, page playwright.Page, base, username, password string) {
	t.Helper()
	_, err := page.Goto(base + "/login")
	require.NoError(t, err)
	require.NoError(t, page.GetByLabel("Username").Fill(username))
	require.NoError(t, page.GetByLabel("Password").Fill(password))
	require.NoError(t, page.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Sign in"}).Click())
	require.NoError(t, page.WaitForURL(base+"/patients"))
}

func byName(name string) playwright.PageGetByRoleOptions {
	return playwright.PageGetByRoleOptions{Name: name, Exact: playwright.Bool(true)}
}

func TestCancelAppointmentAsksInTheModal(t *testing.T) {
	page, expect := chromium(t)
	_, ts := newServer(t, refepr.Config{})
	id := seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	gp := newBrowser(t, ts)
	gp.signIn("gp.brown", "gp-pass")
	require.Equal(t, http.StatusSeeOther, gp.post("/patients/"+id+"/appointments", url.Values{"slot": {"cardiology-20260602-0900"}}).status)

	signInChromium(t, page, ts.URL, "gp.brown", "gp-pass")
	_, err := page.Goto(ts.URL + "/patients/" + id)
	require.NoError(t, err)
	cancel := page.GetByRole("button", byName("Cancel Cardiology appointment on Tue 2 Jun 2026 09:00"))
	dialog := page.GetByRole("alertdialog", byName("Cancel this appointment?"))
	keep := dialog.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "No, keep appointment", Exact: playwright.Bool(true)})

	// Escape goes back: focus returns to the button, nothing is posted.
	require.NoError(t, cancel.Click())
	require.NoError(t, expect.Locator(dialog).ToBeVisible())
	require.NoError(t, expect.Locator(dialog).ToHaveAccessibleDescription(regexp.MustCompile(`^Cardiology, Tue 2 Jun 2026 09:00, .*offered to other patients\.$`)))
	require.NoError(t, expect.Locator(keep).ToBeFocused(), "focus starts on the safe choice")
	require.NoError(t, page.Keyboard().Press("Escape"))
	require.NoError(t, expect.Locator(dialog).ToHaveCount(0))
	require.NoError(t, expect.Locator(cancel).ToBeFocused())

	// "No, keep appointment" goes back too.
	require.NoError(t, cancel.Click())
	require.NoError(t, keep.Click())
	require.NoError(t, expect.Locator(dialog).ToHaveCount(0))
	One(t, gp.get("/patients/"+id).doc, And(Tag("th"), TextIs("Tue 2 Jun 2026 09:00")), "still booked after going back twice")

	// Confirming posts.
	require.NoError(t, cancel.Click())
	require.NoError(t, dialog.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Yes, cancel appointment", Exact: playwright.Bool(true)}).Click())
	toast := page.GetByRole("region", byName("Notifications")).GetByRole("status")
	require.NoError(t, expect.Locator(toast).ToContainText("Appointment cancelled: Cardiology, Tue 2 Jun 2026 09:00"))
	require.NoError(t, expect.Locator(page.GetByText("No upcoming appointments")).ToBeVisible())
}

func TestStopMedicationAsksForTheReasonInTheModal(t *testing.T) {
	page, expect := chromium(t)
	_, ts := newServer(t, refepr.Config{})
	id := seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	doc := newBrowser(t, ts)
	doc.signInClinician()
	redirectsToRecord(t, doc.post("/patients/"+id+"/medications", url.Values{"drug": {"Paracetamol"}, "dose": {"1 g"}, "route": {"Oral"}, "frequency": {"Four times a day"}}), id, "prescribed")

	signInChromium(t, page, ts.URL, "dr.patel", "clinician-pass")
	_, err := page.Goto(ts.URL + "/patients/" + id)
	require.NoError(t, err)
	require.NoError(t, page.GetByRole("button", byName("Stop Paracetamol")).Click())
	dialog := page.GetByRole("alertdialog", byName("Stop Paracetamol?"))
	require.NoError(t, expect.Locator(dialog).ToBeVisible())
	reason := dialog.GetByLabel("Reason for stopping (optional)", playwright.LocatorGetByLabelOptions{Exact: playwright.Bool(true)})
	require.NoError(t, expect.Locator(reason).ToBeFocused(), "focus starts in the reason box")
	require.NoError(t, reason.Fill("Pain resolved"))
	require.NoError(t, dialog.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Yes, stop this medication", Exact: playwright.Bool(true)}).Click())
	require.NoError(t, expect.Locator(page.GetByRole("main").GetByRole("status")).ToHaveText("Medication stopped"))
	row := page.GetByRole("table", byName("Medications")).GetByRole("row").Filter(playwright.LocatorFilterOptions{HasText: "Paracetamol"})
	require.NoError(t, expect.Locator(row).ToContainText("Stopped (Pain resolved)"))
}
