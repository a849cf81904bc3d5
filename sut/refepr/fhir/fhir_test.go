package fhir_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/sut/refepr/fhir"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

var clock = time.Date(2026, 6, 1, 9, 30, 0, 0, time.UTC)

type api struct {
	t     *testing.T
	ts    *httptest.Server
	store *store.Store
}

func newAPI(t *testing.T, policy fhir.UnsupportedPolicy) *api {
	t.Helper()
	now := func() time.Time { return clock }
	st, err := store.Open(context.Background(), "sqlite::memory:", store.Options{Now: now})
	require.NoError(t, err)
	h := fhir.New(fhir.Options{Store: st, Version: "9.9.9", Now: now, Unsupported: policy})
	ts := httptest.NewServer(h)
	t.Cleanup(func() {
		ts.Close()
		require.NoError(t, st.Close())
	})
	return &api{t: t, ts: ts, store: st}
}

type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (a *api) do(method, path, contentType, body string, header ...string) response {
	a.t.Helper()
	req, err := http.NewRequest(method, a.ts.URL+path, strings.NewReader(body))
	require.NoError(a.t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(a.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(a.t, err)
	r := response{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	assert.Equal(a.t, "application/fhir+json; charset=utf-8", resp.Header.Get("Content-Type"), "%s %s", method, path)
	require.NoError(a.t, json.Unmarshal(raw, &r.body), "JSON body: %s", raw)
	return r
}

func (a *api) post(path, body string, header ...string) response {
	a.t.Helper()
	return a.do(http.MethodPost, path, "application/fhir+json", body, header...)
}

func (a *api) get(path string) response {
	a.t.Helper()
	return a.do(http.MethodGet, path, "", "")
}

// diagnostics returns an OperationOutcome's diagnostics.
func diagnostics(t *testing.T, r response) []string {
	t.Helper()
	require.Equal(t, "OperationOutcome", r.body["resourceType"], r.raw)
	var out []string
	for _, i := range r.body["issue"].([]any) {
		issue := i.(map[string]any)
		assert.Equal(t, "error", issue["severity"])
		out = append(out, issue["diagnostics"].(string))
	}
	return out
}

const amy = `{
  "resourceType": "Patient",
  "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9990000018"}],
  "name": [{"family": "Pond", "given": ["Amy", "Jessica"]}],
  "gender": "female",
  "birthDate": "1987-03-15",
  "address": [{"line": ["1 Leadworth Lane"], "city": "Gloucester", "postalCode": "GL1 1AA"}],
  "telecom": [{"system": "phone", "value": "01234 567890"}]
}`

func patientJSON(nhs, family, birthDate string) string {
	b, _ := json.Marshal(map[string]any{
		"resourceType": "Patient",
		"identifier":   []map[string]string{{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}},
		"name":         []map[string]any{{"family": family, "given": []string{"Test"}}},
		"gender":       "unknown",
		"birthDate":    birthDate,
	})
	return string(b)
}

func TestMetadata(t *testing.T) {
	a := newAPI(t, fhir.RejectUnsupported)
	r := a.get("/fhir/metadata")
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "CapabilityStatement", r.body["resourceType"])
	assert.Equal(t, "4.0.1", r.body["fhirVersion"])
	assert.Equal(t, "9.9.9", r.body["software"].(map[string]any)["version"])
	rest := r.body["rest"].([]any)[0].(map[string]any)
	res := rest["resource"].([]any)[0].(map[string]any)
	assert.Equal(t, "Patient", res["type"])
	var codes []string
	for _, i := range res["interaction"].([]any) {
		codes = append(codes, i.(map[string]any)["code"].(string))
	}
	assert.Equal(t, []string{"create", "read", "search-type"}, codes)
	assert.Contains(t, rest["interaction"], map[string]any{"code": "transaction"})
}

func TestCreateAndReadPatient(t *testing.T) {
	a := newAPI(t, fhir.RejectUnsupported)
	r := a.post("/fhir/Patient", amy)
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	id, _ := r.body["id"].(string)
	require.NotEmpty(t, id)
	assert.Equal(t, "/fhir/Patient/"+id, r.header.Get("Location"))
	assert.Equal(t, "2026-06-01T09:30:00Z", r.body["meta"].(map[string]any)["lastUpdated"])
	assert.Equal(t, "Pond", r.body["name"].([]any)[0].(map[string]any)["family"])
	assert.NotContains(t, r.body, "telecom", "elements the EPR does not keep are dropped")

	got := a.get("/fhir/Patient/" + id)
	require.Equal(t, http.StatusOK, got.status)
	assert.Equal(t, r.body, got.body)
	assert.JSONEq(t, `{
	  "resourceType": "Patient", "id": "`+id+`",
	  "meta": {"versionId": "1", "lastUpdated": "2026-06-01T09:30:00Z"},
	  "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9990000018"}],
	  "name": [{"family": "Pond", "given": ["Amy", "Jessica"]}],
	  "gender": "female", "birthDate": "1987-03-15",
	  "address": [{"line": ["1 Leadworth Lane"], "city": "Gloucester", "postalCode": "GL1 1AA"}]
	}`, got.raw)

	// Plain JSON is accepted, and an NHS number with spaces is stored bare.
	r = a.do(http.MethodPost, "/fhir/Patient", "application/json", patientJSON("999 000 0026", "Williams", "1986-01-01"))
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	assert.Equal(t, "9990000026", r.body["identifier"].([]any)[0].(map[string]any)["value"])
	assert.Equal(t, "unknown", r.body["gender"])
}

func TestCreatePatientValidation(t *testing.T) {
	a := newAPI(t, fhir.RejectUnsupported)
	cases := []struct {
		name, body string
		want       []string
	}{
		{"bad check digit", patientJSON("9990000019", "Pond", "1987-03-15"),
			[]string{"Patient.identifier: NHS number 9990000019 has an invalid check digit"}},
		{"too short", patientJSON("99900001", "Pond", "1987-03-15"),
			[]string{`Patient.identifier: NHS number "99900001" is not 10 digits`}},
		{"no NHS number", `{"resourceType":"Patient","identifier":[{"system":"urn:other","value":"1"}],"name":[{"family":"Pond"}],"birthDate":"1987-03-15"}`,
			[]string{"Patient.identifier: an NHS number (system https://fhir.nhs.uk/Id/nhs-number) is required"}},
		{"no family", patientJSON("9990000018", " ", "1987-03-15"),
			[]string{"Patient.name.family: a family name is required"}},
		{"no name", `{"resourceType":"Patient","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9990000018"}],"birthDate":"1987-03-15"}`,
			[]string{"Patient.name: a name with a family name is required"}},
		{"bad date", patientJSON("9990000018", "Pond", "1987-02-30"),
			[]string{`Patient.birthDate: "1987-02-30" is not a valid date (YYYY-MM-DD)`}},
		{"partial date", patientJSON("9990000018", "Pond", "1987"),
			[]string{`Patient.birthDate: "1987" is not a valid date (YYYY-MM-DD)`}},
		{"no date", patientJSON("9990000018", "Pond", ""),
			[]string{"Patient.birthDate: a date of birth (YYYY-MM-DD) is required"}},
		{"bad gender", strings.Replace(patientJSON("9990000018", "Pond", "1987-03-15"), `"unknown"`, `"F"`, 1),
			[]string{`Patient.gender: "F" is not one of male, female, other, unknown`}},
		{"everything wrong", `{"resourceType":"Patient"}`, []string{
			"Patient.identifier: an NHS number (system https://fhir.nhs.uk/Id/nhs-number) is required",
			"Patient.name: a name with a family name is required",
			"Patient.birthDate: a date of birth (YYYY-MM-DD) is required"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := a.post("/fhir/Patient", c.body)
			assert.Equal(t, http.StatusUnprocessableEntity, r.status)
			assert.Equal(t, c.want, diagnostics(t, r))
		})
	}
	page, err := a.store.SearchPatients(context.Background(), store.PatientQuery{})
	require.NoError(t, err)
	assert.Zero(t, page.Total, "nothing invalid was stored")
}

func TestCreatePatientBadRequests(t *testing.T) {
	a := newAPI(t, fhir.RejectUnsupported)
	r := a.post("/fhir/Patient", `{"resourceType": "Patient",`)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, diagnostics(t, r)[0], "invalid JSON: ")

	r = a.post("/fhir/Patient", `{"resourceType": "Patient", "name": "Pond"}`)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, diagnostics(t, r)[0], "invalid JSON: ")

	r = a.post("/fhir/Patient", `{"resourceType": "Observation"}`)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, []string{`resourceType: expected Patient, got "Observation"`}, diagnostics(t, r))

	r = a.do(http.MethodPost, "/fhir/Patient", "text/plain", amy)
	assert.Equal(t, http.StatusUnsupportedMediaType, r.status)
	diagnostics(t, r)
}

