package refepr_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/eprharness/eprharness/sut/refepr"
	"github.com/eprharness/eprharness/sut/refepr/defects"
	. "github.com/eprharness/eprharness/sut/refepr/internal/htmltest"
)

// allergyAlert returns the banner's allergy alert, or "" when the banner
// has none.
func allergyAlert(t *testing.T, p page) string {
	t.Helper()
	require.NotNil(t, p.doc, p.body)
	banner := One(t, p.doc, HasAttr("aria-label", "Patient banner"), "patient banner")
	dd := ByLabel(banner, "Allergies")
	if len(dd) == 0 {
		return ""
	}
	require.Len(t, dd, 1)
	return Text(dd[0])
}

// labelled returns the text of the element labelled text, failing unless
// there is exactly one.
func labelled(t *testing.T, root *html.Node, text string) string {
	t.Helper()
	els := ByLabel(root, text)
	require.Len(t, els, 1, "one element labelled %q", text)
	return Text(els[0])
}

func mustSee(t *testing.T, p page, status int) page {
	t.Helper()
	require.Equal(t, status, p.status, p.body)
	return p
}

func redirectsToRecord(t *testing.T, p page, id, done string) {
	t.Helper()
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	assert.Equal(t, "/patients/"+id+"?done="+done, p.location)
}

func allergyForm(substance, reaction, severity string) url.Values {
	return url.Values{"substance": {substance}, "reaction": {reaction}, "severity": {severity}}
}

func TestClinicalAllergiesAndBanner(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	id := seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	b := newBrowser(t, ts)
	b.signInClinician()

	p := mustSee(t, b.get("/patients/"+id), http.StatusOK)
	assert.Equal(t, "Allergies not recorded", allergyAlert(t, p))
	One(t, p.doc, And(Tag("h2"), TextIs("Allergies and intolerances")), "allergies heading")

	// The form: labels, and errors inline and in a summary.
	p = mustSee(t, b.get("/patients/"+id+"/allergies/new"), http.StatusOK)
	checkLayout(t, p, "Record an allergy – POND, Amy")
	require.Len(t, ByLabel(p.doc, "Substance"), 1)
	require.Len(t, ByLabel(p.doc, "Reaction"), 1)
	require.Len(t, ByLabel(p.doc, "Severe"), 1)
	p = mustSee(t, b.post("/patients/"+id+"/allergies", allergyForm("", "", "")), http.StatusUnprocessableEntity)
	checkLayout(t, p, "Error: Record an allergy – POND, Amy")
	alert := One(t, p.doc, Role("alert"), "error summary")
	assert.Contains(t, Text(alert), "There is a problem Enter the substance Enter the reaction Select the severity")
	assert.Equal(t, "true", Attr(ByLabel(p.doc, "Substance")[0], "aria-invalid"))

	redirectsToRecord(t, b.post("/patients/"+id+"/allergies", allergyForm("Penicillin", "Anaphylaxis", "severe")), id, "allergy")
	p = mustSee(t, b.get("/patients/"+id+"?done=allergy"), http.StatusOK)
	assert.Equal(t, "Allergies: Penicillin (anaphylaxis)", allergyAlert(t, p))
	One(t, p.doc, And(Role("status"), TextIs("Allergy recorded")), "notice")
	redirectsToRecord(t, b.post("/patients/"+id+"/allergies", allergyForm("Latex", "Urticaria", "moderate")), id, "allergy")
	p = b.get("/patients/" + id)
	assert.Equal(t, "Allergies: Penicillin (anaphylaxis), Latex (urticaria)", allergyAlert(t, p))
	assert.Empty(t, All(p.doc, And(Tag("button"), TextIs("Record no known allergies"))), "not while allergies are active")

	// Update, resolve, entered in error.
	edit := One(t, p.doc, And(Tag("a"), TextIs("Update Latex allergy")), "update link")
	p = mustSee(t, b.get(Attr(edit, "href")), http.StatusOK)
	assert.Equal(t, "Latex", Attr(ByLabel(p.doc, "Substance")[0], "value"))
	redirectsToRecord(t, b.post(Attr(edit, "href")[:len(Attr(edit, "href"))-len("/edit")], allergyForm("Latex", "Rash", "mild")), id, "allergy-updated")
	p = b.get("/patients/" + id)
	assert.Equal(t, "Allergies: Penicillin (anaphylaxis), Latex (rash)", allergyAlert(t, p))
	resolve := One(t, p.doc, And(Tag("button"), TextIs("Resolve Latex allergy")), "resolve button")
	redirectsToRecord(t, b.post(Attr(resolve.Parent, "action"), nil), id, "allergy-resolved")
	eie := One(t, b.get("/patients/"+id).doc, And(Tag("button"), HasAttr("aria-label", "Mark Penicillin allergy as entered in error")), "entered-in-error button")
	redirectsToRecord(t, b.post(Attr(eie.Parent, "action"), nil), id, "allergy-error")
	p = b.get("/patients/" + id)
	assert.Equal(t, "Allergies not recorded", allergyAlert(t, p))

	nka := One(t, p.doc, And(Tag("button"), TextIs("Record no known allergies")), "no known allergies button")
	redirectsToRecord(t, b.post(Attr(nka.Parent, "action"), nil), id, "nka")
	assert.Equal(t, "No known allergies", allergyAlert(t, b.get("/patients/"+id)))
	// Recording an allergy supersedes "No known allergies".
	redirectsToRecord(t, b.post("/patients/"+id+"/allergies", allergyForm("Peanut", "Swelling", "severe")), id, "allergy")
	assert.Equal(t, "Allergies: Peanut (swelling)", allergyAlert(t, b.get("/patients/"+id)))
	mustSee(t, b.post("/patients/"+id+"/allergies/none", nil), http.StatusConflict)
}

