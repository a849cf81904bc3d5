//go:build e2e

package refepr_test

// Every page and state of the reference EPR, scanned with axe-core
// (harness/a11y, DefaultTags) in a real Chromium: the EPR passes with an
// empty accessibility baseline. One browser, one context per role; the
// pages with errors are reached by posting their forms from the page, as
// a browser without JavaScript would. Needs the Playwright driver, a
// Chromium (CHROMIUM_PATH, default /usr/bin/chromium-headless-shell, then
// /usr/bin/chromium) and axe-core in the cache (fetched from the npm
// registry the first time); fails without a browser when
// EPRHARNESS_REQUIRE_BROWSER=1, skips otherwise. AXE_BEST_PRACTICE=1 also
// logs axe-core's best-practice findings (not failures).

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mxschmitt/playwright-go"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/eprharness/eprharness/harness/a11y"
	harnessresults "github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/nhsnumber"
	"github.com/eprharness/eprharness/sut/refepr"
	"github.com/eprharness/eprharness/sut/refepr/defects"
	. "github.com/eprharness/eprharness/sut/refepr/internal/htmltest"
)

// axeEngine installs axe-core in the machine's cache (from the npm
// registry, the first time) and loads it.
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

// scanner visits pages in one browser context and collects what axe finds.
type scanner struct {
	t     *testing.T
	base  string
	eng   *a11y.Engine
	page  playwright.Page
	found map[string][]string // rule → the pages and states it failed on
	pages []string
	best  map[string][]string // best-practice findings, reported only
}

func newScanner(t *testing.T, br playwright.Browser, base string, eng *a11y.Engine) *scanner {
	t.Helper()
	ctx, err := br.NewContext()
	require.NoError(t, err)
	t.Cleanup(func() { _ = ctx.Close() })
	page, err := ctx.NewPage()
	require.NoError(t, err)
	page.SetDefaultTimeout(15_000)
	return &scanner{t: t, base: base, eng: eng, page: page, found: map[string][]string{}, best: map[string][]string{}}
}

// check scans the page as it is now with harness/a11y's DefaultTags
// (WCAG 2.0, 2.1 and 2.2, A and AA): each violation is an error naming
// the page, rule, impact, element and its HTML. With AXE_BEST_PRACTICE
// set it also logs axe-core's best-practice findings.
func (s *scanner) check(what string) {
	s.t.Helper()
	s.pages = append(s.pages, what)
	for _, v := range s.scan(what, a11y.DefaultTags...) {
		for _, n := range v.Nodes {
			s.t.Errorf("%s: %s (%s) %s\n  at %s\n  %s", what, v.Rule, v.Impact, v.Help, n.Target, n.HTML)
			s.found[v.Rule] = append(s.found[v.Rule], what)
		}
	}
	if os.Getenv("AXE_BEST_PRACTICE") != "" {
		for _, v := range s.scan(what, "best-practice") {
			for _, n := range v.Nodes {
				s.t.Logf("best-practice %s: %s (%s) %s at %s %s", what, v.Rule, v.Impact, v.Help, n.Target, n.HTML)
				s.best[v.Rule] = append(s.best[v.Rule], what)
			}
		}
	}
}

func (s *scanner) scan(what string, tags ...string) []harnessresults.Violation {
	s.t.Helper()
	c, err := s.eng.Check(context.Background(), s.page, a11y.WithTags(tags...), a11y.WithBy("scan"))
	require.NoError(s.t, err, what)
	return c.Violations
}

// report logs what was scanned, and fails with a summary of the
// violations by rule.
func (s *scanner) report() {
	s.t.Helper()
	for _, rule := range sortedKeys(s.found) {
		s.t.Errorf("%s: %d elements (%s)", rule, len(s.found[rule]), strings.Join(s.found[rule], "; "))
	}
	s.t.Logf("scanned %d pages and states: %s", len(s.pages), strings.Join(s.pages, "; "))
	for _, rule := range sortedKeys(s.best) {
		s.t.Logf("best-practice %s: %d (%s)", rule, len(s.best[rule]), strings.Join(s.best[rule], "; "))
	}
}

// visit loads path and scans it.
func (s *scanner) visit(what, path string) {
	s.t.Helper()
	_, err := s.page.Goto(s.base + path)
	require.NoError(s.t, err, what)
	s.check(what)
}

// submit posts form to path from the current page (a real navigation, as
// a form without JavaScript would) and scans the answer.
func (s *scanner) submit(what, path string, form url.Values) {
	s.t.Helper()
	s.post(path, form)
	s.check(what)
}

