package refepr_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/eprharness/eprharness/nhsnumber"
	"github.com/eprharness/eprharness/sut/refepr"
	. "github.com/eprharness/eprharness/sut/refepr/internal/htmltest"
)

// checkLayout checks what every page must have: lang, a title, one main
// landmark that the skip link reaches, and a label for every visible input.
func checkLayout(t *testing.T, p page, title string) {
	t.Helper()
	require.NotNil(t, p.doc, "an HTML page")
	htmlEl := One(t, p.doc, Tag("html"), "html element")
	assert.Equal(t, "en", Attr(htmlEl, "lang"))
	assert.Equal(t, title+" – Reference EPR", Text(One(t, p.doc, Tag("title"), "title")))
	main := One(t, p.doc, Tag("main"), "main landmark")
	skip := One(t, p.doc, HasAttr("class", "skip-link"), "skip link")
	assert.Equal(t, "#"+Attr(main, "id"), Attr(skip, "href"))
	assert.Equal(t, "Skip to main content", Text(skip))
	header := One(t, p.doc, Tag("header"), "header")
	assert.Contains(t, Text(header), "Reference EPR")
	for _, in := range All(p.doc, Tag("input")) {
		if Attr(in, "type") == "hidden" {
			continue
		}
		labels := All(p.doc, And(Tag("label"), HasAttr("for", Attr(in, "id"))))
		assert.Len(t, labels, 1, "input %q has one label", Attr(in, "name"))
	}
	assert.Equal(t, "no-store", p.header.Get("Cache-Control"))
}

func TestRootRedirects(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	b := newBrowser(t, ts)
	p := b.get("/")
	assert.Equal(t, http.StatusSeeOther, p.status)
	assert.Equal(t, "/login", p.location)
	b.signInClinician()
	p = b.get("/")
	assert.Equal(t, http.StatusSeeOther, p.status)
	assert.Equal(t, "/patients", p.location)
	p = b.get("/login")
	assert.Equal(t, http.StatusOK, p.status, "signed-in users can still sign in again")
	b.signInReceptionist()
	p = b.get("/patients")
	One(t, p.doc, And(Tag("p"), TextIs("Signed in as Sam Jones (Receptionist)")), "the new session")
}

func TestSignedInPagesNeedASession(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	b := newBrowser(t, ts)
	for _, path := range []string{"/patients", "/patients?nhs=9990000018", "/patients/whatever"} {
		p := b.get(path)
		assert.Equal(t, http.StatusSeeOther, p.status, path)
		assert.Equal(t, "/login", p.location, path)
	}
	// A forged cookie is no session.
	u, _ := url.Parse(ts.URL)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: "refepr_session", Value: "forged"}})
	assert.Equal(t, "/login", b.get("/patients").location)
}

func TestLoginPage(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	p := newBrowser(t, ts).get("/login")
	require.Equal(t, http.StatusOK, p.status)
	checkLayout(t, p, "Sign in")
	assert.Equal(t, "Sign in to the Reference EPR", Text(One(t, p.doc, Tag("h1"), "h1")))
	user := ByLabel(p.doc, "Username")
	require.Len(t, user, 1)
	assert.Equal(t, "username", Attr(user[0], "name"))
	assert.Equal(t, "username", Attr(user[0], "autocomplete"))
	pass := ByLabel(p.doc, "Password")
	require.Len(t, pass, 1)
	assert.Equal(t, "password", Attr(pass[0], "type"))
	assert.Equal(t, "password", Attr(pass[0], "name"))
	btn := One(t, p.doc, Tag("button"), "button")
	assert.Equal(t, "submit", Attr(btn, "type"))
	assert.Equal(t, "Sign in", Text(btn))
	assert.Empty(t, All(p.doc, Role("alert")))
	assert.Empty(t, All(p.doc, Tag("nav")), "no navigation before signing in")
}

