package refepr_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/nhsnumber"
	"github.com/eprharness/eprharness/sut/refepr"
	"github.com/eprharness/eprharness/sut/refepr/defects"
	. "github.com/eprharness/eprharness/sut/refepr/internal/htmltest"
)

// amyBanner is Amy Pond's banner on 2026-06-01 (the test clock).
var amyBanner = map[string]string{
	"Name": "POND, Amy", "NHS number": "999 000 0018", "Date of birth": "15-Mar-1987", "Age": "39y", "Gender": "Female",
}

// signedNoteAmendPath writes and signs a note as b and returns the note's
// amendment page.
func signedNoteAmendPath(t *testing.T, b *browser, id string) string {
	t.Helper()
	notes := "/patients/" + id + "/notes"
	p := b.post(notes, url.Values{"note": {"Chest clear."}})
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	sign := One(t, One(t, b.get(notes).doc, Tag("article"), "note"), Tag("form"), "sign form")
	require.Equal(t, http.StatusSeeOther, b.post(Attr(sign, "action"), nil).status)
	amend := One(t, One(t, b.get(notes).doc, Tag("article"), "note"), And(Tag("a"), TextIs("Amend note")), "amend link")
	return Attr(amend, "href")
}

// Every page about a patient's record shows the same banner: name, NHS
// number, date of birth, age, gender and, for clinical roles, the allergy
// alert.
func TestBannerIsTheSameOnEveryRecordPage(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	id := seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	b := newBrowser(t, ts)
	b.signInClinician()
	redirectsToRecord(t, b.post("/patients/"+id+"/allergies", allergyForm("Penicillin", "Anaphylaxis", "severe")), id, "allergy")
	redirectsToRecord(t, b.post("/patients/"+id+"/medications", url.Values{"drug": {"Paracetamol"}, "dose": {"1 g"}, "route": {"Oral"}, "frequency": {"Four times a day"}}), id, "prescribed")
	rx := One(t, b.get("/patients/"+id).doc, And(Tag("form"), HasAttr("data-confirm", "Stop Paracetamol?")), "stop form")
	amend := signedNoteAmendPath(t, b, id)

	for _, path := range []string{
		"/patients/" + id,
		"/patients/" + id + "/allergies/new",
		"/patients/" + id + "/medications/new",
		Attr(rx, "action"),
		"/patients/" + id + "/observations/new",
		"/patients/" + id + "/notes",
		amend,
	} {
		p := b.get(path)
		require.Equal(t, http.StatusOK, p.status, path)
		got := banner(t, p)
		for k, v := range amyBanner {
			assert.Equal(t, v, got[k], "%s: %s", path, k)
		}
		assert.Equal(t, "Allergies: Penicillin (anaphylaxis)", got["Allergies"], path)
	}
	// The form pages with errors keep the banner too.
	p := b.post("/patients/"+id+"/notes", url.Values{"note": {" "}})
	require.Equal(t, http.StatusUnprocessableEntity, p.status)
	assert.Equal(t, "Allergies: Penicillin (anaphylaxis)", banner(t, p)["Allergies"])
	p = b.post(amend, url.Values{"note": {""}, "reason": {""}})
	require.Equal(t, http.StatusUnprocessableEntity, p.status)
	assert.Equal(t, "Allergies: Penicillin (anaphylaxis)", banner(t, p)["Allergies"])
}

func TestBannerAllergyAlertOnTheNotesPage(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	none := seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	unknown := seedPatient(t, ts, "9990000026", "Williams", "Rory", "male", "1986-07-01")
	b := newBrowser(t, ts)
	b.signIn("nurse.okafor", "nurse-pass")
	redirectsToRecord(t, b.post("/patients/"+none+"/allergies/none", nil), none, "nka")
	assert.Equal(t, "No known allergies", banner(t, b.get("/patients/"+none+"/notes"))["Allergies"])
	assert.Equal(t, "Allergies not recorded", banner(t, b.get("/patients/"+unknown+"/notes"))["Allergies"])
}

// A receptionist who can open the notes (the receptionist-notes defect)
// still sees no allergy alert: it is clinical content.
func TestBannerWithoutAllergyAlertForNonClinicalRoles(t *testing.T) {
	_, ts := newServer(t, withDefect(t, defects.ReceptionistNotes))
	id := seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	doc := newBrowser(t, ts)
	doc.signInClinician()
	redirectsToRecord(t, doc.post("/patients/"+id+"/allergies", allergyForm("Penicillin", "Anaphylaxis", "severe")), id, "allergy")
	rec := newBrowser(t, ts)
	rec.signInReceptionist()
	for _, path := range []string{"/patients/" + id, "/patients/" + id + "/notes"} {
		p := rec.get(path)
		require.Equal(t, http.StatusOK, p.status, path)
		got := banner(t, p)
		assert.Equal(t, "999 000 0018", got["NHS number"], path)
		assert.NotContains(t, got, "Allergies", path)
	}
}

// The break-glass page, before access, shows the same banner as the record
// page (the allergy alert included) and nothing else of the record: not the
// address, not the notes, medications or observations.
func TestBannerOnTheBreakGlassPage(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	nhs := nhsnumber.TestNumber(204)
	id := seedRestricted(t, ts.URL, nhs)
	reg := newBrowser(t, ts)
	reg.signIn("nurse.okafor", "nurse-pass")
	redirectsToRecord(t, reg.post("/patients/"+id+"/allergies", allergyForm("Latex", "Urticaria", "moderate")), id, "allergy")

	b := newBrowser(t, ts)
	b.signInClinician()
	record := b.get("/patients/" + id)
	One(t, record.doc, And(Tag("p"), TextIs("Address hidden: restricted record")), "hidden address")
	want := banner(t, record)
	require.Equal(t, "Allergies: Latex (urticaria)", want["Allergies"])

	for _, p := range []page{b.get("/patients/" + id + "/break-glass"), b.post("/patients/"+id+"/break-glass", url.Values{"reason": {""}})} {
		require.NotNil(t, p.doc, p.body)
		One(t, p.doc, And(Tag("h1"), TextIs("Access restricted record")), "h1")
		got := banner(t, p)
		assert.Equal(t, want, got)
		assert.Equal(t, nhs.Formatted(), got["NHS number"])
		assert.NotContains(t, p.body, "Secret Road")
		assert.NotContains(t, p.body, "GL7 1AB")
		assert.Empty(t, All(p.doc, Tag("address")))
		for _, h := range []string{"Allergies and intolerances", "Medications", "Observations and NEWS2", "Clinical notes", "Notes"} {
			assert.Empty(t, All(p.doc, And(Tag("h2"), TextIs(h))), "no %q on the break-glass page", h)
		}
	}
}
