package refepr_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/eprharness/eprharness/sut/refepr"
	"github.com/eprharness/eprharness/sut/refepr/defects"
	. "github.com/eprharness/eprharness/sut/refepr/internal/htmltest"
)

func TestPagesLoadTheScriptAndLinkTheAboutPage(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	b := newBrowser(t, ts)
	for _, path := range []string{"/login", "/about"} {
		p := b.get(path)
		require.Equal(t, http.StatusOK, p.status, path)
		script := One(t, p.doc, Tag("script"), "script")
		assert.Equal(t, "/static/refepr.js", Attr(script, "src"))
		assert.Equal(t, "", Text(script), "no inline script (the CSP forbids it)")
		footer := One(t, p.doc, Tag("footer"), "footer")
		assert.Equal(t, "/about", Attr(One(t, footer, And(Tag("a"), TextIs("About")), "about link"), "href"))
	}
	js := b.get("/static/refepr.js")
	require.Equal(t, http.StatusOK, js.status)
	assert.Contains(t, js.header.Get("Content-Type"), "javascript")
	for _, want := range []string{"pushState", "popstate", "showModal", "data-confirm", "Stay signed in", "Searching", "aria-busy"} {
		assert.Contains(t, js.body, want)
	}
}

func TestGeneratedIDsDifferPerRender(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	id := seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	b := newBrowser(t, ts)
	b.signInClinician()
	// The search page (with an error), the sign-in page and the record's
	// patient banner.
	for _, path := range []string{"/patients?nhs=9990000019&dob=x", "/login", "/patients/" + id} {
		ids := func() []string {
			var out []string
			root := b.get(path).doc
			if banners := All(root, HasAttr("aria-label", "Patient banner")); len(banners) == 1 {
				root = banners[0]
			}
			for _, el := range All(root, func(n *html.Node) bool { return Attr(n, "id") != "" }) {
				out = append(out, Attr(el, "id"))
			}
			return out
		}
		first, second := ids(), ids()
		require.NotEmpty(t, first, path)
		for _, x := range first {
			assert.NotContains(t, second, x, "%s: id %q is the same on the next render", path, x)
		}
	}
	// The labels still name their controls.
	p := b.get("/patients/" + id)
	assert.Equal(t, "999 000 0018", banner(t, p)["NHS number"])
	login := newBrowser(t, ts).get("/login")
	require.Len(t, ByLabel(login.doc, "Username"), 1)
	main := One(t, login.doc, Tag("main"), "main")
	assert.Equal(t, "#"+Attr(main, "id"), Attr(One(t, login.doc, HasAttr("class", "skip-link"), "skip link"), "href"))
}

func TestAboutPage(t *testing.T) {
	set, err := defects.Parse("slow-search,dob-clock-change")
	require.NoError(t, err)
	_, ts := newServer(t, refepr.Config{Version: "1.4.0-rc2", Defects: set, Now: func() time.Time { return time.Date(2026, 6, 1, 9, 30, 0, 0, time.UTC) }})
	b := newBrowser(t, ts)
	p := b.get("/about")
	require.Equal(t, http.StatusOK, p.status)
	checkLayout(t, p, "About the Reference EPR")
	assert.Equal(t, "About the Reference EPR", Text(One(t, p.doc, Tag("h1"), "h1")))
	assert.Equal(t, "Version", Text(One(t, p.doc, TextIs("Version"), "version term")))
	version := ByLabel(p.doc, "Version")
	require.Len(t, version, 1)
	assert.Equal(t, "1.4.0-rc2", Text(version[0]))
	clock := ByLabel(p.doc, "Clinical clock")
	require.Len(t, clock, 1)
	assert.Equal(t, "Mon 01-Jun-2026 09:30 UTC", Text(clock[0]))
	table := One(t, p.doc, Tag("table"), "defects table")
	assert.Equal(t, "Active defects", Text(One(t, table, Tag("caption"), "caption")))
	var rows []string
	for _, tr := range All(One(t, table, Tag("tbody"), "tbody"), Tag("tr")) {
		rows = append(rows, Text(tr))
	}
	assert.Equal(t, []string{
		"dob-clock-change " + defects.All[defects.DOBClockChange],
		"slow-search " + defects.All[defects.SlowSearch],
	}, rows)
	assert.Empty(t, All(p.doc, Tag("nav")), "no navigation before signing in")

	_, ts = newServer(t, refepr.Config{})
	b = newBrowser(t, ts)
	b.signInReceptionist()
	p = b.get("/about")
	One(t, p.doc, And(Tag("p"), TextIs("No release-candidate defects are turned on.")), "no defects")
	assert.Equal(t, "dev", Text(ByLabel(p.doc, "Version")[0]))
	One(t, p.doc, And(Tag("nav"), HasAttr("aria-label", "Main")), "signed-in navigation")
	assert.Equal(t, "page", Attr(One(t, One(t, p.doc, Tag("footer"), "footer"), Tag("a"), "about link"), "aria-current"))
}

