package refepr_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/eprharness/eprharness/nhsnumber"
	"github.com/eprharness/eprharness/sut/refepr"
	"github.com/eprharness/eprharness/sut/refepr/defects"
	. "github.com/eprharness/eprharness/sut/refepr/internal/htmltest"
)

// checkAccessible checks the accessibility basics of a page: one h1; the
// landmarks banner (the page header), main, contentinfo (the footer) and,
// when signed in, the "Main" navigation; unique ids, and aria references
// that resolve; a label for every form control; and an error summary whose
// links each lead to a field of the page.
func checkAccessible(t *testing.T, p page, what string, signedIn bool) {
	t.Helper()
	require.NotNil(t, p.doc, "%s: %s", what, p.body)
	assert.Len(t, All(p.doc, Tag("h1")), 1, "%s: one h1", what)
	body := One(t, p.doc, Tag("body"), "body")
	var header, main, footer int
	for c := body.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		switch c.Data {
		case "header":
			header++
		case "main":
			main++
		case "footer":
			footer++
		}
	}
	assert.Equal(t, 1, header, "%s: one page header (banner landmark)", what)
	assert.Equal(t, 1, main, "%s: one main landmark", what)
	assert.Len(t, All(p.doc, Tag("main")), 1, "%s: main", what)
	assert.Equal(t, 1, footer, "%s: one page footer (contentinfo landmark)", what)
	navs := All(p.doc, And(Tag("nav"), HasAttr("aria-label", "Main")))
	if signedIn {
		assert.Len(t, navs, 1, "%s: main navigation", what)
	}

	ids := map[string]*html.Node{}
	for _, n := range All(p.doc, func(n *html.Node) bool { return Attr(n, "id") != "" }) {
		id := Attr(n, "id")
		assert.NotContains(t, ids, id, "%s: duplicate id %q", what, id)
		ids[id] = n
	}
	for _, key := range []string{"aria-labelledby", "aria-describedby", "for"} {
		for _, n := range All(p.doc, func(n *html.Node) bool { return Attr(n, key) != "" }) {
			for _, ref := range strings.Fields(Attr(n, key)) {
				assert.Contains(t, ids, ref, "%s: <%s %s=%q> refers to no element", what, n.Data, key, ref)
			}
		}
	}

	controls := All(p.doc, func(n *html.Node) bool {
		switch n.Data {
		case "input":
			return Attr(n, "type") != "hidden"
		case "select", "textarea":
			return true
		}
		return false
	})
	for _, c := range controls {
		labelled := Attr(c, "aria-label") != "" || Attr(c, "aria-labelledby") != ""
		if id := Attr(c, "id"); id != "" && len(All(p.doc, And(Tag("label"), HasAttr("for", id)))) == 1 {
			labelled = true
		}
		assert.True(t, labelled, "%s: <%s name=%q> has a label", what, c.Data, Attr(c, "name"))
	}

	for _, summary := range All(p.doc, HasAttr("class", "error-summary")) {
		assert.Equal(t, "alert", Attr(summary, "role"), "%s: the error summary is announced", what)
		var fieldLinks int
		for _, a := range All(summary, Tag("a")) {
			href := Attr(a, "href")
			if !strings.HasPrefix(href, "#") {
				continue // a way out, such as "Choose another slot"
			}
			target, ok := ids[strings.TrimPrefix(href, "#")]
			if !assert.True(t, ok, "%s: error summary link %q leads nowhere", what, href) {
				continue
			}
			switch target.Data {
			case "input", "select", "textarea":
				fieldLinks++
			default:
				t.Errorf("%s: error summary link %q leads to a <%s>, not a field", what, href, target.Data)
			}
		}
		if len(controls) > 0 && len(All(summary, And(Tag("a"), func(n *html.Node) bool { return !strings.HasPrefix(Attr(n, "href"), "#") }))) == 0 {
			assert.NotZero(t, fieldLinks, "%s: the error summary %q links to its field", what, Text(summary))
		}
	}
}