func TestCreatePatientDuplicate(t *testing.T) {
	a := newAPI(t, fhir.RejectUnsupported)
	first := a.post("/fhir/Patient", amy)
	require.Equal(t, http.StatusCreated, first.status)
	r := a.post("/fhir/Patient", patientJSON("999 000 0018", "Other", "2000-01-01"))
	assert.Equal(t, http.StatusConflict, r.status)
	assert.Equal(t, []string{"Patient.identifier: NHS number 9990000018 is already registered as Patient/" + first.body["id"].(string)},
		diagnostics(t, r))
	assert.Equal(t, "duplicate", r.body["issue"].([]any)[0].(map[string]any)["code"])

	// Conditional create finds the existing patient instead.
	r = a.post("/fhir/Patient", patientJSON("9990000018", "Other", "2000-01-01"),
		"If-None-Exist", "identifier=https://fhir.nhs.uk/Id/nhs-number|9990000018")
	assert.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, first.body["id"], r.body["id"])
	assert.Equal(t, "Pond", r.body["name"].([]any)[0].(map[string]any)["family"])
}

func TestReadUnknownPatient(t *testing.T) {
	a := newAPI(t, fhir.RejectUnsupported)
	r := a.get("/fhir/Patient/nope")
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, []string{"Patient/nope is not known"}, diagnostics(t, r))
}

