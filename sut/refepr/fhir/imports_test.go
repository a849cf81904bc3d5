package fhir_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/sut/refepr/audit"
)

// What records loaded from elsewhere (Synthea, a trust's extracts) need of
// the API: allergies without a reaction, free-text or absent dosage, and
// conditional creates on identifiers so that loading twice duplicates
// nothing. Run on every store: SQLite here, PostgreSQL in
// imports_integration_test.go.

func TestImportsSQLite(t *testing.T) {
	runImports(t, func(*testing.T) string { return "sqlite::memory:" })
}

func runImports(t *testing.T, newDSN func(*testing.T) string) {
	fresh := func(t *testing.T) *api { return writesAPI(t, newDSN(t)) }
	t.Run("AllergyWithoutReaction", func(t *testing.T) { testAllergyWithoutReaction(t, fresh(t)) })
	t.Run("FreeTextDosage", func(t *testing.T) { testFreeTextDosage(t, fresh(t)) })
	t.Run("TransactionTwice", func(t *testing.T) { testTransactionTwice(t, fresh(t)) })
	t.Run("BatchTwice", func(t *testing.T) { testBatchTwice(t, fresh(t)) })
	t.Run("IfNoneExistHeader", func(t *testing.T) { testIfNoneExistHeader(t, fresh(t)) })
	t.Run("ConditionalCreateProblems", func(t *testing.T) { testConditionalCreateProblems(t, fresh(t)) })
}

const (
	allergyIDs = "https://example.org/fhir/allergy-ids"
	rxIDs      = "https://example.org/fhir/prescription-ids"
	obsIDs     = "https://example.org/fhir/observation-ids"
	synthea    = "https://github.com/synthetichealth/synthea"
)

// jsonOf marshals v, failing the test on error.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// withIdentifier adds an identifier to a resource given as JSON.
func withIdentifier(t *testing.T, resource, system, value string) string {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(resource), &m))
	id := map[string]string{"value": value}
	if system != "" {
		id["system"] = system
	}
	m["identifier"] = []any{id}
	return jsonOf(t, m)
}