func TestLoginFailure(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	b := newBrowser(t, ts)
	for _, c := range []struct{ user, pass string }{
		{"dr.patel", "wrong"},
		{"nobody", "clinician-pass"},
		{"", ""},
		{"DR.PATEL", "clinician-pass"},
	} {
		p := b.post("/login", url.Values{"username": {c.user}, "password": {c.pass}})
		assert.Equal(t, http.StatusUnauthorized, p.status, "%+v", c)
		checkLayout(t, p, "Error: Sign in")
		alert := One(t, p.doc, Role("alert"), "alert")
		assert.Equal(t, "div", alert.Data)
		assert.Equal(t, "Incorrect username or password", Text(alert))
		assert.Empty(t, p.header.Values("Set-Cookie"), "no session on failure")
		assert.Equal(t, strings.TrimSpace(c.user), Attr(ByLabel(p.doc, "Username")[0], "value"), "username kept")
		assert.Empty(t, Attr(ByLabel(p.doc, "Password")[0], "value"), "password never echoed")
	}
	assert.Equal(t, "/login", b.get("/patients").location)
}

func TestLoginAndSignOut(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	b := newBrowser(t, ts)
	p := b.post("/login", url.Values{"username": {"dr.patel"}, "password": {"clinician-pass"}})
	require.Equal(t, http.StatusSeeOther, p.status)
	assert.Equal(t, "/patients", p.location)
	cookie := p.header.Get("Set-Cookie")
	assert.Contains(t, cookie, "refepr_session=")
	assert.Contains(t, cookie, "HttpOnly")
	assert.Contains(t, cookie, "SameSite=Lax")
	assert.Contains(t, cookie, "Path=/")

	p = b.get("/patients")
	require.Equal(t, http.StatusOK, p.status)
	header := One(t, p.doc, Tag("header"), "header")
	nav := One(t, header, And(Tag("nav"), HasAttr("aria-label", "Main")), "main nav")
	link := One(t, nav, And(Tag("a"), TextIs("Find a patient")), "nav link")
	assert.Equal(t, "/patients", Attr(link, "href"))
	One(t, header, And(Tag("p"), TextIs("Signed in as Dr Priya Patel (Doctor)")), "signed-in line")
	form := One(t, header, Tag("form"), "sign-out form")
	assert.Equal(t, "post", Attr(form, "method"))
	assert.Equal(t, "/logout", Attr(form, "action"))
	assert.Equal(t, "Sign out", Text(One(t, form, Tag("button"), "sign-out button")))

	p = b.post("/logout", nil)
	require.Equal(t, http.StatusSeeOther, p.status)
	require.True(t, strings.HasPrefix(p.location, "/login"), p.location)
	p = b.get(p.location)
	require.Equal(t, http.StatusOK, p.status)
	status := One(t, p.doc, Role("status"), "status")
	assert.Equal(t, "p", status.Data)
	assert.Equal(t, "You have signed out", Text(status))
	assert.Equal(t, "/login", b.get("/patients").location, "the session is over")

	b.signInReceptionist()
	p = b.get("/patients")
	One(t, p.doc, And(Tag("p"), TextIs("Signed in as Sam Jones (Receptionist)")), "signed-in line")
}

func TestSearchForm(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	b := newBrowser(t, ts)
	b.signInClinician()
	for _, path := range []string{"/patients", "/patients?nhs=&name=", "/patients?nhs=+&name=+"} {
		p := b.get(path)
		require.Equal(t, http.StatusOK, p.status)
		checkLayout(t, p, "Find a patient")
		assert.Equal(t, "Find a patient", Text(One(t, p.doc, Tag("h1"), "h1")))
		form := One(t, p.doc, Role("search"), "search form")
		assert.Equal(t, "form", form.Data)
		assert.Equal(t, "Patient search", Attr(form, "aria-label"))
		assert.Equal(t, "get", Attr(form, "method"))
		assert.Equal(t, "/patients", Attr(form, "action"))
		nhs := ByLabel(form, "NHS number")
		require.Len(t, nhs, 1)
		assert.Equal(t, "nhs", Attr(nhs[0], "name"))
		name := ByLabel(form, "Name")
		require.Len(t, name, 1)
		assert.Equal(t, "name", Attr(name[0], "name"))
		hint := ByID(p.doc, Attr(name[0], "aria-describedby"))
		require.NotNil(t, hint, "the name hint is linked with aria-describedby")
		assert.Equal(t, "Family name, given name or both", Text(hint))
		assert.Equal(t, "Search", Text(One(t, form, Tag("button"), "search button")))
		assert.Empty(t, All(p.doc, Role("status")), path)
		assert.Empty(t, All(p.doc, Role("alert")), path)
		assert.Empty(t, All(p.doc, Tag("table")), path)
		nav := One(t, p.doc, Tag("nav"), "nav")
		assert.Equal(t, "page", Attr(One(t, nav, And(Tag("a"), TextIs("Find a patient")), "link"), "aria-current"))
	}
}