func TestClinicalAllergyAlertStaleDefect(t *testing.T) {
	for _, on := range []bool{false, true} {
		cfg := refepr.Config{}
		if on {
			set, err := defects.Parse(string(defects.AllergyAlertStale))
			require.NoError(t, err)
			cfg.Defects = set
		}
		_, ts := newServer(t, cfg)
		id := seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
		b := newBrowser(t, ts)
		b.signInClinician()
		redirectsToRecord(t, b.post("/patients/"+id+"/allergies", allergyForm("Penicillin", "Rash", "mild")), id, "allergy")
		assert.Equal(t, "Allergies: Penicillin (rash)", allergyAlert(t, b.get("/patients/"+id)), "before the update, defect %v", on)
		edit := One(t, b.get("/patients/"+id).doc, And(Tag("a"), TextIs("Update Penicillin allergy")), "update link")
		redirectsToRecord(t, b.post(strings.TrimSuffix(Attr(edit, "href"), "/edit"), allergyForm("Penicillin", "Anaphylaxis", "severe")), id, "allergy-updated")
		want := "Allergies: Penicillin (anaphylaxis)"
		if on {
			want = ""
		}
		assert.Equal(t, want, allergyAlert(t, b.get("/patients/"+id)), "after the update, defect %v", on)
	}
}