func allergyJSON(patientRef, substance string, extra map[string]any) string {
	m := map[string]any{"resourceType": "AllergyIntolerance", "patient": map[string]string{"reference": patientRef},
		"clinicalStatus":     map[string]any{"coding": []map[string]string{{"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "code": "active"}}},
		"verificationStatus": map[string]any{"coding": []map[string]string{{"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", "code": "confirmed"}}},
		"type":               "allergy", "category": []string{"environment"},
		"code": map[string]any{"coding": []map[string]string{{"system": "http://snomed.info/sct", "code": "300916003", "display": substance}}}}
	for k, v := range extra {
		m[k] = v
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func medicationRequestJSON(subjectRef, drug string, dosage any) string {
	m := map[string]any{"resourceType": "MedicationRequest", "status": "active", "intent": "order",
		"subject":                   map[string]string{"reference": subjectRef},
		"medicationCodeableConcept": map[string]any{"coding": []map[string]string{{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "860975", "display": drug}}}}
	if dosage != nil {
		m["dosageInstruction"] = dosage
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func testAllergyWithoutReaction(t *testing.T, a *api) {
	pid := createdID(t, a.post("/fhir/Patient", amy))
	ref := "Patient/" + pid

	// Neither reaction nor severity nor criticality.
	r := a.post("/fhir/AllergyIntolerance", allergyJSON(ref, "Latex", nil))
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	assert.NotContains(t, r.body, "reaction", "read back without a reaction")
	assert.NotContains(t, r.body, "criticality", "nor a criticality")
	assert.Equal(t, "Latex", r.body["code"].(map[string]any)["text"])
	got := a.get(r.header.Get("Location"))
	require.Equal(t, http.StatusOK, got.status)
	assert.JSONEq(t, r.raw, got.raw)

	// A criticality without a reaction is kept as the criticality.
	r = a.post("/fhir/AllergyIntolerance", allergyJSON(ref, "Peanut", map[string]any{"criticality": "high"}))
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	assert.NotContains(t, r.body, "reaction")
	assert.Equal(t, "high", r.body["criticality"])

	// With a reaction, as before.
	r = a.post("/fhir/AllergyIntolerance", allergyJSON(ref, "Penicillin", map[string]any{
		"reaction": []any{map[string]any{"manifestation": []any{map[string]any{"coding": []map[string]string{{"display": "Urticaria"}}}}, "severity": "moderate"}}}))
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	rx := r.body["reaction"].([]any)[0].(map[string]any)
	assert.Equal(t, "moderate", rx["severity"])
	assert.Equal(t, "Urticaria", rx["manifestation"].([]any)[0].(map[string]any)["text"])

	s := a.get("/fhir/AllergyIntolerance?patient=" + ref)
	assert.EqualValues(t, 3, s.body["total"])
	entries, err := a.store.Allergies(context.Background(), pid)
	require.NoError(t, err)
	require.Len(t, entries, 3)
	assert.Equal(t, "", entries[0].Reaction)
	assert.Equal(t, "Latex (reaction not recorded)", entries[0].Describe())

	// A severity given must still be one of FHIR's.
	r = a.post("/fhir/AllergyIntolerance", allergyJSON(ref, "Latex", map[string]any{
		"reaction": []any{map[string]any{"manifestation": []any{map[string]string{"text": "Rash"}}, "severity": "deadly"}}}))
	assert.Equal(t, http.StatusUnprocessableEntity, r.status)
	assert.Equal(t, []string{"AllergyIntolerance.reaction.severity: Select the severity (mild, moderate or severe; or criticality low or high)"}, diagnostics(t, r))
	r = a.post("/fhir/AllergyIntolerance", `{"resourceType":"AllergyIntolerance","patient":{"reference":"`+ref+`"}}`)
	assert.Equal(t, http.StatusUnprocessableEntity, r.status)
	assert.Equal(t, []string{"AllergyIntolerance.code: Enter the substance"}, diagnostics(t, r))
}

func testFreeTextDosage(t *testing.T, a *api) {
	pid := createdID(t, a.post("/fhir/Patient", amy))
	ref := "Patient/" + pid
	dosage := func(r response) []any {
		t.Helper()
		d, _ := r.body["dosageInstruction"].([]any)
		return d
	}

	// Only text: kept and read back as it was given.
	r := a.post("/fhir/MedicationRequest", medicationRequestJSON(ref, "Metformin 500 MG Oral Tablet",
		[]any{map[string]any{"sequence": 1, "text": "Take one tablet twice a day"}}))
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	require.Len(t, dosage(r), 1)
	assert.Equal(t, map[string]any{"text": "Take one tablet twice a day"}, dosage(r)[0])
	got := a.get(r.header.Get("Location"))
	assert.JSONEq(t, r.raw, got.raw)

	// No dosageInstruction at all: none read back.
	r = a.post("/fhir/MedicationRequest", medicationRequestJSON(ref, "Simvastatin 20 MG Oral Tablet", nil))
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	assert.NotContains(t, r.body, "dosageInstruction")

	// A partly structured dosage with text stands as its text.
	r = a.post("/fhir/MedicationRequest", medicationRequestJSON(ref, "Salbutamol", []any{map[string]any{
		"text": "Two puffs when required", "timing": map[string]any{"repeat": map[string]any{"frequency": 4, "period": 1, "periodUnit": "d"}},
		"doseAndRate": []any{map[string]any{"doseQuantity": map[string]any{"value": 2}}}}}))
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	assert.Equal(t, map[string]any{"text": "Two puffs when required"}, dosage(r)[0])

	// Structured, as before.
	r = a.post("/fhir/MedicationRequest", medicationRequestJSON(ref, "Amoxicillin", []any{map[string]any{
		"route": map[string]string{"text": "Oral"}, "timing": map[string]any{"code": map[string]string{"text": "Three times a day"}},
		"doseAndRate": []any{map[string]any{"doseQuantity": map[string]any{"value": 500, "unit": "mg"}}}}}))
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	assert.Equal(t, "500 mg oral three times a day", dosage(r)[0].(map[string]any)["text"])
	assert.Equal(t, "Oral", dosage(r)[0].(map[string]any)["route"].(map[string]any)["text"])

	// A partly structured dosage without text is still refused.
	r = a.post("/fhir/MedicationRequest", medicationRequestJSON(ref, "Salbutamol", []any{map[string]any{
		"doseAndRate": []any{map[string]any{"doseQuantity": map[string]any{"value": 2, "unit": "puff"}}}}}))
	assert.Equal(t, http.StatusUnprocessableEntity, r.status)
	assert.Len(t, diagnostics(t, r), 2, "route and timing code")

	all, err := a.store.Prescriptions(context.Background(), pid)
	require.NoError(t, err)
	require.Len(t, all, 4)
	var instructions []string
	for _, p := range all {
		instructions = append(instructions, p.Instruction())
	}
	assert.Equal(t, []string{"Take one tablet twice a day", "No dosage recorded", "Two puffs when required", "500 mg oral three times a day"}, instructions)

	// The audit log names what was loaded.
	entries, _, err := a.store.SearchAudit(context.Background(), audit.Query{PatientID: pid, Action: audit.Prescribe})
	require.NoError(t, err)
	var details []string
	for _, e := range entries {
		details = append(details, e.Details[strings.Index(e.Details, ": ")+2:])
	}
	assert.ElementsMatch(t, []string{"Metformin 500 MG Oral Tablet Take one tablet twice a day", "Simvastatin 20 MG Oral Tablet No dosage recorded",
		"Salbutamol Two puffs when required", "Amoxicillin 500 mg oral three times a day"}, details)
}

// importBundle is a Synthea-like transaction of one patient and a record
// whose every entry is a conditional create on its identifier.
func importBundle(t *testing.T, typ string) string {
	const ref = "urn:uuid:5cbc121b-cd71-4428-b8b7-31e53eba8184"
	req := func(url, ifNoneExist string) string {
		return `{"method":"POST","url":"` + url + `","ifNoneExist":"` + ifNoneExist + `"}`
	}
	patient := withIdentifier(t, amy, synthea, "5cbc121b-cd71-4428-b8b7-31e53eba8184")
	var p map[string]any
	require.NoError(t, json.Unmarshal([]byte(patient), &p))
	p["identifier"] = append(p["identifier"].([]any), map[string]string{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9990000018"})
	patient = jsonOf(t, p)
	return bundleJSON(typ,
		`{"fullUrl":"`+ref+`","resource":`+patient+`,"request":`+req("Patient", "identifier=https://fhir.nhs.uk/Id/nhs-number|9990000018")+`}`,
		`{"fullUrl":"urn:uuid:a1","resource":`+withIdentifier(t, allergyJSON(ref, "Latex", nil), allergyIDs, "A-1")+`,"request":`+
			req("AllergyIntolerance", "identifier="+allergyIDs+"|A-1")+`}`,
		`{"fullUrl":"urn:uuid:m1","resource":`+withIdentifier(t, medicationRequestJSON(ref, "Metformin", []any{map[string]string{"text": "Twice a day"}}), rxIDs, "M-1")+
			`,"request":`+req("MedicationRequest", "identifier=M-1")+`}`,
		`{"fullUrl":"urn:uuid:m2","resource":`+withIdentifier(t, medicationRequestJSON(ref, "Simvastatin", nil), "", "M-2")+
			`,"request":`+req("MedicationRequest", "MedicationRequest?identifier=|M-2")+`}`,
		`{"fullUrl":"urn:uuid:o1","resource":`+withIdentifier(t, normal(ref, 16).json(), obsIDs, "O-1")+`,"request":`+
			req("Observation", "identifier="+obsIDs+"|O-1")+`}`,
	)
}

// counts are how many of each the patient's record holds.
func (a *api) counts(t *testing.T, pid string) [3]int {
	t.Helper()
	ctx := context.Background()
	allergies, err := a.store.Allergies(ctx, pid)
	require.NoError(t, err)
	rxs, err := a.store.Prescriptions(ctx, pid)
	require.NoError(t, err)
	sets, err := a.store.ObservationSets(ctx, pid)
	require.NoError(t, err)
	return [3]int{len(allergies), len(rxs), len(sets)}
}

func testTransactionTwice(t *testing.T, a *api) {
	first := entryResponses(t, a.post("/fhir", importBundle(t, "transaction")), "transaction-response")
	require.Len(t, first, 5)
	for _, e := range first {
		assert.Equal(t, "201 Created", e[0], e[1])
	}
	audited, _, err := a.store.SearchAudit(context.Background(), audit.Query{})
	require.NoError(t, err)

	second := a.post("/fhir", importBundle(t, "transaction"))
	again := entryResponses(t, second, "transaction-response")
	require.Len(t, again, 5)
	for i, e := range again {
		assert.Equal(t, [2]string{"200 OK", first[i][1]}, e, "entry %d matched the resource the first load created", i)
		resp := second.body["entry"].([]any)[i].(map[string]any)["response"].(map[string]any)
		if i > 0 {
			assert.NotContains(t, resp, "lastModified", "not known for a match")
		}
	}
	assert.Equal(t, 1, a.count(), "one patient")
	pid := strings.TrimPrefix(first[0][1], "Patient/")
	assert.Equal(t, [3]int{1, 2, 1}, a.counts(t, pid), "one of each")
	after, _, err := a.store.SearchAudit(context.Background(), audit.Query{})
	require.NoError(t, err)
	assert.Len(t, after, len(audited), "a create that matched changes nothing and is not audited")

	// A Bundle whose patient matches by NHS number and whose allergy is
	// new: the new allergy's urn:uuid reference resolves to the existing
	// patient.
	b := strings.Replace(importBundle(t, "transaction"), "|A-1", "|A-2", 2)
	got := entryResponses(t, a.post("/fhir", b), "transaction-response")
	assert.Equal(t, "200 OK", got[0][0])
	assert.Equal(t, "201 Created", got[1][0])
	read := a.get("/fhir/" + got[1][1])
	assert.Equal(t, first[0][1], read.body["patient"].(map[string]any)["reference"])
	assert.Equal(t, [3]int{2, 2, 1}, a.counts(t, pid))

	// The patient's other identifiers were kept too: a conditional create
	// on the Synthea id matches.
	r := a.post("/fhir/Patient", amy, "If-None-Exist", "identifier="+synthea+"|5cbc121b-cd71-4428-b8b7-31e53eba8184")
	assert.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Equal(t, "/fhir/"+first[0][1], r.header.Get("Location"))
	assert.Equal(t, "Pond", r.body["name"].([]any)[0].(map[string]any)["family"])
}

func testBatchTwice(t *testing.T, a *api) {
	pid := createdID(t, a.post("/fhir/Patient", amy))
	ref := "Patient/" + pid
	// Batch entries are independent, so they refer to the patient by id.
	b := bundleJSON("batch",
		`{"resource":`+withIdentifier(t, allergyJSON(ref, "Latex", nil), allergyIDs, "A-1")+
			`,"request":{"method":"POST","url":"AllergyIntolerance","ifNoneExist":"identifier=`+allergyIDs+`|A-1"}}`,
		`{"resource":`+withIdentifier(t, medicationRequestJSON(ref, "Metformin", nil), rxIDs, "M-1")+
			`,"request":{"method":"POST","url":"MedicationRequest","ifNoneExist":"identifier=`+rxIDs+`|M-1"}}`,
		`{"resource":`+withIdentifier(t, normal(ref, 16).json(), obsIDs, "O-1")+
			`,"request":{"method":"POST","url":"Observation","ifNoneExist":"identifier=`+obsIDs+`|O-1"}}`,
		`{"resource":`+amy+`,"request":{"method":"POST","url":"Patient","ifNoneExist":"identifier=https://fhir.nhs.uk/Id/nhs-number|9990000018"}}`,
	)
	first := entryResponses(t, a.post("/fhir", b), "batch-response")
	require.Len(t, first, 4)
	for _, e := range first[:3] {
		assert.Equal(t, "201 Created", e[0], e[1])
	}
	assert.Equal(t, [2]string{"200 OK", ref}, first[3])
	second := entryResponses(t, a.post("/fhir", b), "batch-response")
	for i, e := range second {
		assert.Equal(t, [2]string{"200 OK", first[i][1]}, e)
	}
	assert.Equal(t, 1, a.count())
	assert.Equal(t, [3]int{1, 1, 1}, a.counts(t, pid))
}

func testIfNoneExistHeader(t *testing.T, a *api) {
	pid := createdID(t, a.post("/fhir/Patient", amy))
	ref := "Patient/" + pid
	body := withIdentifier(t, allergyJSON(ref, "Latex", nil), allergyIDs, "A-9")
	r := a.post("/fhir/AllergyIntolerance", body, "If-None-Exist", "identifier="+allergyIDs+"|A-9")
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	loc := r.header.Get("Location")
	again := a.post("/fhir/AllergyIntolerance", body, "If-None-Exist", "identifier="+allergyIDs+"|A-9")
	require.Equal(t, http.StatusOK, again.status, again.raw)
	assert.Equal(t, loc, again.header.Get("Location"))
	assert.JSONEq(t, r.raw, again.raw, "the existing resource")
	// Without a system, any system's value matches.
	again = a.post("/fhir/AllergyIntolerance", body, "If-None-Exist", "AllergyIntolerance?identifier=A-9")
	assert.Equal(t, http.StatusOK, again.status)
	// Another system's A-9 is not this one.
	again = a.post("/fhir/AllergyIntolerance", body, "If-None-Exist", "identifier=https://example.org/other|A-9")
	assert.Equal(t, http.StatusCreated, again.status)
	assert.Equal(t, [3]int{2, 0, 0}, a.counts(t, pid))

	// Observation (a NEWS2 panel) and MedicationRequest the same way.
	obs := withIdentifier(t, normal(ref, 16).json(), obsIDs, "O-9")
	r = a.post("/fhir/Observation", obs, "If-None-Exist", "identifier="+obsIDs+"|O-9")
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	again = a.post("/fhir/Observation", obs, "If-None-Exist", "identifier="+obsIDs+"|O-9")
	assert.Equal(t, http.StatusOK, again.status, again.raw)
	assert.Equal(t, r.header.Get("Location"), again.header.Get("Location"))
	rx := withIdentifier(t, medicationRequestJSON(ref, "Metformin", nil), rxIDs, "M-9")
	require.Equal(t, http.StatusCreated, a.post("/fhir/MedicationRequest", rx, "If-None-Exist", "identifier="+rxIDs+"|M-9").status)
	assert.Equal(t, http.StatusOK, a.post("/fhir/MedicationRequest", rx, "If-None-Exist", "identifier="+rxIDs+"|M-9").status)
	assert.Equal(t, [3]int{2, 1, 1}, a.counts(t, pid))

	// An Appointment: booked once, its slot taken by that booking.
	appt := withIdentifier(t, appointmentJSON(ref, "Slot/cardiology-20260602-0900"), "https://example.org/appointments", "AP-1")
	r = a.post("/fhir/Appointment", appt, "If-None-Exist", "identifier=https://example.org/appointments|AP-1")
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	again = a.post("/fhir/Appointment", appt, "If-None-Exist", "identifier=https://example.org/appointments|AP-1")
	assert.Equal(t, http.StatusOK, again.status, again.raw)
	assert.Equal(t, r.header.Get("Location"), again.header.Get("Location"))
	assert.Equal(t, http.StatusConflict, a.post("/fhir/Appointment", appt).status, "unconditionally: the slot is taken")

	// A Patient on a system other than the NHS number's.
	p := withIdentifier(t, patientJSON("9990000026", "Williams", "1986-01-01"), synthea, "S-1")
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(p), &m))
	m["identifier"] = append(m["identifier"].([]any), map[string]string{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9990000026"})
	p = jsonOf(t, m)
	require.Equal(t, http.StatusCreated, a.post("/fhir/Patient", p, "If-None-Exist", "identifier="+synthea+"|S-1").status)
	assert.Equal(t, http.StatusOK, a.post("/fhir/Patient", p, "If-None-Exist", "identifier="+synthea+"|S-1").status)
	assert.Equal(t, http.StatusOK, a.post("/fhir/Patient", p, "If-None-Exist", "identifier=9990000026").status, "a bare NHS number")
	assert.Equal(t, 2, a.count())
}

func testConditionalCreateProblems(t *testing.T, a *api) {
	pid := createdID(t, a.post("/fhir/Patient", amy))
	ref := "Patient/" + pid
	body := withIdentifier(t, allergyJSON(ref, "Latex", nil), allergyIDs, "DUP")
	// Without a condition the same identifier may be created twice...
	require.Equal(t, http.StatusCreated, a.post("/fhir/AllergyIntolerance", body).status)
	require.Equal(t, http.StatusCreated, a.post("/fhir/AllergyIntolerance", body).status)
	// ...and a condition then matches two: 412, nothing created.
	r := a.post("/fhir/AllergyIntolerance", body, "If-None-Exist", "identifier="+allergyIDs+"|DUP")
	assert.Equal(t, http.StatusPreconditionFailed, r.status)
	d := diagnostics(t, r)
	require.Len(t, d, 1)
	assert.Contains(t, d[0], `If-None-Exist: "identifier=`+allergyIDs+`|DUP" matches 2 AllergyIntolerance resources (AllergyIntolerance/`)
	tx := a.post("/fhir", bundleJSON("transaction",
		`{"resource":`+withIdentifier(t, allergyJSON(ref, "Peanut", nil), allergyIDs, "NEW")+`,"request":{"method":"POST","url":"AllergyIntolerance"}}`,
		`{"resource":`+body+`,"request":{"method":"POST","url":"AllergyIntolerance","ifNoneExist":"identifier=`+allergyIDs+`|DUP"}}`))
	assert.Equal(t, http.StatusPreconditionFailed, tx.status)
	assert.Contains(t, diagnostics(t, tx)[0], "Bundle.entry[1]: ")
	assert.Equal(t, [3]int{2, 0, 0}, a.counts(t, pid), "the transaction was rolled back")

	for _, c := range []struct{ header, want string }{
		{"code=123", `If-None-Exist: "code=123" is not supported; use identifier=<system>|<value>`},
		{"identifier=a&identifier=b", `If-None-Exist: "identifier=a&identifier=b" is not supported; use identifier=<system>|<value>`},
		{"identifier=" + allergyIDs + "|", `If-None-Exist: "identifier=` + allergyIDs + `|" names no identifier value`},
	} {
		r := a.post("/fhir/AllergyIntolerance", body, "If-None-Exist", c.header)
		assert.Equal(t, http.StatusUnprocessableEntity, r.status, c.header)
		assert.Equal(t, []string{c.want}, diagnostics(t, r))
	}
	r = a.post("/fhir/Patient", amy, "If-None-Exist", "identifier=https://fhir.nhs.uk/Id/nhs-number|1234")
	assert.Equal(t, []string{`If-None-Exist: NHS number "1234" is not valid`}, diagnostics(t, r))
	r = a.post("/fhir/AllergyIntolerance", `{"resourceType":"AllergyIntolerance","identifier":{"value":"x"},"patient":{"reference":"`+ref+`"},"code":{"text":"Latex"}}`)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, diagnostics(t, r)[0], "identifier: not a list of identifiers")
	assert.Equal(t, [3]int{2, 0, 0}, a.counts(t, pid))
}