// results returns the rows of the results table as cell texts, checking the
// table's caption and headers.
func results(t *testing.T, p page) [][]string {
	t.Helper()
	table := One(t, p.doc, Tag("table"), "results table")
	assert.Equal(t, "Search results", Text(One(t, table, Tag("caption"), "caption")))
	var headers []string
	for _, th := range All(table, Tag("th")) {
		headers = append(headers, Text(th))
		assert.Equal(t, "col", Attr(th, "scope"))
	}
	assert.Equal(t, []string{"Name", "NHS number", "Date of birth", "Gender"}, headers)
	var rows [][]string
	for _, tr := range All(One(t, table, Tag("tbody"), "tbody"), Tag("tr")) {
		var cells []string
		for _, td := range All(tr, Tag("td")) {
			cells = append(cells, Text(td))
		}
		rows = append(rows, cells)
	}
	return rows
}

func statusText(t *testing.T, p page) string {
	t.Helper()
	s := One(t, p.doc, Role("status"), "status")
	assert.Equal(t, "p", s.Data)
	return Text(s)
}

func TestSearchByNHSNumber(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	id := seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	seedPatient(t, ts, nhsnumber.TestNumber(10).String(), "Pond", "Rory", "male", "1986-01-01")
	b := newBrowser(t, ts)
	b.signInClinician()
	for _, nhs := range []string{"9990000018", "999 000 0018", "999-000-0018", " 999 000 0018 "} {
		p := b.get("/patients?" + url.Values{"nhs": {nhs}}.Encode())
		require.Equal(t, http.StatusOK, p.status, nhs)
		checkLayout(t, p, "Search results – Find a patient")
		assert.Equal(t, "1 patient found", statusText(t, p), nhs)
		assert.Equal(t, [][]string{{"POND, Amy", "999 000 0018", "15-Mar-1987", "Female"}}, results(t, p), nhs)
		link := One(t, One(t, p.doc, Tag("tbody"), "tbody"), Tag("a"), "patient link")
		assert.Equal(t, "/patients/"+id, Attr(link, "href"))
		assert.Equal(t, "POND, Amy", Text(link))
		assert.Equal(t, strings.TrimSpace(nhs), Attr(ByLabel(p.doc, "NHS number")[0], "value"), "the query stays in the box")
	}
}

func TestSearchInvalidNHSNumber(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	b := newBrowser(t, ts)
	b.signInClinician()
	for _, q := range []url.Values{
		{"nhs": {"9990000019"}}, // bad check digit
		{"nhs": {"999000001"}},  // nine digits
		{"nhs": {"99900000181"}},
		{"nhs": {"abcdefghij"}},
		{"nhs": {"9990000019"}, "name": {"Pond"}}, // the NHS number wins, even when wrong
	} {
		p := b.get("/patients?" + q.Encode())
		require.Equal(t, http.StatusOK, p.status)
		checkLayout(t, p, "Error: Find a patient")
		alert := One(t, p.doc, Role("alert"), "alert")
		assert.Equal(t, "div", alert.Data)
		assert.Equal(t, "Enter a valid 10-digit NHS number", Text(alert))
		assert.Empty(t, All(p.doc, Tag("table")), "no results for %v", q)
		assert.Empty(t, All(p.doc, Role("status")), "no status for %v", q)
		in := ByLabel(p.doc, "NHS number")[0]
		assert.Equal(t, "true", Attr(in, "aria-invalid"))
		assert.Equal(t, Attr(alert, "id"), Attr(in, "aria-describedby"))
	}
}

