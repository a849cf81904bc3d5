package refepr_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/eprharness/eprharness/sut/refepr"
	. "github.com/eprharness/eprharness/sut/refepr/internal/htmltest"
)

// tableRows returns the cell texts of the body rows of the table captioned
// caption.
func tableRows(t *testing.T, p page, caption string) [][]string {
	t.Helper()
	var table *html.Node
	for _, tb := range All(p.doc, Tag("table")) {
		if c := All(tb, Tag("caption")); len(c) > 0 && Text(c[0]) == caption {
			table = tb
		}
	}
	require.NotNil(t, table, "table %q", caption)
	var out [][]string
	for _, tr := range All(One(t, table, Tag("tbody"), "tbody"), Tag("tr")) {
		var row []string
		for c := tr.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && (c.Data == "td" || c.Data == "th") {
				row = append(row, Text(c))
			}
		}
		out = append(out, row)
	}
	return out
}

// loadedRecord is a transaction as loaded from another system: an allergy
// without a reaction, a free-text dosage and none at all, each entry a
// conditional create on its identifier.
func loadedRecord() map[string]any {
	const ref = "urn:uuid:6a1f9c2e-3b1d-4d0a-9f3e-000000000200"
	entry := func(typ, idSystem, id string, resource map[string]any) map[string]any {
		resource["resourceType"] = typ
		resource["identifier"] = []map[string]string{{"system": idSystem, "value": id}}
		e := map[string]any{"request": map[string]string{"method": "POST", "url": typ, "ifNoneExist": "identifier=" + idSystem + "|" + id}, "resource": resource}
		if typ == "Patient" {
			e["fullUrl"] = ref
		}
		return e
	}
	return map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": []any{
		entry("Patient", "https://fhir.nhs.uk/Id/nhs-number", "9990000018", map[string]any{
			"name": []map[string]any{{"family": "Pond", "given": []string{"Amy"}}}, "gender": "female", "birthDate": "1987-03-15"}),
		entry("AllergyIntolerance", "https://example.org/allergies", "A-1", map[string]any{
			"patient": map[string]string{"reference": ref}, "code": map[string]any{"coding": []map[string]string{{"system": "http://snomed.info/sct", "code": "91936005", "display": "Penicillin"}}}}),
		entry("MedicationRequest", "https://example.org/prescriptions", "M-1", map[string]any{
			"status": "active", "intent": "order", "subject": map[string]string{"reference": ref},
			"medicationCodeableConcept": map[string]string{"text": "Metformin"},
			"dosageInstruction":         []any{map[string]string{"text": "Take one tablet twice a day"}}}),
		entry("MedicationRequest", "https://example.org/prescriptions", "M-2", map[string]any{
			"status": "active", "intent": "order", "subject": map[string]string{"reference": ref},
			"medicationCodeableConcept": map[string]string{"text": "Simvastatin"}}),
	}}
}

func TestClinicalLoadedRecordOnTheRecordPage(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	status, out := fhirDo(t, http.MethodPost, ts.URL+"/fhir", loadedRecord())
	require.Equal(t, http.StatusOK, status, out)
	entries := out["entry"].([]any)
	patientLoc := entries[0].(map[string]any)["response"].(map[string]any)["location"].(string)
	id := patientLoc[len("Patient/"):]

	// Loaded twice: one of each.
	status, again := fhirDo(t, http.MethodPost, ts.URL+"/fhir", loadedRecord())
	require.Equal(t, http.StatusOK, status, again)
	for i, e := range again["entry"].([]any) {
		assert.Equal(t, "200 OK", e.(map[string]any)["response"].(map[string]any)["status"], "entry %d", i)
	}

	b := newBrowser(t, ts)
	b.signInClinician()
	p := mustSee(t, b.get("/patients/"+id), http.StatusOK)
	assert.Equal(t, "Allergies: Penicillin (reaction not recorded)", allergyAlert(t, p))
	assert.Equal(t, [][]string{{"Penicillin", "Not recorded", "Not recorded", "Active", "FHIR API", "Update Penicillin allergy Resolve Penicillin allergy Entered in error"}},
		tableRows(t, p, "Allergies and intolerances"))
	rows := tableRows(t, p, "Medications")
	require.Len(t, rows, 2, "one of each, though loaded twice")
	assert.Equal(t, []string{"Metformin", "Take one tablet twice a day", "Active"}, rows[0][:3])
	assert.Equal(t, []string{"Simvastatin", "No dosage recorded", "Active"}, rows[1][:3])
	stop := One(t, p.doc, And(Tag("form"), HasAttr("data-confirm", "Stop Metformin?")), "stop form")
	assert.Equal(t, "Metformin (Take one tablet twice a day), prescribed by FHIR API.", Attr(stop, "data-confirm-detail"))
	confirm := mustSee(t, b.get(Attr(stop, "action")), http.StatusOK)
	assert.Equal(t, "Take one tablet twice a day", labelled(t, confirm.doc, "Dosage"))
	redirectsToRecord(t, b.post(Attr(stop, "action"), url.Values{"confirmed": {"yes"}}), id, "stopped")

	// The hard stop still works on an allergy without a reaction.
	rx := url.Values{"drug": {"Amoxicillin"}, "dose": {"500 mg"}, "route": {"Oral"}, "frequency": {"Three times a day"}}
	p = mustSee(t, b.post("/patients/"+id+"/medications", rx), http.StatusConflict)
	warning := One(t, p.doc, Role("alert"), "allergy warning")
	assert.Contains(t, Text(warning), "Allergy warning Amoxicillin conflicts with the penicillin allergy Do not prescribe")

	// The form still asks for a reaction; giving one completes the entry.
	edit := One(t, b.get("/patients/"+id).doc, And(Tag("a"), TextIs("Update Penicillin allergy")), "update link")
	form := mustSee(t, b.get(Attr(edit, "href")), http.StatusOK)
	assert.Equal(t, "", Attr(ByLabel(form.doc, "Reaction")[0], "value"))
	mustSee(t, b.post(Attr(edit, "href")[:len(Attr(edit, "href"))-len("/edit")], allergyForm("Penicillin", "", "")), http.StatusUnprocessableEntity)
	redirectsToRecord(t, b.post(Attr(edit, "href")[:len(Attr(edit, "href"))-len("/edit")], allergyForm("Penicillin", "Rash", "mild")), id, "allergy-updated")
	assert.Equal(t, "Allergies: Penicillin (rash)", allergyAlert(t, b.get("/patients/"+id)))
}