func TestClinicalPrescribingHardStop(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	id := seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	b := newBrowser(t, ts)
	b.signInClinician()
	redirectsToRecord(t, b.post("/patients/"+id+"/allergies", allergyForm("Penicillin", "Anaphylaxis", "severe")), id, "allergy")

	p := mustSee(t, b.get("/patients/"+id+"/medications/new"), http.StatusOK)
	checkLayout(t, p, "Prescribe a medication – POND, Amy")
	for _, l := range []string{"Drug", "Dose", "Route", "Frequency"} {
		require.Len(t, ByLabel(p.doc, l), 1, l)
	}
	rx := url.Values{"drug": {"Amoxicillin"}, "dose": {"500 mg"}, "route": {"Oral"}, "frequency": {"Three times a day"}}
	p = mustSee(t, b.post("/patients/"+id+"/medications", rx), http.StatusConflict)
	warning := One(t, p.doc, Role("alert"), "allergy warning")
	assert.Contains(t, Text(warning), "Allergy warning Amoxicillin conflicts with the penicillin allergy (anaphylaxis)")
	require.Len(t, ByLabel(p.doc, "Reason for overriding the allergy warning"), 1)
	One(t, p.doc, And(Tag("button"), TextIs("Prescribe despite the allergy")), "override button")

	rx.Set("confirm-override", "1")
	p = mustSee(t, b.post("/patients/"+id+"/medications", rx), http.StatusUnprocessableEntity)
	assert.Contains(t, Text(One(t, p.doc, And(Role("alert"), HasAttr("class", "error-summary")), "error summary")), "Enter a reason for overriding the allergy warning")
	p = b.get("/patients/" + id)
	One(t, p.doc, And(Tag("p"), TextIs("No medications prescribed")), "nothing prescribed without a reason")

	rx.Set("override", "Tolerated amoxicillin in 2024 without reaction")
	redirectsToRecord(t, b.post("/patients/"+id+"/medications", rx), id, "prescribed")
	// A drug without conflict goes straight through.
	redirectsToRecord(t, b.post("/patients/"+id+"/medications", url.Values{"drug": {"Paracetamol"}, "dose": {"1 g"}, "route": {"Oral"}, "frequency": {"Four times a day"}}), id, "prescribed")
	p = b.get("/patients/" + id)
	assert.Contains(t, p.body, "Allergy warning overridden: Tolerated amoxicillin in 2024 without reaction")

	// Stop is a POST form that asks first, with the reason, in the shared
	// modal.
	stop := One(t, p.doc, And(Tag("form"), HasAttr("data-confirm", "Stop Paracetamol?")), "stop form")
	action := Attr(stop, "action")
	assert.Equal(t, "post", Attr(stop, "method"))
	assert.Equal(t, "Stop Paracetamol", Text(One(t, stop, Tag("button"), "stop button")))
	assert.Equal(t, "Paracetamol 1 g, Oral, Four times a day, prescribed by Dr Priya Patel.", Attr(stop, "data-confirm-detail"))
	assert.Equal(t, "Yes, stop this medication", Attr(stop, "data-confirm-button"))
	assert.Equal(t, "No, keep it", Attr(stop, "data-confirm-cancel"))
	assert.Equal(t, "reason", Attr(stop, "data-confirm-field"))
	assert.Equal(t, "Reason for stopping (optional)", Attr(stop, "data-confirm-field-label"))
	// Without JavaScript the form posts unconfirmed: the answer is the
	// confirmation page with the patient banner, and nothing is stopped.
	for _, unconfirmed := range []page{b.get(action), b.post(action, url.Values{"reason": {"Pain resolved"}})} {
		mustSee(t, unconfirmed, http.StatusOK)
		checkLayout(t, unconfirmed, "Stop Paracetamol – POND, Amy")
		assert.Equal(t, "Stop Paracetamol?", Text(One(t, unconfirmed.doc, Tag("h1"), "h1")))
		assert.Equal(t, "Allergies: Penicillin (anaphylaxis)", allergyAlert(t, unconfirmed))
		form := One(t, unconfirmed.doc, And(Tag("form"), HasAttr("action", action)), "confirmation form")
		One(t, form, And(Tag("input"), HasAttr("name", "confirmed"), HasAttr("value", "yes")), "confirmed field")
		require.Len(t, ByLabel(form, "Reason for stopping (optional)"), 1)
	}
	assert.Equal(t, "Pain resolved", Text(ByLabel(b.post(action, url.Values{"reason": {"Pain resolved"}}).doc, "Reason for stopping (optional)")[0]), "the reason is kept")
	One(t, b.get("/patients/"+id).doc, And(Tag("form"), HasAttr("data-confirm", "Stop Paracetamol?")), "still active")
	redirectsToRecord(t, b.post(action, url.Values{"reason": {"Pain resolved"}, "confirmed": {"yes"}}), id, "stopped")
	p = b.get("/patients/" + id)
	assert.Contains(t, p.body, "Stopped (Pain resolved)")
	assert.Empty(t, All(p.doc, And(Tag("form"), HasAttr("data-confirm", "Stop Paracetamol?"))))
	mustSee(t, b.post(action, url.Values{"confirmed": {"yes"}}), http.StatusNotFound)
}

func TestClinicalPermissions(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	id := seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")

	nurse := newBrowser(t, ts)
	nurse.signIn("nurse.okafor", "nurse-pass")
	p := nurse.get("/patients/" + id)
	assert.Equal(t, "Allergies not recorded", allergyAlert(t, p))
	assert.Empty(t, All(p.doc, And(Tag("a"), TextIs("Prescribe a medication"))))
	One(t, p.doc, And(Tag("a"), TextIs("Record observations")), "record observations link")
	mustSee(t, nurse.get("/patients/"+id+"/medications/new"), http.StatusForbidden)
	mustSee(t, nurse.post("/patients/"+id+"/medications", url.Values{"drug": {"Paracetamol"}}), http.StatusForbidden)
	mustSee(t, nurse.get("/patients/"+id+"/observations/new"), http.StatusOK)

	for _, u := range [][2]string{{"rec.jones", "reception-pass"}, {"admin.smith", "admin-pass"}} {
		b := newBrowser(t, ts)
		b.signIn(u[0], u[1])
		p := mustSee(t, b.get("/patients/"+id), http.StatusOK)
		assert.Empty(t, allergyAlert(t, p), u[0])
		assert.Empty(t, All(p.doc, And(Tag("h2"), TextIs("Allergies and intolerances"))), u[0])
		assert.Empty(t, All(p.doc, And(Tag("h2"), TextIs("Medications"))), u[0])
		for _, path := range []string{"/allergies/new", "/medications/new", "/observations/new"} {
			p := mustSee(t, b.get("/patients/"+id+path), http.StatusForbidden)
			assert.Equal(t, "You do not have permission to do this", Text(One(t, p.doc, Tag("h1"), "h1")))
		}
		mustSee(t, b.post("/patients/"+id+"/allergies", allergyForm("Penicillin", "Rash", "mild")), http.StatusForbidden)
		mustSee(t, b.post("/patients/"+id+"/observations", url.Values{}), http.StatusForbidden)
	}
}