func TestSearchByName(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	seedPatient(t, ts, nhsnumber.TestNumber(10).String(), "Pond", "Rory", "male", "1986-01-01")
	seedPatient(t, ts, nhsnumber.TestNumber(12).String(), "Pond", "Melody", "female", "2011-07-01")
	seedPatient(t, ts, nhsnumber.TestNumber(14).String(), "Williams", "Rory", "male", "1986-01-01")
	seedPatient(t, ts, nhsnumber.TestNumber(16).String(), "Oswald", "Clara", "other", "1990-11-23")
	b := newBrowser(t, ts)
	b.signInClinician()
	names := func(name string) (string, []string) {
		t.Helper()
		p := b.get("/patients?" + url.Values{"name": {name}}.Encode())
		require.Equal(t, http.StatusOK, p.status)
		status := statusText(t, p)
		if len(All(p.doc, Tag("table"))) == 0 {
			return status, nil
		}
		var out []string
		for _, row := range results(t, p) {
			out = append(out, row[0])
		}
		return status, out
	}
	status, got := names("pond")
	assert.Equal(t, "3 patients found", status)
	assert.Equal(t, []string{"POND, Amy", "POND, Melody", "POND, Rory"}, got, "sorted by family then given")
	status, got = names("RORY")
	assert.Equal(t, "2 patients found", status)
	assert.Equal(t, []string{"POND, Rory", "WILLIAMS, Rory"}, got)
	for _, q := range []string{"Amy Pond", "Pond, Amy", "pond,amy", "amy", "AMY POND"} {
		status, got = names(q)
		assert.Equal(t, "1 patient found", status, q)
		assert.Equal(t, []string{"POND, Amy"}, got, q)
	}
	status, got = names("wald")
	assert.Equal(t, []string{"OSWALD, Clara"}, got)
	assert.Equal(t, "1 patient found", status)

	// The NHS number wins over the name.
	p := b.get("/patients?" + url.Values{"nhs": {"9990000018"}, "name": {"Williams"}}.Encode())
	assert.Equal(t, [][]string{{"POND, Amy", "999 000 0018", "15-Mar-1987", "Female"}}, results(t, p))
}

func TestSearchNoPatientFound(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	b := newBrowser(t, ts)
	b.signInClinician()
	for _, q := range []url.Values{{"nhs": {nhsnumber.TestNumber(40).String()}}, {"name": {"Nobody"}}, {"name": {"%"}}} {
		p := b.get("/patients?" + q.Encode())
		require.Equal(t, http.StatusOK, p.status)
		assert.Equal(t, "No patient found", statusText(t, p), "%v", q)
		assert.Empty(t, All(p.doc, Tag("table")))
		assert.Empty(t, All(p.doc, Role("alert")))
	}
}

// banner returns the banner's terms and the values labelled by them.
func banner(t *testing.T, p page) map[string]string {
	t.Helper()
	section := One(t, p.doc, And(Tag("section"), HasAttr("aria-label", "Patient banner")), "patient banner")
	dl := One(t, section, Tag("dl"), "banner list")
	out := map[string]string{}
	var terms []string
	for _, dt := range All(dl, Tag("dt")) {
		terms = append(terms, Text(dt))
		dds := ByLabel(section, Text(dt))
		require.Len(t, dds, 1, "one value labelled %q", Text(dt))
		assert.Equal(t, "dd", dds[0].Data)
		// The dd follows its dt.
		next := dt.NextSibling
		for next != nil && next.Type != html.ElementNode {
			next = next.NextSibling
		}
		assert.Same(t, dds[0], next, "the dd after %q is the one it labels", Text(dt))
		out[Text(dt)] = Text(dds[0])
	}
	// Clinical roles also see the allergy alert (the clinical area's tests check it).
	if n := len(terms); n > 0 && terms[n-1] == "Allergies" {
		terms = terms[:n-1]
	}
	assert.Equal(t, []string{"Name", "NHS number", "Date of birth", "Age", "Gender"}, terms)
	return out
}