func TestUnknownRoutes(t *testing.T) {
	a := newAPI(t, fhir.RejectUnsupported)
	for _, c := range []struct{ method, path string }{
		{http.MethodGet, "/fhir/Encounter"},
		{http.MethodGet, "/fhir"},
		{http.MethodGet, "/fhir/"},
		{http.MethodDelete, "/fhir/Patient/x"},
		{http.MethodGet, "/fhir/Patient/x/_history"},
	} {
		r := a.do(c.method, c.path, "", "")
		assert.Equal(t, http.StatusNotFound, r.status, "%s %s", c.method, c.path)
		assert.Equal(t, []string{"no FHIR route for " + c.method + " " + c.path}, diagnostics(t, r))
	}
}

func searchNames(t *testing.T, r response) (int, []string) {
	t.Helper()
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Equal(t, "Bundle", r.body["resourceType"])
	assert.Equal(t, "searchset", r.body["type"])
	var names []string
	entries, _ := r.body["entry"].([]any)
	for _, e := range entries {
		entry := e.(map[string]any)
		res := entry["resource"].(map[string]any)
		assert.True(t, strings.HasSuffix(entry["fullUrl"].(string), "/fhir/Patient/"+res["id"].(string)))
		assert.Equal(t, "match", entry["search"].(map[string]any)["mode"])
		names = append(names, res["name"].([]any)[0].(map[string]any)["family"].(string))
	}
	return int(r.body["total"].(float64)), names
}