func observations(rr string) url.Values {
	return url.Values{"rr": {rr}, "spo2": {"96"}, "scale": {"1"}, "air": {"air"}, "systolic": {"120"}, "pulse": {"80"}, "acvpu": {"A"}, "temp": {"37.0"}}
}

func news2Of(t *testing.T, p page) (score, risk, trigger string) {
	t.Helper()
	region := One(t, p.doc, HasAttr("aria-labelledby", "news2-heading"), "NEWS2 region")
	return labelled(t, region, "NEWS2 score"), labelled(t, region, "Clinical risk"), labelled(t, region, "Response")
}

func TestClinicalObservationsAndNEWS2(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	id := seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	b := newBrowser(t, ts)
	b.signIn("nurse.okafor", "nurse-pass")

	p := mustSee(t, b.get("/patients/"+id+"/observations/new"), http.StatusOK)
	checkLayout(t, p, "Record observations – POND, Amy")
	for _, l := range []string{"Respiration rate", "SpO2", "Scale 1", "Scale 2", "Air", "Oxygen", "Systolic blood pressure", "Pulse", "Consciousness", "Temperature"} {
		require.Len(t, ByLabel(p.doc, l), 1, l)
	}
	bad := observations("many")
	bad.Set("temp", "37.55")
	p = mustSee(t, b.post("/patients/"+id+"/observations", bad), http.StatusUnprocessableEntity)
	summary := Text(One(t, p.doc, Role("alert"), "error summary"))
	assert.Contains(t, summary, "Respiration rate must be a whole number")
	assert.Contains(t, summary, "Temperature must be a number with at most one decimal place")

	for _, c := range []struct{ rr, score, risk, trigger string }{
		{"16", "0", "Low", "Ward-based response"},
		{"24", "2", "Low", "Ward-based response"},
		{"25", "3", "Low-medium", "Urgent ward-based response"},
	} {
		redirectsToRecord(t, b.post("/patients/"+id+"/observations", observations(c.rr)), id, "observations")
		score, risk, trigger := news2Of(t, b.get("/patients/"+id))
		assert.Equal(t, []string{c.score, c.risk, c.trigger}, []string{score, risk, trigger}, "RR %s", c.rr)
	}
	high := url.Values{"rr": {"26"}, "spo2": {"90"}, "scale": {"1"}, "air": {"oxygen"}, "systolic": {"95"}, "pulse": {"120"}, "acvpu": {"V"}, "temp": {"39.5"}}
	redirectsToRecord(t, b.post("/patients/"+id+"/observations", high), id, "observations")
	score, risk, trigger := news2Of(t, b.get("/patients/"+id))
	assert.Equal(t, []string{"17", "High", "Urgent or emergency response"}, []string{score, risk, trigger})
}

func TestClinicalNEWS2BoundaryDefect(t *testing.T) {
	set, err := defects.Parse(string(defects.NEWS2Boundary))
	require.NoError(t, err)
	_, ts := newServer(t, refepr.Config{Defects: set})
	id := seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	b := newBrowser(t, ts)
	b.signInClinician()
	// The 21–24 band (score 2) is stretched by one: 25 scores 2, not 3.
	for _, c := range []struct{ rr, score string }{{"23", "2"}, {"24", "2"}, {"25", "2"}, {"26", "3"}} {
		redirectsToRecord(t, b.post("/patients/"+id+"/observations", observations(c.rr)), id, "observations")
		score, _, _ := news2Of(t, b.get("/patients/"+id))
		assert.Equal(t, c.score, score, "RR %s under the defect", c.rr)
	}
}