func TestRecordBanner(t *testing.T) {
	_, ts := newServer(t, refepr.Config{}) // today is 2026-06-01
	b := newBrowser(t, ts)
	b.signInClinician()
	cases := []struct {
		nhs, family, given, gender, dob string
		want                            map[string]string
	}{
		{"9990000018", "Pond", "Amy", "female", "1987-03-15", map[string]string{
			"Name": "POND, Amy", "NHS number": "999 000 0018", "Date of birth": "15-Mar-1987", "Age": "39y", "Gender": "Female"}},
		{nhsnumber.TestNumber(20).String(), "Smith", "Baby", "male", "2025-04-01", map[string]string{
			"Name": "SMITH, Baby", "Date of birth": "01-Apr-2025", "Age": "14m", "Gender": "Male"}},
		{nhsnumber.TestNumber(22).String(), "Jones", "New Born", "unknown", "2026-05-20", map[string]string{
			"Name": "JONES, New Born", "Date of birth": "20-May-2026", "Age": "12d", "Gender": "Unknown"}},
		{nhsnumber.TestNumber(24).String(), "Two", "Years", "other", "2024-06-01", map[string]string{"Age": "2y", "Gender": "Other"}},
		{nhsnumber.TestNumber(26).String(), "Almost", "Two", "other", "2024-06-02", map[string]string{"Age": "23m"}},
	}
	for _, c := range cases {
		id := seedPatient(t, ts, c.nhs, c.family, c.given, c.gender, c.dob)
		p := b.get("/patients/" + id)
		require.Equal(t, http.StatusOK, p.status)
		got := banner(t, p)
		for k, v := range c.want {
			assert.Equal(t, v, got[k], "%s of %s", k, c.family)
		}
		assert.Equal(t, got["Name"], Text(One(t, p.doc, Tag("h1"), "h1")))
		checkLayout(t, p, got["Name"])
	}
}

func TestRecordByRole(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	amy := seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15", "1 Leadworth Lane", "Gloucester", "GL1 1AA")
	rory := seedPatient(t, ts, nhsnumber.TestNumber(10).String(), "Pond", "Rory", "male", "1986-01-01")
	headings := func(p page) []string {
		var out []string
		for _, h := range All(p.doc, Tag("h2")) {
			out = append(out, Text(h))
		}
		return out
	}

	clin := newBrowser(t, ts)
	clin.signInClinician()
	p := clin.get("/patients/" + amy)
	assert.Contains(t, headings(p), "Clinical record")
	h2 := One(t, p.doc, And(Tag("h2"), TextIs("Clinical record")), "clinical heading")
	section := h2.Parent
	assert.Equal(t, "section", section.Data)
	One(t, section, And(Tag("p"), TextIs("No clinical entries recorded")), "empty clinical record")

	rec := newBrowser(t, ts)
	rec.signInReceptionist()
	p = rec.get("/patients/" + amy)
	require.Equal(t, http.StatusOK, p.status)
	assert.NotContains(t, headings(p), "Clinical record")
	assert.NotContains(t, p.body, "Clinical record")
	assert.NotContains(t, p.body, "No clinical entries recorded")
	h2 = One(t, p.doc, And(Tag("h2"), TextIs("Demographics")), "demographics heading")
	assert.Equal(t, "Address 1 Leadworth Lane Gloucester GL1 1AA", Text(h2.Parent)[len("Demographics "):])
	assert.Equal(t, "POND, Amy", banner(t, p)["Name"], "receptionists see the banner")

	p = rec.get("/patients/" + rory)
	h2 = One(t, p.doc, And(Tag("h2"), TextIs("Demographics")), "demographics heading")
	One(t, h2.Parent, And(Tag("p"), TextIs("No address recorded")), "no address")
}

func TestRecordNotFound(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	b := newBrowser(t, ts)
	b.signInClinician()
	for _, id := range []string{"00000000-0000-4000-8000-000000000000", "not-an-id", "%27%3B--"} {
		p := b.get("/patients/" + id)
		assert.Equal(t, http.StatusNotFound, p.status, id)
		checkLayout(t, p, "Patient not found")
		assert.Equal(t, "Patient not found", Text(One(t, p.doc, Tag("h1"), "h1")))
		One(t, p.doc, Tag("nav"), "navigation stays")
	}
	p := b.get("/no/such/page")
	assert.Equal(t, http.StatusNotFound, p.status)
	assert.Equal(t, "Page not found", Text(One(t, p.doc, Tag("h1"), "h1")))
}

func TestStaticStylesheet(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	p := newBrowser(t, ts).get("/static/refepr.css")
	require.Equal(t, http.StatusOK, p.status)
	assert.Contains(t, p.header.Get("Content-Type"), "text/css")
	assert.Contains(t, p.body, ":focus-visible", "a visible focus style")
}