// Every page, as the roles that see it, and with its errors.
func TestEveryPageHasTheAccessibilityBasics(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	amy := seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15", "1 Leadworth Lane", "Gloucester", "GL1 1AA")
	restricted := seedRestricted(t, ts.URL, nhsnumber.TestNumber(204))
	check := func(p page, what string, signedIn bool) {
		t.Helper()
		checkAccessible(t, p, what, signedIn)
	}

	anon := newBrowser(t, ts)
	check(anon.get("/login"), "sign-in", false)
	check(anon.post("/login", url.Values{"username": {"x"}, "password": {"y"}}), "sign-in refused", false)
	check(anon.get("/about"), "about", false)
	check(anon.get("/nowhere"), "not found", false)

	doc := newBrowser(t, ts)
	doc.signInClinician()
	rec := "/patients/" + amy
	redirectsToRecord(t, doc.post(rec+"/allergies", allergyForm("Penicillin", "Anaphylaxis", "severe")), amy, "allergy")
	redirectsToRecord(t, doc.post(rec+"/medications", url.Values{"drug": {"Paracetamol"}, "dose": {"1 g"}, "route": {"Oral"}, "frequency": {"Four times a day"}}), amy, "prescribed")
	require.Equal(t, http.StatusSeeOther, doc.post(rec+"/appointments", url.Values{"slot": {"cardiology-20260602-0900"}}).status)
	amend := signedNoteAmendPath(t, doc, amy)
	record := doc.get(rec)
	stop := Attr(One(t, record.doc, And(Tag("form"), HasAttr("data-confirm", "Stop Paracetamol?")), "stop form"), "action")
	cancel := Attr(One(t, record.doc, And(Tag("form"), HasAttr("data-confirm", "Cancel this appointment?")), "cancel form"), "action")
	for what, p := range map[string]page{
		"search":                    doc.get("/patients"),
		"search results":            doc.get("/patients?name=Pond"),
		"search, bad NHS number":    doc.get("/patients?nhs=9990000019"),
		"search, bad date of birth": doc.get("/patients?name=Pond&dob=31/02/1990"),
		"record":                    record,
		"record, restricted":        doc.get("/patients/" + restricted),
		"allergy form":              doc.get(rec + "/allergies/new"),
		"allergy form, errors":      doc.post(rec+"/allergies", allergyForm("", "", "")),
		"prescribe":                 doc.get(rec + "/medications/new"),
		"prescribe, errors":         doc.post(rec+"/medications", url.Values{}),
		"prescribe, allergy":        doc.post(rec+"/medications", url.Values{"drug": {"Amoxicillin"}, "dose": {"500 mg"}, "route": {"Oral"}, "frequency": {"Three times a day"}}),
		"prescribe, no override":    doc.post(rec+"/medications", url.Values{"drug": {"Amoxicillin"}, "dose": {"500 mg"}, "route": {"Oral"}, "frequency": {"Three times a day"}, "confirm-override": {"1"}}),
		"stop medication":           doc.get(stop),
		"observations":              doc.get(rec + "/observations/new"),
		"observations, errors":      doc.post(rec+"/observations", url.Values{}),
		"notes":                     doc.get(rec + "/notes"),
		"notes, error":              doc.post(rec+"/notes", url.Values{"note": {""}}),
		"amend note":                doc.get(amend),
		"amend note, errors":        doc.post(amend, url.Values{}),
		"break-glass":               doc.get("/patients/" + restricted + "/break-glass"),
		"break-glass, error":        doc.post("/patients/"+restricted+"/break-glass", url.Values{}),
		"book":                      doc.get(rec + "/appointments/new"),
		"book, unknown clinic":      doc.get(rec + "/appointments/new?clinic=nowhere"),
		"book, slots":               doc.get(rec + "/appointments/new?clinic=cardiology"),
		"book, check":               doc.get(rec + "/appointments/new?slot=cardiology-20260602-0930"),
		"book, taken":               doc.post(rec+"/appointments", url.Values{"slot": {"cardiology-20260602-0900"}}),
		"cancel appointment":        doc.get(cancel),
		"admit":                     doc.get(rec + "/admission/new"),
		"admit, no bed":             doc.post(rec+"/admission", url.Values{}),
		"bed board":                 doc.get("/wards"),
		"forbidden":                 doc.get("/register"),
	} {
		check(p, what, true)
	}

	recep := newBrowser(t, ts)
	recep.signInReceptionist()
	require.Equal(t, http.StatusSeeOther, recep.post(rec+"/admission", url.Values{"bed": {"ward-7-bed-3"}}).status)
	check(recep.get("/referrals"), "referrals worklist, empty", true)
	awaiting := refer(t, ts.URL, "9990000018", "Cardiology", "Chest pain on exertion", "urgent")
	booked := refer(t, ts.URL, "9990000018", "Trauma and orthopaedics", "Knee pain", "routine")
	require.Equal(t, http.StatusSeeOther, recep.post("/referrals/"+booked+"/book", url.Values{"slot": {firstFreeSlot(t, recep, amy, "orthopaedics")}}).status)
	withdrawn := refer(t, ts.URL, "9990000018", "Dermatology", "Eczema", "routine")
	withdraw(t, ts.URL, withdrawn, "9990000018", "Dermatology", "Eczema", "routine")
	for what, p := range map[string]page{
		"register":                         recep.get("/register"),
		"register, errors":                 recep.post("/register", url.Values{}),
		"record, reception":                recep.get(rec),
		"transfer":                         recep.get(rec + "/admission/transfer"),
		"discharge":                        recep.get(rec + "/admission/discharge"),
		"referrals worklist":               recep.get("/referrals"),
		"book from referral, slots":        recep.get("/referrals/" + awaiting + "/book"),
		"book from referral, check":        recep.get("/referrals/" + awaiting + "/book?slot=cardiology-20260602-0930"),
		"book from referral, slot taken":   recep.post("/referrals/"+awaiting+"/book", url.Values{"slot": {"cardiology-20260602-0900"}}),
		"book from referral, no such slot": recep.get("/referrals/" + awaiting + "/book?slot=nowhere"),
		"book from referral, not found":    recep.get("/referrals/no-such-referral/book"),
	} {
		check(p, what, true)
	}

	admin := newBrowser(t, ts)
	admin.signIn("admin.smith", "admin-pass")
	for what, p := range map[string]page{
		"audit":                admin.get("/audit"),
		"audit, errors":        admin.get("/audit?patient=123&from=x"),
		"users":                admin.get("/admin/users"),
		"referrals, forbidden": admin.get("/referrals"),
	} {
		check(p, what, true)
	}
}