func TestSearchPatients(t *testing.T) {
	a := newAPI(t, fhir.RejectUnsupported)
	require.Equal(t, http.StatusCreated, a.post("/fhir/Patient", amy).status)
	require.Equal(t, http.StatusCreated, a.post("/fhir/Patient", patientJSON("9990000026", "Williams", "1986-01-01")).status)
	require.Equal(t, http.StatusCreated, a.post("/fhir/Patient", patientJSON("9990000034", "Pondsworth", "1950-01-01")).status)

	total, names := searchNames(t, a.get("/fhir/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9990000018"))
	assert.Equal(t, 1, total)
	assert.Equal(t, []string{"Pond"}, names)
	total, names = searchNames(t, a.get("/fhir/Patient?identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C9990000018"))
	assert.Equal(t, []string{"Pond"}, names, "encoded")
	assert.Equal(t, 1, total)
	total, names = searchNames(t, a.get("/fhir/Patient?identifier=9990000026"))
	assert.Equal(t, []string{"Williams"}, names, "without a system")
	assert.Equal(t, 1, total)
	total, _ = searchNames(t, a.get("/fhir/Patient?identifier=urn:other|9990000018"))
	assert.Zero(t, total)
	total, _ = searchNames(t, a.get("/fhir/Patient?identifier=9990000019"))
	assert.Zero(t, total, "an invalid number matches nothing")

	total, names = searchNames(t, a.get("/fhir/Patient?family=Pond"))
	assert.Equal(t, 2, total)
	assert.Equal(t, []string{"Pond", "Pondsworth"}, names, "FHIR string search is starts-with")
	total, names = searchNames(t, a.get("/fhir/Patient?name=amy"))
	assert.Equal(t, 1, total)
	assert.Equal(t, []string{"Pond"}, names)
	total, names = searchNames(t, a.get("/fhir/Patient?name=jess"))
	assert.Equal(t, []string{"Pond"}, names, "second given name")
	assert.Equal(t, 1, total)
	total, names = searchNames(t, a.get("/fhir/Patient?family=pond&name=test"))
	assert.Equal(t, []string{"Pondsworth"}, names)
	assert.Equal(t, 1, total)

	total, names = searchNames(t, a.get("/fhir/Patient"))
	assert.Equal(t, 3, total)
	assert.Equal(t, []string{"Pond", "Pondsworth", "Williams"}, names)
	total, names = searchNames(t, a.get("/fhir/Patient?_count=1"))
	assert.Equal(t, 3, total)
	assert.Len(t, names, 1)
	total, names = searchNames(t, a.get("/fhir/Patient?_count=0"))
	assert.Equal(t, 3, total)
	assert.Empty(t, names)
	r := a.get("/fhir/Patient?_count=many")
	assert.Equal(t, http.StatusBadRequest, r.status)
}

func bundleJSON(typ string, entries ...string) string {
	return `{"resourceType":"Bundle","type":"` + typ + `","entry":[` + strings.Join(entries, ",") + `]}`
}

func entry(fullURL, resource, ifNoneExist string) string {
	req := `{"method":"POST","url":"Patient"`
	if ifNoneExist != "" {
		req += `,"ifNoneExist":"` + ifNoneExist + `"`
	}
	return `{"fullUrl":"` + fullURL + `","resource":` + resource + `,"request":` + req + `}}`
}

// entryResponses returns each entry's response.status and location.
func entryResponses(t *testing.T, r response, typ string) [][2]string {
	t.Helper()
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Equal(t, "Bundle", r.body["resourceType"])
	assert.Equal(t, typ, r.body["type"])
	var out [][2]string
	entries, _ := r.body["entry"].([]any)
	for _, e := range entries {
		resp := e.(map[string]any)["response"].(map[string]any)
		loc, _ := resp["location"].(string)
		out = append(out, [2]string{resp["status"].(string), loc})
	}
	return out
}

func (a *api) count() int {
	a.t.Helper()
	page, err := a.store.SearchPatients(context.Background(), store.PatientQuery{})
	require.NoError(a.t, err)
	return page.Total
}

