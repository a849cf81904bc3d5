package refepr_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/sut/refepr"
)

func fhirDo(t *testing.T, method, u string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, rd)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/fhir+json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

func TestClinicalFHIRTransactionAndSearch(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	ref := "urn:uuid:6a1f9c2e-3b1d-4d0a-9f3e-000000000100"
	bundle := map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": []any{
		map[string]any{"fullUrl": ref, "request": map[string]string{"method": "POST", "url": "Patient"}, "resource": map[string]any{
			"resourceType": "Patient", "identifier": []map[string]string{{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9990000018"}},
			"name": []map[string]any{{"family": "Pond", "given": []string{"Amy"}}}, "birthDate": "1987-03-15"}},
		map[string]any{"request": map[string]string{"method": "POST", "url": "AllergyIntolerance"}, "resource": map[string]any{
			"resourceType": "AllergyIntolerance", "patient": map[string]string{"reference": ref},
			"code": map[string]string{"text": "Penicillin"}, "criticality": "high",
			"reaction": []any{map[string]any{"manifestation": []any{map[string]string{"text": "Anaphylaxis"}}, "severity": "severe"}}}},
		map[string]any{"request": map[string]string{"method": "POST", "url": "MedicationRequest"}, "resource": map[string]any{
			"resourceType": "MedicationRequest", "status": "active", "intent": "order", "subject": map[string]string{"reference": ref},
			"medicationCodeableConcept": map[string]string{"text": "Paracetamol"},
			"dosageInstruction": []any{map[string]any{"route": map[string]string{"text": "Oral"}, "timing": map[string]any{"code": map[string]string{"text": "Four times a day"}},
				"doseAndRate": []any{map[string]any{"doseQuantity": map[string]any{"value": 1, "unit": "g"}}}}}}},
	}}
	status, out := fhirDo(t, http.MethodPost, ts.URL+"/fhir", bundle)
	require.Equal(t, http.StatusOK, status, out)
	entries := out["entry"].([]any)
	patientLoc := entries[0].(map[string]any)["response"].(map[string]any)["location"].(string)
	allergyLoc := entries[1].(map[string]any)["response"].(map[string]any)["location"].(string)
	assert.Regexp(t, `^AllergyIntolerance/`, allergyLoc)

	status, a := fhirDo(t, http.MethodGet, ts.URL+"/fhir/"+allergyLoc, nil)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, "high", a["criticality"])
	assert.Equal(t, patientLoc, a["patient"].(map[string]any)["reference"])
	assert.Equal(t, "Penicillin", a["code"].(map[string]any)["text"])

	status, s := fhirDo(t, http.MethodGet, ts.URL+"/fhir/AllergyIntolerance?patient="+url.QueryEscape(patientLoc), nil)
	require.Equal(t, http.StatusOK, status)
	assert.EqualValues(t, 1, s["total"])
	status, s = fhirDo(t, http.MethodGet, ts.URL+"/fhir/MedicationRequest?patient="+url.QueryEscape(patientLoc), nil)
	require.Equal(t, http.StatusOK, status)
	assert.EqualValues(t, 1, s["total"])
	mr := s["entry"].([]any)[0].(map[string]any)["resource"].(map[string]any)
	assert.Equal(t, "1 g oral four times a day", mr["dosageInstruction"].([]any)[0].(map[string]any)["text"])

	// The banner reflects what the API loaded.
	b := newBrowser(t, ts)
	b.signInClinician()
	id := patientLoc[len("Patient/"):]
	assert.Equal(t, "Allergies: Penicillin (anaphylaxis)", allergyAlert(t, b.get("/patients/"+id)))

	// Observations recorded in the UI are vital-signs Observations.
	redirectsToRecord(t, b.post("/patients/"+id+"/observations", observations("25")), id, "observations")
	status, s = fhirDo(t, http.MethodGet, ts.URL+"/fhir/Observation?patient="+id+"&code=http://loinc.org|9279-1", nil)
	require.Equal(t, http.StatusOK, status)
	require.EqualValues(t, 1, s["total"])
	rr := s["entry"].([]any)[0].(map[string]any)["resource"].(map[string]any)
	assert.EqualValues(t, 25, rr["valueQuantity"].(map[string]any)["value"])
	status, total := fhirDo(t, http.MethodGet, ts.URL+"/fhir/Observation/"+rr["id"].(string)[:36]+"-news2", nil)
	require.Equal(t, http.StatusOK, status, total)
	assert.EqualValues(t, 3, total["valueInteger"])

	// Errors are OperationOutcomes naming the element.
	status, oo := fhirDo(t, http.MethodPost, ts.URL+"/fhir/AllergyIntolerance", map[string]any{"resourceType": "AllergyIntolerance",
		"patient": map[string]string{"reference": "Patient/nobody"}, "code": map[string]string{"text": "Latex"}, "criticality": "low",
		"reaction": []any{map[string]any{"manifestation": []any{map[string]string{"text": "Rash"}}}}})
	assert.Equal(t, http.StatusUnprocessableEntity, status)
	assert.Equal(t, "OperationOutcome", oo["resourceType"])
	assert.Contains(t, oo["issue"].([]any)[0].(map[string]any)["diagnostics"], "AllergyIntolerance.patient: Patient/nobody is not known")
	status, _ = fhirDo(t, http.MethodGet, ts.URL+"/fhir/AllergyIntolerance", nil)
	assert.Equal(t, http.StatusBadRequest, status)
}