// labelFor returns the <label for> of the form control named name, or nil.
func labelFor(t *testing.T, p page, name string) *html.Node {
	t.Helper()
	control := One(t, p.doc, HasAttr("name", name), "field "+name)
	assert.Empty(t, Attr(control, "aria-label"), "no aria-label on %s", name)
	assert.Empty(t, Attr(control, "aria-labelledby"), "no aria-labelledby on %s", name)
	labels := All(p.doc, And(Tag("label"), HasAttr("for", Attr(control, "id"))))
	if len(labels) == 0 {
		return nil
	}
	return labels[0]
}

// The defect a11y-unlabelled-field takes "Address line 2 (optional)" off
// the registration form's label list, on the empty form and on the form
// with errors, and leaves its text on the page; every other field keeps
// its label. Every showing of the form is recorded as reaching the defect.
func TestDefectUnlabelledFieldDropsAddressLine2sLabel(t *testing.T) {
	for _, on := range []bool{false, true} {
		cfg := refepr.Config{}
		if on {
			cfg = withDefect(t, defects.A11yUnlabelledField)
		}
		var trace bytes.Buffer
		cfg.DefectTrace = &trace
		_, ts := newServer(t, cfg)
		b := newBrowser(t, ts)
		b.signInReceptionist()
		get := func(path, scenario string) page {
			req, err := http.NewRequest(http.MethodGet, ts.URL+path, nil)
			require.NoError(t, err)
			req.Header.Set(defects.ScenarioHeader, scenario)
			return b.do(req)
		}
		req, err := http.NewRequest(http.MethodPost, ts.URL+"/register", strings.NewReader(""))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(defects.ScenarioHeader, "features/b.feature:9")
		for what, p := range map[string]page{"empty form": get("/register", "features/a.feature:3"), "form with errors": b.do(req)} {
			require.NotNil(t, p.doc, "%s: %s", what, p.body)
			label := labelFor(t, p, "address-line-2")
			if on {
				assert.Nil(t, label, "defect on, %s: Address line 2 has no label", what)
				One(t, p.doc, And(Tag("p"), TextIs("Address line 2 (optional)")), what+": the text stays")
			} else if assert.NotNil(t, label, "defect off, %s: Address line 2 has its label", what) {
				assert.Equal(t, "Address line 2 (optional)", Text(label))
			}
			for _, name := range []string{"nhs-number", "given", "family", "birth-date", "address-line-1", "town", "postcode", "gp-practice", "restricted"} {
				assert.NotNil(t, labelFor(t, p, name), "defect on: %v, %s: %s keeps its label", on, what, name)
			}
		}
		get("/patients?name=Pond", "features/c.feature:5")
		var reached []string
		for _, line := range strings.Split(trace.String(), "\n") {
			if strings.Contains(line, `"a11y-unlabelled-field"`) {
				reached = append(reached, line)
			}
		}
		assert.Equal(t, []string{
			`{"defect":"a11y-unlabelled-field","scenario":"features/a.feature:3"}`,
			`{"defect":"a11y-unlabelled-field","scenario":"features/b.feature:9"}`,
		}, reached, "defect on: %v: showing the registration form reaches the defect, the search page does not", on)
	}
}