func TestClockOffset(t *testing.T) {
	_, ts := newServer(t, refepr.Config{ClockOffset: -72 * time.Hour}) // fixed at 2026-06-01, minus 3 days
	b := newBrowser(t, ts)
	assert.Equal(t, "Fri 29-May-2026 00:00 UTC", Text(ByLabel(b.get("/about").doc, "Clinical clock")[0]))
	id := seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-05-30")
	b.signInClinician()
	assert.Equal(t, "38y", banner(t, b.get("/patients/"+id))["Age"], "the 39th birthday is tomorrow by the offset clock")

	for _, c := range []struct {
		in   string
		want time.Duration
	}{{"", 0}, {"-72h", -72 * time.Hour}, {"90m", 90 * time.Minute}, {" 1h30m ", 90 * time.Minute}} {
		got, err := refepr.ParseClockOffset(c.in)
		require.NoError(t, err, c.in)
		assert.Equal(t, c.want, got, c.in)
	}
	for _, bad := range []string{"3 days", "-3d", "tomorrow"} {
		_, err := refepr.ParseClockOffset(bad)
		assert.Error(t, err, bad)
	}
}

func TestSessionIdleTimeout(t *testing.T) {
	_, ts := newServer(t, refepr.Config{SessionTimeout: 400 * time.Millisecond})
	b := newBrowser(t, ts)
	b.signInClinician()
	p := b.get("/patients")
	require.Equal(t, http.StatusOK, p.status)
	assert.Equal(t, "1", Attr(One(t, p.doc, Tag("body"), "body"), "data-session-timeout"), "whole seconds, rounded up")
	for i := 0; i < 3; i++ { // use keeps the session alive
		time.Sleep(200 * time.Millisecond)
		assert.Equal(t, http.StatusNoContent, b.post("/session/keep-alive", nil).status)
	}
	time.Sleep(600 * time.Millisecond) // idle past the timeout
	assert.Equal(t, http.StatusUnauthorized, b.post("/session/keep-alive", nil).status)
	assert.Equal(t, "/login", b.get("/patients").location, "the server ended the idle session")

	_, ts = newServer(t, refepr.Config{})
	b = newBrowser(t, ts)
	assert.Empty(t, Attr(One(t, b.get("/login").doc, Tag("body"), "body"), "data-session-timeout"), "no timer before signing in")
	b.signInClinician()
	assert.Equal(t, "900", Attr(One(t, b.get("/patients").doc, Tag("body"), "body"), "data-session-timeout"), "15 minutes by default")
}

func TestSessionEndedByTheTimer(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	b := newBrowser(t, ts)
	b.signInClinician()
	p := b.post("/logout", url.Values{"reason": {"timeout"}})
	require.Equal(t, http.StatusSeeOther, p.status)
	assert.Equal(t, "/login?session-ended=1", p.location)
	p = b.get(p.location)
	checkLayout(t, p, "Sign in")
	assert.Equal(t, "Your session has ended", Text(One(t, p.doc, Role("status"), "status")))
	assert.Equal(t, "/login", b.get("/patients").location)
}

func TestToastAfterRedirect(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	b := newBrowser(t, ts)
	b.signInClinician()
	// What Handler.flash sets before a redirect.
	u, _ := url.Parse(ts.URL)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: "refepr_flash", Value: url.QueryEscape("Allergy recorded"), Path: "/"}})
	p := b.get("/patients")
	region := One(t, p.doc, And(Tag("section"), HasAttr("aria-label", "Notifications")), "notifications region")
	toast := One(t, region, Role("status"), "toast")
	assert.Equal(t, "Allergy recorded", Text(toast))
	assert.Equal(t, "polite", Attr(toast, "aria-live"))
	assert.True(t, strings.Contains(p.header.Get("Set-Cookie"), "refepr_flash=;"), "the message is shown once")
	assert.Empty(t, All(b.get("/patients").doc, HasAttr("aria-label", "Notifications")), "and not again")
}

func TestDOBClockChangeDefect(t *testing.T) {
	set, err := defects.Parse("dob-clock-change")
	require.NoError(t, err)
	cases := []struct {
		dob, want, wantDefect string
	}{
		{"1990-07-15", "15-Jul-1990", "14-Jul-1990"}, // BST
		{"2024-08-10", "10-Aug-2024", "09-Aug-2024"}, // BST
		{"1987-03-15", "15-Mar-1987", "15-Mar-1987"}, // GMT: BST began on 29 March 1987
		{"1986-11-02", "02-Nov-1986", "02-Nov-1986"}, // GMT again
		{"2025-03-30", "30-Mar-2025", "30-Mar-2025"}, // the clock change day: 00:00 is still GMT
		{"2025-03-31", "31-Mar-2025", "30-Mar-2025"}, // the first whole BST day
	}
	for _, on := range []bool{false, true} {
		cfg := refepr.Config{}
		if on {
			cfg.Defects = set
		}
		_, ts := newServer(t, cfg)
		b := newBrowser(t, ts)
		b.signInClinician()
		for i, c := range cases {
			nhs := manyNumbers(1, 300+10*i)[0]
			id := seedPatient(t, ts, nhs, "Born", "Summer", "female", c.dob)
			want := c.want
			if on {
				want = c.wantDefect
			}
			assert.Equal(t, want, banner(t, b.get("/patients/"+id))["Date of birth"], "banner, %s, defect %v", c.dob, on)
			assert.Equal(t, want, results(t, b.get("/patients?nhs="+nhs))[0][2], "results, %s, defect %v", c.dob, on)
		}
	}
}
