package fhir_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/sut/refepr/fhir"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

// interactionsOfRoutes derives the CapabilityStatement's interactions from
// the routes the Handler registers: POST /fhir/T is create, GET /fhir/T
// search-type, GET /fhir/T/{id} read, PUT /fhir/T/{id} update, POST /fhir
// transaction and batch.
func interactionsOfRoutes(t *testing.T, routes []string) (map[string][]string, []string) {
	t.Helper()
	byType := map[string][]string{}
	var system []string
	for _, r := range routes {
		method, path, ok := strings.Cut(r, " ")
		require.True(t, ok, "route %q has a method", r)
		rest := strings.Trim(strings.TrimPrefix(path, "/fhir"), "/")
		typ, sub, _ := strings.Cut(rest, "/")
		var code string
		switch {
		case rest == "metadata":
			continue
		case (rest == "" || rest == "{$}") && method == http.MethodPost:
			system = append(system, "transaction", "batch")
			continue
		case strings.HasPrefix(rest, "$") && method == http.MethodPost:
			system = append(system, "operation:"+strings.TrimPrefix(rest, "$"))
			continue
		case sub == "" && method == http.MethodPost:
			code = "create"
		case sub == "" && method == http.MethodGet:
			code = "search-type"
		case sub == "{id}" && method == http.MethodGet:
			code = "read"
		case sub == "{id}" && method == http.MethodPut:
			code = "update"
		case sub == "{id}" && method == http.MethodDelete:
			code = "delete"
		default:
			t.Fatalf("route %q is not a FHIR interaction the test knows; teach interactionsOfRoutes", r)
		}
		if !slices.Contains(byType[typ], code) {
			byType[typ] = append(byType[typ], code)
		}
	}
	for typ := range byType {
		slices.Sort(byType[typ])
	}
	slices.Sort(system)
	return byType, slices.Compact(system)
}

func TestCapabilityStatementMatchesRoutes(t *testing.T) {
	st, err := store.Open(t.Context(), "sqlite::memory:", store.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, st.Close()) })
	h := fhir.New(fhir.Options{Store: st, Version: "9.9.9"})
	wantTypes, wantSystem := interactionsOfRoutes(t, h.Routes())
	require.Contains(t, wantTypes, "Observation")

	a := newAPI(t, fhir.RejectUnsupported)
	r := a.get("/fhir/metadata")
	require.Equal(t, http.StatusOK, r.status, r.raw)
	rest := r.body["rest"].([]any)[0].(map[string]any)
	gotTypes := map[string][]string{}
	for _, res := range rest["resource"].([]any) {
		res := res.(map[string]any)
		var codes []string
		for _, i := range res["interaction"].([]any) {
			codes = append(codes, i.(map[string]any)["code"].(string))
		}
		slices.Sort(codes)
		gotTypes[res["type"].(string)] = codes
		// Every type the API creates takes conditional creates
		// (If-None-Exist, ifNoneExist), and says so.
		// (A Subscription is not a record: its create ignores If-None-Exist.)
		cond, _ := res["conditionalCreate"].(bool)
		assert.Equal(t, slices.Contains(codes, "create") && res["type"] != "Subscription", cond, "%s conditionalCreate", res["type"])
	}
	var gotSystem []string
	for _, i := range rest["interaction"].([]any) {
		gotSystem = append(gotSystem, i.(map[string]any)["code"].(string))
	}
	ops, _ := rest["operation"].([]any)
	for _, o := range ops {
		gotSystem = append(gotSystem, "operation:"+o.(map[string]any)["name"].(string))
	}
	slices.Sort(gotSystem)
	assert.Equal(t, wantTypes, gotTypes, "every resource type and interaction served is declared, and nothing else")
	assert.Equal(t, wantSystem, gotSystem)
}