func (s *scanner) post(path string, form url.Values) {
	s.t.Helper()
	var fields []map[string]any
	for k, vs := range form {
		for _, v := range vs {
			fields = append(fields, map[string]any{"name": k, "value": v})
		}
	}
	_, err := s.page.ExpectNavigation(func() error {
		_, err := s.page.Evaluate(`([action, fields]) => {
			const f = document.createElement('form');
			f.method = 'post';
			f.action = action;
			f.hidden = true;
			for (const {name, value} of fields) {
				const i = document.createElement('input');
				i.type = 'hidden'; i.name = name; i.value = value;
				f.appendChild(i);
			}
			document.body.appendChild(f);
			HTMLFormElement.prototype.submit.call(f);
		}`, []any{path, fields})
		return err
	})
	require.NoError(s.t, err, "post %s", path)
}

func (s *scanner) signIn(username, password string) {
	s.t.Helper()
	_, err := s.page.Goto(s.base + "/login")
	require.NoError(s.t, err)
	require.NoError(s.t, s.page.GetByLabel("Username").Fill(username))
	require.NoError(s.t, s.page.GetByLabel("Password").Fill(password))
	require.NoError(s.t, s.page.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Sign in"}).Click())
	require.NoError(s.t, s.page.WaitForURL(s.base+"/patients"))
}

// visitTabs loads path, scans it, then selects each of its tabs in turn
// and scans what the tab shows.
func (s *scanner) visitTabs(what, path string) {
	s.t.Helper()
	s.visit(what, path)
	tabs, err := s.page.GetByRole("tab").All()
	require.NoError(s.t, err)
	for _, tab := range tabs {
		name, err := tab.TextContent()
		require.NoError(s.t, err)
		require.NoError(s.t, tab.Click())
		s.check(what + ", tab " + strings.TrimSpace(name))
	}
}

// modal clicks the button named name, scans the dialog it opens, and
// closes it with Escape.
func (s *scanner) modal(what, button, role string) {
	s.t.Helper()
	require.NoError(s.t, s.page.GetByRole("button", playwright.PageGetByRoleOptions{Name: button, Exact: playwright.Bool(true)}).Click())
	dialog := s.page.GetByRole(playwright.AriaRole(role))
	require.NoError(s.t, playwright.NewPlaywrightAssertions(15_000).Locator(dialog).ToBeVisible(), what)
	s.check(what)
	require.NoError(s.t, s.page.Keyboard().Press("Escape"))
	require.NoError(s.t, playwright.NewPlaywrightAssertions(15_000).Locator(dialog).ToHaveCount(0), what)
}

// The reference EPR's pages pass axe-core's WCAG 2.0, 2.1 and 2.2 A and AA
// rules with no baseline: every page each role sees, with its errors, its
// tabs and its dialogs. A subtest per role; the last proves the scan
// fails on the defect a11y-unlabelled-field.
func TestEveryPagePassesAxe(t *testing.T) {
	br := launchChromium(t)
	eng := axeEngine(t)
	_, ts := newServer(t, refepr.Config{})
	amy := seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15", "1 Leadworth Lane", "Gloucester", "GL1 1AA")
	rory := seedPatient(t, ts, "9990000026", "Williams", "Rory", "male", "1986-07-01")
	restricted := seedRestricted(t, ts.URL, nhsnumber.TestNumber(204))
	seedBundle(t, ts, "Smith", manyNumbers(25, 1000))
	seedBundle(t, ts, "Jones", manyNumbers(101, 2000))
	postObservation(t, ts, amy, "laboratory", "718-7", "Haemoglobin", "2026-05-30T09:00:00Z", map[string]any{
		"valueQuantity":  map[string]any{"value": 128, "unit": "g/L", "system": "http://unitsofmeasure.org", "code": "g/L"},
		"referenceRange": []any{map[string]any{"low": map[string]any{"value": 115, "unit": "g/L"}, "high": map[string]any{"value": 165, "unit": "g/L"}}},
	})
	postObservation(t, ts, amy, "vital-signs", "29463-7", "Body weight", "2026-05-30T09:00:00Z", ucum(64.5, "kg"))

	// Data through the plain HTTP client: what the pages then show.
	http1 := newBrowser(t, ts)
	http1.signInClinician()
	rec := "/patients/" + amy
	redirectsToRecord(t, http1.post(rec+"/allergies", allergyForm("Penicillin", "Anaphylaxis", "severe")), amy, "allergy")
	redirectsToRecord(t, http1.post(rec+"/medications", url.Values{"drug": {"Paracetamol"}, "dose": {"1 g"}, "route": {"Oral"}, "frequency": {"Four times a day"}}), amy, "prescribed")
	redirectsToRecord(t, http1.post(rec+"/observations", observations("25")), amy, "observations")
	require.Equal(t, http.StatusSeeOther, http1.post(rec+"/appointments", url.Values{"slot": {"cardiology-20260602-0900"}}).status)
	amend := signedNoteAmendPath(t, http1, amy)
	require.Equal(t, http.StatusSeeOther, http1.post(rec+"/notes", url.Values{"note": {"Draft: review in clinic."}}).status)
	record := http1.get(rec)
	stop := Attr(One(t, record.doc, And(Tag("form"), HasAttr("data-confirm", "Stop Paracetamol?")), "stop form"), "action")
	cancel := Attr(One(t, record.doc, And(Tag("form"), HasAttr("data-confirm", "Cancel this appointment?")), "cancel form"), "action")
	edit := Attr(One(t, record.doc, And(Tag("a"), func(n *html.Node) bool { return strings.HasSuffix(Attr(n, "href"), "/edit") }), "update allergy link"), "href")
	reschedule := strings.TrimSuffix(cancel, "/cancel") + "/reschedule"
	recHTTP := newBrowser(t, ts)
	recHTTP.signInReceptionist()
	require.Equal(t, http.StatusSeeOther, recHTTP.post(rec+"/admission", url.Values{"bed": {"ward-7-bed-3"}}).status)
	// Referrals in each worklist status: awaiting booking, booked, withdrawn.
	awaiting := refer(t, ts.URL, "9990000018", "Cardiology", "Chest pain on exertion", "urgent")
	booked := refer(t, ts.URL, "9990000018", "Trauma and orthopaedics", "Knee pain", "routine")
	require.Equal(t, http.StatusSeeOther, recHTTP.post("/referrals/"+booked+"/book", url.Values{"slot": {firstFreeSlot(t, recHTTP, amy, "orthopaedics")}}).status)
	withdrawn := refer(t, ts.URL, "9990000026", "Dermatology", "Eczema", "routine")
	withdraw(t, ts.URL, withdrawn, "9990000026", "Dermatology", "Eczema", "routine")

	// One context per role, the roles at once (axe-core's work is in
	// each context's renderer, so two cores share it).
	role := func(name string, base string, visit func(s *scanner)) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newScanner(t, br, base, eng)
			visit(s)
			s.report()
		})
	}

	role("signed out", ts.URL, func(s *scanner) {
		s.visit("sign-in", "/login")
		s.submit("sign-in refused", "/login", url.Values{"username": {"dr.patel"}, "password": {"wrong"}})
		s.visit("signed out", "/login?signed-out=1")
		s.visit("session ended", "/login?session-ended=1")
		s.visit("about", "/about")
		s.visit("not found", "/nowhere")
	})

	on, err := defects.Parse("news2-boundary,slow-search")
	require.NoError(t, err)
	_, withDefects := newServer(t, refepr.Config{Defects: on})
	role("about, defects on", withDefects.URL, func(s *scanner) {
		s.visit("about, defects on", "/about")
		s.signIn("rec.jones", "reception-pass")
		s.visit("referrals worklist, empty", "/referrals")
	})

	role("doctor", ts.URL, func(s *scanner) {
		s.signIn("dr.patel", "clinician-pass")
		s.check("doctor's home (patient search)")
		s.visit("search, no results", "/patients?name=Nobody")
		s.visit("search results", "/patients?name=Pond")
		s.visit("search results, first of three pages", "/patients?name=Smith")
		s.visit("search results, last page", "/patients?name=Smith&page=3")
		s.visit("search, too many results", "/patients?name=Jones")
		s.visit("search, bad NHS number", "/patients?nhs=9990000019")
		s.visit("search, bad date of birth", "/patients?name=Pond&dob=31/02/1990")
		s.visitTabs("record with allergy alert", rec)
		s.modal("stop medication dialog", "Stop Paracetamol", "alertdialog")
		s.modal("cancel appointment dialog", "Cancel Cardiology appointment on Tue 2 Jun 2026 09:00", "alertdialog")
		s.visitTabs("record without clinical entries", "/patients/"+rory)
		s.visit("record, restricted", "/patients/"+restricted)
		s.visit("break-glass", "/patients/"+restricted+"/break-glass")
		s.submit("break-glass, error", "/patients/"+restricted+"/break-glass", url.Values{})
		s.visit("bed board", "/wards")
		s.visit("forbidden: the audit log", "/audit")
		s.visit("referrals worklist, doctor", "/referrals")
		s.visit("not found, signed in", "/patients/no-such-patient")
	})

	role("doctor's forms", ts.URL, func(s *scanner) {
		s.signIn("dr.patel", "clinician-pass")
		s.visit("allergy form", rec+"/allergies/new")
		s.submit("allergy form, errors", rec+"/allergies", allergyForm("", "", ""))
		s.visit("update allergy", edit)
		s.visit("prescribe", rec+"/medications/new")
		s.submit("prescribe, errors", rec+"/medications", url.Values{})
		s.submit("prescribe, allergy warning", rec+"/medications", url.Values{"drug": {"Amoxicillin"}, "dose": {"500 mg"}, "route": {"Oral"}, "frequency": {"Three times a day"}})
		s.submit("prescribe, no override reason", rec+"/medications", url.Values{"drug": {"Amoxicillin"}, "dose": {"500 mg"}, "route": {"Oral"}, "frequency": {"Three times a day"}, "confirm-override": {"1"}})
		s.visit("stop medication", stop)
		s.visit("observations", rec+"/observations/new")
		s.submit("observations, errors", rec+"/observations", url.Values{})
		s.visit("notes", rec+"/notes")
		s.submit("notes, error", rec+"/notes", url.Values{"note": {""}})
		s.visit("amend note", amend)
		s.submit("amend note, errors", amend, url.Values{})
		s.visit("book", rec+"/appointments/new")
		s.visit("book, unknown clinic", rec+"/appointments/new?clinic=nowhere")
		s.visit("book, slots", rec+"/appointments/new?clinic=cardiology")
		s.visit("book, check", rec+"/appointments/new?slot=cardiology-20260602-0930")
		s.submit("book, slot taken", rec+"/appointments", url.Values{"slot": {"cardiology-20260602-0900"}})
		s.visit("reschedule", reschedule)
		s.visit("cancel appointment", cancel)
	})

	role("receptionist", ts.URL, func(s *scanner) {
		s.signIn("rec.jones", "reception-pass")
		s.check("receptionist's home")
		s.visit("register", "/register")
		s.submit("register, errors", "/register", url.Values{})
		s.submit("register, wrong check digit", "/register", registration("9990000019"))
		s.visitTabs("record, reception", rec)
		s.visit("transfer", rec+"/admission/transfer")
		s.visit("discharge", rec+"/admission/discharge")
		s.visit("forbidden: clinical notes", rec+"/notes")
		s.visit("admit", "/patients/"+rory+"/admission/new")
		s.submit("admit, no bed", "/patients/"+rory+"/admission", url.Values{})
		s.visit("referrals worklist", "/referrals")
		s.visit("book from referral, slots", "/referrals/"+awaiting+"/book")
		s.visit("book from referral, check", "/referrals/"+awaiting+"/book?slot=cardiology-20260602-0930")
		s.submit("book from referral, slot taken", "/referrals/"+awaiting+"/book", url.Values{"slot": {"cardiology-20260602-0900"}})
		s.visit("book from referral, withdrawn (back to the worklist with a toast)", "/referrals/"+withdrawn+"/book")
		s.visit("referral not found", "/referrals/no-such-referral/book")
	})

	role("administrator", ts.URL, func(s *scanner) {
		s.signIn("admin.smith", "admin-pass")
		s.check("administrator's home")
		s.visit("audit", "/audit")
		s.visit("audit, errors", "/audit?patient=123&from=x")
		s.visit("audit, referral withdrawn", "/audit?action=withdraw-referral")
		s.visit("forbidden: the referrals worklist", "/referrals")
		s.visit("users", "/admin/users")
	})

	role("GP practice", ts.URL, func(s *scanner) {
		s.signIn("gp.brown", "gp-pass")
		s.check("GP practice's home")
		s.visitTabs("record, GP practice", rec)
	})

	// The nurse's context runs a fake clock, so the session timeout
	// warning appears without waiting 13 minutes.
	role("nurse", ts.URL, func(s *scanner) {
		require.NoError(s.t, s.page.Context().Clock().Install())
		s.signIn("nurse.okafor", "nurse-pass")
		s.check("nurse's home")
		s.visitTabs("record, nurse", rec)
		require.NoError(s.t, s.page.Clock().FastForward("13:01"))
		dialog := s.page.GetByRole("dialog")
		require.NoError(s.t, playwright.NewPlaywrightAssertions(15_000).Locator(dialog).ToContainText("Your session will end in 2 minutes"))
		s.check("session timeout warning")
	})

	// The scan can fail: with a11y-unlabelled-field on, the registration
	// form has exactly one violation, Address line 2's missing label.
	_, unlabelled := newServer(t, withDefect(t, defects.A11yUnlabelledField))
	t.Run("a11y-unlabelled-field", func(t *testing.T) {
		t.Parallel()
		s := newScanner(t, br, unlabelled.URL, eng)
		s.signIn("rec.jones", "reception-pass")
		_, err := s.page.Goto(unlabelled.URL + "/register")
		require.NoError(t, err)
		var got []string
		for _, v := range s.scan("register, defect on", a11y.DefaultTags...) {
			for _, n := range v.Nodes {
				got = append(got, v.Rule+" "+n.HTML)
			}
		}
		require.Len(t, got, 1, "with a11y-unlabelled-field on: %v", got)
		require.Regexp(t, `^label <input id="reg-address-line-2-[0-9a-f]+" name="address-line-2" `, got[0])
	})
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