func TestTransaction(t *testing.T) {
	a := newAPI(t, fhir.RejectUnsupported)
	existing := a.post("/fhir/Patient", amy)
	require.Equal(t, http.StatusCreated, existing.status)

	const cond = "identifier=https://fhir.nhs.uk/Id/nhs-number|"
	r := a.post("/fhir", bundleJSON("transaction",
		entry("urn:uuid:6a1b7c2e-0000-4000-8000-000000000001", patientJSON("9990000026", "Williams", "1986-01-01"), cond+"9990000026"),
		entry("urn:uuid:6a1b7c2e-0000-4000-8000-000000000002", amy, cond+"9990000018"),
		entry("urn:uuid:6a1b7c2e-0000-4000-8000-000000000003", patientJSON("9990000034", "Song", "1950-01-01"), ""),
		// The same number again in one transaction: matched to entry 0.
		entry("urn:uuid:6a1b7c2e-0000-4000-8000-000000000004", patientJSON("9990000026", "Williams", "1986-01-01"), cond+"9990000026"),
	))
	got := entryResponses(t, r, "transaction-response")
	require.Len(t, got, 4)
	assert.Equal(t, "201 Created", got[0][0])
	assert.Equal(t, [2]string{"200 OK", "Patient/" + existing.body["id"].(string)}, got[1])
	assert.Equal(t, "201 Created", got[2][0])
	assert.Equal(t, [2]string{"200 OK", got[0][1]}, got[3])
	for _, g := range got {
		assert.Regexp(t, `^Patient/[0-9a-f-]{36}$`, g[1])
		read := a.get("/fhir/" + g[1])
		assert.Equal(t, http.StatusOK, read.status)
	}
	assert.Equal(t, 3, a.count())
	// "batch" works the same way, entry by entry.
	r = a.post("/fhir/", bundleJSON("batch", entry("urn:uuid:1", patientJSON("9990000042", "Batch", "2000-01-01"), "")))
	assert.Equal(t, "201 Created", entryResponses(t, r, "batch-response")[0][0])
}

func TestTransactionIsAllOrNothing(t *testing.T) {
	a := newAPI(t, fhir.RejectUnsupported)
	r := a.post("/fhir", bundleJSON("transaction",
		entry("urn:uuid:1", patientJSON("9990000026", "Williams", "1986-01-01"), ""),
		entry("urn:uuid:2", patientJSON("9990000026", "Williams", "1986-01-01"), ""),
	))
	assert.Equal(t, http.StatusConflict, r.status)
	d := diagnostics(t, r)
	require.Len(t, d, 1)
	assert.True(t, strings.HasPrefix(d[0], "Bundle.entry[1]: Patient.identifier: NHS number 9990000026 is already registered"), d[0])
	assert.Zero(t, a.count(), "the first entry was rolled back")

	r = a.post("/fhir", bundleJSON("transaction",
		entry("urn:uuid:1", patientJSON("9990000026", "Williams", "1986-01-01"), ""),
		entry("urn:uuid:2", patientJSON("9990000019", "Pond", "1987-03-15"), ""),
		entry("urn:uuid:3", patientJSON("9990000034", "", "1987-03-15"), ""),
	))
	assert.Equal(t, http.StatusUnprocessableEntity, r.status)
	assert.Equal(t, []string{
		"Bundle.entry[1]: resource: Patient.identifier: NHS number 9990000019 has an invalid check digit",
		"Bundle.entry[2]: resource: Patient.name.family: a family name is required",
	}, diagnostics(t, r))
	assert.Zero(t, a.count())
}