// TestCapabilitySearchParamsAreHonoured checks every declared search
// parameter changes a search's result: with a value that matches the
// seeded resource it is found, with one that does not it is not. The
// table must cover exactly the declared parameters.
func TestCapabilitySearchParamsAreHonoured(t *testing.T) {
	a := writesAPI(t, "sqlite::memory:")
	pid := createdID(t, a.post("/fhir/Patient", amy))
	p := "patient=" + pid + "&"
	require.Equal(t, http.StatusCreated, a.post("/fhir/AllergyIntolerance", `{"resourceType": "AllergyIntolerance", "patient": {"reference": "Patient/`+pid+`"},
		"code": {"text": "Penicillin"}, "reaction": [{"manifestation": [{"text": "Rash"}], "severity": "mild"}]}`).status)
	require.Equal(t, http.StatusCreated, a.post("/fhir/MedicationRequest", `{"resourceType": "MedicationRequest", "status": "active", "intent": "order",
		"subject": {"reference": "Patient/`+pid+`"}, "medicationCodeableConcept": {"text": "Paracetamol"}, "dosageInstruction": [{"route": {"text": "Oral"},
		"timing": {"code": {"text": "Four times a day"}}, "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "g"}}]}]}`).status)
	require.Equal(t, http.StatusCreated, a.post("/fhir/Observation", normal("Patient/"+pid, 16).json()).status)
	createdID(t, a.post("/fhir/Appointment", appointmentJSON("Patient/"+pid, "Slot/cardiology-20260602-0900")))
	srID := createdID(t, a.post("/fhir/ServiceRequest", `{"resourceType": "ServiceRequest", "status": "active", "intent": "order",
		"code": {"text": "Cardiology"}, "subject": {"reference": "Patient/`+pid+`"}}`))
	require.Equal(t, http.StatusCreated, a.post("/fhir/Subscription", `{"resourceType": "Subscription", "status": "requested", "criteria": "Appointment",
		"channel": {"type": "rest-hook", "endpoint": "http://127.0.0.1:9/notify"}}`).status)

	// type -> param -> {query finding the resource, query not finding it};
	// a zero count is written "0".
	checks := map[string]map[string][2]string{
		"Patient": {
			"identifier": {"identifier=https://fhir.nhs.uk/Id/nhs-number|9990000018", "identifier=9990000026"},
			"family":     {"family=pond", "family=williams"},
			"name":       {"name=amy", "name=rory"},
			"_id":        {"_id=" + pid, "_id=nobody"},
			"_count":     {"_count=1", "_count=0"},
		},
		"AllergyIntolerance": {
			"patient":         {p, "patient=nobody"},
			"clinical-status": {p + "clinical-status=active", p + "clinical-status=resolved"},
		},
		"MedicationRequest": {
			"patient": {p, "patient=nobody"},
			"subject": {"subject=Patient/" + pid, "subject=Patient/nobody"},
			"status":  {p + "status=active", p + "status=stopped"},
		},
		"Observation": {
			"patient":  {p, "patient=nobody"},
			"subject":  {"subject=Patient/" + pid, "subject=Patient/nobody"},
			"category": {p + "category=vital-signs", p + "category=laboratory"},
			"code":     {p + "code=http://loinc.org|85353-1", p + "code=http://loinc.org|0000-0"},
		},
		"Appointment": {
			"patient": {p, "patient=nobody"},
			"status":  {p + "status=booked", p + "status=cancelled"},
		},
		"ServiceRequest": {
			"patient":            {p, "patient=nobody"},
			"subject":            {"subject=Patient/" + pid, "subject=Patient/nobody"},
			"patient.identifier": {"patient.identifier=https://fhir.nhs.uk/Id/nhs-number|9990000018", "patient.identifier=9990000026"},
			"status":             {p + "status=active", p + "status=revoked"},
			"code":               {p + "code=Cardiology", p + "code=Dermatology"},
			"_id":                {"_id=" + srID, "_id=nobody"},
		},
		"Subscription": {
			"status": {"status=active", "status=error"},
		},
		"Slot": {
			"schedule": {"schedule=Schedule/cardiology", "schedule=Schedule/nowhere"},
			"status":   {"schedule=Schedule/cardiology&status=busy&_count=1", "schedule=Schedule/dermatology&status=busy"},
			"_count":   {"schedule=Schedule/cardiology&_count=1", "schedule=Schedule/nowhere&_count=1"},
		},
	}
	r := a.get("/fhir/metadata")
	require.Equal(t, http.StatusOK, r.status)
	declared := map[string][]string{}
	for _, res := range r.body["rest"].([]any)[0].(map[string]any)["resource"].([]any) {
		res := res.(map[string]any)
		params, _ := res["searchParam"].([]any)
		for _, sp := range params {
			declared[res["type"].(string)] = append(declared[res["type"].(string)], sp.(map[string]any)["name"].(string))
		}
	}
	for typ, params := range declared {
		for _, name := range params {
			c, ok := checks[typ][name]
			if !assert.True(t, ok, "%s?%s is declared but not checked here", typ, name) {
				continue
			}
			found := a.get("/fhir/" + typ + "?" + strings.TrimSuffix(c[0], "&"))
			require.Equal(t, http.StatusOK, found.status, found.raw)
			missed := a.get("/fhir/" + typ + "?" + c[1])
			require.Equal(t, http.StatusOK, missed.status, missed.raw)
			foundN, _ := found.body["entry"].([]any)
			missedN, _ := missed.body["entry"].([]any)
			assert.NotEmpty(t, foundN, "%s?%s finds the resource", typ, c[0])
			assert.Empty(t, missedN, "%s?%s does not", typ, c[1])
		}
		for name := range checks[typ] {
			assert.Contains(t, params, name, "%s?%s is checked but not declared", typ, name)
		}
	}
}
