package fhir_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Single Observations: vital signs one at a time, body measurements and
// laboratory results (observations.go).

// obs is a single Observation's JSON.
func obs(subject, category, code, display string, value map[string]any) string {
	res := map[string]any{
		"resourceType": "Observation", "status": "final",
		"category":          []any{map[string]any{"coding": []map[string]string{{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": category}}}},
		"code":              map[string]any{"coding": []map[string]string{{"system": "http://loinc.org", "code": code, "display": display}}, "text": display},
		"subject":           map[string]string{"reference": subject},
		"effectiveDateTime": "2026-05-01T10:30:00+01:00",
	}
	for k, v := range value {
		res[k] = v
	}
	b, _ := json.Marshal(res)
	return string(b)
}

func qty(v float64, unit string) map[string]any {
	return map[string]any{"value": v, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}
}

func valueQuantity(v float64, unit string) map[string]any {
	return map[string]any{"valueQuantity": qty(v, unit)}
}

func bpComponents(systolic, diastolic float64, unit string) map[string]any {
	return map[string]any{"component": []any{
		map[string]any{"code": map[string]any{"coding": []map[string]string{{"system": "http://loinc.org", "code": "8480-6", "display": "Systolic blood pressure"}}},
			"valueQuantity": qty(systolic, unit)},
		map[string]any{"code": map[string]any{"coding": []map[string]string{{"system": "http://loinc.org", "code": "8462-4", "display": "Diastolic blood pressure"}}},
			"valueQuantity": qty(diastolic, unit)},
	}}
}

// created posts a single Observation, checks the answer is the stored
// resource and returns it.
func created(t *testing.T, a *api, body string) map[string]any {
	t.Helper()
	r := a.post("/fhir/Observation", body)
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	id := r.body["id"].(string)
	assert.Regexp(t, `^[0-9a-f-]{36}$`, id)
	assert.Equal(t, "/fhir/Observation/"+id, r.header.Get("Location"))
	got := a.get("/fhir/Observation/" + id)
	require.Equal(t, http.StatusOK, got.status, got.raw)
	assert.JSONEq(t, r.raw, got.raw, "the answer is the stored Observation")
	assert.Equal(t, "2026-05-01T10:30:00+01:00", r.body["effectiveDateTime"], "the source's date is kept")
	return r.body
}

func profiles(res map[string]any) []string {
	var out []string
	meta, _ := res["meta"].(map[string]any)
	ps, _ := meta["profile"].([]any)
	for _, p := range ps {
		out = append(out, p.(string))
	}
	return out
}

func TestSingleVitalSignsAndMeasurements(t *testing.T) {
	a := writesAPI(t, "sqlite::memory:")
	ref := "Patient/" + createdID(t, a.post("/fhir/Patient", amy))
	for _, c := range []struct {
		code, display string
		value         map[string]any
		profile       string
	}{
		{"8867-4", "Heart rate", valueQuantity(72, "/min"), "heartrate"},
		{"9279-1", "Respiratory rate", valueQuantity(16, "/min"), "resprate"},
		{"2708-6", "Oxygen saturation in Arterial blood", valueQuantity(97, "%"), "oxygensat"},
		{"59408-5", "Oxygen saturation by Pulse oximetry", valueQuantity(96, "%"), "oxygensat"},
		{"8310-5", "Body temperature", valueQuantity(37.2, "Cel"), "bodytemp"},
		{"29463-7", "Body weight", valueQuantity(70.4, "kg"), "bodyweight"},
		{"8302-2", "Body height", valueQuantity(172.5, "cm"), "bodyheight"},
		{"39156-5", "Body mass index", valueQuantity(23.7, "kg/m2"), "bmi"},
	} {
		t.Run(c.display, func(t *testing.T) {
			res := created(t, a, obs(ref, "vital-signs", c.code, c.display, c.value))
			assert.Equal(t, []string{"http://hl7.org/fhir/StructureDefinition/vitalsigns", "http://hl7.org/fhir/StructureDefinition/" + c.profile}, profiles(res))
			assert.Equal(t, c.value["valueQuantity"].(map[string]any)["value"], res["valueQuantity"].(map[string]any)["value"])
			assert.Equal(t, c.value["valueQuantity"].(map[string]any)["code"], res["valueQuantity"].(map[string]any)["code"])
		})
	}

	bp := created(t, a, obs(ref, "vital-signs", "85354-9", "Blood pressure panel with all children optional", bpComponents(121, 79, "mm[Hg]")))
	assert.Nil(t, bp["valueQuantity"])
	components := bp["component"].([]any)
	require.Len(t, components, 2)
	for i, want := range [][2]any{{"8480-6", 121.0}, {"8462-4", 79.0}} {
		c := components[i].(map[string]any)
		assert.Equal(t, want[0], c["code"].(map[string]any)["coding"].([]any)[0].(map[string]any)["code"])
		assert.Equal(t, want[1], c["valueQuantity"].(map[string]any)["value"])
		assert.Equal(t, "mm[Hg]", c["valueQuantity"].(map[string]any)["code"])
	}

	s := a.get("/fhir/Observation?patient=" + ref + "&code=http://loinc.org|8867-4")
	require.Equal(t, http.StatusOK, s.status, s.raw)
	assert.EqualValues(t, 1, s.body["total"])
	s = a.get("/fhir/Observation?patient=" + ref + "&category=vital-signs")
	assert.EqualValues(t, 9, s.body["total"], "eight single values and the blood pressure")
	s = a.get("/fhir/Observation?patient=" + ref + "&category=laboratory")
	assert.EqualValues(t, 0, s.body["total"])
}

func TestLaboratoryResults(t *testing.T) {
	a := writesAPI(t, "sqlite::memory:")
	ref := "Patient/" + createdID(t, a.post("/fhir/Patient", amy))
	k := valueQuantity(5.9, "mmol/L")
	k["referenceRange"] = []any{map[string]any{"low": qty(3.5, "mmol/L"), "high": qty(5.3, "mmol/L")}}
	k["interpretation"] = []any{map[string]any{"coding": []map[string]string{{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "code": "H"}}}}
	potassium := created(t, a, obs(ref, "laboratory", "2823-3", "Potassium [Moles/volume] in Serum or Plasma", k))
	assert.Nil(t, profiles(potassium), "a laboratory result claims no vital-signs profile")
	assert.Equal(t, "laboratory", potassium["category"].([]any)[0].(map[string]any)["coding"].([]any)[0].(map[string]any)["code"])
	assert.Equal(t, 5.9, potassium["valueQuantity"].(map[string]any)["value"])
	rr := potassium["referenceRange"].([]any)[0].(map[string]any)
	assert.Equal(t, 3.5, rr["low"].(map[string]any)["value"])
	assert.Equal(t, 5.3, rr["high"].(map[string]any)["value"])
	assert.Equal(t, "High", potassium["interpretation"].([]any)[0].(map[string]any)["text"])

	pcr := created(t, a, obs(ref, "laboratory", "94500-6", "SARS-CoV-2 RNA [Presence] in Respiratory system specimen by NAA with probe detection",
		map[string]any{"valueString": "Not detected"}))
	assert.Equal(t, "Not detected", pcr["valueString"])
	colour := created(t, a, obs(ref, "laboratory", "5778-6", "Color of Urine",
		map[string]any{"valueCodeableConcept": map[string]any{"coding": []map[string]string{{"system": "http://snomed.info/sct", "code": "371244009", "display": "Yellow"}}}}))
	assert.Equal(t, "Yellow", colour["valueCodeableConcept"].(map[string]any)["text"])

	s := a.get("/fhir/Observation?patient=" + ref + "&category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory")
	require.Equal(t, http.StatusOK, s.status, s.raw)
	assert.EqualValues(t, 3, s.body["total"])
	s = a.get("/fhir/Observation?patient=" + ref + "&code=2823-3")
	assert.EqualValues(t, 1, s.body["total"])
	s = a.get("/fhir/Observation?patient=" + ref + "&category=vital-signs")
	assert.EqualValues(t, 0, s.body["total"])
}

func TestSingleObservationsRefused(t *testing.T) {
	a := writesAPI(t, "sqlite::memory:")
	ref := "Patient/" + createdID(t, a.post("/fhir/Patient", amy))
	noDisplay := `{"resourceType":"Observation","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],` +
		`"code":{"coding":[{"system":"http://loinc.org","code":"2823-3"}]},"subject":{"reference":"` + ref + `"},"valueQuantity":{"value":4.1,"code":"mmol/L"}}`
	for _, c := range []struct {
		name, body string
		want       []string
	}{
		{"heart rate in kg", obs(ref, "vital-signs", "8867-4", "Heart rate", valueQuantity(72, "kg")),
			[]string{`Observation.valueQuantity: the heart rate must be in /min (UCUM), got "kg"`}},
		{"temperature out of range", obs(ref, "vital-signs", "8310-5", "Body temperature", valueQuantity(73, "Cel")),
			[]string{"Observation.valueQuantity: the body temperature must be between 25 and 45 Cel, got 73 Cel"}},
		{"blood pressure in kPa", obs(ref, "vital-signs", "85354-9", "Blood pressure", bpComponents(16, 10, "kPa")), []string{
			`Observation.component[8480-6].valueQuantity: the systolic blood pressure must be in mm[Hg] (UCUM), got "kPa"`,
			`Observation.component[8462-4].valueQuantity: the diastolic blood pressure must be in mm[Hg] (UCUM), got "kPa"`}},
		{"lab code without display", noDisplay,
			[]string{"Observation.code: the code http://loinc.org|2823-3 needs a display or text, to show what was measured"}},
		{"lab without value", obs(ref, "laboratory", "2823-3", "Potassium", nil),
			[]string{"Observation.value[x]: a value is required (valueQuantity, valueString or valueCodeableConcept)"}},
		{"bad date", obs(ref, "vital-signs", "8867-4", "Heart rate", map[string]any{"valueQuantity": qty(72, "/min"), "effectiveDateTime": "01/05/2026"}),
			[]string{`Observation.effectiveDateTime: "01/05/2026" is not a FHIR dateTime (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+zz:zz)`}},
		{"unknown patient", obs("Patient/nobody", "vital-signs", "8867-4", "Heart rate", valueQuantity(72, "/min")),
			[]string{"Observation.subject: Patient/nobody is not known"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := a.post("/fhir/Observation", c.body)
			assert.Equal(t, http.StatusUnprocessableEntity, r.status, r.raw)
			assert.Equal(t, c.want, diagnostics(t, r))
		})
	}
	s := a.get("/fhir/Observation?patient=" + ref)
	assert.EqualValues(t, 0, s.body["total"], "nothing invalid was stored")
}

func TestSingleObservationsInTransaction(t *testing.T) {
	a := writesAPI(t, "sqlite::memory:")
	obsEntry := func(resource string) string {
		return `{"resource":` + resource + `,"request":{"method":"POST","url":"Observation"}}`
	}
	// The clinical clock stamps a result without a date.
	undated := map[string]any{}
	require.NoError(t, json.Unmarshal([]byte(obs("urn:uuid:amy", "vital-signs", "8867-4", "Heart rate", valueQuantity(64, "/min"))), &undated))
	delete(undated, "effectiveDateTime")
	undatedJSON, _ := json.Marshal(undated)
	r := a.post("/fhir", bundleJSON("transaction",
		entry("urn:uuid:amy", amy, ""),
		obsEntry(normal("urn:uuid:amy", 16).json()),
		obsEntry(obs("urn:uuid:amy", "vital-signs", "85354-9", "Blood pressure", bpComponents(130, 85, "mm[Hg]"))),
		obsEntry(obs("urn:uuid:amy", "laboratory", "718-7", "Hemoglobin [Mass/volume] in Blood", valueQuantity(13.5, "g/dL"))),
		obsEntry(string(undatedJSON)),
	))
	got := entryResponses(t, r, "transaction-response")
	require.Len(t, got, 5)
	for _, e := range got {
		assert.Equal(t, "201 Created", e[0])
	}
	assert.Regexp(t, `^Observation/[0-9a-f-]{36}-panel$`, got[1][1], "a NEWS2 panel is still a set")
	assert.Regexp(t, `^Observation/[0-9a-f-]{36}$`, got[2][1])
	hr := a.get("/fhir/" + got[4][1])
	require.Equal(t, http.StatusOK, hr.status, hr.raw)
	assert.Equal(t, "2026-06-01T00:00:00Z", hr.body["effectiveDateTime"], "the clinical clock when the source has no date")

	pid := got[0][1]
	s := a.get("/fhir/Observation?patient=" + pid)
	assert.EqualValues(t, 8+3, s.body["total"], "the panel and its seven members, and three single results")
	s = a.get("/fhir/Observation?patient=" + pid + "&code=85354-9")
	assert.EqualValues(t, 2, s.body["total"], "the set's blood pressure and the single one")

	// A transaction with a bad single result stores nothing.
	r = a.post("/fhir", bundleJSON("transaction",
		obsEntry(obs(pid, "vital-signs", "29463-7", "Body weight", valueQuantity(70, "kg"))),
		obsEntry(obs(pid, "vital-signs", "29463-7", "Body weight", valueQuantity(70, "st"))),
	))
	require.Equal(t, http.StatusUnprocessableEntity, r.status, r.raw)
	assert.Equal(t, []string{`Bundle.entry[1]: resource: Observation.valueQuantity: the body weight must be in kg, g or [lb_av] (UCUM), got "st"`}, diagnostics(t, r))
	s = a.get("/fhir/Observation?patient=" + pid + "&code=29463-7")
	assert.EqualValues(t, 0, s.body["total"])
}

func TestCapabilityStatementObservationProfiles(t *testing.T) {
	a := writesAPI(t, "sqlite::memory:")
	r := a.get("/fhir/metadata")
	require.Equal(t, http.StatusOK, r.status, r.raw)
	var got []any
	for _, res := range r.body["rest"].([]any)[0].(map[string]any)["resource"].([]any) {
		if res := res.(map[string]any); res["type"] == "Observation" {
			got = res["supportedProfile"].([]any)
		}
	}
	assert.Equal(t, []any{
		"http://hl7.org/fhir/StructureDefinition/vitalsigns",
		"http://hl7.org/fhir/StructureDefinition/bp",
		"http://hl7.org/fhir/StructureDefinition/bodyweight",
		"http://hl7.org/fhir/StructureDefinition/bodyheight",
		"http://hl7.org/fhir/StructureDefinition/bmi",
	}, got)
}