func TestTransactionUnsupportedEntries(t *testing.T) {
	a := newAPI(t, fhir.RejectUnsupported)
	obs := `{"fullUrl":"urn:uuid:2","resource":{"resourceType":"Encounter","status":"finished"},"request":{"method":"POST","url":"Encounter"}}`
	r := a.post("/fhir", bundleJSON("transaction", entry("urn:uuid:1", amy, ""), obs))
	assert.Equal(t, http.StatusUnprocessableEntity, r.status)
	assert.Equal(t, []string{"Bundle.entry[1]: resource type Encounter is not supported (supported: AllergyIntolerance, Appointment, MedicationRequest, Observation, Patient, ServiceRequest)"}, diagnostics(t, r))
	assert.Equal(t, "not-supported", r.body["issue"].([]any)[0].(map[string]any)["code"])
	assert.Zero(t, a.count())

	for _, c := range []struct{ body, want string }{
		{`{"fullUrl":"urn:uuid:1","resource":` + amy + `,"request":{"method":"PUT","url":"Patient/1"}}`,
			"Bundle.entry[0].request.method: PUT is not supported (only POST)"},
		{`{"fullUrl":"urn:uuid:1","resource":` + amy + `,"request":{"method":"POST","url":"Observation"}}`,
			`Bundle.entry[0].request.url: "Observation" does not match the resource type Patient`},
		{`{"fullUrl":"urn:uuid:1","resource":` + amy + `}`, "Bundle.entry[0].request: required in a transaction"},
		{`{"fullUrl":"urn:uuid:1","request":{"method":"POST","url":"Patient"}}`, "Bundle.entry[0].resource: required for POST"},
		{`{"resource":` + amy + `,"request":{"method":"POST","url":"Patient","ifNoneExist":"name=Pond"}}`,
			`Bundle.entry[0]: request.ifNoneExist: "name=Pond" is not supported; use identifier=https://fhir.nhs.uk/Id/nhs-number|<NHS number>`},
	} {
		r := a.post("/fhir", bundleJSON("transaction", c.body))
		assert.Equal(t, http.StatusUnprocessableEntity, r.status, c.want)
		assert.Equal(t, []string{c.want}, diagnostics(t, r))
	}
}

func TestTransactionSkipPolicy(t *testing.T) {
	a := newAPI(t, fhir.SkipUnsupported)
	obs := `{"fullUrl":"urn:uuid:2","resource":{"resourceType":"Encounter"},"request":{"method":"POST","url":"Encounter"}}`
	r := a.post("/fhir", bundleJSON("transaction", entry("urn:uuid:1", amy, ""), obs))
	got := entryResponses(t, r, "transaction-response")
	assert.Equal(t, "201 Created", got[0][0])
	assert.Equal(t, "422 Unprocessable Entity", got[1][0])
	issue := r.body["entry"].([]any)[1].(map[string]any)["response"].(map[string]any)["outcome"].(map[string]any)["issue"].([]any)[0].(map[string]any)
	assert.Equal(t, "warning", issue["severity"])
	assert.Contains(t, issue["diagnostics"], "skipped: Bundle.entry[1]: resource type Encounter is not supported")
	assert.Equal(t, 1, a.count())
}

func TestBatchEntriesAreIndependent(t *testing.T) {
	a := newAPI(t, fhir.RejectUnsupported)
	r := a.post("/fhir", bundleJSON("batch",
		entry("urn:uuid:1", patientJSON("9990000026", "Williams", "1986-01-01"), ""),
		entry("urn:uuid:2", patientJSON("9990000019", "Pond", "1987-03-15"), ""),
		entry("urn:uuid:3", patientJSON("9990000026", "Williams", "1986-01-01"), ""),
	))
	got := entryResponses(t, r, "batch-response")
	assert.Equal(t, "201 Created", got[0][0])
	assert.Equal(t, "422 Unprocessable Entity", got[1][0])
	assert.Equal(t, "409 Conflict", got[2][0])
	assert.Equal(t, 1, a.count())
}

func TestBundleErrors(t *testing.T) {
	a := newAPI(t, fhir.RejectUnsupported)
	r := a.post("/fhir", `{"resourceType":"Bundle","type":"transaction","entry":[`)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, diagnostics(t, r)[0], "invalid JSON: unexpected EOF")
	r = a.post("/fhir", `{"resourceType":"Bundle","type":"transaction"} {}`)
	assert.Equal(t, http.StatusBadRequest, r.status)
	r = a.post("/fhir", `{"resourceType":"Patient"}`)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, []string{`resourceType: expected Bundle, got "Patient"`}, diagnostics(t, r))
	r = a.post("/fhir", `{"resourceType":"Bundle","type":"collection"}`)
	assert.Equal(t, http.StatusUnprocessableEntity, r.status)
	assert.Equal(t, []string{`Bundle.type: "collection" is not supported; use transaction or batch`}, diagnostics(t, r))
	r = a.post("/fhir", `{"resourceType":"Bundle","type":"transaction"}`)
	assert.Empty(t, entryResponses(t, r, "transaction-response"), "an empty transaction does nothing")
}
